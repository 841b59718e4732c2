/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mtp-builder.h"
#include "mtp-error.h"
#include "mtp-limits.h"

#define CHAIN_INBOUND           MTP_CHAIN_PREFIX "INBOUND"
#define CHAIN_OUTBOUND          MTP_CHAIN_PREFIX "OUTBOUND"
#define CHAIN_INBOUND_REDIRECT  MTP_CHAIN_PREFIX "INBOUND_REDIRECT"
#define CHAIN_OUTBOUND_REDIRECT MTP_CHAIN_PREFIX "OUTBOUND_REDIRECT"
#define DNS_PORT                53
#define LOG_LEVEL_DEBUG         7

/* Where a build went past the limit rules (mtp-limits.h): the kind of the
 * first rule that did not fit, and the rule that callers fill in its place
 * and that is dropped. */
typedef struct
{
  char *kind;
  MtpRule *scratch;
} Overflow;

/* Per-family state of one build. */
typedef struct
{
  Overflow *over;
  const MtpConfig *config;
  const MtpHostFacts *facts;
  MtpRuleset *ruleset;
  MtpFamily family;
  MtpCidr passthrough; /* 127.0.0.6 / ::6: the proxy's inbound passthrough source */
  MtpCidr localhost;   /* 127.0.0.1 / ::1 */
  GArray *nameservers; /* of MtpCidr, this family's */
  gboolean dns;        /* DNS is redirected for this family */
} Build;

/* Every kind of rule, in the order the builder adds them to any one chain:
 * the rank of a kind orders its rules' firewalld priorities. A kind is the
 * comment text, or its start up to the first '/' for "vnet/IFACE/…". */
static const char *const kinds[] = {
  "dns/zone-upstream-reply",
  "dns/zone-proxy-query",
  "dns/zone-proxy-answer",
  "dns/zone-app-query",
  "dns/zone-local-resolver",
  "mangle/drop-invalid",
  "log/",
  "vnet/",
  "prerouting/inbound",
  "output/exclude-ports-for-uids",
  "output/exclude-ip",
  "output/dns-proxy-bypass",
  "output/dns-redirect",
  "output/dns-tcp-return",
  "output/outbound",
  "inbound/disabled",
  "inbound/exclude-ip",
  "inbound/exclude-port",
  "inbound/redirect",
  "outbound/exclude-port",
  "outbound/passthrough",
  "outbound/hairpin",
  "outbound/app-loopback",
  "outbound/proxy",
  "outbound/localhost",
  "outbound/redirect",
  "inbound/to-proxy",
  "outbound/to-proxy",
};

G_STATIC_ASSERT (G_N_ELEMENTS (kinds) <= MTP_RANKS_MAX);

static guint
rank_of (const char *comment)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_suffix (kinds[i], "/") ? g_str_has_prefix (comment, kinds[i])
                                         : strcmp (comment, kinds[i]) == 0)
      return i;
  g_assert_not_reached ();
}

/* Whether the rule set is full: the loops that add a rule per value stop. */
static gboolean
full (const Build *b)
{
  return b->over->kind != NULL;
}

static MtpRule *
rule (Build *b, MtpTable table, const char *chain, MtpPosition position, const char *comment)
{
  MtpRule *r;

  if (full (b) || b->ruleset->rules->len >= MTP_LIMIT_RULES)
    {
      if (!full (b))
        b->over->kind = g_strdup (comment);
      g_clear_pointer (&b->over->scratch, mtp_rule_free);
      b->over->scratch = mtp_rule_new (b->family, table, chain, position);
      return b->over->scratch;
    }
  r = mtp_rule_new (b->family, table, chain, position);
  r->rank = rank_of (comment);

  if (!b->config->disable_comments)
    mtp_rule_set_comment (r, comment);
  mtp_ruleset_add_rule (b->ruleset, r);
  return r;
}

static void
match_proto (MtpRule *r, MtpProtoSet protocol)
{
  mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, FALSE)->protocol = protocol;
}

static void
match_cidr (MtpRule *r, MtpMatchType type, gboolean invert, const MtpCidr *cidr)
{
  mtp_rule_add_match (r, type, invert)->cidr = *cidr;
}

static void
match_port (MtpRule *r, MtpMatchType type, guint16 port)
{
  mtp_rule_add_match (r, type, FALSE)->port = port;
}

static void
match_iface (MtpRule *r, MtpMatchType type, const char *iface)
{
  MtpMatch *m = mtp_rule_add_match (r, type, FALSE);

  g_strlcpy (m->iface, iface, sizeof m->iface);
}

static void
match_uid (MtpRule *r, gboolean invert, guint32 first, guint32 last)
{
  MtpMatch *m = mtp_rule_add_match (r, MTP_MATCH_OWNER, invert);

  m->uids.first = first;
  m->uids.last = last;
}

static void
match_proxy_uid (Build *b, MtpRule *r, gboolean invert)
{
  match_uid (r, invert, b->facts->uid, b->facts->uid);
}

static void
target_simple (MtpRule *r, MtpTargetType type)
{
  r->target.type = type;
}

static void
target_jump (MtpRule *r, const char *chain)
{
  r->target.type = MTP_TARGET_JUMP;
  r->target.chain = g_strdup (chain);
}

static void
target_redirect (MtpRule *r, guint16 port)
{
  r->target.type = MTP_TARGET_REDIRECT;
  r->target.port = port;
}

static void
target_ct (MtpRule *r, guint16 zone)
{
  r->target.type = MTP_TARGET_CT;
  r->target.zone = zone;
}

static void
log_rule (Build *b, const char *chain)
{
  g_autofree char *comment = g_strdup_printf ("log/%s", chain);
  MtpRule *r = rule (b, MTP_TABLE_NAT, chain, MTP_POSITION_INSERT, comment);

  r->target.type = MTP_TARGET_LOG;
  r->target.log_prefix = g_strdup_printf ("%s:", chain);
  r->target.log_level = LOG_LEVEL_DEBUG;
}

static void
build_raw (Build *b)
{
  const MtpConfig *c = b->config;
  gboolean all = c->redirect_all_dns_traffic;
  guint n = all ? 1 : b->nameservers->len;
  MtpRule *r;

  if (!b->dns || c->skip_dns_conntrack_zone_split)
    return;

  /* Replies from the upstream servers and the proxy's own queries share zone 1;
   * the apps' queries and the proxy's answers to them zone 2, so that the two
   * conversations never collide in conntrack. */
  for (guint i = 0; i < n; i++)
    {
      r = rule (b, MTP_TABLE_RAW, "PREROUTING", MTP_POSITION_APPEND, "dns/zone-upstream-reply");
      if (!all)
        match_cidr (r, MTP_MATCH_SOURCE, FALSE, &g_array_index (b->nameservers, MtpCidr, i));
      match_proto (r, MTP_PROTO_UDP);
      match_port (r, MTP_MATCH_SPORT, DNS_PORT);
      target_ct (r, 1);
    }

  r = rule (b, MTP_TABLE_RAW, "OUTPUT", MTP_POSITION_APPEND, "dns/zone-proxy-query");
  match_proto (r, MTP_PROTO_UDP);
  match_port (r, MTP_MATCH_DPORT, DNS_PORT);
  match_proxy_uid (b, r, FALSE);
  target_ct (r, 1);

  r = rule (b, MTP_TABLE_RAW, "OUTPUT", MTP_POSITION_APPEND, "dns/zone-proxy-answer");
  match_proto (r, MTP_PROTO_UDP);
  match_port (r, MTP_MATCH_SPORT, c->redirect_dns_port);
  match_proxy_uid (b, r, FALSE);
  target_ct (r, 2);

  for (guint i = 0; i < n; i++)
    {
      r = rule (b, MTP_TABLE_RAW, "OUTPUT", MTP_POSITION_APPEND, "dns/zone-app-query");
      if (!all)
        match_cidr (r, MTP_MATCH_DESTINATION, FALSE, &g_array_index (b->nameservers, MtpCidr, i));
      match_proto (r, MTP_PROTO_UDP);
      match_port (r, MTP_MATCH_DPORT, DNS_PORT);
      target_ct (r, 2);
    }

  /* A local stub resolver (127.0.0.53) answers from a loopback source. */
  for (guint i = 0; !all && i < n; i++)
    {
      const MtpCidr *server = &g_array_index (b->nameservers, MtpCidr, i);

      if (!mtp_cidr_is_loopback (server))
        continue;
      r = rule (b, MTP_TABLE_RAW, "OUTPUT", MTP_POSITION_APPEND, "dns/zone-local-resolver");
      match_cidr (r, MTP_MATCH_SOURCE, FALSE, server);
      match_cidr (r, MTP_MATCH_DESTINATION, FALSE, &b->localhost);
      match_proto (r, MTP_PROTO_UDP);
      target_ct (r, 1);
    }
}

static void
build_mangle (Build *b)
{
  MtpRule *r;

  if (!b->config->drop_invalid_packets)
    return;
  r = rule (b, MTP_TABLE_MANGLE, "PREROUTING", MTP_POSITION_APPEND, "mangle/drop-invalid");
  mtp_rule_add_match (r, MTP_MATCH_CTSTATE, FALSE)->ctstate = MTP_CTSTATE_INVALID;
  target_simple (r, MTP_TARGET_DROP);
}

/* Adds to R a multiport match for PROTOCOL holding RANGES from index I on,
 * as many as fit in 15 slots (a range takes two); returns the index of the
 * first one left over. */
static guint
pack_multiport (MtpRule *r, MtpProtoSet protocol, const GArray *ranges, guint i)
{
  MtpMatch *m = mtp_rule_add_match (r, MTP_MATCH_MULTIPORT, FALSE);
  guint slots = 0;

  m->multiport.protocol = protocol;
  for (; i < ranges->len; i++)
    {
      MtpPortRange range = g_array_index (ranges, MtpPortRange, i);
      guint need = range.first == range.last ? 1 : 2;

      if (slots + need > MTP_MULTIPORT_MAX)
        break;
      m->multiport.ports[m->multiport.n_ports++] = range;
      slots += need;
    }
  return i;
}

/* Splits the exclusion's ports into multiport matches of at most 15 slots and
 * adds one RETURN rule per chunk and protocol. */
static void
build_uid_exclusion (Build *b, const MtpUidPortExclusion *ex)
{
  static const MtpProtoSet protocols[] = { MTP_PROTO_TCP, MTP_PROTO_UDP };

  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    {
      guint i = 0;

      if (!(ex->protocols & protocols[p]))
        continue;
      while (i < ex->ports->len && !full (b))
        {
          MtpRule *r = rule (b, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT,
                             "output/exclude-ports-for-uids");

          i = pack_multiport (r, protocols[p], ex->ports, i);
          match_uid (r, FALSE, ex->uids.first, ex->uids.last);
          target_simple (r, MTP_TARGET_RETURN);
        }
    }
}

static gint
compare_port (gconstpointer a, gconstpointer b)
{
  return (gint) * (const guint16 *)a - (gint) * (const guint16 *)b;
}

/* RETURN rules for excluded TCP destination ports, appended to CHAIN: one per
 * port (the reference set), or with pack-ports the ports sorted, runs of
 * consecutive ports made ranges, and packed into multiport rules of at most
 * 15 slots (a range takes two). They all return, one after the other, so
 * their order and grouping do not change what is matched. */
static void
build_port_exclusions (Build *b, const char *chain, const char *kind, const GArray *ports)
{
  g_autoptr (GArray) sorted = NULL;
  g_autoptr (GArray) ranges = NULL;
  guint i = 0;

  if (!b->config->pack_ports)
    {
      for (guint k = 0; k < ports->len && !full (b); k++)
        {
          MtpRule *r = rule (b, MTP_TABLE_NAT, chain, MTP_POSITION_APPEND, kind);
          match_proto (r, MTP_PROTO_TCP);
          match_port (r, MTP_MATCH_DPORT, g_array_index (ports, guint16, k));
          target_simple (r, MTP_TARGET_RETURN);
        }
      return;
    }

  sorted = g_array_sized_new (FALSE, FALSE, sizeof (guint16), ports->len);
  g_array_append_vals (sorted, ports->data, ports->len);
  g_array_sort (sorted, compare_port);
  ranges = g_array_new (FALSE, FALSE, sizeof (MtpPortRange));
  for (guint k = 0; k < sorted->len; k++)
    {
      guint16 port = g_array_index (sorted, guint16, k);
      MtpPortRange *last
          = ranges->len > 0 ? &g_array_index (ranges, MtpPortRange, ranges->len - 1) : NULL;

      if (last != NULL && port <= last->last)
        continue; /* listed twice */
      if (last != NULL && port == last->last + 1)
        last->last = port;
      else
        g_array_append_val (ranges, ((MtpPortRange){ .first = port, .last = port }));
    }

  while (i < ranges->len && !full (b))
    {
      MtpRule *r = rule (b, MTP_TABLE_NAT, chain, MTP_POSITION_APPEND, kind);

      i = pack_multiport (r, MTP_PROTO_TCP, ranges, i);
      target_simple (r, MTP_TARGET_RETURN);
    }
}

static void
build_nat_prerouting (Build *b)
{
  const MtpConfig *c = b->config;
  gboolean have_vnet = FALSE;
  MtpRule *r;

  if (c->iptables_logs)
    log_rule (b, "PREROUTING");

  for (guint i = 0; i < c->vnets->len && !full (b); i++)
    {
      const MtpVnet *vnet = c->vnets->pdata[i];
      g_autofree char *dns_comment = NULL;
      g_autofree char *tcp_comment = NULL;

      if (vnet->cidr.family != b->family)
        continue;
      have_vnet = TRUE;
      dns_comment = g_strdup_printf ("vnet/%s/dns", vnet->iface);
      tcp_comment = g_strdup_printf ("vnet/%s/outbound", vnet->iface);

      r = rule (b, MTP_TABLE_NAT, "PREROUTING", MTP_POSITION_INSERT, dns_comment);
      match_iface (r, MTP_MATCH_IN_IFACE, vnet->iface);
      match_proto (r, MTP_PROTO_UDP);
      match_port (r, MTP_MATCH_DPORT, DNS_PORT);
      target_redirect (r, c->redirect_dns_port);

      r = rule (b, MTP_TABLE_NAT, "PREROUTING", MTP_POSITION_INSERT, tcp_comment);
      match_cidr (r, MTP_MATCH_DESTINATION, TRUE, &vnet->cidr);
      match_iface (r, MTP_MATCH_IN_IFACE, vnet->iface);
      match_proto (r, MTP_PROTO_TCP);
      target_redirect (r, c->redirect_outbound_port);
    }

  r = rule (b, MTP_TABLE_NAT, "PREROUTING",
            have_vnet || c->inbound_insert ? MTP_POSITION_INSERT : MTP_POSITION_APPEND,
            "prerouting/inbound");
  match_proto (r, MTP_PROTO_TCP);
  target_jump (r, CHAIN_INBOUND);
}

static void
build_nat_output (Build *b)
{
  const MtpConfig *c = b->config;
  MtpRule *r;

  if (c->iptables_logs)
    log_rule (b, "OUTPUT");

  for (guint i = 0; i < c->exclude_outbound_ports_for_uids->len && !full (b); i++)
    build_uid_exclusion (b, c->exclude_outbound_ports_for_uids->pdata[i]);

  for (guint i = 0; i < c->exclude_outbound_ips->len && !full (b); i++)
    {
      const MtpCidr *ip = &g_array_index (c->exclude_outbound_ips, MtpCidr, i);

      if (ip->family != b->family)
        continue;
      r = rule (b, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT, "output/exclude-ip");
      match_cidr (r, MTP_MATCH_DESTINATION, FALSE, ip);
      target_simple (r, MTP_TARGET_RETURN);
    }

  if (b->dns)
    {
      gboolean docker = b->family == MTP_FAMILY_IPV4 ? b->facts->docker_output_ipv4
                                                     : b->facts->docker_output_ipv6;
      guint n = c->redirect_all_dns_traffic ? 1 : b->nameservers->len;

      /* The proxy's own upstream queries; on Docker hosts they must still reach
       * Docker's embedded resolver through its chain. */
      r = rule (b, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT, "output/dns-proxy-bypass");
      match_proto (r, MTP_PROTO_UDP);
      match_port (r, MTP_MATCH_DPORT, DNS_PORT);
      match_proxy_uid (b, r, FALSE);
      if (docker)
        target_jump (r, "DOCKER_OUTPUT");
      else
        target_simple (r, MTP_TARGET_RETURN);

      for (guint i = 0; i < n; i++)
        {
          r = rule (b, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_INSERT, "output/dns-redirect");
          if (!c->redirect_all_dns_traffic)
            match_cidr (r, MTP_MATCH_DESTINATION, FALSE,
                        &g_array_index (b->nameservers, MtpCidr, i));
          match_proto (r, MTP_PROTO_UDP);
          match_port (r, MTP_MATCH_DPORT, DNS_PORT);
          target_redirect (r, c->redirect_dns_port);
        }

      r = rule (b, MTP_TABLE_NAT, "OUTPUT", MTP_POSITION_APPEND, "output/dns-tcp-return");
      match_proto (r, MTP_PROTO_TCP);
      match_port (r, MTP_MATCH_DPORT, DNS_PORT);
      match_proxy_uid (b, r, TRUE);
      target_simple (r, MTP_TARGET_RETURN);
    }

  r = rule (b, MTP_TABLE_NAT, "OUTPUT",
            c->outbound_insert ? MTP_POSITION_INSERT : MTP_POSITION_APPEND, "output/outbound");
  match_proto (r, MTP_PROTO_TCP);
  target_jump (r, CHAIN_OUTBOUND);
}

static void
build_nat_inbound (Build *b)
{
  const MtpConfig *c = b->config;
  MtpRule *r;

  if (!c->redirect_inbound)
    {
      r = rule (b, MTP_TABLE_NAT, CHAIN_INBOUND, MTP_POSITION_APPEND, "inbound/disabled");
      match_proto (r, MTP_PROTO_TCP);
      target_simple (r, MTP_TARGET_RETURN);
      return;
    }

  for (guint i = 0; i < c->exclude_inbound_ips->len && !full (b); i++)
    {
      const MtpCidr *ip = &g_array_index (c->exclude_inbound_ips, MtpCidr, i);

      if (ip->family != b->family)
        continue;
      r = rule (b, MTP_TABLE_NAT, CHAIN_INBOUND, MTP_POSITION_APPEND, "inbound/exclude-ip");
      match_cidr (r, MTP_MATCH_SOURCE, FALSE, ip);
      target_simple (r, MTP_TARGET_RETURN);
    }

  build_port_exclusions (b, CHAIN_INBOUND, "inbound/exclude-port", c->exclude_inbound_ports);

  r = rule (b, MTP_TABLE_NAT, CHAIN_INBOUND, MTP_POSITION_APPEND, "inbound/redirect");
  match_proto (r, MTP_PROTO_TCP);
  target_jump (r, CHAIN_INBOUND_REDIRECT);
}

static void
build_nat_outbound (Build *b)
{
  const MtpConfig *c = b->config;
  const char *lo = b->facts->loopback;
  MtpRule *r;

  build_port_exclusions (b, CHAIN_OUTBOUND, "outbound/exclude-port", c->exclude_outbound_ports);

  /* The proxy connects to the local app from the passthrough address. */
  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/passthrough");
  match_cidr (r, MTP_MATCH_SOURCE, FALSE, &b->passthrough);
  match_iface (r, MTP_MATCH_OUT_IFACE, lo);
  target_simple (r, MTP_TARGET_RETURN);

  /* The proxy calling a local address: hairpin into the inbound listener. */
  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/hairpin");
  match_proto (r, MTP_PROTO_TCP);
  match_iface (r, MTP_MATCH_OUT_IFACE, lo);
  match_cidr (r, MTP_MATCH_DESTINATION, TRUE, &b->localhost);
  match_proxy_uid (b, r, FALSE);
  target_jump (r, CHAIN_INBOUND_REDIRECT);

  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/app-loopback");
  match_proto (r, MTP_PROTO_TCP);
  match_iface (r, MTP_MATCH_OUT_IFACE, lo);
  match_proxy_uid (b, r, TRUE);
  target_simple (r, MTP_TARGET_RETURN);

  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/proxy");
  match_proxy_uid (b, r, FALSE);
  target_simple (r, MTP_TARGET_RETURN);

  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/localhost");
  match_cidr (r, MTP_MATCH_DESTINATION, FALSE, &b->localhost);
  target_simple (r, MTP_TARGET_RETURN);

  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND, MTP_POSITION_APPEND, "outbound/redirect");
  target_jump (r, CHAIN_OUTBOUND_REDIRECT);
}

static void
build_nat (Build *b)
{
  const MtpConfig *c = b->config;
  MtpRule *r;

  mtp_ruleset_add_chain (b->ruleset, b->family, MTP_TABLE_NAT, CHAIN_INBOUND);
  mtp_ruleset_add_chain (b->ruleset, b->family, MTP_TABLE_NAT, CHAIN_OUTBOUND);
  mtp_ruleset_add_chain (b->ruleset, b->family, MTP_TABLE_NAT, CHAIN_INBOUND_REDIRECT);
  mtp_ruleset_add_chain (b->ruleset, b->family, MTP_TABLE_NAT, CHAIN_OUTBOUND_REDIRECT);

  build_nat_prerouting (b);
  build_nat_output (b);
  build_nat_inbound (b);
  build_nat_outbound (b);

  r = rule (b, MTP_TABLE_NAT, CHAIN_INBOUND_REDIRECT, MTP_POSITION_APPEND, "inbound/to-proxy");
  match_proto (r, MTP_PROTO_TCP);
  target_redirect (r, c->redirect_inbound_port);

  r = rule (b, MTP_TABLE_NAT, CHAIN_OUTBOUND_REDIRECT, MTP_POSITION_APPEND, "outbound/to-proxy");
  match_proto (r, MTP_PROTO_TCP);
  target_redirect (r, c->redirect_outbound_port);
}

static void
set_address (MtpCidr *cidr, MtpFamily family, guint8 last_byte)
{
  memset (cidr, 0, sizeof *cidr);
  cidr->family = family;
  cidr->prefix = mtp_family_addr_len (family) * 8;
  if (family == MTP_FAMILY_IPV4)
    {
      cidr->addr[0] = 127;
      cidr->addr[3] = last_byte;
    }
  else
    cidr->addr[15] = last_byte;
}

static void
build_family (const MtpConfig *config, const MtpHostFacts *facts, MtpRuleset *ruleset,
              MtpFamily family, Overflow *over)
{
  Build b = {
    .over = over,
    .config = config,
    .facts = facts,
    .ruleset = ruleset,
    .family = family,
    .nameservers = family == MTP_FAMILY_IPV4 ? facts->nameservers_ipv4 : facts->nameservers_ipv6,
  };

  set_address (&b.passthrough, family, 6);
  set_address (&b.localhost, family, 1);

  if (config->redirect_dns || config->redirect_all_dns_traffic)
    {
      b.dns = config->redirect_all_dns_traffic || b.nameservers->len > 0;
      if (!b.dns)
        mtp_ruleset_add_notice (ruleset,
                                _ ("DNS is not redirected for %s: resolv.conf lists no %s "
                                   "nameserver (use --redirect-all-dns-traffic to capture all "
                                   "DNS traffic)"),
                                family == MTP_FAMILY_IPV4 ? "IPv4" : "IPv6",
                                family == MTP_FAMILY_IPV4 ? "IPv4" : "IPv6");
    }

  build_raw (&b);
  build_mangle (&b);
  build_nat (&b);
}

/* The option whose rules a kind of rule is, for a message. */
static const char *
source_of (const char *kind)
{
  static const struct
  {
    const char *kind;
    const char *option;
  } sources[] = {
    { "vnet/", "--vnet" },
    { "output/exclude-ports-for-uids", "--exclude-outbound-ports-for-uids" },
    { "output/exclude-ip", "--exclude-outbound-ips" },
    { "inbound/exclude-ip", "--exclude-inbound-ips" },
    { "inbound/exclude-port", "--exclude-inbound-ports" },
    { "outbound/exclude-port", "--exclude-outbound-ports" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    if (g_str_has_prefix (kind, sources[i].kind))
      return sources[i].option;
  return kind;
}

/* The option (or kind) with the most rules in the set, and their number. */
static const char *
largest_source (const MtpRuleset *ruleset, guint *count)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *largest = kinds[0];

  *count = 0;
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const char *source = source_of (kinds[((MtpRule *)ruleset->rules->pdata[i])->rank]);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, source)) + 1;

      g_hash_table_insert (counts, (gpointer)source, GUINT_TO_POINTER (n));
      if (n > *count)
        {
          *count = n;
          largest = source;
        }
    }
  return largest;
}

MtpRuleset *
mtp_build_ruleset (const MtpConfig *config, const MtpHostFacts *facts, GError **error)
{
  g_autoptr (MtpRuleset) ruleset = mtp_ruleset_new ();
  Overflow over = { 0 };

  ruleset->loopback = g_strdup (facts->loopback);
  build_family (config, facts, ruleset, MTP_FAMILY_IPV4, &over);

  if (config->ip_family_mode == MTP_IP_FAMILY_MODE_IPV4)
    ; /* asked for: nothing to say */
  else if (!facts->ipv6_usable)
    mtp_ruleset_add_notice (ruleset, _ ("IPv6 rules are not installed: %s"),
                            facts->ipv6_reason ? facts->ipv6_reason : _ ("IPv6 is not usable"));
  else
    build_family (config, facts, ruleset, MTP_FAMILY_IPV6, &over);

  g_clear_pointer (&over.scratch, mtp_rule_free);
  if (over.kind != NULL)
    {
      g_autofree char *kind = g_steal_pointer (&over.kind);
      g_autofree char *reference = mtp_limit_reference ("rules");
      guint count;
      const char *source = largest_source (ruleset, &count);
      gboolean ports = !config->pack_ports && g_str_has_suffix (source, "-ports");

      g_debug ("the limit of rules was reached at a rule of kind '%s'", kind);
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("the rules would be more than %u (%s); most of them come from %s (%u within "
                      "the limit)%s"),
                   (guint)MTP_LIMIT_RULES, reference, source, count,
                   ports ? _ ("; --pack-ports puts up to 15 ports in one rule") : "");
      return NULL;
    }
  mtp_ruleset_finalize (ruleset);
  return g_steal_pointer (&ruleset);
}
