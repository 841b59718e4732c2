/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "mtp-parse.h"
#include "mtp-test-cases.h"

const MtpTestCase mtp_test_cases[] = {
  { "default", { NULL } },
  { "ports-exclusions",
    { "redirect-inbound-port=16006", "redirect-outbound-port=16001", "exclude-inbound-ports=22,443",
      "exclude-outbound-ports=2000,2001" } },
  { "dns-servers", { "redirect-dns=true" }, "10.0.0.2,127.0.0.53,fd00::53" },
  { "dns-all-traffic", { "redirect-all-dns-traffic=true" }, "10.0.0.2" },
  { "dns-no-zone-split",
    { "redirect-dns=true", "skip-dns-conntrack-zone-split=true", "redirect-dns-port=25053" },
    "10.0.0.2,fd00::53" },
  { "dns-docker-output", { "redirect-dns=true" }, "127.0.0.11,fd00::11", TRUE },
  { "dns-no-ipv6-nameserver", { "redirect-dns=true" }, "10.0.0.2" },
  { "uid-exclusions",
    { "exclude-outbound-ports-for-uids=tcp:22,80:1000",
      "exclude-outbound-ports-for-uids=udp:53:1001-1005",
      "exclude-outbound-ports-for-uids=8080:1002", "exclude-outbound-ports-for-uids=1003",
      "exclude-outbound-ports-for-uids=*:*:2000",
      "exclude-outbound-ports-for-uids=tcp:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18:3000",
      "exclude-outbound-ports-for-uids=tcp,udp:100-200,300,400-500,600-700,800-900,1000-1100,"
      "1200-1300,1400-1500:4000" } },
  /* Packed: inbound, 22 and 443 listed twice and 8080-8082 made a range;
   * outbound, 14 single ports take 14 slots, the range 30-31 needs two and so
   * opens a second rule with the last 4. */
  { "pack-ports",
    { "pack-ports=true", "exclude-inbound-ports=443,22,8081,8080,8082,22,443",
      "exclude-outbound-ports=1,3,5,7,9,11,13,15,17,19,21,23,25,27,30,31,33,35,37,39" } },
  { "exclude-ips",
    { "exclude-outbound-ips=10.0.0.0/8,192.168.1.1,fd00::/8,2001:db8::1",
      "exclude-inbound-ips=172.16.0.0/12,fe80::/10,203.0.113.7" } },
  { "vnet", { "vnet=docker0:172.17.0.0/16", "vnet=br+:fd00:1::/64", "vnet=eth1:10.10.0.0/16" } },
  { "inbound-disabled", { "redirect-inbound=false", "exclude-inbound-ports=22" } },
  { "insert-instead-of-append",
    { "redirect-inbound-insert-instead-of-append=true",
      "redirect-outbound-insert-instead-of-append=true" } },
  { "logs", { "iptables-logs=true" } },
  { "drop-invalid", { "drop-invalid-packets=true" } },
  { "ipv4-only", { "ip-family-mode=ipv4", "redirect-dns=true" }, "10.0.0.2,fd00::53" },
  { "ipv6-unusable", { "redirect-dns=true" }, "10.0.0.2,fd00::53", FALSE, TRUE },
  { "comments-disabled", { "disable-comments=true", "redirect-dns=true" }, "10.0.0.2,fd00::53" },
  { "everything",
    { "iptables-logs=true", "redirect-dns=true", "exclude-outbound-ports-for-uids=tcp:22:1000",
      "exclude-outbound-ips=10.0.0.0/8,fd00::/8", "exclude-inbound-ips=192.168.0.0/16",
      "exclude-inbound-ports=22", "exclude-outbound-ports=2000", "vnet=docker0:172.17.0.0/16",
      "redirect-outbound-insert-instead-of-append=true", "drop-invalid-packets=true" },
    "10.0.0.2,127.0.0.53,fd00::53" },
};

const guint mtp_n_test_cases = G_N_ELEMENTS (mtp_test_cases);

MtpRuleset *
mtp_test_case_build (const MtpTestCase *tc)
{
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tc->options) && tc->options[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (tc->options[i], "=", 2);

      g_assert_nonnull (kv[1]);
      mtp_config_set (config, kv[0], kv[1], &error);
      g_assert_no_error (error);
    }
  mtp_config_validate (config, &error);
  g_assert_no_error (error);

  facts->uid = MTP_TEST_UID;
  facts->ipv6_usable = !tc->ipv6_unusable;
  if (tc->ipv6_unusable)
    facts->ipv6_reason = g_strdup ("no network interface has an IPv6 address");
  facts->docker_output_ipv4 = tc->docker_output;
  facts->docker_output_ipv6 = tc->docker_output;
  if (tc->nameservers != NULL)
    {
      g_autoptr (GArray) servers = mtp_parse_cidr_list (tc->nameservers, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < servers->len; i++)
        {
          MtpCidr *s = &g_array_index (servers, MtpCidr, i);
          g_array_append_val (
              s->family == MTP_FAMILY_IPV4 ? facts->nameservers_ipv4 : facts->nameservers_ipv6, *s);
        }
    }
  return mtp_build_ruleset (config, facts, NULL);
}

char *
mtp_test_golden_path (const MtpTestCase *tc, const char *suffix)
{
  g_autofree char *file = g_strdup_printf ("%s.%s", tc->name, suffix);

  return g_test_build_filename (G_TEST_DIST, "data", "golden", file, NULL);
}

void
mtp_test_assert_golden (const MtpTestCase *tc, const char *suffix, const char *text)
{
  g_autofree char *path = mtp_test_golden_path (tc, suffix);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (g_getenv ("MTP_UPDATE_GOLDEN"), "1") == 0)
    {
      if (*text == '\0')
        (void)g_remove (path);
      else
        {
          g_file_set_contents (path, text, -1, &error);
          g_assert_no_error (error);
        }
      return;
    }
  if (*text == '\0')
    {
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      return;
    }
  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);
}

gboolean
mtp_test_require_root (const char *why)
{
  g_autofree char *reason = NULL;

  if (geteuid () == 0)
    return TRUE;
  reason = g_strdup_printf ("needs root: %s", why);
  if (g_strcmp0 (g_getenv ("MTP_FAIL_ON_SKIP"), "1") == 0)
    {
      g_test_message ("%s (MTP_FAIL_ON_SKIP=1)", reason);
      g_test_fail ();
    }
  else
    g_test_skip (reason);
  return FALSE;
}
