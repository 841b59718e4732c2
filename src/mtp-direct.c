/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mtp-direct.h"
#include "mtp-error.h"
#include "mtp-shlex.h"

MtpDirectChain *
mtp_direct_chain_new (const char *ipv, const char *table, const char *chain)
{
  MtpDirectChain *c = g_new0 (MtpDirectChain, 1);

  c->ipv = g_strdup (ipv);
  c->table = g_strdup (table);
  c->chain = g_strdup (chain);
  return c;
}

MtpDirectChain *
mtp_direct_chain_copy (const MtpDirectChain *c)
{
  return mtp_direct_chain_new (c->ipv, c->table, c->chain);
}

void
mtp_direct_chain_free (MtpDirectChain *c)
{
  if (c == NULL)
    return;
  g_free (c->ipv);
  g_free (c->table);
  g_free (c->chain);
  g_free (c);
}

gboolean
mtp_direct_chain_equal (const MtpDirectChain *a, const MtpDirectChain *b)
{
  return strcmp (a->ipv, b->ipv) == 0 && strcmp (a->table, b->table) == 0
         && strcmp (a->chain, b->chain) == 0;
}

MtpDirectRule *
mtp_direct_rule_new (const char *ipv, const char *table, const char *chain, gint32 priority,
                     const char *const *args)
{
  MtpDirectRule *r = g_new0 (MtpDirectRule, 1);

  r->ipv = g_strdup (ipv);
  r->table = g_strdup (table);
  r->chain = g_strdup (chain);
  r->priority = priority;
  r->args = g_strdupv ((char **)args);
  return r;
}

MtpDirectRule *
mtp_direct_rule_copy (const MtpDirectRule *r)
{
  return mtp_direct_rule_new (r->ipv, r->table, r->chain, r->priority,
                              (const char *const *)r->args);
}

void
mtp_direct_rule_free (MtpDirectRule *r)
{
  if (r == NULL)
    return;
  g_free (r->ipv);
  g_free (r->table);
  g_free (r->chain);
  g_strfreev (r->args);
  g_free (r);
}

gboolean
mtp_direct_rule_equal (const MtpDirectRule *a, const MtpDirectRule *b)
{
  return a->priority == b->priority && strcmp (a->ipv, b->ipv) == 0
         && strcmp (a->table, b->table) == 0 && strcmp (a->chain, b->chain) == 0
         && g_strv_equal ((const char *const *)a->args, (const char *const *)b->args);
}

char *
mtp_direct_rule_to_string (const MtpDirectRule *r)
{
  g_autofree char *args = mtp_shlex_join ((const char *const *)r->args);

  return g_strdup_printf ("%s %s %s %d %s", r->ipv, r->table, r->chain, r->priority, args);
}

MtpDirectPassthrough *
mtp_direct_passthrough_new (const char *ipv, const char *const *args)
{
  MtpDirectPassthrough *p = g_new0 (MtpDirectPassthrough, 1);

  p->ipv = g_strdup (ipv);
  p->args = g_strdupv ((char **)args);
  return p;
}

void
mtp_direct_passthrough_free (MtpDirectPassthrough *p)
{
  if (p == NULL)
    return;
  g_free (p->ipv);
  g_strfreev (p->args);
  g_free (p);
}

MtpDirect *
mtp_direct_new (void)
{
  MtpDirect *d = g_new0 (MtpDirect, 1);

  d->chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  d->rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
  d->passthroughs = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_passthrough_free);
  return d;
}

void
mtp_direct_free (MtpDirect *d)
{
  if (d == NULL)
    return;
  g_ptr_array_unref (d->chains);
  g_ptr_array_unref (d->rules);
  g_ptr_array_unref (d->passthroughs);
  g_free (d);
}

MtpDirect *
mtp_direct_from_ruleset (const MtpRuleset *ruleset)
{
  MtpDirect *d = mtp_direct_new ();

  for (guint i = 0; i < ruleset->chains->len; i++)
    {
      const MtpChain *c = ruleset->chains->pdata[i];
      g_ptr_array_add (d->chains, mtp_direct_chain_new (mtp_family_to_string (c->family),
                                                        mtp_table_to_string (c->table), c->name));
    }
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const MtpRule *r = ruleset->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);
      g_ptr_array_add (d->rules, mtp_direct_rule_new (mtp_family_to_string (r->family),
                                                      mtp_table_to_string (r->table), r->chain,
                                                      r->priority, (const char *const *)args));
    }
  return d;
}

gboolean
mtp_direct_is_empty (const MtpDirect *d)
{
  return d->chains->len == 0 && d->rules->len == 0 && d->passthroughs->len == 0;
}

static const char *const legacy_chains[] = {
  "MESH_INBOUND", "MESH_REDIRECT", "MESH_IN_REDIRECT", "MESH_OUTPUT", NULL,
};

gboolean
mtp_direct_chain_name_is_ours (const char *chain)
{
  return g_str_has_prefix (chain, MTP_CHAIN_PREFIX) || g_strv_contains (legacy_chains, chain);
}

gboolean
mtp_direct_rule_is_ours (const MtpDirectRule *r)
{
  if (mtp_direct_chain_name_is_ours (r->chain))
    return TRUE;
  for (guint i = 0; r->args[i] != NULL; i++)
    {
      const char *next = r->args[i + 1];

      if (next == NULL)
        break;
      if (strcmp (r->args[i], "--comment") == 0 && g_str_has_prefix (next, MTP_COMMENT_PREFIX))
        return TRUE;
      if ((strcmp (r->args[i], "-j") == 0 || strcmp (r->args[i], "--jump") == 0
           || strcmp (r->args[i], "-g") == 0 || strcmp (r->args[i], "--goto") == 0)
          && mtp_direct_chain_name_is_ours (next))
        return TRUE;
    }
  return FALSE;
}

static char *rule_key (const MtpDirectRule *r);
static GHashTable *rule_keys (const GPtrArray *rules);

void
mtp_direct_split (const MtpDirect *all, const MtpDirect *known, MtpDirect **ours,
                  MtpDirect **foreign)
{
  g_autoptr (MtpDirect) o = mtp_direct_new ();
  g_autoptr (MtpDirect) f = mtp_direct_new ();
  g_autoptr (GHashTable) known_rules = known ? rule_keys (known->rules) : NULL;

  for (guint i = 0; i < all->chains->len; i++)
    {
      const MtpDirectChain *c = all->chains->pdata[i];
      gboolean mine = mtp_direct_chain_name_is_ours (c->chain)
                      || (known != NULL && mtp_direct_has_chain (known->chains, c));
      g_ptr_array_add (mine ? o->chains : f->chains, mtp_direct_chain_copy (c));
    }
  for (guint i = 0; i < all->rules->len; i++)
    {
      const MtpDirectRule *r = all->rules->pdata[i];
      gboolean mine = mtp_direct_rule_is_ours (r);

      if (!mine && known_rules != NULL)
        {
          g_autofree char *key = rule_key (r);
          mine = g_hash_table_contains (known_rules, key);
        }
      g_ptr_array_add (mine ? o->rules : f->rules, mtp_direct_rule_copy (r));
    }
  for (guint i = 0; i < all->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *p = all->passthroughs->pdata[i];
      g_ptr_array_add (f->passthroughs,
                       mtp_direct_passthrough_new (p->ipv, (const char *const *)p->args));
    }
  if (ours != NULL)
    *ours = g_steal_pointer (&o);
  if (foreign != NULL)
    *foreign = g_steal_pointer (&f);
}

static gboolean
check_ipv_table (const char *ipv, const char *table, GError **error)
{
  static const char *const ipvs[] = { "ipv4", "ipv6", "eb", NULL };
  static const char *const tables[]
      = { "filter", "nat", "mangle", "raw", "security", "broute", NULL };

  if (!g_strv_contains (ipvs, ipv))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG,
                   _ ("invalid ipv '%s' in firewalld's direct configuration"), ipv);
      return FALSE;
    }
  if (!g_strv_contains (tables, table))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG,
                   _ ("invalid table '%s' in firewalld's direct configuration"), table);
      return FALSE;
    }
  return TRUE;
}

gboolean
mtp_direct_validate (const MtpDirect *d, GError **error)
{
  for (guint i = 0; i < d->chains->len; i++)
    {
      const MtpDirectChain *c = d->chains->pdata[i];
      if (!check_ipv_table (c->ipv, c->table, error))
        return FALSE;
    }
  for (guint i = 0; i < d->rules->len; i++)
    {
      const MtpDirectRule *r = d->rules->pdata[i];
      if (!check_ipv_table (r->ipv, r->table, error))
        return FALSE;
    }
  return TRUE;
}

GVariant *
mtp_direct_to_variant (const MtpDirect *d)
{
  GVariantBuilder chains, rules, passthroughs;

  g_variant_builder_init (&chains, G_VARIANT_TYPE ("a(sss)"));
  g_variant_builder_init (&rules, G_VARIANT_TYPE ("a(sssias)"));
  g_variant_builder_init (&passthroughs, G_VARIANT_TYPE ("a(sas)"));
  for (guint i = 0; i < d->chains->len; i++)
    {
      const MtpDirectChain *c = d->chains->pdata[i];
      g_variant_builder_add (&chains, "(sss)", c->ipv, c->table, c->chain);
    }
  for (guint i = 0; i < d->rules->len; i++)
    {
      const MtpDirectRule *r = d->rules->pdata[i];
      g_variant_builder_add (&rules, "(sssi^as)", r->ipv, r->table, r->chain, r->priority, r->args);
    }
  for (guint i = 0; i < d->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *p = d->passthroughs->pdata[i];
      g_variant_builder_add (&passthroughs, "(s^as)", p->ipv, p->args);
    }
  return g_variant_new ("(a(sss)a(sssias)a(sas))", &chains, &rules, &passthroughs);
}

MtpDirect *
mtp_direct_from_variant (GVariant *settings, GError **error)
{
  g_autoptr (MtpDirect) d = mtp_direct_new ();
  g_autoptr (GVariantIter) chains = NULL;
  g_autoptr (GVariantIter) rules = NULL;
  g_autoptr (GVariantIter) passthroughs = NULL;
  const char *ipv, *table, *chain;
  gint32 priority;
  char **args;

  if (!g_variant_is_of_type (settings, G_VARIANT_TYPE ("(a(sss)a(sssias)a(sas))")))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld sent direct settings of an unexpected type '%s'"),
                   g_variant_get_type_string (settings));
      return NULL;
    }
  g_variant_get (settings, "(a(sss)a(sssias)a(sas))", &chains, &rules, &passthroughs);
  while (g_variant_iter_next (chains, "(&s&s&s)", &ipv, &table, &chain))
    g_ptr_array_add (d->chains, mtp_direct_chain_new (ipv, table, chain));
  while (g_variant_iter_next (rules, "(&s&s&si^as)", &ipv, &table, &chain, &priority, &args))
    {
      g_ptr_array_add (
          d->rules, mtp_direct_rule_new (ipv, table, chain, priority, (const char *const *)args));
      g_strfreev (args);
    }
  while (g_variant_iter_next (passthroughs, "(&s^as)", &ipv, &args))
    {
      g_ptr_array_add (d->passthroughs,
                       mtp_direct_passthrough_new (ipv, (const char *const *)args));
      g_strfreev (args);
    }
  return g_steal_pointer (&d);
}

gboolean
mtp_direct_has_chain (const GPtrArray *chains, const MtpDirectChain *c)
{
  for (guint i = 0; i < chains->len; i++)
    if (mtp_direct_chain_equal (chains->pdata[i], c))
      return TRUE;
  return FALSE;
}

/* Rule sets reach thousands of rules (one per excluded address), so rules
 * are compared through a hash of their key rather than pairwise. */
static char *
rule_key (const MtpDirectRule *r)
{
  g_autofree char *args = g_strjoinv ("\x1f", r->args);

  return g_strdup_printf ("%s\x1e%s\x1e%s\x1e%d\x1e%s", r->ipv, r->table, r->chain, r->priority,
                          args);
}

static GHashTable *
rule_keys (const GPtrArray *rules)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < rules->len; i++)
    g_hash_table_add (keys, rule_key (rules->pdata[i]));
  return keys;
}

static void
add_missing_rules (GPtrArray *out, const GPtrArray *from, GHashTable *present)
{
  for (guint i = 0; i < from->len; i++)
    {
      g_autofree char *key = rule_key (from->pdata[i]);
      if (!g_hash_table_contains (present, key))
        {
          g_ptr_array_add (out, mtp_direct_rule_copy (from->pdata[i]));
          /* Duplicates in the source are listed once. */
          g_hash_table_add (present, g_steal_pointer (&key));
        }
    }
}

/* Jumps to a chain must go before the chain, and rules in it before it too;
 * ordering removals so: rules in built-in chains, then rules in ours. */
static int
builtin_first (gconstpointer a, gconstpointer b)
{
  const MtpDirectRule *ra = *(const MtpDirectRule *const *)a;
  const MtpDirectRule *rb = *(const MtpDirectRule *const *)b;

  return (int)mtp_direct_chain_name_is_ours (ra->chain)
         - (int)mtp_direct_chain_name_is_ours (rb->chain);
}

/* Chains compared through a hash of their key, too: a direct.xml of 16 MiB
 * can name some 300,000. */
static char *
chain_key (const MtpDirectChain *c)
{
  return g_strdup_printf ("%s\x1e%s\x1e%s", c->ipv, c->table, c->chain);
}

static GHashTable *
chain_keys (const GPtrArray *chains)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < chains->len; i++)
    g_hash_table_add (keys, chain_key (chains->pdata[i]));
  return keys;
}

/* Adds to out, once each, the chains of from that present lacks. */
static void
add_missing_chains (GPtrArray *out, const GPtrArray *from, GHashTable *present)
{
  for (guint i = 0; i < from->len; i++)
    {
      g_autofree char *key = chain_key (from->pdata[i]);
      if (!g_hash_table_contains (present, key))
        {
          g_ptr_array_add (out, mtp_direct_chain_copy (from->pdata[i]));
          g_hash_table_add (present, g_steal_pointer (&key));
        }
    }
}

MtpDirectPlan *
mtp_direct_plan_new (const MtpDirect *desired, const MtpDirect *current)
{
  MtpDirectPlan *plan = g_new0 (MtpDirectPlan, 1);
  g_autoptr (GHashTable) current_keys = rule_keys (current->rules);
  g_autoptr (GHashTable) desired_keys = rule_keys (desired->rules);
  g_autoptr (GHashTable) current_chains = chain_keys (current->chains);
  g_autoptr (GHashTable) desired_chains = chain_keys (desired->chains);

  plan->add_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  plan->remove_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  plan->add_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
  plan->remove_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);

  add_missing_chains (plan->add_chains, desired->chains, current_chains);
  add_missing_chains (plan->remove_chains, current->chains, desired_chains);

  add_missing_rules (plan->add_rules, desired->rules, current_keys);
  add_missing_rules (plan->remove_rules, current->rules, desired_keys);
  g_ptr_array_sort (plan->remove_rules, builtin_first);
  return plan;
}

void
mtp_direct_plan_free (MtpDirectPlan *plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->add_chains);
  g_ptr_array_unref (plan->add_rules);
  g_ptr_array_unref (plan->remove_rules);
  g_ptr_array_unref (plan->remove_chains);
  g_free (plan);
}

guint
mtp_direct_plan_n_changes (const MtpDirectPlan *plan)
{
  return plan->add_chains->len + plan->add_rules->len + plan->remove_rules->len
         + plan->remove_chains->len;
}

gboolean
mtp_direct_plan_is_empty (const MtpDirectPlan *plan)
{
  return mtp_direct_plan_n_changes (plan) == 0;
}

static GPtrArray *
copy_chains (const GPtrArray *chains)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);

  for (guint i = 0; i < chains->len; i++)
    g_ptr_array_add (copy, mtp_direct_chain_copy (chains->pdata[i]));
  return copy;
}

static GPtrArray *
copy_rules (const GPtrArray *rules)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);

  for (guint i = 0; i < rules->len; i++)
    g_ptr_array_add (copy, mtp_direct_rule_copy (rules->pdata[i]));
  return copy;
}

MtpDirectPlan *
mtp_direct_plan_invert (const MtpDirectPlan *plan)
{
  MtpDirectPlan *inverse = g_new0 (MtpDirectPlan, 1);

  inverse->add_chains = copy_chains (plan->remove_chains);
  inverse->add_rules = copy_rules (plan->remove_rules);
  inverse->remove_rules = copy_rules (plan->add_rules);
  inverse->remove_chains = copy_chains (plan->add_chains);
  g_ptr_array_sort (inverse->remove_rules, builtin_first);
  return inverse;
}
