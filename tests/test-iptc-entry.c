/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <sched.h>
#include <string.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "mtp-error.h"
#include "mtp-iptc-entry.h"
#include "mtp-parse.h"
#include "mtp-test-cases.h"

/* Unit checks of the bytes we build, then the real check: every golden rule
 * set put into a fresh network namespace through libiptc must look to
 * iptables-legacy-save exactly like the golden text loaded with
 * iptables-legacy-restore, and iptables' own entries must equal ours. */

#define MATCH_HDR  XT_ALIGN (sizeof (struct xt_entry_match))
#define TARGET_HDR XT_ALIGN (sizeof (struct xt_entry_target))

static MtpXtRevisions default_rev;

static MtpCidr
cidr (const char *text)
{
  g_autoptr (GError) error = NULL;
  MtpCidr c;

  mtp_parse_cidr (text, &c, &error);
  g_assert_no_error (error);
  return c;
}

static GBytes *
build_ok (const MtpRule *rule)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = mtp_iptc_entry_new (rule, &default_rev, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static const struct xt_entry_match *
nth_match (GBytes *bytes, gsize head, guint n)
{
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  gsize off = head;

  for (guint i = 0; i < n; i++)
    off += ((const struct xt_entry_match *)(data + off))->u.match_size;
  return (const struct xt_entry_match *)(data + off);
}

static const struct xt_entry_target *
target_of (GBytes *bytes, gsize target_offset)
{
  return (const struct xt_entry_target *)((const guint8 *)g_bytes_get_data (bytes, NULL)
                                          + target_offset);
}

/* -m comment --comment …/output/dns-proxy-bypass -p udp --dport 53
 * -m owner --uid-owner 5678 -j RETURN */
static MtpRule *
dns_bypass_rule (MtpFamily family, guint16 port, guint32 uid, const char *comment)
{
  MtpRule *r = mtp_rule_new (family, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT);
  MtpMatch *m;

  mtp_rule_set_comment (r, comment);
  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_UDP;
  mtp_rule_add_match (r, MTP_MATCH_DPORT, FALSE)->port = port;
  m = mtp_rule_add_match (r, MTP_MATCH_OWNER, FALSE);
  m->uids.first = m->uids.last = uid;
  r->target.type = MTP_TARGET_RETURN;
  return r;
}

static void
test_ipv4_udp_owner (void)
{
  g_autoptr (MtpRule) r = dns_bypass_rule (MTP_FAMILY_IPV4, 53, 5678, "output/dns-proxy-bypass");
  g_autoptr (GBytes) bytes = build_ok (r);
  const struct ipt_entry *e = g_bytes_get_data (bytes, NULL);
  const struct xt_entry_match *m;
  const struct xt_udp *udp;
  const struct xt_owner_match_info *owner;
  const struct xt_entry_target *t;
  g_autofree char *comment = NULL;

  g_assert_cmpuint (sizeof *e, ==, 112);
  g_assert_cmpuint (e->target_offset, ==, 112 + 288 + 48 + 56);
  g_assert_cmpuint (e->next_offset, ==, e->target_offset + 40);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, e->next_offset);
  g_assert_cmpuint (e->ip.proto, ==, IPPROTO_UDP);
  g_assert_cmpuint (e->ip.invflags, ==, 0);
  g_assert_cmpuint (e->ip.flags, ==, 0);

  m = nth_match (bytes, sizeof *e, 0);
  g_assert_cmpstr (m->u.user.name, ==, "comment");
  g_assert_cmpuint (m->u.user.revision, ==, 0);
  g_assert_cmpuint (m->u.match_size, ==, MATCH_HDR + XT_ALIGN (sizeof (struct xt_comment_info)));
  g_assert_cmpstr ((const char *)m->data, ==, MTP_COMMENT_PREFIX "output/dns-proxy-bypass");

  m = nth_match (bytes, sizeof *e, 1);
  g_assert_cmpstr (m->u.user.name, ==, "udp");
  g_assert_cmpuint (m->u.user.revision, ==, 0);
  g_assert_cmpuint (m->u.match_size, ==, 48);
  udp = (const struct xt_udp *)m->data;
  /* Host order. */
  g_assert_cmpuint (udp->spts[0], ==, 0);
  g_assert_cmpuint (udp->spts[1], ==, 65535);
  g_assert_cmpuint (udp->dpts[0], ==, 53);
  g_assert_cmpuint (udp->dpts[1], ==, 53);
  g_assert_cmpuint (udp->invflags, ==, 0);

  m = nth_match (bytes, sizeof *e, 2);
  g_assert_cmpstr (m->u.user.name, ==, "owner");
  g_assert_cmpuint (m->u.user.revision, ==, 1);
  g_assert_cmpuint (m->u.match_size, ==, 56);
  owner = (const struct xt_owner_match_info *)m->data;
  g_assert_cmpuint (owner->uid_min, ==, 5678);
  g_assert_cmpuint (owner->uid_max, ==, 5678);
  g_assert_cmpuint (owner->match, ==, XT_OWNER_UID);
  g_assert_cmpuint (owner->invert, ==, 0);

  t = target_of (bytes, e->target_offset);
  g_assert_cmpstr (t->u.user.name, ==, "RETURN");
  g_assert_cmpuint (t->u.target_size, ==, XT_ALIGN (sizeof (struct xt_standard_target)));

  comment = mtp_iptc_entry_comment (MTP_FAMILY_IPV4, e);
  g_assert_cmpstr (comment, ==, MTP_COMMENT_PREFIX "output/dns-proxy-bypass");
}

static void
test_sport_and_dport (void)
{
  g_autoptr (MtpRule) r = mtp_rule_new (MTP_FAMILY_IPV6, MTP_TABLE_RAW, "OUTPUT", 0);
  g_autoptr (GBytes) bytes = NULL;
  const struct ip6t_entry *e;
  const struct xt_entry_match *m;
  const struct xt_tcp *tcp;

  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_TCP;
  mtp_rule_add_match (r, MTP_MATCH_SPORT, FALSE)->port = 15053;
  mtp_rule_add_match (r, MTP_MATCH_DPORT, TRUE)->port = 443;
  r->target.type = MTP_TARGET_DROP;
  bytes = build_ok (r);
  e = g_bytes_get_data (bytes, NULL);

  g_assert_cmpuint (sizeof *e, ==, 168);
  g_assert_cmpuint (e->ipv6.proto, ==, IPPROTO_TCP);
  g_assert_cmpuint (e->ipv6.flags, ==, IP6T_F_PROTO);
  /* One tcp match holds both ports. */
  g_assert_cmpuint (e->target_offset, ==, 168 + 48);
  m = nth_match (bytes, sizeof *e, 0);
  g_assert_cmpstr (m->u.user.name, ==, "tcp");
  tcp = (const struct xt_tcp *)m->data;
  g_assert_cmpuint (tcp->spts[0], ==, 15053);
  g_assert_cmpuint (tcp->spts[1], ==, 15053);
  g_assert_cmpuint (tcp->dpts[0], ==, 443);
  g_assert_cmpuint (tcp->dpts[1], ==, 443);
  g_assert_cmpuint (tcp->invflags, ==, XT_TCP_INV_DSTPT);
  g_assert_cmpstr (target_of (bytes, e->target_offset)->u.user.name, ==, "DROP");
  g_assert_null (mtp_iptc_entry_comment (MTP_FAMILY_IPV6, e));
}

static MtpRule *
redirect_rule (MtpFamily family, guint16 port)
{
  MtpRule *r = mtp_rule_new (family, MTP_TABLE_NAT, "KUMA_MESH_OUTBOUND_REDIRECT", 0);

  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_TCP;
  r->target.type = MTP_TARGET_REDIRECT;
  r->target.port = port;
  return r;
}

static void
test_redirect (void)
{
  g_autoptr (MtpRule) r4 = redirect_rule (MTP_FAMILY_IPV4, 15001);
  g_autoptr (MtpRule) r6 = redirect_rule (MTP_FAMILY_IPV6, 15001);
  g_autoptr (GBytes) b4 = build_ok (r4);
  g_autoptr (GBytes) b6 = build_ok (r6);
  const struct ipt_entry *e4 = g_bytes_get_data (b4, NULL);
  const struct ip6t_entry *e6 = g_bytes_get_data (b6, NULL);
  const struct xt_entry_target *t;
  const struct nf_nat_ipv4_multi_range_compat *mr;
  const struct nf_nat_range *range;
  const guint8 *port;

  /* No match: -p tcp alone lives in the header. */
  g_assert_cmpuint (e4->target_offset, ==, sizeof *e4);
  g_assert_cmpuint (e4->ip.proto, ==, IPPROTO_TCP);
  t = target_of (b4, e4->target_offset);
  g_assert_cmpstr (t->u.user.name, ==, "REDIRECT");
  g_assert_cmpuint (t->u.user.revision, ==, 0);
  g_assert_cmpuint (t->u.target_size, ==, 56);
  g_assert_cmpuint (e4->next_offset, ==, sizeof *e4 + 56);
  mr = (const struct nf_nat_ipv4_multi_range_compat *)t->data;
  g_assert_cmpuint (mr->rangesize, ==, 1);
  g_assert_cmpuint (mr->range[0].flags, ==, NF_NAT_RANGE_PROTO_SPECIFIED);
  /* Network order: 15001 = 0x3a99. */
  port = (const guint8 *)&mr->range[0].min.tcp.port;
  g_assert_cmpuint (port[0], ==, 0x3a);
  g_assert_cmpuint (port[1], ==, 0x99);
  g_assert_cmpuint (mr->range[0].max.tcp.port, ==, mr->range[0].min.tcp.port);

  g_assert_cmpuint (e6->ipv6.proto, ==, IPPROTO_TCP);
  g_assert_cmpuint (e6->ipv6.flags, ==, IP6T_F_PROTO);
  t = target_of (b6, e6->target_offset);
  g_assert_cmpstr (t->u.user.name, ==, "REDIRECT");
  g_assert_cmpuint (t->u.user.revision, ==, 0);
  g_assert_cmpuint (t->u.target_size, ==, 72);
  range = (const struct nf_nat_range *)t->data;
  g_assert_cmpuint (range->flags, ==, NF_NAT_RANGE_PROTO_SPECIFIED);
  port = (const guint8 *)&range->min_proto.tcp.port;
  g_assert_cmpuint (port[0], ==, 0x3a);
  g_assert_cmpuint (port[1], ==, 0x99);
  g_assert_cmpuint (range->max_proto.tcp.port, ==, range->min_proto.tcp.port);
}

static void
assert_mask (const unsigned char *mask, guint n_ff)
{
  for (guint i = 0; i < IFNAMSIZ; i++)
    g_assert_cmpuint (mask[i], ==, i < n_ff ? 0xff : 0);
}

static void
test_ifaces_and_addresses (void)
{
  g_autoptr (MtpRule) r4 = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "PREROUTING", 0);
  g_autoptr (MtpRule) r6 = mtp_rule_new (MTP_FAMILY_IPV6, MTP_TABLE_NAT, "PREROUTING", 0);
  g_autoptr (GBytes) b4 = NULL, b6 = NULL;
  const struct ipt_entry *e4;
  const struct ip6t_entry *e6;
  MtpCidr source6;
  static const guint8 dst4[4] = { 172, 17, 0, 0 }, dmsk4[4] = { 255, 255, 0, 0 };
  static const guint8 src6[16] = { 0xfd, 0, 0, 1 };
  static const guint8 smsk6[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };

  mtp_rule_add_match (r4, MTP_MATCH_DESTINATION, TRUE)->cidr = cidr ("172.17.0.0/16");
  g_strlcpy (mtp_rule_add_match (r4, MTP_MATCH_IN_IFACE, FALSE)->iface, "br+", MTP_IFNAMSIZ);
  g_strlcpy (mtp_rule_add_match (r4, MTP_MATCH_OUT_IFACE, TRUE)->iface, "docker0", MTP_IFNAMSIZ);
  r4->target.type = MTP_TARGET_RETURN;
  b4 = build_ok (r4);
  e4 = g_bytes_get_data (b4, NULL);
  /* As xtables_parse_interface: the '+' stays in the name, the mask covers
   * what precedes it; a plain name's mask covers its NUL too. */
  g_assert_cmpmem (e4->ip.iniface, IFNAMSIZ, "br+\0\0\0\0\0\0\0\0\0\0\0\0\0", IFNAMSIZ);
  assert_mask (e4->ip.iniface_mask, 2);
  g_assert_cmpstr (e4->ip.outiface, ==, "docker0");
  assert_mask (e4->ip.outiface_mask, 8);
  g_assert_cmpmem (&e4->ip.dst, 4, dst4, 4);
  g_assert_cmpmem (&e4->ip.dmsk, 4, dmsk4, 4);
  g_assert_cmpuint (e4->ip.src.s_addr, ==, 0);
  g_assert_cmpuint (e4->ip.smsk.s_addr, ==, 0);
  g_assert_cmpuint (e4->ip.invflags, ==, IPT_INV_DSTIP | IPT_INV_VIA_OUT);

  /* Bits past the prefix are cleared. */
  source6 = cidr ("fd00:1::/63");
  source6.addr[7] = 1;
  mtp_rule_add_match (r6, MTP_MATCH_SOURCE, TRUE)->cidr = source6;
  g_strlcpy (mtp_rule_add_match (r6, MTP_MATCH_OUT_IFACE, FALSE)->iface, "lo", MTP_IFNAMSIZ);
  r6->target.type = MTP_TARGET_RETURN;
  b6 = build_ok (r6);
  e6 = g_bytes_get_data (b6, NULL);
  g_assert_cmpmem (&e6->ipv6.src, 16, src6, 16);
  g_assert_cmpmem (&e6->ipv6.smsk, 16, smsk6, 16);
  g_assert_cmpstr (e6->ipv6.outiface, ==, "lo");
  assert_mask (e6->ipv6.outiface_mask, 3);
  assert_mask (e6->ipv6.iniface_mask, 0);
  g_assert_cmpuint (e6->ipv6.invflags, ==, IP6T_INV_SRCIP);
  g_assert_cmpuint (e6->ipv6.flags, ==, 0);
  g_assert_cmpuint (e6->ipv6.proto, ==, 0);
}

static MtpRule *
multiport_rule (const char *ports, guint32 uid_first, guint32 uid_last, gboolean invert_owner)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ranges = mtp_parse_port_range_list (ports, &error);
  MtpRule *r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT);
  MtpMatch *m;

  g_assert_no_error (error);
  m = mtp_rule_add_match (r, MTP_MATCH_MULTIPORT, FALSE);
  m->multiport.protocol = MTP_PROTO_TCP;
  g_assert_cmpuint (ranges->len, <=, G_N_ELEMENTS (m->multiport.ports));
  m->multiport.n_ports = ranges->len;
  memcpy (m->multiport.ports, ranges->data, ranges->len * sizeof (MtpPortRange));
  m = mtp_rule_add_match (r, MTP_MATCH_OWNER, invert_owner);
  m->uids.first = uid_first;
  m->uids.last = uid_last;
  r->target.type = MTP_TARGET_RETURN;
  return r;
}

static void
test_multiport (void)
{
  g_autoptr (MtpRule) r = multiport_rule ("100-200,300,400-500", 1001, 1005, TRUE);
  g_autoptr (MtpRule) full = multiport_rule (
      "100-200,300,400-500,600-700,800-900,1000-1100,1200-1300,1400-1500", 1, 1, FALSE);
  g_autoptr (MtpRule) too_many = multiport_rule (
      "100-200,300-301,400-500,600-700,800-900,1000-1100,1200-1300,1400-1500", 1, 1, FALSE);
  g_autoptr (GBytes) bytes = build_ok (r);
  g_autoptr (GBytes) full_bytes = build_ok (full);
  g_autoptr (GError) error = NULL;
  const struct ipt_entry *e = g_bytes_get_data (bytes, NULL);
  const struct xt_entry_match *m;
  const struct xt_multiport_v1 *mp;
  const struct xt_owner_match_info *owner;
  static const guint16 ports[] = { 100, 200, 300, 400, 500 };
  static const guint8 pflags[] = { 1, 0, 0, 1, 0 };

  /* The protocol goes into the header, as with -p. */
  g_assert_cmpuint (e->ip.proto, ==, IPPROTO_TCP);
  m = nth_match (bytes, sizeof *e, 0);
  g_assert_cmpstr (m->u.user.name, ==, "multiport");
  g_assert_cmpuint (m->u.user.revision, ==, 1);
  g_assert_cmpuint (m->u.match_size, ==, 80);
  mp = (const struct xt_multiport_v1 *)m->data;
  g_assert_cmpuint (mp->flags, ==, XT_MULTIPORT_DESTINATION);
  g_assert_cmpuint (mp->count, ==, 5);
  g_assert_cmpmem (mp->ports, sizeof ports, ports, sizeof ports);
  g_assert_cmpmem (mp->pflags, sizeof pflags, pflags, sizeof pflags);
  g_assert_cmpuint (mp->ports[5], ==, 0);
  g_assert_cmpuint (mp->invert, ==, 0);

  m = nth_match (bytes, sizeof *e, 1);
  g_assert_cmpstr (m->u.user.name, ==, "owner");
  owner = (const struct xt_owner_match_info *)m->data;
  g_assert_cmpuint (owner->uid_min, ==, 1001);
  g_assert_cmpuint (owner->uid_max, ==, 1005);
  g_assert_cmpuint (owner->match, ==, XT_OWNER_UID);
  g_assert_cmpuint (owner->invert, ==, XT_OWNER_UID);

  /* Seven ranges and a port fill the 15 slots… */
  e = g_bytes_get_data (full_bytes, NULL);
  g_assert_cmpuint (e->ip.proto, ==, IPPROTO_TCP);
  mp = (const struct xt_multiport_v1 *)nth_match (full_bytes, sizeof *e, 0)->data;
  g_assert_cmpuint (mp->count, ==, 15);
  g_assert_cmpuint (mp->ports[14], ==, 1500);
  g_assert_cmpuint (mp->pflags[13], ==, 1);
  /* …eight ranges do not fit. */
  g_assert_null (mtp_iptc_entry_new (too_many, &default_rev, &error));
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
}

static void
test_ct_log_conntrack (void)
{
  g_autoptr (MtpRule) ct = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_RAW, "OUTPUT", 0);
  g_autoptr (MtpRule) log = mtp_rule_new (MTP_FAMILY_IPV6, MTP_TABLE_NAT, "OUTPUT", 0);
  g_autoptr (MtpRule) invalid = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_MANGLE, "PREROUTING", 0);
  g_autoptr (GBytes) b_ct = NULL, b_log = NULL, b_invalid = NULL, b_invalid2 = NULL;
  g_autoptr (GError) error = NULL;
  MtpXtRevisions rev2 = default_rev;
  const struct xt_entry_target *t;
  const struct xt_ct_target_info_v1 *ct_info;
  const struct xt_log_info *log_info;
  const struct xt_entry_match *m;
  const struct xt_conntrack_mtinfo3 *info;

  mtp_rule_add_match (ct, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_UDP;
  mtp_rule_add_match (ct, MTP_MATCH_DPORT, FALSE)->port = 53;
  ct->target.type = MTP_TARGET_CT;
  ct->target.zone = 2;
  b_ct = build_ok (ct);
  t = target_of (b_ct, ((const struct ipt_entry *)g_bytes_get_data (b_ct, NULL))->target_offset);
  g_assert_cmpstr (t->u.user.name, ==, "CT");
  g_assert_cmpuint (t->u.user.revision, ==, 2);
  g_assert_cmpuint (t->u.target_size, ==, 104);
  ct_info = (const struct xt_ct_target_info_v1 *)t->data;
  g_assert_cmpuint (ct_info->zone, ==, 2);
  g_assert_cmpuint (ct_info->flags, ==, 0);

  log->target.type = MTP_TARGET_LOG;
  log->target.log_prefix = g_strdup ("OUTPUT:");
  log->target.log_level = 7;
  b_log = build_ok (log);
  t = target_of (b_log, ((const struct ip6t_entry *)g_bytes_get_data (b_log, NULL))->target_offset);
  g_assert_cmpstr (t->u.user.name, ==, "LOG");
  g_assert_cmpuint (t->u.user.revision, ==, 0);
  g_assert_cmpuint (t->u.target_size, ==, 64);
  log_info = (const struct xt_log_info *)t->data;
  g_assert_cmpuint (log_info->level, ==, 7);
  g_assert_cmpuint (log_info->logflags, ==, 0);
  g_assert_cmpstr (log_info->prefix, ==, "OUTPUT:");

  mtp_rule_add_match (invalid, MTP_MATCH_CTSTATE, FALSE)->ctstate = MTP_CTSTATE_INVALID;
  invalid->target.type = MTP_TARGET_DROP;
  b_invalid = build_ok (invalid);
  m = nth_match (b_invalid, sizeof (struct ipt_entry), 0);
  g_assert_cmpstr (m->u.user.name, ==, "conntrack");
  g_assert_cmpuint (m->u.user.revision, ==, 3);
  g_assert_cmpuint (m->u.match_size, ==, MATCH_HDR + XT_ALIGN (sizeof *info));
  info = (const struct xt_conntrack_mtinfo3 *)m->data;
  g_assert_cmpuint (info->match_flags, ==, XT_CONNTRACK_STATE);
  g_assert_cmpuint (info->invert_flags, ==, 0);
  g_assert_cmpuint (info->state_mask, ==, XT_CONNTRACK_STATE_INVALID);

  rev2.conntrack = 2;
  b_invalid2 = mtp_iptc_entry_new (invalid, &rev2, &error);
  g_assert_no_error (error);
  m = nth_match (b_invalid2, sizeof (struct ipt_entry), 0);
  g_assert_cmpuint (m->u.user.revision, ==, 2);
  g_assert_cmpuint (m->u.match_size, ==,
                    MATCH_HDR + XT_ALIGN (sizeof (struct xt_conntrack_mtinfo2)));
}

static void
assert_build_fails (const MtpRule *r, const MtpXtRevisions *rev, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = mtp_iptc_entry_new (r, rev, &error);

  g_assert_null (bytes);
  g_assert_error (error, MTP_ERROR, code);
  g_test_message ("as expected: %s", error->message);
}

static void
test_errors (void)
{
  g_autofree char *long_comment
      = g_strnfill (XT_MAX_COMMENT_LEN - strlen (MTP_COMMENT_PREFIX), 'c');
  g_autoptr (MtpRule) r = NULL;
  MtpXtRevisions rev = default_rev;

  /* The comment with its prefix must leave room for the NUL. */
  r = dns_bypass_rule (MTP_FAMILY_IPV4, 53, 1, long_comment);
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  long_comment[strlen (long_comment) - 1] = '\0';
  mtp_rule_set_comment (r, long_comment);
  g_bytes_unref (build_ok (r));
  g_clear_pointer (&r, mtp_rule_free);

  r = dns_bypass_rule (MTP_FAMILY_IPV4, 53, 1, NULL);
  rev.owner = 0;
  assert_build_fails (r, &rev, MTP_ERROR_NOT_SUPPORTED);
  g_clear_pointer (&r, mtp_rule_free);

  /* A port needs a protocol before it. */
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  mtp_rule_add_match (r, MTP_MATCH_DPORT, FALSE)->port = 53;
  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_UDP;
  r->target.type = MTP_TARGET_RETURN;
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);

  /* Two protocols. */
  r = multiport_rule ("22", 1, 1, FALSE);
  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = MTP_PROTO_TCP;
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);

  /* An IPv6 address in an IPv4 rule. */
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  mtp_rule_add_match (r, MTP_MATCH_DESTINATION, FALSE)->cidr = cidr ("::1");
  r->target.type = MTP_TARGET_RETURN;
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);

  r = redirect_rule (MTP_FAMILY_IPV4, 0);
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);

  /* xt_log_info holds 29 characters. */
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  r->target.type = MTP_TARGET_LOG;
  r->target.log_prefix = g_strnfill (30, 'p');
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  r->target.log_prefix[29] = '\0';
  g_bytes_unref (build_ok (r));
  g_clear_pointer (&r, mtp_rule_free);

  /* Target names hold 28 characters. */
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  r->target.type = MTP_TARGET_JUMP;
  r->target.chain = g_strnfill (29, 'C');
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);

  /* Values outside the one alphabet of rules (mtp-token.h): iptables-save
   * would print them so that they do not read back (or restore) unchanged. */
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "PREROUTING", 0);
  g_strlcpy (mtp_rule_add_match (r, MTP_MATCH_IN_IFACE, FALSE)->iface, "x\"", MTP_IFNAMSIZ);
  r->target.type = MTP_TARGET_RETURN;
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_strlcpy (g_array_index (r->matches, MtpMatch, 0).iface, "a b", MTP_IFNAMSIZ);
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_strlcpy (g_array_index (r->matches, MtpMatch, 0).iface, "x", MTP_IFNAMSIZ);
  g_bytes_unref (build_ok (r));
  mtp_rule_set_comment (r, "vnet/a\\b/dns");
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  r->target.type = MTP_TARGET_LOG;
  r->target.log_prefix = g_strdup ("OUT\"PUT:");
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUTPUT", 0);
  r->target.type = MTP_TARGET_JUMP;
  r->target.chain = g_strdup ("KUMA MESH");
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);
  r = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_NAT, "OUT'PUT", 0);
  r->target.type = MTP_TARGET_RETURN;
  assert_build_fails (r, &default_rev, MTP_ERROR_INVALID_ARGS);
  g_clear_pointer (&r, mtp_rule_free);
}

/* What the kernel and libiptc do to an entry on its way back: counters and
 * bookkeeping filled in, garbage after the NUL of a match name (the kernel
 * writes only the string into libiptc's unzeroed buffer). */
static guint8 *
as_read_back (GBytes *built, MtpFamily family)
{
  gsize size = g_bytes_get_size (built);
  guint8 *copy = g_memdup2 (g_bytes_get_data (built, NULL), size);
  gsize head = family == MTP_FAMILY_IPV6 ? sizeof (struct ip6t_entry) : sizeof (struct ipt_entry);
  struct xt_entry_match *m = (struct xt_entry_match *)(copy + head);

  if (family == MTP_FAMILY_IPV6)
    {
      struct ip6t_entry *e = (struct ip6t_entry *)copy;
      e->nfcache = 0x1234;
      e->comefrom = 0x5678;
      e->counters.pcnt = 42;
      e->counters.bcnt = 4242;
    }
  else
    {
      struct ipt_entry *e = (struct ipt_entry *)copy;
      e->nfcache = 0x1234;
      e->comefrom = 0x5678;
      e->counters.pcnt = 42;
      e->counters.bcnt = 4242;
    }
  memset (m->u.user.name + strlen (m->u.user.name) + 1, 0xa5,
          sizeof m->u.user.name - strlen (m->u.user.name) - 1);
  return copy;
}

static void
test_same (void)
{
  g_autoptr (MtpRule) r = dns_bypass_rule (MTP_FAMILY_IPV6, 53, 5678, "output/dns-proxy-bypass");
  g_autoptr (MtpRule) port = dns_bypass_rule (MTP_FAMILY_IPV6, 54, 5678, "output/dns-proxy-bypass");
  g_autoptr (MtpRule) uid = dns_bypass_rule (MTP_FAMILY_IPV6, 53, 5679, "output/dns-proxy-bypass");
  g_autoptr (MtpRule) comment
      = dns_bypass_rule (MTP_FAMILY_IPV6, 53, 5678, "output/dns-proxy-bypasz");
  g_autoptr (MtpRule) nocomment = dns_bypass_rule (MTP_FAMILY_IPV6, 53, 5678, NULL);
  g_autoptr (MtpRule) ct = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_RAW, "OUTPUT", 0);
  g_autoptr (MtpRule) ct_other = mtp_rule_new (MTP_FAMILY_IPV4, MTP_TABLE_RAW, "OUTPUT", 0);
  g_autoptr (GBytes) b = build_ok (r);
  g_autoptr (GBytes) b_port = build_ok (port);
  g_autoptr (GBytes) b_uid = build_ok (uid);
  g_autoptr (GBytes) b_comment = build_ok (comment);
  g_autoptr (GBytes) b_nocomment = build_ok (nocomment);
  g_autoptr (GBytes) b_ct = NULL, b_ct_other = NULL;
  g_autofree guint8 *read_back = as_read_back (b, MTP_FAMILY_IPV6);
  g_autofree guint8 *ct_read_back = NULL;
  const struct ip6t_entry *e = g_bytes_get_data (b, NULL);
  struct xt_standard_target *st;
  struct xt_entry_target *t;

  g_assert_true (mtp_iptc_entry_same (MTP_FAMILY_IPV6, e, "RETURN", b));
  g_assert_false (mtp_iptc_entry_same (MTP_FAMILY_IPV6, e, "DROP", b));
  g_assert_false (
      mtp_iptc_entry_same (MTP_FAMILY_IPV6, g_bytes_get_data (b_port, NULL), "RETURN", b));
  g_assert_false (
      mtp_iptc_entry_same (MTP_FAMILY_IPV6, g_bytes_get_data (b_uid, NULL), "RETURN", b));
  g_assert_false (
      mtp_iptc_entry_same (MTP_FAMILY_IPV6, g_bytes_get_data (b_comment, NULL), "RETURN", b));
  g_assert_false (
      mtp_iptc_entry_same (MTP_FAMILY_IPV6, g_bytes_get_data (b_nocomment, NULL), "RETURN", b));
  g_assert_false (mtp_iptc_entry_same (MTP_FAMILY_IPV6, e, "RETURN", b_nocomment));

  /* As the table holds it: the verdict a number, the name empty. */
  st = (struct xt_standard_target *)(read_back + e->target_offset);
  memset (st->target.u.user.name, 0, sizeof st->target.u.user.name);
  st->verdict = XT_RETURN;
  g_assert_true (mtp_iptc_entry_same (MTP_FAMILY_IPV6, read_back, "RETURN", b));
  g_assert_false (mtp_iptc_entry_same (MTP_FAMILY_IPV6, read_back, "KUMA_MESH_OUTBOUND", b));
  ((struct ip6t_entry *)read_back)->ipv6.invflags = IP6T_INV_PROTO;
  g_assert_false (mtp_iptc_entry_same (MTP_FAMILY_IPV6, read_back, "RETURN", b));

  /* The kernel's pointer in a CT target is not ours to compare. */
  ct->target.type = ct_other->target.type = MTP_TARGET_CT;
  ct->target.zone = 1;
  ct_other->target.zone = 2;
  b_ct = build_ok (ct);
  b_ct_other = build_ok (ct_other);
  ct_read_back = g_memdup2 (g_bytes_get_data (b_ct, NULL), g_bytes_get_size (b_ct));
  t = (struct xt_entry_target *)(ct_read_back + sizeof (struct ipt_entry));
  memset (t->data + offsetof (struct xt_ct_target_info_v1, ct), 0x5a, sizeof (void *));
  g_assert_true (mtp_iptc_entry_same (MTP_FAMILY_IPV4, ct_read_back, "CT", b_ct));
  g_assert_false (mtp_iptc_entry_same (MTP_FAMILY_IPV4, ct_read_back, "CT", b_ct_other));
}

/* Every rule of every golden case builds, its comment first. */
static void
test_golden_cases_build (void)
{
  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autoptr (MtpRuleset) rs = mtp_test_case_build (&mtp_test_cases[i]);

      for (guint j = 0; j < rs->rules->len; j++)
        {
          const MtpRule *r = rs->rules->pdata[j];
          g_autoptr (GBytes) bytes = build_ok (r);
          g_autofree char *comment
              = mtp_iptc_entry_comment (r->family, g_bytes_get_data (bytes, NULL));
          g_autofree char *expected
              = r->comment ? g_strconcat (MTP_COMMENT_PREFIX, r->comment, NULL) : NULL;

          g_assert_cmpstr (comment, ==, expected);
        }
    }
}

/* ---- the real thing ---- */

static gboolean
need_root (void)
{
  return mtp_test_require_root ("puts rules into a private network namespace");
}

static void
enter_fresh_netns (void)
{
  if (unshare (CLONE_NEWNET) != 0)
    g_error ("unshare(CLONE_NEWNET): %s", g_strerror (errno));
}

static void
run_ok (const char *const *argv, const char *input, char **out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, out, &err, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  if (error != NULL)
    g_error ("%s: %s: %s", argv[0], error->message, err);
}

/* libiptc in both families. */

static struct xtc_handle *
tc_init (MtpFamily family, MtpTable table)
{
  const char *name = mtp_table_to_string (table);
  struct xtc_handle *h = family == MTP_FAMILY_IPV6 ? ip6tc_init (name) : iptc_init (name);

  if (h == NULL)
    g_error ("%s init %s: %s", mtp_family_to_string (family), name,
             family == MTP_FAMILY_IPV6 ? ip6tc_strerror (errno) : iptc_strerror (errno));
  return h;
}

static void
tc_free (MtpFamily family, struct xtc_handle *h)
{
  if (family == MTP_FAMILY_IPV6)
    ip6tc_free (h);
  else
    iptc_free (h);
}

static void
tc_check (MtpFamily family, int ok, const char *what, const char *chain)
{
  if (!ok)
    g_error ("%s %s %s: %s", mtp_family_to_string (family), what, chain,
             family == MTP_FAMILY_IPV6 ? ip6tc_strerror (errno) : iptc_strerror (errno));
}

static void
tc_create_chain (MtpFamily family, const char *name, struct xtc_handle *h)
{
  xt_chainlabel label;

  g_strlcpy (label, name, sizeof label);
  tc_check (family,
            family == MTP_FAMILY_IPV6 ? ip6tc_create_chain (label, h)
                                      : iptc_create_chain (label, h),
            "create chain", name);
}

static void
tc_add (MtpFamily family, const MtpRule *r, GBytes *entry, struct xtc_handle *h)
{
  const void *e = g_bytes_get_data (entry, NULL);
  xt_chainlabel label;
  int ok;

  g_strlcpy (label, r->chain, sizeof label);
  if (r->position == MTP_POSITION_INSERT)
    ok = family == MTP_FAMILY_IPV6 ? ip6tc_insert_entry (label, e, r->insert_index - 1, h)
                                   : iptc_insert_entry (label, e, r->insert_index - 1, h);
  else
    ok = family == MTP_FAMILY_IPV6 ? ip6tc_append_entry (label, e, h)
                                   : iptc_append_entry (label, e, h);
  tc_check (family, ok, "add to", r->chain);
}

static void
tc_commit (MtpFamily family, struct xtc_handle *h, MtpTable table)
{
  tc_check (family, family == MTP_FAMILY_IPV6 ? ip6tc_commit (h) : iptc_commit (h), "commit",
            mtp_table_to_string (table));
}

static const char *
tc_first_chain (MtpFamily family, struct xtc_handle *h)
{
  return family == MTP_FAMILY_IPV6 ? ip6tc_first_chain (h) : iptc_first_chain (h);
}

static const char *
tc_next_chain (MtpFamily family, struct xtc_handle *h)
{
  return family == MTP_FAMILY_IPV6 ? ip6tc_next_chain (h) : iptc_next_chain (h);
}

static const void *
tc_first_rule (MtpFamily family, const char *chain, struct xtc_handle *h)
{
  if (family == MTP_FAMILY_IPV6)
    return ip6tc_first_rule (chain, h);
  return iptc_first_rule (chain, h);
}

static const void *
tc_next_rule (MtpFamily family, const void *prev, struct xtc_handle *h)
{
  if (family == MTP_FAMILY_IPV6)
    return ip6tc_next_rule (prev, h);
  return iptc_next_rule (prev, h);
}

static const char *
tc_get_target (MtpFamily family, const void *e, struct xtc_handle *h)
{
  if (family == MTP_FAMILY_IPV6)
    return ip6tc_get_target (e, h);
  return iptc_get_target (e, h);
}

static gboolean
table_used (const MtpRuleset *rs, MtpFamily family, MtpTable table)
{
  for (guint i = 0; i < rs->chains->len; i++)
    {
      const MtpChain *c = rs->chains->pdata[i];
      if (c->family == family && c->table == table)
        return TRUE;
    }
  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      if (r->family == family && r->table == table)
        return TRUE;
    }
  return FALSE;
}

static char *
chain_key (MtpTable table, const char *chain)
{
  return g_strdup_printf ("%s %s", mtp_table_to_string (table), chain);
}

/* Each rule's entry (NULL for the other family), and what every chain must
 * hold in order: inserts at their index, appends at the end. */
static GPtrArray *
build_entries (const MtpRuleset *rs, MtpFamily family, const MtpXtRevisions *rev,
               GHashTable *chains)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);

  for (guint i = 0; i < rs->rules->len; i++)
    {
      const MtpRule *r = rs->rules->pdata[i];
      g_autoptr (GError) error = NULL;
      GBytes *entry;
      GPtrArray *list;
      char *key;

      if (r->family != family)
        {
          g_ptr_array_add (entries, NULL);
          continue;
        }
      entry = mtp_iptc_entry_new (r, rev, &error);
      g_assert_no_error (error);
      g_ptr_array_add (entries, entry);
      key = chain_key (r->table, r->chain);
      list = g_hash_table_lookup (chains, key);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
          g_hash_table_insert (chains, key, list);
        }
      else
        g_free (key);
      if (r->position == MTP_POSITION_INSERT)
        {
          g_assert_cmpuint (r->insert_index, >=, 1);
          g_assert_cmpuint (r->insert_index - 1, <=, list->len);
          g_ptr_array_insert (list, r->insert_index - 1, g_bytes_ref (entry));
        }
      else
        g_ptr_array_add (list, g_bytes_ref (entry));
    }
  return entries;
}

static void
install_with_libiptc (const MtpTestCase *tc, const MtpRuleset *rs, MtpFamily family,
                      GPtrArray *entries)
{
  /* Docker's chain first, in a commit of its own, as on the other side: the
   * order tables come into being is the order iptables-save prints them. */
  if (tc->docker_output)
    {
      struct xtc_handle *h = tc_init (family, MTP_TABLE_NAT);

      tc_create_chain (family, "DOCKER_OUTPUT", h);
      tc_commit (family, h, MTP_TABLE_NAT);
      tc_free (family, h);
    }
  for (MtpTable table = 0; table < MTP_TABLE_N; table++)
    {
      struct xtc_handle *h;

      if (!table_used (rs, family, table))
        continue;
      h = tc_init (family, table);
      for (guint i = 0; i < rs->chains->len; i++)
        {
          const MtpChain *c = rs->chains->pdata[i];
          if (c->family == family && c->table == table)
            tc_create_chain (family, c->name, h);
        }
      for (guint i = 0; i < rs->rules->len; i++)
        {
          const MtpRule *r = rs->rules->pdata[i];
          if (r->family == family && r->table == table)
            tc_add (family, r, entries->pdata[i], h);
        }
      tc_commit (family, h, table);
      tc_free (family, h);
    }
}

static void
dump_entry (const char *what, const void *entry, gsize size)
{
  g_autoptr (GString) hex = g_string_new (NULL);

  for (gsize i = 0; i < size; i++)
    g_string_append_printf (hex, "%02x%s", ((const guint8 *)entry)[i],
                            i % 32 == 31 ? "\n" : (i % 4 == 3 ? " " : ""));
  g_test_message ("%s (%" G_GSIZE_FORMAT " bytes):\n%s", what, size, hex->str);
}

/* The tables of the current namespace hold exactly the expected entries,
 * chain by chain in order. */
static void
assert_table_entries (const MtpRuleset *rs, MtpFamily family, GHashTable *chains,
                      const char *loaded_by)
{
  guint n_seen = 0, n_expected = 0;

  for (MtpTable table = 0; table < MTP_TABLE_N; table++)
    {
      struct xtc_handle *h;
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      if (!table_used (rs, family, table))
        continue;
      h = tc_init (family, table);
      for (const char *c = tc_first_chain (family, h); c != NULL; c = tc_next_chain (family, h))
        g_ptr_array_add (names, g_strdup (c));
      for (guint i = 0; i < names->len; i++)
        {
          const char *chain = names->pdata[i];
          g_autofree char *key = chain_key (table, chain);
          GPtrArray *list = g_hash_table_lookup (chains, key);
          guint n = 0;
          const void *e;

          for (e = tc_first_rule (family, chain, h); e != NULL;
               e = tc_next_rule (family, e, h), n++)
            {
              const char *target = tc_get_target (family, e, h);
              GBytes *built;

              if (list == NULL || n >= list->len)
                g_error ("%s: unexpected rule %u in %s", loaded_by, n + 1, key);
              built = list->pdata[n];
              if (!mtp_iptc_entry_same (family, e, target, built))
                {
                  g_autofree char *comment = mtp_iptc_entry_comment (family, e);
                  gsize size = family == MTP_FAMILY_IPV6
                                   ? ((const struct ip6t_entry *)e)->next_offset
                                   : ((const struct ipt_entry *)e)->next_offset;

                  dump_entry ("in the table", e, size);
                  dump_entry ("built", g_bytes_get_data (built, NULL), g_bytes_get_size (built));
                  g_error ("%s, %s: rule %u of %s (%s, -j %s) differs from ours", loaded_by,
                           mtp_family_to_string (family), n + 1, key, comment, target);
                }
            }
          g_assert_cmpuint (n, ==, list ? list->len : 0);
          n_seen += n;
        }
      tc_free (family, h);
    }
  for (guint i = 0; i < rs->rules->len; i++)
    if (((const MtpRule *)rs->rules->pdata[i])->family == family)
      n_expected++;
  g_assert_cmpuint (n_seen, ==, n_expected);
}

/* iptables-legacy-save without the "# Generated/Completed" lines and the
 * chains' counters. */
static char *
saved (MtpFamily family)
{
  const char *argv[]
      = { family == MTP_FAMILY_IPV6 ? "ip6tables-legacy-save" : "iptables-legacy-save", NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GString *result = g_string_new (NULL);

  run_ok (argv, NULL, &out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *counters;

      if (lines[i][0] == '#')
        continue;
      if (lines[i][0] == ':' && (counters = strrchr (lines[i], '[')) != NULL)
        *counters = '\0';
      g_string_append (result, lines[i]);
      g_string_append_c (result, '\n');
    }
  return g_string_free (result, FALSE);
}

static void
check_family (const MtpTestCase *tc, const MtpRuleset *rs, MtpFamily family)
{
  g_autofree char *path
      = mtp_test_golden_path (tc, family == MTP_FAMILY_IPV6 ? "ipv6.rules" : "ipv4.rules");
  const char *restore
      = family == MTP_FAMILY_IPV6 ? "ip6tables-legacy-restore" : "iptables-legacy-restore";
  const char *restore_argv[] = { restore, "--noflush", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) chains
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *golden = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  MtpXtRevisions rev;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_assert_false (mtp_ruleset_has_family (rs, family));
      return;
    }
  g_file_get_contents (path, &golden, NULL, &error);
  g_assert_no_error (error);

  enter_fresh_netns ();
  mtp_xt_revisions_probe (family, &rev, &error);
  g_assert_no_error (error);
  entries = build_entries (rs, family, &rev, chains);
  install_with_libiptc (tc, rs, family, entries);
  ours = saved (family);
  assert_table_entries (rs, family, chains, "libiptc");

  enter_fresh_netns ();
  if (tc->docker_output)
    run_ok (restore_argv, "*nat\n:DOCKER_OUTPUT - [0:0]\nCOMMIT\n", NULL);
  run_ok (restore_argv, golden, NULL);
  theirs = saved (family);

  g_assert_cmpstr (ours, ==, theirs);
  /* Byte for byte what iptables itself builds. */
  assert_table_entries (rs, family, chains, "iptables-restore");
}

static void
test_real (gconstpointer data)
{
  const MtpTestCase *tc = data;
  g_autoptr (MtpRuleset) rs = NULL;

  if (!need_root ())
    return;
  rs = mtp_test_case_build (tc);
  check_family (tc, rs, MTP_FAMILY_IPV4);
  check_family (tc, rs, MTP_FAMILY_IPV6);
}

static void
test_probe (void)
{
  static const MtpFamily families[] = { MTP_FAMILY_IPV4, MTP_FAMILY_IPV6 };

  if (!need_root ())
    return;
  enter_fresh_netns ();
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr (GError) error = NULL;
      MtpXtRevisions rev = { 0 };

      g_assert_true (mtp_xt_revisions_probe (families[i], &rev, &error));
      g_assert_no_error (error);
      g_test_message ("%s: owner %u, multiport %u, conntrack %u, CT %u",
                      mtp_family_to_string (families[i]), rev.owner, rev.multiport, rev.conntrack,
                      rev.ct);
      g_assert_cmpuint (rev.owner, ==, 1);
      g_assert_cmpuint (rev.multiport, ==, 1);
      g_assert_true (rev.conntrack == 3 || rev.conntrack == 2);
      g_assert_true (rev.ct == 2 || rev.ct == 1);
    }
}

static void
test_defaults (void)
{
  MtpXtRevisions rev;

  mtp_xt_revisions_default (&rev);
  g_assert_cmpuint (rev.owner, ==, 1);
  g_assert_cmpuint (rev.multiport, ==, 1);
  g_assert_cmpuint (rev.conntrack, ==, 3);
  g_assert_cmpuint (rev.ct, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  mtp_xt_revisions_default (&default_rev);

  g_test_add_func ("/iptc-entry/defaults", test_defaults);
  g_test_add_func ("/iptc-entry/ipv4-udp-owner", test_ipv4_udp_owner);
  g_test_add_func ("/iptc-entry/sport-and-dport", test_sport_and_dport);
  g_test_add_func ("/iptc-entry/redirect", test_redirect);
  g_test_add_func ("/iptc-entry/ifaces-and-addresses", test_ifaces_and_addresses);
  g_test_add_func ("/iptc-entry/multiport", test_multiport);
  g_test_add_func ("/iptc-entry/ct-log-conntrack", test_ct_log_conntrack);
  g_test_add_func ("/iptc-entry/errors", test_errors);
  g_test_add_func ("/iptc-entry/same", test_same);
  g_test_add_func ("/iptc-entry/golden-cases-build", test_golden_cases_build);
  g_test_add_func ("/iptc-entry/real/probe", test_probe);
  for (guint i = 0; i < mtp_n_test_cases; i++)
    {
      g_autofree char *path = g_strdup_printf ("/iptc-entry/real/%s", mtp_test_cases[i].name);
      g_test_add_data_func (path, &mtp_test_cases[i], test_real);
    }
  return g_test_run ();
}
