/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "mtp-error.h"
#include "mtp-facts.h"

/* Whether IPv6 rules are made: every combination of what the host says. */
typedef struct
{
  const char *name;
  MtpIpv6Probe probe;
  gboolean usable;
  const char *reason;       /* a phrase of the notice, when IPv4 only */
  const char *const *error; /* phrases of the error, when IPv6 would be a hole */
} Ipv6Case;

static const char *const lo_off[] = { "'eth0'",
                                      "loopback interface 'lo'",
                                      "::6/128",
                                      "net.ipv6.conf.lo.disable_ipv6=0",
                                      "--ip-family-mode ipv4",
                                      NULL };
static const char *const no_nat[]
    = { "'eth0'", "IPv6 nat table", "modprobe ip6table_nat", "--ip-family-mode ipv4", NULL };

static const Ipv6Case ipv6_cases[] = {
  { "no-kernel-support", { FALSE, FALSE, NULL, FALSE }, FALSE, "no IPv6 support", NULL },
  { "lo-only", { TRUE, TRUE, NULL, TRUE }, TRUE, NULL, NULL },
  { "everywhere", { TRUE, TRUE, "eth0", TRUE }, TRUE, NULL, NULL },
  { "disabled-everywhere",
    { TRUE, FALSE, NULL, TRUE },
    FALSE,
    "disabled on every interface",
    NULL },
  { "lo-disabled-eth0-enabled", { TRUE, FALSE, "eth0", TRUE }, FALSE, NULL, lo_off },
  { "lo-disabled-no-nat", { TRUE, FALSE, "eth0", FALSE }, FALSE, NULL, lo_off },
  { "no-nat-eth0-enabled", { TRUE, TRUE, "eth0", FALSE }, FALSE, NULL, no_nat },
  { "no-nat-lo-only", { TRUE, TRUE, NULL, FALSE }, FALSE, "no IPv6 nat table", NULL },
};

static void
test_ipv6 (gconstpointer data)
{
  const Ipv6Case *c = data;
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok = mtp_host_facts_decide_ipv6 (facts, &c->probe, &error);

  if (c->error != NULL)
    {
      g_test_message ("%s", error != NULL ? error->message : "(no error)");
      g_assert_false (ok);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_FAILED);
      for (guint i = 0; c->error[i] != NULL; i++)
        g_assert_nonnull (strstr (error->message, c->error[i]));
      g_assert_false (facts->ipv6_usable);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (facts->ipv6_usable, ==, c->usable);
  if (c->usable)
    g_assert_null (facts->ipv6_reason);
  else
    g_assert_nonnull (strstr (facts->ipv6_reason, c->reason));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (ipv6_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/facts/ipv6/%s", ipv6_cases[i].name);
      g_test_add_data_func (path, &ipv6_cases[i], test_ipv6);
    }
  return g_test_run ();
}
