/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mtp-file: which files are trusted. Each test works in a fresh directory of
 * its own (mode 0755) under a temporary one; the paths it checks go through
 * links, "..", relative names and missing components, as the kernel
 * resolves them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-test-cases.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("mtp-file-XXXXXX", &error);

  g_assert_no_error (error);
  f->dir = g_build_filename (tmp, "d", NULL);
  g_assert_cmpint (g_mkdir (f->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_chmod (path, 0700);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *tmp = g_path_get_dirname (f->dir);

  remove_tree (tmp);
  g_free (f->dir);
}

static char *
make_file (Fixture *f, const char *name, mode_t mode)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "x\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static char *
make_dir (Fixture *f, const char *name, mode_t mode)
{
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
make_link (Fixture *f, const char *target, const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* Opens path and checks it; NULL needle: trusted. */
static void
assert_open_check (const char *path, MtpFileTrust trust, const char *needle)
{
  g_autoptr (GError) error = NULL;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  gboolean ok;

  g_assert_cmpint (fd, >=, 0);
  ok = mtp_file_check_trusted (fd, path, "the file", trust, &error);
  close (fd);
  if (needle == NULL)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_test_message ("%s", error->message);
  if (strstr (error->message, needle) == NULL)
    g_error ("'%s' lacks '%s'", error->message, needle);
  g_assert_nonnull (strstr (error->message, "nothing was changed"));
}

static void
assert_path_check (const char *path, MtpFileTrust trust, const char *needle)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = mtp_file_check_path (path, "the file", trust, &error);

  if (needle == NULL)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      return;
    }
  g_assert_false (ok);
  g_test_message ("%s", error->message);
  if (strstr (error->message, needle) == NULL)
    g_error ("'%s' lacks '%s'", error->message, needle);
}

/* The mode of the object itself. */
static void
test_modes (Fixture *f, gconstpointer data)
{
  static const struct
  {
    mode_t mode;
    gboolean trusted;
  } cases[] = { { 0644, TRUE },  { 0600, TRUE },  { 0444, TRUE },  { 0755, TRUE },
                { 0664, FALSE }, { 0646, FALSE }, { 0666, FALSE }, { 0620, FALSE } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("f%u", i);
      g_autofree char *path = make_file (f, name, cases[i].mode);

      assert_open_check (path, MTP_FILE_TRUST_DEFAULT,
                         cases[i].trusted ? NULL : "is writable by users other than its owner");
    }
}

/* Directories above: writable by everyone only when sticky; by a group, yes. */
static void
test_directories (Fixture *f, gconstpointer data)
{
  g_autofree char *ww = make_dir (f, "ww", 0777);
  g_autofree char *sticky = make_dir (f, "sticky", 01777);
  g_autofree char *group = make_dir (f, "group", 0775);
  g_autofree char *deep = g_build_filename (ww, "a", "b", NULL);
  g_autofree char *deep_file = g_build_filename (deep, "f", NULL);
  g_autofree char *in_sticky = g_build_filename (sticky, "f", NULL);
  g_autofree char *in_group = g_build_filename (group, "f", NULL);
  g_autofree char *dotdot = g_build_filename (ww, "..", "group", "f", NULL);

  g_assert_cmpint (g_mkdir_with_parents (deep, 0755), ==, 0);
  g_assert_true (g_file_set_contents (deep_file, "x", -1, NULL));
  g_assert_true (g_file_set_contents (in_sticky, "x", -1, NULL));
  g_assert_true (g_file_set_contents (in_group, "x", -1, NULL));
  assert_open_check (deep_file, MTP_FILE_TRUST_DEFAULT, "which every user can write (mode 0777)");
  assert_open_check (in_sticky, MTP_FILE_TRUST_DEFAULT, NULL);
  assert_open_check (in_group, MTP_FILE_TRUST_DEFAULT, NULL);
  /* ".." in a directory everyone can write: refused (the walk goes through it). */
  assert_open_check (dotdot, MTP_FILE_TRUST_DEFAULT, "which every user can write");
  /* The directory itself, as an object: sticky is fine, group-writable not. */
  assert_path_check (sticky, MTP_FILE_TRUST_DEFAULT, NULL);
  assert_path_check (group, MTP_FILE_TRUST_DEFAULT, "is writable by users other than its owner");
}

/* Links: followed, relative to their directory; a chain; a loop. */
static void
test_links (Fixture *f, gconstpointer data)
{
  g_autofree char *file = make_file (f, "f", 0644);
  g_autofree char *ww = make_dir (f, "ww", 0777);
  g_autofree char *sub = make_dir (f, "sub", 0755);
  g_autofree char *l1 = g_build_filename (f->dir, "l1", NULL);
  g_autofree char *l3 = g_build_filename (f->dir, "l3", NULL);
  g_autofree char *to_ww = g_build_filename (f->dir, "to-ww", NULL);
  g_autofree char *loop = g_build_filename (f->dir, "loop", NULL);
  g_autofree char *via_dir = g_build_filename (f->dir, "subl", "..", "f", NULL);
  g_autofree char *ww_file = g_build_filename (ww, "f", NULL);

  g_assert_true (g_file_set_contents (ww_file, "x", -1, NULL));
  make_link (f, "f", "l1");
  make_link (f, "sub/../l1", "l2");
  make_link (f, "l2", "l3");
  make_link (f, "ww/f", "to-ww");
  make_link (f, "loop2", "loop");
  make_link (f, "loop", "loop2");
  make_link (f, "sub", "subl");
  assert_open_check (l1, MTP_FILE_TRUST_DEFAULT, NULL);
  assert_open_check (l3, MTP_FILE_TRUST_DEFAULT, NULL);
  /* "subl/.." is the directory that holds sub, as the kernel resolves it. */
  assert_open_check (via_dir, MTP_FILE_TRUST_DEFAULT, NULL);
  assert_open_check (to_ww, MTP_FILE_TRUST_DEFAULT, "is in the directory");
  assert_path_check (loop, MTP_FILE_TRUST_DEFAULT, g_strerror (ELOOP));
  (void)sub;
  (void)file;
}

/* A relative path is resolved from the working directory. */
static void
test_relative (Fixture *f, gconstpointer data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *file = make_file (f, "f", 0644);
  g_autofree char *bad = make_file (f, "bad", 0666);

  g_assert_cmpint (g_chdir (f->dir), ==, 0);
  assert_open_check ("f", MTP_FILE_TRUST_DEFAULT, NULL);
  assert_open_check ("./bad", MTP_FILE_TRUST_DEFAULT, "'./bad' is writable");
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  (void)file;
  (void)bad;
}

/* A path that does not exist: trusted when only root could create it. */
static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *ww = make_dir (f, "ww", 0777);
  g_autofree char *sticky = make_dir (f, "sticky", 01777);
  g_autofree char *in_dir = g_build_filename (f->dir, "no", "such", NULL);
  g_autofree char *in_ww = g_build_filename (ww, "no", NULL);
  g_autofree char *in_sticky = g_build_filename (sticky, "no", NULL);

  assert_path_check (in_dir, MTP_FILE_TRUST_DEFAULT, NULL);
  assert_path_check (in_ww, MTP_FILE_TRUST_DEFAULT, "which every user can write");
  /* Anyone can create a name in /tmp. */
  assert_path_check (in_sticky, MTP_FILE_TRUST_DEFAULT, "does not exist, and others");
}

/* Locks: one name, a regular file. */
static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autofree char *file = make_file (f, "lock", 0600);
  g_autofree char *second = g_build_filename (f->dir, "second", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);

  assert_open_check (file, MTP_FILE_TRUST_LOCK, NULL);
  g_assert_cmpint (link (file, second), ==, 0);
  assert_open_check (file, MTP_FILE_TRUST_LOCK, "has 2 names (hard links)");
  assert_open_check (file, MTP_FILE_TRUST_DEFAULT, NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  assert_open_check (fifo, MTP_FILE_TRUST_LOCK, "is not a regular file");
}

/* Owners: root or the caller; a lock, the caller only; with
 * MTP_FILE_TRUST_DIRECTORY_OWNER also the owner of the directory. */
static void
test_owners (Fixture *f, gconstpointer data)
{
  g_autofree char *other = make_file (f, "other", 0644);
  g_autofree char *service = make_dir (f, "service", 0755);
  g_autofree char *stub = g_build_filename (service, "stub", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *foreign_link = g_build_filename (f->dir, "foreign-link", NULL);

  if (!mtp_test_require_root ("only root can give files away"))
    return;
  g_assert_cmpint (chown (other, 4242, 4242), ==, 0);
  assert_open_check (other, MTP_FILE_TRUST_DEFAULT, "belongs to UID 4242, neither root nor");
  assert_open_check (other, MTP_FILE_TRUST_DIRECTORY_OWNER, "belongs to UID 4242");
  /* systemd-resolved's layout. */
  g_assert_true (g_file_set_contents (stub, "nameserver 192.0.2.1\n", -1, NULL));
  g_assert_cmpint (chown (service, 4242, 4242), ==, 0);
  g_assert_cmpint (chown (stub, 4242, 4242), ==, 0);
  make_link (f, "service/stub", "link");
  assert_open_check (link, MTP_FILE_TRUST_DIRECTORY_OWNER, NULL);
  assert_open_check (link, MTP_FILE_TRUST_DEFAULT, "belongs to UID 4242");
  /* A link of another user's. */
  make_link (f, "service/stub", "foreign-link");
  g_assert_cmpint (lchown (foreign_link, 4343, 4343), ==, 0);
  assert_open_check (foreign_link, MTP_FILE_TRUST_DIRECTORY_OWNER, "symbolic link");
  /* A lock of root's when the caller is root: fine; of another user: not. */
  g_assert_cmpint (chown (other, 0, 0), ==, 0);
  assert_open_check (other, MTP_FILE_TRUST_LOCK, NULL);
  g_assert_cmpint (chown (other, 4242, 4242), ==, 0);
  assert_open_check (other, MTP_FILE_TRUST_LOCK, "not to UID 0, which runs mesh-tproxy");
}

/* A file replaced between its opening and its check is not passed. */
static void
test_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = make_file (f, "f", 0644);
  g_autofree char *other = make_file (f, "other", 0644);
  int fd = open (file, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (g_rename (other, file), ==, 0);
  g_assert_false (mtp_file_check_trusted (fd, file, "the file", MTP_FILE_TRUST_DEFAULT, &error));
  g_assert_nonnull (strstr (error->message, "was replaced while mesh-tproxy checked it"));
  close (fd);
}

/* $DBUS_SYSTEM_BUS_ADDRESS. */
static void
test_bus (Fixture *f, gconstpointer data)
{
  g_autofree char *ww = make_dir (f, "ww", 0777);
  g_autofree char *socket_path = g_build_filename (f->dir, "bus", NULL);
  g_autofree char *good = g_strdup_printf ("unix:path=%s", socket_path);
  g_autofree char *escaped = g_strdup_printf ("unix:path=%s/b%%75s,guid=0123", f->dir);
  g_autofree char *bad = g_strdup_printf ("unix:path=%s/bus", ww);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  const char *refused[] = { "unix:abstract=x",
                            "tcp:host=127.0.0.1,port=1",
                            "unix:tmpdir=/tmp",
                            "nonce-tcp:noncefile=/tmp/x",
                            "unix:path=relative",
                            bad,
                            NULL };
  int s = socket (AF_UNIX, SOCK_STREAM, 0);

  g_assert_cmpint (s, >=, 0);
  g_strlcpy (sa.sun_path, socket_path, sizeof sa.sun_path);
  g_assert_cmpint (bind (s, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  close (s);
  g_assert_cmpint (g_chmod (socket_path, 0777), ==, 0); /* as the system bus socket */

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", good, TRUE);
  g_assert_true (mtp_file_check_system_bus (NULL));
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", escaped, TRUE);
  g_assert_true (mtp_file_check_system_bus (NULL));
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/x", TRUE);
  g_assert_true (mtp_file_check_system_bus (NULL));
  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;

      g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", refused[i], TRUE);
      g_assert_false (mtp_file_check_system_bus (&error));
      g_test_message ("%s: %s", refused[i], error->message);
    }
  g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
  g_assert_true (mtp_file_check_system_bus (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/file/trust/modes", test_modes);
  ADD ("/file/trust/directories", test_directories);
  ADD ("/file/trust/links", test_links);
  ADD ("/file/trust/relative", test_relative);
  ADD ("/file/trust/missing", test_missing);
  ADD ("/file/trust/lock", test_lock);
  ADD ("/file/trust/owners", test_owners);
  ADD ("/file/trust/replaced", test_replaced);
  ADD ("/file/trust/bus", test_bus);
#undef ADD
  return g_test_run ();
}
