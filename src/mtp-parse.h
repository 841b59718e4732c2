/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-types.h"

G_BEGIN_DECLS

/* Parsers for option values. Each one accepts the whole string or fails with
 * MTP_ERROR_INVALID_ARGS and a message that quotes the value and says what is
 * wrong with it, e.g. "port '70000' is out of range (1-65535)". The caller
 * prefixes the option name. None of them has side effects on failure. */

/* A port 1-65535, decimal, no sign, no spaces. */
gboolean mtp_parse_port (const char *text, guint16 *out, GError **error);

/* option-values (mtp-limits.h): N values of one option are not too many. */
gboolean mtp_parse_check_count (guint n, GError **error);

/* A comma-separated list of ports: "22,443". Empty text gives an empty
 * array. Duplicates are kept out (first occurrence wins, order kept). A
 * list, here and below, has at most option-values elements, duplicates
 * included. */
GArray *mtp_parse_port_list (const char *text, GError **error); /* of guint16 */

/* A comma-separated list of ports and ranges "a-b" (a <= b): "80,8000-8080",
 * in the order given, each once. Empty text gives an empty array; an empty
 * element ("22,,80", a trailing comma) is an error, here and in the other
 * lists. */
GArray *mtp_parse_port_range_list (const char *text, GError **error); /* of MtpPortRange */

/* A uid "1000" or an inclusive range "1000-2000" (0-4294967294). */
gboolean mtp_parse_uid_range (const char *text, MtpUidRange *out, GError **error);

/* An address or CIDR of either family: "10.0.0.1", "10.0.0.0/8", "fd00::/8".
 * Host bits set past the prefix are an error ("10.0.0.1/8"). */
gboolean mtp_parse_cidr (const char *text, MtpCidr *out, GError **error);

/* A comma-separated list of addresses/CIDRs of either family, each once
 * (first occurrence wins, order kept). Empty text gives an empty array. */
GArray *mtp_parse_cidr_list (const char *text, GError **error); /* of MtpCidr */

/* A network interface name that every form of a rule carries unchanged
 * (mtp-token.h): 1-15 bytes of ASCII letters, digits, '-', '_' and '.', not
 * beginning with '-', not "." or "..". When allow_wildcard, may end in '+'
 * (iptables' prefix match), but not be "+" alone; '+' elsewhere is an
 * error. */
gboolean mtp_parse_iface (const char *text, gboolean allow_wildcard, GError **error);

/* "[proto:][ports:]uids", split on every ':' as Kuma does: proto "tcp", "udp",
 * "tcp,udp" (or "udp,tcp") or "*"; ports a port range list or "*" (or empty)
 * for 1-65535; uids one uid or a range, never "*" nor a list. More than three
 * parts is an error. */
MtpUidPortExclusion *mtp_parse_uid_port_exclusion (const char *text, GError **error);

/* "IFACE:CIDR", e.g. "docker0:172.17.0.0/16", "br+:fd00::/64". The interface
 * may end in '+'. The first ':' splits: interface names cannot hold one, so
 * IPv6 CIDRs work. */
MtpVnet *mtp_parse_vnet (const char *text, GError **error);

G_END_DECLS
