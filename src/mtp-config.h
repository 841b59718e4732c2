/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-types.h"

G_BEGIN_DECLS

#define MTP_DEFAULT_INBOUND_PORT  15006
#define MTP_DEFAULT_OUTBOUND_PORT 15001
#define MTP_DEFAULT_DNS_PORT      15053
#define MTP_DEFAULT_RESOLV_CONF   "/etc/resolv.conf"
#define MTP_CONFIG_GROUP          "mesh-tproxy"
#define MTP_DEFAULT_FIREWALLD_DIR "/etc/firewalld"
#define MTP_DEFAULT_WAIT          5
#define MTP_DEFAULT_TIMEOUT       30
/* The unit's StateDirectory=; MESH_TPROXY_STATE_DIR moves the default. */
#define MTP_DEFAULT_STATE_DIR "/var/lib/mesh-tproxy"
#define MTP_STATE_DIR_ENV     "MESH_TPROXY_STATE_DIR"

typedef enum
{
  MTP_IP_FAMILY_MODE_DUALSTACK,
  MTP_IP_FAMILY_MODE_IPV4,
} MtpIpFamilyMode;

/* The subcommands; options say in which ones they are accepted. */
typedef enum
{
  MTP_COMMAND_INSTALL = 1 << 0,
  MTP_COMMAND_UNINSTALL = 1 << 1,
  MTP_COMMAND_STATUS = 1 << 2,
  MTP_COMMAND_SHOW = 1 << 3,
} MtpCommand;

typedef enum
{
  MTP_BACKEND_AUTO,
  MTP_BACKEND_FIREWALLD,
  MTP_BACKEND_IPTABLES,
} MtpBackend;

typedef enum
{
  MTP_FORMAT_IPTABLES,
  MTP_FORMAT_DIRECT_XML,
  MTP_FORMAT_FIREWALL_CMD,
  MTP_FORMAT_JSON,
} MtpFormat;

/* Validated, typed options: defaults, then the config file, then the command
 * line. Names follow Kuma's `kumactl install transparent-proxy` flags. */
typedef struct
{
  char *kuma_dp_user; /* NULL: UID 5678, then the user "kuma-dp" */
  gboolean redirect_inbound;
  guint16 redirect_inbound_port;
  guint16 redirect_outbound_port;
  gboolean redirect_dns;
  gboolean redirect_all_dns_traffic;
  guint16 redirect_dns_port;
  gboolean skip_dns_conntrack_zone_split;
  GArray *exclude_inbound_ports;  /* of guint16 */
  GArray *exclude_outbound_ports; /* of guint16 */
  gboolean pack_ports; /* the two lists above in multiport rules, not one rule per port */
  GPtrArray *exclude_outbound_ports_for_uids; /* of MtpUidPortExclusion */
  GArray *exclude_outbound_ips;               /* of MtpCidr */
  GArray *exclude_inbound_ips;                /* of MtpCidr */
  GPtrArray *vnets;                           /* of MtpVnet */
  gboolean inbound_insert;
  gboolean outbound_insert;
  gboolean drop_invalid_packets;
  gboolean iptables_logs;
  MtpIpFamilyMode ip_family_mode;
  gboolean skip_resolv_conf; /* accepted for compatibility; resolv.conf is never changed */
  gboolean disable_comments;
  char *resolv_conf;
  gboolean store_firewalld;
  char *firewalld_config_dir;
  char *state_dir; /* the install records (mtp-record.h) */
  MtpBackend backend;
  guint wait;    /* seconds, for our lock and the xtables lock */
  guint timeout; /* seconds, for firewalld */
  gboolean allow_firewalld_flush;
  gboolean allow_strict_forward_ports;

  /* Not from the config file. */
  char *config_path;
  gboolean config_path_explicit;
  gboolean dry_run;
  gboolean check;
  gboolean json;
  gboolean verbose;
  MtpFormat format;
  gboolean family_only;
  MtpFamily family;
} MtpConfig;

MtpConfig *mtp_config_new (void); /* the defaults */
void mtp_config_free (MtpConfig *config);

/* Parses argv (argv[0] is the subcommand name) for the command, reads the
 * config file (the default one only if it exists; an explicit --config must
 * exist), applies the file and then the command line, and checks the options
 * against each other. Errors: MTP_ERROR_INVALID_ARGS naming the option and
 * value, MTP_ERROR_INVALID_CONFIG naming the file, key and value. */
MtpConfig *mtp_config_parse (MtpCommand command, int argc, char **argv, GError **error);

/* Whether ARGV (as for mtp_config_parse; COMMAND 0 for a command that is not
 * known) asks for JSON output: --json, or --json=VALUE unless VALUE is a
 * false boolean, the last one deciding, not counting a word that is the
 * value of another option or that follows "--". Decided before the options
 * are parsed, so that a bad option is reported as JSON too. */
gboolean mtp_config_json_requested (MtpCommand command, int argc, char **argv);

/* Loads a key file into config (exposed for tests). A file that someone
 * other than root and the caller could have written is refused
 * (mtp-file.h). */
gboolean mtp_config_load_file (MtpConfig *config, const char *path, GError **error);
/* Applies one option by its long name (as on the command line, without "--"). */
gboolean mtp_config_set (MtpConfig *config, const char *name, const char *value, GError **error);
/* Checks what a single option cannot: combinations. */
gboolean mtp_config_validate (const MtpConfig *config, GError **error);

/* The --help text of a command, for tests and `mesh-tproxy help`. */
char *mtp_config_help (MtpCommand command);
const char *mtp_command_to_string (MtpCommand command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpConfig, mtp_config_free)

G_END_DECLS
