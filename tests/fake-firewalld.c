/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A fake firewalld for the cases a real one cannot produce: a polkit refusal,
 * lockdown, a call failing half-way through a run (--fail-call N, repeatable),
 * a failing permanent update, states other than RUNNING, other versions and
 * settings, a racing writer (--hide-runtime), unreadable settings
 * (--hide-config), a crash at the N-th write call (--exit-at N), a call never
 * answered (--hang-call N), a reload just before the N-th write call
 * (--reload-at N) or just after answering the first getSettings, the last of
 * a run's reads (--reload-after-settings), and a permanent configuration kept across restarts
 * (--persist FILE, as firewalld keeps direct.xml). It serves the subset of firewalld's D-Bus API that
 * mesh-tproxy calls (dbus/org.fedoraproject.FirewallD1.xml) on the system bus
 * ($DBUS_SYSTEM_BUS_ADDRESS), keeps runtime and permanent direct
 * configurations in memory with firewalld's rules (ALREADY_ENABLED,
 * NOT_ENABLED, INVALID_IPV, INVALID_TABLE, BUILTIN_CHAIN; at runtime a rule
 * needs its chain and the chain it jumps to, and a chain in use cannot be
 * removed, as iptables would say), and touches no netfilter table.
 *
 * It prints "ready" once it owns the name, logs every write call to stderr,
 * and after every call writes its whole state to --state-file, sorted, one
 * entry a line ("runtime rule ipv4 nat OUTPUT 5 -j RETURN", "permanent chain
 * ipv4 nat X"; args joined by spaces), then "writes N": the write calls
 * received so far, refused ones included. */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mtp-firewalld-generated.h"
#include "mtp-firewalld.h"

#define ACTION_DIRECT "org.fedoraproject.FirewallD1.direct"
#define ACTION_CONFIG "org.fedoraproject.FirewallD1.config"
#define INJECTED_FAILURE                                                                           \
  "COMMAND_FAILED: '/usr/sbin/iptables-restore -w -n' failed: iptables-restore: line 2 failed"

/* One direct configuration; every entry is a GVariant tuple as D-Bus carries
 * it, so that equality is firewalld's key: all parts, args token by token. */
typedef struct
{
  GPtrArray *chains;       /* (sss) */
  GPtrArray *rules;        /* (sssias) */
  GPtrArray *passthroughs; /* (sas) */
} Direct;

typedef struct
{
  /* options */
  const char *version;
  const char *state;
  const char *backend;
  const char *rfc3964;
  const char *state_file;
  gboolean strict_forward_ports;
  gboolean not_authorized;
  gboolean lockdown;
  gboolean fail_update;
  gboolean hide_runtime;
  gboolean hide_config;
  GArray *fail_calls; /* of guint: the write calls to fail, counted from 1 */
  guint exit_at;
  guint hang_call;
  guint reload_at;
  gboolean reload_after_settings;
  const char *persist;
  GPtrArray *hung; /* invocations never answered */

  Direct *runtime;
  Direct *permanent;
  guint n_writes;

  GMainLoop *loop;
  MtpFwFirewallD1 *main_iface;
  MtpFwFirewallD1Direct *direct;
  MtpFwFirewallD1Config *config;
  MtpFwFirewallD1ConfigDirect *config_direct;
  gboolean owned;
  int exit_code;
} Fake;

/* Targets that are not chains; "-j" to anything else needs the chain. */
static const char *const targets[] = {
  "ACCEPT",  "DROP",  "RETURN",   "REJECT", "QUEUE",  "NFQUEUE", "LOG",        "NFLOG",
  "ULOG",    "AUDIT", "REDIRECT", "DNAT",   "SNAT",   "NETMAP",  "MASQUERADE", "CT",
  "NOTRACK", "MARK",  "CONNMARK", "TPROXY", "TCPMSS", "TRACE",   "CHECKSUM",   "CLASSIFY",
  "DSCP",    "TOS",   "TTL",      "HL",     "SET",    "TEE",     NULL,
};

static Direct *
direct_new (void)
{
  Direct *d = g_new0 (Direct, 1);

  d->chains = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  d->rules = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  d->passthroughs = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  return d;
}

static void
direct_free (Direct *d)
{
  if (d == NULL)
    return;
  g_ptr_array_unref (d->chains);
  g_ptr_array_unref (d->rules);
  g_ptr_array_unref (d->passthroughs);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Direct, direct_free)

static GVariant *
list_to_variant (const GPtrArray *list, const char *type)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE (type));
  for (guint i = 0; i < list->len; i++)
    g_variant_builder_add_value (&b, list->pdata[i]);
  return g_variant_builder_end (&b);
}

static GVariant *
direct_to_variant (const Direct *d)
{
  return g_variant_new ("(@a(sss)@a(sssias)@a(sas))", list_to_variant (d->chains, "a(sss)"),
                        list_to_variant (d->rules, "a(sssias)"),
                        list_to_variant (d->passthroughs, "a(sas)"));
}

static void
list_from_variant (GPtrArray *list, GVariant *array)
{
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, array);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    g_ptr_array_add (list, child);
}

static Direct *
direct_from_variant (GVariant *settings)
{
  Direct *d = direct_new ();
  g_autoptr (GVariant) chains = g_variant_get_child_value (settings, 0);
  g_autoptr (GVariant) rules = g_variant_get_child_value (settings, 1);
  g_autoptr (GVariant) passthroughs = g_variant_get_child_value (settings, 2);

  list_from_variant (d->chains, chains);
  list_from_variant (d->rules, rules);
  list_from_variant (d->passthroughs, passthroughs);
  return d;
}

static Direct *
direct_copy (const Direct *d)
{
  g_autoptr (GVariant) v = g_variant_ref_sink (direct_to_variant (d));

  return direct_from_variant (v);
}

static gint
find (const GPtrArray *list, GVariant *key)
{
  for (guint i = 0; i < list->len; i++)
    if (g_variant_equal (list->pdata[i], key))
      return (gint)i;
  return -1;
}

/* "ipv4 nat OUTPUT 5 -j RETURN": the parts of an entry joined by spaces. */
static char *
entry_to_string (GVariant *entry)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < g_variant_n_children (entry); i++)
    {
      g_autoptr (GVariant) part = g_variant_get_child_value (entry, i);

      if (s->len > 0)
        g_string_append_c (s, ' ');
      if (g_variant_is_of_type (part, G_VARIANT_TYPE_STRING))
        g_string_append (s, g_variant_get_string (part, NULL));
      else if (g_variant_is_of_type (part, G_VARIANT_TYPE_INT32))
        g_string_append_printf (s, "%d", g_variant_get_int32 (part));
      else
        {
          g_autofree const char **strv = g_variant_get_strv (part, NULL);
          g_autofree char *joined = g_strjoinv (" ", (char **)strv);
          g_string_append (s, joined);
        }
    }
  return g_string_free (s, FALSE);
}

static void
dump_list (GPtrArray *lines, const char *store, const char *kind, const GPtrArray *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *entry = entry_to_string (list->pdata[i]);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s %s", store, kind, entry));
    }
}

static gint
compare_lines (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static void
save_state (Fake *fake)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  if (fake->state_file == NULL)
    return;
  dump_list (lines, "runtime", "chain", fake->runtime->chains);
  dump_list (lines, "runtime", "rule", fake->runtime->rules);
  dump_list (lines, "runtime", "passthrough", fake->runtime->passthroughs);
  dump_list (lines, "permanent", "chain", fake->permanent->chains);
  dump_list (lines, "permanent", "rule", fake->permanent->rules);
  dump_list (lines, "permanent", "passthrough", fake->permanent->passthroughs);
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *)lines->pdata[i]);
  g_string_append_printf (text, "writes %u\n", fake->n_writes);
  /* Atomic (temp file and rename): a reader never sees half a state. */
  if (!g_file_set_contents (fake->state_file, text->str, (gssize)text->len, &error))
    g_printerr ("fake-firewalld: %s\n", error->message);
}

/* Python's repr of a tuple of strings, as firewalld's messages show args. */
static char *
py_tuple (const char *const *args)
{
  GString *s = g_string_new ("(");
  guint n = 0;

  for (; args[n] != NULL; n++)
    g_string_append_printf (s, "%s'%s'", n > 0 ? ", " : "", args[n]);
  g_string_append (s, n == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

static const char *const *
builtin_chains (const char *ipv, const char *table)
{
  static const char *const filter[] = { "INPUT", "OUTPUT", "FORWARD", NULL };
  static const char *const raw[] = { "PREROUTING", "OUTPUT", NULL };
  static const char *const mangle[]
      = { "PREROUTING", "POSTROUTING", "INPUT", "OUTPUT", "FORWARD", NULL };
  static const char *const nat[] = { "PREROUTING", "POSTROUTING", "OUTPUT", NULL };
  static const char *const broute[] = { "BROUTING", NULL };

  if (strcmp (ipv, "eb") == 0)
    return strcmp (table, "broute") == 0   ? broute
           : strcmp (table, "nat") == 0    ? nat
           : strcmp (table, "filter") == 0 ? filter
                                           : NULL;
  if (strcmp (table, "security") == 0 || strcmp (table, "filter") == 0)
    return filter;
  if (strcmp (table, "raw") == 0)
    return raw;
  if (strcmp (table, "mangle") == 0)
    return mangle;
  if (strcmp (table, "nat") == 0)
    return nat;
  return NULL;
}

/* firewalld's _check_ipv_table: NULL, or the error message. */
static char *
check_ipv_table (const char *ipv, const char *table)
{
  if (strcmp (ipv, "ipv4") != 0 && strcmp (ipv, "ipv6") != 0 && strcmp (ipv, "eb") != 0)
    return g_strdup_printf ("INVALID_IPV: '%s' not in '['ipv4', 'ipv6', 'eb']'", ipv);
  if (table != NULL && builtin_chains (ipv, table) == NULL)
    return g_strdup_printf ("INVALID_TABLE: '%s' not in '%s'", table,
                            strcmp (ipv, "eb") == 0
                                ? "dict_keys(['broute', 'nat', 'filter'])"
                                : "dict_keys(['security', 'raw', 'mangle', 'nat', 'filter'])");
  return NULL;
}

static gboolean
is_builtin (const char *ipv, const char *table, const char *chain)
{
  const char *const *builtin = builtin_chains (ipv, table);

  return builtin != NULL && g_strv_contains (builtin, chain);
}

static gboolean
has_chain (const Direct *d, const char *ipv, const char *table, const char *chain)
{
  g_autoptr (GVariant) key = g_variant_ref_sink (g_variant_new ("(sss)", ipv, table, chain));

  return find (d->chains, key) >= 0;
}

/* The chain a rule jumps to (-j/-g), or NULL. */
static const char *
jump_target (const char *const *args)
{
  for (guint i = 0; args[i] != NULL && args[i + 1] != NULL; i++)
    if (strcmp (args[i], "-j") == 0 || strcmp (args[i], "--jump") == 0
        || strcmp (args[i], "-g") == 0 || strcmp (args[i], "--goto") == 0)
      return args[i + 1];
  return NULL;
}

static const char *
restore_program (const char *ipv)
{
  return strcmp (ipv, "ipv6") == 0 ? "ip6tables-restore"
         : strcmp (ipv, "eb") == 0 ? "ebtables-restore"
                                   : "iptables-restore";
}

/* What iptables-restore would say about a runtime rule in this fake's
 * netfilter, which holds exactly the runtime direct configuration. */
static char *
check_rule_kernel (const Fake *fake, const char *ipv, const char *table, const char *chain,
                   const char *const *args)
{
  const char *target = jump_target (args);
  const char *program = restore_program (ipv);
  g_autofree char *base = g_str_has_suffix (chain, "_direct")
                              ? g_strndup (chain, strlen (chain) - strlen ("_direct"))
                              : NULL;

  /* firewalld's nftables backend maps OUTPUT_direct to OUTPUT. */
  if (!is_builtin (ipv, table, chain) && !has_chain (fake->runtime, ipv, table, chain)
      && !(base != NULL && is_builtin (ipv, table, base)))
    return g_strdup_printf ("COMMAND_FAILED: '/usr/sbin/%s -w -n' failed: %s: Chain '%s' does "
                            "not exist",
                            program, program, chain);
  if (target != NULL && !g_strv_contains (targets, target)
      && !has_chain (fake->runtime, ipv, table, target))
    return g_strdup_printf ("COMMAND_FAILED: '/usr/sbin/%s -w -n' failed: %s: Couldn't load "
                            "target `%s':No such file or directory",
                            program, program, target);
  return NULL;
}

/* iptables -X fails while the chain holds rules or is jumped to. */
static gboolean
chain_in_use (const Fake *fake, const char *ipv, const char *table, const char *chain)
{
  for (guint i = 0; i < fake->runtime->rules->len; i++)
    {
      const char *r_ipv, *r_table, *r_chain;
      g_autofree const char **args = NULL;
      gint32 priority;

      g_variant_get (fake->runtime->rules->pdata[i], "(&s&s&si^a&s)", &r_ipv, &r_table, &r_chain,
                     &priority, &args);
      if (strcmp (r_ipv, ipv) == 0 && strcmp (r_table, table) == 0
          && (strcmp (r_chain, chain) == 0 || g_strcmp0 (jump_target (args), chain) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
log_call (const Fake *fake, const char *desc, const char *outcome)
{
  g_printerr ("call %s -> %s (write %u)\n", desc, outcome, fake->n_writes);
}

static void
reply_error (Fake *fake, GDBusMethodInvocation *invocation, const char *desc, const char *name,
             const char *message)
{
  log_call (fake, desc, message);
  save_state (fake);
  g_dbus_method_invocation_return_dbus_error (invocation, name, message);
}

static void
reply_exception (Fake *fake, GDBusMethodInvocation *invocation, const char *desc,
                 const char *message)
{
  reply_error (fake, invocation, desc, MTP_FIREWALLD_ERROR_EXCEPTION, message);
}

/* The state is saved before the reply: once the caller has its answer, the
 * state file tells the truth. */
static void
changed (Fake *fake, const char *desc)
{
  log_call (fake, desc, "ok");
  save_state (fake);
}

static gboolean
must_fail (const Fake *fake)
{
  for (guint i = 0; i < fake->fail_calls->len; i++)
    if (g_array_index (fake->fail_calls, guint, i) == fake->n_writes)
      return TRUE;
  return FALSE;
}

/* As with FlushAllOnReload=yes: the runtime becomes the permanent config. */
static void
reload (Fake *fake)
{
  direct_free (fake->runtime);
  fake->runtime = direct_copy (fake->permanent);
  changed (fake, "reload");
  mtp_fw_firewall_d1_emit_reloaded (fake->main_iface);
}

/* Every write call passes here first: it is counted, and refused when an
 * option says so (without any change). TRUE when it was answered (or is
 * never to be). */
static gboolean
refuse (Fake *fake, GDBusMethodInvocation *invocation, const char *desc, const char *action,
        gboolean is_update)
{
  fake->n_writes++;
  if (fake->exit_at == fake->n_writes)
    {
      /* As if killed: no answer, nothing flushed, the connection just goes. */
      log_call (fake, desc, "exit");
      _exit (3);
    }
  if (fake->reload_at == fake->n_writes)
    reload (fake);
  if (fake->hang_call == fake->n_writes)
    {
      log_call (fake, desc, "no answer");
      g_ptr_array_add (fake->hung, g_object_ref (invocation));
      return TRUE;
    }
  if (fake->not_authorized)
    {
      g_autofree char *message = g_strdup_printf ("Not Authorized(polkit): %s", action);
      reply_error (fake, invocation, desc, MTP_FIREWALLD_ERROR_NOT_AUTHORIZED, message);
      return TRUE;
    }
  if (fake->lockdown)
    {
      reply_exception (fake, invocation, desc, "ACCESS_DENIED: lockdown is enabled");
      return TRUE;
    }
  if ((is_update && fake->fail_update) || must_fail (fake))
    {
      reply_exception (fake, invocation, desc, INJECTED_FAILURE);
      return TRUE;
    }
  return FALSE;
}

static gboolean
change_chain (Fake *fake, GDBusMethodInvocation *invocation, gboolean add, const char *ipv,
              const char *table, const char *chain)
{
  g_autofree char *desc
      = g_strdup_printf ("%s %s %s %s", add ? "addChain" : "removeChain", ipv, table, chain);
  g_autoptr (GVariant) key = g_variant_ref_sink (g_variant_new ("(sss)", ipv, table, chain));
  g_autofree char *error = NULL;
  gint i;

  if (refuse (fake, invocation, desc, ACTION_DIRECT, FALSE))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  i = find (fake->runtime->chains, key);
  error = check_ipv_table (ipv, table);
  if (error == NULL && is_builtin (ipv, table, chain))
    error = g_strdup_printf ("BUILTIN_CHAIN: chain '%s' is built-in chain", chain);
  if (error == NULL && add && i >= 0)
    error
        = g_strdup_printf ("ALREADY_ENABLED: chain '%s' already is in '%s:%s'", chain, ipv, table);
  if (error == NULL && !add && i < 0)
    error = g_strdup_printf ("NOT_ENABLED: chain '%s' is not in '%s:%s'", chain, ipv, table);
  if (error == NULL && !add && chain_in_use (fake, ipv, table, chain))
    error = g_strdup_printf ("COMMAND_FAILED: '/usr/sbin/%s -w -n' failed: %s: line 2 failed",
                             restore_program (ipv), restore_program (ipv));
  if (error != NULL)
    {
      reply_exception (fake, invocation, desc, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (add)
    g_ptr_array_add (fake->runtime->chains, g_variant_ref (key));
  else
    g_ptr_array_remove_index (fake->runtime->chains, (guint)i);
  changed (fake, desc);
  if (add)
    mtp_fw_firewall_d1_direct_complete_add_chain (fake->direct, invocation);
  else
    mtp_fw_firewall_d1_direct_complete_remove_chain (fake->direct, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
change_rule (Fake *fake, GDBusMethodInvocation *invocation, gboolean add, const char *ipv,
             const char *table, const char *chain, gint priority, const char *const *args)
{
  g_autofree char *joined = g_strjoinv (" ", (char **)args);
  g_autofree char *desc = g_strdup_printf ("%s %s %s %s %d %s", add ? "addRule" : "removeRule", ipv,
                                           table, chain, priority, joined);
  g_autoptr (GVariant) key
      = g_variant_ref_sink (g_variant_new ("(sssi^as)", ipv, table, chain, priority, args));
  g_autofree char *tuple = py_tuple (args);
  g_autofree char *error = NULL;
  gint i;

  if (refuse (fake, invocation, desc, ACTION_DIRECT, FALSE))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  i = find (fake->runtime->rules, key);
  error = check_ipv_table (ipv, table);
  if (error == NULL && add && i >= 0)
    error = g_strdup_printf ("ALREADY_ENABLED: rule '%s' already is in '%s:%s:%s'", tuple, ipv,
                             table, chain);
  if (error == NULL && !add && i < 0)
    error
        = g_strdup_printf ("NOT_ENABLED: rule '%s' is not in '%s:%s:%s'", tuple, ipv, table, chain);
  if (error == NULL && add)
    error = check_rule_kernel (fake, ipv, table, chain, args);
  if (error != NULL)
    {
      reply_exception (fake, invocation, desc, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  if (add)
    g_ptr_array_add (fake->runtime->rules, g_variant_ref (key));
  else
    g_ptr_array_remove_index (fake->runtime->rules, (guint)i);
  changed (fake, desc);
  if (add)
    mtp_fw_firewall_d1_direct_complete_add_rule (fake->direct, invocation);
  else
    mtp_fw_firewall_d1_direct_complete_remove_rule (fake->direct, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_chain (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation, const char *ipv,
                  const char *table, const char *chain, Fake *fake)
{
  return change_chain (fake, invocation, TRUE, ipv, table, chain);
}

static gboolean
handle_remove_chain (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation,
                     const char *ipv, const char *table, const char *chain, Fake *fake)
{
  return change_chain (fake, invocation, FALSE, ipv, table, chain);
}

static gboolean
handle_add_rule (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation, const char *ipv,
                 const char *table, const char *chain, gint priority, const char *const *args,
                 Fake *fake)
{
  return change_rule (fake, invocation, TRUE, ipv, table, chain, priority, args);
}

static gboolean
handle_remove_rule (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation,
                    const char *ipv, const char *table, const char *chain, gint priority,
                    const char *const *args, Fake *fake)
{
  return change_rule (fake, invocation, FALSE, ipv, table, chain, priority, args);
}

/* Untracked: firewalld runs one iptables command; here it only succeeds. */
static gboolean
handle_passthrough (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation,
                    const char *ipv, const char *const *args, Fake *fake)
{
  g_autofree char *joined = g_strjoinv (" ", (char **)args);
  g_autofree char *desc = g_strdup_printf ("passthrough %s %s", ipv, joined);
  g_autofree char *error = NULL;

  if (refuse (fake, invocation, desc, ACTION_DIRECT, FALSE))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  error = check_ipv_table (ipv, NULL);
  if (error != NULL)
    {
      reply_exception (fake, invocation, desc, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  changed (fake, desc);
  mtp_fw_firewall_d1_direct_complete_passthrough (fake->direct, invocation, "");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_all_chains (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation, Fake *fake)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  mtp_fw_firewall_d1_direct_complete_get_all_chains (
      object, invocation,
      list_to_variant (fake->hide_runtime ? none : fake->runtime->chains, "a(sss)"));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_all_rules (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation, Fake *fake)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  mtp_fw_firewall_d1_direct_complete_get_all_rules (
      object, invocation,
      list_to_variant (fake->hide_runtime ? none : fake->runtime->rules, "a(sssias)"));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_all_passthroughs (MtpFwFirewallD1Direct *object, GDBusMethodInvocation *invocation,
                             Fake *fake)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  mtp_fw_firewall_d1_direct_complete_get_all_passthroughs (
      object, invocation,
      list_to_variant (fake->hide_runtime ? none : fake->runtime->passthroughs, "a(sas)"));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_settings (MtpFwFirewallD1ConfigDirect *object, GDBusMethodInvocation *invocation,
                     Fake *fake)
{
  mtp_fw_firewall_d1_config_direct_complete_get_settings (object, invocation,
                                                          direct_to_variant (fake->permanent));
  if (fake->reload_after_settings)
    {
      fake->reload_after_settings = FALSE;
      reload (fake);
    }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* firewalld's check_config of direct.xml: ipv and table of every entry. */
static char *
check_settings (const Direct *d)
{
  const GPtrArray *lists[] = { d->chains, d->rules, d->passthroughs };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        g_autoptr (GVariant) ipv = g_variant_get_child_value (lists[l]->pdata[i], 0);
        g_autoptr (GVariant) table
            = l < 2 ? g_variant_get_child_value (lists[l]->pdata[i], 1) : NULL;
        char *error = check_ipv_table (g_variant_get_string (ipv, NULL),
                                       table ? g_variant_get_string (table, NULL) : NULL);
        if (error != NULL)
          return error;
      }
  return NULL;
}

static gboolean
handle_update (MtpFwFirewallD1ConfigDirect *object, GDBusMethodInvocation *invocation,
               GVariant *settings, Fake *fake)
{
  g_autoptr (Direct) next = direct_from_variant (settings);
  g_autofree char *desc
      = g_strdup_printf ("update %u chains %u rules %u passthroughs", next->chains->len,
                         next->rules->len, next->passthroughs->len);
  g_autofree char *error = NULL;

  if (refuse (fake, invocation, desc, ACTION_CONFIG, TRUE))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  error = check_settings (next);
  if (error != NULL)
    {
      reply_exception (fake, invocation, desc, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  direct_free (fake->permanent);
  fake->permanent = g_steal_pointer (&next);
  if (fake->persist != NULL)
    {
      g_autoptr (GVariant) v = g_variant_ref_sink (direct_to_variant (fake->permanent));
      g_autofree char *text = g_variant_print (v, TRUE);
      g_autoptr (GError) io_error = NULL;

      if (!g_file_set_contents (fake->persist, text, -1, &io_error))
        g_printerr ("fake-firewalld: %s\n", io_error->message);
    }
  changed (fake, desc);
  mtp_fw_firewall_d1_config_direct_complete_update (object, invocation);
  mtp_fw_firewall_d1_config_direct_emit_updated (object);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reload (MtpFwFirewallD1 *object, GDBusMethodInvocation *invocation, Fake *fake)
{
  if (fake->not_authorized)
    {
      reply_error (fake, invocation, "reload", MTP_FIREWALLD_ERROR_NOT_AUTHORIZED,
                   "Not Authorized(polkit): org.fedoraproject.FirewallD1.all");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  reload (fake);
  mtp_fw_firewall_d1_complete_reload (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
name_acquired (GDBusConnection *bus, const char *name, gpointer data)
{
  Fake *fake = data;

  fake->owned = TRUE;
  printf ("ready\n");
  fflush (stdout);
}

static void
name_lost (GDBusConnection *bus, const char *name, gpointer data)
{
  Fake *fake = data;

  g_printerr (fake->owned ? "fake-firewalld: lost the name %s\n"
                          : "fake-firewalld: cannot own the name %s (a firewalld is running?)\n",
              name);
  fake->exit_code = 1;
  g_main_loop_quit (fake->loop);
}

static gboolean
quit (gpointer data)
{
  Fake *fake = data;

  g_main_loop_quit (fake->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
export_at (GDBusInterfaceSkeleton *skeleton, GDBusConnection *bus, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (g_dbus_interface_skeleton_export (skeleton, bus, path, &error))
    return TRUE;
  g_printerr ("fake-firewalld: exporting on '%s': %s\n", path, error->message);
  return FALSE;
}

static void
unexport_and_unref (gpointer skeleton)
{
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);
  g_object_unref (skeleton);
}

int
main (int argc, char **argv)
{
  Fake fake = { 0 };
  g_autofree char *version = NULL;
  g_autofree char *state = NULL;
  g_autofree char *backend = NULL;
  g_autofree char *rfc3964 = NULL;
  g_autofree char *state_file = NULL;
  g_auto (GStrv) fail_calls = NULL;
  g_autofree char *persist = NULL;
  g_autoptr (GPtrArray) hung = g_ptr_array_new_with_free_func (g_object_unref);
  gint exit_at = 0, hang_call = 0, reload_at = 0;
  g_autoptr (GArray) fail_numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_STRING, &version, "The version property (1.3.3)", "STR" },
    { "state", 0, 0, G_OPTION_ARG_STRING, &state, "The state property (RUNNING)", "STR" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "FirewallBackend (nftables)", "STR" },
    { "rfc3964", 0, 0, G_OPTION_ARG_STRING, &rfc3964, "RFC3964_IPv4 (yes)", "yes|no" },
    { "strict-forward-ports", 0, 0, G_OPTION_ARG_NONE, &fake.strict_forward_ports,
      "StrictForwardPorts=yes", NULL },
    { "not-authorized", 0, 0, G_OPTION_ARG_NONE, &fake.not_authorized,
      "Refuse every write call as polkit would", NULL },
    { "lockdown", 0, 0, G_OPTION_ARG_NONE, &fake.lockdown,
      "Refuse every write call with ACCESS_DENIED (lockdown)", NULL },
    { "fail-call", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fail_calls,
      "Fail the N-th write call (from 1) with COMMAND_FAILED; may be repeated", "N" },
    { "fail-update", 0, 0, G_OPTION_ARG_NONE, &fake.fail_update,
      "Fail every config.direct.update with COMMAND_FAILED", NULL },
    { "hide-runtime", 0, 0, G_OPTION_ARG_NONE, &fake.hide_runtime,
      "Runtime reads return nothing, as if another writer raced the caller", NULL },
    { "hide-config", 0, 0, G_OPTION_ARG_NONE, &fake.hide_config,
      "Do not serve the config interface: its settings cannot be read", NULL },
    { "state-file", 0, 0, G_OPTION_ARG_FILENAME, &state_file,
      "Write the whole state to PATH after every call", "PATH" },
    { "exit-at", 0, 0, G_OPTION_ARG_INT, &exit_at,
      "Exit at once, unanswered, on the N-th write call (as if killed)", "N" },
    { "hang-call", 0, 0, G_OPTION_ARG_INT, &hang_call,
      "Never answer (nor carry out) the N-th write call", "N" },
    { "reload-at", 0, 0, G_OPTION_ARG_INT, &reload_at,
      "Reload just before carrying out the N-th write call", "N" },
    { "reload-after-settings", 0, 0, G_OPTION_ARG_NONE, &fake.reload_after_settings,
      "Reload just after answering the first getSettings", NULL },
    { "persist", 0, 0, G_OPTION_ARG_FILENAME, &persist,
      "Keep the permanent configuration in PATH, loaded at start (runtime too)", "PATH" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- a fake firewalld for tests");
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  const char *address;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fake-firewalld: %s\n", error->message);
      return 2;
    }
  if (rfc3964 != NULL && strcmp (rfc3964, "yes") != 0 && strcmp (rfc3964, "no") != 0)
    {
      g_printerr ("fake-firewalld: --rfc3964 takes yes or no\n");
      return 2;
    }
  for (guint i = 0; fail_calls != NULL && fail_calls[i] != NULL; i++)
    {
      guint64 n;
      guint number;

      if (!g_ascii_string_to_unsigned (fail_calls[i], 10, 1, G_MAXUINT, &n, &error))
        {
          g_printerr ("fake-firewalld: --fail-call: %s\n", error->message);
          return 2;
        }
      number = (guint)n;
      g_array_append_val (fail_numbers, number);
    }
  /* Never pose as firewalld on the host's own system bus. */
  address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  if (address == NULL || strstr (address, "/run/dbus/system_bus_socket") != NULL)
    {
      g_printerr ("fake-firewalld: DBUS_SYSTEM_BUS_ADDRESS must name a private bus (see "
                  "tests/lib/sandbox.sh), not the host's system bus\n");
      return 2;
    }
  if (exit_at < 0 || hang_call < 0 || reload_at < 0)
    {
      g_printerr ("fake-firewalld: call numbers count from 1\n");
      return 2;
    }
  fake.fail_calls = fail_numbers;
  fake.exit_at = (guint)exit_at;
  fake.hang_call = (guint)hang_call;
  fake.reload_at = (guint)reload_at;
  fake.persist = persist;
  fake.hung = hung;
  fake.version = version ? version : "1.3.3";
  fake.state = state ? state : "RUNNING";
  fake.backend = backend ? backend : "nftables";
  fake.rfc3964 = rfc3964 ? rfc3964 : "yes";
  fake.state_file = state_file;
  fake.permanent = direct_new ();
  if (persist != NULL && g_file_test (persist, G_FILE_TEST_EXISTS))
    {
      g_autofree char *text = NULL;
      g_autoptr (GVariant) v = NULL;

      if (!g_file_get_contents (persist, &text, NULL, &error)
          || (v = g_variant_parse (G_VARIANT_TYPE ("(a(sss)a(sssias)a(sas))"), text, NULL, NULL,
                                   &error))
                 == NULL)
        {
          g_printerr ("fake-firewalld: --persist: %s\n", error->message);
          direct_free (fake.permanent);
          return 2;
        }
      direct_free (fake.permanent);
      fake.permanent = direct_from_variant (v);
    }
  fake.runtime = direct_copy (fake.permanent);
  loop = g_main_loop_new (NULL, FALSE);
  fake.loop = loop;

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      g_printerr ("fake-firewalld: no system bus: %s\n", error->message);
      direct_free (fake.runtime);
      direct_free (fake.permanent);
      return 1;
    }

  fake.main_iface = mtp_fw_firewall_d1_skeleton_new ();
  mtp_fw_firewall_d1_set_version (fake.main_iface, fake.version);
  mtp_fw_firewall_d1_set_state (fake.main_iface, fake.state);
  g_signal_connect (fake.main_iface, "handle-reload", G_CALLBACK (handle_reload), &fake);

  fake.direct = mtp_fw_firewall_d1_direct_skeleton_new ();
  g_signal_connect (fake.direct, "handle-add-chain", G_CALLBACK (handle_add_chain), &fake);
  g_signal_connect (fake.direct, "handle-remove-chain", G_CALLBACK (handle_remove_chain), &fake);
  g_signal_connect (fake.direct, "handle-add-rule", G_CALLBACK (handle_add_rule), &fake);
  g_signal_connect (fake.direct, "handle-remove-rule", G_CALLBACK (handle_remove_rule), &fake);
  g_signal_connect (fake.direct, "handle-passthrough", G_CALLBACK (handle_passthrough), &fake);
  g_signal_connect (fake.direct, "handle-get-all-chains", G_CALLBACK (handle_get_all_chains),
                    &fake);
  g_signal_connect (fake.direct, "handle-get-all-rules", G_CALLBACK (handle_get_all_rules), &fake);
  g_signal_connect (fake.direct, "handle-get-all-passthroughs",
                    G_CALLBACK (handle_get_all_passthroughs), &fake);

  fake.config = mtp_fw_firewall_d1_config_skeleton_new ();
  mtp_fw_firewall_d1_config_set_firewall_backend (fake.config, fake.backend);
  mtp_fw_firewall_d1_config_set_rfc3964__ipv4 (fake.config, fake.rfc3964);
  mtp_fw_firewall_d1_config_set_strict_forward_ports (fake.config,
                                                      fake.strict_forward_ports ? "yes" : "no");

  fake.config_direct = mtp_fw_firewall_d1_config_direct_skeleton_new ();
  g_signal_connect (fake.config_direct, "handle-get-settings", G_CALLBACK (handle_get_settings),
                    &fake);
  g_signal_connect (fake.config_direct, "handle-update", G_CALLBACK (handle_update), &fake);

  save_state (&fake);
  /* The name comes last: whoever sees it owned can use every object. */
  if (export_at (G_DBUS_INTERFACE_SKELETON (fake.main_iface), bus, MTP_FIREWALLD_PATH)
      && export_at (G_DBUS_INTERFACE_SKELETON (fake.direct), bus, MTP_FIREWALLD_PATH)
      && (fake.hide_config
          || export_at (G_DBUS_INTERFACE_SKELETON (fake.config), bus, MTP_FIREWALLD_CONFIG_PATH))
      && export_at (G_DBUS_INTERFACE_SKELETON (fake.config_direct), bus, MTP_FIREWALLD_CONFIG_PATH))
    {
      guint owner_id = g_bus_own_name_on_connection (bus, MTP_FIREWALLD_BUS_NAME,
                                                     G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                     name_acquired, name_lost, &fake, NULL);
      guint sigterm_id = g_unix_signal_add (SIGTERM, quit, &fake);
      guint sigint_id = g_unix_signal_add (SIGINT, quit, &fake);
      g_main_loop_run (loop);
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      g_bus_unown_name (owner_id);
    }
  else
    fake.exit_code = 1;

  unexport_and_unref (fake.main_iface);
  unexport_and_unref (fake.direct);
  unexport_and_unref (fake.config);
  unexport_and_unref (fake.config_direct);
  g_dbus_connection_flush_sync (bus, NULL, NULL);
  direct_free (fake.runtime);
  direct_free (fake.permanent);
  return fake.exit_code;
}
