/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
#include "mtp-token.h"

/* The layouts follow iptables 1.8.9 (libxtables, libxt_*.c, libip[6]t_*.c):
 * every match and target is XT_ALIGN(header) + XT_ALIGN(data), zero-filled,
 * so that iptables-save prints our entries as it prints its own and the
 * kernel hands back the same bytes. */

#define MATCH_HDR            XT_ALIGN (sizeof (struct xt_entry_match))
#define TARGET_HDR           XT_ALIGN (sizeof (struct xt_entry_target))
#define STANDARD_TARGET_SIZE XT_ALIGN (sizeof (struct xt_standard_target))
#define NAME_LEN             XT_EXTENSION_MAXNAMELEN /* match, target, chain; with the NUL */

/* What the kernel lets user space see of a CT target; the rest is its
 * pointer to the template conntrack. */
#define CT_USER_SIZE offsetof (struct xt_ct_target_info_v1, ct)

void
mtp_xt_revisions_default (MtpXtRevisions *rev)
{
  rev->owner = 1;
  rev->multiport = 1;
  rev->conntrack = 3;
  rev->ct = 2;
}

/* ---- asking the kernel ---- */

typedef struct
{
  const char *name;
  gboolean target;
  const char *module;
  /* The revisions we can encode, best first; -1 ends the list. */
  int revisions[3];
  /* Where the chosen one goes in MtpXtRevisions, or -1 (only revision 0). */
  gssize field;
} Probe;

static const Probe probes[] = {
  { "comment", FALSE, "xt_comment", { 0, -1 }, -1 },
  { "tcp", FALSE, "xt_tcpudp", { 0, -1 }, -1 },
  { "udp", FALSE, "xt_tcpudp", { 0, -1 }, -1 },
  { "multiport", FALSE, "xt_multiport", { 1, -1 }, offsetof (MtpXtRevisions, multiport) },
  { "owner", FALSE, "xt_owner", { 1, -1 }, offsetof (MtpXtRevisions, owner) },
  { "conntrack", FALSE, "xt_conntrack", { 3, 2, -1 }, offsetof (MtpXtRevisions, conntrack) },
  { "REDIRECT", TRUE, "xt_REDIRECT", { 0, -1 }, -1 },
  { "CT", TRUE, "xt_CT", { 2, 1, -1 }, offsetof (MtpXtRevisions, ct) },
  { "LOG", TRUE, "xt_LOG", { 0, -1 }, -1 },
};

/* The kernel's answer for one name and revision: 0 when it supports it, else
 * -errno (ENOENT: no such match or target at all, EPROTONOSUPPORT: not that
 * revision). The kernel works out its best revision too, but getsockopt does
 * not pass it on, so we ask for each revision we can encode, best first. */
static int
ask_revision (int fd, MtpFamily family, const Probe *p, int revision)
{
  struct xt_get_revision req;
  socklen_t len = sizeof req;
  int level, opt, ret;

  if (family == MTP_FAMILY_IPV6)
    {
      level = IPPROTO_IPV6;
      opt = p->target ? IP6T_SO_GET_REVISION_TARGET : IP6T_SO_GET_REVISION_MATCH;
    }
  else
    {
      level = IPPROTO_IP;
      opt = p->target ? IPT_SO_GET_REVISION_TARGET : IPT_SO_GET_REVISION_MATCH;
    }
  memset (&req, 0, sizeof req);
  g_strlcpy (req.name, p->name, sizeof req.name);
  req.revision = (guint8)revision;
  ret = getsockopt (fd, level, opt, &req, &len);
  return ret < 0 ? -errno : ret;
}

static gboolean
probe_one (int fd, MtpFamily family, const Probe *p, guint8 *out, GError **error)
{
  const char *fam = mtp_family_to_string (family);

  for (guint i = 0; i < G_N_ELEMENTS (p->revisions) && p->revisions[i] >= 0; i++)
    {
      int ret = ask_revision (fd, family, p, p->revisions[i]);

      /* The kernel loads the module on the first request; ask once more. */
      if (ret == -ENOENT)
        ret = ask_revision (fd, family, p, p->revisions[i]);
      if (ret >= 0)
        {
          g_debug ("%s %s: revision %d", fam, p->name, p->revisions[i]);
          *out = (guint8)p->revisions[i];
          return TRUE;
        }
      switch (-ret)
        {
          case EPROTONOSUPPORT:
            continue;
          case ENOENT:
            g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_SUPPORTED,
                         p->target ? _ ("the kernel has no %s target '%s' (module %s)")
                                   : _ ("the kernel has no %s match '%s' (module %s)"),
                         fam, p->name, p->module);
            return FALSE;
          case EPERM:
          case EACCES:
            g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                         _ ("asking the kernel about '%s' needs CAP_NET_ADMIN"), p->name);
            return FALSE;
          case ENOPROTOOPT:
            g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_SUPPORTED,
                         _ ("the kernel has no %s legacy x_tables (ip_tables/ip6_tables)"), fam);
            return FALSE;
          default:
            g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("asking the kernel about '%s': %s"),
                         p->name, g_strerror (-ret));
            return FALSE;
        }
    }
  g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_SUPPORTED,
               _ ("the kernel's %s '%s' (module %s) lacks revision %d, the one we encode"), fam,
               p->name, p->module, p->revisions[0]);
  return FALSE;
}

gboolean
mtp_xt_revisions_probe (MtpFamily family, MtpXtRevisions *rev, GError **error)
{
  int af = family == MTP_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  MtpXtRevisions found;
  int fd;

  mtp_xt_revisions_default (&found);
  fd = socket (af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == EPERM || saved == EACCES)
        g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                     _ ("opening a raw %s socket needs CAP_NET_RAW"),
                     mtp_family_to_string (family));
      else
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("opening a raw %s socket: %s"),
                     mtp_family_to_string (family), g_strerror (saved));
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      guint8 chosen;

      if (!probe_one (fd, family, &probes[i], &chosen, error))
        {
          close (fd);
          return FALSE;
        }
      if (probes[i].field >= 0)
        *((guint8 *)&found + probes[i].field) = chosen;
    }
  close (fd);
  *rev = found;
  return TRUE;
}

/* ---- building ---- */

typedef struct
{
  MtpFamily family;
  const MtpXtRevisions *rev;
  struct ipt_ip ip;     /* IPv4 */
  struct ip6t_ip6 ipv6; /* IPv6 */
  guint8 proto;         /* 0: no -p yet */
  GByteArray *matches;
  gssize tcpudp; /* offset of the tcp/udp match in matches, or -1 */
} Builder;

static void
add_match (Builder *b, const char *name, guint8 revision, const void *data, gsize size)
{
  gsize total = MATCH_HDR + XT_ALIGN (size);
  gsize off = b->matches->len;
  struct xt_entry_match *m;

  g_byte_array_set_size (b->matches, off + total);
  memset (b->matches->data + off, 0, total);
  m = (struct xt_entry_match *)(b->matches->data + off);
  m->u.user.match_size = (guint16)total;
  g_strlcpy (m->u.user.name, name, sizeof m->u.user.name);
  m->u.user.revision = revision;
  memcpy (b->matches->data + off + MATCH_HDR, data, size);
}

static gboolean
set_proto (Builder *b, MtpProtoSet protocol, gboolean invert, GError **error)
{
  guint8 proto;

  if (protocol == MTP_PROTO_TCP)
    proto = IPPROTO_TCP;
  else if (protocol == MTP_PROTO_UDP)
    proto = IPPROTO_UDP;
  else
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("a protocol match must name exactly one of tcp and udp"));
      return FALSE;
    }
  if (b->proto != 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("a rule can match only one protocol"));
      return FALSE;
    }
  b->proto = proto;
  if (b->family == MTP_FAMILY_IPV6)
    {
      b->ipv6.proto = proto;
      b->ipv6.flags |= IP6T_F_PROTO;
      if (invert)
        b->ipv6.invflags |= IP6T_INV_PROTO;
    }
  else
    {
      b->ip.proto = proto;
      if (invert)
        b->ip.invflags |= IPT_INV_PROTO;
    }
  return TRUE;
}

static gboolean
set_cidr (Builder *b, gboolean source, gboolean invert, const MtpCidr *cidr, GError **error)
{
  guint len = mtp_family_addr_len (b->family);
  guint8 addr[16] = { 0 }, mask[16] = { 0 };

  if (cidr->family != b->family || cidr->prefix > len * 8)
    {
      g_autofree char *text = mtp_cidr_to_string (cidr, TRUE);

      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("the address %s does not fit an %s rule"), text,
                   mtp_family_to_string (b->family));
      return FALSE;
    }
  for (guint i = 0; i < len; i++)
    {
      guint bits = cidr->prefix > i * 8 ? MIN (cidr->prefix - i * 8, 8u) : 0;

      mask[i] = (guint8)(0xff00u >> bits);
      addr[i] = cidr->addr[i] & mask[i];
    }
  if (b->family == MTP_FAMILY_IPV6)
    {
      memcpy (source ? &b->ipv6.src : &b->ipv6.dst, addr, 16);
      memcpy (source ? &b->ipv6.smsk : &b->ipv6.dmsk, mask, 16);
      if (invert)
        b->ipv6.invflags |= source ? IP6T_INV_SRCIP : IP6T_INV_DSTIP;
    }
  else
    {
      memcpy (source ? &b->ip.src : &b->ip.dst, addr, 4);
      memcpy (source ? &b->ip.smsk : &b->ip.dmsk, mask, 4);
      if (invert)
        b->ip.invflags |= source ? IPT_INV_SRCIP : IPT_INV_DSTIP;
    }
  return TRUE;
}

/* As xtables_parse_interface: the mask covers the name and its NUL, or with a
 * trailing '+' only what precedes it; the '+' stays in the name. */
static gboolean
set_iface (Builder *b, gboolean in, gboolean invert, const char *iface, GError **error)
{
  gsize len = strnlen (iface, MTP_IFNAMSIZ);
  char *name;
  unsigned char *mask;

  if (len == 0 || len >= IFNAMSIZ)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("the interface name '%.*s' must have 1 to %d characters"), (int)len, iface,
                   IFNAMSIZ - 1);
      return FALSE;
    }
  if (!mtp_token_check (MTP_TOKEN_IFACE_WILDCARD, iface, error))
    return FALSE;
  if (b->family == MTP_FAMILY_IPV6)
    {
      name = in ? b->ipv6.iniface : b->ipv6.outiface;
      mask = in ? b->ipv6.iniface_mask : b->ipv6.outiface_mask;
      if (invert)
        b->ipv6.invflags |= in ? IP6T_INV_VIA_IN : IP6T_INV_VIA_OUT;
    }
  else
    {
      name = in ? b->ip.iniface : b->ip.outiface;
      mask = in ? b->ip.iniface_mask : b->ip.outiface_mask;
      if (invert)
        b->ip.invflags |= in ? IPT_INV_VIA_IN : IPT_INV_VIA_OUT;
    }
  memset (name, 0, IFNAMSIZ);
  memset (mask, 0, IFNAMSIZ);
  memcpy (name, iface, len);
  memset (mask, 0xff, iface[len - 1] == '+' ? len - 1 : len + 1);
  return TRUE;
}

/* --sport/--dport: the "tcp" or "udp" match of the rule's protocol (one per
 * rule, created where the first port option appears, as iptables does). */
static gboolean
set_port (Builder *b, gboolean source, gboolean invert, guint16 port, GError **error)
{
  guint16 *ports;
  guint8 *invflags;

  if (b->proto != IPPROTO_TCP && b->proto != IPPROTO_UDP)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("a port match needs a tcp or udp protocol match before it"));
      return FALSE;
    }
  if (b->tcpudp < 0)
    {
      b->tcpudp = b->matches->len;
      if (b->proto == IPPROTO_TCP)
        {
          struct xt_tcp tcp = { .spts = { 0, 0xffff }, .dpts = { 0, 0xffff } };
          add_match (b, "tcp", 0, &tcp, sizeof tcp);
        }
      else
        {
          struct xt_udp udp = { .spts = { 0, 0xffff }, .dpts = { 0, 0xffff } };
          add_match (b, "udp", 0, &udp, sizeof udp);
        }
    }
  /* xt_tcp and xt_udp start alike; only invflags sits elsewhere. */
  if (b->proto == IPPROTO_TCP)
    {
      struct xt_tcp *tcp = (struct xt_tcp *)(b->matches->data + b->tcpudp + MATCH_HDR);
      ports = source ? tcp->spts : tcp->dpts;
      invflags = &tcp->invflags;
    }
  else
    {
      struct xt_udp *udp = (struct xt_udp *)(b->matches->data + b->tcpudp + MATCH_HDR);
      ports = source ? udp->spts : udp->dpts;
      invflags = &udp->invflags;
    }
  if (ports[0] != 0 || ports[1] != 0xffff)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   source ? _ ("a rule can have only one source port match")
                          : _ ("a rule can have only one destination port match"));
      return FALSE;
    }
  ports[0] = ports[1] = port;
  if (invert)
    *invflags |= source ? XT_TCP_INV_SRCPT : XT_TCP_INV_DSTPT; /* the same values for udp */
  return TRUE;
}

static gboolean
check_revision (const char *name, guint8 revision, const int *allowed, GError **error)
{
  for (guint i = 0; allowed[i] >= 0; i++)
    if (allowed[i] == revision)
      return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_SUPPORTED,
               _ ("revision %u of '%s' is not one we can encode"), revision, name);
  return FALSE;
}

static gboolean
add_multiport (Builder *b, const MtpMatch *m, GError **error)
{
  static const int allowed[] = { 1, -1 };
  struct xt_multiport_v1 mp = { .flags = XT_MULTIPORT_DESTINATION };
  guint n = 0;

  if (!check_revision ("multiport", b->rev->multiport, allowed, error))
    return FALSE;
  if (!set_proto (b, m->multiport.protocol, FALSE, error))
    return FALSE;
  if (m->multiport.n_ports == 0 || m->multiport.n_ports > G_N_ELEMENTS (m->multiport.ports))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("a multiport match needs 1 to %d ports"), XT_MULTI_PORTS);
      return FALSE;
    }
  for (guint i = 0; i < m->multiport.n_ports; i++)
    {
      const MtpPortRange *r = &m->multiport.ports[i];
      gboolean range = r->first != r->last;

      if (r->first > r->last)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                       _ ("the port range %u:%u is reversed"), r->first, r->last);
          return FALSE;
        }
      /* A range takes two slots: its start (flagged) and its end. */
      if (n + (range ? 2 : 1) > XT_MULTI_PORTS)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                       _ ("a multiport match holds at most %d ports, a range counting as two"),
                       XT_MULTI_PORTS);
          return FALSE;
        }
      mp.ports[n] = r->first;
      if (range)
        {
          mp.pflags[n] = 1;
          mp.ports[++n] = r->last;
        }
      n++;
    }
  mp.count = (guint8)n;
  mp.invert = m->invert ? 1 : 0;
  add_match (b, "multiport", b->rev->multiport, &mp, sizeof mp);
  return TRUE;
}

static gboolean
add_owner (Builder *b, const MtpMatch *m, GError **error)
{
  static const int allowed[] = { 1, -1 };
  struct xt_owner_match_info info = {
    .uid_min = m->uids.first,
    .uid_max = m->uids.last,
    .match = XT_OWNER_UID,
    .invert = m->invert ? XT_OWNER_UID : 0,
  };

  if (!check_revision ("owner", b->rev->owner, allowed, error))
    return FALSE;
  if (m->uids.first > m->uids.last)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("the UID range %u-%u is reversed"),
                   m->uids.first, m->uids.last);
      return FALSE;
    }
  add_match (b, "owner", b->rev->owner, &info, sizeof info);
  return TRUE;
}

static gboolean
add_conntrack (Builder *b, const MtpMatch *m, GError **error)
{
  static const int allowed[] = { 3, 2, -1 };
  /* Revision 2 is the start of revision 3. */
  struct xt_conntrack_mtinfo3 info;

  if (!check_revision ("conntrack", b->rev->conntrack, allowed, error))
    return FALSE;
  if (m->ctstate != MTP_CTSTATE_INVALID)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("only the conntrack state INVALID is supported"));
      return FALSE;
    }
  memset (&info, 0, sizeof info);
  info.match_flags = XT_CONNTRACK_STATE;
  info.invert_flags = m->invert ? XT_CONNTRACK_STATE : 0;
  info.state_mask = XT_CONNTRACK_STATE_INVALID;
  add_match (b, "conntrack", b->rev->conntrack, &info,
             b->rev->conntrack == 2 ? sizeof (struct xt_conntrack_mtinfo2) : sizeof info);
  return TRUE;
}

static gboolean
add_rule_match (Builder *b, const MtpMatch *m, GError **error)
{
  switch (m->type)
    {
      case MTP_MATCH_PROTOCOL:
        return set_proto (b, m->protocol, m->invert, error);
      case MTP_MATCH_SOURCE:
      case MTP_MATCH_DESTINATION:
        return set_cidr (b, m->type == MTP_MATCH_SOURCE, m->invert, &m->cidr, error);
      case MTP_MATCH_IN_IFACE:
      case MTP_MATCH_OUT_IFACE:
        return set_iface (b, m->type == MTP_MATCH_IN_IFACE, m->invert, m->iface, error);
      case MTP_MATCH_SPORT:
      case MTP_MATCH_DPORT:
        return set_port (b, m->type == MTP_MATCH_SPORT, m->invert, m->port, error);
      case MTP_MATCH_MULTIPORT:
        return add_multiport (b, m, error);
      case MTP_MATCH_OWNER:
        return add_owner (b, m, error);
      case MTP_MATCH_CTSTATE:
        return add_conntrack (b, m, error);
      default:
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("unknown match type %d"), m->type);
        return FALSE;
    }
}

/* The target as one zero-filled, aligned block (header + data). */
static GByteArray *
new_target (const char *name, guint8 revision, const void *data, gsize size)
{
  gsize total = TARGET_HDR + XT_ALIGN (size);
  GByteArray *bytes = g_byte_array_sized_new (total);
  struct xt_entry_target *t;

  g_byte_array_set_size (bytes, total);
  memset (bytes->data, 0, total);
  t = (struct xt_entry_target *)bytes->data;
  t->u.user.target_size = (guint16)total;
  g_strlcpy (t->u.user.name, name, sizeof t->u.user.name);
  t->u.user.revision = revision;
  memcpy (bytes->data + TARGET_HDR, data, size);
  return bytes;
}

/* libiptc turns a standard target named RETURN, DROP or after a chain into the
 * verdict or jump when it compiles the table (iptcc_map_target), provided it
 * has exactly the size of a standard target. */
static GByteArray *
new_standard_target (const char *name, GError **error)
{
  GByteArray *bytes;
  struct xt_standard_target *t;

  if (name == NULL || *name == '\0' || strlen (name) >= NAME_LEN)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("the chain name '%s' must have 1 to %d characters"), name ? name : "",
                   NAME_LEN - 1);
      return NULL;
    }
  bytes = g_byte_array_sized_new (STANDARD_TARGET_SIZE);
  g_byte_array_set_size (bytes, STANDARD_TARGET_SIZE);
  memset (bytes->data, 0, STANDARD_TARGET_SIZE);
  t = (struct xt_standard_target *)bytes->data;
  t->target.u.user.target_size = STANDARD_TARGET_SIZE;
  g_strlcpy (t->target.u.user.name, name, sizeof t->target.u.user.name);
  return bytes;
}

static GByteArray *
build_target (const MtpRule *rule, const MtpXtRevisions *rev, guint8 proto, GError **error)
{
  const MtpTarget *t = &rule->target;

  switch (t->type)
    {
      case MTP_TARGET_RETURN:
        return new_standard_target (IPTC_LABEL_RETURN, error);
      case MTP_TARGET_DROP:
        return new_standard_target (IPTC_LABEL_DROP, error);
      case MTP_TARGET_JUMP:
        if (t->chain == NULL || !mtp_token_check (MTP_TOKEN_CHAIN, t->chain, error))
          return NULL;
        return new_standard_target (t->chain, error);
      case MTP_TARGET_REDIRECT:
        if (t->port == 0)
          {
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                         _ ("REDIRECT needs a port other than 0"));
            return NULL;
          }
        if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
          {
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                         _ ("REDIRECT to a port needs a tcp or udp protocol match"));
            return NULL;
          }
        if (rule->family == MTP_FAMILY_IPV6)
          {
            /* ip6tables' REDIRECT revision 0 takes the plain range. */
            struct nf_nat_range range = { .flags = NF_NAT_RANGE_PROTO_SPECIFIED };

            range.min_proto.tcp.port = range.max_proto.tcp.port = g_htons (t->port);
            return new_target ("REDIRECT", 0, &range, sizeof range);
          }
        else
          {
            struct nf_nat_ipv4_multi_range_compat mr = { .rangesize = 1 };

            mr.range[0].flags = NF_NAT_RANGE_PROTO_SPECIFIED;
            mr.range[0].min.tcp.port = mr.range[0].max.tcp.port = g_htons (t->port);
            return new_target ("REDIRECT", 0, &mr, sizeof mr);
          }
      case MTP_TARGET_CT:
        {
          static const int allowed[] = { 2, 1, -1 };
          struct xt_ct_target_info_v1 info;

          if (!check_revision ("CT", rev->ct, allowed, error))
            return NULL;
          memset (&info, 0, sizeof info);
          info.zone = t->zone;
          return new_target ("CT", rev->ct, &info, sizeof info);
        }
      case MTP_TARGET_LOG:
        {
          struct xt_log_info info;
          gsize len = t->log_prefix ? strlen (t->log_prefix) : 0;

          if (len >= sizeof info.prefix)
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                           _ ("the log prefix '%s' is longer than %d bytes"), t->log_prefix,
                           (int)sizeof info.prefix - 1);
              return NULL;
            }
          if (len > 0 && !mtp_token_check (MTP_TOKEN_LOG_PREFIX, t->log_prefix, error))
            return NULL;
          if (t->log_level > 7)
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                           _ ("the log level %u is not between 0 and 7"), t->log_level);
              return NULL;
            }
          memset (&info, 0, sizeof info);
          info.level = t->log_level;
          if (len > 0)
            memcpy (info.prefix, t->log_prefix, len);
          return new_target ("LOG", 0, &info, sizeof info);
        }
      default:
        g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("unknown target type %d"), t->type);
        return NULL;
    }
}

static GBytes *
build_entry (const MtpRule *rule, const MtpXtRevisions *rev, GError **error)
{
  g_autoptr (GByteArray) matches = g_byte_array_new ();
  g_autoptr (GByteArray) target = NULL;
  Builder b = { .family = rule->family, .rev = rev, .matches = matches, .tcpudp = -1 };
  gsize head
      = rule->family == MTP_FAMILY_IPV6 ? sizeof (struct ip6t_entry) : sizeof (struct ipt_entry);
  gsize target_offset, next_offset;
  guint8 *data;

  G_STATIC_ASSERT (sizeof (struct ipt_entry) == XT_ALIGN (sizeof (struct ipt_entry)));
  G_STATIC_ASSERT (sizeof (struct ip6t_entry) == XT_ALIGN (sizeof (struct ip6t_entry)));

  /* The values of a rule must read back unchanged from iptables-save (and
   * survive iptables-save | iptables-restore), as in every other form. */
  if (!mtp_token_check (MTP_TOKEN_CHAIN, rule->chain, error))
    return NULL;
  memset (&b.ip, 0, sizeof b.ip);
  memset (&b.ipv6, 0, sizeof b.ipv6);
  /* iptables adds matches in command-line order, the comment first. */
  if (rule->comment != NULL)
    {
      struct xt_comment_info info;
      g_autofree char *text = g_strconcat (MTP_COMMENT_PREFIX, rule->comment, NULL);
      gsize len = strlen (text);

      if (len >= XT_MAX_COMMENT_LEN)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                       _ ("the comment '%s' is longer than %d bytes"), text,
                       XT_MAX_COMMENT_LEN - 1);
          return NULL;
        }
      if (!mtp_token_check (MTP_TOKEN_COMMENT, text, error))
        return NULL;
      memset (&info, 0, sizeof info);
      memcpy (info.comment, text, len);
      add_match (&b, "comment", 0, &info, sizeof info);
    }
  for (guint i = 0; i < rule->matches->len; i++)
    if (!add_rule_match (&b, &g_array_index (rule->matches, MtpMatch, i), error))
      return NULL;
  target = build_target (rule, rev, b.proto, error);
  if (target == NULL)
    return NULL;

  target_offset = head + matches->len;
  next_offset = target_offset + target->len;
  if (next_offset > G_MAXUINT16)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("the rule is too large"));
      return NULL;
    }
  data = g_malloc0 (next_offset);
  if (rule->family == MTP_FAMILY_IPV6)
    {
      struct ip6t_entry *e = (struct ip6t_entry *)data;

      e->ipv6 = b.ipv6;
      e->target_offset = (guint16)target_offset;
      e->next_offset = (guint16)next_offset;
    }
  else
    {
      struct ipt_entry *e = (struct ipt_entry *)data;

      e->ip = b.ip;
      e->target_offset = (guint16)target_offset;
      e->next_offset = (guint16)next_offset;
    }
  if (matches->len > 0)
    memcpy (data + head, matches->data, matches->len);
  memcpy (data + target_offset, target->data, target->len);
  return g_bytes_new_take (data, next_offset);
}

GBytes *
mtp_iptc_entry_new (const MtpRule *rule, const MtpXtRevisions *rev, GError **error)
{
  GBytes *entry;

  g_return_val_if_fail (rule->family == MTP_FAMILY_IPV4 || rule->family == MTP_FAMILY_IPV6, NULL);
  entry = build_entry (rule, rev, error);
  if (entry == NULL)
    g_prefix_error (error, _ ("%s rule in %s chain %s: "), mtp_family_to_string (rule->family),
                    mtp_table_to_string (rule->table), rule->chain);
  return entry;
}

/* ---- reading ---- */

typedef struct
{
  const guint8 *base;
  gsize head;          /* where the matches start */
  gsize target_offset; /* where they end */
  gsize next_offset;
} EntryView;

static void
view_entry (MtpFamily family, const void *entry, EntryView *v)
{
  v->base = entry;
  if (family == MTP_FAMILY_IPV6)
    {
      const struct ip6t_entry *e = entry;

      v->head = sizeof *e;
      v->target_offset = e->target_offset;
      v->next_offset = e->next_offset;
    }
  else
    {
      const struct ipt_entry *e = entry;

      v->head = sizeof *e;
      v->target_offset = e->target_offset;
      v->next_offset = e->next_offset;
    }
}

/* The match at off, or NULL when its size would leave the matches. */
static const struct xt_entry_match *
match_at (const EntryView *v, gsize off)
{
  const struct xt_entry_match *m;

  if (off + sizeof *m > v->target_offset)
    return NULL;
  m = (const struct xt_entry_match *)(v->base + off);
  if (m->u.match_size < sizeof *m || off + m->u.match_size > v->target_offset)
    return NULL;
  return m;
}

static gboolean
same_header (MtpFamily family, const void *a, const void *b)
{
  /* The ip part up to invflags (no trailing padding); nfcache, comefrom
   * and the counters are the kernel's. */
  if (family == MTP_FAMILY_IPV6)
    return memcmp (&((const struct ip6t_entry *)a)->ipv6, &((const struct ip6t_entry *)b)->ipv6,
                   offsetof (struct ip6t_ip6, invflags) + 1)
           == 0;
  return memcmp (&((const struct ipt_entry *)a)->ip, &((const struct ipt_entry *)b)->ip,
                 offsetof (struct ipt_ip, invflags) + 1)
         == 0;
}

gboolean
mtp_iptc_entry_same (MtpFamily family, const void *table_entry, const char *target_name,
                     GBytes *built)
{
  EntryView t, b;
  gsize built_size;
  const struct xt_entry_target *tt, *bt;
  gsize off;

  g_return_val_if_fail (table_entry != NULL && built != NULL, FALSE);
  view_entry (family, g_bytes_get_data (built, &built_size), &b);
  g_return_val_if_fail (built_size == b.next_offset, FALSE);
  view_entry (family, table_entry, &t);

  if (t.target_offset != b.target_offset || t.next_offset != b.next_offset)
    return FALSE;
  if (!same_header (family, t.base, b.base))
    return FALSE;

  /* The kernel writes back a match's name but not the bytes after its NUL
   * (and libiptc's buffer is not zeroed): compare names as strings. */
  for (off = b.head; off < b.target_offset;)
    {
      const struct xt_entry_match *tm = match_at (&t, off), *bm = match_at (&b, off);

      if (tm == NULL || bm == NULL || tm->u.match_size != bm->u.match_size
          || strncmp (tm->u.user.name, bm->u.user.name, sizeof tm->u.user.name) != 0
          || tm->u.user.revision != bm->u.user.revision
          || memcmp (tm->data, bm->data, bm->u.match_size - sizeof *bm) != 0)
        return FALSE;
      off += bm->u.match_size;
    }

  if (b.next_offset - b.target_offset < sizeof (struct xt_entry_target))
    return FALSE;
  tt = (const struct xt_entry_target *)(t.base + t.target_offset);
  bt = (const struct xt_entry_target *)(b.base + b.target_offset);
  if (tt->u.target_size != bt->u.target_size
      || bt->u.target_size != b.next_offset - b.target_offset)
    return FALSE;
  if (bt->u.target_size == STANDARD_TARGET_SIZE)
    {
      /* A verdict or a jump: the kernel holds a number (XT_STANDARD_TARGET,
       * named ""), libiptc names it. */
      const char *name = target_name != NULL ? target_name : tt->u.user.name;

      return (tt->u.user.name[0] == '\0'
              || strncmp (tt->u.user.name, bt->u.user.name, NAME_LEN) == 0)
             && strncmp (name, bt->u.user.name, NAME_LEN) == 0;
    }
  if (strncmp (tt->u.user.name, bt->u.user.name, NAME_LEN) != 0
      || tt->u.user.revision != bt->u.user.revision)
    return FALSE;
  if (strcmp (bt->u.user.name, "CT") == 0)
    return memcmp (tt->data, bt->data, CT_USER_SIZE) == 0;
  return memcmp (tt->data, bt->data, bt->u.target_size - sizeof *bt) == 0;
}

char *
mtp_iptc_entry_comment (MtpFamily family, const void *entry)
{
  EntryView v;
  const struct xt_entry_match *m;

  g_return_val_if_fail (entry != NULL, NULL);
  view_entry (family, entry, &v);
  for (gsize off = v.head; (m = match_at (&v, off)) != NULL; off += m->u.match_size)
    if (strncmp (m->u.user.name, "comment", sizeof m->u.user.name) == 0)
      return g_strndup ((const char *)m->data,
                        MIN (m->u.match_size - sizeof *m, (gsize)XT_MAX_COMMENT_LEN));
  return NULL;
}
