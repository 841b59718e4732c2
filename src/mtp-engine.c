/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mtp-direct-xml.h"
#include "mtp-engine.h"
#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-facts.h"
#include "mtp-firewalld.h"
#include "mtp-iptc.h"
#include "mtp-json.h"
#include "mtp-kernel.h"
#include "mtp-limits.h"
#include "mtp-lock.h"
#include "mtp-netlink.h"
#include "mtp-record.h"
#include "mtp-signal.h"
#include "mtp-undo.h"

/* Runs against firewalld started again after a reload or restart. */
#define MAX_FIREWALLD_ATTEMPTS 3

static void
store_report_free (gpointer data)
{
  MtpStoreReport *s = data;

  g_free (s->id);
  g_free (s->location);
  mtp_direct_plan_free (s->plan);
  g_free (s);
}

MtpReport *
mtp_report_new (MtpCommand command)
{
  MtpReport *r = g_new0 (MtpReport, 1);

  r->command = command;
  r->stores = g_ptr_array_new_with_free_func (store_report_free);
  r->notices = g_ptr_array_new_with_free_func (g_free);
  r->warnings = g_ptr_array_new_with_free_func (g_free);
  return r;
}

void
mtp_report_free (MtpReport *r)
{
  if (r == NULL)
    return;
  g_ptr_array_unref (r->stores);
  g_ptr_array_unref (r->notices);
  g_ptr_array_unref (r->warnings);
  g_free (r->backend);
  g_free (r->firewalld_version);
  g_free (r->firewalld_backend);
  g_free (r);
}

/* Adds a message once: a run that starts again says things only once. */
static void
add_message (GPtrArray *messages, char *message)
{
  for (guint i = 0; i < messages->len; i++)
    if (strcmp (messages->pdata[i], message) == 0)
      {
        g_free (message);
        return;
      }
  g_ptr_array_add (messages, message);
}

static void warn (MtpReport *r, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
warn (MtpReport *r, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  add_message (r->warnings, g_strdup_vprintf (format, ap));
  va_end (ap);
}

static void notice (MtpReport *r, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
notice (MtpReport *r, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  add_message (r->notices, g_strdup_vprintf (format, ap));
  va_end (ap);
}

static guint
n_entries (const MtpDirect *d)
{
  return d->chains->len + d->rules->len;
}

/* The store's install record (mtp-record.h), before the run changes it. */
static gboolean
record_before_change (MtpRecords *records, MtpCommand command, MtpRecordStore store,
                      const MtpDirect *desired, GError **error)
{
  if (command != MTP_COMMAND_UNINSTALL)
    return mtp_records_begin_install (records, store, desired, error);
  mtp_records_begin_uninstall (records, store);
  return TRUE;
}

static MtpStoreReport *
add_store (MtpReport *r, const char *id, const char *location, const MtpDirect *desired,
           const MtpDirect *ours)
{
  MtpStoreReport *s = g_new0 (MtpStoreReport, 1);

  s->id = g_strdup (id);
  s->location = g_strdup (location);
  s->plan = mtp_direct_plan_new (desired, ours);
  s->n_ours = n_entries (ours);
  g_ptr_array_add (r->stores, s);
  return s;
}

/* The desired rules in firewalld's form, without IPv6 where firewalld would
 * reject every redirected IPv6 connection. */
static MtpDirect *
desired_for_firewalld (const MtpRuleset *desired, const MtpFirewalldInfo *info, MtpReport *r)
{
  MtpDirect *d = mtp_direct_from_ruleset (desired);
  /* firewalld 2.3+ accepts DNATed connections first in its nftables
   * filter_OUTPUT; its iptables backend and older versions do not (seen on
   * 1.3.3 with both backends). An unknown version (offline, without
   * firewall-offline-cmd) counts as affected. */
  gboolean rejects_ipv6 = info != NULL && info->rfc3964_ipv4
                          && (g_strcmp0 (info->backend, "nftables") != 0 || info->major <= 1
                              || (info->major == 2 && info->minor < 3));
  guint removed = 0;

  if (!rejects_ipv6)
    return d;
  for (guint i = d->rules->len; i > 0; i--)
    if (strcmp (((MtpDirectRule *)d->rules->pdata[i - 1])->ipv, "ipv6") == 0)
      {
        g_ptr_array_remove_index (d->rules, i - 1);
        removed++;
      }
  for (guint i = d->chains->len; i > 0; i--)
    if (strcmp (((MtpDirectChain *)d->chains->pdata[i - 1])->ipv, "ipv6") == 0)
      g_ptr_array_remove_index (d->chains, i - 1);
  r->ipv6_dropped = removed > 0;
  if (removed > 0)
    warn (r,
          _ ("IPv6 rules are not installed: firewalld %s (%s backend) with "
             "RFC3964_IPv4=yes rejects every redirected outgoing IPv6 connection (its OUTPUT "
             "filter rejects the rewritten destination ::1, which lies in ::/96); set "
             "RFC3964_IPv4=no in firewalld.conf and reload to get IPv6 redirection, or use "
             "--ip-family-mode ipv4 to silence this"),
          info->version, info->backend);
  return d;
}

static MtpFirewalldInfo *
wait_for_running (MtpFirewalld *fw, guint timeout, GError **error)
{
  g_autoptr (MtpFirewalldInfo) info = NULL;

  for (guint waited = 0;; waited += 100)
    {
      info = mtp_firewalld_get_info (fw, error);
      if (info == NULL)
        return NULL;
      if (strcmp (info->state, "RUNNING") == 0)
        return g_steal_pointer (&info);
      if (strcmp (info->state, "FAILED") == 0)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("firewalld is in state FAILED: it could not load its configuration and "
                          "runs a fallback; fix it first (firewall-cmd --check-config, its log)"));
          return NULL;
        }
      if (mtp_signal_caught () != 0)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INTERRUPTED,
                       _ ("interrupted by %s while waiting for firewalld to leave state %s"),
                       mtp_signal_name (mtp_signal_caught ()), info->state);
          return NULL;
        }
      if (waited >= timeout * 1000)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("firewalld stayed in state %s for %u seconds (--timeout sets how long "
                          "to wait)"),
                       info->state, timeout);
          return NULL;
        }
      g_clear_pointer (&info, mtp_firewalld_info_free);
      g_usleep (100 * 1000);
    }
}

/* Our rules and chains in the kernel tables, both families, as far as they
 * are recognisable by themselves (name, comment, jump). */
static MtpDirect *
kernel_ours (GError **error)
{
  g_autoptr (MtpDirect) all = mtp_kernel_read_all (error);
  MtpDirect *ours = NULL;

  if (all == NULL)
    return NULL;
  mtp_direct_split (all, NULL, &ours, NULL);
  return ours;
}

/* "3 rules and 1 chain, e.g. 'ipv4 nat OUTPUT -p tcp …'" */
static char *
describe_entries (const GPtrArray *rules, const GPtrArray *chains)
{
  g_autofree char *example = NULL;

  if (rules->len > 0)
    example = mtp_kernel_rule_to_string (rules->pdata[0]);
  else
    {
      const MtpDirectChain *c = chains->pdata[0];
      example = g_strdup_printf ("%s %s %s", c->ipv, c->table, c->chain);
    }
  return g_strdup_printf (_ ("%u rules and %u chains, e.g. '%s'"), rules->len, chains->len,
                          example);
}

/* clear_leftovers failed after it had removed firewalld's tracked rules of
 * ours: put them back, as exit 1 promises that nothing of this run stays
 * applied (the untracked leftovers it deleted cannot come back, and need not). */
static gboolean
fail_restoring (MtpFirewalld *fw, const MtpDirectPlan *remove_tracked, GError *cause,
                GError **error)
{
  g_autoptr (GError) reason = cause;
  g_autoptr (MtpDirectPlan) undo = mtp_direct_plan_invert (remove_tracked);
  g_autoptr (GError) undo_error = NULL;

  if (mtp_direct_plan_is_empty (undo))
    g_propagate_error (error, g_steal_pointer (&reason));
  else if (mtp_firewalld_apply_runtime (fw, undo, &undo_error))
    g_set_error (error, reason->domain, reason->code,
                 _ ("%s; the rules of ours this run had removed from firewalld's runtime were put "
                    "back"),
                 reason->message);
  else
    g_set_error (error, reason->domain, reason->code,
                 _ ("%s; putting back the rules of ours this run had removed from firewalld's "
                    "runtime failed: %s"),
                 reason->message, undo_error->message);
  return FALSE;
}

/* Runs "iptables -t TABLE VERB CHAIN [ARGS…]" through firewalld's passthrough. */
static gboolean
passthrough (MtpFirewalld *fw, const char *ipv, const char *table, const char *verb,
             const char *chain, const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, "-t");
  g_ptr_array_add (argv, (char *)table);
  g_ptr_array_add (argv, (char *)verb);
  g_ptr_array_add (argv, (char *)chain);
  for (guint j = 0; args != NULL && args[j] != NULL; j++)
    g_ptr_array_add (argv, (char *)args[j]);
  g_ptr_array_add (argv, NULL);
  return mtp_firewalld_passthrough (fw, ipv, (const char *const *)argv->pdata, error);
}

/* Clears the rules of ours that firewalld does not track (an earlier
 * installer's, or ours changed behind its back) through firewalld's
 * passthrough (so that firewalld's iptables lock and binaries are used):
 * firewalld's own rules of ours through firewalld, the others by deletion,
 * the chains of ours emptied, then firewalld's chains through firewalld and
 * the others deleted. Install and uninstall then start from nothing of ours. */
static gboolean
clear_leftovers (MtpFirewalld *fw, MtpDirect *runtime_ours, const MtpKernelDiff *diff, MtpReport *r,
                 MtpUndo *undo, GError **error)
{
  g_autoptr (MtpDirect) empty = mtp_direct_new ();
  g_autoptr (MtpDirect) tracked_rules = mtp_direct_new ();
  g_autoptr (MtpDirectPlan) remove_rules = NULL;
  g_autoptr (MtpDirectPlan) remove_all = mtp_direct_plan_new (empty, runtime_ours);
  g_autoptr (MtpDirectPlan) remove_chains = NULL;
  g_autoptr (MtpDirect) kernel = NULL;
  g_autoptr (GError) local_error = NULL;
  guint n_rules = 0, n_chains = 0;

  for (guint i = 0; i < runtime_ours->rules->len; i++)
    g_ptr_array_add (tracked_rules->rules, mtp_direct_rule_copy (runtime_ours->rules->pdata[i]));
  remove_rules = mtp_direct_plan_new (empty, tracked_rules);
  remove_chains = mtp_direct_plan_new (empty, runtime_ours);
  g_ptr_array_set_size (remove_chains->remove_rules, 0);

  /* firewalld removes a rule by deleting its like from the kernel, and fails
   * where it is gone (changed behind its back): put those back first. */
  for (guint i = 0; i < diff->missing_chains->len; i++)
    {
      const MtpDirectChain *c = diff->missing_chains->pdata[i];
      if (!passthrough (fw, c->ipv, c->table, "-N", c->chain, NULL, error))
        return FALSE;
    }
  for (guint i = 0; i < diff->missing_rules->len; i++)
    {
      const MtpDirectRule *rule = diff->missing_rules->pdata[i];
      if (!passthrough (fw, rule->ipv, rule->table, "-A", rule->chain,
                        (const char *const *)rule->args, error))
        return FALSE;
    }
  if (!mtp_firewalld_apply_runtime (fw, remove_rules, error))
    return FALSE;
  kernel = kernel_ours (&local_error);
  if (kernel == NULL)
    return fail_restoring (fw, remove_rules, g_steal_pointer (&local_error), error);
  for (guint i = 0; i < kernel->rules->len; i++)
    {
      const MtpDirectRule *rule = kernel->rules->pdata[i];

      /* Rules inside our chains go with the flush below. */
      if (mtp_direct_chain_name_is_ours (rule->chain))
        continue;
      if (!passthrough (fw, rule->ipv, rule->table, "-D", rule->chain,
                        (const char *const *)rule->args, &local_error))
        return fail_restoring (fw, remove_rules, g_steal_pointer (&local_error), error);
      n_rules++;
    }
  for (guint i = 0; i < kernel->chains->len; i++)
    {
      const MtpDirectChain *c = kernel->chains->pdata[i];
      if (!passthrough (fw, c->ipv, c->table, "-F", c->chain, NULL, &local_error))
        return fail_restoring (fw, remove_rules, g_steal_pointer (&local_error), error);
    }
  if (!mtp_firewalld_apply_runtime (fw, remove_chains, &local_error))
    return fail_restoring (fw, remove_rules, g_steal_pointer (&local_error), error);
  for (guint i = 0; i < kernel->chains->len; i++)
    {
      const MtpDirectChain *c = kernel->chains->pdata[i];

      if (mtp_direct_has_chain (runtime_ours->chains, c))
        continue; /* firewalld's: removed above */
      if (!passthrough (fw, c->ipv, c->table, "-X", c->chain, NULL, &local_error))
        return fail_restoring (fw, remove_all, g_steal_pointer (&local_error), error);
      n_chains++;
    }
  notice (r,
          _ ("removed %u rules and %u chains of ours that firewalld did not track (an earlier "
             "installation's, or changed behind its back)"),
          n_rules, n_chains);
  /* (What firewalld did not track cannot come back, and need not.) */
  mtp_undo_push_firewalld_runtime (undo, fw, remove_all);
  g_ptr_array_set_size (runtime_ours->chains, 0);
  g_ptr_array_set_size (runtime_ours->rules, 0);
  return TRUE;
}

/* firewalld 2.x flushes every iptables table on its first tracked direct
 * call and every reload after it: other programs' rules would go. */
static gboolean
check_flush (const MtpConfig *config, const MtpFirewalldInfo *info, const MtpDirect *runtime,
             const MtpDirect *permanent, MtpReport *r, GError **error)
{
  g_autoptr (GString) examples = g_string_new (NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (MtpDirect) all = NULL;
  g_autoptr (MtpDirect) foreign = NULL;
  guint n_foreign;

  /* With the iptables backend firewalld flushes at every start anyway; an
   * unknown backend may be nftables. */
  if (info->major < 2 || g_strcmp0 (info->backend, "iptables") == 0
      || !mtp_direct_is_empty (runtime) || (permanent != NULL && !mtp_direct_is_empty (permanent)))
    return TRUE;
  all = mtp_kernel_read_all (&local_error);
  /* Tables that cannot be read or understood may hold anything. */
  if (all == NULL && config->allow_firewalld_flush)
    {
      warn (r,
            _ ("firewalld %s will flush every iptables table from now on, and whether they hold "
               "rules of other programs could not be seen: %s"),
            info->version, local_error->message);
      return TRUE;
    }
  if (all == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld %s has no direct rules yet; the first one makes it flush every "
                      "iptables table, now and at every reload, and whether the tables hold rules "
                      "of other programs cannot be told: %s. Pass --allow-firewalld-flush to go "
                      "ahead"),
                   info->version, local_error->message);
      return FALSE;
    }
  mtp_direct_split (all, NULL, NULL, &foreign);
  n_foreign = n_entries (foreign);
  for (guint i = 0; i < foreign->rules->len && examples->len < 200; i++)
    {
      const MtpDirectRule *rule = foreign->rules->pdata[i];
      g_string_append_printf (examples, "%s%s %s %s", examples->len ? ", " : "", rule->ipv,
                              rule->table, rule->chain);
    }
  if (n_foreign == 0)
    return TRUE;
  if (config->allow_firewalld_flush)
    {
      warn (r,
            _ ("firewalld %s will flush every iptables table from now on, including %u rules and "
               "chains of other programs (%s)"),
            info->version, n_foreign, examples->str);
      return TRUE;
    }
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("firewalld %s has no direct rules yet; the first one makes it flush every "
                  "iptables table, now and at every reload, and the tables hold %u rules and "
                  "chains of other programs (%s); they would be lost. Move them into firewalld, "
                  "or pass --allow-firewalld-flush to go ahead"),
               info->version, n_foreign, examples->str);
  return FALSE;
}

static MtpDirect *
merge (const MtpDirect *foreign, const MtpDirect *ours)
{
  MtpDirect *all = mtp_direct_new ();

  for (guint i = 0; i < foreign->chains->len; i++)
    g_ptr_array_add (all->chains, mtp_direct_chain_copy (foreign->chains->pdata[i]));
  for (guint i = 0; i < ours->chains->len; i++)
    g_ptr_array_add (all->chains, mtp_direct_chain_copy (ours->chains->pdata[i]));
  for (guint i = 0; i < foreign->rules->len; i++)
    g_ptr_array_add (all->rules, mtp_direct_rule_copy (foreign->rules->pdata[i]));
  for (guint i = 0; i < ours->rules->len; i++)
    g_ptr_array_add (all->rules, mtp_direct_rule_copy (ours->rules->pdata[i]));
  for (guint i = 0; i < foreign->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *p = foreign->passthroughs->pdata[i];
      g_ptr_array_add (all->passthroughs,
                       mtp_direct_passthrough_new (p->ipv, (const char *const *)p->args));
    }
  return all;
}

static gboolean
run_online (MtpCommand command, const MtpConfig *config, const MtpRuleset *desired_set,
            MtpFirewalld *fw, MtpRecords *records, MtpReport *r, MtpUndo *undo, GError **error)
{
  g_autoptr (MtpFirewalldInfo) info = wait_for_running (fw, config->timeout, error);
  g_autoptr (MtpDirect) desired = NULL;
  g_autoptr (MtpDirect) runtime = NULL;
  g_autoptr (MtpDirect) runtime_ours = NULL;
  g_autoptr (MtpDirect) runtime_foreign = NULL;
  g_autoptr (MtpDirect) permanent = NULL;
  g_autoptr (MtpDirect) permanent_ours = NULL;
  g_autoptr (MtpDirect) permanent_foreign = NULL;
  g_autoptr (MtpDirect) known = mtp_records_known_direct (records, desired_set);
  gboolean use_permanent = command == MTP_COMMAND_UNINSTALL || config->store_firewalld;
  gboolean apply = command != MTP_COMMAND_STATUS && !r->check_only;
  MtpStoreReport *rt_store = NULL, *perm_store = NULL;

  if (info == NULL)
    return FALSE;
  g_free (r->backend);
  g_free (r->firewalld_version);
  g_free (r->firewalld_backend);
  r->backend = g_strdup ("firewalld");
  r->firewalld_version = g_strdup (info->version);
  r->firewalld_backend = g_strdup (info->backend);

  if (command == MTP_COMMAND_UNINSTALL)
    desired = mtp_direct_new ();
  else
    desired = desired_for_firewalld (desired_set, info, r);

  runtime = mtp_firewalld_read_runtime (fw, error);
  if (runtime == NULL)
    return FALSE;
  mtp_direct_split (runtime, known, &runtime_ours, &runtime_foreign);
  if (use_permanent)
    {
      permanent = mtp_firewalld_read_permanent (fw, error);
      if (permanent == NULL)
        return FALSE;
      mtp_direct_split (permanent, known, &permanent_ours, &permanent_foreign);
    }

  if (command == MTP_COMMAND_INSTALL)
    {
      if (info->strict_forward_ports)
        {
          if (!config->allow_strict_forward_ports)
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("firewalld has StrictForwardPorts=yes: it rejects every connection "
                              "redirected by rules other than its own forward ports, so the "
                              "proxy would receive nothing; set StrictForwardPorts=no in "
                              "firewalld.conf, or pass --allow-strict-forward-ports"));
              return FALSE;
            }
          warn (r, _ ("firewalld has StrictForwardPorts=yes: redirected connections are rejected"));
        }
      if (!check_flush (config, info, runtime, permanent, r, error))
        return FALSE;
      /* What the run leaves must read back (mtp-limits.h): checked before
       * anything is written, and by --check too. */
      if (!mtp_limits_check_firewalld (runtime, runtime_foreign, desired, FALSE, error)
          || (permanent != NULL
              && !mtp_limits_check_firewalld (permanent, permanent_foreign, desired, TRUE, error)))
        return FALSE;
    }

  /* The kernel's tables against firewalld's view of ours, rule by rule: an
   * earlier installer's rules behind firewalld's back, or ours changed there,
   * would make our addChain fail or stay in force; install and uninstall
   * clear them, status reports every difference. Tables that cannot be read
   * or understood decide nothing: status cannot compare, the others stop. */
  {
    g_autoptr (GError) local_error = NULL;
    g_autoptr (MtpDirect) tables = mtp_kernel_read_all (&local_error);
    g_autoptr (MtpKernelDiff) diff = NULL;
    gboolean extra, missing;

    if (tables == NULL && command == MTP_COMMAND_STATUS)
      {
        r->kernel_unknown = TRUE;
        warn (r, _ ("the kernel's tables could not be compared with firewalld's view: %s"),
              local_error->message);
      }
    else if (tables == NULL)
      {
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                     _ ("the kernel's tables cannot be compared with firewalld's view, so rules "
                        "of ours it does not track cannot be found: %s"),
                     local_error->message);
        return FALSE;
      }
    else
      {
        diff
            = mtp_kernel_compare (tables, runtime_ours, g_strcmp0 (info->backend, "iptables") == 0);
        extra = diff->extra_rules->len + diff->extra_chains->len > 0;
        missing = diff->missing_rules->len + diff->missing_chains->len > 0;
        if (command == MTP_COMMAND_STATUS && (extra || missing))
          r->kernel_drift = TRUE;
        if (command == MTP_COMMAND_STATUS && extra)
          {
            g_autofree char *what = describe_entries (diff->extra_rules, diff->extra_chains);
            warn (r,
                  _ ("the tables hold rules of ours that firewalld does not track, or that differ "
                     "from what it was asked for (%s); 'mesh-tproxy install' replaces them"),
                  what);
          }
        if (command == MTP_COMMAND_STATUS && missing)
          {
            g_autofree char *what = describe_entries (diff->missing_rules, diff->missing_chains);
            warn (r,
                  _ ("firewalld believes rules of ours are live that the kernel tables lack "
                     "(flushed or changed behind its back?) (%s); 'firewall-cmd --reload' "
                     "restores them"),
                  what);
          }
        if (command != MTP_COMMAND_STATUS && extra && !apply)
          notice (r, _ ("the tables hold rules of ours that firewalld does not track; they "
                        "would be replaced"));
        else if (command != MTP_COMMAND_STATUS && extra
                 && (!mtp_signal_check (error)
                     || !clear_leftovers (fw, runtime_ours, diff, r, undo, error)))
          return FALSE;
      }
  }

  rt_store = add_store (r, "firewalld-runtime", NULL, desired, runtime_ours);
  if (use_permanent)
    perm_store = add_store (r, "firewalld-permanent", NULL, desired, permanent_ours);

  if (!apply)
    return TRUE;

  if (!record_before_change (records, command, MTP_RECORD_FIREWALLD_RUNTIME, desired, error)
      || (perm_store != NULL
          && !record_before_change (records, command, MTP_RECORD_FIREWALLD_PERMANENT, desired,
                                    error)))
    return FALSE;
  /* Before each change, a signal ends the run; the engine takes back what it
   * had applied (mtp_engine_run). */
  if (!mtp_direct_plan_is_empty (rt_store->plan))
    {
      if (!mtp_signal_check (error) || !mtp_firewalld_apply_runtime (fw, rt_store->plan, error))
        return FALSE;
      mtp_undo_push_firewalld_runtime (undo, fw, rt_store->plan);
      rt_store->changed = TRUE;
    }

  if (perm_store != NULL && !mtp_direct_plan_is_empty (perm_store->plan))
    {
      g_autoptr (MtpDirect) all = merge (permanent_foreign, desired);

      /* A failure here takes the runtime changes back too (mtp_engine_run). */
      if (!mtp_signal_check (error) || !mtp_firewalld_write_permanent (fw, all, error))
        return FALSE;
      mtp_undo_push_firewalld_permanent (undo, fw, g_steal_pointer (&permanent));
      perm_store->changed = TRUE;
    }

  if (command == MTP_COMMAND_INSTALL && !config->store_firewalld)
    warn (r, _ ("the rules are in firewalld's runtime configuration only: the next "
                "'firewall-cmd --reload' or firewalld restart drops them; --store-firewalld "
                "keeps them"));
  return TRUE;
}

#define NOT_LIVE_WARNING                                                                           \
  _ ("firewalld is not running: the rules are in '%s' and take effect when "                       \
     "firewalld starts; nothing is redirected until then")

static gboolean
run_offline (MtpCommand command, const MtpConfig *config, const MtpRuleset *desired_set,
             MtpRecords *records, MtpReport *r, MtpUndo *undo, GError **error)
{
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirect) desired = NULL;
  g_autoptr (MtpDirect) ours = NULL;
  g_autoptr (MtpDirect) known = NULL;
  g_autoptr (MtpDirect) foreign = NULL;
  g_autofree char *path = g_build_filename (config->firewalld_config_dir, "direct.xml", NULL);
  g_autoptr (MtpFirewalldInfo) info = NULL;
  MtpStoreReport *store;

  g_free (r->backend);
  r->backend = g_strdup ("firewalld-offline");
  if (command == MTP_COMMAND_UNINSTALL && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (MtpDirect) none = mtp_direct_new ();
      add_store (r, "direct-xml", path, none, none);
      if (!r->check_only)
        mtp_records_begin_uninstall (records, MTP_RECORD_FIREWALLD_PERMANENT);
      return TRUE;
    }
  xml = mtp_direct_xml_load (config->firewalld_config_dir, error);
  if (xml == NULL)
    {
      if (command == MTP_COMMAND_UNINSTALL)
        mtp_limits_explain_unreadable (path, error != NULL ? *error : NULL);
      return FALSE;
    }
  if (command != MTP_COMMAND_UNINSTALL
      && (info = mtp_firewalld_offline_info (config->firewalld_config_dir, error)) == NULL)
    return FALSE;
  desired = command == MTP_COMMAND_UNINSTALL ? mtp_direct_new ()
                                             : desired_for_firewalld (desired_set, info, r);
  known = mtp_records_known_direct (records, desired_set);
  mtp_direct_split (mtp_direct_xml_get (xml), known, &ours, &foreign);
  store = add_store (r, "direct-xml", path, desired, ours);
  if (command == MTP_COMMAND_STATUS && n_entries (ours) > 0)
    warn (r, NOT_LIVE_WARNING, path);

  if (command == MTP_COMMAND_STATUS || (r->check_only && mtp_direct_plan_is_empty (store->plan)))
    return TRUE;
  /* What the file, and firewalld later, will hold must read back: checked
   * before anything is written, and by --check too. */
  if (command == MTP_COMMAND_INSTALL && !mtp_direct_plan_is_empty (store->plan)
      && !mtp_limits_check_firewalld (mtp_direct_xml_get (xml), foreign, desired, TRUE, error))
    return FALSE;
  if (r->check_only)
    {
      mtp_direct_xml_set_ours (xml, desired, known);
      return mtp_direct_xml_check_size (xml, error);
    }
  if (!mtp_direct_validate (desired, error)
      || !record_before_change (records, command, MTP_RECORD_FIREWALLD_PERMANENT, desired, error))
    return FALSE;
  if (mtp_direct_plan_is_empty (store->plan))
    return TRUE;
  mtp_direct_xml_set_ours (xml, desired, known);
  if (!mtp_signal_check (error) || !mtp_direct_xml_save (xml, error))
    return FALSE;
  mtp_undo_push_direct_xml (undo, g_steal_pointer (&xml));
  store->changed = TRUE;
  /* A warning, not a notice: nothing is live until firewalld starts, and on a
   * host where it is masked or disabled that is never (backend=iptables is
   * for such hosts). */
  if (command == MTP_COMMAND_INSTALL)
    warn (r, NOT_LIVE_WARNING, path);
  return TRUE;
}

/* run_online, again from a fresh read whenever firewalld was reloaded or
 * restarted during it: either drops runtime changes made before it, so that a
 * run that went through could still leave a half-installed runtime, and a run
 * that failed may have failed because of it. A firewalld that stopped and does
 * not come back is left as stopped: its permanent configuration is then
 * written directly, as when it was not running to begin with. */
static gboolean
run_firewalld (MtpCommand command, const MtpConfig *config, const MtpRuleset *desired,
               MtpFirewalld *fw, MtpRecords *records, MtpReport *r, MtpUndo *undo, GError **error)
{
  gboolean apply = command != MTP_COMMAND_STATUS && !r->check_only;

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      guint resets = mtp_firewalld_get_resets (fw);
      guint mark = mtp_undo_get_length (undo);
      gboolean ok = run_online (command, config, desired, fw, records, r, undo, &local_error);

      /* A signal ends the run, reset or not. */
      if (g_error_matches (local_error, MTP_ERROR, MTP_ERROR_INTERRUPTED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (mtp_firewalld_get_resets (fw) == resets)
        {
          if (!ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return ok;
        }
      g_debug ("firewalld was reset during attempt %u: %s", attempt,
               ok ? "the run went through" : local_error->message);
      if (attempt == MAX_FIREWALLD_ATTEMPTS)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("firewalld was reloaded or restarted during each of %u attempts; run "
                          "again when it is quiet"),
                       attempt);
          return FALSE;
        }
      /* What the interrupted attempt planned and did no longer tells; the
       * reset took its runtime changes back (its permanent ones stay, and
       * so does their undo). */
      g_ptr_array_set_size (r->stores, 0);
      mtp_undo_forget_firewalld_runtime (undo, mark);
      if (!mtp_firewalld_wait_back (fw, config->timeout))
        {
          if (!mtp_signal_check (error))
            return FALSE;

          g_autoptr (GError) find_error = NULL;

          /* Gone from the bus is not stopped: the bus itself may have gone. */
          if (mtp_firewalld_find (fw, &find_error) != MTP_FIREWALLD_STOPPED)
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("firewalld went away during the run and was not back within %u s, "
                              "and it may still be running (%s); direct.xml is not written, and "
                              "what this run applied to its runtime may still be live"),
                           config->timeout, find_error->message);
              return FALSE;
            }
          if (apply && (command == MTP_COMMAND_UNINSTALL || config->store_firewalld))
            {
              notice (r,
                      _ ("firewalld stopped during the run and did not come back within %u s: "
                         "its permanent configuration is written directly"),
                      config->timeout);
              return run_offline (command, config, desired, records, r, undo, error);
            }
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("firewalld stopped during the run and did not come back within %u s; "
                          "its runtime configuration went with it, rules of this run included"),
                       config->timeout);
          return FALSE;
        }
      notice (r, _ ("firewalld was reloaded or restarted during the run: starting again from a "
                    "fresh read"));
    }
}

/* The host's iptables tools, when they are the nft ones, do not show the
 * legacy tables that libiptc writes: say so, once per run. */
static void
note_tools (MtpReport *r)
{
  /* iptables is a link to xtables-nft-multi or xtables-legacy-multi (through
   * alternatives on Debian and RHEL): no need to run it. */
  g_autofree char *iptables = g_find_program_in_path ("iptables");
  g_autofree char *target = iptables != NULL ? realpath (iptables, NULL) : NULL;
  g_autofree char *name = target != NULL ? g_path_get_basename (target) : NULL;

  if (name != NULL && strstr (name, "nft") != NULL)
    notice (r, _ ("this host's iptables commands use nftables: the rules are in the kernel's "
                  "legacy tables, enforced, and listed by iptables-legacy-save and "
                  "ip6tables-legacy-save, not by iptables-save or nft"));
}

/* With leftovers the run goes through firewalld, and the tables are to hold
 * nothing of ours: what an install with --backend iptables put there, which
 * only its record tells (status: extra rules). */
static gboolean
run_iptc (MtpCommand command, const MtpConfig *config, const MtpRuleset *desired,
          gboolean leftovers, MtpRecords *records, MtpReport *r, MtpUndo *undo, GError **error)
{
  g_autoptr (GPtrArray) tables
      = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_iptc_table_free);
  MtpIptcUndo *committed = NULL;
  gboolean check = command == MTP_COMMAND_STATUS || r->check_only;
  gboolean none = command == MTP_COMMAND_UNINSTALL || leftovers;
  g_autoptr (MtpRuleset) known = mtp_records_known_ruleset (records, desired);

  if (r->backend == NULL)
    r->backend = g_strdup ("iptables-legacy");
  else
    {
      g_autofree char *both = g_strconcat (r->backend, "+iptables-legacy", NULL);
      g_free (r->backend);
      r->backend = g_steal_pointer (&both);
    }
  if (!check)
    {
      g_autoptr (MtpDirect) entries
          = desired != NULL && !none ? mtp_direct_from_ruleset (desired) : mtp_direct_new ();

      /* Without the capabilities nothing is written, the record included. */
      if (!mtp_iptc_check_capabilities (error)
          || !record_before_change (records, none ? MTP_COMMAND_UNINSTALL : command,
                                    MTP_RECORD_IPTABLES_LEGACY, entries, error))
        return FALSE;
    }
  if (!mtp_iptc_run (none ? NULL : desired, known, check, config->wait, tables, &committed, error))
    return FALSE;
  if (committed != NULL)
    mtp_undo_push_iptc (undo, committed);
  for (guint i = 0; i < tables->len; i++)
    {
      MtpIptcTable *t = tables->pdata[i];
      MtpStoreReport *s;

      /* Tables that hold nothing of ours and should not: not worth a line. */
      if (t->n_ours == 0 && mtp_direct_plan_is_empty (t->plan))
        continue;
      s = g_new0 (MtpStoreReport, 1);

      s->id = g_strdup ("iptables-legacy");
      s->location = g_strdup_printf ("%s %s", mtp_family_to_string (t->family),
                                     mtp_table_to_string (t->table));
      s->plan = g_steal_pointer (&t->plan);
      s->n_ours = t->n_ours;
      s->changed = t->changed;
      g_ptr_array_add (r->stores, s);
    }
  if (command == MTP_COMMAND_INSTALL && !leftovers)
    note_tools (r);
  return TRUE;
}

/* ::6/128 on the loopback interface, which the IPv6 rules expect; it does not
 * survive a reboot, so every install makes sure of it (the boot unit runs
 * one), and uninstall takes it away again. */
static gboolean
set_passthrough_address (MtpCommand command, const MtpRuleset *desired, MtpReport *r, MtpUndo *undo,
                         GError **error)
{
  gboolean want = command == MTP_COMMAND_INSTALL && desired != NULL
                  && mtp_ruleset_has_family (desired, MTP_FAMILY_IPV6) && !r->ipv6_dropped;
  gboolean changed = FALSE;
  /* Without the rule set (uninstall whose facts failed): the interface. */
  g_autofree char *lo = desired != NULL && desired->loopback != NULL ? g_strdup (desired->loopback)
                                                                     : mtp_loopback_name ();

  if (command == MTP_COMMAND_INSTALL && !want)
    return TRUE;
  /* A signal is honoured before a change, not when there is none to make. */
  if (mtp_passthrough_address_present (lo) != want && !mtp_signal_check (error))
    return FALSE;
  if (!mtp_passthrough_address_set (lo, want, &changed, error))
    return FALSE;
  if (changed)
    {
      mtp_undo_push_address (undo, lo, !want);
      r->changed = TRUE;
      notice (r, want ? _ ("added ::6/128 to '%s'") : _ ("removed ::6/128 from '%s'"), lo);
    }
  return TRUE;
}

/* What the run found (status, --check) or left (install, uninstall), from
 * the stores' plans, made against what each store held. A direct.xml store
 * means that firewalld is not running: then only it counts for install and
 * status, and rules of ours there are permanent only, not live. A failed run does not come here:
 * its status stays what it was (unknown, the start value). */
/* --check: whether set_passthrough_address would change ::6/128; the answer
 * is part of "changed" (would change). */
static void
check_passthrough_address (MtpCommand command, const MtpRuleset *desired, MtpReport *r)
{
  gboolean want = command == MTP_COMMAND_INSTALL && desired != NULL
                  && mtp_ruleset_has_family (desired, MTP_FAMILY_IPV6) && !r->ipv6_dropped;
  const char *lo = desired != NULL && desired->loopback != NULL ? desired->loopback : "lo";

  if (command == MTP_COMMAND_INSTALL && !want)
    return;
  if (mtp_passthrough_address_present (lo) == want)
    return;
  r->changed = TRUE;
  notice (r, want ? _ ("would add ::6/128 to '%s'") : _ ("would remove ::6/128 from '%s'"), lo);
}

static void
finish_status (MtpReport *r)
{
  gboolean applied = r->command != MTP_COMMAND_STATUS && !r->check_only;
  gboolean any_ours = FALSE, all_in_sync = TRUE, live = TRUE;

  for (guint i = 0; i < r->stores->len; i++)
    live &= strcmp (((MtpStoreReport *)r->stores->pdata[i])->id, "direct-xml") != 0;
  for (guint i = 0; i < r->stores->len; i++)
    {
      const MtpStoreReport *s = r->stores->pdata[i];
      gboolean in_sync = mtp_direct_plan_is_empty (s->plan);

      /* With --check, "changed" is "would change", as Ansible has it. */
      r->changed |= applied ? s->changed : r->check_only && !in_sync;
      /* uninstall aims at nothing of ours anywhere: every store counts. */
      if (!live && r->command != MTP_COMMAND_UNINSTALL && strcmp (s->id, "direct-xml") != 0)
        continue;
      any_ours |= s->n_ours > 0;
      all_in_sync &= in_sync;
    }
  if (r->kernel_unknown)
    r->status = MTP_STATUS_UNKNOWN;
  else if (r->command == MTP_COMMAND_UNINSTALL)
    r->status = applied || all_in_sync ? MTP_STATUS_NOT_INSTALLED : MTP_STATUS_DRIFTED;
  else if (applied || (all_in_sync && !r->kernel_drift))
    r->status = live ? MTP_STATUS_IN_SYNC : MTP_STATUS_PERMANENT_ONLY;
  else if (!any_ours)
    r->status = MTP_STATUS_NOT_INSTALLED;
  else
    r->status = MTP_STATUS_DRIFTED;
}

/* status with the auto backend while firewalld is not running, without
 * --store-firewalld: when the kernel's tables hold nothing of ours, rules of
 * ours in direct.xml (an earlier install --store-firewalld) are what there
 * is, permanent only; they are reported as its store. */
static void
status_direct_xml (const MtpConfig *config, const MtpRuleset *desired_set, MtpReport *r)
{
  g_autofree char *path = g_build_filename (config->firewalld_config_dir, "direct.xml", NULL);
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpFirewalldInfo) info = NULL;
  g_autoptr (MtpDirect) desired = NULL;
  g_autoptr (MtpDirect) known = NULL;
  g_autoptr (MtpDirect) ours = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < r->stores->len; i++)
    if (((MtpStoreReport *)r->stores->pdata[i])->n_ours > 0)
      return;
  if (desired_set == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  xml = mtp_direct_xml_load (config->firewalld_config_dir, &error);
  if (xml == NULL)
    {
      warn (r, "%s", error->message);
      return;
    }
  known = mtp_direct_from_ruleset (desired_set);
  mtp_direct_split (mtp_direct_xml_get (xml), known, &ours, NULL);
  if (n_entries (ours) == 0)
    return;
  info = mtp_firewalld_offline_info (config->firewalld_config_dir, &error);
  if (info == NULL)
    {
      warn (r, "%s", error->message);
      return;
    }
  desired = desired_for_firewalld (desired_set, info, r);
  add_store (r, "direct-xml", path, desired, ours);
  warn (r, NOT_LIVE_WARNING, path);
}

/* A step failed or a signal came after others had changed the host: take
 * back what the run had applied, newest first, so that exit 1 and exit 9
 * mean "as before". */
static void
roll_back (MtpUndo *undo, MtpReport *r, GError **error)
{
  g_autoptr (GError) cause = g_steal_pointer (error);
  g_autoptr (GError) undo_error = NULL;
  g_autofree char *what = NULL;
  gboolean interrupted = g_error_matches (cause, MTP_ERROR, MTP_ERROR_INTERRUPTED);

  if (mtp_undo_get_length (undo) == 0)
    {
      /* Each store takes back its own half-made changes. */
      if (interrupted)
        {
          g_set_error (error, cause->domain, cause->code,
                       _ ("%s; nothing of this run is left applied"), cause->message);
          r->status = MTP_STATUS_INTERRUPTED;
        }
      else
        g_propagate_error (error, g_steal_pointer (&cause));
      return;
    }
  if (!mtp_undo_run (undo, &what, &undo_error))
    {
      /* Not as before: a failure, whatever stopped the run. */
      g_set_error (error, MTP_ERROR, interrupted ? MTP_ERROR_FAILED : cause->code,
                   _ ("%s; taking back what this run had applied failed: %s"), cause->message,
                   undo_error->message);
      r->status = MTP_STATUS_UNKNOWN;
      return;
    }
  g_set_error (error, cause->domain, cause->code,
               _ ("%s; what this run had applied was undone (%s)"), cause->message, what);
  for (guint i = 0; i < r->stores->len; i++)
    ((MtpStoreReport *)r->stores->pdata[i])->changed = FALSE;
  r->changed = FALSE;
  if (interrupted)
    r->status = MTP_STATUS_INTERRUPTED;
}

struct _MtpRun
{
  MtpCommand command;
  const MtpConfig *config; /* the caller's, as is the report */
  MtpReport *report;
  MtpLock *lock;
  MtpFirewalld *fw;
  gboolean firewalld_running; /* when the run began: what mtp_engine_run goes by */
};

/* "Not running" only on evidence (mtp_firewalld_find): a firewalld that may
 * run must not get a direct.xml written behind its back, nor the kernel's
 * tables through libiptc in auto mode. Only --backend iptables, which writes
 * the tables whatever runs, goes on, with a warning. */
static gboolean
decide_firewalld (MtpRun *run, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  MtpFirewalldPresence presence = mtp_firewalld_find (run->fw, &local_error);

  run->firewalld_running = presence == MTP_FIREWALLD_RUNNING;
  if (presence != MTP_FIREWALLD_UNKNOWN)
    return TRUE;
  if (run->config->backend == MTP_BACKEND_IPTABLES)
    {
      warn (run->report,
            _ ("%s: firewalld may be running; it flushes the iptables tables at its next reload "
               "or restart (1.x) or does not see these rules"),
            local_error->message);
      return TRUE;
    }
  g_set_error (error, MTP_ERROR, local_error->code,
               _ ("%s: firewalld's rules cannot be managed without the bus, and neither "
                  "direct.xml nor the kernel's tables are written while it may be running; nothing "
                  "was changed (make the bus reachable, see DBUS_SYSTEM_BUS_ADDRESS, and run "
                  "again)"),
               local_error->message);
  return FALSE;
}

MtpRun *
mtp_engine_begin (MtpCommand command, const MtpConfig *config, MtpReport *r, GError **error)
{
  g_autoptr (MtpRun) run = g_new0 (MtpRun, 1);

  run->command = command;
  run->config = config;
  run->report = r;
  r->check_only = config->check || (command == MTP_COMMAND_UNINSTALL && config->dry_run);
  /* A bus of someone else's would answer as firewalld. */
  if (!mtp_file_check_system_bus (error))
    return NULL;
  /* Before anything is read: a run that changes things waits for the one
   * before it, and a read-only one sees no run half-way. */
  run->lock = mtp_lock_take (command != MTP_COMMAND_STATUS && !r->check_only,
                             mtp_command_to_string (command), config->wait, error);
  if (run->lock == NULL)
    {
      if (error != NULL && g_error_matches (*error, MTP_ERROR, MTP_ERROR_INTERRUPTED))
        r->status = MTP_STATUS_INTERRUPTED;
      return NULL;
    }
  run->fw = mtp_firewalld_new (config->timeout);
  if (!decide_firewalld (run, error))
    return NULL;
  /* Every backend but iptables goes through firewalld when it runs. */
  if (config->backend != MTP_BACKEND_IPTABLES && run->firewalld_running)
    mtp_firewalld_prefetch (run->fw, command == MTP_COMMAND_UNINSTALL || config->store_firewalld);
  return g_steal_pointer (&run);
}

void
mtp_engine_end (MtpRun *run)
{
  if (run == NULL)
    return;
  g_clear_pointer (&run->fw, mtp_firewalld_free);
  g_clear_pointer (&run->lock, mtp_lock_release);
  g_free (run);
}

gboolean
mtp_engine_run (MtpRun *run, const MtpRuleset *desired, GError **error)
{
  MtpCommand command = run->command;
  const MtpConfig *config = run->config;
  MtpReport *r = run->report;
  MtpFirewalld *fw = run->fw;
  g_autoptr (MtpUndo) undo = mtp_undo_new ();
  /* Read under the lock, as the stores are. */
  g_autoptr (MtpRecords) records = mtp_records_load (config->state_dir, r->warnings);
  gboolean iptc = FALSE; /* the run went through the legacy tables */
  gboolean ok;

  for (guint i = 0;
       desired != NULL && command != MTP_COMMAND_UNINSTALL && i < desired->notices->len; i++)
    notice (r, "%s", (const char *)desired->notices->pdata[i]);

  switch (config->backend)
    {
      case MTP_BACKEND_IPTABLES:
        if (run->firewalld_running)
          warn (r,
                _ ("firewalld is running: it flushes the iptables tables at its next reload or "
                   "restart (1.x) or does not see these rules; the firewalld backend keeps them"));
        ok = run_iptc (command, config, desired, FALSE, records, r, undo, error);
        iptc = TRUE;
        break;
      case MTP_BACKEND_FIREWALLD:
        if (run->firewalld_running)
          ok = run_firewalld (command, config, desired, fw, records, r, undo, error);
        else if (command == MTP_COMMAND_UNINSTALL || command == MTP_COMMAND_STATUS
                 || config->store_firewalld)
          ok = run_offline (command, config, desired, records, r, undo, error);
        else
          {
            g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                         _ ("firewalld is not running; --store-firewalld writes its permanent "
                            "configuration for when it starts"));
            ok = FALSE;
          }
        break;
      case MTP_BACKEND_AUTO:
      default:
        if (run->firewalld_running)
          ok = run_firewalld (command, config, desired, fw, records, r, undo, error);
        else if (config->store_firewalld)
          ok = run_offline (command, config, desired, records, r, undo, error);
        else if (command == MTP_COMMAND_UNINSTALL)
          {
            /* Whichever way the rules were installed: the file, if there is
             * one, and the kernel's tables. */
            ok = run_offline (command, config, desired, records, r, undo, error)
                 && run_iptc (command, config, desired, FALSE, records, r, undo, error);
            iptc = TRUE;
          }
        else
          {
            ok = run_iptc (command, config, desired, FALSE, records, r, undo, error);
            iptc = TRUE;
            if (ok && command == MTP_COMMAND_STATUS)
              status_direct_xml (config, desired, r);
          }
        break;
    }
  /* Through firewalld, while the legacy tables hold what an install with
   * --backend iptables put there: taken out (two NAT tables would compete). */
  if (ok && !iptc && mtp_records_get (records, MTP_RECORD_IPTABLES_LEGACY) != NULL)
    ok = run_iptc (command, config, desired, TRUE, records, r, undo, error);
  if (ok && !r->check_only && command != MTP_COMMAND_STATUS
      && (desired != NULL || command == MTP_COMMAND_UNINSTALL))
    ok = set_passthrough_address (command, desired, r, undo, error);
  else if (ok && r->check_only && (desired != NULL || command == MTP_COMMAND_UNINSTALL))
    check_passthrough_address (command, desired, r);
  if (ok)
    finish_status (r);
  if (!ok)
    roll_back (undo, r, error);
  else if (mtp_signal_caught () != 0 && mtp_undo_get_length (undo) == 0)
    {
      /* Nothing was changed: the run ends here, as it would have before a
       * change (a read-only one included). */
      g_set_error (error, MTP_ERROR, MTP_ERROR_INTERRUPTED,
                   _ ("interrupted by %s; nothing was changed"),
                   mtp_signal_name (mtp_signal_caught ()));
      r->status = MTP_STATUS_INTERRUPTED;
      ok = FALSE;
    }
  else if (mtp_signal_caught () != 0)
    warn (r,
          _ ("%s came after the last change of this run: the run was completed, and its "
             "changes stay"),
          mtp_signal_name (mtp_signal_caught ()));
  if (ok && !r->check_only && command != MTP_COMMAND_STATUS)
    {
      g_autoptr (GError) record_error = NULL;

      /* The records written before the changes cover the stores still. */
      if (!mtp_records_finish (records, &record_error))
        warn (r, "%s", record_error->message);
    }
  /* (the calls of an undo included) */
  r->n_firewalld_writes = mtp_firewalld_get_n_writes (fw);
  return ok;
}

/* Reports. */

const char *
mtp_status_to_string (MtpStatus status)
{
  static const char *const names[] = {
    [MTP_STATUS_UNKNOWN] = "unknown",
    [MTP_STATUS_IN_SYNC] = "in-sync",
    [MTP_STATUS_NOT_INSTALLED] = "not-installed",
    [MTP_STATUS_DRIFTED] = "drifted",
    [MTP_STATUS_PERMANENT_ONLY] = "permanent-only",
    [MTP_STATUS_INTERRUPTED] = "interrupted",
  };

  g_return_val_if_fail (status < G_N_ELEMENTS (names), "unknown");
  return names[status];
}

static char *
store_name (const MtpStoreReport *s)
{
  if (strcmp (s->id, "firewalld-runtime") == 0)
    return g_strdup (_ ("firewalld runtime"));
  if (strcmp (s->id, "firewalld-permanent") == 0)
    return g_strdup (_ ("firewalld permanent"));
  if (strcmp (s->id, "iptables-legacy") == 0)
    return g_strdup_printf ("iptables-legacy %s", s->location);
  return g_strdup (s->location);
}

static void
append_plan_lines (GString *out, const MtpDirectPlan *plan, gboolean status)
{
  const char *plus = status ? _ ("missing") : "+";
  const char *minus = status ? _ ("extra") : "-";

  for (guint i = 0; i < plan->add_chains->len; i++)
    {
      const MtpDirectChain *c = plan->add_chains->pdata[i];
      g_string_append_printf (out, "    %s chain %s %s %s\n", plus, c->ipv, c->table, c->chain);
    }
  for (guint i = 0; i < plan->add_rules->len; i++)
    {
      g_autofree char *text = mtp_direct_rule_to_string (plan->add_rules->pdata[i]);
      g_string_append_printf (out, "    %s rule %s\n", plus, text);
    }
  for (guint i = 0; i < plan->remove_rules->len; i++)
    {
      g_autofree char *text = mtp_direct_rule_to_string (plan->remove_rules->pdata[i]);
      g_string_append_printf (out, "    %s rule %s\n", minus, text);
    }
  for (guint i = 0; i < plan->remove_chains->len; i++)
    {
      const MtpDirectChain *c = plan->remove_chains->pdata[i];
      g_string_append_printf (out, "    %s chain %s %s %s\n", minus, c->ipv, c->table, c->chain);
    }
}

char *
mtp_report_to_text (const MtpReport *r)
{
  GString *out = g_string_new (NULL);
  gboolean status = r->command == MTP_COMMAND_STATUS;
  gboolean would = status || r->check_only;

  if (r->firewalld_version != NULL)
    g_string_append_printf (out, _ ("firewalld %s (%s backend) is running\n"), r->firewalld_version,
                            r->firewalld_backend);
  for (guint i = 0; i < r->stores->len; i++)
    {
      const MtpStoreReport *s = r->stores->pdata[i];
      const MtpDirectPlan *p = s->plan;
      g_autofree char *name = store_name (s);

      if (mtp_direct_plan_is_empty (p))
        g_string_append_printf (out, _ ("%s: in sync (%u entries of ours)\n"), name, s->n_ours);
      else if (status)
        g_string_append_printf (out,
                                _ ("%s: %u chains and %u rules missing, %u rules and %u "
                                   "chains extra\n"),
                                name, p->add_chains->len, p->add_rules->len, p->remove_rules->len,
                                p->remove_chains->len);
      else
        g_string_append_printf (out,
                                would ? _ ("%s: would add %u chains and %u rules, remove %u "
                                           "rules and %u chains\n")
                                      : _ ("%s: added %u chains and %u rules, removed %u "
                                           "rules and %u chains\n"),
                                name, p->add_chains->len, p->add_rules->len, p->remove_rules->len,
                                p->remove_chains->len);
      if (status || r->check_only)
        append_plan_lines (out, p, status);
    }
  if (r->stores->len == 0)
    g_string_append (out, _ ("no rule of ours is installed, and none is wanted\n"));
  if (status)
    switch (r->status)
      {
        case MTP_STATUS_IN_SYNC:
          g_string_append (out, _ ("status: in sync\n"));
          break;
        case MTP_STATUS_NOT_INSTALLED:
          g_string_append (out, _ ("status: not installed\n"));
          break;
        case MTP_STATUS_DRIFTED:
          g_string_append (out, _ ("status: drifted\n"));
          break;
        case MTP_STATUS_PERMANENT_ONLY:
          g_string_append (out,
                           _ ("status: permanent only, not live (firewalld is not running)\n"));
          break;
        case MTP_STATUS_INTERRUPTED:
          g_string_append (out, _ ("status: interrupted, nothing changed\n"));
          break;
        case MTP_STATUS_UNKNOWN:
        default:
          g_string_append (out, _ ("status: unknown (could not compare)\n"));
          break;
      }
  return g_string_free (out, FALSE);
}

static void
json_chains (MtpJson *j, const GPtrArray *chains)
{
  mtp_json_begin_array (j);
  for (guint i = 0; i < chains->len; i++)
    {
      const MtpDirectChain *c = chains->pdata[i];
      const char *const parts[] = { c->ipv, c->table, c->chain, NULL };
      mtp_json_strv (j, parts);
    }
  mtp_json_end_array (j);
}

static void
json_rules (MtpJson *j, const GPtrArray *rules)
{
  mtp_json_begin_array (j);
  for (guint i = 0; i < rules->len; i++)
    {
      g_autofree char *text = mtp_direct_rule_to_string (rules->pdata[i]);
      mtp_json_string (j, text);
    }
  mtp_json_end_array (j);
}

static void
json_strings (MtpJson *j, const char *key, const GPtrArray *strings)
{
  mtp_json_key (j, key);
  mtp_json_begin_array (j);
  for (guint i = 0; i < strings->len; i++)
    mtp_json_string (j, strings->pdata[i]);
  mtp_json_end_array (j);
}

char *
mtp_report_to_json (const MtpReport *r, const GError *error)
{
  g_autoptr (MtpJson) j = mtp_json_new ();

  mtp_json_begin_object (j);
  /* Raised when a key changes meaning or goes; new keys do not raise it. */
  mtp_json_key (j, "schema_version");
  mtp_json_int (j, MTP_REPORT_SCHEMA_VERSION);
  mtp_json_key (j, "command");
  mtp_json_string (j, r->command != 0 ? mtp_command_to_string (r->command) : NULL);
  mtp_json_key (j, "changed");
  mtp_json_bool (j, r->changed);
  mtp_json_key (j, "failed");
  mtp_json_bool (j, error != NULL);
  mtp_json_key (j, "check");
  mtp_json_bool (j, r->check_only);
  mtp_json_key (j, "status");
  mtp_json_string (j, mtp_status_to_string (r->status));
  mtp_json_key (j, "backend");
  mtp_json_string (j, r->backend);
  mtp_json_key (j, "firewalld");
  if (r->firewalld_version != NULL)
    {
      mtp_json_begin_object (j);
      mtp_json_key (j, "version");
      mtp_json_string (j, r->firewalld_version);
      mtp_json_key (j, "backend");
      mtp_json_string (j, r->firewalld_backend);
      mtp_json_key (j, "write_calls");
      mtp_json_int (j, r->n_firewalld_writes);
      mtp_json_end_object (j);
    }
  else
    mtp_json_string (j, NULL);
  mtp_json_key (j, "stores");
  mtp_json_begin_array (j);
  for (guint i = 0; i < r->stores->len; i++)
    {
      const MtpStoreReport *s = r->stores->pdata[i];

      mtp_json_begin_object (j);
      mtp_json_key (j, "store");
      mtp_json_string (j, s->id);
      mtp_json_key (j, "location");
      mtp_json_string (j, s->location);
      mtp_json_key (j, "changed");
      mtp_json_bool (j, s->changed);
      mtp_json_key (j, "in_sync");
      mtp_json_bool (j, mtp_direct_plan_is_empty (s->plan));
      mtp_json_key (j, "ours_before");
      mtp_json_int (j, s->n_ours);
      mtp_json_key (j, "add_chains");
      json_chains (j, s->plan->add_chains);
      mtp_json_key (j, "add_rules");
      json_rules (j, s->plan->add_rules);
      mtp_json_key (j, "remove_rules");
      json_rules (j, s->plan->remove_rules);
      mtp_json_key (j, "remove_chains");
      json_chains (j, s->plan->remove_chains);
      mtp_json_end_object (j);
    }
  mtp_json_end_array (j);
  json_strings (j, "warnings", r->warnings);
  json_strings (j, "notices", r->notices);
  mtp_json_key (j, "msg");
  mtp_json_string (j, error != NULL ? error->message : NULL);
  mtp_json_end_object (j);
  return mtp_json_free_to_string (g_steal_pointer (&j));
}
