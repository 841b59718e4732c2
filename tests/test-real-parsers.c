/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-kernel.h"
#include "mtp-render.h"
#include "mtp-shlex.h"
#include "mtp-test-cases.h"

/* The real consumers of what we print: iptables-restore (legacy and nft) in a
 * fresh network namespace, and firewalld's own reader of direct.xml
 * (firewall-offline-cmd). Needs root; never touches the host's tables. */

static gboolean
need_root (void)
{
  return mtp_test_require_root ("loads rules into a private network namespace");
}

/* A fresh, empty network namespace for this process and what it spawns. */
static void
enter_fresh_netns (void)
{
  if (unshare (CLONE_NEWNET) != 0)
    g_error ("unshare(CLONE_NEWNET): %s", g_strerror (errno));
}

static int
run (const char *const *argv, const char *input, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc
      = g_subprocess_newv (argv,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error);

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, out, err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

static void
run_ok (const char *const *argv, const char *input, char **out)
{
  g_autofree char *err = NULL;
  int status = run (argv, input, out, &err);

  if (status != 0)
    g_error ("%s exited with %d: %s", argv[0], status, err);
}

/* Our rules of one chain in chain order (inserted, then appended), as their
 * comments; what iptables-save must list for that chain. */
static GPtrArray *
expected_chain (const MtpRuleset *rs, MtpFamily family, const char *table, const char *chain)
{
  GPtrArray *inserted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) appended = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      char *comment;

      if (r->family != family || strcmp (mtp_table_to_string (r->table), table) != 0
          || strcmp (r->chain, chain) != 0)
        continue;
      comment = r->comment ? g_strconcat (MTP_COMMENT_PREFIX, r->comment, NULL) : g_strdup ("");
      g_ptr_array_add (r->position == MTP_POSITION_INSERT ? inserted : appended, comment);
    }
  for (guint i = 0; i < appended->len; i++)
    g_ptr_array_add (inserted, g_strdup (appended->pdata[i]));
  return inserted;
}

static char *
comment_of (char **tokens)
{
  for (guint i = 0; tokens[i] != NULL; i++)
    if (strcmp (tokens[i], "--comment") == 0 && tokens[i + 1] != NULL)
      return g_strdup (tokens[i + 1]);
  return g_strdup ("");
}

/* Checks that the tables, as iptables-save prints them, hold our rules chain
 * by chain in our order. */
static void
assert_saved_matches (const MtpRuleset *rs, MtpFamily family, const char *saved)
{
  g_auto (GStrv) lines = g_strsplit (saved, "\n", -1);
  g_autoptr (GHashTable) chains
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  g_autofree char *table = NULL;
  guint n_saved = 0, n_ours = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) tokens = NULL;
      g_autofree char *key = NULL;
      GPtrArray *list;

      if (lines[i][0] == '*')
        {
          g_free (table);
          table = g_strdup (lines[i] + 1);
          continue;
        }
      if (!g_str_has_prefix (lines[i], "-A "))
        continue;
      /* iptables-save quotes like a shell in the parts we use. */
      tokens = mtp_shlex_split (lines[i], NULL);
      g_assert_nonnull (tokens);
      key = g_strdup_printf ("%s %s", table, tokens[1]);
      list = g_hash_table_lookup (chains, key);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (chains, g_strdup (key), list);
        }
      g_ptr_array_add (list, comment_of (tokens));
      n_saved++;
    }

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      g_autofree char *key = NULL;
      g_autoptr (GPtrArray) expected = NULL;
      GPtrArray *got;

      if (r->family != family)
        continue;
      n_ours++;
      key = g_strdup_printf ("%s %s", mtp_table_to_string (r->table), r->chain);
      expected = expected_chain (rs, family, mtp_table_to_string (r->table), r->chain);
      got = g_hash_table_lookup (chains, key);
      g_assert_nonnull (got);
      g_assert_cmpuint (got->len, ==, expected->len);
      for (guint j = 0; j < expected->len; j++)
        g_assert_cmpstr (got->pdata[j], ==, expected->pdata[j]);
    }
  /* Nothing but ours in a fresh namespace. */
  g_assert_cmpuint (n_saved, ==, n_ours);
}

/* The one canonical form (mtp_kernel_canonical_args) makes our direct
 * arguments and what this iptables-save printed for them equal, rule by
 * rule: what status compares firewalld's view with. */
static void
assert_compares_equal (const MtpRuleset *rs, MtpFamily family, const char *saved)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirect) tables = mtp_kernel_parse_save (family, saved, &error);
  g_autoptr (MtpDirect) all = mtp_direct_from_ruleset (rs);
  g_autoptr (MtpDirect) ours = mtp_direct_new ();
  g_autoptr (MtpKernelDiff) diff = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < all->rules->len; i++)
    if (strcmp (((MtpDirectRule *)all->rules->pdata[i])->ipv, mtp_family_to_string (family)) == 0)
      g_ptr_array_add (ours->rules, mtp_direct_rule_copy (all->rules->pdata[i]));
  for (guint i = 0; i < all->chains->len; i++)
    if (strcmp (((MtpDirectChain *)all->chains->pdata[i])->ipv, mtp_family_to_string (family)) == 0)
      g_ptr_array_add (ours->chains, mtp_direct_chain_copy (all->chains->pdata[i]));
  diff = mtp_kernel_compare (tables, ours, FALSE);
  for (guint i = 0; i < diff->extra_rules->len; i++)
    {
      g_autofree char *text = mtp_kernel_rule_to_string (diff->extra_rules->pdata[i]);
      g_test_message ("saved, not matched: %s", text);
    }
  for (guint i = 0; i < diff->missing_rules->len; i++)
    {
      g_autofree char *text = mtp_kernel_rule_to_string (diff->missing_rules->pdata[i]);
      g_test_message ("ours, not matched: %s", text);
    }
  g_assert_cmpuint (diff->extra_rules->len, ==, 0);
  g_assert_cmpuint (diff->missing_rules->len, ==, 0);
  g_assert_cmpuint (diff->extra_chains->len, ==, 0);
  g_assert_cmpuint (diff->missing_chains->len, ==, 0);
}

static void
check_iptables (const MtpTestCase *tc, const MtpRuleset *rs, MtpFamily family, const char *variant)
{
  g_autofree char *text = mtp_render_iptables (rs, family);
  const char *prefix = family == MTP_FAMILY_IPV4 ? "iptables" : "ip6tables";
  g_autofree char *restore = g_strdup_printf ("%s-%s-restore", prefix, variant);
  g_autofree char *save = g_strdup_printf ("%s-%s-save", prefix, variant);
  const char *test_argv[] = { restore, "--test", "--noflush", NULL };
  const char *load_argv[] = { restore, "--noflush", NULL };
  const char *save_argv[] = { save, NULL };
  g_autofree char *saved = NULL;

  if (*text == '\0')
    return;
  enter_fresh_netns ();
  /* The facts said Docker's chain is there: make it so. */
  if (tc->docker_output)
    run_ok (load_argv, "*nat\n:DOCKER_OUTPUT - [0:0]\nCOMMIT\n", NULL);
  run_ok (test_argv, text, NULL);
  /* --test does not reach the kernel: load for real as well. */
  run_ok (load_argv, text, NULL);
  run_ok (save_argv, NULL, &saved);
  assert_saved_matches (rs, family, saved);
  assert_compares_equal (rs, family, saved);
}

static void
test_iptables (gconstpointer data)
{
  const MtpTestCase *tc = data;
  g_autoptr (MtpRuleset) rs = NULL;

  if (!need_root ())
    return;
  rs = mtp_test_case_build (tc);
  check_iptables (tc, rs, MTP_FAMILY_IPV4, "legacy");
  check_iptables (tc, rs, MTP_FAMILY_IPV4, "nft");
  check_iptables (tc, rs, MTP_FAMILY_IPV6, "legacy");
  check_iptables (tc, rs, MTP_FAMILY_IPV6, "nft");
}

/* A firewalld configuration directory holding only direct.xml. */
static char *
make_config_dir (const char *direct_xml)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("mtp-fw-XXXXXX", &error);
  g_autofree char *conf = g_build_filename (dir, "firewalld.conf", NULL);
  g_autofree char *direct = g_build_filename (dir, "direct.xml", NULL);

  g_assert_no_error (error);
  g_file_set_contents (conf, "FirewallBackend=nftables\n", -1, &error);
  g_assert_no_error (error);
  if (direct_xml != NULL)
    {
      g_file_set_contents (direct, direct_xml, -1, &error);
      g_assert_no_error (error);
    }
  return dir;
}

static void
remove_config_dir (const char *dir)
{
  const char *argv[] = { "rm", "-rf", "--", dir, NULL };

  run_ok (argv, NULL, NULL);
}

/* "ipv table chain priority args…" per rule, as token vectors joined with a
 * separator that no token holds, sorted: firewalld lists in its own order. */
static GPtrArray *
firewalld_listing (const char *dir, const char *what)
{
  const char *argv[] = { "firewall-offline-cmd", "--system-config", dir, "--direct", what, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  run_ok (argv, NULL, &out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) tokens = NULL;

      if (*lines[i] == '\0')
        continue;
      tokens = mtp_shlex_split (lines[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (result, g_strjoinv ("\x1f", tokens));
    }
  g_ptr_array_sort (result, (GCompareFunc)g_strcmp0);
  return result;
}

static int
cmp_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static GPtrArray *
our_listing (const MtpRuleset *rs, gboolean chains)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  if (chains)
    for (guint i = 0; i < rs->chains->len; i++)
      {
        const MtpChain *c = rs->chains->pdata[i];
        g_ptr_array_add (result, g_strjoin ("\x1f", mtp_family_to_string (c->family),
                                            mtp_table_to_string (c->table), c->name, NULL));
      }
  else
    for (guint i = 0; i < rs->rules->len; i++)
      {
        const MtpRule *r = rs->rules->pdata[i];
        g_auto (GStrv) args = mtp_rule_to_args (r);
        g_autofree char *joined = g_strjoinv ("\x1f", args);
        g_ptr_array_add (result, g_strdup_printf ("%s\x1f%s\x1f%s\x1f%d\x1f%s",
                                                  mtp_family_to_string (r->family),
                                                  mtp_table_to_string (r->table), r->chain,
                                                  r->priority, joined));
      }
  g_ptr_array_sort (result, cmp_strings);
  return result;
}

static void
assert_same_listing (GPtrArray *got, GPtrArray *expected)
{
  g_ptr_array_sort (got, cmp_strings);
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpstr (got->pdata[i], ==, expected->pdata[i]);
}

static void
test_firewalld (gconstpointer data)
{
  const MtpTestCase *tc = data;
  g_autoptr (MtpRuleset) rs = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) rules = NULL;
  g_autoptr (GPtrArray) chains = NULL;
  g_autoptr (GPtrArray) our_rules = NULL;
  g_autoptr (GPtrArray) our_chains = NULL;
  const char *check_argv[]
      = { "firewall-offline-cmd", "--system-config", NULL, "--check-config", NULL };

  if (!need_root ())
    return;
  rs = mtp_test_case_build (tc);
  xml = mtp_render_direct_xml (rs, NULL);
  g_assert_nonnull (xml);
  dir = make_config_dir (xml);

  rules = firewalld_listing (dir, "--get-all-rules");
  chains = firewalld_listing (dir, "--get-all-chains");
  our_rules = our_listing (rs, FALSE);
  our_chains = our_listing (rs, TRUE);
  assert_same_listing (rules, our_rules);
  assert_same_listing (chains, our_chains);

  check_argv[2] = dir;
  run_ok (check_argv, NULL, NULL);
  remove_config_dir (dir);
}

/* The `show --format firewall-cmd` lines, run with firewall-offline-cmd in
 * place of `firewall-cmd --permanent` (same parser), build the same config. */
static void
test_firewall_cmd_lines (void)
{
  const MtpTestCase *tc = NULL;
  g_autoptr (MtpRuleset) rs = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) rules = NULL;
  g_autoptr (GPtrArray) our_rules = NULL;

  if (!need_root ())
    return;
  for (guint i = 0; i < mtp_n_test_cases; i++)
    if (strcmp (mtp_test_cases[i].name, "dns-servers") == 0)
      tc = &mtp_test_cases[i];
  rs = mtp_test_case_build (tc);
  text = mtp_render_firewall_cmd (rs);
  dir = make_config_dir (NULL);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) words = NULL;
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();

      if (*lines[i] == '\0')
        continue;
      words = mtp_shlex_split (lines[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (words[0], ==, "firewall-cmd");
      g_assert_cmpstr (words[1], ==, "--permanent");
      g_ptr_array_add (argv, "firewall-offline-cmd");
      g_ptr_array_add (argv, "--system-config");
      g_ptr_array_add (argv, dir);
      for (guint w = 2; words[w] != NULL; w++)
        g_ptr_array_add (argv, words[w]);
      g_ptr_array_add (argv, NULL);
      run_ok ((const char *const *)argv->pdata, NULL, NULL);
    }
  rules = firewalld_listing (dir, "--get-all-rules");
  our_rules = our_listing (rs, FALSE);
  assert_same_listing (rules, our_rules);
  remove_config_dir (dir);
}

/* Foreign rules on interfaces with odd names, as the kernel allows them
 * (real interfaces: veth pairs), in the legacy and nft tables of both
 * families: what iptables-save prints for them reads back as
 * iptables-restore would read it, and a name with '"' (which it prints as it
 * is) is refused with its line. */
static void
check_odd_names (MtpFamily family, const char *variant)
{
  static const char *const names[] = { "a'b", "a\\b", "a#b", "caf\xc3\xa9", "a$`b", NULL };
  const char *prefix = family == MTP_FAMILY_IPV4 ? "iptables" : "ip6tables";
  g_autofree char *tool = g_strdup_printf ("%s-%s", prefix, variant);
  g_autofree char *save = g_strdup_printf ("%s-%s-save", prefix, variant);
  const char *save_argv[] = { save, NULL };
  const char *comment_argv[]
      = { tool, "-A",     "OUTPUT", "-m", "comment", "--comment", "it's \"q\" \\ #x",
          "-j", "ACCEPT", NULL };
  const char *quote_argv[] = { tool, "-A", "INPUT", "-i", "x\"y", "-j", "ACCEPT", NULL };
  g_autofree char *saved = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirect) d = NULL;
  guint n = 0;

  enter_fresh_netns ();
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *peer = g_strdup_printf ("mtpodd%u", i);
      const char *link_argv[]
          = { "ip", "link", "add", names[i], "type", "veth", "peer", "name", peer, NULL };
      const char *rule_argv[] = { tool, "-A", "INPUT", "-i", names[i], "-j", "ACCEPT", NULL };

      run_ok (link_argv, NULL, NULL);
      run_ok (rule_argv, NULL, NULL);
    }
  run_ok (comment_argv, NULL, NULL);
  run_ok (save_argv, NULL, &saved);
  d = mtp_kernel_parse_save (family, saved, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < d->rules->len; i++)
    {
      const MtpDirectRule *r = d->rules->pdata[i];

      if (strcmp (r->chain, "INPUT") == 0)
        {
          g_assert_cmpstr (r->args[0], ==, "-i");
          g_assert_cmpstr (r->args[1], ==, names[n++]);
        }
      else
        g_assert_cmpstr (r->args[3], ==, "it's \"q\" \\ #x");
    }
  g_assert_cmpuint (n, ==, g_strv_length ((char **)names));
  g_clear_pointer (&saved, g_free);
  g_clear_pointer (&d, mtp_direct_free);

  /* '"' in a name: iptables-save prints it as it is. */
  {
    const char *link_argv[]
        = { "ip", "link", "add", "x\"y", "type", "veth", "peer", "name", "mtpoddq", NULL };
    run_ok (link_argv, NULL, NULL);
  }
  run_ok (quote_argv, NULL, NULL);
  run_ok (save_argv, NULL, &saved);
  d = mtp_kernel_parse_save (family, saved, &error);
  g_assert_null (d);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "cannot be understood (a quote inside a word): "
                                            "'-A INPUT -i x\\\"y -j ACCEPT'"));
}

static void
test_odd_names (void)
{
  if (!need_root ())
    return;
  check_odd_names (MTP_FAMILY_IPV4, "legacy");
  check_odd_names (MTP_FAMILY_IPV4, "nft");
  check_odd_names (MTP_FAMILY_IPV6, "legacy");
  check_odd_names (MTP_FAMILY_IPV6, "nft");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autofree char *p1 = g_strdup_printf ("/real/iptables-restore/%s", mtp_test_cases[i].name);
      g_autofree char *p2 = g_strdup_printf ("/real/firewalld-reader/%s", mtp_test_cases[i].name);
      g_test_add_data_func (p1, &mtp_test_cases[i], test_iptables);
      g_test_add_data_func (p2, &mtp_test_cases[i], test_firewalld);
    }
  g_test_add_func ("/real/firewall-cmd-lines", test_firewall_cmd_lines);
  g_test_add_func ("/real/iptables-save/odd-names", test_odd_names);
  return g_test_run ();
}
