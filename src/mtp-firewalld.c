/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-firewalld-generated.h"
#include "mtp-firewalld.h"
#include "mtp-limits.h"
#include "mtp-proc.h"
#include "mtp-signal.h"

/* Waits for a set of async calls on the thread-default main context. */
typedef struct
{
  guint pending;
} Waiter;

typedef struct
{
  Waiter *waiter;
  GVariant *value;
  GError *error;
} ReadCall;

enum
{
  READ_MAIN_PROPS,
  READ_CONFIG_PROPS,
  READ_CHAINS,
  READ_RULES,
  READ_PASSTHROUGHS,
  READ_SETTINGS,
  READ_N
};

/* The reads of a run, sent ahead (mtp_firewalld_prefetch). Each answer is
 * used once, by the call that would have asked for it, and only if firewalld
 * was neither reloaded nor restarted since it was sent. */
typedef struct
{
  Waiter waiter;
  ReadCall calls[READ_N];
  GCancellable *cancellable;
  guint resets; /* fw->resets when sent */
  gboolean info_left, runtime_left, permanent_left;
} Prefetch;

struct _MtpFirewalld
{
  GDBusConnection *bus;
  char *address;   /* the system bus's */
  char *bus_error; /* why it could not be reached, when bus is NULL */
  MtpFwFirewallD1Direct *direct;
  MtpFwFirewallD1ConfigDirect *config_direct;
  int timeout_ms;
  guint n_writes;
  guint resets;   /* Reloaded signals and changes of the name's owner seen */
  gboolean stale; /* the name changed owner: make new proxies before the next call */
  guint reloaded_sub;
  guint owner_sub;
  Prefetch *prefetch;
};

static void
wait_all (Waiter *w)
{
  while (w->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
read_call_clear (ReadCall *c)
{
  g_clear_pointer (&c->value, g_variant_unref);
  g_clear_error (&c->error);
}

static void
prefetch_free (Prefetch *p)
{
  if (p == NULL)
    return;
  /* Answers still on their way would land in freed memory. */
  g_cancellable_cancel (p->cancellable);
  wait_all (&p->waiter);
  for (guint i = 0; i < READ_N; i++)
    read_call_clear (&p->calls[i]);
  g_object_unref (p->cancellable);
  g_free (p);
}

/* The prefetched answers, once all are in, if they still tell firewalld's
 * state; else NULL, and they are dropped. */
static Prefetch *
prefetched (MtpFirewalld *fw)
{
  Prefetch *p = fw->prefetch;

  if (p == NULL)
    return NULL;
  wait_all (&p->waiter); /* (dispatches the signals that came meanwhile) */
  if (fw->resets != p->resets || fw->stale)
    {
      g_debug ("firewalld was reset after the reads were sent: they are sent again");
      g_clear_pointer (&fw->prefetch, prefetch_free);
      return NULL;
    }
  return p;
}

static void
on_reset (GDBusConnection *bus, const char *sender, const char *path, const char *iface,
          const char *signal, GVariant *params, gpointer data)
{
  MtpFirewalld *fw = data;

  g_debug ("firewalld's runtime was reset: %s", signal);
  fw->resets++;
  /* A new firewalld process: start afresh with new proxies (not here: calls
   * of a run may be under way on the old ones). */
  if (strcmp (signal, "NameOwnerChanged") == 0)
    fw->stale = TRUE;
}

typedef struct
{
  GDBusConnection *bus;
  GError *error;
  gboolean done;
  gboolean timed_out;
  GCancellable *cancellable;
} Connect;

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Connect *c = data;

  c->bus = g_dbus_connection_new_for_address_finish (result, &c->error);
  c->done = TRUE;
}

static gboolean
on_connect_timeout (gpointer data)
{
  Connect *c = data;

  c->timed_out = TRUE;
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

/* The system bus on a connection of our own, within TIMEOUT_MS: a socket
 * that accepts and never answers would hold g_bus_get_sync() forever, and
 * g_bus_get()'s shared connection raises SIGTERM when the bus goes away. */
static GDBusConnection *
connect_system_bus (const char *address, int timeout_ms, GError **error)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Connect c = { .cancellable = cancellable };
  guint timer;

  g_dbus_connection_new_for_address (address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                         | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                     NULL, cancellable, on_connected, &c);
  timer = g_timeout_add (timeout_ms, on_connect_timeout, &c);
  while (!c.done)
    g_main_context_iteration (NULL, TRUE);
  if (!c.timed_out)
    g_source_remove (timer);
  if (c.bus != NULL)
    return c.bus;
  if (c.timed_out)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("no answer within %d s"),
                   timeout_ms / 1000);
      g_clear_error (&c.error);
      return NULL;
    }
  g_propagate_error (error, c.error);
  return NULL;
}

MtpFirewalld *
mtp_firewalld_new (guint timeout_seconds)
{
  MtpFirewalld *fw = g_new0 (MtpFirewalld, 1);
  g_autoptr (GError) error = NULL;

  fw->timeout_ms = (int)MIN (timeout_seconds, 3600u) * 1000;
  fw->address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (fw->address != NULL)
    fw->bus = connect_system_bus (fw->address, fw->timeout_ms, &error);
  if (fw->bus == NULL)
    {
      g_debug ("no system bus: %s", error->message);
      fw->bus_error = g_strdup (error->message);
      return fw;
    }
  /* What makes firewalld drop runtime changes behind a run's back: a reload
   * (it reapplies the permanent configuration, then signals Reloaded) and a
   * restart (the name gets a new owner, or none). The sender is not matched:
   * only firewalld emits its interface's signals on a system bus, and a false
   * alarm merely costs a second look. */
  fw->reloaded_sub = g_dbus_connection_signal_subscribe (
      fw->bus, NULL, MTP_FIREWALLD_IFACE, "Reloaded", MTP_FIREWALLD_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_reset, fw, NULL);
  fw->owner_sub = g_dbus_connection_signal_subscribe (
      fw->bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
      "/org/freedesktop/DBus", MTP_FIREWALLD_BUS_NAME, G_DBUS_SIGNAL_FLAGS_NONE, on_reset, fw,
      NULL);
  return fw;
}

void
mtp_firewalld_free (MtpFirewalld *fw)
{
  if (fw == NULL)
    return;
  g_clear_pointer (&fw->prefetch, prefetch_free);
  g_clear_object (&fw->direct);
  g_clear_object (&fw->config_direct);
  if (fw->bus != NULL)
    {
      g_dbus_connection_signal_unsubscribe (fw->bus, fw->reloaded_sub);
      g_dbus_connection_signal_unsubscribe (fw->bus, fw->owner_sub);
    }
  g_clear_object (&fw->bus);
  g_free (fw->address);
  g_free (fw->bus_error);
  g_free (fw);
}

guint
mtp_firewalld_get_resets (MtpFirewalld *fw)
{
  if (fw->bus == NULL)
    return 0;
  /* A round trip through the bus: every signal sent before its answer has
   * arrived; then dispatch them. */
  GVariant *reply = g_dbus_connection_call_sync (
      fw->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
      NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, fw->timeout_ms, NULL, NULL);

  if (reply != NULL)
    g_variant_unref (reply);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return fw->resets;
}

gboolean
mtp_firewalld_wait_back (MtpFirewalld *fw, guint timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_seconds * G_USEC_PER_SEC;

  while (!mtp_firewalld_is_running (fw))
    {
      if (g_get_monotonic_time () >= deadline || mtp_signal_caught () != 0)
        return FALSE;
      g_usleep (100 * 1000);
    }
  return TRUE;
}

guint
mtp_firewalld_get_n_writes (MtpFirewalld *fw)
{
  return fw->n_writes;
}

/* What the bus says of firewalld's name; UNKNOWN, with the reason, when it
 * cannot be asked or does not answer. */
static MtpFirewalldPresence
ask_bus (GDBusConnection *bus, int timeout_ms, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", MTP_FIREWALLD_BUS_NAME), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
      timeout_ms, NULL, error);
  if (reply == NULL)
    return MTP_FIREWALLD_UNKNOWN;
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner ? MTP_FIREWALLD_RUNNING : MTP_FIREWALLD_STOPPED;
}

gboolean
mtp_firewalld_is_running (MtpFirewalld *fw)
{
  return fw->bus != NULL && ask_bus (fw->bus, fw->timeout_ms, NULL) == MTP_FIREWALLD_RUNNING;
}

MtpFirewalldPresence
mtp_firewalld_ask_bus (MtpFirewalld *fw, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  MtpFirewalldPresence presence;

  if (fw->bus == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("the system bus at '%s' cannot be reached (%s)"),
                   fw->address != NULL ? fw->address : "?", fw->bus_error);
      return MTP_FIREWALLD_UNKNOWN;
    }
  presence = ask_bus (fw->bus, fw->timeout_ms, &local_error);
  if (presence == MTP_FIREWALLD_UNKNOWN)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                 _ ("the system bus at '%s' did not say whether firewalld runs (%s)"), fw->address,
                 local_error->message);
  return presence;
}

MtpFirewalldPresence
mtp_firewalld_find (MtpFirewalld *fw, GError **error)
{
  g_autoptr (GError) bus_error = NULL;
  g_autoptr (GError) proc_error = NULL;
  MtpFirewalldPresence presence = mtp_firewalld_ask_bus (fw, &bus_error);
  pid_t pid = 0;

  if (presence == MTP_FIREWALLD_RUNNING)
    return presence;
  /* Other users' processes (firewalld is root's) are hidden from others, or
   * their namespaces are: only root sees them all. */
  if (geteuid () != 0)
    {
      if (presence == MTP_FIREWALLD_STOPPED)
        return presence;
      g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                   _ ("%s, and whether firewalld runs in this network namespace cannot be told: "
                      "looking at other users' processes needs root"),
                   bus_error->message);
      return MTP_FIREWALLD_UNKNOWN;
    }
  /* The processes of this network namespace tell the rest (distributions
   * start firewalld with --nopid: no PID file does). One there while the bus
   * says the name has no owner is on another bus, or starting or stopping. */
  if (!mtp_proc_find_firewalld ("/proc", &pid, &proc_error))
    {
      if (presence == MTP_FIREWALLD_STOPPED)
        {
          g_debug ("firewalld is not running (the bus says so); the processes were not looked "
                   "at: %s",
                   proc_error->message);
          return presence;
        }
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s, and whether firewalld runs in this network namespace cannot be told "
                      "(%s)"),
                   bus_error->message, proc_error->message);
      return MTP_FIREWALLD_UNKNOWN;
    }
  if (pid != 0 && presence == MTP_FIREWALLD_STOPPED)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld has no owner on the system bus at '%s', but a firewalld process "
                      "runs in this network namespace (pid %d): it is on another bus, or starting "
                      "or stopping"),
                   fw->address, (int)pid);
      return MTP_FIREWALLD_UNKNOWN;
    }
  if (pid != 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s, and firewalld runs in this network namespace (pid %d)"),
                   bus_error->message, (int)pid);
      return MTP_FIREWALLD_UNKNOWN;
    }
  if (presence == MTP_FIREWALLD_UNKNOWN)
    g_debug ("firewalld is not running: %s, and no firewalld process runs in this network "
             "namespace",
             bus_error->message);
  return MTP_FIREWALLD_STOPPED;
}

gboolean
mtp_firewalld_name_has_owner (guint timeout_seconds)
{
  int timeout_ms = (int)MIN (timeout_seconds, 3600u) * 1000;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  g_autoptr (GDBusConnection) bus
      = address != NULL ? connect_system_bus (address, timeout_ms, NULL) : NULL;

  return bus != NULL && ask_bus (bus, timeout_ms, NULL) == MTP_FIREWALLD_RUNNING;
}

char *
mtp_firewalld_error_code (const GError *dbus_error)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) copy = NULL;
  const char *colon;

  if (!g_dbus_error_is_remote_error (dbus_error))
    return NULL;
  name = g_dbus_error_get_remote_error (dbus_error);
  if (g_strcmp0 (name, MTP_FIREWALLD_ERROR_EXCEPTION) != 0)
    return NULL;
  copy = g_error_copy (dbus_error);
  g_dbus_error_strip_remote_error (copy);
  colon = strchr (copy->message, ':');
  return colon ? g_strndup (copy->message, colon - copy->message) : g_strdup (copy->message);
}

void
mtp_firewalld_set_error (GError **error, const GError *dbus_error, const char *context)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) copy = g_error_copy (dbus_error);
  g_autofree char *code = mtp_firewalld_error_code (dbus_error);
  g_autofree char *prefix = context ? g_strdup_printf ("%s: ", context) : g_strdup ("");

  if (g_dbus_error_is_remote_error (dbus_error))
    name = g_dbus_error_get_remote_error (dbus_error);
  g_dbus_error_strip_remote_error (copy);

  if (g_strcmp0 (name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0
      || g_strcmp0 (name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%sfirewalld is not running (any more)"),
                 prefix);
  else if (name != NULL
           && (g_str_has_prefix (name, MTP_FIREWALLD_ERROR_NOT_AUTHORIZED)
               || g_str_has_prefix (name, MTP_FIREWALLD_ERROR_SLIP_NOT_AUTHORIZED)))
    g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                 _ ("%sfirewalld refused: %s (run as root, or grant the polkit actions "
                    "org.fedoraproject.FirewallD1.direct and org.fedoraproject.FirewallD1.config)"),
                 prefix, copy->message);
  else if (g_strcmp0 (code, "ACCESS_DENIED") == 0)
    g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                 _ ("%sfirewalld refused: %s (firewalld's lockdown mode is on; add this program "
                    "to its lockdown whitelist or turn lockdown off)"),
                 prefix, copy->message);
  else if (g_error_matches (dbus_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
           || g_strcmp0 (name, "org.freedesktop.DBus.Error.Timeout") == 0)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                 _ ("%sfirewalld did not answer in time (--timeout sets how long to wait)"),
                 prefix);
  else if (g_strcmp0 (name, "org.freedesktop.DBus.Error.NoReply") == 0)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                 _ ("%sfirewalld went away without answering: %s"), prefix, copy->message);
  else if (code != NULL)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%sfirewalld: %s"), prefix, copy->message);
  else
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%sD-Bus: %s"), prefix, copy->message);
}

static gboolean
ensure_proxies (MtpFirewalld *fw, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES
                          | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS
                          | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;

  if (fw->stale)
    {
      g_clear_object (&fw->direct);
      g_clear_object (&fw->config_direct);
      fw->stale = FALSE;
    }
  if (fw->direct != NULL)
    return TRUE;
  if (fw->bus == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld is not running: the system bus cannot be reached"));
      return FALSE;
    }
  fw->direct = mtp_fw_firewall_d1_direct_proxy_new_sync (fw->bus, flags, MTP_FIREWALLD_BUS_NAME,
                                                         MTP_FIREWALLD_PATH, NULL, &local_error);
  if (fw->direct != NULL)
    fw->config_direct = mtp_fw_firewall_d1_config_direct_proxy_new_sync (
        fw->bus, flags, MTP_FIREWALLD_BUS_NAME, MTP_FIREWALLD_CONFIG_PATH, NULL, &local_error);
  if (fw->config_direct == NULL)
    {
      g_clear_object (&fw->direct);
      mtp_firewalld_set_error (error, local_error, NULL);
      return FALSE;
    }
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (fw->direct), fw->timeout_ms);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (fw->config_direct), fw->timeout_ms);
  return TRUE;
}

static void
parse_version (MtpFirewalldInfo *info)
{
  g_auto (GStrv) parts = g_strsplit (info->version, ".", 3);

  info->major = parts[0] ? (guint)g_ascii_strtoull (parts[0], NULL, 10) : 0;
  info->minor = parts[0] && parts[1] ? (guint)g_ascii_strtoull (parts[1], NULL, 10) : 0;
}

static gboolean
is_yes (const char *value)
{
  return g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0
         || strcmp (value, "1") == 0;
}

/* The a{sv} of a GetAll answer. */
static GVariant *
props_of (GVariant *reply, const GError *call_error, GError **error)
{
  if (reply == NULL)
    {
      mtp_firewalld_set_error (error, call_error, _ ("reading firewalld's properties"));
      return NULL;
    }
  return g_variant_get_child_value (reply, 0);
}

static GVariant *
get_all_properties (MtpFirewalld *fw, const char *path, const char *iface, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      fw->bus, MTP_FIREWALLD_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
      g_variant_new ("(s)", iface), G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
      fw->timeout_ms, NULL, &local_error);

  return props_of (reply, local_error, error);
}

static char *
lookup_string (GVariant *props, const char *key, const char *fallback)
{
  const char *value = NULL;

  if (g_variant_lookup (props, key, "&s", &value))
    return g_strdup (value);
  return g_strdup (fallback);
}

/* firewalld reports booleans of its config as "yes"/"no" or "True"/"False". */
static gboolean
lookup_flag (GVariant *props, const char *key, gboolean fallback)
{
  g_autofree char *value = lookup_string (props, key, NULL);

  if (value == NULL)
    return fallback;
  return g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0
         || strcmp (value, "1") == 0;
}

MtpFirewalldInfo *
mtp_firewalld_get_info (MtpFirewalld *fw, GError **error)
{
  g_autoptr (MtpFirewalldInfo) info = g_new0 (MtpFirewalldInfo, 1);
  g_autoptr (GVariant) main_props = NULL;
  g_autoptr (GVariant) config_props = NULL;
  Prefetch *p;

  if (fw->bus == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld is not running: the system bus cannot be reached"));
      return NULL;
    }
  p = prefetched (fw);
  if (p != NULL && p->info_left)
    {
      ReadCall *c = p->calls;

      p->info_left = FALSE;
      main_props = props_of (c[READ_MAIN_PROPS].value, c[READ_MAIN_PROPS].error, error);
      config_props = props_of (c[READ_CONFIG_PROPS].value, c[READ_CONFIG_PROPS].error, NULL);
    }
  else
    {
      main_props = get_all_properties (fw, MTP_FIREWALLD_PATH, MTP_FIREWALLD_IFACE, error);
      /* The config object only exists once firewalld has loaded its config. */
      if (main_props != NULL)
        config_props
            = get_all_properties (fw, MTP_FIREWALLD_CONFIG_PATH, MTP_FIREWALLD_CONFIG_IFACE, NULL);
    }
  if (main_props == NULL)
    return NULL;
  info->state = lookup_string (main_props, "state", "UNKNOWN");
  info->version = lookup_string (main_props, "version", "0");
  parse_version (info);
  /* Reads made before firewalld was up are made again once it is. */
  if (p != NULL && strcmp (info->state, "RUNNING") != 0)
    p->runtime_left = p->permanent_left = FALSE;

  if (config_props != NULL)
    {
      info->backend = lookup_string (config_props, "FirewallBackend", "nftables");
      info->strict_forward_ports = lookup_flag (config_props, "StrictForwardPorts", FALSE);
      info->rfc3964_ipv4 = lookup_flag (config_props, "RFC3964_IPv4", TRUE);
    }
  else
    {
      /* Unknown settings count as firewalld's defaults: RFC3964_IPv4=yes. */
      info->backend = g_strdup ("unknown");
      info->rfc3964_ipv4 = TRUE;
    }
  return g_steal_pointer (&info);
}

void
mtp_firewalld_info_free (MtpFirewalldInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->state);
  g_free (info->version);
  g_free (info->backend);
  g_free (info);
}

/* The VERSION line of firewalld's Python package (firewall/config/__init__.py:
 * VERSION = '1.3.3'), or NULL. */
static char *
installed_version_from_package (void)
{
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) lib = g_dir_open ("/usr/lib", 0, NULL);
  const char *name;

  /* Debian, Ubuntu; then Fedora, RHEL, SUSE: /usr/lib/python3.N/site-packages. */
  g_ptr_array_add (candidates,
                   g_strdup ("/usr/lib/python3/dist-packages/firewall/config/__init__.py"));
  while (lib != NULL && (name = g_dir_read_name (lib)) != NULL)
    if (g_str_has_prefix (name, "python3"))
      g_ptr_array_add (candidates, g_build_filename ("/usr/lib", name, "site-packages", "firewall",
                                                     "config", "__init__.py", NULL));
  for (guint i = 0; i < candidates->len; i++)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      text = mtp_limits_read_system_file (candidates->pdata[i]);
      if (text == NULL)
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          char *v = lines[j];
          gsize len;

          if (!g_str_has_prefix (v, "VERSION"))
            continue;
          v = g_strstrip (v + strlen ("VERSION"));
          if (*v++ != '=')
            continue;
          v = g_strstrip (v);
          len = strlen (v);
          if (len >= 3 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0]
              && g_ascii_isdigit (v[1]))
            return g_strndup (v + 1, len - 2);
        }
    }
  return NULL;
}

MtpFirewalldInfo *
mtp_firewalld_offline_info (const char *config_dir, GError **error)
{
  g_autoptr (MtpFirewalldInfo) info = g_new0 (MtpFirewalldInfo, 1);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *conf_path = g_build_filename (config_dir, "firewalld.conf", NULL);
  g_autofree char *conf = NULL;
  gint status = 1;

  /* Its settings decide which rules are made (RFC3964_IPv4=yes: no IPv6). A
   * missing one means firewalld's defaults; one that cannot be read without
   * blocking (a FIFO), is too large or is not trusted is an error. */
  if (mtp_limits_read_file (conf_path, MTP_LIMIT_SYSTEM_FILE_SIZE, "system-file-size", &conf, NULL,
                            NULL, &local_error))
    {
      if (!mtp_file_check_path (conf_path, _ ("firewalld's configuration"), MTP_FILE_TRUST_DEFAULT,
                                error))
        return NULL;
    }
  else if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_debug ("'%s': no such file: firewalld's defaults", conf_path);
  else
    {
      g_set_error (error, MTP_ERROR,
                   local_error->domain == MTP_ERROR ? local_error->code : MTP_ERROR_FAILED,
                   _ ("reading '%s': %s"), conf_path, local_error->message);
      return NULL;
    }

  info->state = g_strdup ("NOT_RUNNING");
  info->backend = g_strdup ("nftables");
  info->rfc3964_ipv4 = TRUE;
  /* Reading the package's version file costs nothing; firewall-offline-cmd
   * starts a Python interpreter (about 0.3 s), so it is only the fall-back. */
  info->version = installed_version_from_package ();
  if (info->version == NULL)
    {
      g_autoptr (GError) find_error = NULL;
      g_autofree char *program = mtp_file_find_program ("firewall-offline-cmd", &find_error);
      const char *argv[] = { program, "--version", NULL };

      if (program == NULL)
        g_debug ("firewalld's version unknown: %s", find_error->message);
      if (program != NULL
          && g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                           NULL, &status, NULL)
          && status == 0 && out != NULL && g_ascii_isdigit (g_strstrip (out)[0]))
        info->version = g_strdup (out);
      else
        info->version = g_strdup ("unknown");
    }
  parse_version (info);

  if (conf != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (conf, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_auto (GStrv) kv = g_strsplit (g_strstrip (lines[i]), "=", 2);
          if (kv[0] == NULL || kv[1] == NULL || kv[0][0] == '#')
            continue;
          g_strstrip (kv[0]);
          g_strstrip (kv[1]);
          if (strcmp (kv[0], "FirewallBackend") == 0)
            {
              g_free (info->backend);
              info->backend = g_ascii_strdown (kv[1], -1);
            }
          else if (strcmp (kv[0], "RFC3964_IPv4") == 0)
            info->rfc3964_ipv4 = is_yes (kv[1]);
          else if (strcmp (kv[0], "StrictForwardPorts") == 0)
            info->strict_forward_ports = is_yes (kv[1]);
        }
    }
  return g_steal_pointer (&info);
}

static void
read_chains_done (GObject *source, GAsyncResult *res, gpointer data)
{
  ReadCall *c = data;
  mtp_fw_firewall_d1_direct_call_get_all_chains_finish (MTP_FW_FIREWALL_D1_DIRECT (source),
                                                        &c->value, res, &c->error);
  c->waiter->pending--;
}

static void
read_rules_done (GObject *source, GAsyncResult *res, gpointer data)
{
  ReadCall *c = data;
  mtp_fw_firewall_d1_direct_call_get_all_rules_finish (MTP_FW_FIREWALL_D1_DIRECT (source),
                                                       &c->value, res, &c->error);
  c->waiter->pending--;
}

static void
read_passthroughs_done (GObject *source, GAsyncResult *res, gpointer data)
{
  ReadCall *c = data;
  mtp_fw_firewall_d1_direct_call_get_all_passthroughs_finish (MTP_FW_FIREWALL_D1_DIRECT (source),
                                                              &c->value, res, &c->error);
  c->waiter->pending--;
}

static void
props_done (GObject *source, GAsyncResult *res, gpointer data)
{
  ReadCall *c = data;
  c->value = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &c->error);
  c->waiter->pending--;
}

static void
settings_done (GObject *source, GAsyncResult *res, gpointer data)
{
  ReadCall *c = data;
  mtp_fw_firewall_d1_config_direct_call_get_settings_finish (
      MTP_FW_FIREWALL_D1_CONFIG_DIRECT (source), &c->value, res, &c->error);
  c->waiter->pending--;
}

void
mtp_firewalld_prefetch (MtpFirewalld *fw, gboolean permanent)
{
  static const char *const props[2][2] = {
    { MTP_FIREWALLD_PATH, MTP_FIREWALLD_IFACE },
    { MTP_FIREWALLD_CONFIG_PATH, MTP_FIREWALLD_CONFIG_IFACE },
  };
  Prefetch *p;

  if (fw->prefetch != NULL || !ensure_proxies (fw, NULL))
    return;
  p = g_new0 (Prefetch, 1);
  p->cancellable = g_cancellable_new ();
  p->resets = fw->resets;
  p->info_left = p->runtime_left = TRUE;
  p->permanent_left = permanent;
  for (guint i = 0; i < READ_N; i++)
    p->calls[i].waiter = &p->waiter;
  p->waiter.pending = permanent ? READ_N : READ_N - 1;
  for (guint i = 0; i < 2; i++)
    g_dbus_connection_call (
        fw->bus, MTP_FIREWALLD_BUS_NAME, props[i][0], "org.freedesktop.DBus.Properties", "GetAll",
        g_variant_new ("(s)", props[i][1]), G_VARIANT_TYPE ("(a{sv})"),
        G_DBUS_CALL_FLAGS_NO_AUTO_START, fw->timeout_ms, p->cancellable, props_done, &p->calls[i]);
  mtp_fw_firewall_d1_direct_call_get_all_chains (fw->direct, p->cancellable, read_chains_done,
                                                 &p->calls[READ_CHAINS]);
  mtp_fw_firewall_d1_direct_call_get_all_rules (fw->direct, p->cancellable, read_rules_done,
                                                &p->calls[READ_RULES]);
  mtp_fw_firewall_d1_direct_call_get_all_passthroughs (
      fw->direct, p->cancellable, read_passthroughs_done, &p->calls[READ_PASSTHROUGHS]);
  if (permanent)
    mtp_fw_firewall_d1_config_direct_call_get_settings (fw->config_direct, p->cancellable,
                                                        settings_done, &p->calls[READ_SETTINGS]);
  fw->prefetch = p;
}

MtpDirect *
mtp_firewalld_read_runtime (MtpFirewalld *fw, GError **error)
{
  Waiter waiter = { 3 };
  ReadCall own[3] = { { &waiter }, { &waiter }, { &waiter } };
  ReadCall *calls = own; /* chains, rules, passthroughs */
  Prefetch *p = prefetched (fw);
  g_autoptr (GVariant) settings = NULL;
  MtpDirect *result = NULL;

  if (!ensure_proxies (fw, error))
    return NULL;
  if (p != NULL && p->runtime_left)
    {
      p->runtime_left = FALSE;
      calls = &p->calls[READ_CHAINS];
    }
  else
    {
      /* Three reads in flight at once: one round trip. */
      mtp_fw_firewall_d1_direct_call_get_all_chains (fw->direct, NULL, read_chains_done, &own[0]);
      mtp_fw_firewall_d1_direct_call_get_all_rules (fw->direct, NULL, read_rules_done, &own[1]);
      mtp_fw_firewall_d1_direct_call_get_all_passthroughs (fw->direct, NULL, read_passthroughs_done,
                                                           &own[2]);
      wait_all (&waiter);
    }

  for (guint i = 0; i < 3; i++)
    if (calls[i].error != NULL)
      {
        mtp_firewalld_set_error (error, calls[i].error, _ ("reading firewalld's runtime rules"));
        break;
      }
  if (calls[0].error == NULL && calls[1].error == NULL && calls[2].error == NULL)
    {
      settings = g_variant_ref_sink (g_variant_new ("(@a(sss)@a(sssias)@a(sas))", calls[0].value,
                                                    calls[1].value, calls[2].value));
      result = mtp_direct_from_variant (settings, error);
    }
  /* (g_variant_new took references of its own: the values are not floating) */
  for (guint i = 0; i < 3; i++)
    read_call_clear (&calls[i]);
  return result;
}

MtpDirect *
mtp_firewalld_read_permanent (MtpFirewalld *fw, GError **error)
{
  g_autoptr (GVariant) settings = NULL;
  g_autoptr (GError) local_error = NULL;
  Prefetch *p = prefetched (fw);

  if (!ensure_proxies (fw, error))
    return NULL;
  if (p != NULL && p->permanent_left)
    {
      p->permanent_left = FALSE;
      settings = g_steal_pointer (&p->calls[READ_SETTINGS].value);
      local_error = g_steal_pointer (&p->calls[READ_SETTINGS].error);
    }
  else
    mtp_fw_firewall_d1_config_direct_call_get_settings_sync (fw->config_direct, &settings, NULL,
                                                             &local_error);
  if (settings == NULL)
    {
      mtp_firewalld_set_error (error, local_error, _ ("reading firewalld's permanent rules"));
      return NULL;
    }
  return mtp_direct_from_variant (settings, error);
}

gboolean
mtp_firewalld_write_permanent (MtpFirewalld *fw, const MtpDirect *all, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!ensure_proxies (fw, error))
    return FALSE;
  /* firewalld 1.3.3-2.5 lose their permanent rule list on a bad ipv or table. */
  if (!mtp_direct_validate (all, error))
    return FALSE;
  fw->n_writes++;
  if (!mtp_fw_firewall_d1_config_direct_call_update_sync (
          fw->config_direct, mtp_direct_to_variant (all), NULL, &local_error))
    {
      mtp_firewalld_set_error (error, local_error, _ ("writing firewalld's permanent rules"));
      return FALSE;
    }
  return TRUE;
}

/* One runtime change and its outcome. */
typedef enum
{
  OP_ADD_CHAIN,
  OP_ADD_RULE,
  OP_REMOVE_RULE,
  OP_REMOVE_CHAIN,
} Op;

typedef struct
{
  Op op;
  gconstpointer item; /* MtpDirectChain or MtpDirectRule, owned by the plan */
  Waiter *waiter;
  gboolean changed; /* this call changed the runtime (undo it on rollback) */
  gboolean maybe;   /* no answer in time: it may yet be carried out (undo it too) */
  GError *error;
} Call;

static Op
inverse (Op op)
{
  switch (op)
    {
      case OP_ADD_CHAIN:
        return OP_REMOVE_CHAIN;
      case OP_ADD_RULE:
        return OP_REMOVE_RULE;
      case OP_REMOVE_RULE:
        return OP_ADD_RULE;
      case OP_REMOVE_CHAIN:
      default:
        return OP_ADD_CHAIN;
    }
}

static void
call_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Call *c = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;
  MtpFwFirewallD1Direct *proxy = MTP_FW_FIREWALL_D1_DIRECT (source);
  gboolean ok = FALSE;

  switch (c->op)
    {
      case OP_ADD_CHAIN:
        ok = mtp_fw_firewall_d1_direct_call_add_chain_finish (proxy, res, &error);
        break;
      case OP_ADD_RULE:
        ok = mtp_fw_firewall_d1_direct_call_add_rule_finish (proxy, res, &error);
        break;
      case OP_REMOVE_RULE:
        ok = mtp_fw_firewall_d1_direct_call_remove_rule_finish (proxy, res, &error);
        break;
      case OP_REMOVE_CHAIN:
        ok = mtp_fw_firewall_d1_direct_call_remove_chain_finish (proxy, res, &error);
        break;
    }
  c->waiter->pending--;
  if (ok)
    {
      c->changed = TRUE;
      return;
    }
  /* Already as wanted (someone else did it): nothing to undo, nothing wrong. */
  code = mtp_firewalld_error_code (error);
  if ((g_strcmp0 (code, "ALREADY_ENABLED") == 0 && (c->op == OP_ADD_CHAIN || c->op == OP_ADD_RULE))
      || (g_strcmp0 (code, "NOT_ENABLED") == 0
          && (c->op == OP_REMOVE_CHAIN || c->op == OP_REMOVE_RULE)))
    return;
  /* firewalld carries out the calls of one connection in order: an undo sent
   * now runs after this call, whenever that comes. */
  c->maybe = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  c->error = g_steal_pointer (&error);
}

static void
send_call (MtpFirewalld *fw, Call *c)
{
  const MtpDirectChain *ch = c->item;
  const MtpDirectRule *r = c->item;

  c->waiter->pending++;
  fw->n_writes++;
  switch (c->op)
    {
      case OP_ADD_CHAIN:
        mtp_fw_firewall_d1_direct_call_add_chain (fw->direct, ch->ipv, ch->table, ch->chain, NULL,
                                                  call_done, c);
        break;
      case OP_REMOVE_CHAIN:
        mtp_fw_firewall_d1_direct_call_remove_chain (fw->direct, ch->ipv, ch->table, ch->chain,
                                                     NULL, call_done, c);
        break;
      case OP_ADD_RULE:
        mtp_fw_firewall_d1_direct_call_add_rule (fw->direct, r->ipv, r->table, r->chain,
                                                 r->priority, (const char *const *)r->args, NULL,
                                                 call_done, c);
        break;
      case OP_REMOVE_RULE:
        mtp_fw_firewall_d1_direct_call_remove_rule (fw->direct, r->ipv, r->table, r->chain,
                                                    r->priority, (const char *const *)r->args, NULL,
                                                    call_done, c);
        break;
    }
}

static char *
describe (const Call *c)
{
  if (c->op == OP_ADD_CHAIN || c->op == OP_REMOVE_CHAIN)
    {
      const MtpDirectChain *ch = c->item;
      return g_strdup_printf (_ ("%s chain %s %s %s"),
                              c->op == OP_ADD_CHAIN ? _ ("adding") : _ ("removing"), ch->ipv,
                              ch->table, ch->chain);
    }
  else
    {
      g_autofree char *rule = mtp_direct_rule_to_string (c->item);
      return g_strdup_printf (_ ("%s rule '%s'"),
                              c->op == OP_ADD_RULE ? _ ("adding") : _ ("removing"), rule);
    }
}

static void
append_calls (GArray *calls, Op op, const GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    {
      Call c = { .op = op, .item = items->pdata[i] };
      g_array_append_val (calls, c);
    }
}

/* A plan's calls in the order firewalld needs them: chains before the rules
 * in them, rules out before their chains go. */
static void
append_plan_calls (GArray *calls, const MtpDirectPlan *plan)
{
  append_calls (calls, OP_ADD_CHAIN, plan->add_chains);
  append_calls (calls, OP_ADD_RULE, plan->add_rules);
  append_calls (calls, OP_REMOVE_RULE, plan->remove_rules);
  append_calls (calls, OP_REMOVE_CHAIN, plan->remove_chains);
}

/* Sends the calls without waiting for each reply (firewalld executes the
 * calls of one connection in order), but never more than MAX_IN_FLIGHT at
 * once: the system bus refuses more pending replies per connection than its
 * max_replies_per_connection (128 by default). */
#define MAX_IN_FLIGHT 64

/* interruptible: a signal stops the sending (not the calls already sent,
 * whose answers are waited for); FALSE when it did. */
static gboolean
run_calls (MtpFirewalld *fw, GArray *calls, Waiter *waiter, gboolean interruptible)
{
  guint next = 0;

  while (next < calls->len || waiter->pending > 0)
    {
      while (next < calls->len && waiter->pending < MAX_IN_FLIGHT
             && !(interruptible && mtp_signal_caught () != 0))
        {
          Call *c = &g_array_index (calls, Call, next++);
          c->waiter = waiter;
          send_call (fw, c);
        }
      if (waiter->pending == 0)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  return next == calls->len;
}

static void
clear_calls (GArray *calls)
{
  for (guint i = 0; i < calls->len; i++)
    g_clear_error (&g_array_index (calls, Call, i).error);
}

/* Says what of the undo calls failed; the number of those that did not. */
static guint
undo_failures (const GArray *undo, GString *not_undone, guint *n_failed)
{
  guint n_undone = 0;

  *n_failed = 0;
  for (guint i = 0; i < undo->len; i++)
    {
      const Call *u = &g_array_index (undo, Call, i);
      if (u->error != NULL)
        {
          g_autofree char *undo_what = describe (u);
          g_autoptr (GError) undo_reason = NULL;

          /* Part of the error, not a g_warning: the user must see it in
           * text and JSON alike, and tests run with fatal warnings. */
          mtp_firewalld_set_error (&undo_reason, u->error, undo_what);
          g_string_append_printf (not_undone, "%s%s", *n_failed > 0 ? "; " : "",
                                  undo_reason->message);
          (*n_failed)++;
        }
      else
        n_undone++;
    }
  return n_undone;
}

gboolean
mtp_firewalld_apply_runtime (MtpFirewalld *fw, const MtpDirectPlan *plan, GError **error)
{
  g_autoptr (GArray) calls = g_array_new (FALSE, TRUE, sizeof (Call));
  g_autoptr (GArray) undo = g_array_new (FALSE, TRUE, sizeof (Call));
  Waiter waiter = { 0 };
  const Call *failed = NULL;
  g_autoptr (GError) reason = NULL;
  g_autofree char *what = NULL;
  g_autoptr (GString) not_undone = g_string_new (NULL);
  guint n_undone, n_undo_failed = 0;
  gboolean all_sent;

  if (mtp_direct_plan_is_empty (plan))
    return TRUE;
  if (!ensure_proxies (fw, error))
    return FALSE;

  append_plan_calls (calls, plan);
  all_sent = run_calls (fw, calls, &waiter, TRUE);

  for (guint i = 0; i < calls->len && failed == NULL; i++)
    if (g_array_index (calls, Call, i).error != NULL)
      failed = &g_array_index (calls, Call, i);
  if (failed == NULL && all_sent)
    return TRUE;

  /* Roll back what this run changed, newest first. */
  for (guint i = calls->len; i > 0; i--)
    {
      const Call *c = &g_array_index (calls, Call, i - 1);
      if (c->changed || c->maybe)
        {
          Call u = { .op = inverse (c->op), .item = c->item };
          g_array_append_val (undo, u);
        }
    }
  run_calls (fw, undo, &waiter, FALSE);
  n_undone = undo_failures (undo, not_undone, &n_undo_failed);

  if (failed != NULL)
    {
      what = describe (failed);
      mtp_firewalld_set_error (&reason, failed->error, what);
    }
  else
    mtp_signal_check (&reason);
  if (n_undo_failed == 0 && n_undone == 0)
    g_propagate_error (error, g_steal_pointer (&reason));
  else if (n_undo_failed == 0)
    g_set_error (error, reason->domain, reason->code,
                 _ ("%s; the %u changes this run had made were undone"), reason->message, n_undone);
  else
    /* Not as before: a failure, whatever stopped the run. */
    g_set_error (error, reason->domain,
                 reason->code == MTP_ERROR_INTERRUPTED ? MTP_ERROR_FAILED : reason->code,
                 _ ("%s; %u of the changes this run had made could not be undone: %s"),
                 reason->message, n_undo_failed, not_undone->str);
  clear_calls (calls);
  clear_calls (undo);
  return FALSE;
}

gboolean
mtp_firewalld_revert_runtime (MtpFirewalld *fw, const MtpDirectPlan *plan, GError **error)
{
  g_autoptr (GArray) calls = g_array_new (FALSE, TRUE, sizeof (Call));
  g_autoptr (GString) not_undone = g_string_new (NULL);
  Waiter waiter = { 0 };
  guint n_failed = 0;

  if (mtp_direct_plan_is_empty (plan))
    return TRUE;
  if (!ensure_proxies (fw, error))
    return FALSE;
  append_plan_calls (calls, plan);
  run_calls (fw, calls, &waiter, FALSE);
  undo_failures (calls, not_undone, &n_failed);
  clear_calls (calls);
  if (n_failed == 0)
    return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%u calls failed: %s"), n_failed,
               not_undone->str);
  return FALSE;
}

gboolean
mtp_firewalld_passthrough (MtpFirewalld *fw, const char *ipv, const char *const *args,
                           GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *output = NULL;

  if (!ensure_proxies (fw, error))
    return FALSE;
  fw->n_writes++;
  if (!mtp_fw_firewall_d1_direct_call_passthrough_sync (fw->direct, ipv, args, &output, NULL,
                                                        &local_error))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **)args);
      g_autofree char *context = g_strdup_printf (_ ("running '%s' through firewalld"), cmd);
      mtp_firewalld_set_error (error, local_error, context);
      return FALSE;
    }
  return TRUE;
}
