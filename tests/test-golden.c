/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-render.h"
#include "mtp-test-cases.h"

/* Every golden case in every rendered form. Run with MTP_UPDATE_GOLDEN=1 to
 * rewrite the files after a deliberate change, then review the diff. */
static void
test_case (gconstpointer data)
{
  const MtpTestCase *tc = data;
  g_autoptr (MtpRuleset) ruleset = mtp_test_case_build (tc);
  g_autofree char *ipv4 = mtp_render_iptables (ruleset, MTP_FAMILY_IPV4);
  g_autofree char *ipv6 = mtp_render_iptables (ruleset, MTP_FAMILY_IPV6);
  g_autofree char *xml = mtp_render_direct_xml (ruleset, NULL);
  g_autofree char *fwcmd = mtp_render_firewall_cmd (ruleset);
  g_autofree char *json = mtp_render_json (ruleset);

  mtp_test_assert_golden (tc, "ipv4.rules", ipv4);
  mtp_test_assert_golden (tc, "ipv6.rules", ipv6);
  g_assert_nonnull (xml);
  mtp_test_assert_golden (tc, "direct.xml", xml);
  mtp_test_assert_golden (tc, "firewall-cmd", fwcmd);
  mtp_test_assert_golden (tc, "json", json);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autofree char *path = g_strdup_printf ("/golden/%s", mtp_test_cases[i].name);
      g_test_add_data_func (path, &mtp_test_cases[i], test_case);
    }
  return g_test_run ();
}
