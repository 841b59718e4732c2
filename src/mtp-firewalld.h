/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "mtp-direct.h"

G_BEGIN_DECLS

/* firewalld's D-Bus names, in one place. */
#define MTP_FIREWALLD_BUS_NAME             "org.fedoraproject.FirewallD1"
#define MTP_FIREWALLD_PATH                 "/org/fedoraproject/FirewallD1"
#define MTP_FIREWALLD_CONFIG_PATH          "/org/fedoraproject/FirewallD1/config"
#define MTP_FIREWALLD_IFACE                "org.fedoraproject.FirewallD1"
#define MTP_FIREWALLD_CONFIG_IFACE         "org.fedoraproject.FirewallD1.config"
#define MTP_FIREWALLD_ERROR_EXCEPTION      "org.fedoraproject.FirewallD1.Exception"
#define MTP_FIREWALLD_ERROR_NOT_AUTHORIZED "org.fedoraproject.FirewallD1.NotAuthorizedException"
/* firewalld 0.x, through python-slip: the action is appended to the name. */
#define MTP_FIREWALLD_ERROR_SLIP_NOT_AUTHORIZED                                                    \
  "org.fedoraproject.slip.dbus.service.PolKit.NotAuthorizedException"

typedef struct
{
  char *state;   /* RUNNING, INIT, FAILED */
  char *version; /* "1.3.3" */
  guint major;
  guint minor;
  char *backend; /* "nftables" or "iptables" */
  gboolean strict_forward_ports;
  gboolean rfc3964_ipv4;
} MtpFirewalldInfo;

typedef struct _MtpFirewalld MtpFirewalld;

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS is honoured) on a
 * connection of its own, waiting at most timeout_seconds for it. A bus that
 * cannot be reached is not an error here: mtp_firewalld_find() decides what
 * it means. Every call to firewalld waits at most timeout_seconds for its
 * answer. */
MtpFirewalld *mtp_firewalld_new (guint timeout_seconds);
void mtp_firewalld_free (MtpFirewalld *fw);

typedef enum
{
  MTP_FIREWALLD_UNKNOWN, /* it may be running */
  MTP_FIREWALLD_RUNNING, /* its name has an owner */
  MTP_FIREWALLD_STOPPED, /* known not to run */
} MtpFirewalldPresence;

/* What the bus says: RUNNING when firewalld's name has an owner, STOPPED when
 * the bus answered that it has none, UNKNOWN (with the reason) when the bus
 * cannot be reached or does not answer. */
MtpFirewalldPresence mtp_firewalld_ask_bus (MtpFirewalld *fw, GError **error);
/* Whether firewalld runs, decided on evidence: RUNNING when the bus says
 * so; else the processes of this network namespace are looked at (those of
 * other namespaces are not ours to count): a firewalld among them is UNKNOWN
 * (with the reason), and so is no way to tell them while the bus cannot be
 * asked (MTP_ERROR_PERMISSION when not root: only root sees every process);
 * STOPPED otherwise. */
MtpFirewalldPresence mtp_firewalld_find (MtpFirewalld *fw, GError **error);
/* Whether the bus says firewalld's name has an owner. */
gboolean mtp_firewalld_is_running (MtpFirewalld *fw);
/* The same on a connection of its own, without an MtpFirewalld: TRUE only
 * when the bus answered within timeout_seconds that the name has an owner. */
gboolean mtp_firewalld_name_has_owner (guint timeout_seconds);
/* How many times firewalld's runtime configuration was reset since
 * mtp_firewalld_new(): reloads (its Reloaded signal) and restarts or stops
 * (its name changed owner). A run compares this before and after. */
guint mtp_firewalld_get_resets (MtpFirewalld *fw);
/* Waits up to timeout_seconds for firewalld's name to have an owner; a
 * signal (mtp-signal.h) ends the wait. */
gboolean mtp_firewalld_wait_back (MtpFirewalld *fw, guint timeout_seconds);

/* Reads state, version, backend and the settings that decide whether our rules
 * can work. */
MtpFirewalldInfo *mtp_firewalld_get_info (MtpFirewalld *fw, GError **error);
void mtp_firewalld_info_free (MtpFirewalldInfo *info);
/* What can be known while firewalld is not running: the installed version
 * (firewall-offline-cmd --version; "unknown" without it) and the backend and
 * RFC3964_IPv4 settings of <config_dir>/firewalld.conf (firewalld's defaults
 * where unset, or where there is no such file). A firewalld.conf that is not
 * a regular file, is larger than system-file-size (mtp-limits.h), is not
 * trusted (mtp-file.h), or cannot be read, is an error. */
MtpFirewalldInfo *mtp_firewalld_offline_info (const char *config_dir, GError **error);

/* Sends the reads of a run now, without waiting: firewalld's properties
 * (mtp_firewalld_get_info), its runtime direct configuration and, if
 * PERMANENT, its permanent one; firewalld answers while the caller does other
 * work. The next of those calls takes its answer from them, unless firewalld
 * was reloaded or restarted since, or was not yet RUNNING: then it reads
 * anew. Nothing is sent if firewalld cannot be reached. */
void mtp_firewalld_prefetch (MtpFirewalld *fw, gboolean permanent);

/* The runtime direct configuration: chains, rules and passthroughs. */
MtpDirect *mtp_firewalld_read_runtime (MtpFirewalld *fw, GError **error);
/* The permanent one (what direct.xml holds, from firewalld's memory). */
MtpDirect *mtp_firewalld_read_permanent (MtpFirewalld *fw, GError **error);

/* Applies a plan to the runtime: the calls are sent in order without waiting
 * for each reply. If any fails, every call of this run that succeeded is
 * undone (in reverse order) and the error names the rule or chain and
 * firewalld's reason. */
/* A signal (mtp-signal.h) stops the sending: what was sent is undone the same
 * way, and the error is MTP_ERROR_INTERRUPTED. */
gboolean mtp_firewalld_apply_runtime (MtpFirewalld *fw, const MtpDirectPlan *plan, GError **error);
/* The same for taking back changes of the run: a signal does not stop it,
 * every call is made even when one fails, and nothing is rolled back. */
gboolean mtp_firewalld_revert_runtime (MtpFirewalld *fw, const MtpDirectPlan *plan, GError **error);

/* Replaces the whole permanent direct configuration in one call. */
gboolean mtp_firewalld_write_permanent (MtpFirewalld *fw, const MtpDirect *all, GError **error);

/* Runs one iptables command through firewalld, untracked: only to clear what
 * an older installer left behind firewalld's back. */
gboolean mtp_firewalld_passthrough (MtpFirewalld *fw, const char *ipv, const char *const *args,
                                    GError **error);

/* Calls that changed something (or tried to): for reports and tests. */
guint mtp_firewalld_get_n_writes (MtpFirewalld *fw);

/* Turns a D-Bus error from firewalld into an MTP_ERROR with a readable
 * message: not running, not authorized (MTP_ERROR_PERMISSION), lockdown,
 * firewalld's own "CODE: detail". */
void mtp_firewalld_set_error (GError **error, const GError *dbus_error, const char *context);
/* firewalld's code ("ALREADY_ENABLED", "COMMAND_FAILED" …) of a D-Bus error,
 * or NULL. */
char *mtp_firewalld_error_code (const GError *dbus_error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpFirewalld, mtp_firewalld_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpFirewalldInfo, mtp_firewalld_info_free)

G_END_DECLS
