/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "mtp-render.h"
#include "mtp-test-cases.h"

/* Properties every built rule set must have, whatever the options: these hold
 * independently of the golden files, which only freeze the output. */

static const MtpTestCase *
find_case (const char *name)
{
  for (guint i = 0; i < mtp_n_test_cases; i++)
    if (strcmp (mtp_test_cases[i].name, name) == 0)
      return &mtp_test_cases[i];
  g_assert_not_reached ();
}

static gboolean
same_chain (const MtpRule *a, const MtpRule *b)
{
  return a->family == b->family && a->table == b->table && strcmp (a->chain, b->chain) == 0;
}

static gboolean
is_builtin (const char *chain)
{
  return strcmp (chain, "PREROUTING") == 0 || strcmp (chain, "OUTPUT") == 0;
}

static void
test_invariants (gconstpointer data)
{
  const MtpTestCase *tc = data;
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (tc);

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      gboolean chain_known = is_builtin (r->chain);

      /* Every rule lives in a built-in chain or in one of ours of the same
       * family and table; firewalld needs ours to exist first. */
      for (guint c = 0; c < rs->chains->len; c++)
        {
          const MtpChain *ch = rs->chains->pdata[c];
          if (ch->family == r->family && ch->table == r->table && strcmp (ch->name, r->chain) == 0)
            chain_known = TRUE;
        }
      g_assert_true (chain_known);
      g_assert_true (is_builtin (r->chain) || g_str_has_prefix (r->chain, MTP_CHAIN_PREFIX));
      /* Only built-in chains get inserted rules. */
      if (r->position == MTP_POSITION_INSERT)
        g_assert_true (is_builtin (r->chain));

      /* Addresses are of the rule's family. */
      for (guint m = 0; m < r->matches->len; m++)
        {
          const MtpMatch *match = &g_array_index (r->matches, MtpMatch, m);
          if (match->type == MTP_MATCH_SOURCE || match->type == MTP_MATCH_DESTINATION)
            g_assert_cmpint (match->cidr.family, ==, r->family);
          if (match->type == MTP_MATCH_MULTIPORT)
            {
              guint slots = 0;
              for (guint p = 0; p < match->multiport.n_ports; p++)
                slots += match->multiport.ports[p].first == match->multiport.ports[p].last ? 1 : 2;
              g_assert_cmpuint (slots, <=, MTP_MULTIPORT_MAX);
              g_assert_cmpuint (slots, >, 0);
            }
        }

      /* Priorities are distinct inside a chain and order it as the rules are
       * ordered: inserted ones (in build order) first, then appended ones. */
      for (guint j = i + 1; j < rs->rules->len; j++)
        {
          const MtpRule *o = rs->rules->pdata[j];
          if (!same_chain (r, o))
            continue;
          g_assert_cmpint (r->priority, !=, o->priority);
          if (r->position == o->position)
            g_assert_cmpint (r->priority, <, o->priority);
          else if (r->position == MTP_POSITION_INSERT)
            g_assert_cmpint (r->priority, <, o->priority);
          else
            g_assert_cmpint (o->priority, <, r->priority);
        }

      /* Comments carry the prefix when enabled and are absent when not. */
      if (strcmp (tc->name, "comments-disabled") == 0)
        g_assert_null (r->comment);
      else
        {
          g_auto (GStrv) args = mtp_rule_to_args (r);
          g_assert_cmpstr (args[0], ==, "-m");
          g_assert_cmpstr (args[1], ==, "comment");
          g_assert_true (g_str_has_prefix (args[3], MTP_COMMENT_PREFIX));
        }
    }
}

/* The comment texts of the rules of one chain, in chain order. */
static GPtrArray *
chain_comments (const MtpRuleset *rs, MtpFamily family, MtpTable table, const char *chain)
{
  GPtrArray *inserted = g_ptr_array_new ();
  GPtrArray *appended = g_ptr_array_new ();

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      if (r->family == family && r->table == table && strcmp (r->chain, chain) == 0)
        g_ptr_array_add (r->position == MTP_POSITION_INSERT ? inserted : appended, r->comment);
    }
  for (guint i = 0; i < appended->len; i++)
    g_ptr_array_add (inserted, appended->pdata[i]);
  g_ptr_array_unref (appended);
  g_ptr_array_add (inserted, NULL);
  return inserted;
}

static void
assert_chain (const MtpRuleset *rs, MtpFamily family, MtpTable table, const char *chain,
              const char *const *expected)
{
  g_autoptr (GPtrArray) got = chain_comments (rs, family, table, chain);
  guint n = 0;

  /* Counted here rather than by g_assert_cmpstrv (): clang's analyzer cannot
   * see through g_strv_length () and would take an element past the end. */
  while (expected[n] != NULL)
    n++;
  g_assert_cmpuint (got->len - 1, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (got->pdata[i], ==, expected[i]);
}

/* ruleset.md section 3: LOG, UID/port exclusions, IP exclusions, DNS bypass,
 * DNS redirects, then the jump when inserted. */
static void
test_output_insert_order (void)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("everything"));
  const char *const v4[] = { "log/OUTPUT",
                             "output/exclude-ports-for-uids",
                             "output/exclude-ip",
                             "output/dns-proxy-bypass",
                             "output/dns-redirect",
                             "output/dns-redirect",
                             "output/outbound",
                             "output/dns-tcp-return",
                             NULL };
  const char *const v6[] = { "log/OUTPUT",
                             "output/exclude-ports-for-uids",
                             "output/exclude-ip",
                             "output/dns-proxy-bypass",
                             "output/dns-redirect",
                             "output/outbound",
                             "output/dns-tcp-return",
                             NULL };
  const char *const pre4[] = { "log/PREROUTING", "vnet/docker0/dns", "vnet/docker0/outbound",
                               "prerouting/inbound", NULL };
  const char *const pre6[] = { "log/PREROUTING", "prerouting/inbound", NULL };
  const char *const in4[]
      = { "inbound/exclude-ip", "inbound/exclude-port", "inbound/redirect", NULL };
  const char *const in6[] = { "inbound/exclude-port", "inbound/redirect", NULL };

  assert_chain (rs, MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", v4);
  assert_chain (rs, MTP_FAMILY_IPV6, MTP_TABLE_NAT, "OUTPUT", v6);
  assert_chain (rs, MTP_FAMILY_IPV4, MTP_TABLE_NAT, "PREROUTING", pre4);
  assert_chain (rs, MTP_FAMILY_IPV6, MTP_TABLE_NAT, "PREROUTING", pre6);
  assert_chain (rs, MTP_FAMILY_IPV4, MTP_TABLE_NAT, "KUMA_MESH_INBOUND", in4);
  assert_chain (rs, MTP_FAMILY_IPV6, MTP_TABLE_NAT, "KUMA_MESH_INBOUND", in6);
}

static guint
count_rules (const MtpRuleset *rs, MtpFamily family, const char *comment)
{
  guint n = 0;

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      if (r->family == family && g_strcmp0 (r->comment, comment) == 0)
        n++;
    }
  return n;
}

static void
test_uid_exclusions_split (void)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("uid-exclusions"));

  /* tcp:22,80 (1) + udp:53 (1) + 8080 both (2) + 1003 all both (2) + *:*:2000
   * (2) + 18 tcp ports in 15+3 (2) + 1 port and 7 ranges = 15 slots per
   * protocol (2) = 12 per family. */
  g_assert_cmpuint (count_rules (rs, MTP_FAMILY_IPV4, "output/exclude-ports-for-uids"), ==, 12);
  g_assert_cmpuint (count_rules (rs, MTP_FAMILY_IPV6, "output/exclude-ports-for-uids"), ==, 12);
}

/* pack-ports: sorted, each port once, consecutive ones made ranges, at most
 * 15 slots per rule (a range takes two); without it one rule per port. */
static void
test_pack_ports (void)
{
  g_autoptr (MtpRuleset) packed = mtp_test_case_build (find_case ("pack-ports"));
  g_autoptr (MtpRuleset) single = mtp_test_case_build (find_case ("ports-exclusions"));

  static const MtpFamily families[] = { MTP_FAMILY_IPV4, MTP_FAMILY_IPV6 };

  for (guint fi = 0; fi < G_N_ELEMENTS (families); fi++)
    {
      MtpFamily f = families[fi];
      guint n_out = 0, n_in = 0;

      for (guint i = 0; i < packed->rules->len; i++)
        {
          const MtpRule *r = packed->rules->pdata[i];
          const MtpMatch *m = NULL;
          guint slots = 0;

          if (r->family != f || !g_str_has_suffix (r->comment, "/exclude-port"))
            continue;
          for (guint k = 0; k < r->matches->len; k++)
            if (g_array_index (r->matches, MtpMatch, k).type == MTP_MATCH_MULTIPORT)
              m = &g_array_index (r->matches, MtpMatch, k);
          g_assert_nonnull (m);
          g_assert_cmpint (m->multiport.protocol, ==, MTP_PROTO_TCP);
          for (guint p = 0; p < m->multiport.n_ports; p++)
            {
              slots += m->multiport.ports[p].first == m->multiport.ports[p].last ? 1 : 2;
              if (p > 0)
                g_assert_cmpuint (m->multiport.ports[p].first, >,
                                  m->multiport.ports[p - 1].last + 1);
            }
          g_assert_cmpuint (slots, <=, MTP_MULTIPORT_MAX);
          if (strcmp (r->chain, "KUMA_MESH_INBOUND") == 0)
            {
              /* 22, 443, 8080:8082 */
              g_assert_cmpuint (m->multiport.n_ports, ==, 3);
              g_assert_cmpuint (m->multiport.ports[2].first, ==, 8080);
              g_assert_cmpuint (m->multiport.ports[2].last, ==, 8082);
              n_in++;
            }
          else
            {
              g_assert_cmpuint (m->multiport.n_ports, ==, n_out == 0 ? 14 : 5);
              n_out++;
            }
        }
      g_assert_cmpuint (n_in, ==, 1);
      g_assert_cmpuint (n_out, ==, 2);
      g_assert_cmpuint (count_rules (single, f, "inbound/exclude-port"), ==, 2);
      g_assert_cmpuint (count_rules (single, f, "outbound/exclude-port"), ==, 2);
    }
}

static void
test_families (void)
{
  g_autoptr (MtpRuleset) v4only = mtp_test_case_build (find_case ("ipv4-only"));
  g_autoptr (MtpRuleset) unusable = mtp_test_case_build (find_case ("ipv6-unusable"));
  g_autoptr (MtpRuleset) dual = mtp_test_case_build (find_case ("dns-servers"));
  g_autoptr (MtpRuleset) no_v6_dns = mtp_test_case_build (find_case ("dns-no-ipv6-nameserver"));

  g_assert_false (mtp_ruleset_has_family (v4only, MTP_FAMILY_IPV6));
  g_assert_cmpuint (v4only->notices->len, ==, 0);
  g_assert_false (mtp_ruleset_has_family (unusable, MTP_FAMILY_IPV6));
  g_assert_cmpuint (unusable->notices->len, ==, 1);
  g_assert_nonnull (strstr (unusable->notices->pdata[0], "IPv6"));
  g_assert_true (mtp_ruleset_has_family (dual, MTP_FAMILY_IPV6));
  g_assert_true (mtp_ruleset_has_family (dual, MTP_FAMILY_IPV4));

  /* No IPv6 nameserver: IPv6 keeps the TCP rules, loses DNS, and says so. */
  g_assert_cmpuint (count_rules (no_v6_dns, MTP_FAMILY_IPV6, "output/dns-redirect"), ==, 0);
  g_assert_cmpuint (count_rules (no_v6_dns, MTP_FAMILY_IPV4, "output/dns-redirect"), ==, 1);
  g_assert_cmpuint (count_rules (no_v6_dns, MTP_FAMILY_IPV6, "outbound/redirect"), ==, 1);
  g_assert_cmpuint (no_v6_dns->notices->len, ==, 1);
  g_assert_nonnull (strstr (no_v6_dns->notices->pdata[0], "IPv6"));
}

static void
test_inbound_disabled (void)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("inbound-disabled"));
  const char *const expected[] = { "inbound/disabled", NULL };

  assert_chain (rs, MTP_FAMILY_IPV4, MTP_TABLE_NAT, "KUMA_MESH_INBOUND", expected);
  assert_chain (rs, MTP_FAMILY_IPV6, MTP_TABLE_NAT, "KUMA_MESH_INBOUND", expected);
}

static void
test_docker_output (void)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("dns-docker-output"));
  guint found = 0;

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      if (g_strcmp0 (r->comment, "output/dns-proxy-bypass") != 0)
        continue;
      g_assert_cmpint (r->target.type, ==, MTP_TARGET_JUMP);
      g_assert_cmpstr (r->target.chain, ==, "DOCKER_OUTPUT");
      found++;
    }
  g_assert_cmpuint (found, ==, 2);
}

static void
test_finalize_numbering (void)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("everything"));

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      if (r->position == MTP_POSITION_INSERT)
        {
          g_assert_cmpuint (r->insert_index, >=, 1);
          g_assert_cmpint (r->priority, <, 0);
        }
      else
        {
          g_assert_cmpuint (r->insert_index, ==, 0);
          g_assert_cmpint (r->priority, >=, 0);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autofree char *path = g_strdup_printf ("/builder/invariants/%s", mtp_test_cases[i].name);
      g_test_add_data_func (path, &mtp_test_cases[i], test_invariants);
    }
  g_test_add_func ("/builder/output-insert-order", test_output_insert_order);
  g_test_add_func ("/builder/uid-exclusions/split", test_uid_exclusions_split);
  g_test_add_func ("/builder/pack-ports", test_pack_ports);
  g_test_add_func ("/builder/families", test_families);
  g_test_add_func ("/builder/inbound-disabled", test_inbound_disabled);
  g_test_add_func ("/builder/dns/docker-output", test_docker_output);
  g_test_add_func ("/builder/finalize-numbering", test_finalize_numbering);
  return g_test_run ();
}
