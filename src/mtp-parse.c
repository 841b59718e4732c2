/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mtp-parse.h"
#include "mtp-token.h"
#include "mtp-error.h"
#include "mtp-limits.h"

#define UID_MAX_VALID G_GUINT64_CONSTANT (4294967294) /* 4294967295 is (uid_t)-1 */

typedef enum
{
  DECIMAL_OK,
  DECIMAL_EMPTY,
  DECIMAL_NOT_DECIMAL,
  DECIMAL_OUT_OF_RANGE,
} DecimalResult;

/* Plain decimal digits only: strtoul() would take signs, leading white space
 * and (with base 0) hex, none of which the options accept. Saturates instead
 * of overflowing, so overlong digit strings are simply out of range. */
static DecimalResult
parse_decimal (const char *text, guint64 min, guint64 max, guint64 *out)
{
  guint64 value = 0;
  gboolean too_big = FALSE;

  if (*text == '\0')
    return DECIMAL_EMPTY;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return DECIMAL_NOT_DECIMAL;
      /* max is far below G_MAXUINT64 / 10, so this cannot wrap. */
      if (!too_big)
        {
          value = value * 10 + (guint64)(*p - '0');
          too_big = value > max;
        }
    }
  if (too_big || value < min)
    return DECIMAL_OUT_OF_RANGE;
  *out = value;
  return DECIMAL_OK;
}

gboolean
mtp_parse_check_count (guint n, GError **error)
{
  g_autofree char *reference = NULL;

  if (n <= MTP_LIMIT_OPTION_VALUES)
    return TRUE;
  reference = mtp_limit_reference ("option-values");
  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("%u values, more than %u (%s)"), n,
               (guint)MTP_LIMIT_OPTION_VALUES, reference);
  return FALSE;
}

/* Splits a comma-separated list. "" is no elements; an empty element (",,",
 * a leading or trailing comma) is an error rather than silently skipped. */
static GStrv
split_list (const char *text, GError **error)
{
  g_auto (GStrv) elements = NULL;

  if (*text == '\0')
    return g_new0 (char *, 1);
  elements = g_strsplit (text, ",", -1);
  if (!mtp_parse_check_count (g_strv_length (elements), error))
    return NULL;
  for (guint i = 0; elements[i] != NULL; i++)
    {
      if (*elements[i] == '\0')
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("empty element in list '%s'"),
                       text);
          return NULL;
        }
    }
  return g_steal_pointer (&elements);
}

gboolean
mtp_parse_port (const char *text, guint16 *out, GError **error)
{
  guint64 value = 0;

  switch (parse_decimal (text, 1, G_MAXUINT16, &value))
    {
      case DECIMAL_OK:
        *out = (guint16)value;
        return TRUE;
      case DECIMAL_EMPTY:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("invalid port '%s': empty"),
                     text);
        return FALSE;
      case DECIMAL_NOT_DECIMAL:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid port '%s': not a decimal number"), text);
        return FALSE;
      case DECIMAL_OUT_OF_RANGE:
      default:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("port '%s' is out of range (1-65535)"), text);
        return FALSE;
    }
}

GArray *
mtp_parse_port_list (const char *text, GError **error)
{
  g_auto (GStrv) elements = split_list (text, error);
  g_autoptr (GArray) ports = NULL;
  guint32 seen[65536 / 32] = { 0 };

  if (elements == NULL)
    return NULL;
  ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  for (guint i = 0; elements[i] != NULL; i++)
    {
      guint16 port;

      if (!mtp_parse_port (elements[i], &port, error))
        return NULL;
      /* Duplicates are dropped; a bitmap of the 65536 ports keeps long
       * lists linear. */
      if (seen[port / 32] & (1u << (port % 32)))
        continue;
      seen[port / 32] |= 1u << (port % 32);
      g_array_append_val (ports, port);
    }
  return g_steal_pointer (&ports);
}

static gboolean
parse_port_range (const char *text, MtpPortRange *out, GError **error)
{
  const char *dash = strchr (text, '-');
  g_autofree char *first_text = NULL;
  guint16 first, last;

  if (dash == NULL)
    {
      if (!mtp_parse_port (text, &first, error))
        return FALSE;
      out->first = out->last = first;
      return TRUE;
    }
  /* Checked before the halves so that "-1" does not read as "port ''". */
  if (strchr (dash + 1, '-') != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid port range '%s': expected a port or a range 'first-last'"), text);
      return FALSE;
    }
  if (dash == text)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid port range '%s': missing first port"), text);
      return FALSE;
    }
  if (dash[1] == '\0')
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid port range '%s': missing last port"), text);
      return FALSE;
    }
  first_text = g_strndup (text, (gsize)(dash - text));
  if (!mtp_parse_port (first_text, &first, error) || !mtp_parse_port (dash + 1, &last, error))
    return FALSE;
  if (first > last)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid port range '%s': start %u is greater than end %u"), text,
                   (guint)first, (guint)last);
      return FALSE;
    }
  out->first = first;
  out->last = last;
  return TRUE;
}

GArray *
mtp_parse_port_range_list (const char *text, GError **error)
{
  g_auto (GStrv) elements = split_list (text, error);
  g_autoptr (GArray) ranges = NULL;
  g_autoptr (GHashTable) seen = NULL;

  if (elements == NULL)
    return NULL;
  ranges = g_array_new (FALSE, FALSE, sizeof (MtpPortRange));
  seen = g_hash_table_new (g_direct_hash, NULL);
  for (guint i = 0; elements[i] != NULL; i++)
    {
      MtpPortRange range;

      if (!parse_port_range (elements[i], &range, error))
        return NULL;
      /* Never 0: a port is at least 1. */
      if (!g_hash_table_add (seen, GUINT_TO_POINTER ((guint)range.first << 16 | range.last)))
        continue;
      g_array_append_val (ranges, range);
    }
  return g_steal_pointer (&ranges);
}

static gboolean
parse_uid (const char *text, guint32 *out, GError **error)
{
  guint64 value = 0;

  switch (parse_decimal (text, 0, UID_MAX_VALID, &value))
    {
      case DECIMAL_OK:
        *out = (guint32)value;
        return TRUE;
      case DECIMAL_EMPTY:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("invalid UID '%s': empty"), text);
        return FALSE;
      case DECIMAL_NOT_DECIMAL:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid UID '%s': not a decimal number"), text);
        return FALSE;
      case DECIMAL_OUT_OF_RANGE:
      default:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid UID '%s': out of range (0-4294967294)"), text);
        return FALSE;
    }
}

gboolean
mtp_parse_uid_range (const char *text, MtpUidRange *out, GError **error)
{
  const char *dash;
  g_autofree char *first_text = NULL;
  guint32 first, last;

  /* Kuma accepts "*" for ports but not for UIDs: excluding every user would
   * exclude the sidecar's own traffic too. */
  if (strcmp (text, "*") == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("wildcard '*' is not allowed for UIDs"));
      return FALSE;
    }
  if (strchr (text, ',') != NULL)
    {
      g_set_error (
          error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
          _ ("invalid UIDs '%s': expected a single UID or a range 'first-last', not a list"), text);
      return FALSE;
    }

  dash = strchr (text, '-');
  if (dash == NULL)
    {
      if (!parse_uid (text, &first, error))
        return FALSE;
      out->first = out->last = first;
      return TRUE;
    }
  if (strchr (dash + 1, '-') != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid UID range '%s': expected a UID or a range 'first-last'"), text);
      return FALSE;
    }
  if (dash == text)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid UID range '%s': missing first UID"), text);
      return FALSE;
    }
  if (dash[1] == '\0')
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid UID range '%s': missing last UID"), text);
      return FALSE;
    }
  first_text = g_strndup (text, (gsize)(dash - text));
  if (!parse_uid (first_text, &first, error) || !parse_uid (dash + 1, &last, error))
    return FALSE;
  if (first > last)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid UID range '%s': start %u is greater than end %u"), text,
                   (guint)first, (guint)last);
      return FALSE;
    }
  out->first = first;
  out->last = last;
  return TRUE;
}

/* Whether text has only digits and dots: an IPv4 address that inet_pton()
 * refused, most likely the "10.1" shorthand inet_aton() would take. */
static gboolean
looks_like_ipv4 (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) && *p != '.')
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_address (const char *text, MtpCidr *out, GError **error)
{
  /* inet_pton() picks the family by the presence of ':' as well. */
  gboolean ipv6 = strchr (text, ':') != NULL;

  if (inet_pton (ipv6 ? AF_INET6 : AF_INET, text, out->addr) == 1)
    {
      out->family = ipv6 ? MTP_FAMILY_IPV6 : MTP_FAMILY_IPV4;
      return TRUE;
    }
  if (*text == '\0')
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("invalid address '%s': empty"), text);
  else if (ipv6)
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                 _ ("invalid IPv6 address '%s': not in the form 'X:X::X'"), text);
  else if (looks_like_ipv4 (text))
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                 _ ("invalid IPv4 address '%s': expected four decimal parts 0-255 "
                    "(no shorthand, no leading zeros)"),
                 text);
  else
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                 _ ("invalid address '%s': not an IPv4 or IPv6 address"), text);
  return FALSE;
}

gboolean
mtp_parse_cidr (const char *text, MtpCidr *out, GError **error)
{
  const char *slash = strchr (text, '/');
  g_autofree char *addr_text = NULL;
  MtpCidr cidr = { 0 };
  MtpCidr network;
  guint full;
  guint64 prefix = 0;

  /* inet_pton() refuses these too, but with a less helpful message. */
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        {
          g_autofree char *escaped = g_strescape (text, NULL);

          g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                       _ ("invalid address '%s': contains white space"), escaped);
          return FALSE;
        }
    }
  if (strpbrk (text, "[]") != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid address '%s': brackets are not allowed"), text);
      return FALSE;
    }
  if (strchr (text, '%') != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid address '%s': zone indexes are not supported"), text);
      return FALSE;
    }

  if (slash == text)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid address '%s': missing address before '/'"), text);
      return FALSE;
    }
  addr_text = slash != NULL ? g_strndup (text, (gsize)(slash - text)) : g_strdup (text);
  if (!parse_address (addr_text, &cidr, error))
    return FALSE;

  full = mtp_family_addr_len (cidr.family) * 8;
  if (slash == NULL)
    prefix = full;
  else
    {
      switch (parse_decimal (slash + 1, 0, full, &prefix))
        {
          case DECIMAL_OK:
            break;
          case DECIMAL_EMPTY:
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                         _ ("invalid prefix length in '%s': empty"), text);
            return FALSE;
          case DECIMAL_NOT_DECIMAL:
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                         _ ("invalid prefix length in '%s': not a decimal number"), text);
            return FALSE;
          case DECIMAL_OUT_OF_RANGE:
          default:
            g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                         _ ("invalid prefix length in '%s': out of range (0-%u)"), text, full);
            return FALSE;
        }
    }
  cidr.prefix = (guint8)prefix;

  /* Silently masking would hide a typo in the address or the prefix. */
  network = cidr;
  for (guint i = 0; i < full / 8; i++)
    {
      guint bits = cidr.prefix > i * 8 ? cidr.prefix - i * 8 : 0;

      if (bits < 8)
        network.addr[i] &= (guint8)(0xff << (8 - bits));
    }
  if (!mtp_cidr_equal (&cidr, &network))
    {
      g_autofree char *suggestion = mtp_cidr_to_string (&network, TRUE);

      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("'%s' has host bits set; did you mean '%s'?"), text, suggestion);
      return FALSE;
    }

  *out = cidr;
  return TRUE;
}

GArray *
mtp_parse_cidr_list (const char *text, GError **error)
{
  g_auto (GStrv) elements = split_list (text, error);
  g_autoptr (GArray) cidrs = NULL;
  g_autoptr (GHashTable) seen = NULL;

  if (elements == NULL)
    return NULL;
  cidrs = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  seen = mtp_cidr_set_new ();
  for (guint i = 0; elements[i] != NULL; i++)
    {
      MtpCidr cidr;

      if (!mtp_parse_cidr (elements[i], &cidr, error))
        return NULL;
      if (mtp_cidr_set_add (seen, &cidr))
        g_array_append_val (cidrs, cidr);
    }
  return g_steal_pointer (&cidrs);
}

gboolean
mtp_parse_iface (const char *text, gboolean allow_wildcard, GError **error)
{
  return mtp_token_check (allow_wildcard ? MTP_TOKEN_IFACE_WILDCARD : MTP_TOKEN_IFACE, text, error);
}

static gboolean
parse_protocols (const char *text, MtpProtoSet *out, GError **error)
{
  if (strcmp (text, "*") == 0 || strcmp (text, "tcp,udp") == 0 || strcmp (text, "udp,tcp") == 0)
    *out = MTP_PROTO_ALL;
  else if (strcmp (text, "tcp") == 0)
    *out = MTP_PROTO_TCP;
  else if (strcmp (text, "udp") == 0)
    *out = MTP_PROTO_UDP;
  else
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid protocol '%s': expected 'tcp', 'udp', 'tcp,udp' or '*'"), text);
      return FALSE;
    }
  return TRUE;
}

MtpUidPortExclusion *
mtp_parse_uid_port_exclusion (const char *text, GError **error)
{
  /* Split on every ':' like Kuma: the parts are positional from the end. */
  g_auto (GStrv) parts = g_strsplit (text, ":", -1);
  guint n_parts = g_strv_length (parts);
  const char *proto_text = "*";
  const char *ports_text = "*";
  const char *uids_text = text;
  MtpProtoSet protocols;
  g_autoptr (GArray) ports = NULL;
  MtpUidRange uids;
  MtpUidPortExclusion *exclusion;

  switch (n_parts)
    {
      case 0: /* g_strsplit() gives no parts for "" */
      case 1:
        break;
      case 2:
        ports_text = parts[0];
        uids_text = parts[1];
        break;
      case 3:
        proto_text = parts[0];
        ports_text = parts[1];
        uids_text = parts[2];
        break;
      default:
        g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                     _ ("invalid exclusion '%s': expected the format [protocol:][ports:]uids"),
                     text);
        return NULL;
    }

  if (!parse_protocols (proto_text, &protocols, error))
    return NULL;

  if (strcmp (ports_text, "*") == 0 || *ports_text == '\0')
    {
      MtpPortRange all = { 1, G_MAXUINT16 };

      ports = g_array_new (FALSE, FALSE, sizeof (MtpPortRange));
      g_array_append_val (ports, all);
    }
  else
    {
      ports = mtp_parse_port_range_list (ports_text, error);
      if (ports == NULL)
        return NULL;
    }

  if (*uids_text == '\0')
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid exclusion '%s': missing UIDs; expected the format "
                      "[protocol:][ports:]uids"),
                   text);
      return NULL;
    }
  if (!mtp_parse_uid_range (uids_text, &uids, error))
    return NULL;

  exclusion = g_new0 (MtpUidPortExclusion, 1);
  exclusion->protocols = protocols;
  exclusion->ports = g_steal_pointer (&ports);
  exclusion->uids = uids;
  return exclusion;
}

MtpVnet *
mtp_parse_vnet (const char *text, GError **error)
{
  /* Interface names cannot hold ':', so the first one splits even when the
   * CIDR is IPv6. */
  const char *colon = strchr (text, ':');
  g_autofree char *iface = NULL;
  MtpCidr cidr;
  MtpVnet *vnet;

  if (colon == NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid vnet '%s': expected the format IFACE:CIDR"), text);
      return NULL;
    }
  if (colon == text)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid vnet '%s': missing interface name before ':'"), text);
      return NULL;
    }
  if (colon[1] == '\0')
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("invalid vnet '%s': missing CIDR after ':'"), text);
      return NULL;
    }

  iface = g_strndup (text, (gsize)(colon - text));
  if (!mtp_parse_iface (iface, TRUE, error))
    return NULL;
  if (!mtp_parse_cidr (colon + 1, &cidr, error))
    return NULL;

  vnet = g_new0 (MtpVnet, 1);
  vnet->iface = g_steal_pointer (&iface);
  vnet->cidr = cidr;
  return vnet;
}
