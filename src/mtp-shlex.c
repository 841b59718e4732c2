/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-shlex.h"

#include <string.h>

#include <glib/gi18n.h>

#include "mtp-error.h"

/* Everything special to shlex is ASCII and UTF-8 never puts an ASCII byte
 * inside a multi-byte character, so working on bytes gives the same result
 * as Python working on code points. */

static gboolean
is_space (char c)
{
  /* shlex's whitespace; not '\v' or '\f', which join tokens there */
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gboolean
is_safe (char c)
{
  /* shlex.quote's [\w@%+=:,./-] with re.ASCII */
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("_@%+=:,./-", c) != NULL);
}

char *
mtp_shlex_quote (const char *token)
{
  GString *out;
  const char *p;
  gboolean safe = TRUE;

  g_return_val_if_fail (token != NULL, NULL);

  if (*token == '\0')
    return g_strdup ("''");

  for (p = token; *p != '\0' && safe; p++)
    safe = is_safe (*p);
  if (safe)
    return g_strdup (token);

  out = g_string_sized_new (strlen (token) + 2);
  g_string_append_c (out, '\'');
  for (p = token; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append (out, "'\"'\"'");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

char *
mtp_shlex_join (const char *const *tokens)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; tokens != NULL && tokens[i] != NULL; i++)
    {
      g_autofree char *quoted = mtp_shlex_quote (tokens[i]);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, quoted);
    }
  return g_string_free (out, FALSE);
}

/* Reads one token starting at the non-space *p into tok and leaves *p at the
 * space or NUL after it. Always yields a token: one that is empty was quoted. */
static gboolean
read_token (const char **p, GString *tok, GError **error)
{
  const char *s = *p;

  while (*s != '\0' && !is_space (*s))
    {
      if (*s == '\\')
        {
          s++;
          if (*s == '\0')
            {
              g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                                   _ ("no escaped character"));
              return FALSE;
            }
          g_string_append_c (tok, *s++);
        }
      else if (*s == '\'')
        {
          const char *end = strchr (s + 1, '\'');

          if (end == NULL)
            {
              g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                                   _ ("no closing quotation"));
              return FALSE;
            }
          g_string_append_len (tok, s + 1, end - (s + 1));
          s = end + 1;
        }
      else if (*s == '"')
        {
          for (s++; *s != '"'; s++)
            {
              if (*s == '\0')
                {
                  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                                       _ ("no closing quotation"));
                  return FALSE;
                }
              if (*s == '\\')
                {
                  s++;
                  /* Python checks this before the missing closing quote */
                  if (*s == '\0')
                    {
                      g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                                           _ ("no escaped character"));
                      return FALSE;
                    }
                  /* POSIX mode: only the quote and the backslash are escaped */
                  if (*s != '"' && *s != '\\')
                    g_string_append_c (tok, '\\');
                }
              g_string_append_c (tok, *s);
            }
          s++;
        }
      else
        {
          /* A run of ordinary characters at once (install records hold
           * thousands of lines). */
          gsize n = strcspn (s, "\\'\" \t\r\n");

          g_string_append_len (tok, s, (gssize)n);
          s += n;
        }
    }
  *p = s;
  return TRUE;
}

char **
mtp_shlex_split (const char *text, GError **error)
{
  g_autoptr (GPtrArray) tokens = NULL;
  g_autoptr (GString) tok = NULL;
  const char *p = text;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tokens = g_ptr_array_new_with_free_func (g_free);
  /* One buffer for every token: a copy of each the size it is. */
  tok = g_string_new (NULL);
  for (;;)
    {
      while (is_space (*p))
        p++;
      if (*p == '\0')
        break;

      g_string_truncate (tok, 0);
      if (!read_token (&p, tok, error))
        return NULL;
      g_ptr_array_add (tokens, g_strndup (tok->str, tok->len));
    }
  g_ptr_array_add (tokens, NULL);
  return (char **)g_ptr_array_free (g_steal_pointer (&tokens), FALSE);
}
