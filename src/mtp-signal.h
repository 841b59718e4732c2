/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The signals that end a run: SIGTERM (systemd stop or timeout, an Ansible
 * timeout), SIGINT (Ctrl-C), SIGHUP and SIGPIPE (a dropped session), and
 * every other whose default action ends the process and that does not come
 * from a fault (QUIT, ALRM, XCPU, USR1, …: see mtp-signal.c). Once
 * caught, they only mark the run: it stops before its next change, undoes
 * what it had applied and exits 9; a signal after its last change lets it
 * finish. A write to a closed pipe then fails with EPIPE instead of killing
 * the process half-way. */

/* Catches them for the rest of the process. */
void mtp_signal_catch (void);

/* The first of them caught since mtp_signal_catch (), or 0. */
int mtp_signal_caught (void);

/* "SIGTERM", … */
const char *mtp_signal_name (int signo);

/* FALSE, with MTP_ERROR_INTERRUPTED ("interrupted by SIGTERM"), once one was
 * caught: what a run asks before each change and while it waits. */
gboolean mtp_signal_check (GError **error);

G_END_DECLS
