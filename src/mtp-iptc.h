/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-direct.h"
#include "mtp-rule.h"

G_BEGIN_DECLS

/* The store for hosts without firewalld: the kernel's legacy x_tables through
 * libiptc, one atomic commit per table and family. */

typedef struct
{
  MtpFamily family;
  MtpTable table;
  guint n_ours;        /* entries and chains of ours before the run */
  MtpDirectPlan *plan; /* what was (or would be) added and removed, for reports */
  gboolean changed;
} MtpIptcTable;

void mtp_iptc_table_free (MtpIptcTable *t);

/* What a run committed, to put back if a later step of the run fails or a
 * signal ends it. Holds the xtables lock until it is freed. */
typedef struct _MtpIptcUndo MtpIptcUndo;

/* Puts every table the run committed back as it was before, each from a
 * fresh read of it (others' rules as they are now, ours as they were). */
gboolean mtp_iptc_undo_revert (MtpIptcUndo *undo, GError **error);
void mtp_iptc_undo_free (MtpIptcUndo *undo);

/* Makes the tables hold exactly desired's rules of ours (desired NULL: none,
 * for uninstall), or with check_only only says what would change. known (may
 * be NULL) is the configured set, to recognise our rules that carry no
 * comment. Takes the xtables lock (waiting up to wait_seconds), retries when
 * another writer changed a table in between (EAGAIN), and restores every table
 * it had committed if a later commit fails. Appends one MtpIptcTable per
 * table and family looked at. A signal (mtp-signal.h) caught before a commit
 * ends the run the same way, with MTP_ERROR_INTERRUPTED. undo (may be NULL)
 * receives what was committed, NULL when nothing was. */
gboolean mtp_iptc_run (const MtpRuleset *desired, const MtpRuleset *known, gboolean check_only,
                       guint wait_seconds, GPtrArray *tables, MtpIptcUndo **undo, GError **error);

/* Whether this process has CAP_NET_ADMIN and CAP_NET_RAW; the error names
 * the missing one. */
gboolean mtp_iptc_check_capabilities (GError **error);

/* Whether a table of the kernel's legacy tables has a chain (FALSE when the
 * table cannot be read). */
gboolean mtp_iptc_has_chain (MtpFamily family, const char *table, const char *chain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpIptcTable, mtp_iptc_table_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpIptcUndo, mtp_iptc_undo_free)

G_END_DECLS
