/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "mtp-types.h"

const char *
mtp_family_to_string (MtpFamily family)
{
  return family == MTP_FAMILY_IPV6 ? "ipv6" : "ipv4";
}

guint
mtp_family_addr_len (MtpFamily family)
{
  return family == MTP_FAMILY_IPV6 ? 16 : 4;
}

char *
mtp_cidr_to_string (const MtpCidr *cidr, gboolean always_prefix)
{
  char buf[INET6_ADDRSTRLEN];
  int af = cidr->family == MTP_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  guint full = mtp_family_addr_len (cidr->family) * 8;

  if (inet_ntop (af, cidr->addr, buf, sizeof buf) == NULL)
    g_assert_not_reached ();
  if (!always_prefix && cidr->prefix == full)
    return g_strdup (buf);
  return g_strdup_printf ("%s/%u", buf, cidr->prefix);
}

gboolean
mtp_cidr_equal (const MtpCidr *a, const MtpCidr *b)
{
  return a->family == b->family && a->prefix == b->prefix
         && memcmp (a->addr, b->addr, mtp_family_addr_len (a->family)) == 0;
}

static guint
cidr_hash (gconstpointer key)
{
  const MtpCidr *cidr = key;
  guint h = (guint)cidr->family * 131u + cidr->prefix;

  for (guint i = 0; i < mtp_family_addr_len (cidr->family); i++)
    h = h * 31u + cidr->addr[i];
  return h;
}

static gboolean
cidr_equal (gconstpointer a, gconstpointer b)
{
  return mtp_cidr_equal (a, b);
}

GHashTable *
mtp_cidr_set_new (void)
{
  return g_hash_table_new_full (cidr_hash, cidr_equal, g_free, NULL);
}

gboolean
mtp_cidr_set_add (GHashTable *set, const MtpCidr *cidr)
{
  if (g_hash_table_contains (set, cidr))
    return FALSE;
  g_hash_table_add (set, g_memdup2 (cidr, sizeof *cidr));
  return TRUE;
}

gboolean
mtp_cidr_is_loopback (const MtpCidr *cidr)
{
  static const guint8 v6_loopback[16] = { [15] = 1 };

  if (cidr->family == MTP_FAMILY_IPV4)
    return cidr->addr[0] == 127;
  return memcmp (cidr->addr, v6_loopback, 16) == 0;
}

void
mtp_uid_port_exclusion_free (MtpUidPortExclusion *exclusion)
{
  if (exclusion == NULL)
    return;
  g_clear_pointer (&exclusion->ports, g_array_unref);
  g_free (exclusion);
}

void
mtp_vnet_free (MtpVnet *vnet)
{
  if (vnet == NULL)
    return;
  g_free (vnet->iface);
  g_free (vnet);
}
