/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Looks among the processes under PROC_DIR (the program passes "/proc"; the
 * tests pass a tree of their own) for a firewalld in the caller's network
 * namespace (PROC_DIR/self/ns/net): a process whose name (comm) is firewalld,
 * whose first argument is a program named firewalld, or a Python interpreter
 * running a script named firewalld. Processes of other network namespaces
 * are not counted. TRUE when it could tell, *pid the first one found (0 for
 * none); FALSE, with the reason, when it cannot: PROC_DIR cannot be listed or
 * is not a process file system, or a process that looks like firewalld has a
 * namespace that cannot be read. */
gboolean mtp_proc_find_firewalld (const char *proc_dir, pid_t *pid, GError **error);

G_END_DECLS
