/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Value types shared by the configuration, the host facts and the rule model. */

typedef enum
{
  MTP_FAMILY_IPV4 = 4,
  MTP_FAMILY_IPV6 = 6,
} MtpFamily;

/* An address with a prefix length; a single address has the full length
 * (32 or 128). Bits past the prefix are zero. */
typedef struct
{
  MtpFamily family;
  guint8 prefix;
  guint8 addr[16]; /* network order; IPv4 uses the first 4 bytes */
} MtpCidr;

/* An inclusive range; a single value has first == last. */
typedef struct
{
  guint16 first;
  guint16 last;
} MtpPortRange;

typedef struct
{
  guint32 first;
  guint32 last;
} MtpUidRange;

/* Bit set of transport protocols. */
typedef enum
{
  MTP_PROTO_TCP = 1 << 0,
  MTP_PROTO_UDP = 1 << 1,
  MTP_PROTO_ALL = MTP_PROTO_TCP | MTP_PROTO_UDP,
} MtpProtoSet;

/* One --exclude-outbound-ports-for-uids value: [proto:][ports:]uids. */
typedef struct
{
  MtpProtoSet protocols;
  GArray *ports; /* of MtpPortRange, in the order given */
  MtpUidRange uids;
} MtpUidPortExclusion;

/* One --vnet value: IFACE:CIDR. */
typedef struct
{
  char *iface; /* may end in '+' */
  MtpCidr cidr;
} MtpVnet;

#define MTP_IFNAMSIZ 16 /* IFNAMSIZ, including the NUL */

const char *mtp_family_to_string (MtpFamily family); /* "ipv4" / "ipv6" */
guint mtp_family_addr_len (MtpFamily family);        /* 4 or 16 */

/* "A.B.C.D/N" or "X::Y/N"; the prefix is omitted when full unless always_prefix
 * is set. iptables prints addresses with the prefix, so renderers set it. */
char *mtp_cidr_to_string (const MtpCidr *cidr, gboolean always_prefix);
gboolean mtp_cidr_equal (const MtpCidr *a, const MtpCidr *b);
/* A set of CIDRs (a GHashTable), to keep lists free of duplicates in linear
 * time; add returns whether cidr was not in it yet. */
GHashTable *mtp_cidr_set_new (void);
gboolean mtp_cidr_set_add (GHashTable *set, const MtpCidr *cidr);
/* Whether the address is in 127.0.0.0/8 or is ::1. */
gboolean mtp_cidr_is_loopback (const MtpCidr *cidr);

void mtp_uid_port_exclusion_free (MtpUidPortExclusion *exclusion);
void mtp_vnet_free (MtpVnet *vnet);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpUidPortExclusion, mtp_uid_port_exclusion_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpVnet, mtp_vnet_free)

G_END_DECLS
