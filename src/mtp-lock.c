/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-lock.h"
#include "mtp-signal.h"

struct _MtpLock
{
  int fd; /* -1: a read-only run without the lock */
};

static const char *
lock_path (void)
{
  const char *path = g_getenv ("MESH_TPROXY_LOCK_FILE");

  return path != NULL && *path != '\0' ? path : MTP_LOCK_DEFAULT_PATH;
}

/* "pid 1234 (install)" from what the holder wrote, or NULL. */
static char *
describe_holder (int fd)
{
  char buf[128];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  g_auto (GStrv) parts = NULL;
  pid_t pid;

  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  parts = g_strsplit (g_strstrip (buf), " ", 2);
  if (parts[0] == NULL || parts[1] == NULL || !g_ascii_isdigit (parts[0][0]))
    return NULL;
  /* The last exclusive holder's line stays after it ends (a run that only
   * reads writes none): name it only while it lives. */
  pid = (pid_t)g_ascii_strtoll (parts[0], NULL, 10);
  if (pid <= 0 || (kill (pid, 0) != 0 && errno != EPERM))
    return NULL;
  return g_strdup_printf (_ ("pid %s, %s"), parts[0], parts[1]);
}

MtpLock *
mtp_lock_take (gboolean exclusive, const char *command, guint wait_seconds, GError **error)
{
  const char *path = lock_path ();
  gint64 deadline = g_get_monotonic_time () + (gint64)wait_seconds * G_USEC_PER_SEC;
  g_autofree MtpLock *lock = g_new0 (MtpLock, 1);
  struct stat st;
  int saved;

  /* The path is in a root-only directory by default, but
   * $MESH_TPROXY_LOCK_FILE may point anywhere: no file is created in a
   * directory that everyone can write (unless sticky), none is opened
   * through a link, none that would block (a FIFO), and the one opened must
   * be ours alone (below), since we write into it. */
  if (!mtp_file_check_parent (path, _ ("mesh-tproxy's lock"), error))
    return NULL;
  lock->fd = open (path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
  if (lock->fd < 0)
    {
      saved = errno;
      if (!exclusive && (saved == EACCES || saved == EPERM || saved == EROFS))
        {
          g_debug ("going on without the lock '%s': %s", path, g_strerror (saved));
          return g_steal_pointer (&lock);
        }
      g_set_error (error, MTP_ERROR,
                   saved == EACCES || saved == EPERM ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED,
                   saved == EACCES || saved == EPERM
                       ? _ ("opening mesh-tproxy's lock '%s': %s (run as root)")
                       : _ ("opening mesh-tproxy's lock '%s': %s"),
                   path, g_strerror (saved));
      return NULL;
    }
  if (fstat (lock->fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("mesh-tproxy's lock '%s' is not a regular file"), path);
      close (lock->fd);
      return NULL;
    }
  /* Checked on what was opened: a regular file of the effective UID with no
   * other name, since what we write into it would reach another file
   * through a hard link. */
  if (!mtp_file_check_trusted (lock->fd, path, _ ("mesh-tproxy's lock"), MTP_FILE_TRUST_LOCK,
                               error))
    {
      close (lock->fd);
      return NULL;
    }

  while (flock (lock->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0)
    {
      saved = errno;
      if (saved != EWOULDBLOCK && saved != EINTR)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("locking '%s': %s"), path,
                       g_strerror (saved));
          close (lock->fd);
          return NULL;
        }
      if (mtp_signal_caught () != 0)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INTERRUPTED,
                       _ ("interrupted by %s while waiting for mesh-tproxy's lock '%s'; nothing "
                          "was changed"),
                       mtp_signal_name (mtp_signal_caught ()), path);
          close (lock->fd);
          return NULL;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_autofree char *holder = describe_holder (lock->fd);

          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("another mesh-tproxy run (%s) holds the lock '%s'; waited %u s "
                          "(--wait sets how long)"),
                       holder != NULL ? holder : _ ("unknown"), path, wait_seconds);
          close (lock->fd);
          return NULL;
        }
      g_usleep (20 * 1000);
    }

  if (exclusive)
    {
      g_autofree char *line = g_strdup_printf ("%d %s\n", (int)getpid (), command);
      size_t len = strlen (line);

      /* Only for messages: a failure here changes nothing that matters.
       * Written, then cut to its length: a truncation to 0 would make ext4
       * (auto_da_alloc) flush the file to disk when it is closed. */
      if (pwrite (lock->fd, line, len, 0) != (ssize_t)len || ftruncate (lock->fd, (off_t)len) != 0)
        g_debug ("could not note our pid in '%s': %s", path, g_strerror (errno));
    }
  return g_steal_pointer (&lock);
}

void
mtp_lock_release (MtpLock *lock)
{
  if (lock == NULL)
    return;
  /* Closing releases the flock; the file stays, for the next run. */
  if (lock->fd >= 0)
    close (lock->fd);
  g_free (lock);
}
