/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pwd.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "mtp-config.h"
#include "mtp-error.h"
#include "mtp-facts.h"
#include "mtp-parse.h"

/* Each test gets a private directory for its key files, removed afterwards.
 * Every parse passes --config explicitly (an empty file unless the test names
 * another), so a config file installed on the host cannot change a result. */
typedef struct
{
  char *dir;
  char *empty; /* an empty config file */
  GPtrArray *files;
} Fixture;

static char *
fixture_write (Fixture *f, const char *name, const char *contents, gssize len)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->files, g_strdup (path));
  return path;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-config-XXXXXX", &error);
  g_assert_no_error (error);
  f->files = g_ptr_array_new_with_free_func (g_free);
  f->empty = fixture_write (f, "empty.conf", "", 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->files->len; i++)
    g_assert_cmpint (g_unlink (f->files->pdata[i]), ==, 0);
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_ptr_array_unref (f->files);
  g_free (f->empty);
  g_free (f->dir);
}

/* Parses the command line "COMMAND ARGS…" (a NULL-terminated list), with
 * "--config EMPTY" in front unless the arguments name a config file. */
static MtpConfig *
parse_strv (Fixture *f, MtpCommand command, const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  gboolean has_config = FALSE;

  for (guint i = 0; args[i] != NULL; i++)
    if (g_str_has_prefix (args[i], "--config"))
      has_config = TRUE;
  g_ptr_array_add (argv, (gpointer)mtp_command_to_string (command));
  /* First, so that a "--" among the arguments cannot make it an argument. */
  if (!has_config)
    {
      g_ptr_array_add (argv, (gpointer) "--config");
      g_ptr_array_add (argv, f->empty);
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  return mtp_config_parse (command, argv->len - 1, (char **)argv->pdata, error);
}

#define parse(f, command, error, ...)                                                              \
  parse_strv ((f), (command), (const char *const[]){ __VA_ARGS__, NULL }, (error))

static void
assert_ports (GArray *ports, guint n, const guint16 *expected)
{
  g_assert_cmpuint (ports->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (ports, guint16, i), ==, expected[i]);
}

static void
assert_cidr_text (const MtpCidr *cidr, const char *text)
{
  g_autoptr (GError) error = NULL;
  MtpCidr expected;

  g_assert_true (mtp_parse_cidr (text, &expected, &error));
  g_assert_no_error (error);
  g_assert_true (mtp_cidr_equal (cidr, &expected));
}

/* An error's message holds every one of the NULL-terminated needles and
 * follows the house style. */
static void
assert_message (const GError *error, ...)
{
  va_list ap;
  const char *needle;
  size_t len;

  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  len = strlen (error->message);
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpint (error->message[len - 1], !=, '.');
  va_start (ap, error);
  while ((needle = va_arg (ap, const char *)) != NULL)
    {
      if (strstr (error->message, needle) == NULL)
        g_error ("'%s' does not contain '%s'", error->message, needle);
    }
  va_end (ap);
}

static void
assert_defaults (const MtpConfig *c)
{
  g_assert_null (c->kuma_dp_user);
  g_assert_true (c->redirect_inbound);
  g_assert_cmpuint (c->redirect_inbound_port, ==, 15006);
  g_assert_cmpuint (c->redirect_outbound_port, ==, 15001);
  g_assert_false (c->redirect_dns);
  g_assert_false (c->redirect_all_dns_traffic);
  g_assert_cmpuint (c->redirect_dns_port, ==, 15053);
  g_assert_false (c->skip_dns_conntrack_zone_split);
  g_assert_cmpuint (c->exclude_inbound_ports->len, ==, 0);
  g_assert_cmpuint (c->exclude_outbound_ports->len, ==, 0);
  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 0);
  g_assert_cmpuint (c->exclude_outbound_ips->len, ==, 0);
  g_assert_cmpuint (c->exclude_inbound_ips->len, ==, 0);
  g_assert_cmpuint (c->vnets->len, ==, 0);
  g_assert_false (c->inbound_insert);
  g_assert_false (c->outbound_insert);
  g_assert_false (c->drop_invalid_packets);
  g_assert_false (c->iptables_logs);
  g_assert_cmpint (c->ip_family_mode, ==, MTP_IP_FAMILY_MODE_DUALSTACK);
  g_assert_false (c->skip_resolv_conf);
  g_assert_false (c->disable_comments);
  g_assert_cmpstr (c->resolv_conf, ==, "/etc/resolv.conf");
  g_assert_false (c->store_firewalld);
  g_assert_false (c->dry_run);
  g_assert_false (c->verbose);
  g_assert_cmpint (c->format, ==, MTP_FORMAT_IPTABLES);
  g_assert_false (c->family_only);
}

/* Defaults */

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr (MtpConfig) fresh = mtp_config_new ();
  g_autoptr (MtpConfig) parsed = NULL;
  g_autoptr (GError) error = NULL;
  const MtpCommand commands[]
      = { MTP_COMMAND_INSTALL, MTP_COMMAND_UNINSTALL, MTP_COMMAND_STATUS, MTP_COMMAND_SHOW };

  assert_defaults (fresh);
  g_assert_cmpstr (fresh->config_path, ==, MTP_DEFAULT_CONFIG);
  g_assert_false (fresh->config_path_explicit);
  g_assert_true (mtp_config_validate (fresh, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr (MtpConfig) c = parse (f, commands[i], &error, "--config", f->empty);

      g_assert_no_error (error);
      assert_defaults (c);
      g_assert_cmpstr (c->config_path, ==, f->empty);
      g_assert_true (c->config_path_explicit);
    }

  /* The same with the value attached. */
  {
    g_autofree char *opt = g_strconcat ("--config=", f->empty, NULL);
    parsed = parse (f, MTP_COMMAND_SHOW, &error, opt);
    g_assert_no_error (error);
    assert_defaults (parsed);
    g_assert_cmpstr (parsed->config_path, ==, f->empty);
  }
}

/* Key files */

static void
test_file_values (Fixture *f, gconstpointer data)
{
  g_autofree char *path = fixture_write (f, "values.conf",
                                         "# a comment\n"
                                         "[mesh-tproxy]\n"
                                         "kuma-dp-user=envoy\n"
                                         "redirect-inbound=false\n"
                                         "redirect-inbound-port=1234\n"
                                         "redirect-outbound-port = 16001\n"
                                         "redirect-dns=yes\n"
                                         "redirect-dns-port=5353\n"
                                         "skip-dns-conntrack-zone-split=1\n"
                                         "exclude-inbound-ports=22,443\n"
                                         "exclude-outbound-ports=2000\n"
                                         "exclude-outbound-ports-for-uids=tcp:80:1000\n"
                                         "exclude-outbound-ips=10.0.0.0/8,fd00::/8\n"
                                         "exclude-inbound-ips=192.168.1.1\n"
                                         "vnet=docker0:172.17.0.0/16\n"
                                         "redirect-inbound-insert-instead-of-append=true\n"
                                         "redirect-outbound-insert-instead-of-append=on\n"
                                         "drop-invalid-packets=true\n"
                                         "iptables-logs=TRUE\n"
                                         "ip-family-mode=ipv4\n"
                                         "skip-resolv-conf=true\n"
                                         "disable-comments=true\n"
                                         "resolv-conf=/run/resolv.conf\n"
                                         "store-firewalld=true\n",
                                         -1);
  g_autoptr (MtpConfig) loaded = mtp_config_new ();
  g_autoptr (MtpConfig) parsed = NULL;
  g_autoptr (GError) error = NULL;
  MtpConfig *configs[2];

  g_assert_true (mtp_config_load_file (loaded, path, &error));
  g_assert_no_error (error);
  parsed = parse (f, MTP_COMMAND_INSTALL, &error, "--config", path);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (parsed->config_path, ==, path);
  g_assert_true (parsed->config_path_explicit);

  configs[0] = loaded;
  configs[1] = parsed;
  for (guint i = 0; i < G_N_ELEMENTS (configs); i++)
    {
      const MtpConfig *c = configs[i];
      const MtpUidPortExclusion *ex;
      const MtpVnet *vnet;

      g_assert_cmpstr (c->kuma_dp_user, ==, "envoy");
      g_assert_false (c->redirect_inbound);
      g_assert_cmpuint (c->redirect_inbound_port, ==, 1234);
      g_assert_cmpuint (c->redirect_outbound_port, ==, 16001);
      g_assert_true (c->redirect_dns);
      g_assert_cmpuint (c->redirect_dns_port, ==, 5353);
      g_assert_true (c->skip_dns_conntrack_zone_split);
      assert_ports (c->exclude_inbound_ports, 2, (const guint16[]){ 22, 443 });
      assert_ports (c->exclude_outbound_ports, 1, (const guint16[]){ 2000 });
      g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 1);
      ex = c->exclude_outbound_ports_for_uids->pdata[0];
      g_assert_cmpint (ex->protocols, ==, MTP_PROTO_TCP);
      g_assert_cmpuint (ex->uids.first, ==, 1000);
      g_assert_cmpuint (ex->uids.last, ==, 1000);
      g_assert_cmpuint (c->exclude_outbound_ips->len, ==, 2);
      assert_cidr_text (&g_array_index (c->exclude_outbound_ips, MtpCidr, 0), "10.0.0.0/8");
      assert_cidr_text (&g_array_index (c->exclude_outbound_ips, MtpCidr, 1), "fd00::/8");
      g_assert_cmpuint (c->exclude_inbound_ips->len, ==, 1);
      assert_cidr_text (&g_array_index (c->exclude_inbound_ips, MtpCidr, 0), "192.168.1.1");
      g_assert_cmpuint (c->vnets->len, ==, 1);
      vnet = c->vnets->pdata[0];
      g_assert_cmpstr (vnet->iface, ==, "docker0");
      assert_cidr_text (&vnet->cidr, "172.17.0.0/16");
      g_assert_true (c->inbound_insert);
      g_assert_true (c->outbound_insert);
      g_assert_true (c->drop_invalid_packets);
      g_assert_true (c->iptables_logs);
      g_assert_cmpint (c->ip_family_mode, ==, MTP_IP_FAMILY_MODE_IPV4);
      g_assert_true (c->skip_resolv_conf);
      g_assert_true (c->disable_comments);
      g_assert_cmpstr (c->resolv_conf, ==, "/run/resolv.conf");
      g_assert_true (c->store_firewalld);
    }
}

/* A file that says nothing is no error: it leaves the defaults. */
static void
test_file_empty (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *name;
    const char *contents;
  } cases[] = {
    { "empty", "" },
    { "comments", "# mesh-tproxy configuration\n#\n# redirect-inbound-port=15006\n\n" },
    { "blank", "\n\n   \n" },
    { "group-only", "# all defaults\n[mesh-tproxy]\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = fixture_write (f, cases[i].name, cases[i].contents, -1);
      g_autoptr (MtpConfig) loaded = mtp_config_new ();
      g_autoptr (MtpConfig) parsed = NULL;
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_true (mtp_config_load_file (loaded, path, &error));
      g_assert_no_error (error);
      assert_defaults (loaded);
      parsed = parse (f, MTP_COMMAND_SHOW, &error, "--config", path);
      g_assert_no_error (error);
      assert_defaults (parsed);
    }
}

/* Repeatable keys take a GKeyFile list: values separated by ';'. */
static void
test_file_lists (Fixture *f, gconstpointer data)
{
  g_autofree char *path
      = fixture_write (f, "lists.conf",
                       "[mesh-tproxy]\n"
                       "exclude-outbound-ports-for-uids=tcp,udp:80,443:1000;*:*:2000-2010; 3000 ;\n"
                       "vnet=docker0:172.17.0.0/16;br+:fd00::/64\n",
                       -1);
  g_autoptr (MtpConfig) c = mtp_config_new ();
  g_autoptr (GError) error = NULL;
  const MtpUidPortExclusion *ex;
  const MtpVnet *vnet;

  g_assert_true (mtp_config_load_file (c, path, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 3);
  ex = c->exclude_outbound_ports_for_uids->pdata[0];
  g_assert_cmpint (ex->protocols, ==, MTP_PROTO_ALL);
  g_assert_cmpuint (ex->ports->len, ==, 2);
  g_assert_cmpuint (g_array_index (ex->ports, MtpPortRange, 0).first, ==, 80);
  g_assert_cmpuint (g_array_index (ex->ports, MtpPortRange, 1).first, ==, 443);
  g_assert_cmpuint (ex->uids.first, ==, 1000);
  ex = c->exclude_outbound_ports_for_uids->pdata[1];
  g_assert_cmpint (ex->protocols, ==, MTP_PROTO_ALL);
  g_assert_cmpuint (ex->uids.first, ==, 2000);
  g_assert_cmpuint (ex->uids.last, ==, 2010);
  ex = c->exclude_outbound_ports_for_uids->pdata[2];
  g_assert_cmpuint (ex->uids.first, ==, 3000);
  g_assert_cmpuint (ex->uids.last, ==, 3000);

  g_assert_cmpuint (c->vnets->len, ==, 2);
  vnet = c->vnets->pdata[0];
  g_assert_cmpstr (vnet->iface, ==, "docker0");
  vnet = c->vnets->pdata[1];
  g_assert_cmpstr (vnet->iface, ==, "br+");
  assert_cidr_text (&vnet->cidr, "fd00::/64");
}

typedef struct
{
  const char *name;
  const char *contents;
  const char *needle; /* besides the path */
  const char *needle2;
} BadFile;

static void
check_bad_files (Fixture *f, const BadFile *cases, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *path = fixture_write (f, cases[i].name, cases[i].contents, -1);
      g_autofree char *quoted = g_strdup_printf ("'%s'", path);
      g_autoptr (MtpConfig) loaded = mtp_config_new ();
      g_autoptr (MtpConfig) parsed = NULL;
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_false (mtp_config_load_file (loaded, path, &error));
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
      assert_message (error, quoted, cases[i].needle, cases[i].needle2, NULL);
      g_clear_error (&error);

      parsed = parse (f, MTP_COMMAND_INSTALL, &error, "--dry-run", "--config", path);
      g_assert_null (parsed);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
      assert_message (error, quoted, cases[i].needle, cases[i].needle2, NULL);
    }
}

static void
test_file_unknown (Fixture *f, gconstpointer data)
{
  static const BadFile cases[] = {
    { "unknown-key", "[mesh-tproxy]\nredirect-inbound-prot=1\n", "unknown key",
      "'redirect-inbound-prot'" },
    { "help-key", "[mesh-tproxy]\nhelp=true\n", "unknown key", "'help'" },
    { "unknown-group", "[mesh-tproxy]\n[Mesh]\nredirect-dns=true\n", "unknown group", "[Mesh]" },
    { "only-unknown-group", "[kuma]\nredirect-dns=true\n", "unknown group", "[kuma]" },
    { "no-group", "redirect-dns=true\n", "group", NULL },
    { "garbage", "[mesh-tproxy]\nthis is not a key file line\n", "this is not a key file line",
      NULL },
  };

  check_bad_files (f, cases, G_N_ELEMENTS (cases));
}

static void
test_file_command_line_only (Fixture *f, gconstpointer data)
{
  static const BadFile cases[] = {
    { "dry-run", "[mesh-tproxy]\ndry-run=true\n", "'dry-run'",
      "only be given on the command line" },
    { "format", "[mesh-tproxy]\nformat=json\n", "'format'", "only be given on the command line" },
    { "family", "[mesh-tproxy]\nfamily=ipv4\n", "'family'", "only be given on the command line" },
    { "verbose", "[mesh-tproxy]\nverbose=true\n", "'verbose'",
      "only be given on the command line" },
    { "config", "[mesh-tproxy]\nconfig=/etc/other.conf\n", "'config'",
      "only be given on the command line" },
  };

  check_bad_files (f, cases, G_N_ELEMENTS (cases));
}

static void
test_file_bad_values (Fixture *f, gconstpointer data)
{
  static const BadFile cases[] = {
    { "port-abc", "[mesh-tproxy]\nredirect-inbound-port=abc\n", "'redirect-inbound-port'",
      "'abc'" },
    { "port-0", "[mesh-tproxy]\nredirect-outbound-port=0\n", "'redirect-outbound-port'", "'0'" },
    { "port-list", "[mesh-tproxy]\nexclude-inbound-ports=22,70000\n", "'exclude-inbound-ports'",
      "'70000'" },
    { "bool", "[mesh-tproxy]\nredirect-dns=maybe\n", "'redirect-dns'", "'maybe'" },
    { "bool-empty", "[mesh-tproxy]\nredirect-dns=\n", "'redirect-dns'", "boolean" },
    { "cidr", "[mesh-tproxy]\nexclude-outbound-ips=10.0.0.1/33\n", "'exclude-outbound-ips'",
      "'10.0.0.1/33'" },
    { "mode", "[mesh-tproxy]\nip-family-mode=ipv6\n", "'ip-family-mode'", "'ipv6'" },
    { "user-empty", "[mesh-tproxy]\nkuma-dp-user=\n", "'kuma-dp-user'", "empty" },
    { "vnet-second", "[mesh-tproxy]\nvnet=docker0:172.17.0.0/16;eth0\n", "'vnet'", "'eth0'" },
    { "uids-star", "[mesh-tproxy]\nexclude-outbound-ports-for-uids=tcp:80:*\n",
      "'exclude-outbound-ports-for-uids'", "'*'" },
  };

  check_bad_files (f, cases, G_N_ELEMENTS (cases));
}

static void
test_file_invalid_utf8 (Fixture *f, gconstpointer data)
{
  static const BadFile cases[] = {
    { "utf8-value", "[mesh-tproxy]\nkuma-dp-user=kuma\xff\n", "'kuma-dp-user'", "UTF-8" },
    { "utf8-list", "[mesh-tproxy]\nvnet=eth0:10.0.0.0/8;\xc3(:10.1.0.0/16\n", "'vnet'", NULL },
    { "utf8-key", "[mesh-tproxy]\nredirect-\xfe-dns=true\n", "unknown key", NULL },
    { "utf8-group", "[mesh-\xfe]\nredirect-dns=true\n", "unknown group", NULL },
  };

  check_bad_files (f, cases, G_N_ELEMENTS (cases));
}

static void
test_file_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "no-such.conf", NULL);
  g_autofree char *quoted = g_strdup_printf ("'%s'", path);
  g_autofree char *dir_quoted = g_strdup_printf ("'%s'", f->dir);
  g_autoptr (MtpConfig) c = mtp_config_new ();
  g_autoptr (MtpConfig) parsed = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (mtp_config_load_file (c, path, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
  assert_message (error, quoted, "no such file", NULL);
  g_clear_error (&error);

  /* An explicit --config must exist, for every command. */
  parsed = parse (f, MTP_COMMAND_SHOW, &error, "--config", path);
  g_assert_null (parsed);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
  assert_message (error, quoted, "no such file", NULL);
  g_clear_error (&error);

  parsed = parse (f, MTP_COMMAND_UNINSTALL, &error, "--config", path);
  g_assert_null (parsed);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  /* A directory is no config file either. */
  parsed = parse (f, MTP_COMMAND_SHOW, &error, "--config", f->dir);
  g_assert_null (parsed);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG);
  assert_message (error, dir_quoted, NULL);
}

/* Precedence: defaults, then the file, then the command line */

static void
test_precedence_cli_over_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = fixture_write (f, "ports.conf",
                                         "[mesh-tproxy]\n"
                                         "redirect-inbound-port=4321\n"
                                         "redirect-outbound-port=16001\n"
                                         "kuma-dp-user=from-file\n"
                                         "exclude-inbound-ports=7,8\n",
                                         -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_INSTALL, &error, "--config", path, "--redirect-inbound-port", "1234");
  g_assert_no_error (error);
  g_assert_cmpuint (c->redirect_inbound_port, ==, 1234);
  g_assert_cmpuint (c->redirect_outbound_port, ==, 16001);
  g_assert_cmpstr (c->kuma_dp_user, ==, "from-file");
  assert_ports (c->exclude_inbound_ports, 2, (const guint16[]){ 7, 8 });
  g_clear_pointer (&c, mtp_config_free);

  /* Where --config stands on the command line does not matter: the file
   * always comes first. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-inbound-port=1234", "--kuma-dp-user", "0",
             "--exclude-inbound-ports", "9", "--config", path);
  g_assert_no_error (error);
  g_assert_cmpuint (c->redirect_inbound_port, ==, 1234);
  g_assert_cmpuint (c->redirect_outbound_port, ==, 16001);
  g_assert_cmpstr (c->kuma_dp_user, ==, "0");
  assert_ports (c->exclude_inbound_ports, 1, (const guint16[]){ 9 });
  g_clear_pointer (&c, mtp_config_free);

  /* An empty list on the command line clears the file's. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--exclude-inbound-ports=");
  g_assert_no_error (error);
  g_assert_cmpuint (c->exclude_inbound_ports->len, ==, 0);
}

static void
test_precedence_bool (Fixture *f, gconstpointer data)
{
  g_autofree char *path = fixture_write (f, "bools.conf",
                                         "[mesh-tproxy]\n"
                                         "redirect-inbound=false\n"
                                         "redirect-dns=true\n",
                                         -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path);
  g_assert_no_error (error);
  g_assert_false (c->redirect_inbound);
  g_assert_true (c->redirect_dns);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--redirect-inbound",
             "--redirect-dns=false");
  g_assert_no_error (error);
  g_assert_true (c->redirect_inbound);
  g_assert_false (c->redirect_dns);
  g_clear_pointer (&c, mtp_config_free);

  /* The file's --redirect-dns and the command line's
   * --redirect-all-dns-traffic conflict unless the command line turns the
   * first off. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--redirect-all-dns-traffic");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--redirect-all-dns-traffic",
             "--redirect-dns=no");
  g_assert_no_error (error);
  g_assert_true (c->redirect_all_dns_traffic);
  g_assert_false (c->redirect_dns);
}

static void
test_precedence_list_replaces (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--exclude-inbound-ports", "1,2",
             "--exclude-inbound-ports", "3");
  g_assert_no_error (error);
  assert_ports (c->exclude_inbound_ports, 1, (const guint16[]){ 3 });
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--exclude-outbound-ips=10.0.0.0/8,fd00::/8",
             "--exclude-outbound-ips=192.168.0.0/16", "--redirect-inbound-port=1",
             "--redirect-inbound-port=2");
  g_assert_no_error (error);
  g_assert_cmpuint (c->exclude_outbound_ips->len, ==, 1);
  assert_cidr_text (&g_array_index (c->exclude_outbound_ips, MtpCidr, 0), "192.168.0.0/16");
  g_assert_cmpuint (c->redirect_inbound_port, ==, 2);
}

static void
test_precedence_repeatable (Fixture *f, gconstpointer data)
{
  g_autofree char *path = fixture_write (f, "repeat.conf",
                                         "[mesh-tproxy]\n"
                                         "vnet=eth0:10.0.0.0/8;eth1:10.1.0.0/16\n"
                                         "exclude-outbound-ports-for-uids=1000;2000;3000\n",
                                         -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;
  const MtpVnet *vnet;
  const MtpUidPortExclusion *ex;

  /* On the command line they accumulate. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--vnet", "docker0:172.17.0.0/16", "--vnet=br+:fd00::/64",
             "--exclude-outbound-ports-for-uids", "tcp:80:1000",
             "--exclude-outbound-ports-for-uids", "udp:53:2000");
  g_assert_no_error (error);
  g_assert_cmpuint (c->vnets->len, ==, 2);
  g_assert_cmpstr (((MtpVnet *)c->vnets->pdata[0])->iface, ==, "docker0");
  g_assert_cmpstr (((MtpVnet *)c->vnets->pdata[1])->iface, ==, "br+");
  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 2);
  ex = c->exclude_outbound_ports_for_uids->pdata[1];
  g_assert_cmpint (ex->protocols, ==, MTP_PROTO_UDP);
  g_assert_cmpuint (ex->uids.first, ==, 2000);
  g_clear_pointer (&c, mtp_config_free);

  /* The file's set alone. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path);
  g_assert_no_error (error);
  g_assert_cmpuint (c->vnets->len, ==, 2);
  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 3);
  g_clear_pointer (&c, mtp_config_free);

  /* The command line's set replaces the file's; an option not given keeps
   * the file's set. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--vnet", "docker0:172.17.0.0/16",
             "--vnet", "br0:192.168.0.0/16");
  g_assert_no_error (error);
  g_assert_cmpuint (c->vnets->len, ==, 2);
  vnet = c->vnets->pdata[0];
  g_assert_cmpstr (vnet->iface, ==, "docker0");
  vnet = c->vnets->pdata[1];
  g_assert_cmpstr (vnet->iface, ==, "br0");
  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 3);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--exclude-outbound-ports-for-uids", "4000", "--config",
             path);
  g_assert_no_error (error);
  g_assert_cmpuint (c->exclude_outbound_ports_for_uids->len, ==, 1);
  ex = c->exclude_outbound_ports_for_uids->pdata[0];
  g_assert_cmpuint (ex->uids.first, ==, 4000);
  g_assert_cmpuint (c->vnets->len, ==, 2);
}

/* Option values on the command line */

static void
test_bool_forms (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *arg;
    gboolean value;
  } cases[] = {
    { "--redirect-dns", TRUE },     { "--redirect-dns=true", TRUE },
    { "--redirect-dns=yes", TRUE }, { "--redirect-dns=on", TRUE },
    { "--redirect-dns=1", TRUE },   { "--redirect-dns=TRUE", TRUE },
    { "--redirect-dns=Yes", TRUE }, { "--redirect-dns=false", FALSE },
    { "--redirect-dns=no", FALSE }, { "--redirect-dns=off", FALSE },
    { "--redirect-dns=0", FALSE },  { "--redirect-dns=FALSE", FALSE },
  };
  static const char *const bad[] = { "maybe", "", "2", "ja", " true", "true ", "t" };
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].arg);
      c = parse (f, MTP_COMMAND_SHOW, &error, cases[i].arg);
      g_assert_no_error (error);
      g_assert_cmpint (c->redirect_dns, ==, cases[i].value);
      g_clear_pointer (&c, mtp_config_free);
    }

  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-inbound=false");
  g_assert_no_error (error);
  g_assert_false (c->redirect_inbound);
  g_clear_pointer (&c, mtp_config_free);

  /* The last one wins. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-inbound=false", "--redirect-inbound");
  g_assert_no_error (error);
  g_assert_true (c->redirect_inbound);
  g_clear_pointer (&c, mtp_config_free);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *arg = g_strconcat ("--redirect-dns=", bad[i], NULL);
      g_autofree char *quoted = g_strdup_printf ("'%s'", bad[i]);

      g_test_message ("%s", arg);
      c = parse (f, MTP_COMMAND_SHOW, &error, arg);
      g_assert_null (c);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      assert_message (error, "--redirect-dns", quoted, "boolean", NULL);
      g_clear_error (&error);
    }
}

static void
test_values (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--kuma-dp-user", "kuma-dp", "--resolv-conf",
             "/tmp/resolv.conf", "--ip-family-mode", "ipv4", "--format", "json", "--verbose");
  g_assert_no_error (error);
  g_assert_cmpstr (c->kuma_dp_user, ==, "kuma-dp");
  g_assert_cmpstr (c->resolv_conf, ==, "/tmp/resolv.conf");
  g_assert_cmpint (c->ip_family_mode, ==, MTP_IP_FAMILY_MODE_IPV4);
  g_assert_cmpint (c->format, ==, MTP_FORMAT_JSON);
  g_assert_true (c->verbose);
  g_assert_false (c->family_only);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--format=direct-xml");
  g_assert_no_error (error);
  g_assert_cmpint (c->format, ==, MTP_FORMAT_DIRECT_XML);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--format", "firewall-cmd");
  g_assert_no_error (error);
  g_assert_cmpint (c->format, ==, MTP_FORMAT_FIREWALL_CMD);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--family", "ipv6", "--ip-family-mode=dualstack");
  g_assert_no_error (error);
  g_assert_true (c->family_only);
  g_assert_cmpint (c->family, ==, MTP_FAMILY_IPV6);
  g_assert_cmpint (c->ip_family_mode, ==, MTP_IP_FAMILY_MODE_DUALSTACK);
  g_clear_pointer (&c, mtp_config_free);

  /* The seed document's command line, as written. */
  c = parse (f, MTP_COMMAND_INSTALL, &error, "--kuma-dp-user", "kuma-dp", "--skip-resolv-conf",
             "--store-firewalld", "--dry-run");
  g_assert_no_error (error);
  g_assert_cmpstr (c->kuma_dp_user, ==, "kuma-dp");
  g_assert_true (c->skip_resolv_conf);
  g_assert_true (c->store_firewalld);
  g_assert_true (c->dry_run);
}

static void
test_bad_values (Fixture *f, gconstpointer data)
{
  /* The message names the option and quotes the offending part of the value
   * (NULL: all of it). */
  static const struct
  {
    MtpCommand command;
    const char *option;
    const char *value;
    const char *part;
  } cases[] = {
    { MTP_COMMAND_SHOW, "--redirect-inbound-port", "0", NULL },
    { MTP_COMMAND_SHOW, "--redirect-inbound-port", "70000", NULL },
    { MTP_COMMAND_SHOW, "--redirect-outbound-port", "abc", NULL },
    { MTP_COMMAND_SHOW, "--redirect-dns-port", "-1", NULL },
    { MTP_COMMAND_SHOW, "--exclude-inbound-ports", "22,abc", "abc" },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports", "22,,80", NULL },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports-for-uids", "tcp:90-80:1000", "90-80" },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports-for-uids", "http:1:1", "http" },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports-for-uids", "*", NULL },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports-for-uids", "1,2,3", NULL },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ports-for-uids", "tcp:80:1000-999", "1000-999" },
    { MTP_COMMAND_SHOW, "--exclude-outbound-ips", "10.0.0.1/33", NULL },
    { MTP_COMMAND_SHOW, "--exclude-inbound-ips", "not-an-ip", NULL },
    { MTP_COMMAND_SHOW, "--vnet", "eth0", NULL },
    { MTP_COMMAND_SHOW, "--vnet", "eth0:notacidr", "notacidr" },
    { MTP_COMMAND_SHOW, "--vnet", "abcdefghijklmnop:10.0.0.0/8", "abcdefghijklmnop" },
    { MTP_COMMAND_SHOW, "--vnet", "eth/0:10.0.0.0/8", "eth/0" },
    { MTP_COMMAND_SHOW, "--vnet", "eth 0:10.0.0.0/8", "eth 0" },
    { MTP_COMMAND_SHOW, "--ip-family-mode", "ipv6", NULL },
    { MTP_COMMAND_SHOW, "--format", "yaml", NULL },
    { MTP_COMMAND_SHOW, "--family", "inet", NULL },
    { MTP_COMMAND_INSTALL, "--kuma-dp-user", "", NULL },
    { MTP_COMMAND_INSTALL, "--resolv-conf", "", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpConfig) c = NULL;
      const char *part = cases[i].part != NULL ? cases[i].part : cases[i].value;
      g_autofree char *quoted = g_strdup_printf ("'%s'", part);
      g_autofree char *joined = g_strconcat (cases[i].option, "=", cases[i].value, NULL);

      g_test_message ("%s %s", cases[i].option, cases[i].value);
      c = parse (f, cases[i].command, &error, joined);
      g_assert_null (c);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      /* An empty value is said to be empty rather than quoted. */
      assert_message (error, cases[i].option, *part != '\0' ? quoted : "empty", NULL);
      g_assert_cmpint (mtp_error_to_exit_code (error), ==, MTP_EXIT_USAGE);
    }
}

/* Combinations */

static void
test_validate (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-dns", "--redirect-all-dns-traffic");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--redirect-dns", "--redirect-all-dns-traffic", NULL);
  g_clear_error (&error);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-inbound-port", "15001");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--redirect-inbound-port", "--redirect-outbound-port", "15001", NULL);
  g_clear_error (&error);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-inbound-port=2000",
             "--redirect-outbound-port=2000");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "2000", NULL);
  g_clear_error (&error);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-all-dns-traffic", "--redirect-dns-port",
             "15006");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--redirect-dns-port", "15006", NULL);
  g_clear_error (&error);

  /* Without DNS redirection the DNS port is not used. */
  c = parse (f, MTP_COMMAND_SHOW, &error, "--redirect-dns-port", "15006");
  g_assert_no_error (error);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_SHOW, &error, "--family", "ipv4", "--format", "json");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--family", NULL);
  g_clear_error (&error);
}

/* Combinations made up of the file and the command line are checked too. */
static void
test_validate_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path
      = fixture_write (f, "clash.conf", "[mesh-tproxy]\nredirect-inbound-port=16001\n", -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--config", path, "--redirect-outbound-port", "16001");
  g_assert_null (c);
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "16001", NULL);
}

/* The command line's shape */

static void
test_args_positional (Fixture *f, gconstpointer data)
{
  const char *const *const cases[] = {
    (const char *const[]){ "--redirect-inbound", "false", NULL },
    (const char *const[]){ "--dry-run", "yes", NULL },
    (const char *const[]){ "--redirect-dns", "false", "--kuma-dp-user", "0", NULL },
    (const char *const[]){ "false", NULL },
    (const char *const[]){ "--", "false", NULL },
    (const char *const[]){ "--kuma-dp-user", "0", "extra", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpConfig) c = parse_strv (f, MTP_COMMAND_INSTALL, cases[i], &error);

      g_assert_null (c);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      assert_message (error, "unexpected argument", "--option=VALUE", NULL);
      g_assert_true (strstr (error->message, "'false'") != NULL
                     || strstr (error->message, "'yes'") != NULL
                     || strstr (error->message, "'extra'") != NULL);
    }
}

/* A value that looks like an option is still the value of the option before
 * it, and a lone "--" ends the options. */
static void
test_args_values_with_dashes (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) c = NULL;

  c = parse (f, MTP_COMMAND_SHOW, &error, "--kuma-dp-user", "--dry-run");
  g_assert_no_error (error);
  g_assert_cmpstr (c->kuma_dp_user, ==, "--dry-run");
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_INSTALL, &error, "--kuma-dp-user", "--redirect-dns", "--dry-run");
  g_assert_no_error (error);
  g_assert_cmpstr (c->kuma_dp_user, ==, "--redirect-dns");
  g_assert_false (c->redirect_dns);
  g_assert_true (c->dry_run);
  g_clear_pointer (&c, mtp_config_free);

  c = parse (f, MTP_COMMAND_INSTALL, &error, "--dry-run", "--");
  g_assert_no_error (error);
  g_assert_true (c->dry_run);
}

static void
test_args_unknown_option (Fixture *f, gconstpointer data)
{
  static const char *const cases[]
      = { "--no-such-option", "--redirect-inbound-prot=1", "-x", "--help-all", "--Redirect-dns" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpConfig) c = parse (f, MTP_COMMAND_SHOW, &error, cases[i]);

      g_test_message ("%s", cases[i]);
      g_assert_null (c);
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
      g_assert_cmpint (mtp_error_to_exit_code (error), ==, MTP_EXIT_USAGE);
    }
}

static void
test_args_wrong_command (Fixture *f, gconstpointer data)
{
  static const struct
  {
    MtpCommand command;
    const char *arg;
  } cases[] = {
    { MTP_COMMAND_INSTALL, "--format=json" },
    { MTP_COMMAND_INSTALL, "--family=ipv4" },
    { MTP_COMMAND_SHOW, "--dry-run" },
    { MTP_COMMAND_SHOW, "--store-firewalld" },
    { MTP_COMMAND_STATUS, "--dry-run" },
    { MTP_COMMAND_STATUS, "--format=json" },
    { MTP_COMMAND_UNINSTALL, "--redirect-inbound-port=1234" },
    { MTP_COMMAND_UNINSTALL, "--kuma-dp-user=0" },
    { MTP_COMMAND_UNINSTALL, "--vnet=eth0:10.0.0.0/8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpConfig) c = parse (f, cases[i].command, &error, cases[i].arg);
      g_autofree char *name = g_strndup (cases[i].arg, strcspn (cases[i].arg, "="));

      g_test_message ("%s %s", mtp_command_to_string (cases[i].command), cases[i].arg);
      g_assert_null (c);
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION);
      assert_message (error, name, NULL);
    }
}

/* --help is reported as G_OPTION_ERROR_FAILED, which the caller turns into
 * printing mtp_config_help(). */
static void
test_args_help (Fixture *f, gconstpointer data)
{
  static const char *const cases[] = { "--help", "-h" };
  static const struct
  {
    MtpCommand command;
    const char *has;
    const char *has_not;
  } helps[] = {
    { MTP_COMMAND_INSTALL, "--dry-run", "--format" },
    { MTP_COMMAND_INSTALL, "--store-firewalld", "--family" },
    { MTP_COMMAND_SHOW, "--format", "--dry-run" },
    { MTP_COMMAND_SHOW, "--family", "--store-firewalld" },
    { MTP_COMMAND_UNINSTALL, "--dry-run", "--redirect-inbound-port" },
    { MTP_COMMAND_STATUS, "--kuma-dp-user", "--dry-run" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpConfig) c = parse (f, MTP_COMMAND_INSTALL, &error, cases[i], "--dry-run");

      g_assert_null (c);
      g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (helps); i++)
    {
      g_autofree char *help = mtp_config_help (helps[i].command);

      g_assert_nonnull (strstr (help, "--config"));
      g_assert_nonnull (strstr (help, "--help"));
      g_assert_nonnull (strstr (help, helps[i].has));
      g_assert_null (strstr (help, helps[i].has_not));
    }
}

static void
test_set (Fixture *f, gconstpointer data)
{
  g_autoptr (MtpConfig) c = mtp_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (mtp_config_set (c, "redirect-outbound-port", "16001", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->redirect_outbound_port, ==, 16001);

  g_assert_false (mtp_config_set (c, "no-such-option", "1", &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--no-such-option", NULL);
  g_clear_error (&error);

  g_assert_false (mtp_config_set (c, "help", "true", &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  /* A failed set leaves the value as it was. */
  g_assert_false (mtp_config_set (c, "redirect-outbound-port", "70000", &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  assert_message (error, "--redirect-outbound-port", "'70000'", NULL);
  g_assert_cmpuint (c->redirect_outbound_port, ==, 16001);
  g_clear_error (&error);

  g_assert_true (mtp_config_set (c, "exclude-inbound-ports", "1,2", &error));
  g_assert_false (mtp_config_set (c, "exclude-inbound-ports", "3,x", &error));
  g_clear_error (&error);
  assert_ports (c->exclude_inbound_ports, 2, (const guint16[]){ 1, 2 });
}

/* resolv.conf */

static void
assert_cidrs (GArray *cidrs, const char *const *expected)
{
  guint n = g_strv_length ((char **)expected);

  g_assert_cmpuint (cidrs->len, ==, n);
  /* Up to the NULL rather than to n: clang's analyzer cannot see through
   * g_strv_length () and would take an element past the end. */
  for (guint i = 0; expected[i] != NULL; i++)
    assert_cidr_text (&g_array_index (cidrs, MtpCidr, i), expected[i]);
}

static void
test_resolv_conf (void)
{
  static const char text[] = "# Generated by NetworkManager\n"
                             "# nameserver 9.9.9.9\n"
                             "; nameserver 8.8.4.4\n"
                             "#nameserver 8.8.8.8\n"
                             "search example.com corp.example.com\n"
                             "options ndots:5 edns0\n"
                             "nameserver 10.0.0.1\n"
                             "nameserver\t10.0.0.2\n"
                             "  \tnameserver \t 10.0.0.3   # trailing words\n"
                             "nameserver 10.0.0.1\n"
                             "nameserver fe80::1%eth0\n"
                             "nameserver fd00::53\n"
                             "nameserver FD00:0::53\n"
                             "nameserver not-an-address\n"
                             "nameserver\n"
                             "nameserver 300.1.1.1\n"
                             "nameserver 10.0.0.0/8\n"
                             "nameservers 10.9.9.9\n"
                             "Nameserver 10.9.9.8\n"
                             "domain nameserver\n"
                             "nameserver 10.0.0.4\r\n"
                             "nameserver ::1\n"
                             "nameserver 127.0.0.53";
  static const char *const ipv4[]
      = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "127.0.0.53", NULL };
  static const char *const ipv6[] = { "fd00::53", "::1", NULL };
  g_autoptr (GArray) v4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autoptr (GArray) v6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));

  g_assert_true (mtp_parse_resolv_conf (text, v4, v6, NULL));
  assert_cidrs (v4, ipv4);
  assert_cidrs (v6, ipv6);
  for (guint i = 0; i < v4->len; i++)
    {
      g_assert_cmpint (g_array_index (v4, MtpCidr, i).family, ==, MTP_FAMILY_IPV4);
      g_assert_cmpuint (g_array_index (v4, MtpCidr, i).prefix, ==, 32);
    }
  for (guint i = 0; i < v6->len; i++)
    {
      g_assert_cmpint (g_array_index (v6, MtpCidr, i).family, ==, MTP_FAMILY_IPV6);
      g_assert_cmpuint (g_array_index (v6, MtpCidr, i).prefix, ==, 128);
    }
}

static void
test_resolv_conf_empty (void)
{
  static const char *const texts[] = { "", "\n", "# nothing\n", "search local\n", "nameserver" };
  static const char *const none[] = { NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GArray) v4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
      g_autoptr (GArray) v6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));

      g_assert_true (mtp_parse_resolv_conf (texts[i], v4, v6, NULL));
      assert_cidrs (v4, none);
      assert_cidrs (v6, none);
    }
}

static void
test_resolv_conf_only_ipv6 (void)
{
  static const char *const none[] = { NULL };
  static const char *const ipv6[] = { "2001:db8::1", NULL };
  g_autoptr (GArray) v4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  g_autoptr (GArray) v6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));

  g_assert_true (
      mtp_parse_resolv_conf ("nameserver 2001:db8::1\nnameserver fe80::2%2\n", v4, v6, NULL));
  assert_cidrs (v4, none);
  assert_cidrs (v6, ipv6);
}

/* The proxy user */

static void
test_user_root (void)
{
  static const char *const names[] = { "0", "root", "00" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GError) error = NULL;
      guint32 uid = 12345;

      g_assert_true (mtp_resolve_user (names[i], &uid, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (uid, ==, 0);
    }
}

static void
test_user_not_found (void)
{
  static const char *const names[] = { "no-such-user-xyz", "root ", "-1" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *quoted = g_strdup_printf ("'%s'", names[i]);
      guint32 uid = 12345;

      g_assert_false (mtp_resolve_user (names[i], &uid, &error));
      g_assert_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND);
      assert_message (error, "--kuma-dp-user", quoted, NULL);
      g_assert_cmpuint (uid, ==, 12345);
      g_assert_cmpint (mtp_error_to_exit_code (error), ==, MTP_EXIT_USAGE);
    }

  /* A number that is no UID (and no user name) on this host. */
  for (guint32 candidate = 3999999000u; candidate < 3999999100u; candidate++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;
      guint32 uid = 12345;

      /* cppcheck-suppress getpwuidCalled ; the test programs are single-threaded */
      if (getpwuid (candidate) != NULL)
        continue;
      text = g_strdup_printf ("%u", candidate);
      /* cppcheck-suppress getpwnamCalled ; the test programs are single-threaded */
      if (getpwnam (text) != NULL)
        continue;
      g_assert_false (mtp_resolve_user (text, &uid, &error));
      g_assert_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND);
      assert_message (error, text, NULL);
      break;
    }
}

/* The default depends on the host: UID 5678 first, then the name kuma-dp. */
static void
test_user_default (void)
{
  static const char *const defaults[] = { NULL, "" };
  struct passwd *pw;
  gboolean have_uid, have_name;
  guint32 expected = 0;

  /* cppcheck-suppress getpwuidCalled ; the test programs are single-threaded */
  pw = getpwuid (MTP_DEFAULT_KUMA_DP_UID);
  have_uid = pw != NULL;
  if (!have_uid)
    {
      /* cppcheck-suppress getpwnamCalled ; the test programs are single-threaded */
      pw = getpwnam (MTP_DEFAULT_KUMA_DP_USER);
      have_name = pw != NULL;
      if (have_name)
        expected = pw->pw_uid;
    }
  else
    {
      have_name = TRUE;
      expected = MTP_DEFAULT_KUMA_DP_UID;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      g_autoptr (GError) error = NULL;
      guint32 uid = 12345;
      gboolean ok = mtp_resolve_user (defaults[i], &uid, &error);

      if (have_uid || have_name)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpuint (uid, ==, expected);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND);
          assert_message (error, "5678", "'kuma-dp'", "--kuma-dp-user", NULL);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/config/defaults", test_defaults);
  ADD ("/config/file/values", test_file_values);
  ADD ("/config/file/empty", test_file_empty);
  ADD ("/config/file/lists", test_file_lists);
  ADD ("/config/file/unknown", test_file_unknown);
  ADD ("/config/file/command-line-only", test_file_command_line_only);
  ADD ("/config/file/bad-values", test_file_bad_values);
  ADD ("/config/file/invalid-utf8", test_file_invalid_utf8);
  ADD ("/config/file/missing", test_file_missing);
  ADD ("/config/precedence/cli-over-file", test_precedence_cli_over_file);
  ADD ("/config/precedence/bool", test_precedence_bool);
  ADD ("/config/precedence/list-replaces", test_precedence_list_replaces);
  ADD ("/config/precedence/repeatable", test_precedence_repeatable);
  ADD ("/config/values/bool", test_bool_forms);
  ADD ("/config/values/valid", test_values);
  ADD ("/config/values/invalid", test_bad_values);
  ADD ("/config/validate/command-line", test_validate);
  ADD ("/config/validate/file-and-command-line", test_validate_file);
  ADD ("/config/args/positional", test_args_positional);
  ADD ("/config/args/values-with-dashes", test_args_values_with_dashes);
  ADD ("/config/args/unknown-option", test_args_unknown_option);
  ADD ("/config/args/wrong-command", test_args_wrong_command);
  ADD ("/config/args/help", test_args_help);
  ADD ("/config/set", test_set);
#undef ADD

  g_test_add_func ("/facts/resolv-conf/parse", test_resolv_conf);
  g_test_add_func ("/facts/resolv-conf/empty", test_resolv_conf_empty);
  g_test_add_func ("/facts/resolv-conf/only-ipv6", test_resolv_conf_only_ipv6);
  g_test_add_func ("/facts/user/root", test_user_root);
  g_test_add_func ("/facts/user/not-found", test_user_not_found);
  g_test_add_func ("/facts/user/default", test_user_default);

  return g_test_run ();
}
