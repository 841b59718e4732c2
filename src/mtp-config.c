/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mtp-config.h"
#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-limits.h"
#include "mtp-parse.h"

typedef enum
{
  OPT_BOOL,
  OPT_STRING,
  OPT_PATH, /* a string that need not be UTF-8 */
  OPT_PORT,
  OPT_PORT_LIST,
  OPT_CIDR_LIST,
  OPT_UID_EXCLUSION, /* repeatable */
  OPT_VNET,          /* repeatable */
  OPT_IP_FAMILY_MODE,
  OPT_FORMAT,
  OPT_FAMILY,
  OPT_BACKEND,
  OPT_SECONDS,
  OPT_HELP,
} OptType;

#define RULES (MTP_COMMAND_INSTALL | MTP_COMMAND_STATUS | MTP_COMMAND_SHOW)
#define ALL   (RULES | MTP_COMMAND_UNINSTALL)

typedef struct
{
  const char *name;
  OptType type;
  gsize offset;
  guint commands; /* MtpCommand mask */
  gboolean in_file;
  const char *arg;
  const char *help;
} OptDesc;

#define OFF(field) G_STRUCT_OFFSET (MtpConfig, field)

/* The one table of options: the command line, the config file, --help and the
 * man page all follow it. */
static const OptDesc options[] = {
  { "config", OPT_PATH, OFF (config_path), ALL, FALSE, N_ ("PATH"),
    N_ ("Configuration file (default: the system's, see mesh-tproxy.conf(5))") },
  { "kuma-dp-user", OPT_STRING, OFF (kuma_dp_user), RULES, TRUE, N_ ("NAME|UID"),
    N_ ("User the data plane proxy runs as; its traffic is not redirected (default: UID 5678, "
        "then user kuma-dp)") },
  { "redirect-inbound", OPT_BOOL, OFF (redirect_inbound), RULES, TRUE, N_ ("BOOL"),
    N_ ("Redirect inbound TCP traffic to the proxy (default: true)") },
  { "redirect-inbound-port", OPT_PORT, OFF (redirect_inbound_port), RULES, TRUE, N_ ("PORT"),
    N_ ("Port of the proxy's inbound listener (default: 15006)") },
  { "redirect-outbound-port", OPT_PORT, OFF (redirect_outbound_port), RULES, TRUE, N_ ("PORT"),
    N_ ("Port of the proxy's outbound listener (default: 15001)") },
  { "redirect-dns", OPT_BOOL, OFF (redirect_dns), RULES, TRUE, N_ ("BOOL"),
    N_ ("Redirect DNS queries to the nameservers in resolv.conf to the DNS proxy") },
  { "redirect-all-dns-traffic", OPT_BOOL, OFF (redirect_all_dns_traffic), RULES, TRUE, N_ ("BOOL"),
    N_ ("Redirect all DNS queries (UDP port 53) to the DNS proxy") },
  { "redirect-dns-port", OPT_PORT, OFF (redirect_dns_port), RULES, TRUE, N_ ("PORT"),
    N_ ("Port of the DNS proxy (default: 15053)") },
  { "skip-dns-conntrack-zone-split", OPT_BOOL, OFF (skip_dns_conntrack_zone_split), RULES, TRUE,
    N_ ("BOOL"), N_ ("Do not put DNS traffic into separate conntrack zones") },
  { "exclude-inbound-ports", OPT_PORT_LIST, OFF (exclude_inbound_ports), RULES, TRUE, N_ ("PORTS"),
    N_ ("Inbound ports not redirected, comma-separated") },
  { "exclude-outbound-ports", OPT_PORT_LIST, OFF (exclude_outbound_ports), RULES, TRUE,
    N_ ("PORTS"), N_ ("Outbound ports not redirected, comma-separated") },
  { "pack-ports", OPT_BOOL, OFF (pack_ports), RULES, TRUE, N_ ("BOOL"),
    N_ ("Pack the excluded inbound and outbound ports into multiport rules of up to 15 ports "
        "instead of one rule per port (default: false)") },
  { "exclude-outbound-ports-for-uids", OPT_UID_EXCLUSION, OFF (exclude_outbound_ports_for_uids),
    RULES, TRUE, N_ ("[PROTO:][PORTS:]UIDS"),
    N_ ("Outbound traffic of these users to these ports is not redirected (repeatable)") },
  { "exclude-outbound-ips", OPT_CIDR_LIST, OFF (exclude_outbound_ips), RULES, TRUE, N_ ("ADDRS"),
    N_ ("Destination addresses or CIDRs not redirected, comma-separated") },
  { "exclude-inbound-ips", OPT_CIDR_LIST, OFF (exclude_inbound_ips), RULES, TRUE, N_ ("ADDRS"),
    N_ ("Source addresses or CIDRs whose inbound traffic is not redirected, comma-separated") },
  { "vnet", OPT_VNET, OFF (vnets), RULES, TRUE, N_ ("IFACE:CIDR"),
    N_ ("Redirect traffic entering from a virtual network interface (repeatable)") },
  { "redirect-inbound-insert-instead-of-append", OPT_BOOL, OFF (inbound_insert), RULES, TRUE,
    N_ ("BOOL"), N_ ("Insert the PREROUTING jump at the top instead of appending it") },
  { "redirect-outbound-insert-instead-of-append", OPT_BOOL, OFF (outbound_insert), RULES, TRUE,
    N_ ("BOOL"), N_ ("Insert the OUTPUT jump at the top instead of appending it") },
  { "drop-invalid-packets", OPT_BOOL, OFF (drop_invalid_packets), RULES, TRUE, N_ ("BOOL"),
    N_ ("Drop packets in conntrack state INVALID") },
  { "iptables-logs", OPT_BOOL, OFF (iptables_logs), RULES, TRUE, N_ ("BOOL"),
    N_ ("Log packets entering PREROUTING and OUTPUT (kernel log, level debug)") },
  { "ip-family-mode", OPT_IP_FAMILY_MODE, OFF (ip_family_mode), RULES, TRUE, N_ ("MODE"),
    N_ ("dualstack (IPv4, and IPv6 where usable) or ipv4 (default: dualstack)") },
  { "skip-resolv-conf", OPT_BOOL, OFF (skip_resolv_conf), RULES, TRUE, N_ ("BOOL"),
    N_ ("Accepted for compatibility; resolv.conf is never modified") },
  { "disable-comments", OPT_BOOL, OFF (disable_comments), RULES, TRUE, N_ ("BOOL"),
    N_ ("Do not add comments to the rules") },
  { "resolv-conf", OPT_PATH, OFF (resolv_conf), RULES, TRUE, N_ ("PATH"),
    N_ ("Where to read the nameservers from (default: /etc/resolv.conf)") },
  { "store-firewalld", OPT_BOOL, OFF (store_firewalld),
    MTP_COMMAND_INSTALL | MTP_COMMAND_UNINSTALL | MTP_COMMAND_STATUS, TRUE, N_ ("BOOL"),
    N_ ("Make the rules permanent in firewalld's direct configuration") },
  { "backend", OPT_BACKEND, OFF (backend), ALL & ~MTP_COMMAND_SHOW, TRUE, N_ ("BACKEND"),
    N_ ("auto (firewalld when it runs, else the kernel's tables through libiptc), firewalld "
        "or iptables (default: auto)") },
  { "wait", OPT_SECONDS, OFF (wait), ALL & ~MTP_COMMAND_SHOW, TRUE, N_ ("SECONDS"),
    N_ ("How long to wait for a lock held by another program: another mesh-tproxy run, or "
        "iptables (the xtables lock) (default: 5)") },
  { "timeout", OPT_SECONDS, OFF (timeout), ALL & ~MTP_COMMAND_SHOW, TRUE, N_ ("SECONDS"),
    N_ ("How long to wait for firewalld: for the answer to each call, for its state RUNNING, "
        "and for it to come back when it restarts during a run, 1 to 3600 (default: 30)") },
  { "firewalld-config-dir", OPT_PATH, OFF (firewalld_config_dir), ALL & ~MTP_COMMAND_SHOW, TRUE,
    N_ ("DIR"),
    N_ ("firewalld's configuration directory, for direct.xml while firewalld is not running "
        "(default: /etc/firewalld)") },
  { "state-dir", OPT_PATH, OFF (state_dir),
    MTP_COMMAND_INSTALL | MTP_COMMAND_UNINSTALL | MTP_COMMAND_STATUS, TRUE, N_ ("DIR"),
    N_ ("Where the record of what each install put in each store is kept (default: "
        "$MESH_TPROXY_STATE_DIR, else /var/lib/mesh-tproxy)") },
  { "allow-firewalld-flush", OPT_BOOL, OFF (allow_firewalld_flush), MTP_COMMAND_INSTALL, TRUE,
    N_ ("BOOL"),
    N_ ("Install even though firewalld 2.x will then flush every iptables table on each "
        "reload, including other programs' rules") },
  { "allow-strict-forward-ports", OPT_BOOL, OFF (allow_strict_forward_ports), MTP_COMMAND_INSTALL,
    TRUE, N_ ("BOOL"),
    N_ ("Install even though firewalld's StrictForwardPorts=yes rejects redirected "
        "connections") },
  { "check", OPT_BOOL, OFF (check), ALL & ~MTP_COMMAND_SHOW & ~MTP_COMMAND_STATUS, FALSE,
    N_ ("BOOL"), N_ ("Say what would change, change nothing (exit 0 either way)") },
  { "json", OPT_BOOL, OFF (json), ALL & ~MTP_COMMAND_SHOW, FALSE, N_ ("BOOL"),
    N_ ("Print the result as one JSON object") },
  { "dry-run", OPT_BOOL, OFF (dry_run), MTP_COMMAND_INSTALL | MTP_COMMAND_UNINSTALL, FALSE,
    N_ ("BOOL"), N_ ("Print what would be done and change nothing") },
  { "format", OPT_FORMAT, OFF (format), MTP_COMMAND_SHOW, FALSE, N_ ("FORMAT"),
    N_ ("iptables, direct-xml, firewall-cmd or json (default: iptables)") },
  { "family", OPT_FAMILY, OFF (family), MTP_COMMAND_SHOW, FALSE, N_ ("FAMILY"),
    N_ ("Only show rules of this family: ipv4 or ipv6 (iptables format)") },
  { "verbose", OPT_BOOL, OFF (verbose), ALL, FALSE, N_ ("BOOL"), N_ ("Print debugging messages") },
  { "help", OPT_HELP, 0, ALL, FALSE, NULL, N_ ("Show this help") },
};

static const OptDesc *
find_option (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (strcmp (options[i].name, name) == 0)
      return &options[i];
  return NULL;
}

const char *
mtp_command_to_string (MtpCommand command)
{
  switch (command)
    {
      case MTP_COMMAND_INSTALL:
        return "install";
      case MTP_COMMAND_UNINSTALL:
        return "uninstall";
      case MTP_COMMAND_STATUS:
        return "status";
      case MTP_COMMAND_SHOW:
        return "show";
      default:
        g_assert_not_reached ();
    }
}

MtpConfig *
mtp_config_new (void)
{
  MtpConfig *c = g_new0 (MtpConfig, 1);
  const char *state_dir = g_getenv (MTP_STATE_DIR_ENV);

  c->redirect_inbound = TRUE;
  c->redirect_inbound_port = MTP_DEFAULT_INBOUND_PORT;
  c->redirect_outbound_port = MTP_DEFAULT_OUTBOUND_PORT;
  c->redirect_dns_port = MTP_DEFAULT_DNS_PORT;
  c->exclude_inbound_ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  c->exclude_outbound_ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  c->exclude_outbound_ports_for_uids
      = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_uid_port_exclusion_free);
  c->exclude_outbound_ips = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  c->exclude_inbound_ips = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  c->vnets = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_vnet_free);
  c->ip_family_mode = MTP_IP_FAMILY_MODE_DUALSTACK;
  c->resolv_conf = g_strdup (MTP_DEFAULT_RESOLV_CONF);
  c->config_path = g_strdup (MTP_DEFAULT_CONFIG);
  c->firewalld_config_dir = g_strdup (MTP_DEFAULT_FIREWALLD_DIR);
  c->state_dir
      = g_strdup (state_dir != NULL && *state_dir != '\0' ? state_dir : MTP_DEFAULT_STATE_DIR);
  c->wait = MTP_DEFAULT_WAIT;
  c->timeout = MTP_DEFAULT_TIMEOUT;
  c->format = MTP_FORMAT_IPTABLES;
  return c;
}

void
mtp_config_free (MtpConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->kuma_dp_user);
  g_array_unref (c->exclude_inbound_ports);
  g_array_unref (c->exclude_outbound_ports);
  g_ptr_array_unref (c->exclude_outbound_ports_for_uids);
  g_array_unref (c->exclude_outbound_ips);
  g_array_unref (c->exclude_inbound_ips);
  g_ptr_array_unref (c->vnets);
  g_free (c->resolv_conf);
  g_free (c->config_path);
  g_free (c->firewalld_config_dir);
  g_free (c->state_dir);
  g_free (c);
}

static gboolean
parse_bool (const char *text, gboolean *out, GError **error)
{
  static const char *const yes[] = { "true", "yes", "on", "1", NULL };
  static const char *const no[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; yes[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      return (*out = TRUE);
  for (guint i = 0; no[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      {
        *out = FALSE;
        return TRUE;
      }
  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
               _ ("'%s' is not a boolean (use true or false)"), text);
  return FALSE;
}

static gboolean
parse_enum (const char *text, const char *const *names, int *out, GError **error)
{
  g_autofree char *list = NULL;

  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (text, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  list = g_strjoinv (", ", (char **)names);
  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
               _ ("unknown value '%s' (expected one of: %s)"), text, list);
  return FALSE;
}

static gboolean
set_value (MtpConfig *config, const OptDesc *opt, const char *value, GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (config, opt->offset);

  switch (opt->type)
    {
      case OPT_BOOL:
        return parse_bool (value, (gboolean *)field, error);
      case OPT_STRING:
      case OPT_PATH:
        if (*value == '\0')
          {
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("the value is empty"));
            return FALSE;
          }
        g_free (*(char **)field);
        *(char **)field = g_strdup (value);
        return TRUE;
      case OPT_PORT:
        return mtp_parse_port (value, (guint16 *)field, error);
      case OPT_PORT_LIST:
      case OPT_CIDR_LIST:
        {
          GArray *list = opt->type == OPT_PORT_LIST ? mtp_parse_port_list (value, error)
                                                    : mtp_parse_cidr_list (value, error);
          if (list == NULL)
            return FALSE;
          g_array_unref (*(GArray **)field);
          *(GArray **)field = list;
          return TRUE;
        }
      case OPT_UID_EXCLUSION:
        {
          MtpUidPortExclusion *ex = mtp_parse_uid_port_exclusion (value, error);
          if (ex == NULL)
            return FALSE;
          g_ptr_array_add (*(GPtrArray **)field, ex);
          return TRUE;
        }
      case OPT_VNET:
        {
          MtpVnet *vnet = mtp_parse_vnet (value, error);
          if (vnet == NULL)
            return FALSE;
          g_ptr_array_add (*(GPtrArray **)field, vnet);
          return TRUE;
        }
      case OPT_IP_FAMILY_MODE:
        {
          static const char *const names[] = { "dualstack", "ipv4", NULL };
          return parse_enum (value, names, (int *)field, error);
        }
      case OPT_FORMAT:
        {
          static const char *const names[]
              = { "iptables", "direct-xml", "firewall-cmd", "json", NULL };
          return parse_enum (value, names, (int *)field, error);
        }
      case OPT_FAMILY:
        {
          static const char *const names[] = { "ipv4", "ipv6", NULL };
          int family;
          if (!parse_enum (value, names, &family, error))
            return FALSE;
          config->family = family == 0 ? MTP_FAMILY_IPV4 : MTP_FAMILY_IPV6;
          config->family_only = TRUE;
          return TRUE;
        }
      case OPT_BACKEND:
        {
          static const char *const names[] = { "auto", "firewalld", "iptables", NULL };
          return parse_enum (value, names, (int *)field, error);
        }
      case OPT_SECONDS:
        {
          guint64 seconds;
          if (!g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                           _ ("'%s' is not a number of seconds from 0 to 3600"), value);
              return FALSE;
            }
          *(guint *)field = (guint)seconds;
          return TRUE;
        }
      case OPT_HELP:
      default:
        g_assert_not_reached ();
    }
}

static gboolean
is_repeatable (const OptDesc *opt)
{
  return opt->type == OPT_UID_EXCLUSION || opt->type == OPT_VNET;
}

/* A repeatable option given again in a later layer (the command line after the
 * file) replaces the earlier layer's values instead of adding to them. */
static void
clear_repeatable (MtpConfig *config, const OptDesc *opt)
{
  g_ptr_array_set_size (*(GPtrArray **)G_STRUCT_MEMBER_P (config, opt->offset), 0);
}

/* option-values for the repeatable options of the command line, each
 * counted as often as it is given. */
static gboolean
check_repeats (const GPtrArray *names, GError **error)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer name, n;

  for (guint i = 0; i < names->len; i++)
    {
      const OptDesc *opt = find_option (names->pdata[i]);

      if (opt != NULL && is_repeatable (opt))
        g_hash_table_insert (
            counts, (gpointer)opt->name,
            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, opt->name)) + 1));
    }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &name, &n))
    if (!mtp_parse_check_count (GPOINTER_TO_UINT (n), error))
      {
        g_prefix_error (error, _ ("option --%s: "), (const char *)name);
        return FALSE;
      }
  return TRUE;
}

static char *
vnet_key (gconstpointer item)
{
  const MtpVnet *v = item;
  g_autofree char *cidr = mtp_cidr_to_string (&v->cidr, TRUE);

  return g_strconcat (v->iface, " ", cidr, NULL);
}

static char *
exclusion_key (gconstpointer item)
{
  const MtpUidPortExclusion *ex = item;
  GString *key = g_string_new (NULL);

  g_string_append_printf (key, "%d %u-%u", ex->protocols, ex->uids.first, ex->uids.last);
  for (guint i = 0; i < ex->ports->len; i++)
    {
      const MtpPortRange *r = &g_array_index (ex->ports, MtpPortRange, i);
      g_string_append_printf (key, " %u-%u", r->first, r->last);
    }
  return g_string_free (key, FALSE);
}

/* Keeps the first of equal values, in order; a hash set of their text keeps
 * it linear. */
static void
drop_repeated_in (GPtrArray *values, char *(*key_of) (gconstpointer item))
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint kept = 0;

  for (guint i = 0; i < values->len; i++)
    if (g_hash_table_add (seen, key_of (values->pdata[i])))
      {
        gpointer item = values->pdata[i];

        values->pdata[i] = values->pdata[kept];
        values->pdata[kept++] = item;
      }
  g_ptr_array_set_size (values, kept);
}

/* The repeatable options' values, each once (the lists are so from their
 * parsers). */
static void
drop_repeated (MtpConfig *config)
{
  drop_repeated_in (config->vnets, vnet_key);
  drop_repeated_in (config->exclude_outbound_ports_for_uids, exclusion_key);
}

gboolean
mtp_config_set (MtpConfig *config, const char *name, const char *value, GError **error)
{
  const OptDesc *opt = find_option (name);

  if (opt == NULL || opt->type == OPT_HELP)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("unknown option --%s"), name);
      return FALSE;
    }
  /* The command line comes as bytes (GOption does not convert it): a path
   * may be any bytes, every other value is text. */
  if (opt->type != OPT_PATH && !g_utf8_validate (value, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (value, NULL);

      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("option --%s: the value '%s' is not valid UTF-8"), name, escaped);
      return FALSE;
    }
  if (!set_value (config, opt, value, error))
    {
      g_prefix_error (error, _ ("option --%s: "), name);
      return FALSE;
    }
  return TRUE;
}

/* Takes msg. Not variadic, so that clang's analyzer follows it and sees the
 * FALSE: it does not follow calls of variadic functions. */
static gboolean
config_error_take (GError **error, const char *path, char *msg)
{
  g_autofree char *owned = msg;
  g_autofree char *raw = NULL;
  g_autofree char *valid = NULL;

  /* The path, a key or a value quoted from a bad file need not be UTF-8; a
   * GError message must be. */
  raw = g_strdup_printf (_ ("config file '%s': %s"), path, owned);
  valid = g_utf8_make_valid (raw, -1);
  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, valid);
  return FALSE;
}

#define config_error(error, path, ...)                                                             \
  config_error_take (error, path, g_strdup_printf (__VA_ARGS__))

/* A regular file of at most config-file-size, read without blocking, that
 * mtp_file_check_path trusts (its refusal is MTP_ERROR_FAILED, exit status
 * 1, not a bad file). */
static gboolean
read_config_file (const char *path, char **contents, gsize *length, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!mtp_limits_read_file (path, MTP_LIMIT_CONFIG_FILE_SIZE, "config-file-size", contents, length,
                             NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return config_error (error, path, _ ("no such file"));
      return config_error (error, path, "%s", local_error->message);
    }
  /* Its values decide what is redirected and what is not, as root. Checked
   * by path after the read: a trusted directory is one nobody else could
   * have swapped the file in since. */
  if (!mtp_file_check_path (path, _ ("the configuration file"), MTP_FILE_TRUST_DEFAULT, error))
    {
      g_clear_pointer (contents, g_free);
      return FALSE;
    }
  return TRUE;
}

/* What GKeyFile lets through silently: a key given twice (it keeps the last
 * one) and a key with a locale suffix, "key[de]" (it drops those of other
 * locales). Runs after GKeyFile accepted the file, so every line is a
 * comment, a group or a key=value pair. */
static gboolean
check_config_lines (const char *path, const char *data, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *eq;
      g_autofree char *key = NULL;
      gpointer first;

      while (g_ascii_isspace (*line))
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '[')
        {
          const char *end = strchr (line, ']');

          g_free (group);
          group = g_strndup (line + 1, end != NULL ? (gsize)(end - line - 1) : strlen (line + 1));
          continue;
        }
      eq = strchr (line, '=');
      if (eq == NULL || g_strcmp0 (group, MTP_CONFIG_GROUP) != 0)
        continue;
      key = g_strchomp (g_strndup (line, (gsize)(eq - line)));
      if (strchr (key, '[') != NULL)
        return config_error (error, path, _ ("line %u: unknown key '%s'"), i + 1, key);
      if (g_hash_table_lookup_extended (seen, key, NULL, &first))
        {
          const OptDesc *opt = find_option (key);

          if (opt != NULL && is_repeatable (opt))
            return config_error (error, path,
                                 _ ("key '%s' is given twice (lines %u and %u); give it once, "
                                    "with the values separated by ';'"),
                                 key, GPOINTER_TO_UINT (first), i + 1);
          return config_error (error, path,
                               _ ("key '%s' is given twice (lines %u and %u); give it once"), key,
                               GPOINTER_TO_UINT (first), i + 1);
        }
      g_hash_table_insert (seen, g_steal_pointer (&key), GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
}

gboolean
mtp_config_load_file (MtpConfig *config, const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *nul;
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) keys = NULL;

  if (!read_config_file (path, &contents, &length, error))
    return FALSE;
  /* GKeyFile would read a line only up to it. */
  nul = memchr (contents, '\0', length);
  if (nul != NULL)
    {
      guint line = 1;

      for (const char *p = contents; p < nul; p++)
        line += *p == '\n';
      return config_error (error, path, _ ("line %u: a NUL byte"), line);
    }
  if (!g_key_file_load_from_data (kf, contents, length, G_KEY_FILE_NONE, &local_error))
    return config_error (error, path, "%s", local_error->message);

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (strcmp (groups[i], MTP_CONFIG_GROUP) != 0)
      return config_error (error, path, _ ("unknown group [%s] (the only group is [%s])"),
                           groups[i], MTP_CONFIG_GROUP);
  if (!check_config_lines (path, contents, error))
    return FALSE;
  if (!g_key_file_has_group (kf, MTP_CONFIG_GROUP))
    return TRUE;

  keys = g_key_file_get_keys (kf, MTP_CONFIG_GROUP, NULL, NULL);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      const OptDesc *opt = find_option (keys[i]);

      if (opt == NULL || opt->type == OPT_HELP)
        return config_error (error, path, _ ("unknown key '%s'"), keys[i]);
      if (!opt->in_file)
        return config_error (error, path, _ ("key '%s' can only be given on the command line"),
                             keys[i]);

      /* GLib 2.74 sets its error twice (a warning, fatal in the tests) on a
       * bad escape followed by a backslash at the end of the value: refuse
       * such a value before GKeyFile unescapes it. */
      {
        g_autofree char *raw = g_key_file_get_value (kf, MTP_CONFIG_GROUP, keys[i], NULL);
        gsize len = raw != NULL ? strlen (raw) : 0, n_backslashes = 0;

        while (n_backslashes < len && raw[len - 1 - n_backslashes] == '\\')
          n_backslashes++;
        if (n_backslashes % 2 == 1)
          return config_error (error, path,
                               _ ("key '%s': the value ends in a lone backslash (write \\\\ "
                                  "for one)"),
                               keys[i]);
      }
      /* GKeyFile returns a value even when it also sets an error (a bad
       * escape sequence): the error decides. */
      if (is_repeatable (opt))
        {
          g_auto (GStrv) values
              = g_key_file_get_string_list (kf, MTP_CONFIG_GROUP, keys[i], NULL, &local_error);
          if (values == NULL || local_error != NULL)
            return config_error (error, path, _ ("key '%s': %s"), keys[i],
                                 local_error != NULL ? local_error->message : "");
          if (!mtp_parse_check_count (g_strv_length (values), &local_error))
            return config_error (error, path, _ ("key '%s': %s"), keys[i], local_error->message);
          clear_repeatable (config, opt);
          for (guint j = 0; values[j] != NULL; j++)
            if (!set_value (config, opt, g_strstrip (values[j]), &local_error))
              return config_error (error, path, _ ("key '%s': %s"), keys[i], local_error->message);
        }
      else
        {
          g_autofree char *value
              = g_key_file_get_string (kf, MTP_CONFIG_GROUP, keys[i], &local_error);
          if (value == NULL || local_error != NULL)
            return config_error (error, path, _ ("key '%s': %s"), keys[i],
                                 local_error != NULL ? local_error->message : "");
          if (!set_value (config, opt, value, &local_error))
            return config_error (error, path, _ ("key '%s': %s"), keys[i], local_error->message);
        }
    }
  drop_repeated (config);
  return TRUE;
}

gboolean
mtp_config_validate (const MtpConfig *c, GError **error)
{
  gboolean dns = c->redirect_dns || c->redirect_all_dns_traffic;

  if (c->redirect_dns && c->redirect_all_dns_traffic)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--redirect-dns and --redirect-all-dns-traffic cannot be used together"));
      return FALSE;
    }
  if (c->redirect_inbound_port == c->redirect_outbound_port)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--redirect-inbound-port and --redirect-outbound-port are both %u; the "
                      "proxy needs two listeners"),
                   c->redirect_inbound_port);
      return FALSE;
    }
  if (dns
      && (c->redirect_dns_port == c->redirect_inbound_port
          || c->redirect_dns_port == c->redirect_outbound_port))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--redirect-dns-port %u is also a TCP redirect port"), c->redirect_dns_port);
      return FALSE;
    }
  if (c->timeout == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--timeout must be at least 1 second"));
      return FALSE;
    }
  if (c->family_only && c->format != MTP_FORMAT_IPTABLES)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--family only applies to --format iptables"));
      return FALSE;
    }
  return TRUE;
}

/* Command-line parsing: every option goes through a callback that records it,
 * so that the file (named by --config) can be applied first. */
typedef struct
{
  GPtrArray *names; /* option names, without "--" */
  GPtrArray *values;
  gboolean help;
} Recorded;

static gboolean
record_option (const char *option_name, const char *value, gpointer data, GError **error)
{
  Recorded *rec = data;
  const char *name = option_name + (g_str_has_prefix (option_name, "--") ? 2 : 1);
  const OptDesc *opt = find_option (name);

  /* The short form arrives as "-h", which names no entry of the table. */
  if (strcmp (option_name, "-h") == 0 || (opt != NULL && opt->type == OPT_HELP))
    {
      rec->help = TRUE;
      return TRUE;
    }
  g_ptr_array_add (rec->names, g_strdup (name));
  g_ptr_array_add (rec->values, g_strdup (value != NULL ? value : "true"));
  return TRUE;
}

static GOptionContext *
make_context (MtpCommand command, Recorded *rec)
{
  static const char *const summaries[] = {
    N_ ("Install the transparent-proxy rules, or bring the host back in line with them."),
    N_ ("Remove every rule and chain of ours, and nothing else."),
    N_ ("Compare the rules on the host with the desired ones."),
    N_ ("Print the desired rules without looking at the host's tables."),
  };
  g_autofree char *param = g_strdup_printf ("%s", mtp_command_to_string (command));
  GOptionContext *ctx = g_option_context_new (NULL);
  GOptionGroup *group = g_option_group_new (param, "", "", rec, NULL);
  GArray *entries = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      const OptDesc *opt = &options[i];
      GOptionEntry e = {
        .long_name = opt->name,
        .arg = G_OPTION_ARG_CALLBACK,
        .arg_data = (gpointer)record_option,
        .description = _ (opt->help),
        .arg_description = opt->arg ? _ (opt->arg) : NULL,
      };

      if (!(opt->commands & command))
        continue;
      /* FILENAME: the value as given, not converted from the locale's
       * charset (which fails, with a message naming no option, on bytes
       * that are not in it); mtp_config_set checks it. */
      if (opt->type == OPT_BOOL)
        e.flags = G_OPTION_FLAG_OPTIONAL_ARG | G_OPTION_FLAG_FILENAME;
      else if (opt->type == OPT_HELP)
        {
          e.short_name = 'h';
          e.flags = G_OPTION_FLAG_NO_ARG;
        }
      else
        e.flags = G_OPTION_FLAG_FILENAME;
      g_array_append_val (entries, e);
    }
  g_option_group_add_entries (group, (const GOptionEntry *)entries->data);
  g_array_unref (entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (ctx, group);
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_set_summary (ctx, _ (summaries[g_bit_nth_lsf (command, -1)]));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  return ctx;
}

char *
mtp_config_help (MtpCommand command)
{
  Recorded rec = { 0 };
  g_autoptr (GOptionContext) ctx = make_context (command, &rec);

  return g_option_context_get_help (ctx, TRUE, NULL);
}

gboolean
mtp_config_json_requested (MtpCommand command, int argc, char **argv)
{
  gboolean json = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *eq;
      const OptDesc *opt;
      g_autofree char *name = NULL;

      if (strcmp (argv[i], "--") == 0)
        break;
      if (!g_str_has_prefix (argv[i], "--"))
        continue;
      eq = strchr (argv[i], '=');
      name = eq != NULL ? g_strndup (argv[i] + 2, eq - argv[i] - 2) : g_strdup (argv[i] + 2);
      if (strcmp (name, "json") == 0)
        {
          gboolean value = TRUE;

          /* A bad value asks for JSON too: its error is printed as JSON. */
          json = eq == NULL || !parse_bool (eq + 1, &value, NULL) || value;
          continue;
        }
      /* The value of another option, as mtp_config_parse takes it. */
      opt = find_option (name);
      if (command != 0 && eq == NULL && opt != NULL && (opt->commands & command)
          && opt->type != OPT_BOOL && opt->type != OPT_HELP)
        i++;
    }
  return json;
}

MtpConfig *
mtp_config_parse (MtpCommand command, int argc, char **argv, GError **error)
{
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) cleared = g_hash_table_new (g_str_hash, g_str_equal);
  Recorded rec = { names, values, FALSE };
  g_autoptr (GOptionContext) ctx = make_context (command, &rec);
  g_autofree char **args = g_new0 (char *, argc + 1);
  g_autoptr (GPtrArray) rewritten = g_ptr_array_new_with_free_func (g_free);
  int n_args = argc;
  const char *config_path = NULL;
  g_autoptr (GError) local_error = NULL;

  /* GOption rearranges the vector it parses: work on a copy of the pointers. */
  memcpy (args, argv, sizeof (char *) * argc);
  /* GOption gives an option with an optional value the next word unless it
   * starts with '-', so "--redirect-inbound false" would mean false. Kuma's
   * booleans take a value only after '=': spell bare ones "--NAME=true" so the
   * next word stays an argument and is refused below. */
  for (int i = 1; i < argc; i++)
    {
      const OptDesc *opt;

      if (strcmp (args[i], "--") == 0)
        break;
      if (!g_str_has_prefix (args[i], "--") || strchr (args[i], '=') != NULL)
        continue;
      opt = find_option (args[i] + 2);
      if (opt == NULL || !(opt->commands & command))
        continue;
      if (opt->type == OPT_BOOL)
        {
          args[i] = g_strconcat (args[i], "=true", NULL);
          g_ptr_array_add (rewritten, args[i]);
        }
      else if (opt->type != OPT_HELP)
        i++; /* its value, whatever it looks like */
    }
  if (!g_option_context_parse (ctx, &n_args, &args, &local_error))
    {
      /* GOption quotes an unknown option as given: perhaps not UTF-8. */
      if (!g_utf8_validate (local_error->message, -1, NULL))
        {
          char *valid = g_utf8_make_valid (local_error->message, -1);

          g_free (local_error->message);
          local_error->message = valid;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (rec.help)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "help");
      return NULL;
    }
  for (int i = 1; i < n_args; i++)
    {
      g_autofree char *arg = NULL;

      if (strcmp (args[i], "--") == 0)
        continue;
      arg = g_utf8_make_valid (args[i], -1);
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("unexpected argument '%s' (boolean options take their value as "
                      "--option=VALUE)"),
                   arg);
      return NULL;
    }

  for (guint i = 0; i < names->len; i++)
    if (strcmp (names->pdata[i], "config") == 0)
      config_path = values->pdata[i];
  if (config_path != NULL)
    {
      if (!mtp_config_load_file (config, config_path, error))
        return NULL;
      g_free (config->config_path);
      config->config_path = g_strdup (config_path);
      config->config_path_explicit = TRUE;
    }
  else if (g_file_test (config->config_path, G_FILE_TEST_EXISTS))
    {
      if (!mtp_config_load_file (config, config->config_path, error))
        return NULL;
    }

  if (!check_repeats (names, error))
    return NULL;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      const OptDesc *opt = find_option (name);

      if (strcmp (name, "config") == 0)
        continue;
      if (is_repeatable (opt) && !g_hash_table_contains (cleared, name))
        {
          clear_repeatable (config, opt);
          g_hash_table_add (cleared, (gpointer)name);
        }
      if (!mtp_config_set (config, name, values->pdata[i], error))
        return NULL;
    }

  drop_repeated (config);
  if (!mtp_config_validate (config, error))
    return NULL;
  return g_steal_pointer (&config);
}
