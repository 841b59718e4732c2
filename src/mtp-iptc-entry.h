/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-rule.h"

G_BEGIN_DECLS

/* Rules as the kernel's legacy x_tables hold them: an ipt_entry / ip6t_entry
 * (addresses and masks in network order, interfaces, protocol, inversion
 * flags), its matches (each XT_ALIGNed: xt_entry_match header + data) and one
 * target (xt_entry_target + data), for libiptc's iptc_insert_entry /
 * iptc_append_entry and their ip6tc_ twins. */

/* The revision of each match and target that the running kernel supports and
 * that we encode (the ones iptables 1.8.9 uses). */
typedef struct
{
  guint8 owner;     /* 1: xt_owner_match_info */
  guint8 multiport; /* 1: xt_multiport_v1 */
  guint8 conntrack; /* 3: xt_conntrack_mtinfo3 (2: its start, mtinfo2) */
  guint8 ct;        /* 2: xt_ct_target_info_v1 (1 has the same layout) */
} MtpXtRevisions;

/* The revisions iptables 1.8.9 would use, without asking the kernel. */
void mtp_xt_revisions_default (MtpXtRevisions *rev);
/* Asks the kernel (getsockopt IPT_SO_GET_REVISION_MATCH/_TARGET on a raw
 * socket, as iptables does; needs CAP_NET_RAW and CAP_NET_ADMIN) which
 * revisions it supports and picks the highest we can encode: the kernel only
 * says yes or no to one revision, so each is asked for, best first. Every
 * match and target we may use is asked about (comment, tcp, udp, multiport,
 * owner, conntrack, REDIRECT, CT, LOG); one the kernel lacks altogether is an
 * error naming it and its kernel module, as is one without a revision we
 * encode (MTP_ERROR_NOT_SUPPORTED; MTP_ERROR_PERMISSION for a missing
 * capability). */
gboolean mtp_xt_revisions_probe (MtpFamily family, MtpXtRevisions *rev, GError **error);

/* The entry for a rule of the given family. Jumps and the standard verdicts
 * (RETURN, DROP) get a standard target named after the chain or verdict, which
 * libiptc resolves. The bytes are owned by the caller (g_bytes_unref). */
GBytes *mtp_iptc_entry_new (const MtpRule *rule, const MtpXtRevisions *rev, GError **error);

/* Whether an entry read from a table (with libiptc's iptc_first_rule /
 * iptc_next_rule) is the same rule as a built one: the header without
 * counters and kernel bookkeeping (nfcache, comefrom), the matches byte for
 * byte up to the part user space sets (a CT target's kernel pointer is not
 * compared), and the target by name (target_name: what iptc_get_target says
 * for the table's entry) and data. */
gboolean mtp_iptc_entry_same (MtpFamily family, const void *table_entry, const char *target_name,
                              GBytes *built);

/* The comment of an entry (its comment match's text), or NULL. */
char *mtp_iptc_entry_comment (MtpFamily family, const void *entry);

G_END_DECLS
