/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-builder.h"
#include "mtp-direct-xml.h"
#include "mtp-error.h"
#include "mtp-parse.h"

/* The input is a direct.xml. When it loads, the program's two edits are made
 * as the offline firewalld store makes them: install (our entries set to the
 * rule set, the rule set also known) and then uninstall (none of ours left,
 * the rule set known). After each edit:
 *  - our entries are exactly the desired ones, in order;
 *  - the entries that are not ours are the ones there were before;
 *  - what save wrote is the serialised document, and direct.xml.old holds
 *    the bytes of the file before;
 *  - the saved file loads again and holds exactly what was set in memory;
 *  - setting the same entries again on the reloaded file changes no byte.
 * Every other input must be refused with MTP_ERROR_INVALID_CONFIG. */

static MtpDirect *rule_sets[2];

static MtpDirect *
build_set (const char *const *options, const char *nameservers)
{
  g_autoptr (MtpConfig) config = mtp_config_new ();
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();
  g_autoptr (MtpRuleset) ruleset = NULL;
  g_autoptr (GArray) servers = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; options[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (options[i], "=", 2);

      FUZZ_CHECK (mtp_config_set (config, kv[0], kv[1], &error), "%s", error->message);
    }
  FUZZ_CHECK (mtp_config_validate (config, &error), "%s", error->message);
  facts->uid = 5678;
  facts->ipv6_usable = TRUE;
  servers = mtp_parse_cidr_list (nameservers, &error);
  FUZZ_CHECK (servers != NULL, "%s", error->message);
  for (guint i = 0; i < servers->len; i++)
    {
      const MtpCidr *cidr = &g_array_index (servers, MtpCidr, i);

      g_array_append_val (cidr->family == MTP_FAMILY_IPV4 ? facts->nameservers_ipv4
                                                          : facts->nameservers_ipv6,
                          *cidr);
    }
  ruleset = mtp_build_ruleset (config, facts, &error);
  FUZZ_CHECK (ruleset != NULL, "%s", error->message);
  return mtp_direct_from_ruleset (ruleset);
}

static void
init_rule_sets (void)
{
  /* With comments, every rule is recognisably ours; without, the rules in
   * built-in chains are ours only because the set knows them. */
  static const char *const with_comments[]
      = { "redirect-dns=true", "exclude-outbound-ports-for-uids=tcp:22,80:1000",
          "vnet=docker0:172.17.0.0/16", "exclude-inbound-ports=22", NULL };
  static const char *const without_comments[]
      = { "disable-comments=true", "redirect-all-dns-traffic=true", "drop-invalid-packets=true",
          "exclude-outbound-ips=10.0.0.0/8,fd00::/8", NULL };

  if (rule_sets[0] != NULL)
    return;
  fuzz_init ();
  rule_sets[0] = build_set (with_comments, "10.0.0.2,fd00::53");
  rule_sets[1] = build_set (without_comments, "10.0.0.2");
}

static MtpDirect *
direct_union (const MtpDirect *a, const MtpDirect *b)
{
  MtpDirect *u = mtp_direct_new ();

  for (guint i = 0; i < a->chains->len; i++)
    g_ptr_array_add (u->chains, mtp_direct_chain_copy (a->chains->pdata[i]));
  for (guint i = 0; i < a->rules->len; i++)
    g_ptr_array_add (u->rules, mtp_direct_rule_copy (a->rules->pdata[i]));
  for (guint i = 0; b != NULL && i < b->chains->len; i++)
    g_ptr_array_add (u->chains, mtp_direct_chain_copy (b->chains->pdata[i]));
  for (guint i = 0; b != NULL && i < b->rules->len; i++)
    g_ptr_array_add (u->rules, mtp_direct_rule_copy (b->rules->pdata[i]));
  return u;
}

static char *
read_bytes (const char *name, gsize *length)
{
  g_autofree char *path = g_build_filename (fuzz_tmp_dir (), name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  FUZZ_CHECK (g_file_get_contents (path, &contents, length, &error), "%s", error->message);
  return contents;
}

/* One edit, saved and read back; returns the reloaded store. before is the
 * file's content before the save. */
static MtpDirectXml *
edit (MtpDirectXml *xml, const MtpDirect *desired, const MtpDirect *known, const char *before,
      gsize before_length)
{
  g_autoptr (MtpDirect) all_known = direct_union (desired, known);
  g_autoptr (MtpDirect) foreign_before = NULL;
  g_autoptr (MtpDirect) ours = NULL;
  g_autoptr (MtpDirect) foreign = NULL;
  g_autoptr (MtpDirectXml) reloaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *old = NULL;
  g_autofree char *again = NULL;
  gsize saved_length = 0, old_length = 0;

  mtp_direct_split (mtp_direct_xml_get (xml), all_known, NULL, &foreign_before);
  mtp_direct_xml_set_ours (xml, desired, known);
  mtp_direct_split (mtp_direct_xml_get (xml), all_known, &ours, &foreign);
  if (!fuzz_direct_equal (ours, desired))
    {
      g_autofree char *got = fuzz_direct_to_string (ours);
      g_autofree char *want = fuzz_direct_to_string (desired);
      FUZZ_CHECK (FALSE, "ours after the edit:\n%swanted:\n%s", got, want);
    }
  if (!fuzz_direct_equal (foreign, foreign_before))
    {
      g_autofree char *got = fuzz_direct_to_string (foreign);
      g_autofree char *want = fuzz_direct_to_string (foreign_before);
      FUZZ_CHECK (FALSE, "foreign entries after the edit:\n%sbefore:\n%s", got, want);
    }

  text = mtp_direct_xml_to_string (xml);
  FUZZ_CHECK (mtp_direct_xml_save (xml, &error), "save: %s", error->message);
  saved = read_bytes ("direct.xml", &saved_length);
  FUZZ_CHECK (saved_length == strlen (text) && memcmp (saved, text, saved_length) == 0,
              "the file is not the serialised document:\n%s\n---\n%s", saved, text);
  old = read_bytes ("direct.xml.old", &old_length);
  FUZZ_CHECK (old_length == before_length && memcmp (old, before, old_length) == 0,
              "direct.xml.old is not the previous file");

  reloaded = mtp_direct_xml_load (fuzz_tmp_dir (), &error);
  FUZZ_CHECK (reloaded != NULL, "the saved file does not load: %s\n%s", error->message, text);
  if (!fuzz_direct_equal (mtp_direct_xml_get (reloaded), mtp_direct_xml_get (xml)))
    {
      g_autofree char *got = fuzz_direct_to_string (mtp_direct_xml_get (reloaded));
      g_autofree char *want = fuzz_direct_to_string (mtp_direct_xml_get (xml));
      FUZZ_CHECK (FALSE, "reloaded:\n%sset:\n%s", got, want);
    }
  mtp_direct_xml_set_ours (reloaded, desired, known);
  again = mtp_direct_xml_to_string (reloaded);
  FUZZ_CHECK (strcmp (again, text) == 0,
              "setting the same entries again changed the file:\n%s\n---\n%s", text, again);
  return g_steal_pointer (&reloaded);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr (MtpDirectXml) xml = NULL;
  g_autoptr (MtpDirectXml) installed = NULL;
  g_autoptr (MtpDirectXml) uninstalled = NULL;
  g_autoptr (MtpDirect) none = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *installed_text = NULL;
  const MtpDirect *set;

  init_rule_sets ();
  path = fuzz_write_file ("direct.xml", data, size);
  xml = mtp_direct_xml_load (fuzz_tmp_dir (), &error);
  if (xml == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG),
                  "unexpected error: %s", error->message);
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "message not UTF-8");
      return 0;
    }

  /* Which set: a property of the input that mutations change now and then. */
  set = rule_sets[size % 2];
  installed = edit (xml, set, set, (const char *)data, size);
  installed_text = mtp_direct_xml_to_string (installed);
  none = mtp_direct_new ();
  uninstalled = edit (installed, none, set, installed_text, strlen (installed_text));
  return 0;
}
