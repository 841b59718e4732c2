/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-config.h"
#include "mtp-direct.h"
#include "mtp-rule.h"

G_BEGIN_DECLS

/* install, uninstall and status: make the stores equal the desired set (or
 * empty), or compare them with it. */

/* What the run found (status) or left (install, uninstall). UNKNOWN, the
 * start value, is what a run that failed before it could compare reports. */
typedef enum
{
  MTP_STATUS_UNKNOWN, /* not compared, or a store could not be read or understood */
  MTP_STATUS_IN_SYNC,
  MTP_STATUS_NOT_INSTALLED,
  MTP_STATUS_DRIFTED,
  MTP_STATUS_PERMANENT_ONLY, /* in firewalld's permanent configuration, firewalld not running */
  MTP_STATUS_INTERRUPTED,    /* a signal ended the run, and what it had applied was undone */
} MtpStatus;

/* "unknown", "in-sync", … as in --json output (mesh-tproxy(8), JSON OUTPUT). */
const char *mtp_status_to_string (MtpStatus status);

typedef struct
{
  char *id;       /* "firewalld-runtime", "firewalld-permanent", "direct-xml" */
  char *location; /* a path, or NULL */
  MtpDirectPlan *plan;
  guint n_ours; /* entries of ours before the run */
  gboolean changed;
} MtpStoreReport;

typedef struct
{
  MtpCommand command;
  gboolean check_only;
  gboolean changed;
  MtpStatus status;
  gboolean kernel_drift;   /* the kernel tables disagree with firewalld's view */
  gboolean kernel_unknown; /* … or could not be read or understood: status unknown */
  gboolean ipv6_dropped;   /* firewalld would reject redirected IPv6: no IPv6 rules */
  char *backend;           /* "firewalld", "firewalld-offline" */
  char *firewalld_version; /* when running */
  char *firewalld_backend;
  guint n_firewalld_writes;
  GPtrArray *stores;   /* of MtpStoreReport */
  GPtrArray *notices;  /* of char* */
  GPtrArray *warnings; /* of char* */
} MtpReport;

/* The "schema_version" of the --json object (mesh-tproxy(8), JSON OUTPUT). */
#define MTP_REPORT_SCHEMA_VERSION 1

/* COMMAND 0: a run whose command is not known (its JSON "command" is null). */
MtpReport *mtp_report_new (MtpCommand command);
void mtp_report_free (MtpReport *report);
char *mtp_report_to_text (const MtpReport *report);
char *mtp_report_to_json (const MtpReport *report, const GError *error);

typedef struct _MtpRun MtpRun;

/* The start of a run, before the desired rule set is known: takes the lock
 * (mtp-lock.h: exclusive unless the command only reads) and, where the run
 * will go through firewalld, sends firewalld the reads of the run
 * (mtp_firewalld_prefetch), to be answered while the caller gathers the last
 * facts. The run keeps CONFIG and REPORT, which must outlive it. NULL when
 * the lock cannot be had. */
MtpRun *mtp_engine_begin (MtpCommand command, const MtpConfig *config, MtpReport *report,
                          GError **error);
/* Ends the run: drops what was not used, releases the lock. */
void mtp_engine_end (MtpRun *run);

/* Runs the command the run was begun with. Its report is filled as far as
 * the run got, also on failure (for --json). */
gboolean mtp_engine_run (MtpRun *run, const MtpRuleset *desired, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpReport, mtp_report_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpRun, mtp_engine_end)

G_END_DECLS
