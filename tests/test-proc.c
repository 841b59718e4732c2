/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-proc.h"

/* mtp_proc_find_firewalld over process trees made here, laid out as /proc
 * is: PID/comm, PID/cmdline (arguments ending in NUL), PID/ns/net (a link to
 * "net:[INODE]"), and self/ns/net. The real /proc is looked at too. */

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *self = NULL;

  f->dir = g_dir_make_tmp ("mtp-proc-XXXXXX", &error);
  g_assert_no_error (error);
  self = g_build_filename (f->dir, "self", "ns", NULL);
  g_assert_cmpint (g_mkdir_with_parents (self, 0755), ==, 0);
  g_free (self);
  self = g_build_filename (f->dir, "self", "ns", "net", NULL);
  g_assert_cmpint (symlink ("net:[100]", self), ==, 0);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_assert_cmpint (g_remove (path), ==, 0);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        g_assert_cmpint (g_remove (child), ==, 0);
      else
        remove_tree (child);
    }
  g_dir_close (dir);
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
}

/* A process: ARGV is the command line with words separated by '|' (NULL for
 * an empty one), NS its namespace link target (NULL: none, as a zombie's). */
static void
add_process (Fixture *f, const char *pid, const char *comm, const char *argv, const char *ns)
{
  g_autofree char *dir = g_build_filename (f->dir, pid, "ns", NULL);
  g_autofree char *comm_path = g_build_filename (f->dir, pid, "comm", NULL);
  g_autofree char *cmdline_path = g_build_filename (f->dir, pid, "cmdline", NULL);
  g_autofree char *comm_text = g_strconcat (comm, "\n", NULL);
  g_autoptr (GString) cmdline = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (comm_path, comm_text, -1, &error);
  g_assert_no_error (error);
  if (argv != NULL)
    {
      g_auto (GStrv) words = g_strsplit (argv, "|", -1);

      for (guint i = 0; words[i] != NULL; i++)
        g_string_append_len (cmdline, words[i], (gssize)strlen (words[i]) + 1);
    }
  g_file_set_contents (cmdline_path, cmdline->str, (gssize)cmdline->len, &error);
  g_assert_no_error (error);
  if (ns != NULL)
    {
      g_autofree char *link = g_build_filename (dir, "net", NULL);
      g_assert_cmpint (symlink (ns, link), ==, 0);
    }
}

static pid_t
find (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  pid_t pid = -1;

  g_assert_true (mtp_proc_find_firewalld (f->dir, &pid, &error));
  g_assert_no_error (error);
  return pid;
}

static void
test_none (Fixture *f, gconstpointer data)
{
  add_process (f, "1", "systemd", "/sbin/init", "net:[100]");
  add_process (f, "2", "kthreadd", NULL, "net:[100]");
  add_process (f, "30", "sshd", "sshd: root@pts/0", "net:[100]");
  g_assert_cmpint (find (f), ==, 0);
}

static void
test_by_comm (Fixture *f, gconstpointer data)
{
  add_process (f, "1", "systemd", "/sbin/init", "net:[100]");
  /* Started through its #! line: named firewalld, run by python3. */
  add_process (f, "412", "firewalld", "/usr/bin/python3|-s|/usr/sbin/firewalld|--nofork|--nopid",
               "net:[100]");
  g_assert_cmpint (find (f), ==, 412);
}

static void
test_by_cmdline (Fixture *f, gconstpointer data)
{
  /* `python3 /usr/sbin/firewalld`: named python3. */
  add_process (f, "77", "python3", "python3|/usr/sbin/firewalld|--nofork|--nopid", "net:[100]");
  g_assert_cmpint (find (f), ==, 77);
}

static void
test_by_cmdline_options (Fixture *f, gconstpointer data)
{
  /* RHEL 8's interpreter, with options, one of them taking a value. */
  add_process (f, "78", "platform-python",
               "/usr/libexec/platform-python|-Es|-W|ignore|/usr/sbin/firewalld", "net:[100]");
  g_assert_cmpint (find (f), ==, 78);
}

static void
test_by_argv0 (Fixture *f, gconstpointer data)
{
  /* A name no longer firewalld (set by another launcher), argv[0] still. */
  add_process (f, "79", "python3.11", "/usr/sbin/firewalld|--nofork", "net:[100]");
  g_assert_cmpint (find (f), ==, 79);
}

static void
test_not_firewalld (Fixture *f, gconstpointer data)
{
  /* Mentions firewalld, but runs something else. */
  add_process (f, "80", "vim", "vim|/etc/firewalld/firewalld.conf", "net:[100]");
  add_process (f, "81", "python3", "python3|-c|import firewall|firewalld", "net:[100]");
  add_process (f, "82", "python3", "python3|/usr/bin/firewall-cmd|--state", "net:[100]");
  add_process (f, "83", "python3", "python3|-m|firewalld", "net:[100]");
  add_process (f, "84", "fake-firewalld", "/tmp/fake-firewalld|--version|1", "net:[100]");
  add_process (f, "85", "sh", "sh|-c|firewalld --nofork", "net:[100]");
  g_assert_cmpint (find (f), ==, 0);
}

static void
test_other_namespace (Fixture *f, gconstpointer data)
{
  /* Other namespaces' firewalld processes are not ours to count. */
  add_process (f, "90", "firewalld", "/usr/bin/python3|/usr/sbin/firewalld", "net:[200]");
  add_process (f, "91", "python3", "python3|/usr/sbin/firewalld", "net:[300]");
  g_assert_cmpint (find (f), ==, 0);
  add_process (f, "92", "firewalld", "/usr/bin/python3|/usr/sbin/firewalld", "net:[100]");
  g_assert_cmpint (find (f), ==, 92);
}

static void
test_zombie (Fixture *f, gconstpointer data)
{
  /* A zombie has no command line and no namespace: it runs nothing. */
  add_process (f, "93", "firewalld", NULL, NULL);
  g_assert_cmpint (find (f), ==, 0);
}

static void
test_namespace_unreadable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *net = g_build_filename (f->dir, "94", "ns", "net", NULL);
  pid_t pid = -1;

  /* ns/net that is no link: readlink fails with EINVAL, not "gone". */
  add_process (f, "94", "firewalld", "/usr/sbin/firewalld", NULL);
  g_file_set_contents (net, "", 0, &error);
  g_assert_no_error (error);
  g_assert_false (mtp_proc_find_firewalld (f->dir, &pid, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "process 94 looks like firewalld"));
  g_assert_cmpint (pid, ==, 0);
}

static void
test_no_self (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_build_filename (f->dir, "self", "ns", "net", NULL);
  pid_t pid = -1;

  /* Not a process file system (a tmpfs over /proc): cannot tell. */
  g_assert_cmpint (g_remove (self), ==, 0);
  add_process (f, "1", "systemd", "/sbin/init", "net:[100]");
  g_assert_false (mtp_proc_find_firewalld (f->dir, &pid, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "network namespace"));
}

static void
test_no_dir (void)
{
  g_autoptr (GError) error = NULL;
  pid_t pid = -1;

  g_assert_false (mtp_proc_find_firewalld ("/nonexistent/mtp-proc", &pid, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
}

static void
test_real_proc (void)
{
  g_autoptr (GError) error = NULL;
  pid_t pid = -1;

  /* This process is not firewalld; whatever else runs, the answer comes. */
  g_assert_true (mtp_proc_find_firewalld ("/proc", &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, !=, getpid ());
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/proc/none", test_none);
  ADD ("/proc/by-comm", test_by_comm);
  ADD ("/proc/by-cmdline", test_by_cmdline);
  ADD ("/proc/by-cmdline-options", test_by_cmdline_options);
  ADD ("/proc/by-argv0", test_by_argv0);
  ADD ("/proc/not-firewalld", test_not_firewalld);
  ADD ("/proc/other-namespace", test_other_namespace);
  ADD ("/proc/zombie", test_zombie);
  ADD ("/proc/namespace-unreadable", test_namespace_unreadable);
  ADD ("/proc/no-self", test_no_self);
  g_test_add_func ("/proc/no-dir", test_no_dir);
  g_test_add_func ("/proc/real", test_real_proc);
  return g_test_run ();
}
