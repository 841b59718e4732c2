/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-error.h"
#include "mtp-kernel.h"

/* The reader of iptables-save output and the canonical form of rules. For the
 * input text up to the first NUL:
 *  - parsing either fails with MTP_ERROR_FAILED and a message naming a line
 *    of the text, or gives rules each in a chain its table declared;
 *  - a line that splits gives words that, written back the way iptables-save
 *    writes them (xtables_save_string: a word of [A-Za-z0-9_-] bare, any
 *    other in double quotes with '"', '\\' and '\'' escaped), split back to
 *    themselves;
 *  - the canonical form of any rule's words is a fixed point, and the
 *    comparison of the tables with themselves finds no difference. */

static char *
save_string (const char *word)
{
  GString *out = g_string_new (NULL);
  gboolean bare = *word != '\0';

  for (const char *p = word; *p != '\0'; p++)
    bare &= g_ascii_isalnum (*p) || *p == '_' || *p == '-';
  if (bare)
    {
      g_string_append (out, word);
      return g_string_free (out, FALSE);
    }
  g_string_append_c (out, '"');
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\' || *p == '\'')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static void
check_words (char **words)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) again = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *w = save_string (words[i]);

      if (i > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, w);
    }
  again = mtp_kernel_split_line (line->str, &error);
  FUZZ_CHECK (again != NULL, "'%s' does not split: %s", line->str, error->message);
  FUZZ_CHECK (g_strv_equal ((const char *const *)again, (const char *const *)words),
              "'%s' splits into other words", line->str);
}

static void
check_canonical (char **words)
{
  g_auto (GStrv) once = mtp_kernel_canonical_args ((const char *const *)words);
  g_auto (GStrv) twice = mtp_kernel_canonical_args ((const char *const *)once);

  FUZZ_CHECK (g_strv_equal ((const char *const *)once, (const char *const *)twice),
              "the canonical form is not a fixed point");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirect) d = NULL;
  g_auto (GStrv) lines = NULL;

  fuzz_init ();
  d = mtp_kernel_parse_save (MTP_FAMILY_IPV4, text, &error);
  if (d == NULL)
    FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_FAILED)
                    && (strstr (error->message, "line ") != NULL
                        || strstr (error->message, "(no COMMIT)") != NULL),
                "unexpected error: %s", error->message);
  else
    {
      g_autoptr (MtpKernelDiff) diff = NULL;
      g_autoptr (MtpDirect) ours = NULL;

      for (guint i = 0; i < d->rules->len; i++)
        check_canonical (((MtpDirectRule *)d->rules->pdata[i])->args);
      /* The tables against their own rules of ours: nothing differs. */
      mtp_direct_split (d, NULL, &ours, NULL);
      diff = mtp_kernel_compare (d, ours, FALSE);
      FUZZ_CHECK (diff->extra_rules->len == 0 && diff->missing_rules->len == 0,
                  "the tables differ from themselves: %u extra, %u missing rules",
                  diff->extra_rules->len, diff->missing_rules->len);
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GError) line_error = NULL;
      g_auto (GStrv) words = mtp_kernel_split_line (lines[i], &line_error);

      if (words == NULL)
        {
          FUZZ_CHECK (g_error_matches (line_error, MTP_ERROR, MTP_ERROR_FAILED),
                      "unexpected error: %s", line_error->message);
          continue;
        }
      check_words (words);
      check_canonical (words);
    }
  return 0;
}
