/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-proc.h"

/* Enough for an interpreter, its options and a script's path. */
#define CMDLINE_MAX 4096

/* A process that went away while we looked (or a zombie: no namespace). */
static gboolean
gone (int errsv)
{
  return errsv == ENOENT || errsv == ESRCH;
}

/* Reads a small file of a process directory; -1 with errno set on failure. */
static gssize
read_at (int dirfd, const char *name, char *buf, gsize size)
{
  int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  gsize len = 0;
  int errsv;

  if (fd < 0)
    return -1;
  while (len < size)
    {
      ssize_t n = read (fd, buf + len, size - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          errsv = errno;
          close (fd);
          errno = errsv;
          return -1;
        }
      if (n == 0)
        break;
      len += (gsize)n;
    }
  close (fd);
  return (gssize)len;
}

static gboolean
named_firewalld (const char *path)
{
  const char *slash = strrchr (path, '/');

  return strcmp (slash != NULL ? slash + 1 : path, "firewalld") == 0;
}

/* firewalld is a Python script: started through its #! line the program is
 * the interpreter and the script its first argument after the interpreter's
 * options; `python3 -s /usr/sbin/firewalld`, as Fedora's line has it. */
static gboolean
cmdline_is_firewalld (const char *buf, gsize len)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *prog;

  for (gsize i = 0; i < len;)
    {
      const char *arg = buf + i;
      gsize n = strnlen (arg, len - i);

      g_ptr_array_add (argv, (gpointer)arg);
      i += n + 1;
    }
  if (argv->len == 0)
    return FALSE; /* a kernel thread, or a zombie */
  if (named_firewalld (argv->pdata[0]))
    return TRUE;
  prog = strrchr (argv->pdata[0], '/');
  prog = prog != NULL ? prog + 1 : argv->pdata[0];
  if (strstr (prog, "python") == NULL)
    return FALSE;
  for (guint i = 1; i < argv->len; i++)
    {
      const char *arg = argv->pdata[i];

      if (arg[0] != '-' || strcmp (arg, "-") == 0)
        return named_firewalld (arg);
      if (strcmp (arg, "-c") == 0 || strcmp (arg, "-m") == 0)
        return FALSE;
      /* Options whose value is the next argument. */
      if (strcmp (arg, "-W") == 0 || strcmp (arg, "-X") == 0
          || strcmp (arg, "--check-hash-based-pycs") == 0)
        i++;
    }
  return FALSE;
}

/* Whether the process in DIRFD looks like firewalld: its name (comm), or,
 * for an interpreter, its command line. FALSE when it does not, or is gone. */
static gboolean
looks_like_firewalld (int dirfd)
{
  char comm[64];
  g_autofree char *cmdline = NULL;
  gssize n;

  n = read_at (dirfd, "comm", comm, sizeof comm - 1);
  if (n <= 0)
    return FALSE;
  comm[n] = '\0';
  g_strchomp (comm);
  if (strcmp (comm, "firewalld") == 0)
    return TRUE;
  /* `python3 /usr/sbin/firewalld` is named python3; platform-python is
   * RHEL 8's. Other programs' command lines are not read (cheaper). */
  if (strstr (comm, "python") == NULL)
    return FALSE;
  cmdline = g_malloc (CMDLINE_MAX);
  n = read_at (dirfd, "cmdline", cmdline, CMDLINE_MAX);
  return n > 0 && cmdline_is_firewalld (cmdline, (gsize)n);
}

static char *
read_link_at (int dirfd, const char *name, int *errsv)
{
  char buf[128];
  ssize_t n = readlinkat (dirfd, name, buf, sizeof buf - 1);

  if (n < 0)
    {
      *errsv = errno;
      return NULL;
    }
  buf[n] = '\0';
  return g_strdup (buf);
}

gboolean
mtp_proc_find_firewalld (const char *proc_dir, pid_t *pid, GError **error)
{
  g_autofree char *self_path = g_build_filename (proc_dir, "self", "ns", "net", NULL);
  g_autofree char *self_ns = NULL;
  char buf[128];
  ssize_t n = readlink (self_path, buf, sizeof buf - 1);
  DIR *dir;
  int errsv = 0;
  gboolean ok = TRUE;

  *pid = 0;
  if (n < 0)
    {
      errsv = errno;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("cannot tell this run's network namespace: '%s': %s"), self_path,
                   g_strerror (errsv));
      return FALSE;
    }
  buf[n] = '\0';
  self_ns = g_strdup (buf);

  dir = opendir (proc_dir);
  if (dir == NULL)
    {
      errsv = errno;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("cannot list the processes in '%s': %s"),
                   proc_dir, g_strerror (errsv));
      return FALSE;
    }
  while (ok && *pid == 0)
    {
      struct dirent *entry;
      g_autofree char *ns = NULL;
      int pid_fd;

      errno = 0;
      /* cppcheck-suppress readdirCalled ; dir is this function's own stream (readdir_r is deprecated) */
      entry = readdir (dir);
      if (entry == NULL)
        {
          if (errno != 0)
            {
              errsv = errno;
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("cannot list the processes in '%s': %s"), proc_dir,
                           g_strerror (errsv));
              ok = FALSE;
            }
          break;
        }
      if (entry->d_name[0] == '\0'
          || strspn (entry->d_name, "0123456789") != strlen (entry->d_name))
        continue;
      pid_fd = openat (dirfd (dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (pid_fd < 0)
        {
          errsv = errno;
          if (gone (errsv))
            continue;
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("cannot look at process %s: %s"),
                       entry->d_name, g_strerror (errsv));
          ok = FALSE;
          break;
        }
      if (looks_like_firewalld (pid_fd))
        {
          ns = read_link_at (pid_fd, "ns/net", &errsv);
          if (ns == NULL && !gone (errsv))
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("process %s looks like firewalld, but its network namespace cannot "
                              "be read: %s"),
                           entry->d_name, g_strerror (errsv));
              ok = FALSE;
            }
          else if (ns != NULL && strcmp (ns, self_ns) == 0)
            *pid = (pid_t)g_ascii_strtoull (entry->d_name, NULL, 10);
          else if (ns != NULL)
            g_debug ("firewalld process %s is in another network namespace (%s)", entry->d_name,
                     ns);
        }
      close (pid_fd);
    }
  closedir (dir);
  return ok;
}
