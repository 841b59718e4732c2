/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-render.h"
#include "mtp-rule.h"
#include "mtp-shlex.h"
#include "mtp-token.h"

/* The one alphabet of values that reach a rule (mtp-token.h), and the
 * renderers' guard against anything outside it. */

/* What the forms of a rule do not carry unchanged, whatever the kind:
 * iptables-restore's quote and separators, firewalld's own restore text (no
 * escaping; %%REJECT%% and friends replaced), shell and shlex quoting,
 * iptables-save's unquoted names read back, XML. */
static const char hostile[] = "\"'\\ \t\n\r\v\f#%!$`;&|<>(){}[]*?~=,@^";

static void
test_alphabet (void)
{
  for (MtpTokenKind kind = 0; kind < MTP_TOKEN_N; kind++)
    for (int c = 1; c < 256; c++)
      {
        gboolean allowed = mtp_token_char_is_allowed (kind, (char)c);
        char s[2] = { (char)c, '\0' };

        if (g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.')
          g_assert_true (allowed);
        if (c >= 0x80 || !g_ascii_isprint (c) || strchr (hostile, c) != NULL)
          g_assert_false (allowed);
        if (allowed)
          {
            /* shlex (direct.xml, firewall-cmd lines) leaves it bare. */
            g_autofree char *quoted = mtp_shlex_quote (s);
            g_assert_cmpstr (quoted, ==, s);
          }
      }
  /* The marks each kind needs on top. */
  g_assert_true (mtp_token_char_is_allowed (MTP_TOKEN_IFACE_WILDCARD, '+'));
  g_assert_false (mtp_token_char_is_allowed (MTP_TOKEN_IFACE, '+'));
  g_assert_true (mtp_token_char_is_allowed (MTP_TOKEN_COMMENT, '/'));
  g_assert_true (mtp_token_char_is_allowed (MTP_TOKEN_COMMENT, '+'));
  g_assert_false (mtp_token_char_is_allowed (MTP_TOKEN_COMMENT, ':'));
  g_assert_true (mtp_token_char_is_allowed (MTP_TOKEN_LOG_PREFIX, ':'));
  g_assert_false (mtp_token_char_is_allowed (MTP_TOKEN_CHAIN, '/'));
  g_assert_false (mtp_token_char_is_allowed (MTP_TOKEN_IFACE, '/'));
  g_assert_false (mtp_token_char_is_allowed (MTP_TOKEN_IFACE, ':'));
}

static void
test_check (void)
{
  static const struct
  {
    MtpTokenKind kind;
    const char *text;
    const char *phrase; /* NULL: valid */
  } cases[] = {
    { MTP_TOKEN_IFACE, "eth0", NULL },
    { MTP_TOKEN_IFACE, "docker_gwbridge", NULL },
    { MTP_TOKEN_IFACE, "veth1234567890a", NULL },
    { MTP_TOKEN_IFACE, "veth1234567890ab", "longer than 15 bytes" },
    { MTP_TOKEN_IFACE, "x\"", "contains '\"', which cannot be written unchanged into a rule" },
    { MTP_TOKEN_IFACE, "br+", "wildcard '+' is not allowed here" },
    { MTP_TOKEN_IFACE_WILDCARD, "br+", NULL },
    { MTP_TOKEN_IFACE_WILDCARD, "+", "a '+' alone matches every interface" },
    { MTP_TOKEN_IFACE_WILDCARD, "b+r", "'+' is only allowed as the last character" },
    { MTP_TOKEN_IFACE, ".", "'.' and '..' are not allowed" },
    { MTP_TOKEN_IFACE, "-t", "begins with '-'" },
    { MTP_TOKEN_IFACE, "", "empty" },
    { MTP_TOKEN_COMMENT, "kuma/mesh/transparent/proxy/vnet/br+/dns", NULL },
    { MTP_TOKEN_COMMENT, "kuma/a\"b", "invalid comment 'kuma/a\\\"b': contains '\"'" },
    { MTP_TOKEN_COMMENT, "kuma/a b", "contains a space" },
    { MTP_TOKEN_COMMENT, "-kuma", "begins with '-'" },
    { MTP_TOKEN_LOG_PREFIX, "PREROUTING:", NULL },
    { MTP_TOKEN_LOG_PREFIX, "PRE ROUTING:", "invalid log prefix" },
    { MTP_TOKEN_LOG_PREFIX, "%%LOGTYPE%%", "contains '%'" },
    { MTP_TOKEN_CHAIN, "KUMA_MESH_OUTBOUND", NULL },
    { MTP_TOKEN_CHAIN, "DOCKER_OUTPUT", NULL },
    { MTP_TOKEN_CHAIN, "A234567890123456789012345678", NULL },
    { MTP_TOKEN_CHAIN, "A2345678901234567890123456789", "longer than 28 bytes" },
    { MTP_TOKEN_CHAIN, "KUMA MESH", "invalid chain name 'KUMA MESH': contains a space" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = mtp_token_check (cases[i].kind, cases[i].text, &error);

      g_test_message ("%s -> %s", cases[i].text, error ? error->message : "ok");
      if (cases[i].phrase == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, cases[i].phrase));
    }
  /* The limits of the kernel's fields. */
  g_assert_cmpuint (mtp_token_max_length (MTP_TOKEN_IFACE), ==, 15);
  g_assert_cmpuint (mtp_token_max_length (MTP_TOKEN_COMMENT), ==, 255);
  g_assert_cmpuint (mtp_token_max_length (MTP_TOKEN_LOG_PREFIX), ==, 29);
  g_assert_cmpuint (mtp_token_max_length (MTP_TOKEN_CHAIN), ==, 28);
}

/* A rule as the builder makes them, with one value swapped for a bad one
 * (as if a check where values enter had been missed). */
typedef enum
{
  BAD_IFACE,
  BAD_COMMENT,
  BAD_LOG_PREFIX,
  BAD_JUMP,
  BAD_CHAIN,
  BAD_N,
} BadField;

static MtpRule *
rule_with_bad (BadField field)
{
  MtpRule *r
      = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT,
                      field == BAD_CHAIN ? "PRE\"ROUTING" : "PREROUTING", MTP_POSITION_APPEND);
  MtpMatch *m;

  mtp_rule_set_comment (r, field == BAD_COMMENT ? "vnet/x\"/outbound" : "vnet/x/outbound");
  m = mtp_rule_add_match (r, MTP_MATCH_IN_IFACE, FALSE);
  g_strlcpy (m->iface, field == BAD_IFACE ? "x\"" : "x", sizeof m->iface);
  if (field == BAD_LOG_PREFIX)
    {
      r->target.type = MTP_TARGET_LOG;
      r->target.log_prefix = g_strdup ("PRE ROUTING:");
    }
  else
    {
      r->target.type = MTP_TARGET_JUMP;
      r->target.chain = g_strdup (field == BAD_JUMP ? "KUMA_MESH_IN\\BOUND" : "KUMA_MESH_INBOUND");
    }
  return r;
}

static void
test_renderers_assert (void)
{
  if (g_test_subprocess ())
    {
      const char *field = g_getenv ("MTP_TEST_BAD_FIELD");
      const char *renderer = g_getenv ("MTP_TEST_RENDERER");
      g_autoptr (MtpRuleset) rs = mtp_ruleset_new ();
      g_autofree char *out = NULL;

      mtp_ruleset_add_rule (rs, rule_with_bad ((BadField)atoi (field)));
      mtp_ruleset_finalize (rs);
      if (strcmp (renderer, "iptables") == 0)
        out = mtp_render_iptables (rs, MTP_FAMILY_IPV4);
      else if (strcmp (renderer, "firewall-cmd") == 0)
        out = mtp_render_firewall_cmd (rs);
      else if (strcmp (renderer, "json") == 0)
        out = mtp_render_json (rs);
      else
        out = mtp_render_direct_xml (rs, NULL);
      /* Not reached: the renderer stops the program. */
      g_print ("rendered: %s", out);
      return;
    }
  for (int field = 0; field < BAD_N; field++)
    {
      static const char *const renderers[] = { "iptables", "firewall-cmd", "json", "direct-xml" };

      for (guint i = 0; i < G_N_ELEMENTS (renderers); i++)
        {
          g_autofree char *f = g_strdup_printf ("%d", field);

          g_setenv ("MTP_TEST_BAD_FIELD", f, TRUE);
          g_setenv ("MTP_TEST_RENDERER", renderers[i], TRUE);
          g_test_trap_subprocess (NULL, 0, 0);
          g_test_trap_assert_failed ();
          g_test_trap_assert_stderr ("*a value outside the alphabet of rules reached a renderer*");
          g_test_trap_assert_stdout_unmatched ("*rendered*");
        }
    }
}

static void
test_good_rule_renders (void)
{
  g_autoptr (MtpRuleset) rs = mtp_ruleset_new ();
  g_autofree char *text = NULL;

  mtp_ruleset_add_rule (rs, rule_with_bad (BAD_N));
  mtp_ruleset_finalize (rs);
  text = mtp_render_iptables (rs, MTP_FAMILY_IPV4);
  g_assert_nonnull (strstr (text, "-A PREROUTING -m comment --comment "
                                  "\"kuma/mesh/transparent/proxy/vnet/x/outbound\" -i x -j "
                                  "KUMA_MESH_INBOUND\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/token/alphabet", test_alphabet);
  g_test_add_func ("/token/check", test_check);
  g_test_add_func ("/token/good-rule-renders", test_good_rule_renders);
  g_test_add_func ("/token/renderers-assert", test_renderers_assert);
  return g_test_run ();
}
