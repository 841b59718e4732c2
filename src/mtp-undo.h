/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-direct-xml.h"
#include "mtp-firewalld.h"
#include "mtp-iptc.h"

G_BEGIN_DECLS

/* What a run has applied, step by step, and how to take each step back: so
 * that a run stopped by a signal, or by a step that fails after others went
 * through (the ::6 address after the tables), leaves the host as it was. */

typedef gboolean (*MtpUndoFunc) (gpointer data, GError **error);

typedef struct _MtpUndo MtpUndo;

MtpUndo *mtp_undo_new (void);
void mtp_undo_free (MtpUndo *undo);

/* Records a change just made: func (data) takes it back; what names it in
 * messages ("firewalld's runtime configuration"). The journal owns data. */
void mtp_undo_push (MtpUndo *undo, const char *what, MtpUndoFunc func, gpointer data,
                    GDestroyNotify destroy);
guint mtp_undo_get_length (const MtpUndo *undo);

/* The changes of each store (the journal owns what it is given): */
/* plan was applied to firewalld's runtime (nothing is recorded for an empty
 * plan); the undo applies its inverse. */
void mtp_undo_push_firewalld_runtime (MtpUndo *undo, MtpFirewalld *fw, const MtpDirectPlan *plan);
/* firewalld's permanent configuration was replaced; before is all it held. */
void mtp_undo_push_firewalld_permanent (MtpUndo *undo, MtpFirewalld *fw, MtpDirect *before);
/* xml was saved; the undo writes back the file as it was loaded. */
void mtp_undo_push_direct_xml (MtpUndo *undo, MtpDirectXml *xml);
/* Tables were committed through libiptc. */
void mtp_undo_push_iptc (MtpUndo *undo, MtpIptcUndo *iptc);
/* ::6/128 was added to (present_before FALSE) or removed from loopback. */
void mtp_undo_push_address (MtpUndo *undo, const char *loopback, gboolean present_before);
/* Drops, without running them, the runtime steps recorded at or after
 * position since: firewalld's reload or restart took those changes back. */
void mtp_undo_forget_firewalld_runtime (MtpUndo *undo, guint since);

/* Takes every change back, newest first, each one tried even when one
 * before it failed, and never stopped by a signal; the journal is empty
 * afterwards. *what (may be NULL) lists what was taken back; the error
 * names each step that failed. */
gboolean mtp_undo_run (MtpUndo *undo, char **what, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpUndo, mtp_undo_free)

G_END_DECLS
