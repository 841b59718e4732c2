/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-error.h"
#include "mtp-shlex.h"

/* The quoting of direct rule arguments (shlex.quote/shlex.split). For the
 * input text up to the first NUL:
 *  - split either fails with MTP_ERROR_INVALID_ARGS or gives tokens that
 *    join and split back to themselves;
 *  - the text quoted is one token, the text itself, and quoting it is
 *    idempotent on safe text only (a safe token is left bare).
 * For the whole input cut at every NUL, a list of arbitrary tokens (empty
 * ones included): join then split gives the list back. */

static void
check_round_trip (char **tokens)
{
  g_autofree char *joined = mtp_shlex_join ((const char *const *)tokens);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) again = mtp_shlex_split (joined, &error);
  g_autofree char *rejoined = NULL;

  FUZZ_CHECK (again != NULL, "'%s' does not split: %s", joined, error->message);
  FUZZ_CHECK (g_strv_equal ((const char *const *)again, (const char *const *)tokens),
              "'%s' splits into %u tokens, not the %u joined", joined, g_strv_length (again),
              g_strv_length (tokens));
  rejoined = mtp_shlex_join ((const char *const *)again);
  FUZZ_CHECK (strcmp (rejoined, joined) == 0, "joined again differently: '%s' / '%s'", joined,
              rejoined);
}

static void
check_quote (const char *text)
{
  g_autofree char *quoted = mtp_shlex_quote (text);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) tokens = mtp_shlex_split (quoted, &error);

  FUZZ_CHECK (tokens != NULL, "quoted '%s' does not split: %s", quoted, error->message);
  FUZZ_CHECK (tokens[0] != NULL && tokens[1] == NULL && strcmp (tokens[0], text) == 0,
              "quoted '%s' does not split into the one token '%s'", quoted, text);
  /* shlex.quote leaves exactly the non-empty safe tokens bare. */
  if (strcmp (quoted, text) == 0)
    for (const char *p = text; *p != '\0'; p++)
      FUZZ_CHECK (g_ascii_isalnum (*p) || strchr ("_@%+=:,./-", *p) != NULL,
                  "'%s' left bare but holds '%c'", text, *p);
  else
    FUZZ_CHECK (quoted[0] == '\'', "'%s' quoted as '%s'", text, quoted);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) tokens = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  fuzz_init ();

  tokens = mtp_shlex_split (text, &error);
  if (tokens == NULL)
    FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS), "unexpected error: %s",
                error->message);
  else
    check_round_trip (tokens);
  check_quote (text);

  for (size_t start = 0, i = 0; i <= size; i++)
    if (i == size || data[i] == '\0')
      {
        g_ptr_array_add (list, g_strndup ((const char *)data + start, i - start));
        start = i + 1;
      }
  g_ptr_array_add (list, NULL);
  check_round_trip ((char **)list->pdata);
  return 0;
}
