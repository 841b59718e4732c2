/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "mtp-limits.h"
#include "mtp-rule.h"
#include "mtp-token.h"

static const char *const table_names[MTP_TABLE_N] = { "raw", "mangle", "nat" };

const char *
mtp_table_to_string (MtpTable table)
{
  g_return_val_if_fail (table < MTP_TABLE_N, NULL);
  return table_names[table];
}

gboolean
mtp_table_from_string (const char *name, MtpTable *out)
{
  for (guint i = 0; i < MTP_TABLE_N; i++)
    if (g_strcmp0 (name, table_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

MtpRule *
mtp_rule_new (MtpFamily family, MtpTable table, const char *chain, MtpPosition position)
{
  MtpRule *rule = g_new0 (MtpRule, 1);

  rule->family = family;
  rule->table = table;
  rule->chain = g_strdup (chain);
  rule->position = position;
  rule->matches = g_array_new (FALSE, TRUE, sizeof (MtpMatch));
  return rule;
}

void
mtp_rule_free (MtpRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->chain);
  g_free (rule->comment);
  g_array_unref (rule->matches);
  g_free (rule->target.chain);
  g_free (rule->target.log_prefix);
  g_free (rule);
}

MtpMatch *
mtp_rule_add_match (MtpRule *rule, MtpMatchType type, gboolean invert)
{
  MtpMatch match = { .type = type, .invert = invert };

  g_array_append_val (rule->matches, match);
  return &g_array_index (rule->matches, MtpMatch, rule->matches->len - 1);
}

void
mtp_rule_set_comment (MtpRule *rule, const char *comment)
{
  g_free (rule->comment);
  rule->comment = g_strdup (comment);
}

static const char *
proto_name (MtpProtoSet protocol)
{
  return protocol == MTP_PROTO_UDP ? "udp" : "tcp";
}

static void
add (GPtrArray *args, const char *token)
{
  g_ptr_array_add (args, g_strdup (token));
}

static void
add_cidr (GPtrArray *args, gboolean invert, const char *flag, const MtpCidr *cidr)
{
  if (invert)
    add (args, "!");
  add (args, flag);
  g_ptr_array_add (args, mtp_cidr_to_string (cidr, TRUE));
}

static char *
port_range_list_to_string (const MtpPortRange *ports, guint n_ports)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n_ports; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      if (ports[i].first == ports[i].last)
        g_string_append_printf (s, "%u", ports[i].first);
      else
        g_string_append_printf (s, "%u:%u", ports[i].first, ports[i].last);
    }
  return g_string_free (s, FALSE);
}

static char *
uid_range_to_string (const MtpUidRange *uids)
{
  if (uids->first == uids->last)
    return g_strdup_printf ("%u", uids->first);
  return g_strdup_printf ("%u-%u", uids->first, uids->last);
}

static void
add_match (GPtrArray *args, const MtpMatch *m)
{
  switch (m->type)
    {
      case MTP_MATCH_PROTOCOL:
        if (m->invert)
          add (args, "!");
        add (args, "-p");
        add (args, proto_name (m->protocol));
        break;
      case MTP_MATCH_SOURCE:
        add_cidr (args, m->invert, "-s", &m->cidr);
        break;
      case MTP_MATCH_DESTINATION:
        add_cidr (args, m->invert, "-d", &m->cidr);
        break;
      case MTP_MATCH_IN_IFACE:
      case MTP_MATCH_OUT_IFACE:
        if (m->invert)
          add (args, "!");
        add (args, m->type == MTP_MATCH_IN_IFACE ? "-i" : "-o");
        add (args, m->iface);
        break;
      case MTP_MATCH_SPORT:
      case MTP_MATCH_DPORT:
        if (m->invert)
          add (args, "!");
        add (args, m->type == MTP_MATCH_SPORT ? "--sport" : "--dport");
        g_ptr_array_add (args, g_strdup_printf ("%u", m->port));
        break;
      case MTP_MATCH_MULTIPORT:
        add (args, "-m");
        add (args, "multiport");
        add (args, "-p");
        add (args, proto_name (m->multiport.protocol));
        if (m->invert)
          add (args, "!");
        add (args, "--dports");
        g_ptr_array_add (args,
                         port_range_list_to_string (m->multiport.ports, m->multiport.n_ports));
        break;
      case MTP_MATCH_OWNER:
        add (args, "-m");
        add (args, "owner");
        if (m->invert)
          add (args, "!");
        add (args, "--uid-owner");
        g_ptr_array_add (args, uid_range_to_string (&m->uids));
        break;
      case MTP_MATCH_CTSTATE:
        add (args, "-m");
        add (args, "conntrack");
        if (m->invert)
          add (args, "!");
        add (args, "--ctstate");
        add (args, "INVALID");
        break;
      default:
        g_assert_not_reached ();
    }
}

static void
add_target (GPtrArray *args, const MtpTarget *t)
{
  add (args, "-j");
  switch (t->type)
    {
      case MTP_TARGET_RETURN:
        add (args, "RETURN");
        break;
      case MTP_TARGET_DROP:
        add (args, "DROP");
        break;
      case MTP_TARGET_JUMP:
        add (args, t->chain);
        break;
      case MTP_TARGET_REDIRECT:
        add (args, "REDIRECT");
        add (args, "--to-ports");
        g_ptr_array_add (args, g_strdup_printf ("%u", t->port));
        break;
      case MTP_TARGET_CT:
        add (args, "CT");
        add (args, "--zone");
        g_ptr_array_add (args, g_strdup_printf ("%u", t->zone));
        break;
      case MTP_TARGET_LOG:
        add (args, "LOG");
        add (args, "--log-prefix");
        add (args, t->log_prefix);
        add (args, "--log-level");
        g_ptr_array_add (args, g_strdup_printf ("%u", t->log_level));
        break;
      default:
        g_assert_not_reached ();
    }
}

gboolean
mtp_rule_check_values (const MtpRule *rule, GError **error)
{
  if (!mtp_token_check (MTP_TOKEN_CHAIN, rule->chain, error))
    return FALSE;
  if (rule->comment != NULL)
    {
      g_autofree char *comment = g_strconcat (MTP_COMMENT_PREFIX, rule->comment, NULL);
      if (!mtp_token_check (MTP_TOKEN_COMMENT, comment, error))
        return FALSE;
    }
  for (guint i = 0; i < rule->matches->len; i++)
    {
      const MtpMatch *m = &g_array_index (rule->matches, MtpMatch, i);
      if ((m->type == MTP_MATCH_IN_IFACE || m->type == MTP_MATCH_OUT_IFACE)
          && !mtp_token_check (MTP_TOKEN_IFACE_WILDCARD, m->iface, error))
        return FALSE;
    }
  if (rule->target.type == MTP_TARGET_JUMP
      && !mtp_token_check (MTP_TOKEN_CHAIN, rule->target.chain, error))
    return FALSE;
  if (rule->target.type == MTP_TARGET_LOG
      && !mtp_token_check (MTP_TOKEN_LOG_PREFIX, rule->target.log_prefix, error))
    return FALSE;
  return TRUE;
}

/* Every form of a rule comes from here (but the libiptc entries, which check
 * the same way): a value outside the one alphabet of rules would change the
 * rule's meaning in one of them. */
static void
assert_values (const MtpRule *rule)
{
  g_autoptr (GError) error = NULL;

  if (!mtp_rule_check_values (rule, &error))
    g_error ("a value outside the alphabet of rules reached a renderer: %s", error->message);
}

GStrv
mtp_rule_to_args (const MtpRule *rule)
{
  GPtrArray *args = g_ptr_array_new ();

  assert_values (rule);
  if (rule->comment != NULL)
    {
      add (args, "-m");
      add (args, "comment");
      add (args, "--comment");
      g_ptr_array_add (args, g_strconcat (MTP_COMMENT_PREFIX, rule->comment, NULL));
    }
  for (guint i = 0; i < rule->matches->len; i++)
    add_match (args, &g_array_index (rule->matches, MtpMatch, i));
  add_target (args, &rule->target);
  g_ptr_array_add (args, NULL);
  return (GStrv)g_ptr_array_free (args, FALSE);
}

MtpChain *
mtp_chain_new (MtpFamily family, MtpTable table, const char *name)
{
  MtpChain *chain = g_new0 (MtpChain, 1);

  mtp_token_assert (MTP_TOKEN_CHAIN, name);
  chain->family = family;
  chain->table = table;
  chain->name = g_strdup (name);
  return chain;
}

void
mtp_chain_free (MtpChain *chain)
{
  if (chain == NULL)
    return;
  g_free (chain->name);
  g_free (chain);
}

MtpRuleset *
mtp_ruleset_new (void)
{
  MtpRuleset *ruleset = g_new0 (MtpRuleset, 1);

  ruleset->chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_chain_free);
  ruleset->rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_rule_free);
  ruleset->notices = g_ptr_array_new_with_free_func (g_free);
  return ruleset;
}

void
mtp_ruleset_free (MtpRuleset *ruleset)
{
  if (ruleset == NULL)
    return;
  g_ptr_array_unref (ruleset->chains);
  g_ptr_array_unref (ruleset->rules);
  g_ptr_array_unref (ruleset->notices);
  g_free (ruleset->loopback);
  g_free (ruleset);
}

void
mtp_ruleset_add_chain (MtpRuleset *ruleset, MtpFamily family, MtpTable table, const char *name)
{
  g_ptr_array_add (ruleset->chains, mtp_chain_new (family, table, name));
}

void
mtp_ruleset_add_rule (MtpRuleset *ruleset, MtpRule *rule)
{
  g_ptr_array_add (ruleset->rules, rule);
}

void
mtp_ruleset_add_notice (MtpRuleset *ruleset, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_ptr_array_add (ruleset->notices, g_strdup_vprintf (format, ap));
  va_end (ap);
}

gboolean
mtp_ruleset_has_family (const MtpRuleset *ruleset, MtpFamily family)
{
  for (guint i = 0; i < ruleset->rules->len; i++)
    if (((MtpRule *)ruleset->rules->pdata[i])->family == family)
      return TRUE;
  return FALSE;
}

/* A kind's band of priorities holds every rule a rule set can have (the
 * builder stops at the limit rules), and the bands of all kinds, below and
 * above zero, fit firewalld's int32. */
G_STATIC_ASSERT (MTP_LIMIT_RULES <= MTP_PRIORITY_STEP);
G_STATIC_ASSERT ((gint64)MTP_RANKS_MAX *MTP_PRIORITY_STEP <= G_MAXINT32);

/* Inside a chain firewalld orders direct rules by priority alone, so every rule
 * of a chain gets its own, in chain order: the inserted ones below zero
 * (ahead of the default priority 0 that other tools' direct rules mostly use),
 * the appended ones from zero. A priority is the rule's kind times
 * MTP_PRIORITY_STEP plus its index among the rules of that kind in the
 * chain: one more excluded port renumbers nothing but excluded ports. */
void
mtp_ruleset_finalize (MtpRuleset *ruleset)
{
  g_autoptr (GHashTable) counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      MtpRule *r = ruleset->rules->pdata[i];
      char *chain_key = g_strdup_printf ("%d %d %s -", r->family, r->table, r->chain);
      char *kind_key
          = g_strdup_printf ("%d %d %s %d %u", r->family, r->table, r->chain, r->position, r->rank);
      guint n_kind = GPOINTER_TO_UINT (g_hash_table_lookup (counters, kind_key));

      g_assert (r->rank < MTP_RANKS_MAX && n_kind < MTP_PRIORITY_STEP);
      if (r->position == MTP_POSITION_INSERT)
        {
          guint n_inserted = GPOINTER_TO_UINT (g_hash_table_lookup (counters, chain_key));
          r->insert_index = n_inserted + 1;
          r->priority = ((gint32)r->rank - MTP_RANKS_MAX) * MTP_PRIORITY_STEP + (gint32)n_kind;
          g_hash_table_insert (counters, chain_key, GUINT_TO_POINTER (n_inserted + 1));
        }
      else
        {
          r->insert_index = 0;
          r->priority = (gint32)r->rank * MTP_PRIORITY_STEP + (gint32)n_kind;
          g_free (chain_key);
        }
      g_hash_table_insert (counters, kind_key, GUINT_TO_POINTER (n_kind + 1));
    }
}
