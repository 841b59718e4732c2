/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-rule.h"
#include "mtp-xml.h"

G_BEGIN_DECLS

/* iptables-restore input for one family, meant for `--noflush`: our chains are
 * created with -N, rules inserted (-I CHAIN n) or appended (-A). Empty string
 * when the ruleset holds nothing for the family. */
char *mtp_render_iptables (const MtpRuleset *ruleset, MtpFamily family);

/* Appends our <chain/> and <rule/> elements, both families, to a <direct>
 * element: used for `show` and by the direct.xml store (after mtp_xml_load). */
void mtp_render_direct_elements (const MtpRuleset *ruleset, xmlNodePtr direct);
/* A complete direct.xml holding only our rules; NULL when libxml2 cannot be
 * loaded (mtp_xml_load). */
char *mtp_render_direct_xml (const MtpRuleset *ruleset, GError **error);

/* `firewall-cmd --permanent --direct` commands, one per line, shell-quoted. */
char *mtp_render_firewall_cmd (const MtpRuleset *ruleset);

char *mtp_render_json (const MtpRuleset *ruleset);

G_END_DECLS
