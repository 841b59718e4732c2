/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-shlex.h"

/* As the kernel: more links on one path is ELOOP. */
#define MAX_LINKS 40

typedef struct
{
  const char *path; /* as the caller named it, for messages */
  const char *what;
  MtpFileTrust trust;
  uid_t euid;
} Check;

/* Where a path leads, resolved component by component. */
typedef struct
{
  gboolean exists;
  char *real;      /* the object (exists) or the deepest directory that exists */
  struct stat st;  /* lstat of real: never a link */
  uid_t dir_owner; /* of the directory holding the object; (uid_t)-1 if unknown */
} Resolved;

static void
resolved_clear (Resolved *r)
{
  g_clear_pointer (&r->real, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Resolved, resolved_clear)

static gboolean
fail_errno (const Check *c, const char *at, int errsv, GError **error)
{
  g_set_error (error, MTP_ERROR,
               errsv == EACCES || errsv == EPERM ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED,
               _ ("checking %s '%s': '%s': %s"), c->what, c->path, at, g_strerror (errsv));
  return FALSE;
}

static gboolean
is_trusted_owner (const Check *c, uid_t uid, uid_t dir_owner, gboolean object)
{
  if (object && (c->trust & MTP_FILE_TRUST_LOCK))
    return uid == c->euid;
  if (uid == 0 || uid == c->euid)
    return TRUE;
  return (c->trust & MTP_FILE_TRUST_DIRECTORY_OWNER) && dir_owner != (uid_t)-1 && uid == dir_owner;
}

/* A directory on the way: nobody but its owner may replace what it holds. */
static gboolean
check_on_path (const Check *c, const char *dir, const struct stat *st, GError **error)
{
  g_autofree char *quoted = NULL;

  if ((st->st_mode & S_IWOTH) == 0 || (st->st_mode & S_ISVTX) != 0)
    return TRUE;
  quoted = mtp_shlex_quote (dir);
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("%s '%s' is in the directory '%s', which every user can write (mode %04o) and "
                  "which is not sticky: anyone could replace what it holds; nothing was changed: "
                  "make the directory writable by its owner only ('chmod go-w %s') and run again"),
               c->what, c->path, dir, (unsigned int)(st->st_mode & 07777), quoted);
  return FALSE;
}

static gboolean
check_link (const Check *c, const char *link, const struct stat *st, uid_t dir_owner,
            GError **error)
{
  if (is_trusted_owner (c, st->st_uid, dir_owner, FALSE))
    return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("%s '%s' is reached through the symbolic link '%s', which belongs to UID %u, "
                  "neither root nor the user running mesh-tproxy: its owner could point it "
                  "elsewhere at any time; nothing was changed: name the file it points to "
                  "instead, or have root make the link"),
               c->what, c->path, link, (unsigned int)st->st_uid);
  return FALSE;
}

/* The object itself. */
static gboolean
check_object (const Check *c, const struct stat *st, uid_t dir_owner, GError **error)
{
  g_autofree char *quoted = mtp_shlex_quote (c->path);
  mode_t others = st->st_mode & (S_IWGRP | S_IWOTH);

  if (!is_trusted_owner (c, st->st_uid, dir_owner, TRUE))
    {
      if (c->trust & MTP_FILE_TRUST_LOCK)
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                     _ ("%s '%s' belongs to UID %u, not to UID %u, which runs mesh-tproxy: its "
                        "owner could hold it, or change what it is, at any time; nothing was "
                        "changed: remove it ('rm %s'), mesh-tproxy creates it anew"),
                     c->what, c->path, (unsigned int)st->st_uid, (unsigned int)c->euid, quoted);
      else
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                     _ ("%s '%s' belongs to UID %u, neither root nor the user running "
                        "mesh-tproxy: its owner could change it at any time, and so choose what "
                        "mesh-tproxy does; nothing was changed: give it to root ('chown root %s') "
                        "and run again"),
                     c->what, c->path, (unsigned int)st->st_uid, quoted);
      return FALSE;
    }
  if (S_ISDIR (st->st_mode) && others != 0 && (st->st_mode & S_ISVTX) == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s '%s' is writable by users other than its owner (mode %04o): any of "
                      "them could swap the files in it for links or files of their own while "
                      "mesh-tproxy uses them, and so choose what it does; nothing was changed: "
                      "make the directory writable by its owner only ('chmod go-w %s') and run "
                      "again"),
                   c->what, c->path, (unsigned int)(st->st_mode & 07777), quoted);
      return FALSE;
    }
  /* A socket's mode says who may connect, not who may replace it. */
  if (!S_ISDIR (st->st_mode) && !S_ISSOCK (st->st_mode) && others != 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s '%s' is writable by users other than its owner (mode %04o): any of "
                      "them could change it, and so choose what mesh-tproxy does; nothing was "
                      "changed: make it writable by its owner only ('chmod go-w %s') and run "
                      "again"),
                   c->what, c->path, (unsigned int)(st->st_mode & 07777), quoted);
      return FALSE;
    }
  if ((c->trust & MTP_FILE_TRUST_LOCK) && !S_ISREG (st->st_mode))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s '%s' is not a regular file; nothing was changed: remove it ('rm %s'), "
                      "mesh-tproxy creates it anew"),
                   c->what, c->path, quoted);
      return FALSE;
    }
  if ((c->trust & MTP_FILE_TRUST_LOCK) && st->st_nlink > 1)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s '%s' has %u names (hard links): what mesh-tproxy writes into it would "
                      "reach the file under its other names; nothing was changed: remove it "
                      "('rm %s'), mesh-tproxy creates it anew"),
                   c->what, c->path, (unsigned int)st->st_nlink, quoted);
      return FALSE;
    }
  return TRUE;
}

/* A missing object: nobody but root and the caller may create it. */
static gboolean
check_missing (const Check *c, const Resolved *r, GError **error)
{
  if (is_trusted_owner (c, r->st.st_uid, (uid_t)-1, FALSE)
      && (r->st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
    return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("%s '%s' does not exist, and others than root and the user running "
                  "mesh-tproxy could create it in '%s' (owner UID %u, mode %04o); nothing was "
                  "changed: name a place that only root can write"),
               c->what, c->path, r->real, (unsigned int)r->st.st_uid,
               (unsigned int)(r->st.st_mode & 07777));
  return FALSE;
}

static char *
join (const char *dir, const char *name)
{
  return strcmp (dir, "/") == 0 ? g_strconcat ("/", name, NULL)
                                : g_strconcat (dir, "/", name, NULL);
}

/* Resolves path as the kernel would, checking every directory and link on
 * the way (not the object itself). A missing component ends the walk:
 * r->exists is FALSE and r->real the deepest directory there is. */
static gboolean
resolve (const Check *c, const char *path, Resolved *r, GError **error)
{
  g_autofree char *cur = g_strdup ("/"); /* resolved and checked: no link in it */
  g_autofree char *rest = NULL;          /* what is left to resolve */
  struct stat dir_st;
  guint links = 0;

  if (g_path_is_absolute (path))
    rest = g_strdup (path);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      rest = g_build_filename (cwd, path, NULL);
    }
  if (lstat ("/", &dir_st) != 0)
    return fail_errno (c, "/", errno, error);
  if (!check_on_path (c, "/", &dir_st, error))
    return FALSE;

  for (;;)
    {
      const char *p = rest;
      const char *slash;
      g_autofree char *name = NULL;
      g_autofree char *next = NULL;
      g_autofree char *remaining = NULL;
      struct stat st;
      gboolean last;

      while (*p == '/')
        p++;
      if (*p == '\0')
        {
          /* The path ends at a directory ("/", "x/.."). */
          r->exists = TRUE;
          r->real = g_steal_pointer (&cur);
          r->st = dir_st;
          r->dir_owner = (uid_t)-1;
          return TRUE;
        }
      slash = strchr (p, '/');
      name = slash != NULL ? g_strndup (p, (gsize)(slash - p)) : g_strdup (p);
      remaining = g_strdup (slash != NULL ? slash : "");
      last = remaining[strspn (remaining, "/")] == '\0';
      g_free (rest);
      rest = g_steal_pointer (&remaining);

      if (strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          char *cut = strrchr (cur, '/');

          /* cur has no link in it: its parent is a prefix, already checked. */
          if (cut != NULL && cut != cur)
            *cut = '\0';
          else
            cur[1] = '\0';
          if (lstat (cur, &dir_st) != 0)
            return fail_errno (c, cur, errno, error);
          continue;
        }

      next = join (cur, name);
      if (lstat (next, &st) != 0)
        {
          int errsv = errno;

          if (errsv != ENOENT)
            return fail_errno (c, next, errsv, error);
          r->exists = FALSE;
          r->real = g_steal_pointer (&cur);
          r->st = dir_st;
          r->dir_owner = (uid_t)-1;
          return TRUE;
        }
      if (S_ISLNK (st.st_mode))
        {
          g_autoptr (GError) local_error = NULL;
          g_autofree char *target = NULL;

          if (++links > MAX_LINKS)
            return fail_errno (c, next, ELOOP, error);
          if (!check_link (c, next, &st, dir_st.st_uid, error))
            return FALSE;
          target = g_file_read_link (next, &local_error);
          if (target == NULL)
            return fail_errno (c, next, EINVAL, error);
          /* A relative target is relative to the link's directory, cur. */
          if (g_path_is_absolute (target))
            {
              g_free (cur);
              cur = g_strdup ("/");
              if (lstat (cur, &dir_st) != 0)
                return fail_errno (c, cur, errno, error);
            }
          {
            char *joined = g_strconcat (target, "/", rest, NULL);

            g_free (rest);
            rest = joined;
          }
          continue;
        }
      if (last)
        {
          r->exists = TRUE;
          r->real = g_steal_pointer (&next);
          r->st = st;
          r->dir_owner = dir_st.st_uid;
          return TRUE;
        }
      if (!S_ISDIR (st.st_mode))
        return fail_errno (c, next, ENOTDIR, error);
      if (!check_on_path (c, next, &st, error))
        return FALSE;
      g_free (cur);
      cur = g_steal_pointer (&next);
      dir_st = st;
    }
}

gboolean
mtp_file_check_trusted (int fd, const char *path, const char *what, MtpFileTrust trust,
                        GError **error)
{
  Check c = { path, what, trust, geteuid () };
  g_auto (Resolved) r = { 0 };
  struct stat st;

  if (fstat (fd, &st) != 0)
    return fail_errno (&c, path, errno, error);
  if (!resolve (&c, path, &r, error))
    return FALSE;
  /* The walk checked the way the kernel took when it opened fd, unless the
   * way has changed since: then the file at its end is another one. */
  if (!r.exists || r.st.st_dev != st.st_dev || r.st.st_ino != st.st_ino)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s '%s' was replaced while mesh-tproxy checked it; nothing was changed: "
                      "run again"),
                   what, path);
      return FALSE;
    }
  return check_object (&c, &st, r.dir_owner, error);
}

gboolean
mtp_file_check_path (const char *path, const char *what, MtpFileTrust trust, GError **error)
{
  Check c = { path, what, trust, geteuid () };
  g_auto (Resolved) r = { 0 };

  if (!resolve (&c, path, &r, error))
    return FALSE;
  if (!r.exists)
    return check_missing (&c, &r, error);
  return check_object (&c, &r.st, r.dir_owner, error);
}

gboolean
mtp_file_check_parent (const char *path, const char *what, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  Check c = { path, what, MTP_FILE_TRUST_DEFAULT, geteuid () };
  g_auto (Resolved) r = { 0 };

  if (!resolve (&c, dir, &r, error))
    return FALSE;
  /* A missing directory: opening the file fails, and says so. */
  if (!r.exists)
    return TRUE;
  return check_on_path (&c, r.real, &r.st, error);
}

char *
mtp_file_find_program (const char *name, GError **error)
{
  g_autofree char *found = g_find_program_in_path (name);
  g_autofree char *path = NULL;

  if (found == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("cannot run %s: %s"), name,
                   g_strerror (ENOENT));
      return NULL;
    }
  if (g_path_is_absolute (found))
    path = g_steal_pointer (&found);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      path = g_build_filename (cwd, found, NULL);
    }
  if (!mtp_file_check_path (path, _ ("the program"), MTP_FILE_TRUST_DEFAULT, error))
    return NULL;
  return g_steal_pointer (&path);
}

static gboolean
fail_bus_address (const char *address, GError **error)
{
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("the system bus address '%s' ($DBUS_SYSTEM_BUS_ADDRESS) is not a unix:path= "
                  "socket: mesh-tproxy cannot check who listens there, and whoever does answers "
                  "as firewalld; nothing was changed: unset DBUS_SYSTEM_BUS_ADDRESS, or give the "
                  "path of a socket of root's"),
               address);
  return FALSE;
}

gboolean
mtp_file_check_system_bus (GError **error)
{
  const char *address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");
  g_auto (GStrv) entries = NULL;

  if (address == NULL || *address == '\0')
    return TRUE;
  /* "transport:key=value,…;…", values %-escaped; GLib tries each entry. */
  entries = g_strsplit (address, ";", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_auto (GStrv) params = NULL;
      g_autofree char *path = NULL;

      if (*entries[i] == '\0')
        continue;
      if (!g_str_has_prefix (entries[i], "unix:"))
        return fail_bus_address (address, error);
      params = g_strsplit (entries[i] + strlen ("unix:"), ",", -1);
      for (guint j = 0; params[j] != NULL; j++)
        {
          if (g_str_has_prefix (params[j], "path="))
            {
              g_free (path);
              path = g_uri_unescape_string (params[j] + strlen ("path="), NULL);
              if (path == NULL)
                return fail_bus_address (address, error);
            }
          else if (!g_str_has_prefix (params[j], "guid="))
            return fail_bus_address (address, error);
        }
      if (path == NULL || !g_path_is_absolute (path))
        return fail_bus_address (address, error);
      if (!mtp_file_check_path (path, _ ("the system bus socket"), MTP_FILE_TRUST_DEFAULT, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
mtp_file_open_standard_streams (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      int opened;

      if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
        continue;
      /* The lowest free descriptor: fd itself. */
      opened = open ("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY | O_NOCTTY);
      if (opened < 0)
        return FALSE;
      if (opened != fd)
        {
          int ok = dup2 (opened, fd);

          close (opened);
          if (ok < 0)
            return FALSE;
        }
    }
  return TRUE;
}
