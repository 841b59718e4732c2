/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#if HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#include "mtp-direct-xml.h"
#include "mtp-error.h"
#include "mtp-render.h"
#include "mtp-shlex.h"
#include "mtp-test-cases.h"

/* The direct.xml store: reading as firewalld reads, keeping what is not
 * ours, writing safely. Every test works in its own temporary directory. */

#define EMPTY_DOCUMENT "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n</direct>\n"

typedef struct
{
  char *dir;
  char *path;     /* <dir>/direct.xml */
  char *old_path; /* <dir>/direct.xml.old */
} Fixture;

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("mtp-direct-xml-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "direct.xml", NULL);
  f->old_path = g_build_filename (f->dir, "direct.xml.old", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->old_path);
}

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "direct-xml", name, NULL);
}

static char *
read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* MTP_UPDATE_GOLDEN=1 rewrites the expected file instead (review the diff). */
static void
assert_text_matches (const char *text, const char *expected, const char *path)
{
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (g_getenv ("MTP_UPDATE_GOLDEN"), "1") == 0)
    {
      g_file_set_contents (path, text, -1, &error);
      g_assert_no_error (error);
      return;
    }
  g_assert_cmpstr (text, ==, expected);
}

static void
write_text (const char *path, const char *text, gssize length)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
}

/* Copies a data file to <dir>/direct.xml; returns its bytes. */
static char *
install_data (Fixture *f, const char *name)
{
  g_autofree char *source = data_path (name);
  char *text = read_text (source);

  write_text (f->path, text, -1);
  return text;
}

static MtpDirectXml *
load_ok (const char *dir)
{
  g_autoptr (GError) error = NULL;
  MtpDirectXml *xml = mtp_direct_xml_load (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (xml);
  return xml;
}

/* Loads with fd 2 redirected to a file: libxml2 must print nothing. */
static MtpDirectXml *
load_capturing_stderr (const char *dir, char **err_text, GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (GError) local_error = NULL;
  MtpDirectXml *xml;
  int saved = dup (STDERR_FILENO);
  int fd = g_file_open_tmp ("mtp-stderr-XXXXXX", &name, &local_error);

  g_assert_no_error (local_error);
  g_assert_cmpint (saved, >=, 0);
  fflush (stderr);
  g_assert_cmpint (dup2 (fd, STDERR_FILENO), ==, STDERR_FILENO);
  xml = mtp_direct_xml_load (dir, error);
  fflush (stderr);
  g_assert_cmpint (dup2 (saved, STDERR_FILENO), ==, STDERR_FILENO);
  close (saved);
  close (fd);
  *err_text = read_text (name);
  g_unlink (name);
  return xml;
}

static gboolean
tree_has_temp_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, ".direct.xml"))
      return TRUE;
  return FALSE;
}

static const MtpTestCase *
find_case (const char *name)
{
  for (guint i = 0; i < mtp_n_test_cases; i++)
    if (strcmp (mtp_test_cases[i].name, name) == 0)
      return &mtp_test_cases[i];
  g_assert_not_reached ();
}

/* Our chains and rules for a golden case. */
static MtpDirect *
desired_for (const char *name)
{
  g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case (name));

  return mtp_direct_from_ruleset (rs);
}

static void
assert_direct_equal (const MtpDirect *a, const MtpDirect *b)
{
  g_assert_cmpuint (a->chains->len, ==, b->chains->len);
  for (guint i = 0; i < a->chains->len; i++)
    g_assert_true (mtp_direct_chain_equal (a->chains->pdata[i], b->chains->pdata[i]));
  g_assert_cmpuint (a->rules->len, ==, b->rules->len);
  for (guint i = 0; i < a->rules->len; i++)
    if (!mtp_direct_rule_equal (a->rules->pdata[i], b->rules->pdata[i]))
      {
        g_autofree char *sa = mtp_direct_rule_to_string (a->rules->pdata[i]);
        g_autofree char *sb = mtp_direct_rule_to_string (b->rules->pdata[i]);
        g_assert_cmpstr (sa, ==, sb);
      }
  g_assert_cmpuint (a->passthroughs->len, ==, b->passthroughs->len);
  for (guint i = 0; i < a->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *pa = a->passthroughs->pdata[i];
      const MtpDirectPassthrough *pb = b->passthroughs->pdata[i];

      g_assert_cmpstr (pa->ipv, ==, pb->ipv);
      g_assert_true (g_strv_equal ((const char *const *)pa->args, (const char *const *)pb->args));
    }
}

static void
assert_mode (const char *path, mode_t mode)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, mode);
}

static const MtpDirectRule *
find_rule_in (const MtpDirect *d, const char *table, const char *chain, gint32 priority)
{
  for (guint i = 0; i < d->rules->len; i++)
    {
      const MtpDirectRule *r = d->rules->pdata[i];
      if ((table == NULL || strcmp (r->table, table) == 0) && strcmp (r->chain, chain) == 0
          && r->priority == priority)
        return r;
    }
  return NULL;
}

static const MtpDirectRule *
find_rule (const MtpDirect *d, const char *chain, gint32 priority)
{
  return find_rule_in (d, NULL, chain, priority);
}

static void
assert_args (const MtpDirectRule *r, const char *const *expected)
{
  g_assert_nonnull (r);
  if (!g_strv_equal ((const char *const *)r->args, expected))
    {
      g_autofree char *got = g_strjoinv ("|", r->args);
      g_autofree char *want = g_strjoinv ("|", (char **)expected);
      g_assert_cmpstr (got, ==, want);
    }
}

/* Missing file and directory */

static void
test_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirectXml) again = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autofree char *text = NULL;
  g_autofree char *saved = NULL;

  g_assert_true (mtp_direct_is_empty (mtp_direct_xml_get (xml)));
  text = mtp_direct_xml_to_string (xml);
  g_assert_cmpstr (text, ==, EMPTY_DOCUMENT);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  /* Nothing to keep: no .old. */
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  assert_mode (f->path, 0644);
  g_assert_false (g_file_test (f->old_path, G_FILE_TEST_EXISTS));
  g_assert_false (tree_has_temp_files (f->dir));

  saved = read_text (f->path);
  g_free (text);
  text = mtp_direct_xml_to_string (xml);
  g_assert_cmpstr (saved, ==, text);
  again = load_ok (f->dir);
  assert_direct_equal (mtp_direct_xml_get (again), desired);
}

static void
test_missing_dir (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "nope", NULL);
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *quoted = NULL;

  g_assert_null (mtp_direct_xml_load (missing, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND);
  quoted = g_strdup_printf ("'%s'", missing);
  g_assert_nonnull (strstr (error->message, quoted));
  g_clear_error (&error);

  write_text (file, "", 0);
  g_assert_null (mtp_direct_xml_load (file, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND);
}

/* The same bytes as the renderer's own direct.xml, for every golden case:
 * written into an empty file, ours are laid out as firewalld lays them. */
static void
test_layout (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autoptr (MtpRuleset) rs = mtp_test_case_build (&mtp_test_cases[i]);
      g_autoptr (MtpDirect) desired = mtp_direct_from_ruleset (rs);
      g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
      g_autofree char *expected = mtp_render_direct_xml (rs, NULL);
      g_autofree char *text = NULL;

      g_test_message ("case %s", mtp_test_cases[i].name);
      mtp_direct_xml_set_ours (xml, desired, NULL);
      text = mtp_direct_xml_to_string (xml);
      g_assert_cmpstr (text, ==, expected);
      assert_direct_equal (mtp_direct_xml_get (xml), desired);
    }
}

/* A file shared with other tools */

static void
test_mixed_read (Fixture *f, gconstpointer data)
{
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  const MtpDirect *d = mtp_direct_xml_get (xml);
  g_autoptr (MtpDirect) ours = NULL;
  g_autoptr (MtpDirect) foreign = NULL;
  const MtpDirectPassthrough *p;

  g_assert_cmpuint (d->chains->len, ==, 4);
  g_assert_cmpuint (d->rules->len, ==, 9);
  g_assert_cmpuint (d->passthroughs->len, ==, 1);
  assert_args (find_rule (d, "INPUT", 0),
               (const char *const[]){ "-p", "tcp", "--dport", "22", "-m", "comment", "--comment",
                                      "hello world", "-j", "ACCEPT", NULL });
  assert_args (find_rule (d, "ADMIN_LOG", -5),
               (const char *const[]){ "-j", "LOG", "--log-prefix", "admin: ", NULL });
  p = d->passthroughs->pdata[0];
  g_assert_cmpstr (p->ipv, ==, "ipv4");
  g_assert_cmpstr (p->args[0], ==, "-t");

  mtp_direct_split (d, NULL, &ours, &foreign);
  g_assert_cmpuint (ours->chains->len, ==, 3);
  g_assert_cmpuint (ours->rules->len, ==, 6);
  g_assert_cmpuint (foreign->chains->len, ==, 1);
  g_assert_cmpuint (foreign->rules->len, ==, 3);
  g_assert_cmpuint (foreign->passthroughs->len, ==, 1);
}

/* Every line of the original that holds nothing of ours, verbatim and in
 * the same order. */
static void
assert_foreign_kept (const char *original, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (original, "\n", -1);
  const char *from = text;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *at;

      if (*lines[i] == '\0' || strcmp (lines[i], "<direct>") == 0
          || strcmp (lines[i], "</direct>") == 0)
        continue;
      at = strstr (from, lines[i]);
      if (strstr (lines[i], "MESH_") != NULL)
        continue;
      if (at == NULL)
        g_error ("line lost or moved: %s\nin:\n%s", lines[i], text);
      from = at + strlen (lines[i]);
    }
}

static void
test_mixed_set_ours (Fixture *f, gconstpointer data)
{
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autofree char *expected_path = data_path ("kuma-2.1.set-ours.xml");
  g_autofree char *expected = read_text (expected_path);
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirect) foreign_before = NULL;
  g_autoptr (MtpDirect) foreign_after = NULL;
  g_autoptr (MtpDirect) ours_after = NULL;
  g_autofree char *text = NULL;
  g_autofree char *on_disk = NULL;

  mtp_direct_split (mtp_direct_xml_get (xml), NULL, NULL, &foreign_before);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  text = mtp_direct_xml_to_string (xml);

  g_assert_nonnull (strstr (text, "-m comment --comment \"hello world\" -j ACCEPT</rule>"));
  g_assert_nonnull (strstr (text, "--log-prefix 'admin: '</rule>"));
  g_assert_nonnull (strstr (text, "<!-- a passthrough is never ours -->"));
  assert_foreign_kept (original, text);
  /* Kuma 2.1's chains and the jumps to them are gone. */
  g_assert_null (strstr (text, "\"MESH_"));
  g_assert_null (strstr (text, "-j MESH_"));
  assert_text_matches (text, expected, expected_path);

  /* get() follows the document. */
  mtp_direct_split (mtp_direct_xml_get (xml), NULL, &ours_after, &foreign_after);
  assert_direct_equal (foreign_after, foreign_before);
  assert_direct_equal (ours_after, desired);

  /* In memory only. */
  on_disk = read_text (f->path);
  g_assert_cmpstr (on_disk, ==, original);
}

static void
test_mixed_save (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirectXml) again = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirect) other = desired_for ("everything");
  g_autofree char *text = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *old = NULL;
  g_autofree char *old2 = NULL;

  g_assert_cmpint (g_chmod (f->path, 0600), ==, 0);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);

  text = mtp_direct_xml_to_string (xml);
  saved = read_text (f->path);
  old = read_text (f->old_path);
  g_assert_cmpstr (saved, ==, text);
  g_assert_cmpstr (old, ==, original);
  /* The file keeps its mode (firewalld rewrites it in place); .old is a
   * copy of the previous file, mode included, as firewalld's. */
  assert_mode (f->path, 0600);
  assert_mode (f->old_path, 0600);
  g_assert_false (tree_has_temp_files (f->dir));

  again = load_ok (f->dir);
  assert_direct_equal (mtp_direct_xml_get (again), mtp_direct_xml_get (xml));

  /* The next save keeps this one as .old. */
  mtp_direct_xml_set_ours (again, other, NULL);
  g_assert_true (mtp_direct_xml_save (again, &error));
  g_assert_no_error (error);
  old2 = read_text (f->old_path);
  g_assert_cmpstr (old2, ==, saved);
  assert_mode (f->old_path, 0600);
}

/* Idempotence: setting what is there changes no byte. */
static void
test_idempotent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autoptr (MtpDirect) ours = NULL;
  g_autoptr (MtpDirect) a = desired_for ("default");
  g_autoptr (MtpDirect) b = desired_for ("exclude-ips");
  g_autofree char *first = NULL;

  /* Ours already exactly the desired set, in the same order: untouched,
   * even where the file mixes them with foreign entries. */
  {
    g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
    g_autofree char *text = NULL;

    mtp_direct_split (mtp_direct_xml_get (xml), NULL, &ours, NULL);
    mtp_direct_xml_set_ours (xml, ours, NULL);
    text = mtp_direct_xml_to_string (xml);
    g_assert_cmpstr (text, ==, original);
  }

  /* A change and its reversal come back to the same bytes; so does a
   * second run on the saved file. */
  {
    g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
    g_autofree char *text = NULL;

    mtp_direct_xml_set_ours (xml, a, NULL);
    first = mtp_direct_xml_to_string (xml);
    mtp_direct_xml_set_ours (xml, b, NULL);
    mtp_direct_xml_set_ours (xml, a, NULL);
    text = mtp_direct_xml_to_string (xml);
    g_assert_cmpstr (text, ==, first);
    g_assert_true (mtp_direct_xml_save (xml, &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
    g_autofree char *text = NULL;

    mtp_direct_xml_set_ours (xml, a, NULL);
    text = mtp_direct_xml_to_string (xml);
    g_assert_cmpstr (text, ==, first);
  }

  /* Ours alone, as firewalld writes them. */
  {
    g_autoptr (MtpRuleset) rs = mtp_test_case_build (find_case ("default"));
    g_autofree char *rendered = mtp_render_direct_xml (rs, NULL);
    g_autoptr (MtpDirectXml) xml = NULL;
    g_autofree char *text = NULL;

    g_assert_nonnull (rendered);
    write_text (f->path, rendered, -1);
    xml = load_ok (f->dir);
    mtp_direct_xml_set_ours (xml, a, NULL);
    text = mtp_direct_xml_to_string (xml);
    g_assert_cmpstr (text, ==, rendered);
  }
}

/* Removing all of ours leaves no blank lines behind. */
static void
test_remove_all (Fixture *f, gconstpointer data)
{
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirect) none = mtp_direct_new ();
  g_autofree char *text = NULL;

  mtp_direct_xml_set_ours (xml, none, NULL);
  text = mtp_direct_xml_to_string (xml);
  assert_foreign_kept (original, text);
  g_assert_null (strstr (text, "\n\n"));
  g_assert_null (strstr (text, "\n  \n"));
  g_assert_true (g_str_has_suffix (text, "\n</direct>\n"));
  g_assert_cmpuint (mtp_direct_xml_get (xml)->chains->len, ==, 1);
  g_assert_cmpuint (mtp_direct_xml_get (xml)->rules->len, ==, 3);
}

/* Forms firewalld accepts, read as firewalld reads them (checked against
 * firewall-offline-cmd in /direct-xml/firewalld/forms). */
static void
test_forms (Fixture *f, gconstpointer data)
{
  g_autofree char *original = install_data (f, "firewalld-forms.xml");
  g_autofree char *expected_path = data_path ("firewalld-forms.set-ours.xml");
  g_autofree char *expected = read_text (expected_path);
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  const MtpDirect *d = mtp_direct_xml_get (xml);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autofree char *text = NULL;

  /* Equal entries after the first, and rules without text, are ignored. */
  g_assert_cmpuint (d->chains->len, ==, 3);
  g_assert_cmpuint (d->rules->len, ==, 14);
  g_assert_cmpuint (d->passthroughs->len, ==, 1);

  assert_args (find_rule (d, "INPUT", 7), (const char *const[]){ "-j", "ACCEPT", NULL });
  assert_args (find_rule (d, "INPUT", 10),
               (const char *const[]){ "-s", "10.0.0.1", "-j", "DROP", NULL });
  g_assert_nonnull (find_rule (d, "INPUT", -12));
  assert_args (find_rule (d, "INPUT", 5),
               (const char *const[]){ "-p", "icmp", "-j", "ACCEPT", NULL });
  g_assert_nonnull (find_rule (d, "INPUT", 8));
  assert_args (
      find_rule (d, "PREROUTING", 0),
      (const char *const[]){ "-m", "comment", "--comment", "two lines", "-j", "ACCEPT", NULL });
  assert_args (
      find_rule (d, "PREROUTING", 1),
      (const char *const[]){ "-m", "comment", "--comment", "a & b", "-j", "ACCEPT", NULL });
  assert_args (
      find_rule (d, "PREROUTING", 2),
      (const char *const[]){ "-m", "comment", "--comment", "x<y>z", "-j", "ACCEPT", NULL });
  assert_args (find_rule (d, "PREROUTING", 3),
               (const char *const[]){ "-p", "tcp", "-j", "ACCEPT", NULL });
  assert_args (find_rule (d, "PREROUTING", 4),
               (const char *const[]){ "-m", "comment", "--comment", "#not-a-comment", "-j",
                                      "ACCEPT", NULL });
  assert_args (find_rule (d, "PREROUTING", 5),
               (const char *const[]){ "-m", "comment", "--comment", "it's \"quoted\" \\$x", "-j",
                                      "ACCEPT", NULL });
  assert_args (find_rule (d, "PREROUTING", 6),
               (const char *const[]){ "-m", "comment", "--comment", "\xc3\xa9\xe2\x82\xac", "-j",
                                      "ACCEPT", NULL });
  /* Blank text is a rule without arguments, no text none at all. */
  assert_args (find_rule_in (d, "security", "INPUT", 5), (const char *const[]){ NULL });
  g_assert_null (find_rule_in (d, "security", "INPUT", 3));
  g_assert_null (find_rule_in (d, "security", "INPUT", 4));

  /* Adding ours leaves the foreign elements as libxml2 writes them back:
   * attribute values in double quotes, single spaces between attributes,
   * empty elements as <x/>, only <, > and & escaped in text. Comments,
   * CDATA, processing instructions and character references stay. */
  mtp_direct_xml_set_ours (xml, desired, NULL);
  text = mtp_direct_xml_to_string (xml);
  assert_text_matches (text, expected, expected_path);
  g_assert_nonnull (strstr (text, "chain=\"INPUT\" priority=\"&#9;8&#10;\">"));
  g_assert_nonnull (strstr (text, "<![CDATA[-m comment --comment \"x<y>z\" -j ACCEPT]]>"));
  g_assert_nonnull (strstr (text, "-p tcp <!-- a comment --> -j ACCEPT"));
  g_assert_nonnull (strstr (text, "--comment 'two\nlines' -j ACCEPT"));
  g_assert_nonnull (strstr (text, "--comment \"a &amp; b\" -j ACCEPT"));
  g_assert_nonnull (strstr (text, "<chain ipv=\"ipv4\" table=\"raw\" chain=\"SINGLE_QUOTED\"/>"));
  g_assert_nonnull (
      strstr (text, "<rule ipv=\"ipv6\" table=\"security\" chain=\"INPUT\" priority=\"3\"/>"));
}

static void
test_priority_limits (Fixture *f, gconstpointer data)
{
  g_autoptr (MtpDirectXml) xml = NULL;
  const MtpDirect *d;

  write_text (f->path,
              "<direct>\n"
              "  <rule ipv=\"ipv4\" table=\"filter\" chain=\"A\" priority=\"-2147483648\">-j "
              "ACCEPT</rule>\n"
              "  <rule ipv=\"ipv4\" table=\"filter\" chain=\"B\" priority=\"2147483647\">-j "
              "ACCEPT</rule>\n"
              "  <rule ipv=\"ipv4\" table=\"filter\" chain=\"C\" priority=\"-0\">-j ACCEPT</rule>\n"
              "</direct>\n",
              -1);
  xml = load_ok (f->dir);
  d = mtp_direct_xml_get (xml);
  g_assert_nonnull (find_rule (d, "A", G_MININT32));
  g_assert_nonnull (find_rule (d, "B", G_MAXINT32));
  g_assert_nonnull (find_rule (d, "C", 0));
}

/* Refusals */

typedef struct
{
  const char *name;
  const char *text;
  const char *message; /* a part of the message after the path */
} ErrorCase;

#define RULE_OPEN "<rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\">"

static const ErrorCase error_cases[] = {
  { "not-well-formed", "<direct>\n  <chain ipv=\"ipv4\" table=\"nat\" chain=\"X\">\n</direct>\n",
    "line 3: not well-formed XML: " },
  { "truncated", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n  " RULE_OPEN "-j ACC",
    "not well-formed XML: " },
  { "empty", "", "not well-formed XML: " },
  { "text-after-root", "<direct/>\nx\n", "line 2: not well-formed XML: " },
  { "undeclared-entity", "<direct>\n  " RULE_OPEN "&x;</rule>\n</direct>\n",
    "line 2: not well-formed XML: " },
  { "invalid-utf8", "<direct>\n  " RULE_OPEN "-j \xff</rule>\n</direct>\n",
    "not well-formed XML: " },
  { "root", "<?xml version=\"1.0\"?>\n<foo/>\n",
    "line 2: the root element is <foo>, not <direct>" },
  { "root-prefixed", "<a:direct xmlns:a=\"urn:a\"/>", "the root element is <a:direct>" },
  { "root-attribute", "<direct version=\"1\">\n</direct>\n",
    "line 1: unexpected attribute 'version' on <direct>" },
  { "root-xmlns", "<direct xmlns=\"urn:x\">\n</direct>\n",
    "unexpected attribute 'xmlns' on <direct>" },
  { "unknown-element", "<direct>\n  <zone name=\"public\"/>\n</direct>\n",
    "line 2: unknown element <zone>" },
  { "prefixed-element",
    "<direct>\n  <x:chain xmlns:x=\"urn:x\" ipv=\"ipv4\" table=\"nat\" chain=\"X\"/>\n</direct>\n",
    "line 2: unknown element <x:chain>" },
  { "xinclude",
    "<direct>\n  <xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
    "href=\"/etc/passwd\"/>\n</direct>\n",
    "unknown element <xi:include>" },
  { "element-xmlns",
    "<direct>\n  <chain xmlns=\"urn:x\" ipv=\"ipv4\" table=\"nat\" chain=\"X\"/>\n</direct>\n",
    "line 2: unexpected attribute 'xmlns' on <chain>" },
  { "nested-direct", "<direct>\n  <direct/>\n</direct>\n",
    "line 2: more than one <direct> element" },
  { "element-in-rule", "<direct>\n  " RULE_OPEN "-j <b>ACCEPT</b></rule>\n</direct>\n",
    "line 2: unexpected element <b> inside <rule>" },
  { "unknown-attribute",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\" "
    "foo=\"bar\">-j ACCEPT</rule>\n</direct>\n",
    "line 2: unexpected attribute 'foo' on <rule>" },
  { "prefixed-attribute",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\" "
    "xml:lang=\"en\">-j ACCEPT</rule>\n</direct>\n",
    "unexpected attribute 'xml:lang' on <rule>" },
  { "missing-priority",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\">-j ACCEPT</rule>\n</direct>\n",
    "line 2: missing attribute 'priority' on <rule>" },
  { "missing-table", "<direct>\n\n  <chain ipv=\"ipv4\" chain=\"X\"/>\n</direct>\n",
    "line 3: missing attribute 'table' on <chain>" },
  { "missing-ipv", "<direct>\n  <passthrough>-t nat -L</passthrough>\n</direct>\n",
    "line 2: missing attribute 'ipv' on <passthrough>" },
  { "priority-abc",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"abc\">-j ACCEPT</rule>\n</direct>\n",
    "line 2: priority 'abc' is not an integer" },
  { "priority-decimal",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"1.5\">-j ACCEPT</rule>\n</direct>\n",
    "line 2: priority '1.5' is not an integer" },
  { "priority-empty",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\" \">-j ACCEPT</rule>\n</direct>\n",
    "priority ' ' is not an integer" },
  { "priority-underscores",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"1__0\">-j ACCEPT</rule>\n</direct>\n",
    "priority '1__0' is not an integer" },
  { "priority-sign-space",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"- 1\">-j ACCEPT</rule>\n</direct>\n",
    "priority '- 1' is not an integer" },
  { "priority-huge",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"99999999999\">-j ACCEPT</rule>\n</direct>\n",
    "line 2: priority '99999999999' is out of range" },
  { "priority-above-int32",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"2147483648\">-j ACCEPT</rule>\n</direct>\n",
    "priority '2147483648' is out of range" },
  { "priority-below-int32",
    "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" "
    "priority=\"-2147483649\">-j ACCEPT</rule>\n</direct>\n",
    "priority '-2147483649' is out of range" },
  { "unclosed-quote",
    "<direct>\n  " RULE_OPEN "-m comment --comment 'oops -j ACCEPT</rule>\n</direct>\n",
    "line 2: bad arguments of <rule>: no closing quotation" },
  { "trailing-backslash",
    "<direct>\n  <passthrough ipv=\"ipv4\">-t nat -L \\</passthrough>\n</direct>\n",
    "line 2: bad arguments of <passthrough>: no escaped character" },
  { "bad-ipv",
    "<direct>\n  <rule ipv=\"ipv5\" table=\"filter\" chain=\"INPUT\" priority=\"0\">-j "
    "ACCEPT</rule>\n</direct>\n",
    "line 2: invalid ipv 'ipv5'" },
  { "bad-passthrough-ipv", "<direct>\n  <passthrough ipv=\"\">-t nat -L</passthrough>\n</direct>\n",
    "line 2: invalid ipv ''" },
  { "bad-table", "<direct>\n  <chain ipv=\"eb\" table=\"security\" chain=\"X\"/>\n</direct>\n",
    "line 2: invalid table 'security' for ipv 'eb'" },
  { "billion-laughs",
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE direct [\n"
    "  <!ENTITY lol \"lol\">\n"
    "  <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    "  <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    "  <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    "  <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    "  <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    "  <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    "  <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    "  <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    "  <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<direct>\n  <passthrough ipv=\"ipv4\" >&lol9;</passthrough>\n</direct>\n",
    "line 2: a document type declaration (<!DOCTYPE>) is not allowed" },
  { "external-entity",
    "<!DOCTYPE direct [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
    "<direct>\n  <passthrough ipv=\"ipv4\">&x;</passthrough>\n</direct>\n",
    "line 1: a document type declaration (<!DOCTYPE>) is not allowed" },
  { "external-dtd",
    "<?xml version=\"1.0\"?>\n\n<!DOCTYPE direct SYSTEM \"http://192.0.2.1/direct.dtd\">\n"
    "<direct/>\n",
    "line 3: a document type declaration (<!DOCTYPE>) is not allowed" },
  { "doctype-only", "<!DOCTYPE direct>\n<direct/>\n", "document type declaration" },
};

static void
assert_load_fails (Fixture *f, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *prefix = g_strdup_printf ("'%s': ", f->path);
  MtpDirectXml *xml;

  g_file_get_contents (f->path, &before, NULL, NULL);
  xml = load_capturing_stderr (f->dir, &err_text, &error);
  g_assert_null (xml);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  if (strstr (error->message, message) == NULL)
    g_error ("'%s' does not hold '%s'", error->message, message);
  g_assert_false (g_str_has_suffix (error->message, "."));
  g_assert_false (g_str_has_suffix (error->message, "\n"));
  g_assert_cmpstr (err_text, ==, "");
  /* Reading never writes. */
  g_file_get_contents (f->path, &after, NULL, NULL);
  g_assert_cmpstr (before, ==, after);
  g_assert_false (g_file_test (f->old_path, G_FILE_TEST_EXISTS));
  g_assert_false (tree_has_temp_files (f->dir));
}

static void
test_error (Fixture *f, gconstpointer data)
{
  const ErrorCase *ec = data;

  write_text (f->path, ec->text, -1);
  assert_load_fails (f, ec->message);
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  write_text (f->path, "<direct>\n", -1);
  g_assert_cmpint (truncate (f->path, 16 * 1024 * 1024 + 1), ==, 0);
  assert_load_fails (f, "larger than 16 MiB");
}

static void
test_not_regular (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (g_mkdir (f->path, 0755), ==, 0);
  assert_load_fails (f, "not a regular file");
}

static void
test_dangling_symlink (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (symlink ("nowhere.xml", f->path), ==, 0);
  assert_load_fails (f, "a symbolic link to a missing file");
}

/* libxml2 would stop at a NUL byte and take the rest for the end of the
 * file. */
static void
test_nul_byte (Fixture *f, gconstpointer data)
{
  static const char after_root[] = "<direct/>\n\0<direct>junk";
  static const char in_text[] = "<direct>\n\n  " RULE_OPEN "-j\0ACCEPT</rule>\n</direct>\n";

  write_text (f->path, after_root, sizeof after_root - 1);
  assert_load_fails (f, "line 2: a NUL byte, which XML does not allow");
  write_text (f->path, in_text, sizeof in_text - 1);
  assert_load_fails (f, "line 3: a NUL byte, which XML does not allow");
}

/* In UTF-16 NUL bytes are half of every ASCII character: still read. */
static void
test_utf16 (Fixture *f, gconstpointer data)
{
  static const char text[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<direct>\n  " RULE_OPEN
                             "-j ACCEPT</rule>\n</direct>\n";
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  g_autofree char *utf16
      = g_convert (text, -1, "UTF-16", "UTF-8", NULL, &length, &error); /* with a BOM */
  g_autoptr (MtpDirectXml) xml = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (memchr (utf16, '\0', length));
  write_text (f->path, utf16, (gssize)length);
  xml = load_ok (f->dir);
  g_assert_cmpuint (mtp_direct_xml_get (xml)->rules->len, ==, 1);
}

static char *
rule_with_args (const char *chain, guint n_args, gsize arg_length)
{
  g_autoptr (GString) text
      = g_string_new ("<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"");

  g_string_append_printf (text, "%s\" priority=\"0\">", chain);
  for (guint i = 0; i < n_args; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      for (gsize j = 0; j < arg_length; j++)
        g_string_append_c (text, 'a');
    }
  g_string_append (text, "</rule>\n</direct>\n");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What no iptables takes is refused, just past the limits. */
static void
test_entry_limits (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *chain;
    guint n_args;
    gsize arg_length;
    const char *message; /* NULL: loads */
  } cases[] = {
    { "INPUT", 255, 1, NULL },
    { "INPUT", 256, 1, "line 2: <rule> has 256 arguments, more than iptables takes (at most 255)" },
    { "INPUT", 100000, 1, "<rule> has 100000 arguments" },
    /* 255 arguments of 1027 bytes, with the spaces: 262139 bytes; then 262394. */
    { "INPUT", 255, 1027, NULL },
    { "INPUT", 255, 1028,
      "line 2: the arguments of <rule> are 262394 bytes long, more than iptables takes (at "
      "most 262144)" },
    { "INPUT", 1, 10 * 1024 * 1024, "bytes long, more than iptables takes" },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZ12", 1, 1, NULL },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZ123", 1, 1,
      "line 2: the chain name on <rule> is 29 bytes long, more than iptables takes (at most "
      "28)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = rule_with_args (cases[i].chain, cases[i].n_args, cases[i].arg_length);

      g_test_message ("%s: %u arguments of %" G_GSIZE_FORMAT " bytes", cases[i].chain,
                      cases[i].n_args, cases[i].arg_length);
      write_text (f->path, text, -1);
      if (cases[i].message != NULL)
        assert_load_fails (f, cases[i].message);
      else
        {
          g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
          g_assert_cmpuint (mtp_direct_xml_get (xml)->rules->len, ==, 1);
        }
    }

  write_text (f->path,
              "<direct>\n  <chain ipv=\"ipv4\" table=\"nat\" "
              "chain=\"ABCDEFGHIJKLMNOPQRSTUVWXYZ123\"/>\n</direct>\n",
              -1);
  assert_load_fails (f, "line 2: the chain name on <chain> is 29 bytes long");
  {
    g_autoptr (GString) text = g_string_new ("<direct>\n  <passthrough ipv=\"ipv4\">-t nat -A X");

    for (guint i = 0; i < 296; i++)
      g_string_append (text, " a");
    g_string_append (text, "</passthrough>\n</direct>\n");
    write_text (f->path, text->str, -1);
    assert_load_fails (f, "line 2: <passthrough> has 300 arguments, more than iptables takes");
  }
}

/* A document type declaration stops the parser where it starts: the
 * entities of a billion laughs are never declared, let alone expanded. */
static void
test_entity_bomb_time (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) text = g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE direct [\n"
                                           "  <!ENTITY e0 \"lollollollollollollollollollol\">\n");
  gint64 start;
  double seconds;

  /* 10^30 copies: no limit of libxml2's is needed to refuse it at once. */
  for (guint i = 1; i <= 30; i++)
    {
      g_string_append_printf (text, "  <!ENTITY e%u \"", i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (text, "&e%u;", i - 1);
      g_string_append (text, "\">\n");
    }
  g_string_append (text, "  <!ENTITY % p SYSTEM \"http://192.0.2.1/p.dtd\">\n  %p;\n]>\n"
                         "<direct>\n  <passthrough ipv=\"ipv4\">&e30;</passthrough>\n</direct>\n");
  write_text (f->path, text->str, -1);
  start = g_get_monotonic_time ();
  assert_load_fails (f, "line 2: a document type declaration (<!DOCTYPE>) is not allowed");
  seconds = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("refused in %.6f s", seconds);
  /* Milliseconds; expanding would take hours and terabytes. Generous for
   * valgrind. */
  g_assert_cmpfloat (seconds, <, 2.0);
}

/* Reading through a link is fine; replacing it is refused, the file it
 * points to untouched. */
static void
test_symlink (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *target = g_build_filename (f->dir, "real.xml", NULL);
  g_autofree char *source = data_path ("kuma-2.1.xml");
  g_autofree char *original = read_text (source);
  g_autofree char *after = NULL;
  g_autofree char *quoted = g_strdup_printf ("'%s'", f->path);
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  GStatBuf st;

  write_text (target, original, -1);
  g_assert_cmpint (symlink ("real.xml", f->path), ==, 0);
  xml = load_ok (f->dir);
  g_assert_cmpuint (mtp_direct_xml_get (xml)->rules->len, ==, 9);

  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_false (mtp_direct_xml_save (xml, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, quoted));
  g_assert_nonnull (strstr (error->message, "is a symbolic link (to 'real.xml')"));
  /* What to do, with the file the link points to. */
  g_assert_nonnull (strstr (error->message, "cp --remove-destination "));
  g_assert_nonnull (strstr (error->message, target));

  g_assert_cmpint (g_lstat (f->path, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  after = read_text (target);
  g_assert_cmpstr (after, ==, original);
  g_assert_false (g_file_test (f->old_path, G_FILE_TEST_EXISTS));
  g_assert_false (tree_has_temp_files (f->dir));
}

/* A failure half-way (direct.xml.old cannot be replaced) leaves direct.xml
 * as it was and no temporary file behind. */
static void
test_save_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autofree char *after = NULL;
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autofree char *blocker = g_build_filename (f->old_path, "x", NULL);

  g_assert_cmpint (g_mkdir (f->old_path, 0755), ==, 0);
  write_text (blocker, "", 0);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_false (mtp_direct_xml_save (xml, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->old_path));

  after = read_text (f->path);
  g_assert_cmpstr (after, ==, original);
  g_assert_false (tree_has_temp_files (f->dir));

  /* The directory gone: nothing written anywhere. */
  g_clear_error (&error);
  remove_tree (f->dir);
  g_assert_false (mtp_direct_xml_save (xml, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
}

/* File and directory safety when writing */

static int compare_strings (gconstpointer a, gconstpointer b);

/* Everything about a directory's entries that a write could change: name,
 * type, mode, owner, inode, content (or a link's target). */
static char *
describe_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  GStatBuf st;

  g_assert_nonnull (d);
  g_assert_cmpint (g_lstat (dir, &st), ==, 0);
  g_ptr_array_add (lines, g_strdup_printf (". %o %u:%u", (unsigned int)(st.st_mode & 07777),
                                           (unsigned int)st.st_uid, (unsigned int)st.st_gid));
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_lstat (path, &st), ==, 0);
      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (path, NULL);
          g_ptr_array_add (lines, g_strdup_printf ("%s -> %s", name, target));
        }
      else if (S_ISREG (st.st_mode))
        {
          g_autofree char *text = read_text (path);
          g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
          g_ptr_array_add (lines, g_strdup_printf ("%s %o %u:%u inode %" G_GUINT64_FORMAT " %s",
                                                   name, (unsigned int)(st.st_mode & 07777),
                                                   (unsigned int)st.st_uid, (unsigned int)st.st_gid,
                                                   (guint64)st.st_ino, sum));
        }
      else
        g_ptr_array_add (lines,
                         g_strdup_printf ("%s type %o", name, (unsigned int)(st.st_mode & S_IFMT)));
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **)lines->pdata);
}

/* save refuses with code and a message holding each needle (NULL-ended),
 * and the directory is as it was, down to the inodes. */
static void
assert_save_refused (MtpDirectXml *xml, const char *dir, MtpError code, ...)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = describe_dir (dir);
  g_autofree char *after = NULL;
  const char *needle;
  va_list args;

  g_assert_false (mtp_direct_xml_save (xml, &error));
  g_assert_error (error, MTP_ERROR, (gint)code);
  g_test_message ("%s", error->message);
  va_start (args, code);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("'%s' does not hold '%s'", error->message, needle);
  va_end (args);
  after = describe_dir (dir);
  g_assert_cmpstr (after, ==, before);
}

/* A directory others can write: refused before anything is written (a
 * stale temporary file stays too), with what to do; a sticky one is fine. */
static void
test_dir_writable (Fixture *f, gconstpointer data)
{
  static const mode_t modes[] = { 0777, 0775, 0757, 0730, 0703 };
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autofree char *stale = g_build_filename (f->dir, ".direct.xml.Stale1", NULL);
  g_autofree char *quoted = g_strdup_printf ("'%s'", f->dir);
  g_autofree char *chmod_cmd = g_strdup_printf ("'chmod go-w %s'", f->dir);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);

  write_text (stale, "", 0);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *mode = g_strdup_printf ("(mode %04o)", (unsigned int)modes[i]);

      g_assert_cmpint (g_chmod (f->dir, modes[i]), ==, 0);
      assert_save_refused (xml, f->dir, MTP_ERROR_FAILED, quoted,
                           "is writable by users other than its owner", mode, chmod_cmd,
                           "nothing was changed", NULL);
    }

  /* Sticky (as /tmp): others can add files but not rename or remove ours. */
  g_assert_cmpint (g_chmod (f->dir, 01777), ==, 0);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_chmod (f->dir, 0700), ==, 0);
}

/* As root, a directory root does not own. */
static void
test_dir_owner (Fixture *f, gconstpointer data)
{
  g_autofree char *quoted = g_strdup_printf ("'%s'", f->dir);
  g_autofree char *chown_cmd = g_strdup_printf ("'chown root %s'", f->dir);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirectXml) xml = NULL;

  if (!mtp_test_require_root ("only root can give a directory away"))
    return;
  g_free (install_data (f, "kuma-2.1.xml"));
  xml = load_ok (f->dir);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_cmpint (chown (f->dir, 65534, 0), ==, 0);
  assert_save_refused (xml, f->dir, MTP_ERROR_FAILED, quoted,
                       "belongs to UID 65534, neither root nor", chown_cmd, NULL);
  g_assert_cmpint (chown (f->dir, 0, 0), ==, 0);
}

/* A configuration directory that is a link: read through, never written
 * through (with or without a trailing slash). */
static void
test_dir_symlink (Fixture *f, gconstpointer data)
{
  g_autofree char *real = g_build_filename (f->dir, "real", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *slash = g_strconcat (link, "/", NULL);
  g_autofree char *source = data_path ("kuma-2.1.xml");
  g_autofree char *original = read_text (source);
  g_autofree char *file = g_build_filename (real, "direct.xml", NULL);
  g_autoptr (MtpDirect) desired = desired_for ("default");

  g_assert_cmpint (g_mkdir (real, 0700), ==, 0);
  write_text (file, original, -1);
  g_assert_cmpint (symlink ("real", link), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      const char *dir = i == 0 ? link : slash;
      g_autofree char *quoted = g_strdup_printf ("'%s'", dir);
      g_autoptr (MtpDirectXml) xml = load_ok (dir);

      g_assert_cmpuint (mtp_direct_xml_get (xml)->rules->len, ==, 9);
      mtp_direct_xml_set_ours (xml, desired, NULL);
      assert_save_refused (xml, real, MTP_ERROR_FAILED, quoted, "is a symbolic link (to 'real')",
                           "--firewalld-config-dir", NULL);
    }
}

/* A new file gets firewalld's mode whatever the umask. */
static void
test_new_file_mode (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  g_autoptr (MtpDirect) desired = desired_for ("default");
  mode_t old_umask;
  gboolean ok;

  mtp_direct_xml_set_ours (xml, desired, NULL);
  old_umask = umask (0077);
  ok = mtp_direct_xml_save (xml, &error);
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_true (ok);
  assert_mode (f->path, 0644);
}

/* An existing file keeps its owner, group and mode (and so does .old); the
 * new content is a new file, renamed over the old one. (The owner is root:
 * a file of another user is not trusted, see mtp-file.h.) */
static void
test_keeps_owner (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *original = NULL;
  g_autofree char *old = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirect) other = desired_for ("everything");
  g_autoptr (MtpDirectXml) xml = NULL;
  GStatBuf before;
  GStatBuf st;

  if (!mtp_test_require_root ("only root can give a file away"))
    return;
  original = install_data (f, "kuma-2.1.xml");
  g_assert_cmpint (chown (f->path, 0, 4343), ==, 0);
  g_assert_cmpint (g_chmod (f->path, 0640), ==, 0);
  g_assert_cmpint (g_lstat (f->path, &before), ==, 0);
  xml = load_ok (f->dir);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);

  old = read_text (f->old_path);
  g_assert_cmpstr (old, ==, original);
  g_assert_cmpint (g_lstat (f->path, &st), ==, 0);
  g_assert_cmpuint (st.st_ino, !=, before.st_ino);
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_cmpuint (st.st_gid, ==, 4343);
  assert_mode (f->path, 0640);
  g_assert_cmpint (g_lstat (f->old_path, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_cmpuint (st.st_gid, ==, 4343);
  assert_mode (f->old_path, 0640);
  g_assert_false (tree_has_temp_files (f->dir));

  /* Set-ID and sticky bits are not carried over. */
  g_assert_cmpint (g_chmod (f->path, 07644), ==, 0);
  mtp_direct_xml_set_ours (xml, other, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  assert_mode (f->path, 0644);
}

/* A file with a second name: replaced; the other name keeps the old content. */
static void
test_hard_link (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autofree char *other = g_build_filename (f->dir, "copy.xml", NULL);
  g_autofree char *saved = NULL;
  g_autofree char *kept = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  GStatBuf st;

  g_assert_cmpint (link (f->path, other), ==, 0);
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  saved = read_text (f->path);
  g_assert_cmpstr (saved, !=, original);
  kept = read_text (other);
  g_assert_cmpstr (kept, ==, original);
  g_assert_cmpint (g_lstat (other, &st), ==, 0);
  g_assert_cmpuint (st.st_nlink, ==, 1);
  g_assert_cmpint (g_lstat (f->path, &st), ==, 0);
  g_assert_cmpuint (st.st_nlink, ==, 1);
}

/* Temporary files that a killed run left behind are removed by the next
 * save: only those of our exact name form, regular, ours, and not held by a
 * live writer. */
static void
test_stale_temp_files (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *name;
    gboolean removed;
  } files[] = {
    { ".direct.xml.AbC123", TRUE },      { ".direct.xml.old.xYz789", TRUE },
    { ".direct.xml.oldAB1", TRUE }, /* a direct.xml one whose letters spell "old" */
    { ".direct.xml.AbC12", FALSE }, /* five letters */
    { ".direct.xml.AbC1234", FALSE },    { ".direct.xml.AbC-23", FALSE },
    { ".direct.xml.old.AbC12", FALSE },  { ".direct.xml.AbC123~", FALSE },
    { "direct.xml.AbC123", FALSE },      { ".direct.xmlXAbC123", FALSE },
    { ".firewalld.conf.AbC123", FALSE },
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *original = install_data (f, "kuma-2.1.xml");
  g_autofree char *victim = g_build_filename (f->dir, "victim", NULL);
  g_autofree char *link_name = g_build_filename (f->dir, ".direct.xml.LnK123", NULL);
  g_autofree char *fifo = g_build_filename (f->dir, ".direct.xml.FiFo12", NULL);
  g_autofree char *subdir = g_build_filename (f->dir, ".direct.xml.DiR123", NULL);
  g_autofree char *locked = g_build_filename (f->dir, ".direct.xml.LoCk12", NULL);
  g_autofree char *foreign = g_build_filename (f->dir, ".direct.xml.NoBody", NULL);
  g_autofree char *victim_text = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirect) other = desired_for ("everything");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  gboolean root = geteuid () == 0;
  int lock_fd;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i].name, NULL);
      write_text (path, "<direct>\n", -1);
    }
  write_text (victim, "not ours", -1);
  g_assert_cmpint (symlink ("victim", link_name), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  /* A live writer: it holds the lock each of our temporary files carries. */
  write_text (locked, "", 0);
  lock_fd = open (locked, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (lock_fd, >=, 0);
  g_assert_cmpint (flock (lock_fd, LOCK_EX | LOCK_NB), ==, 0);
  if (root)
    {
      write_text (foreign, "", 0);
      g_assert_cmpint (chown (foreign, 65534, 65534), ==, 0);
    }

  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i].name, NULL);
      GStatBuf st;

      g_test_message ("%s: %s", files[i].name, files[i].removed ? "removed" : "kept");
      g_assert_cmpint (g_lstat (path, &st) == 0, ==, !files[i].removed);
    }
  g_assert_true (g_file_test (link_name, G_FILE_TEST_IS_SYMLINK));
  victim_text = read_text (victim);
  g_assert_cmpstr (victim_text, ==, "not ours");
  g_assert_true (g_file_test (fifo, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (locked, G_FILE_TEST_EXISTS));
  g_assert_true (!root || g_file_test (foreign, G_FILE_TEST_EXISTS));

  /* The writer gone, the next save removes its file. */
  close (lock_fd);
  mtp_direct_xml_set_ours (xml, other, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (locked, G_FILE_TEST_EXISTS));
}

/* In a child: as nobody, loads dir and saves it changed. 0 when the save is
 * refused as it should be (everything freed, for valgrind). */
static int
save_as_nobody (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autofree char *quoted = g_strdup_printf ("'%s'", dir);

  if (setgroups (0, NULL) != 0 || setresgid (65534, 65534, 65534) != 0
      || setresuid (65534, 65534, 65534) != 0)
    return 10;
  xml = mtp_direct_xml_load (dir, &error);
  if (xml == NULL)
    return 11;
  mtp_direct_xml_set_ours (xml, desired, NULL);
  if (mtp_direct_xml_save (xml, &error))
    return 12;
  if (!g_error_matches (error, MTP_ERROR, MTP_ERROR_PERMISSION))
    return 13;
  if (strstr (error->message, quoted) == NULL || strstr (error->message, "needs root") == NULL)
    return 14;
  return 0;
}

/* Run as an unprivileged user (a child process): a permission error, and
 * nothing changed. */
static void
test_not_root (Fixture *f, gconstpointer data)
{
  g_autofree char *original = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  int status = 0;
  pid_t pid;

  if (!mtp_test_require_root ("only root can become another user"))
    return;
  original = install_data (f, "kuma-2.1.xml");
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
  before = describe_dir (f->dir);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int code = save_as_nobody (f->dir);

      /* _exit runs no cleanup: free what this frame holds (valgrind). */
      g_clear_pointer (&original, g_free);
      g_clear_pointer (&before, g_free);
      _exit (code);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  after = describe_dir (f->dir);
  g_assert_cmpstr (after, ==, before);
}

/* SELinux: where it is enabled, the new file has the context of the one it
 * replaces, or the policy's for a new one; where it is not, no context is
 * written at all. */
static void
test_selinux_context (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("default");
  g_autoptr (MtpDirect) other = desired_for ("everything");
  g_autoptr (MtpDirectXml) xml = load_ok (f->dir);
  char value[256];
  gboolean enabled = FALSE;

#if HAVE_SELINUX
  enabled = is_selinux_enabled () > 0;
#endif
  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  if (!enabled)
    {
      g_test_message ("SELinux is not enabled: no context may be written");
      g_assert_cmpint (lgetxattr (f->path, "security.selinux", value, sizeof value), <, 0);
      g_assert_true (errno == ENODATA || errno == ENOTSUP);
      return;
    }
#if HAVE_SELINUX
  {
    char *before = NULL;
    char *after = NULL;

    g_assert_cmpint (lgetfilecon (f->path, &before), >, 0);
    mtp_direct_xml_set_ours (xml, other, NULL);
    g_assert_true (mtp_direct_xml_save (xml, &error));
    g_assert_no_error (error);
    g_assert_cmpint (lgetfilecon (f->path, &after), >, 0);
    g_assert_cmpstr (after, ==, before);
    freecon (after);
    g_assert_cmpint (lgetfilecon (f->old_path, &after), >, 0);
    g_assert_cmpstr (after, ==, before);
    freecon (after);
    freecon (before);
  }
#endif
}

/* firewalld's own reader */

static gboolean
need_firewalld (void)
{
  g_autofree char *offline = NULL;
  g_autofree char *python = NULL;

  if (!mtp_test_require_root ("firewall-offline-cmd reads only as root"))
    return FALSE;
  offline = g_find_program_in_path ("firewall-offline-cmd");
  python = g_find_program_in_path ("python3");
  if (offline != NULL && python != NULL)
    return TRUE;
  if (g_strcmp0 (g_getenv ("MTP_FAIL_ON_SKIP"), "1") == 0)
    {
      g_test_message ("needs firewall-offline-cmd and python3 (MTP_FAIL_ON_SKIP=1)");
      g_test_fail ();
    }
  else
    g_test_skip ("needs firewall-offline-cmd and python3");
  return FALSE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* What firewalld lists, each line as tokens joined with \x1f, sorted. */
static GPtrArray *
firewalld_listing (const char *dir, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           "firewall-offline-cmd", "--system-config", dir, "--direct", what, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_error ("firewall-offline-cmd --direct %s failed: %s", what, err);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) tokens = NULL;

      if (*lines[i] == '\0')
        continue;
      tokens = mtp_shlex_split (lines[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (result, g_strjoinv ("\x1f", tokens));
    }
  g_ptr_array_sort (result, compare_strings);
  return result;
}

static GPtrArray *
our_listing (const MtpDirect *d, const char *what)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  if (strcmp (what, "--get-all-chains") == 0)
    for (guint i = 0; i < d->chains->len; i++)
      {
        const MtpDirectChain *c = d->chains->pdata[i];
        g_ptr_array_add (result, g_strjoin ("\x1f", c->ipv, c->table, c->chain, NULL));
      }
  else if (strcmp (what, "--get-all-rules") == 0)
    for (guint i = 0; i < d->rules->len; i++)
      {
        const MtpDirectRule *r = d->rules->pdata[i];
        g_autofree char *priority = g_strdup_printf ("%d", r->priority);
        g_autofree char *args = g_strjoinv ("\x1f", r->args);
        g_ptr_array_add (result,
                         *args != '\0'
                             ? g_strjoin ("\x1f", r->ipv, r->table, r->chain, priority, args, NULL)
                             : g_strjoin ("\x1f", r->ipv, r->table, r->chain, priority, NULL));
      }
  else
    for (guint i = 0; i < d->passthroughs->len; i++)
      {
        const MtpDirectPassthrough *p = d->passthroughs->pdata[i];
        g_autofree char *args = g_strjoinv ("\x1f", p->args);
        g_ptr_array_add (result, g_strjoin ("\x1f", p->ipv, args, NULL));
      }
  g_ptr_array_sort (result, compare_strings);
  return result;
}

static void
assert_firewalld_reads (const char *dir, const MtpDirect *d)
{
  static const char *const what[]
      = { "--get-all-chains", "--get-all-rules", "--get-all-passthroughs" };

  for (guint w = 0; w < G_N_ELEMENTS (what); w++)
    {
      g_autoptr (GPtrArray) theirs = firewalld_listing (dir, what[w]);
      g_autoptr (GPtrArray) ours = our_listing (d, what[w]);

      g_assert_cmpuint (theirs->len, ==, ours->len);
      for (guint i = 0; i < theirs->len; i++)
        g_assert_cmpstr (theirs->pdata[i], ==, ours->pdata[i]);
    }
}

static void
write_firewalld_conf (Fixture *f)
{
  g_autofree char *conf = g_build_filename (f->dir, "firewalld.conf", NULL);

  write_text (conf, "DefaultZone=public\nFirewallBackend=nftables\n", -1);
}

static void
test_firewalld_cross_check (Fixture *f, gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirectXml) again = NULL;
  g_autoptr (MtpDirect) desired = desired_for ("everything");

  if (!need_firewalld ())
    return;
  write_firewalld_conf (f);
  g_free (install_data (f, name));
  xml = load_ok (f->dir);
  assert_firewalld_reads (f->dir, mtp_direct_xml_get (xml));

  mtp_direct_xml_set_ours (xml, desired, NULL);
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  assert_firewalld_reads (f->dir, mtp_direct_xml_get (xml));
  again = load_ok (f->dir);
  assert_direct_equal (mtp_direct_xml_get (again), mtp_direct_xml_get (xml));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/direct-xml/missing", test_missing);
  ADD ("/direct-xml/missing-dir", test_missing_dir);
  ADD ("/direct-xml/layout", test_layout);
  ADD ("/direct-xml/mixed/read", test_mixed_read);
  ADD ("/direct-xml/mixed/set-ours", test_mixed_set_ours);
  ADD ("/direct-xml/mixed/save", test_mixed_save);
  ADD ("/direct-xml/mixed/remove-all", test_remove_all);
  ADD ("/direct-xml/idempotent", test_idempotent);
  ADD ("/direct-xml/forms", test_forms);
  ADD ("/direct-xml/priority-limits", test_priority_limits);
  ADD ("/direct-xml/error/too-large", test_too_large);
  ADD ("/direct-xml/error/not-regular", test_not_regular);
  ADD ("/direct-xml/error/dangling-symlink", test_dangling_symlink);
  ADD ("/direct-xml/error/nul-byte", test_nul_byte);
  ADD ("/direct-xml/error/entry-limits", test_entry_limits);
  ADD ("/direct-xml/error/entity-bomb-time", test_entity_bomb_time);
  ADD ("/direct-xml/utf16", test_utf16);
  ADD ("/direct-xml/save/symlink", test_symlink);
  ADD ("/direct-xml/save/failure", test_save_failure);
  ADD ("/direct-xml/save/dir-writable", test_dir_writable);
  ADD ("/direct-xml/save/dir-owner", test_dir_owner);
  ADD ("/direct-xml/save/dir-symlink", test_dir_symlink);
  ADD ("/direct-xml/save/new-file-mode", test_new_file_mode);
  ADD ("/direct-xml/save/keeps-owner", test_keeps_owner);
  ADD ("/direct-xml/save/hard-link", test_hard_link);
  ADD ("/direct-xml/save/stale-temp-files", test_stale_temp_files);
  ADD ("/direct-xml/save/not-root", test_not_root);
  ADD ("/direct-xml/save/selinux-context", test_selinux_context);
#undef ADD
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/direct-xml/error/%s", error_cases[i].name);
      g_test_add (path, Fixture, &error_cases[i], fixture_set_up, test_error, fixture_tear_down);
    }
  g_test_add ("/direct-xml/firewalld/mixed", Fixture, "kuma-2.1.xml", fixture_set_up,
              test_firewalld_cross_check, fixture_tear_down);
  g_test_add ("/direct-xml/firewalld/forms", Fixture, "firewalld-forms.xml", fixture_set_up,
              test_firewalld_cross_check, fixture_tear_down);

  return g_test_run ();
}
