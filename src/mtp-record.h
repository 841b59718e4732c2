/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/stat.h>

#include "mtp-direct.h"
#include "mtp-rule.h"

G_BEGIN_DECLS

/* The install record: what the last successful install put into each store,
 * kept in the state directory (--state-dir, default /var/lib/mesh-tproxy, the
 * unit's StateDirectory=). Without comments (--disable-comments) a rule in a
 * built-in chain is recognisable by nothing else: the record lets uninstall,
 * status and the next install find exactly those rules, whatever options
 * they were made with.
 *
 * One file per store, STATE_DIR/<store>.record, a key file (GKeyFile):
 *
 *   [Record]
 *   Version=1
 *   Store=iptables-legacy
 *   [Chains]
 *   0=ipv4 nat KUMA_MESH_INBOUND
 *   [Rules]
 *   0=ipv4 nat PREROUTING 2000000 -p tcp -j KUMA_MESH_INBOUND
 *
 * Each chain and rule in firewalld's direct form (ipv, table, chain[,
 * priority, args]), quoted as firewalld quotes the arguments of a direct rule
 * (mtp-shlex.h): the same text as status prints. A recorded rule is accepted
 * only when it is one mesh-tproxy could have written: its arguments parse into
 * the rule model and render back to exactly themselves; a recorded chain only
 * when it is ours by name. A record that is not there is normal (nothing
 * installed yet, or installed by a version without records). One that cannot be
 * trusted (see mtp_record_check_trusted) or read (bad syntax, too large, a
 * rule that is not ours) is ignored whole, with a warning naming the file and
 * why: never a reason to refuse an uninstall.
 *
 * Written atomically (a temporary file in the directory, synced, renamed) and
 * only when its content changes. An install first writes, before it changes a
 * store, a record holding both what the store's record held and what it is
 * about to hold, and after the whole run went through one holding only the
 * latter: a run that dies half-way leaves a record covering both. */

typedef enum
{
  MTP_RECORD_FIREWALLD_RUNTIME,
  /* firewalld's permanent configuration: through config.direct while it runs,
   * direct.xml while it does not (the same rules either way) */
  MTP_RECORD_FIREWALLD_PERMANENT,
  MTP_RECORD_IPTABLES_LEGACY,
  MTP_RECORD_N_STORES,
} MtpRecordStore;

/* Larger than the record of any rule set mesh-tproxy builds; never written
 * larger, so that it can always be read back. */
#define MTP_RECORD_MAX_SIZE (64 * 1024 * 1024)
#define MTP_RECORD_VERSION  1

/* "firewalld-runtime", "firewalld-permanent", "iptables-legacy". */
const char *mtp_record_store_to_string (MtpRecordStore store);

/* Whether a record file can be trusted to say which rules are ours (st: its
 * fstat, path: where it was opened): a regular file owned by root or by the
 * caller and writable by nobody else, whose directory and every directory
 * above it belong to root or the caller and are not writable by others
 * (unless sticky). The error says what is wrong and how to fix it. */
gboolean mtp_record_check_trusted (const char *path, const struct stat *st, GError **error);

typedef struct _MtpRecords MtpRecords;

/* Reads every store's record from dir. Messages about records that are
 * ignored are appended to warnings (of char*). */
MtpRecords *mtp_records_load (const char *dir, GPtrArray *warnings);
void mtp_records_free (MtpRecords *records);

/* The store's record, or NULL when it has none (or it was ignored). */
const MtpDirect *mtp_records_get (const MtpRecords *records, MtpRecordStore store);

/* What is ours besides what carries our names and comments: desired's
 * entries (desired may be NULL) and every record's. In the direct form, for
 * mtp_direct_split, and as a rule set, for the libiptc store. */
MtpDirect *mtp_records_known_direct (const MtpRecords *records, const MtpRuleset *desired);
/* Its rules are desired's and the records' own: it must not outlive them. */
MtpRuleset *mtp_records_known_ruleset (const MtpRecords *records, const MtpRuleset *desired);

/* Before an install changes the store: writes its record as the union of
 * what it held and desired, and keeps desired as the record to write at the
 * end. Fails, having written nothing, when the state directory is unsafe or
 * cannot be written, or the record would be larger than MTP_RECORD_MAX_SIZE.
 * Called again for the same store (a run started again), it replaces what it
 * keeps. */
gboolean mtp_records_begin_install (MtpRecords *records, MtpRecordStore store,
                                    const MtpDirect *desired, GError **error);
/* Before an uninstall changes the store: its record is removed at the end. */
void mtp_records_begin_uninstall (MtpRecords *records, MtpRecordStore store);
/* After the whole run went through: writes the records of the stores
 * installed and removes those of the stores uninstalled. A failure leaves the
 * records written before the changes, which cover the stores' content. */
gboolean mtp_records_finish (MtpRecords *records, GError **error);

/* Exposed for tests: the text of a record, and its parser (NULL and an error
 * saying why when the text is not a record of that store). */
char *mtp_record_to_data (MtpRecordStore store, const MtpDirect *entries);
MtpDirect *mtp_record_from_data (MtpRecordStore store, const char *data, gsize length,
                                 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpRecords, mtp_records_free)

G_END_DECLS
