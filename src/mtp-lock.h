/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* mesh-tproxy's own lock, so that runs that change something happen one after
 * the other: firewalld serialises single calls, not our read-plan-write
 * sequences, and direct.xml is read, merged and replaced. An flock(2) on
 * /run/mesh-tproxy.lock ($MESH_TPROXY_LOCK_FILE overrides it), exclusive for
 * install and uninstall, shared for status and --check (which then never see
 * a run half-way). The holder of the exclusive lock writes "PID COMMAND" into
 * the file, for the message of a run that gives up waiting (the line stays
 * after it ends: it also tells which run went last). The lock goes with
 * the process, however it ends. The file must be a regular file of the
 * effective UID, writable by it only, with one name, reached through
 * trusted directories and links (mtp-file.h); anything else is refused
 * (MTP_ERROR_FAILED), whatever the command. */
#define MTP_LOCK_DEFAULT_PATH "/run/mesh-tproxy.lock"

typedef struct _MtpLock MtpLock;

/* Waits up to wait_seconds for the lock. A read-only run (exclusive FALSE)
 * that cannot open the file (not root) goes on without it: an MtpLock that
 * holds nothing. */
MtpLock *mtp_lock_take (gboolean exclusive, const char *command, guint wait_seconds,
                        GError **error);
void mtp_lock_release (MtpLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpLock, mtp_lock_release)

G_END_DECLS
