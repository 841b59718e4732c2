/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether a file that steers a run (one it reads, writes or runs, or a socket
 * it talks to) can be trusted: whether anyone but root and the caller could
 * have chosen what it holds. The one place where that is decided.
 *
 * Trusted is:
 * - the object itself (the file, directory, socket or program) belongs to
 *   root or to the caller's effective UID, and is writable by its owner only
 *   (a directory that others can write is fine when it is sticky; a socket's
 *   mode is not looked at: connecting to one needs write access);
 * - every directory on its path, from /, is not writable by every user
 *   unless it is sticky (as /tmp): in such a directory anyone could replace
 *   what it holds;
 * - the path is resolved the way the kernel resolves it, symbolic links
 *   included, and every link on the way belongs to root or to the caller
 *   (its owner could point it elsewhere at any time). The directories on the
 *   way to a link and on the way to what it points to are all checked.
 * A group that can write a directory above the object is allowed (a
 * user-private group, an administrators' group): its members could only
 * move in files that pass these checks themselves. The owners of the
 * directories above are not checked for the same reason.
 *
 * Write access granted through an ACL shows in the group bits (the ACL's
 * mask) and counts as writable by others.
 *
 * A refusal is MTP_ERROR_FAILED (exit status 1), saying which object is the
 * problem and how to fix it, and that nothing was changed. */
typedef enum
{
  MTP_FILE_TRUST_DEFAULT = 0,
  /* Locks: the object is a regular file of the effective UID itself (not of
   * root when that is another user), with one name: no hard link through
   * which a write would reach another file. */
  MTP_FILE_TRUST_LOCK = 1 << 0,
  /* resolv.conf: the object and the links on the way may also belong to the
   * owner of the directory that holds them: services that keep their files
   * in a directory of their own (systemd-resolved's /run/systemd/resolve,
   * owned by systemd-resolve). */
  MTP_FILE_TRUST_DIRECTORY_OWNER = 1 << 1,
} MtpFileTrust;

/* fd is open at path (as given by the user: relative, with links). Checks
 * the object on fd (fstat) and the path to it, and that the path still
 * leads to fd's file. what names the file in messages ("the configuration
 * file"). */
gboolean mtp_file_check_trusted (int fd, const char *path, const char *what, MtpFileTrust trust,
                                 GError **error);

/* The same for a path that is not open (a program to run, a socket). A
 * path that does not exist is trusted when nobody but root and the caller
 * could create it: the deepest directory that exists is writable by its
 * owner only, sticky or not. */
gboolean mtp_file_check_path (const char *path, const char *what, MtpFileTrust trust,
                              GError **error);

/* The directories on the way to path, for a file about to be created there:
 * the directory that would hold it is checked as an ancestor (it may be
 * sticky), since the file itself is checked once it is open. */
gboolean mtp_file_check_parent (const char *path, const char *what, GError **error);

/* The program name as $PATH finds it, checked: a program that someone else
 * could have put there or changed is not run. An absolute path. */
char *mtp_file_find_program (const char *name, GError **error);

/* $DBUS_SYSTEM_BUS_ADDRESS, when set: whoever listens at that address answers
 * as firewalld (and could say that it applied our rules). Only unix:path=
 * sockets are accepted, and only trusted ones; an address whose listener
 * cannot be checked (unix:abstract=, tcp:, …) is refused. Unset, the system's
 * own socket is used, as every D-Bus client does. */
gboolean mtp_file_check_system_bus (GError **error);

/* Opens /dev/null on each of the descriptors 0, 1 and 2 that is closed, so
 * that no file the run opens becomes standard output (and gets what is
 * printed) or standard error. FALSE when one could not be opened. */
gboolean mtp_file_open_standard_streams (void);

G_END_DECLS
