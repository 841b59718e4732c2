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

/* Makes the tables hold exactly desired's rules of ours (desired NULL: none,
 * for uninstall), or with check_only only says what would change. known (may
 * be NULL) is the configured set, to recognise our rules that carry no
 * comment. Takes the xtables lock (waiting up to wait_seconds), retries when
 * another writer changed a table in between (EAGAIN), and restores every table
 * it had committed if a later commit fails. Appends one MtpIptcTable per
 * table and family looked at. */
gboolean mtp_iptc_run (const MtpRuleset *desired, const MtpRuleset *known, gboolean check_only,
                       guint wait_seconds, GPtrArray *tables, GError **error);

/* Whether this process has CAP_NET_ADMIN and CAP_NET_RAW; the error names
 * the missing one. */
gboolean mtp_iptc_check_capabilities (GError **error);

/* Whether a table of the kernel's legacy tables has a chain (FALSE when the
 * table cannot be read). */
gboolean mtp_iptc_has_chain (MtpFamily family, const char *table, const char *chain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpIptcTable, mtp_iptc_table_free)

G_END_DECLS
