/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-builder.h"
#include "mtp-config.h"
#include "mtp-error.h"
#include "mtp-parse.h"
#include "mtp-render.h"

/* The input is the config file. It either loads, or is refused with
 * MTP_ERROR_INVALID_CONFIG and a UTF-8 message naming the file. A file that
 * loads and passes the checks between options gives a rule set (the builder
 * "never fails for a validated config") that renders in every format; the
 * JSON is UTF-8. */

static MtpHostFacts *facts;

static void
init_facts (void)
{
  g_autoptr (GArray) servers = NULL;

  if (facts != NULL)
    return;
  fuzz_init ();
  facts = mtp_host_facts_new ();
  facts->uid = 5678;
  facts->ipv6_usable = TRUE;
  facts->docker_output_ipv4 = TRUE;
  servers = mtp_parse_cidr_list ("10.0.0.2,127.0.0.53", NULL);
  g_array_append_vals (facts->nameservers_ipv4, servers->data, servers->len);
  g_clear_pointer (&servers, g_array_unref);
  servers = mtp_parse_cidr_list ("fd00::53", NULL);
  g_array_append_vals (facts->nameservers_ipv6, servers->data, servers->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpRuleset) ruleset = NULL;
  g_autoptr (MtpDirect) direct = NULL;

  init_facts ();
  path = fuzz_write_file ("mesh-tproxy.conf", data, size);
  if (!mtp_config_load_file (config, path, &error))
    {
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG),
                  "unexpected error: %s", error->message);
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "message not UTF-8: %s",
                  error->message);
      FUZZ_CHECK (strstr (error->message, path) != NULL, "message does not name the file: %s",
                  error->message);
      return 0;
    }
  if (!mtp_config_validate (config, &error))
    {
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS),
                  "unexpected error: %s", error->message);
      return 0;
    }

  ruleset = mtp_build_ruleset (config, facts, &error);
  if (ruleset == NULL)
    {
      /* Only the limit rules, with a message naming it. */
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS)
                      && strstr (error->message, "'rules'") != NULL,
                  "unexpected error: %s", error->message);
      return 0;
    }
  g_free (mtp_render_iptables (ruleset, MTP_FAMILY_IPV4));
  g_free (mtp_render_iptables (ruleset, MTP_FAMILY_IPV6));
  {
    char *xml = mtp_render_direct_xml (ruleset, NULL);

    FUZZ_CHECK (xml != NULL, "libxml2 did not load");
    g_free (xml);
  }
  g_free (mtp_render_firewall_cmd (ruleset));
  {
    g_autofree char *json = mtp_render_json (ruleset);
    FUZZ_CHECK (g_utf8_validate (json, -1, NULL), "JSON not UTF-8");
  }
  direct = mtp_direct_from_ruleset (ruleset);
  FUZZ_CHECK (mtp_direct_validate (direct, &error), "our rule set is not valid for firewalld: %s",
              error->message);
  return 0;
}
