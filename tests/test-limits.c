/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The limits of mtp-limits.h: files read only when regular and small enough,
 * never blocking; too many values, nameservers or rules an error that names
 * the limit (never an abort); duplicates dropped; what a run would leave in a
 * store refused when it could not be read back. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtp-builder.h"
#include "mtp-direct-xml.h"
#include "mtp-error.h"
#include "mtp-limits.h"
#include "mtp-parse.h"
#include "mtp-test-cases.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  GError *error = NULL;

  f->dir = g_dir_make_tmp ("mtp-limits-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
}

static char *
write_file (Fixture *f, const char *name, const char *contents, gssize length)
{
  char *path = g_build_filename (f->dir, name, NULL);
  GError *error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

/* Asserts that error is ours, with the code, and names the limit. */
static void
assert_limit_error (const GError *error, int code, const char *name)
{
  g_autofree char *named = g_strdup_printf ("'%s'", name);

  g_assert_error (error, MTP_ERROR, code);
  g_assert_nonnull (strstr (error->message, named));
  g_assert_nonnull (strstr (error->message, "see LIMITS in mesh-tproxy(8)"));
}

/* Reading files */

static void
test_read_regular (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "resolv.conf", "nameserver 10.0.0.1\n", -1);
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *again = NULL;
  gsize length = 0;
  struct stat st;

  g_assert_true (mtp_limits_read_file (path, 20, "x", &contents, &length, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "nameserver 10.0.0.1\n");
  g_assert_cmpuint (length, ==, 20);
  g_assert_true (S_ISREG (st.st_mode));
  /* A link is followed: /etc/resolv.conf is one under systemd-resolved. */
  g_assert_cmpint (symlink (path, link), ==, 0);
  g_assert_true (mtp_limits_read_file (link, 20, "x", &again, NULL, NULL, &error));
  g_assert_cmpstr (again, ==, contents);
}

static void
test_read_not_regular (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);
  g_autofree char *zero_link = g_build_filename (f->dir, "zero", NULL);
  const char *paths[] = { fifo, f->dir, "/dev/zero", zero_link, "/dev/null" };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero_link), ==, 0);
  /* A FIFO without a writer would block a plain open (): this returns. */
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (GError) error = NULL;
      char *contents = NULL;

      g_assert_false (mtp_limits_read_file (paths[i], MTP_LIMIT_RESOLV_CONF_SIZE,
                                            "resolv-conf-size", &contents, NULL, NULL, &error));
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (error->message, ==, "not a regular file");
      g_assert_null (contents);
    }
}

static void
test_read_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "big", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  /* Sparse: 100 MB that take no room. */
  g_assert_cmpint (ftruncate (fd, 100 * 1000 * 1000), ==, 0);
  close (fd);
  {
    g_autoptr (GError) error = NULL;
    char *contents = NULL;

    g_assert_false (mtp_limits_read_file (path, MTP_LIMIT_RESOLV_CONF_SIZE, "resolv-conf-size",
                                          &contents, NULL, NULL, &error));
    assert_limit_error (error, MTP_ERROR_INVALID_CONFIG, "resolv-conf-size");
    g_assert_true (g_str_has_prefix (error->message, "larger than 1 MiB (100000000 bytes; "));
  }
  /* At the limit: read; one byte more: not. */
  g_assert_cmpint (truncate (path, 4096), ==, 0);
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (mtp_limits_read_file (path, 4096, "x", &contents, &length, NULL, &error));
    g_assert_cmpuint (length, ==, 4096);
  }
  {
    g_autoptr (GError) error = NULL;
    char *contents = NULL;

    g_assert_false (mtp_limits_read_file (path, 4095, "x", &contents, NULL, NULL, &error));
    assert_limit_error (error, MTP_ERROR_INVALID_CONFIG, "x");
  }
}

static void
test_read_proc_and_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  g_autofree char *status = mtp_limits_read_system_file ("/proc/self/status");
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  /* /proc says 0 bytes: read to the end all the same. */
  g_assert_nonnull (status);
  g_assert_nonnull (strstr (status, "\nCapEff:"));
  g_assert_false (mtp_limits_read_file (missing, 10, "x", &contents, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_null (mtp_limits_read_system_file (missing));
}

/* resolv.conf */

static GString *
nameserver_lines (guint n, gboolean same)
{
  GString *text = g_string_new ("# many\nsearch example.com\n");

  for (guint i = 0; i < n; i++)
    {
      guint k = same ? 0 : i;

      if (k % 3 == 2)
        g_string_append_printf (text, "nameserver fd00::%x:%x\n", k >> 16, k & 0xffff);
      else
        g_string_append_printf (text, "nameserver 10.%u.%u.%u\n", k >> 16, (k >> 8) & 255, k & 255);
    }
  return text;
}

static void
test_resolv_conf_nameservers (void)
{
  g_autoptr (GString) at_limit = nameserver_lines (MTP_LIMIT_NAMESERVERS, FALSE);
  g_autoptr (GString) over = nameserver_lines (MTP_LIMIT_NAMESERVERS + 1, FALSE);
  g_autoptr (GString) copies = nameserver_lines (MTP_LIMIT_NAMESERVERS + 44, TRUE);
  g_autoptr (GString) huge = nameserver_lines (100005, FALSE);
  g_autoptr (GArray) v4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autoptr (GArray) v6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autoptr (GError) error = NULL;

  g_assert_true (mtp_parse_resolv_conf (at_limit->str, v4, v6, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (v4->len + v6->len, ==, MTP_LIMIT_NAMESERVERS);
  g_array_set_size (v4, 0);
  g_array_set_size (v6, 0);
  g_assert_false (mtp_parse_resolv_conf (over->str, v4, v6, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_CONFIG, "nameservers");
  g_assert_true (g_str_has_prefix (error->message, "257 nameservers, more than 256 ("));
  g_clear_error (&error);
  /* Lines count as listed, copies too. */
  g_assert_false (mtp_parse_resolv_conf (copies->str, v4, v6, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_CONFIG, "nameservers");
  g_clear_error (&error);
  /* 100,005 of them took 12 s and aborted before: now an error. */
  g_assert_false (mtp_parse_resolv_conf (huge->str, v4, v6, &error));
  g_assert_true (g_str_has_prefix (error->message, "100005 nameservers, more than 256 ("));
}

static void
test_resolv_conf_duplicates (void)
{
  static const char text[] = "nameserver 10.0.0.1\nnameserver fd00::1\nnameserver 10.0.0.2\n"
                             "nameserver 10.0.0.1\nnameserver FD00:0::1\nnameserver 10.0.0.2\n"
                             "nameserver 10.0.0.3\n";
  g_autoptr (GArray) v4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autoptr (GArray) v6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  g_assert_true (mtp_parse_resolv_conf (text, v4, v6, NULL));
  g_assert_cmpuint (v4->len, ==, 3);
  g_assert_cmpuint (v6->len, ==, 1);
  first = mtp_cidr_to_string (&g_array_index (v4, MtpCidr, 0), FALSE);
  last = mtp_cidr_to_string (&g_array_index (v4, MtpCidr, 2), FALSE);
  g_assert_cmpstr (first, ==, "10.0.0.1");
  g_assert_cmpstr (last, ==, "10.0.0.3");
  /* Read again into the same lists: what they hold counts as seen. */
  g_assert_true (mtp_parse_resolv_conf (text, v4, v6, NULL));
  g_assert_cmpuint (v4->len, ==, 3);
  g_assert_cmpuint (v6->len, ==, 1);
}

/* Option values */

static char *
repeat (const char *value, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? "," : "", value);
  return g_string_free (s, FALSE);
}

static void
test_option_values_lists (void)
{
  g_autofree char *ports_at = repeat ("22", MTP_LIMIT_OPTION_VALUES);
  g_autofree char *ports_over = repeat ("22", MTP_LIMIT_OPTION_VALUES + 1);
  g_autofree char *cidrs_at = repeat ("10.0.0.2", MTP_LIMIT_OPTION_VALUES);
  g_autofree char *cidrs_over = repeat ("10.0.0.2", 100001);
  g_autofree char *ranges_over = repeat ("1-9", MTP_LIMIT_OPTION_VALUES + 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ports = mtp_parse_port_list (ports_at, &error);
  g_autoptr (GArray) cidrs = mtp_parse_cidr_list (cidrs_at, &error);

  /* At the limit: read, and each value once. */
  g_assert_no_error (error);
  g_assert_cmpuint (ports->len, ==, 1);
  g_assert_cmpuint (cidrs->len, ==, 1);
  g_assert_null (mtp_parse_port_list (ports_over, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "option-values");
  g_assert_true (g_str_has_prefix (error->message, "65537 values, more than 65536 ("));
  g_clear_error (&error);
  /* 100,001 copies of one CIDR aborted before (one rule each). */
  g_assert_null (mtp_parse_cidr_list (cidrs_over, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "option-values");
  g_assert_true (g_str_has_prefix (error->message, "100001 values, more than 65536 ("));
  g_clear_error (&error);
  g_assert_null (mtp_parse_port_range_list (ranges_over, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "option-values");
}

static void
test_option_values_duplicates (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) cidrs = mtp_parse_cidr_list (
      "10.0.0.2,fd00::/8,10.0.0.0/8,10.0.0.2,fd00:0::/8,10.0.0.2/32,::1", &error);
  static const char *const expected[] = { "10.0.0.2", "fd00::/8", "10.0.0.0/8", "::1" };

  g_assert_no_error (error);
  g_assert_cmpuint (cidrs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < cidrs->len; i++)
    {
      g_autofree char *text = mtp_cidr_to_string (&g_array_index (cidrs, MtpCidr, i), FALSE);
      g_assert_cmpstr (text, ==, expected[i]);
    }
}

static MtpConfig *
parse_args (GPtrArray *args, GError **error)
{
  g_ptr_array_add (args, NULL);
  return mtp_config_parse (MTP_COMMAND_SHOW, (int)args->len - 1, (char **)args->pdata, error);
}

static void
test_option_values_repeatable (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) config = NULL;
  g_autoptr (GString) file = g_string_new ("[mesh-tproxy]\nvnet=");
  g_autofree char *empty_conf = write_file (f, "empty.conf", "", 0);
  g_autofree char *path = NULL;

  /* The command line: one value too many. */
  g_ptr_array_add (args, g_strdup ("show"));
  g_ptr_array_add (args, g_strdup_printf ("--config=%s", empty_conf));
  for (guint i = 0; i <= MTP_LIMIT_OPTION_VALUES; i++)
    g_ptr_array_add (args, g_strdup_printf ("--vnet=v%u:10.0.0.0/8", i));
  config = parse_args (args, &error);
  g_assert_null (config);
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "option-values");
  g_assert_true (g_str_has_prefix (error->message, "option --vnet: 65537 values, more than 65536"));
  g_clear_error (&error);

  /* The configuration file: the same (copies count, and fit in its
   * size). */
  for (guint i = 0; i <= MTP_LIMIT_OPTION_VALUES; i++)
    g_string_append (file, i > 0 ? ";a:::/0" : "a:::/0");
  g_string_append_c (file, '\n');
  path = write_file (f, "vnets.conf", file->str, (gssize)file->len);
  config = mtp_config_new ();
  g_assert_false (mtp_config_load_file (config, path, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_CONFIG, "option-values");
  g_assert_nonnull (strstr (error->message, "key 'vnet': 65537 values, more than 65536"));
}

static void
test_option_values_repeatable_duplicates (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) config = NULL;
  g_autoptr (MtpConfig) from_file = mtp_config_new ();
  g_autofree char *empty_conf = write_file (f, "empty.conf", "", 0);
  g_autofree char *path
      = write_file (f, "dup.conf",
                    "[mesh-tproxy]\nvnet=br0:10.0.0.0/8;br0:10.0.0.0/8;br1:10.0.0.0/8;"
                    "br0:fd00::/8\nexclude-outbound-ports-for-uids=tcp:22,80:1000;"
                    "tcp:22,80,22:1000;udp:22,80:1000;tcp:22,80:1000\n",
                    -1);
  const MtpVnet *vnet;

  g_ptr_array_add (args, g_strdup ("show"));
  g_ptr_array_add (args, g_strdup_printf ("--config=%s", empty_conf));
  for (guint i = 0; i < 50001; i++)
    g_ptr_array_add (args, g_strdup ("--vnet=docker0:172.17.0.0/16"));
  g_ptr_array_add (args, g_strdup ("--vnet=br0:10.0.0.0/8"));
  config = parse_args (args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->vnets->len, ==, 2);
  vnet = config->vnets->pdata[1];
  g_assert_cmpstr (vnet->iface, ==, "br0");

  g_assert_true (mtp_config_load_file (from_file, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (from_file->vnets->len, ==, 3);
  /* "22,80,22" is "22,80" once its duplicate port is dropped. */
  g_assert_cmpuint (from_file->exclude_outbound_ports_for_uids->len, ==, 2);
}

/* Rules */

static MtpRuleset *
build (const char *const *options, const char *extra_name, const char *extra_value, GError **error)
{
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();

  facts->uid = MTP_TEST_UID;
  facts->ipv6_usable = TRUE;
  for (guint i = 0; options[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (options[i], "=", 2);
      g_assert_true (mtp_config_set (config, kv[0], kv[1], NULL));
    }
  if (extra_name != NULL)
    g_assert_true (mtp_config_set (config, extra_name, extra_value, NULL));
  return mtp_build_ruleset (config, facts, error);
}

/* n IPv4 addresses from 10.0.0.0 */
static char *
addresses (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s10.%u.%u.%u", i > 0 ? "," : "", i / 65536, (i / 256) % 256,
                            i % 256);
  return g_string_free (s, FALSE);
}

static void
test_rules_at_limit (void)
{
  static const char *const base[] = { "ip-family-mode=ipv4", NULL };
  g_autoptr (MtpRuleset) plain = build (base, NULL, NULL, NULL);
  guint n_base = plain->rules->len;
  guint n_out = MTP_LIMIT_OPTION_VALUES;
  guint n_in = MTP_LIMIT_RULES - n_base - n_out;
  g_autofree char *out = addresses (n_out);
  g_autofree char *in = addresses (n_in);
  g_autofree char *in_over = addresses (n_in + 1);
  g_autofree char *out_option = g_strconcat ("exclude-outbound-ips=", out, NULL);
  const char *const options[] = { "ip-family-mode=ipv4", out_option, NULL };
  g_autoptr (MtpRuleset) full = NULL;
  g_autoptr (MtpRuleset) over = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) priorities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  full = build (options, "exclude-inbound-ips", in, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (full->rules->len, ==, MTP_LIMIT_RULES);
  /* Every priority distinct in its chain, each kind inside its band: below
   * zero for inserted rules, from zero for appended ones, and the next
   * kind's band above. */
  for (guint i = 0; i < full->rules->len; i++)
    {
      const MtpRule *r = full->rules->pdata[i];
      char *key = g_strdup_printf ("%d %d %s %d", r->family, r->table, r->chain, r->priority);
      gint64 band
          = r->position == MTP_POSITION_INSERT ? (gint64)r->rank - MTP_RANKS_MAX : (gint64)r->rank;

      g_assert_true (g_hash_table_add (priorities, key));
      g_assert_cmpint (r->priority, >=, band * MTP_PRIORITY_STEP);
      g_assert_cmpint (r->priority, <, (band + 1) * MTP_PRIORITY_STEP);
    }

  /* One more: an error naming the limit and the option that reached it. */
  over = build (options, "exclude-inbound-ips", in_over, &error);
  g_assert_null (over);
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "rules");
  g_assert_true (g_str_has_prefix (error->message, "the rules would be more than 100000 ("));
  g_assert_true (g_str_has_suffix (
      error->message, "; most of them come from --exclude-outbound-ips (65536 within the limit)"));
}

static void
test_rules_vnets_and_ports (void)
{
  static const char *const none[] = { NULL };
  static const char *const packed[] = { "pack-ports=true", NULL };
  g_autoptr (GString) vnets = g_string_new (NULL);
  g_autoptr (GString) ports = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpRuleset) rs = NULL;
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();

  /* 50,001 vnets, two rules each: aborted in g_assert before. */
  for (guint i = 0; i < 50001; i++)
    {
      g_autofree char *vnet = g_strdup_printf ("v%u:10.0.0.0/8", i);
      g_assert_true (mtp_config_set (config, "vnet", vnet, NULL));
    }
  g_assert_null (mtp_build_ruleset (config, facts, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "rules");
  g_assert_true (g_str_has_suffix (error->message,
                                   "; most of them come from --vnet (100000 within the limit)"));
  g_clear_error (&error);

  /* Every port, both ways, both families: 262,140 rules, or 17,476
   * packed. */
  for (guint p = 1; p <= 65535; p++)
    g_string_append_printf (ports, "%s%u", p > 1 ? "," : "", p);
  rs = build (none, "exclude-outbound-ports", ports->str, &error);
  g_assert_null (rs);
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "rules");
  g_assert_nonnull (strstr (error->message, "; most of them come from --exclude-outbound-ports ("));
  g_assert_true (g_str_has_suffix (error->message, " within the limit); --pack-ports puts up to 15 "
                                                   "ports in one rule"));
  g_clear_error (&error);
  rs = build (packed, "exclude-outbound-ports", ports->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rs);
}

/* direct.xml */

/* n rules of ours, each with a comment of pad bytes (0: ours as it is). */
static MtpDirect *
rules_of (guint n, guint pad)
{
  MtpDirect *d = mtp_direct_new ();
  g_autofree char *comment
      = pad > 0 ? g_strnfill (pad, 'c') : g_strdup (MTP_COMMENT_PREFIX "outbound/exclude-port");

  g_ptr_array_add (d->chains, mtp_direct_chain_new ("ipv4", "nat", "KUMA_MESH_OUTBOUND"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *port = g_strdup_printf ("%u", 1 + i % 65535);
      const char *args[] = {
        "-m", "comment", "--comment", comment, "-p", "tcp", "--dport", port, "-j", "RETURN", NULL,
      };
      g_ptr_array_add (d->rules,
                       mtp_direct_rule_new ("ipv4", "nat", "KUMA_MESH_OUTBOUND", (gint32)i, args));
    }
  return d;
}

static void
test_direct_xml_write_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) text
      = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n");
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirect) big = rules_of (2000, 0);
  g_autoptr (MtpDirect) none = mtp_direct_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  /* Comments, which firewalld would not keep but mesh-tproxy does: only
   * the document itself tells its size. */
  while (text->len < MTP_LIMIT_DIRECT_XML_WRITE_SIZE - 100 * 1000)
    g_string_append (text, "  <!-- a comment line of another program, kept as it is ...... -->\n");
  g_string_append (text, "  <chain ipv=\"ipv4\" table=\"nat\" chain=\"KUMA_MESH_OUTBOUND\"/>\n"
                         "</direct>\n");
  path = write_file (f, "direct.xml", text->str, (gssize)text->len);

  xml = mtp_direct_xml_load (f->dir, &error);
  g_assert_no_error (error);
  mtp_direct_xml_set_ours (xml, big, NULL);
  g_assert_false (mtp_direct_xml_check_size (xml, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "direct-xml-write-size");
  g_assert_nonnull (strstr (error->message, "nothing was changed"));
  g_clear_error (&error);
  g_assert_false (mtp_direct_xml_save (xml, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "direct-xml-write-size");
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, text->str);
  g_clear_pointer (&after, g_free);

  /* Removing ours from a file over the write limit: always allowed. */
  g_clear_pointer (&xml, mtp_direct_xml_free);
  xml = mtp_direct_xml_load (f->dir, &error);
  mtp_direct_xml_set_ours (xml, none, NULL);
  g_assert_true (mtp_direct_xml_check_size (xml, &error));
  g_assert_true (mtp_direct_xml_save (xml, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_null (strstr (after, "KUMA_MESH_OUTBOUND"));
  g_assert_cmpuint (strlen (after), >, MTP_LIMIT_DIRECT_XML_WRITE_SIZE - 100 * 1000);
}

/* firewalld */

static void
test_firewalld_xml_size (void)
{
  /* What firewalld 1.3.3's own writer (firewall.core.io.direct) made of
   * these entries: 488 bytes. */
  g_autoptr (MtpDirect) d = mtp_direct_new ();
  const char *rule1[] = { "-m", "comment", "--comment", "a<b & 'c' > d", "-j", "ACCEPT", NULL };
  const char *rule2[] = { "-s", "::1", "-j", "RETURN", "", "x y", NULL };
  const char *pass[] = { "-t", "filter", "-A", "INPUT", "-j", "ACCEPT", NULL };
  const char *empty[] = { NULL };

  g_ptr_array_add (d->chains, mtp_direct_chain_new ("ipv4", "nat", "KUMA_MESH_X"));
  g_ptr_array_add (d->chains, mtp_direct_chain_new ("ipv4", "filter", "we\"ir'd&<>\tc"));
  g_ptr_array_add (d->rules, mtp_direct_rule_new ("ipv4", "nat", "OUTPUT", -100000, rule1));
  g_ptr_array_add (d->rules, mtp_direct_rule_new ("ipv6", "filter", "INPUT", 7, rule2));
  /* Left out by firewalld. */
  g_ptr_array_add (d->rules, mtp_direct_rule_new ("ipv6", "filter", "INPUT", 8, empty));
  g_ptr_array_add (d->passthroughs, mtp_direct_passthrough_new ("ipv4", pass));
  g_assert_cmpuint (mtp_limits_firewalld_xml_size (d), ==, 488);
  g_assert_cmpuint (mtp_limits_firewalld_xml_size (NULL), ==,
                    strlen ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n</direct>\n"));
}

/* The body length GDBus writes into the header of a message carrying
 * body. */
static guint32
gdbus_body_size (GVariant *body)
{
  g_autoptr (GDBusMessage) message = g_dbus_message_new_method_call (
      "org.fedoraproject.FirewallD1", "/org/fedoraproject/FirewallD1/config",
      "org.fedoraproject.FirewallD1.config.direct", "update");
  g_autoptr (GError) error = NULL;
  g_autofree guchar *blob = NULL;
  gsize size = 0;
  guint32 length;

  g_dbus_message_set_byte_order (message, G_DBUS_MESSAGE_BYTE_ORDER_LITTLE_ENDIAN);
  g_dbus_message_set_body (message, body);
  blob = g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  memcpy (&length, blob + 4, sizeof length);
  return GUINT32_FROM_LE (length);
}

static void
test_dbus_body_size (void)
{
  g_autoptr (MtpDirect) none = mtp_direct_new ();
  g_autoptr (MtpDirect) ours = rules_of (7, 0);
  g_autoptr (MtpDirect) odd = mtp_direct_new ();
  const MtpDirect *sets[] = { none, ours, odd };
  const char *pass[] = { "-t", "filter", "-A", "INPUT", "-j", "ACCEPT", NULL };

  /* Strings of every length modulo 8, so that every padding shows. */
  for (guint i = 0; i < 9; i++)
    {
      g_autofree char *chain = g_strnfill (i + 1, 'X');
      g_autofree char *arg = g_strnfill (i, 'a');
      const char *args[] = { arg, "-j", chain, NULL };
      const char *some[] = { arg, NULL };

      g_ptr_array_add (odd->chains, mtp_direct_chain_new ("ipv4", "filter", chain));
      g_ptr_array_add (odd->rules,
                       mtp_direct_rule_new ("ipv6", "raw", chain, -(gint32)i, i % 2 ? args : some));
    }
  g_ptr_array_add (odd->passthroughs, mtp_direct_passthrough_new ("ipv4", pass));
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    for (guint j = 0; j < G_N_ELEMENTS (sets); j++)
      {
        g_autoptr (MtpDirect) both = mtp_direct_new ();
        g_autoptr (GVariant) settings = NULL;
        g_autoptr (GVariant) rules = NULL;
        g_autoptr (GVariant) rules_body = NULL;
        const MtpDirect *parts[] = { sets[i], sets[j] };

        /* The union, in one MtpDirect for GDBus. */
        for (guint k = 0; k < 2; k++)
          {
            for (guint n = 0; n < parts[k]->chains->len; n++)
              g_ptr_array_add (both->chains, mtp_direct_chain_copy (parts[k]->chains->pdata[n]));
            for (guint n = 0; n < parts[k]->rules->len; n++)
              g_ptr_array_add (both->rules, mtp_direct_rule_copy (parts[k]->rules->pdata[n]));
            for (guint n = 0; n < parts[k]->passthroughs->len; n++)
              {
                const MtpDirectPassthrough *p = parts[k]->passthroughs->pdata[n];
                g_ptr_array_add (both->passthroughs,
                                 mtp_direct_passthrough_new (p->ipv, (const char *const *)p->args));
              }
          }
        settings = g_variant_ref_sink (mtp_direct_to_variant (both));
        rules = g_variant_get_child_value (settings, 1);
        rules_body = g_variant_ref_sink (g_variant_new_tuple (&rules, 1));
        g_assert_cmpuint (mtp_limits_dbus_body_size (sets[i], sets[j], FALSE), ==,
                          gdbus_body_size (settings));
        g_assert_cmpuint (mtp_limits_dbus_body_size (sets[i], sets[j], TRUE), ==,
                          gdbus_body_size (rules_body));
      }
}

static void
test_firewalld_check (void)
{
  /* About 21 MiB over D-Bus and as direct.xml. */
  g_autoptr (MtpDirect) big = rules_of (10000, 2000);
  g_autoptr (MtpDirect) small = rules_of (10, 0);
  g_autoptr (MtpDirect) none = mtp_direct_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (mtp_limits_check_firewalld (none, none, small, FALSE, &error));
  g_assert_true (mtp_limits_check_firewalld (none, none, small, TRUE, &error));
  /* Growing past the limits: refused, naming them. */
  g_assert_false (mtp_limits_check_firewalld (small, big, small, FALSE, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "dbus-size");
  g_assert_true (g_str_has_prefix (error->message, "firewalld's runtime direct rules would be "));
  g_clear_error (&error);
  g_assert_false (mtp_limits_check_firewalld (small, big, small, TRUE, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "dbus-size");
  g_assert_true (g_str_has_prefix (error->message, "firewalld's permanent direct configuration"));
  g_clear_error (&error);
  /* Over them already, and not growing: allowed (an uninstall, a smaller
   * set). */
  g_assert_true (mtp_limits_check_firewalld (big, big, none, FALSE, &error));
  g_assert_true (mtp_limits_check_firewalld (big, big, none, TRUE, &error));
  g_assert_no_error (error);
}

static void
test_firewalld_check_xml (void)
{
  /* Under dbus-size, over direct-xml-write-size as firewalld writes it. */
  g_autoptr (MtpDirect) foreign = rules_of (4500, 2000);
  g_autoptr (MtpDirect) none = mtp_direct_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (mtp_limits_firewalld_xml_size (foreign), >, MTP_LIMIT_DIRECT_XML_WRITE_SIZE);
  g_assert_cmpuint (mtp_limits_dbus_body_size (foreign, NULL, FALSE), <, MTP_LIMIT_DBUS_SIZE);
  g_assert_true (mtp_limits_check_firewalld (none, foreign, none, FALSE, &error));
  g_assert_false (mtp_limits_check_firewalld (none, foreign, none, TRUE, &error));
  assert_limit_error (error, MTP_ERROR_INVALID_ARGS, "direct-xml-write-size");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/limits/read-file/regular", test_read_regular);
  ADD ("/limits/read-file/not-regular", test_read_not_regular);
  ADD ("/limits/read-file/too-large", test_read_too_large);
  ADD ("/limits/read-file/proc-and-missing", test_read_proc_and_missing);
  g_test_add_func ("/limits/resolv-conf/nameservers", test_resolv_conf_nameservers);
  g_test_add_func ("/limits/resolv-conf/duplicates", test_resolv_conf_duplicates);
  g_test_add_func ("/limits/option-values/lists", test_option_values_lists);
  g_test_add_func ("/limits/option-values/duplicates", test_option_values_duplicates);
  ADD ("/limits/option-values/repeatable", test_option_values_repeatable);
  ADD ("/limits/option-values/repeatable-duplicates", test_option_values_repeatable_duplicates);
  g_test_add_func ("/limits/rules/at-limit", test_rules_at_limit);
  g_test_add_func ("/limits/rules/vnets-and-ports", test_rules_vnets_and_ports);
  ADD ("/limits/direct-xml/write-limit", test_direct_xml_write_limit);
  g_test_add_func ("/limits/firewalld/xml-size", test_firewalld_xml_size);
  g_test_add_func ("/limits/firewalld/dbus-size", test_dbus_body_size);
  g_test_add_func ("/limits/firewalld/check", test_firewalld_check);
  g_test_add_func ("/limits/firewalld/check-xml", test_firewalld_check_xml);
#undef ADD
  return g_test_run ();
}
