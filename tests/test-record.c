/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtp-direct.h"
#include "mtp-error.h"
#include "mtp-record.h"
#include "mtp-test-cases.h"

/* The install record (mtp-record.h): its text for every golden rule set read
 * back exactly, damaged and untrusted records ignored with a reason, and
 * writing: atomic, only when the content changes, a union before the change
 * and the new set after it, never into an unsafe directory. Every test works
 * in its own temporary directory. */

#define NOBODY 65534

typedef struct
{
  char *dir;   /* the state directory's parent */
  char *state; /* <dir>/state: not made by the fixture */
} Fixture;

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = NULL;
      const char *name;

      g_assert_cmpint (g_chmod (path, 0700), ==, 0);
      dir = g_dir_open (path, 0, NULL);
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

  f->dir = g_dir_make_tmp ("mtp-record-XXXXXX", &error);
  g_assert_no_error (error);
  f->state = g_build_filename (f->dir, "state", NULL);
  umask (022);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->state);
}

static char *
record_file (Fixture *f, MtpRecordStore store)
{
  g_autofree char *name = g_strconcat (mtp_record_store_to_string (store), ".record", NULL);

  return g_build_filename (f->state, name, NULL);
}

static void
write_file (const char *path, const char *text, mode_t mode)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
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
        g_autofree char *x = mtp_direct_rule_to_string (a->rules->pdata[i]);
        g_autofree char *y = mtp_direct_rule_to_string (b->rules->pdata[i]);
        g_assert_cmpstr (x, ==, y);
      }
}

/* Every golden rule set, in every store's record: read back as written, and
 * each rule parsed back into the rule model to the same arguments (what the
 * libiptc store matches table entries with). */
static void
test_round_trip (Fixture *f, gconstpointer data)
{
  for (guint c = 0; c < mtp_n_test_cases; c++)
    {
      const MtpTestCase *tc = &mtp_test_cases[c];
      g_autoptr (MtpRuleset) ruleset = mtp_test_case_build (tc);
      g_autoptr (MtpDirect) direct = mtp_direct_from_ruleset (ruleset);

      for (MtpRecordStore s = 0; s < MTP_RECORD_N_STORES; s++)
        {
          g_autofree char *text = mtp_record_to_data (s, direct);
          g_autofree char *path = record_file (f, s);
          g_autoptr (MtpDirect) back = NULL;
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
          g_autoptr (MtpRecords) records = NULL;
          g_autoptr (MtpRuleset) known = NULL;

          g_test_message ("%s, %s", tc->name, mtp_record_store_to_string (s));
          back = mtp_record_from_data (s, text, strlen (text), &error);
          g_assert_no_error (error);
          assert_direct_equal (direct, back);

          write_file (path, text, 0644);
          records = mtp_records_load (f->state, warnings);
          g_assert_cmpuint (warnings->len, ==, 0);
          assert_direct_equal (direct, mtp_records_get (records, s));
          known = mtp_records_known_ruleset (records, NULL);
          g_assert_cmpuint (known->rules->len, ==, ruleset->rules->len);
          for (guint i = 0; i < ruleset->rules->len; i++)
            {
              g_auto (GStrv) want = mtp_rule_to_args (ruleset->rules->pdata[i]);
              g_auto (GStrv) got = mtp_rule_to_args (known->rules->pdata[i]);
              const MtpRule *a = ruleset->rules->pdata[i], *b = known->rules->pdata[i];

              g_assert_true (g_strv_equal ((const char *const *)want, (const char *const *)got));
              g_assert_cmpint (a->family, ==, b->family);
              g_assert_cmpint (a->table, ==, b->table);
              g_assert_cmpstr (a->chain, ==, b->chain);
            }
          g_assert_cmpint (g_unlink (path), ==, 0);
        }
    }
}

/* A record that is not one: each refused with its reason. */
static const struct
{
  const char *name;
  const char *text;
  const char *reason;
} damaged[] = {
  { "empty", "", "no version" },
  { "not-a-key-file", "this is not a key file\n", "this is not a key file" },
  { "unknown-group", "[Record]\nVersion=1\nStore=iptables-legacy\n[Extra]\n",
    "unknown group [Extra]" },
  { "unknown-key", "[Record]\nVersion=1\nStore=iptables-legacy\nOwner=me\n",
    "unknown key 'Owner'" },
  { "newer-version", "[Record]\nVersion=2\nStore=iptables-legacy\n", "version 2, not 1" },
  { "other-store", "[Record]\nVersion=1\nStore=firewalld-runtime\n",
    "record of store 'firewalld-runtime', not of 'iptables-legacy'" },
  { "nul-byte", "[Record]\nVersion=1\nStore=iptables-legacy\n\0", NULL },
  { "not-utf8", "[Record]\nVersion=1\nStore=iptables-legacy\n# \xff\n", "not valid UTF-8" },
  { "foreign-chain", "[Record]\nVersion=1\nStore=iptables-legacy\n[Chains]\n0=ipv4 nat DOCKER\n",
    "chain 'DOCKER' is not ours" },
  { "chain-parts", "[Record]\nVersion=1\nStore=iptables-legacy\n[Chains]\n0=ipv4 nat\n",
    "not a chain" },
  { "filter-table",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 filter INPUT 0 -j DROP\n",
    "not a rule ('ipv4 filter INPUT 0 -j DROP')" },
  { "accept",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -p tcp -j ACCEPT\n",
    "not a rule mesh-tproxy writes" },
  { "foreign-chain-rule",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat DOCKER 0 -j RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "unknown-match",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -m mark --mark 1 -j "
    "RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "not-as-written",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -d 10.0.0.2 -j "
    "RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "leading-zero",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -p udp --dport 053 "
    "-j RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "family-mismatch",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv6 nat OUTPUT 0 -d 10.0.0.2/32 -j "
    "RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "trailing-token",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -j RETURN x\n",
    "not a rule mesh-tproxy writes" },
  { "no-target",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -p tcp\n",
    "not a rule" },
  { "foreign-comment",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -m comment --comment "
    "docker -j RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "too-many-ports",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -m multiport -p tcp "
    "--dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "long-interface",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -o "
    "abcdefghijklmnop -j RETURN\n",
    "not a rule mesh-tproxy writes" },
  { "priority-range",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 2147483648 -j RETURN\n",
    "not a rule" },
  { "open-quote",
    "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 nat OUTPUT 0 -j 'RETURN\n",
    "not a rule" },
  { "bad-escape", "[Record]\nVersion=1\nStore=iptables-legacy\n[Rules]\n0=ipv4 \\q\n",
    "not a rule" },
};

static void
test_damaged (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      gsize len = strcmp (damaged[i].name, "nul-byte") == 0 ? strlen (damaged[i].text) + 1
                                                            : strlen (damaged[i].text);
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpDirect) d = NULL;

      g_test_message ("%s", damaged[i].name);
      d = mtp_record_from_data (MTP_RECORD_IPTABLES_LEGACY, damaged[i].text, len, &error);
      g_assert_null (d);
      g_assert_nonnull (error);
      if (damaged[i].reason != NULL && strstr (error->message, damaged[i].reason) == NULL)
        g_error ("%s: '%s' does not say '%s'", damaged[i].name, error->message, damaged[i].reason);
    }
}

/* The one warning of a load, which must name the file and say why. */
static void
assert_ignored (Fixture *f, const char *why)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MtpRecords) records = mtp_records_load (f->state, warnings);
  g_autofree char *path = record_file (f, MTP_RECORD_IPTABLES_LEGACY);

  g_assert_null (mtp_records_get (records, MTP_RECORD_IPTABLES_LEGACY));
  g_assert_cmpuint (warnings->len, ==, 1);
  g_test_message ("%s", (const char *)warnings->pdata[0]);
  g_assert_nonnull (strstr (warnings->pdata[0], path));
  if (strstr (warnings->pdata[0], why) == NULL)
    g_error ("'%s' does not say '%s'", (const char *)warnings->pdata[0], why);
}

static char *
good_record (void)
{
  g_autoptr (MtpRuleset) ruleset = mtp_test_case_build (&mtp_test_cases[0]);
  g_autoptr (MtpDirect) direct = mtp_direct_from_ruleset (ruleset);

  return mtp_record_to_data (MTP_RECORD_IPTABLES_LEGACY, direct);
}

/* What is not there is no record and no warning; what cannot be trusted is
 * ignored with a warning, whatever it holds. */
static void
test_untrusted (Fixture *f, gconstpointer data)
{
  g_autofree char *path = record_file (f, MTP_RECORD_IPTABLES_LEGACY);
  g_autofree char *text = good_record ();
  g_autofree char *target = g_build_filename (f->dir, "elsewhere.record", NULL);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MtpRecords) none = NULL;

  if (!mtp_test_require_root ("files of another owner"))
    return;
  /* No directory, then no file: normal. */
  none = mtp_records_load (f->state, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_cmpint (g_mkdir (f->state, 0755), ==, 0);
  g_clear_pointer (&none, mtp_records_free);
  none = mtp_records_load (f->state, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_null (mtp_records_get (none, MTP_RECORD_IPTABLES_LEGACY));

  write_file (path, text, 0644);
  g_clear_pointer (&none, mtp_records_free);
  none = mtp_records_load (f->state, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_nonnull (mtp_records_get (none, MTP_RECORD_IPTABLES_LEGACY));

  g_assert_cmpint (g_chmod (path, 0664), ==, 0);
  assert_ignored (f, "writable by users other than its owner (mode 0664)");
  g_assert_cmpint (g_chmod (path, 0646), ==, 0);
  assert_ignored (f, "writable by users other than its owner (mode 0646)");
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  g_assert_cmpint (chown (path, NOBODY, NOBODY), ==, 0);
  assert_ignored (f, "belongs to UID 65534, neither root nor the caller");
  g_assert_cmpint (chown (path, 0, 0), ==, 0);

  g_assert_cmpint (g_chmod (f->state, 0777), ==, 0);
  assert_ignored (f, "is writable by users other than its owner (mode 0777)");
  g_assert_cmpint (g_chmod (f->state, 0775), ==, 0);
  assert_ignored (f, "is writable by users other than its owner (mode 0775)");
  /* Sticky: others cannot swap our file. */
  g_assert_cmpint (g_chmod (f->state, 01777), ==, 0);
  g_clear_pointer (&none, mtp_records_free);
  none = mtp_records_load (f->state, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_cmpint (g_chmod (f->state, 0755), ==, 0);
  /* A directory above it writable by all. */
  g_assert_cmpint (g_chmod (f->dir, 0777), ==, 0);
  assert_ignored (f, "is writable by users other than its owner (mode 0777)");
  g_assert_cmpint (g_chmod (f->dir, 0700), ==, 0);
  g_assert_cmpint (chown (f->state, NOBODY, NOBODY), ==, 0);
  assert_ignored (f, "belongs to UID 65534");
  g_assert_cmpint (chown (f->state, 0, 0), ==, 0);

  g_assert_cmpint (g_unlink (path), ==, 0);
  write_file (target, text, 0644);
  g_assert_cmpint (symlink (target, path), ==, 0);
  assert_ignored (f, "a symbolic link");
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* Not opened, so nothing blocks. */
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  assert_ignored (f, "not a regular file");
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  assert_ignored (f, "not a regular file");
  g_assert_cmpint (g_rmdir (path), ==, 0);

  /* Too large: refused before it is read (a sparse file). */
  write_file (path, text, 0644);
  g_assert_cmpint (truncate (path, MTP_RECORD_MAX_SIZE + 1), ==, 0);
  assert_ignored (f, "larger than 64 MiB");
  g_assert_cmpint (g_unlink (path), ==, 0);

  write_file (path, "[Record]\nVersion=1\n", 0644);
  assert_ignored (f, "it is the record of store '', not of 'iptables-legacy'");
}

static MtpDirect *
case_direct (const char *name)
{
  for (guint c = 0; c < mtp_n_test_cases; c++)
    if (strcmp (mtp_test_cases[c].name, name) == 0)
      {
        g_autoptr (MtpRuleset) ruleset = mtp_test_case_build (&mtp_test_cases[c]);
        return mtp_direct_from_ruleset (ruleset);
      }
  g_assert_not_reached ();
}

static MtpDirect *
read_record (Fixture *f, MtpRecordStore store)
{
  g_autofree char *path = record_file (f, store);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  MtpDirect *d;
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  d = mtp_record_from_data (store, text, strlen (text), &error);
  g_assert_no_error (error);
  return d;
}

/* An install: the record holds old and new before the change, the new only
 * after it; the same again writes nothing; an uninstall removes it. */
static void
test_write (Fixture *f, gconstpointer data)
{
  g_autoptr (MtpDirect) a = case_direct ("comments-disabled");
  g_autoptr (MtpDirect) b = case_direct ("drop-invalid");
  g_autoptr (MtpDirect) union_ab = NULL;
  g_autoptr (MtpDirect) got = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MtpRecords) records = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = record_file (f, MTP_RECORD_FIREWALLD_PERMANENT);
  GStatBuf before, after;
  GStatBuf dir_st;

  /* The first install makes the directory. */
  records = mtp_records_load (f->state, warnings);
  g_assert_true (mtp_records_begin_install (records, MTP_RECORD_FIREWALLD_PERMANENT, a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (f->state, &dir_st), ==, 0);
  g_assert_cmpint (dir_st.st_mode & 07777, ==, 0755);
  g_assert_true (mtp_records_finish (records, &error));
  g_assert_no_error (error);
  got = read_record (f, MTP_RECORD_FIREWALLD_PERMANENT);
  assert_direct_equal (a, got);
  g_clear_pointer (&got, mtp_direct_free);
  g_clear_pointer (&records, mtp_records_free);

  /* The same again: not written. */
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  records = mtp_records_load (f->state, warnings);
  g_assert_true (mtp_records_begin_install (records, MTP_RECORD_FIREWALLD_PERMANENT, a, &error));
  g_assert_true (mtp_records_finish (records, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpuint (before.st_ino, ==, after.st_ino);
  g_assert_cmpint (before.st_mtim.tv_nsec, ==, after.st_mtim.tv_nsec);
  g_clear_pointer (&records, mtp_records_free);

  /* Other options: a then b, b alone after the run. */
  records = mtp_records_load (f->state, warnings);
  g_assert_true (mtp_records_begin_install (records, MTP_RECORD_FIREWALLD_PERMANENT, b, &error));
  g_assert_no_error (error);
  got = read_record (f, MTP_RECORD_FIREWALLD_PERMANENT);
  union_ab = mtp_direct_new ();
  for (guint i = 0; i < b->rules->len; i++)
    g_ptr_array_add (union_ab->rules, mtp_direct_rule_copy (b->rules->pdata[i]));
  for (guint i = 0; i < a->rules->len; i++)
    {
      gboolean in_b = FALSE;
      for (guint j = 0; j < b->rules->len; j++)
        in_b |= mtp_direct_rule_equal (a->rules->pdata[i], b->rules->pdata[j]);
      if (!in_b)
        g_ptr_array_add (union_ab->rules, mtp_direct_rule_copy (a->rules->pdata[i]));
    }
  g_assert_cmpuint (got->rules->len, ==, union_ab->rules->len);
  g_assert_cmpuint (got->rules->len, >, b->rules->len);
  for (guint i = 0; i < union_ab->rules->len; i++)
    g_assert_true (mtp_direct_rule_equal (got->rules->pdata[i], union_ab->rules->pdata[i]));
  g_clear_pointer (&got, mtp_direct_free);
  g_assert_true (mtp_records_finish (records, &error));
  got = read_record (f, MTP_RECORD_FIREWALLD_PERMANENT);
  assert_direct_equal (b, got);
  g_clear_pointer (&got, mtp_direct_free);
  g_clear_pointer (&records, mtp_records_free);

  /* The others' records are untouched; an uninstall removes its own. */
  {
    g_autofree char *other = record_file (f, MTP_RECORD_IPTABLES_LEGACY);
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
  records = mtp_records_load (f->state, warnings);
  mtp_records_begin_uninstall (records, MTP_RECORD_FIREWALLD_PERMANENT);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (mtp_records_finish (records, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&records, mtp_records_free);
  g_assert_cmpuint (warnings->len, ==, 0);

  /* An uninstall without a record or its directory is fine. */
  remove_tree (f->state);
  records = mtp_records_load (f->state, warnings);
  mtp_records_begin_uninstall (records, MTP_RECORD_IPTABLES_LEGACY);
  g_assert_true (mtp_records_finish (records, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->state, G_FILE_TEST_EXISTS));
}

/* An install never writes into a directory others could change; nothing is
 * written then. */
static void
test_unsafe_directory (Fixture *f, gconstpointer data)
{
  g_autoptr (MtpDirect) a = case_direct ("default");
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MtpRecords) records = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = record_file (f, MTP_RECORD_IPTABLES_LEGACY);

  g_assert_cmpint (g_mkdir (f->state, 0755), ==, 0);
  g_assert_cmpint (g_chmod (f->state, 0757), ==, 0);
  records = mtp_records_load (f->state, warnings);
  g_assert_false (mtp_records_begin_install (records, MTP_RECORD_IPTABLES_LEGACY, a, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "is not safe for mesh-tproxy's install record"));
  g_assert_nonnull (strstr (error->message, "mode 0757"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* An uninstall goes through; it leaves the file it cannot trust the
   * directory of, and says so. */
  write_file (path, "damaged", 0644);
  mtp_records_begin_uninstall (records, MTP_RECORD_IPTABLES_LEGACY);
  g_assert_false (mtp_records_finish (records, &error));
  g_assert_nonnull (strstr (error->message, "not removing the install record"));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A damaged record in a safe directory is replaced by an install. */
  g_assert_cmpint (g_chmod (f->state, 0755), ==, 0);
  g_clear_pointer (&records, mtp_records_free);
  records = mtp_records_load (f->state, warnings);
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_true (mtp_records_begin_install (records, MTP_RECORD_IPTABLES_LEGACY, a, &error));
  g_assert_true (mtp_records_finish (records, &error));
  g_assert_no_error (error);
  {
    g_autoptr (MtpDirect) got = read_record (f, MTP_RECORD_IPTABLES_LEGACY);
    assert_direct_equal (a, got);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/record/round-trip", test_round_trip);
  ADD ("/record/damaged", test_damaged);
  ADD ("/record/untrusted", test_untrusted);
  ADD ("/record/write", test_write);
  ADD ("/record/unsafe-directory", test_unsafe_directory);
  return g_test_run ();
}
