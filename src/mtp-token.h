/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one alphabet of the text that reaches a rule: interface names (--vnet,
 * the loopback interface), comments, log prefixes, chain names. A rule takes
 * many forms: iptables-restore text (show, dry run), the iptables-restore
 * text firewalld builds itself from a direct rule (it quotes a token only
 * when it holds white space, and never escapes '"' or '\'; it replaces the
 * tokens %%REJECT%%, %%ICMP%%, %%LOGTYPE%% and %%POLICY_PRIORITY%%, and takes
 * -t or --table wherever it stands for the table: ipXtables.py, set_rules,
 * 1.3.3 to 2.5), direct.xml through shlex, firewall-cmd command
 * lines, libiptc's fixed-size fields, iptables-save output read back. Only
 * ASCII letters, digits, '-', '_' and '.' (with the few marks a kind needs,
 * never a leading '-') travel through all of them unchanged and unquoted;
 * everything else is refused where it enters (an option, the configuration
 * file, the host's facts), and renderers assert it. */

typedef enum
{
  MTP_TOKEN_IFACE,          /* a network interface name */
  MTP_TOKEN_IFACE_WILDCARD, /* the same, or a name prefix ending in '+' (iptables) */
  MTP_TOKEN_COMMENT,        /* a rule's comment, prefix included: also '/' and '+' */
  MTP_TOKEN_LOG_PREFIX,     /* a LOG prefix: also ':' */
  MTP_TOKEN_CHAIN,          /* a chain name */
  MTP_TOKEN_N,
} MtpTokenKind;

/* The longest text of each kind, in bytes: IFNAMSIZ - 1, XT_MAX_COMMENT_LEN
 * - 1, the LOG target's 29, firewalld's 28 for chains. */
gsize mtp_token_max_length (MtpTokenKind kind);

/* Whether C may stand in a text of KIND (at some place). */
gboolean mtp_token_char_is_allowed (MtpTokenKind kind, char c);

/* Checks TEXT against KIND: its alphabet, its length, no leading '-', and
 * for interface names the kernel's "." and ".." and the place of '+'. The
 * error (MTP_ERROR_INVALID_ARGS) names the kind, the text and the first
 * character not allowed (escaped), and says what is allowed. */
gboolean mtp_token_check (MtpTokenKind kind, const char *text, GError **error);

/* For renderers: TEXT must pass mtp_token_check(). A text that got past the
 * checks where values enter would change the meaning of a rule in one of its
 * forms: the program stops (a bug, never user input). */
void mtp_token_assert (MtpTokenKind kind, const char *text);

G_END_DECLS
