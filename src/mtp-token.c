/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-token.h"
#include "mtp-types.h"

/* Beside ASCII letters and digits, every kind takes '-' (never first), '_'
 * and '.'; MARKS are the marks a kind needs on top. */
static const struct
{
  const char *what;    /* for messages */
  const char *marks;   /* allowed anywhere */
  const char *allowed; /* for messages */
  gsize max_length;
} kinds[MTP_TOKEN_N] = {
  [MTP_TOKEN_IFACE]
  = { N_ ("interface name"), "", N_ ("ASCII letters, digits, '-', '_' and '.'"), MTP_IFNAMSIZ - 1 },
  /* '+' is allowed at the end only: checked below. */
  [MTP_TOKEN_IFACE_WILDCARD]
  = { N_ ("interface name"), "", N_ ("ASCII letters, digits, '-', '_' and '.', and '+' at the end"),
      MTP_IFNAMSIZ - 1 },
  /* "kuma/mesh/transparent/proxy/vnet/br+/dns" */
  [MTP_TOKEN_COMMENT]
  = { N_ ("comment"), "/+", N_ ("ASCII letters, digits, '-', '_', '.', '/' and '+'"), 255 },
  /* "PREROUTING:" */
  [MTP_TOKEN_LOG_PREFIX]
  = { N_ ("log prefix"), ":", N_ ("ASCII letters, digits, '-', '_', '.' and ':'"), 29 },
  [MTP_TOKEN_CHAIN] = { N_ ("chain name"), "", N_ ("ASCII letters, digits, '-', '_' and '.'"), 28 },
};

gsize
mtp_token_max_length (MtpTokenKind kind)
{
  g_return_val_if_fail (kind < MTP_TOKEN_N, 0);
  return kinds[kind].max_length;
}

gboolean
mtp_token_char_is_allowed (MtpTokenKind kind, char c)
{
  g_return_val_if_fail (kind < MTP_TOKEN_N, FALSE);
  if (g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.')
    return TRUE;
  if (kind == MTP_TOKEN_IFACE_WILDCARD && c == '+')
    return TRUE;
  return c != '\0' && strchr (kinds[kind].marks, c) != NULL;
}

/* "'\"'", "a space", "the control character '\\001'", … */
static char *
describe_char (char c)
{
  char s[2] = { c, '\0' };
  g_autofree char *escaped = g_strescape (s, NULL);

  if (c == ' ')
    return g_strdup (_ ("a space"));
  if (g_ascii_isspace (c))
    return g_strdup_printf (_ ("white space '%s'"), escaped);
  if ((guchar)c >= 0x80)
    return g_strdup_printf (_ ("the non-ASCII byte '%s'"), escaped);
  if (!g_ascii_isprint (c))
    return g_strdup_printf (_ ("the control character '%s'"), escaped);
  return g_strdup_printf ("'%c'", c);
}

gboolean
mtp_token_check (MtpTokenKind kind, const char *text, GError **error)
{
  const char *what;
  g_autofree char *escaped = NULL;
  gsize len;

  g_return_val_if_fail (kind < MTP_TOKEN_N, FALSE);
  what = _ (kinds[kind].what);
  len = strlen (text);
  if (len == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("invalid %s '': empty"), what);
      return FALSE;
    }
  escaped = g_strescape (text, NULL);
  for (gsize i = 0; i < len; i++)
    if (kind == MTP_TOKEN_IFACE && text[i] == '+')
      {
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid %s '%s': wildcard '+' is not allowed here"), what, escaped);
        return FALSE;
      }
    else if (!mtp_token_char_is_allowed (kind, text[i]))
      {
        g_autofree char *c = describe_char (text[i]);

        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid %s '%s': contains %s, which cannot be written unchanged into "
                        "a rule (allowed: %s)"),
                     what, escaped, c, _ (kinds[kind].allowed));
        return FALSE;
      }
  if (len > kinds[kind].max_length)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid %s '%s': longer than %u bytes"), what, escaped,
                   (guint)kinds[kind].max_length);
      return FALSE;
    }
  /* iptables would read it as an option, and firewalld a "-t" anywhere as the
   * table. */
  if (text[0] == '-')
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid %s '%s': begins with '-', which iptables and firewalld read as an "
                      "option"),
                   what, escaped);
      return FALSE;
    }
  if (kind != MTP_TOKEN_IFACE && kind != MTP_TOKEN_IFACE_WILDCARD)
    return TRUE;
  /* The kernel's dev_valid_name(). */
  if (strcmp (text, ".") == 0 || strcmp (text, "..") == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid %s '%s': '.' and '..' are not allowed"), what, escaped);
      return FALSE;
    }
  /* iptables' prefix match: "br+" is every interface whose name begins
   * with "br"; "+" alone is every interface. */
  for (gsize i = 0; i + 1 < len; i++)
    if (text[i] == '+')
      {
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid %s '%s': '+' is only allowed as the last character"), what,
                     escaped);
        return FALSE;
      }
  if (strcmp (text, "+") == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid %s '+': a '+' alone matches every interface (and iptables-save "
                      "leaves it out); name the interfaces, or a prefix such as 'br+'"),
                   what);
      return FALSE;
    }
  return TRUE;
}

void
mtp_token_assert (MtpTokenKind kind, const char *text)
{
  g_autoptr (GError) error = NULL;

  if (text == NULL || !mtp_token_check (kind, text, &error))
    g_error ("a value outside the alphabet of rules reached a renderer: %s",
             error != NULL ? error->message : "(null)");
}
