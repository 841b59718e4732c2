/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-error.h"
#include "mtp-parse.h"

/* The option-value parsers. The first byte picks the parser ('0'-'9', other
 * bytes modulo 10), the rest up to a NUL is the value. Each parser either
 * fails with MTP_ERROR_INVALID_ARGS and leaves its output alone, or gives a
 * value that keeps its documented invariants and that, written back in the
 * canonical form, parses to the same value. */

enum
{
  PORT,
  PORT_LIST,
  PORT_RANGE_LIST,
  UID_RANGE,
  CIDR,
  CIDR_LIST,
  IFACE,
  IFACE_WILDCARD,
  UID_PORT_EXCLUSION,
  VNET,
  N_PARSERS,
};

#define UID_MAX_VALID 4294967294u

static void
check_error (const GError *error, const char *text)
{
  FUZZ_CHECK (error != NULL, "'%s' refused without an error", text);
  FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS),
              "'%s': unexpected error: %s", text, error->message);
  FUZZ_CHECK (*error->message != '\0', "'%s': empty message", text);
}

/* Parsing text again must succeed (the canonical form is valid). */
#define CHECK_REPARSED(ok, text, error)                                                            \
  FUZZ_CHECK ((ok), "the canonical form '%s' does not parse: %s", (text),                          \
              (error) != NULL ? (error)->message : "")

static char *
format_range (guint first, guint last)
{
  return first == last ? g_strdup_printf ("%u", first) : g_strdup_printf ("%u-%u", first, last);
}

static char *
format_port_ranges (const GArray *ranges)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ranges->len; i++)
    {
      const MtpPortRange *r = &g_array_index (ranges, MtpPortRange, i);
      g_autofree char *range = format_range (r->first, r->last);

      FUZZ_CHECK (r->first >= 1 && r->first <= r->last, "bad port range %u-%u", r->first, r->last);
      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", range);
    }
  return g_string_free (out, FALSE);
}

static gboolean
port_ranges_equal (const GArray *a, const GArray *b)
{
  return a->len == b->len
         && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (MtpPortRange)) == 0);
}

static void
check_cidr (const MtpCidr *cidr)
{
  guint len = mtp_family_addr_len (cidr->family);

  FUZZ_CHECK (cidr->family == MTP_FAMILY_IPV4 || cidr->family == MTP_FAMILY_IPV6, "family %d",
              cidr->family);
  FUZZ_CHECK (cidr->prefix <= len * 8, "prefix %u", cidr->prefix);
  for (guint bit = cidr->prefix; bit < len * 8; bit++)
    FUZZ_CHECK ((cidr->addr[bit / 8] & (0x80 >> (bit % 8))) == 0, "host bit %u set", bit);
}

static char *
format_cidrs (const GArray *cidrs)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < cidrs->len; i++)
    {
      const MtpCidr *cidr = &g_array_index (cidrs, MtpCidr, i);
      g_autofree char *s = mtp_cidr_to_string (cidr, i % 2 == 1);

      check_cidr (cidr);
      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", s);
    }
  return g_string_free (out, FALSE);
}

static gboolean
cidrs_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!mtp_cidr_equal (&g_array_index (a, MtpCidr, i), &g_array_index (b, MtpCidr, i)))
      return FALSE;
  return TRUE;
}

/* The documented rules, checked independently of the parser. */
static gboolean
iface_is_valid (const char *text, gboolean allow_wildcard)
{
  size_t len = strlen (text);

  if (len == 0 || len >= MTP_IFNAMSIZ || strcmp (text, ".") == 0 || strcmp (text, "..") == 0
      || text[0] == '-' || strcmp (text, "+") == 0)
    return FALSE;
  for (size_t i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '+' && i + 1 == len && allow_wildcard)
        continue;
      /* The one alphabet of rules (mtp-token.h). */
      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '.')
        return FALSE;
    }
  return TRUE;
}

static void
fuzz_port (const char *text)
{
  g_autoptr (GError) error = NULL;
  guint16 port = 0xbeef, again = 0;
  g_autofree char *canonical = NULL;

  if (!mtp_parse_port (text, &port, &error))
    {
      check_error (error, text);
      FUZZ_CHECK (port == 0xbeef, "'%s': output changed on failure", text);
      return;
    }
  FUZZ_CHECK (port >= 1, "'%s': port 0", text);
  for (const char *p = text; *p != '\0'; p++)
    FUZZ_CHECK (g_ascii_isdigit (*p), "'%s' accepted as a port", text);
  canonical = g_strdup_printf ("%u", port);
  CHECK_REPARSED (mtp_parse_port (canonical, &again, &error), canonical, error);
  FUZZ_CHECK (again == port, "'%s': %u, then %u", text, port, again);
}

static void
fuzz_port_list (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ports = mtp_parse_port_list (text, &error);
  g_autoptr (GArray) again = NULL;
  g_autoptr (GString) canonical = g_string_new (NULL);

  if (ports == NULL)
    {
      check_error (error, text);
      return;
    }
  for (guint i = 0; i < ports->len; i++)
    {
      guint16 port = g_array_index (ports, guint16, i);

      FUZZ_CHECK (port >= 1, "'%s': port 0", text);
      for (guint j = 0; j < i; j++)
        FUZZ_CHECK (g_array_index (ports, guint16, j) != port, "'%s': %u twice", text, port);
      g_string_append_printf (canonical, "%s%u", i > 0 ? "," : "", port);
    }
  again = mtp_parse_port_list (canonical->str, &error);
  CHECK_REPARSED (again != NULL, canonical->str, error);
  FUZZ_CHECK (again->len == ports->len
                  && (ports->len == 0
                      || memcmp (again->data, ports->data, ports->len * sizeof (guint16)) == 0),
              "'%s' and '%s' differ", text, canonical->str);
}

static void
fuzz_port_range_list (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ranges = mtp_parse_port_range_list (text, &error);
  g_autoptr (GArray) again = NULL;
  g_autofree char *canonical = NULL;

  if (ranges == NULL)
    {
      check_error (error, text);
      return;
    }
  canonical = format_port_ranges (ranges);
  again = mtp_parse_port_range_list (canonical, &error);
  CHECK_REPARSED (again != NULL, canonical, error);
  FUZZ_CHECK (port_ranges_equal (ranges, again), "'%s' and '%s' differ", text, canonical);
}

static void
fuzz_uid_range (const char *text)
{
  g_autoptr (GError) error = NULL;
  MtpUidRange uids = { 7, 7 }, again = { 0 };
  g_autofree char *canonical = NULL;

  if (!mtp_parse_uid_range (text, &uids, &error))
    {
      check_error (error, text);
      FUZZ_CHECK (uids.first == 7 && uids.last == 7, "'%s': output changed on failure", text);
      return;
    }
  FUZZ_CHECK (uids.first <= uids.last && uids.last <= UID_MAX_VALID, "'%s': %u-%u", text,
              uids.first, uids.last);
  canonical = format_range (uids.first, uids.last);
  CHECK_REPARSED (mtp_parse_uid_range (canonical, &again, &error), canonical, error);
  FUZZ_CHECK (again.first == uids.first && again.last == uids.last, "'%s' and '%s' differ", text,
              canonical);
}

static void
fuzz_cidr (const char *text)
{
  static const MtpCidr sentinel = { MTP_FAMILY_IPV6, 99, { 0xaa } };
  g_autoptr (GError) error = NULL;
  MtpCidr cidr = sentinel;

  if (!mtp_parse_cidr (text, &cidr, &error))
    {
      check_error (error, text);
      FUZZ_CHECK (memcmp (&cidr, &sentinel, sizeof cidr) == 0, "'%s': output changed on failure",
                  text);
      return;
    }
  check_cidr (&cidr);
  for (int always_prefix = 0; always_prefix <= 1; always_prefix++)
    {
      g_autofree char *canonical = mtp_cidr_to_string (&cidr, always_prefix);
      MtpCidr again;

      CHECK_REPARSED (mtp_parse_cidr (canonical, &again, &error), canonical, error);
      FUZZ_CHECK (mtp_cidr_equal (&cidr, &again), "'%s' and '%s' differ", text, canonical);
    }
}

static void
fuzz_cidr_list (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) cidrs = mtp_parse_cidr_list (text, &error);
  g_autoptr (GArray) again = NULL;
  g_autofree char *canonical = NULL;

  if (cidrs == NULL)
    {
      check_error (error, text);
      return;
    }
  canonical = format_cidrs (cidrs);
  again = mtp_parse_cidr_list (canonical, &error);
  CHECK_REPARSED (again != NULL, canonical, error);
  FUZZ_CHECK (cidrs_equal (cidrs, again), "'%s' and '%s' differ", text, canonical);
}

static void
fuzz_iface (const char *text, gboolean allow_wildcard)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = mtp_parse_iface (text, allow_wildcard, &error);

  FUZZ_CHECK (ok == iface_is_valid (text, allow_wildcard), "'%s' %s as an interface name", text,
              ok ? "accepted" : "refused");
  if (!ok)
    check_error (error, text);
}

static const char *
format_protocols (MtpProtoSet protocols)
{
  switch (protocols)
    {
      case MTP_PROTO_TCP:
        return "tcp";
      case MTP_PROTO_UDP:
        return "udp";
      case MTP_PROTO_ALL:
        return "tcp,udp";
      default:
        fuzz_fail (__FILE__, __LINE__, "a known protocol set", "protocols %d", protocols);
    }
}

static void
fuzz_uid_port_exclusion (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpUidPortExclusion) ex = mtp_parse_uid_port_exclusion (text, &error);
  g_autoptr (MtpUidPortExclusion) again = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *uids = NULL;
  g_autofree char *canonical = NULL;

  if (ex == NULL)
    {
      check_error (error, text);
      return;
    }
  FUZZ_CHECK (ex->ports->len > 0, "'%s': no ports", text);
  FUZZ_CHECK (ex->uids.first <= ex->uids.last && ex->uids.last <= UID_MAX_VALID, "'%s': %u-%u",
              text, ex->uids.first, ex->uids.last);
  ports = format_port_ranges (ex->ports);
  uids = format_range (ex->uids.first, ex->uids.last);
  canonical = g_strdup_printf ("%s:%s:%s", format_protocols (ex->protocols), ports, uids);
  again = mtp_parse_uid_port_exclusion (canonical, &error);
  CHECK_REPARSED (again != NULL, canonical, error);
  FUZZ_CHECK (again->protocols == ex->protocols && port_ranges_equal (again->ports, ex->ports)
                  && again->uids.first == ex->uids.first && again->uids.last == ex->uids.last,
              "'%s' and '%s' differ", text, canonical);
}

static void
fuzz_vnet (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpVnet) vnet = mtp_parse_vnet (text, &error);
  g_autoptr (MtpVnet) again = NULL;
  g_autofree char *cidr = NULL;
  g_autofree char *canonical = NULL;

  if (vnet == NULL)
    {
      check_error (error, text);
      return;
    }
  FUZZ_CHECK (iface_is_valid (vnet->iface, TRUE), "'%s': interface '%s'", text, vnet->iface);
  check_cidr (&vnet->cidr);
  cidr = mtp_cidr_to_string (&vnet->cidr, FALSE);
  canonical = g_strdup_printf ("%s:%s", vnet->iface, cidr);
  again = mtp_parse_vnet (canonical, &error);
  CHECK_REPARSED (again != NULL, canonical, error);
  FUZZ_CHECK (strcmp (again->iface, vnet->iface) == 0 && mtp_cidr_equal (&again->cidr, &vnet->cidr),
              "'%s' and '%s' differ", text, canonical);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;

  if (size == 0)
    return 0;
  fuzz_init ();
  text = fuzz_string (data + 1, size - 1);
  switch ((guint8)(data[0] - '0') % N_PARSERS)
    {
      case PORT:
        fuzz_port (text);
        break;
      case PORT_LIST:
        fuzz_port_list (text);
        break;
      case PORT_RANGE_LIST:
        fuzz_port_range_list (text);
        break;
      case UID_RANGE:
        fuzz_uid_range (text);
        break;
      case CIDR:
        fuzz_cidr (text);
        break;
      case CIDR_LIST:
        fuzz_cidr_list (text);
        break;
      case IFACE:
        fuzz_iface (text, FALSE);
        break;
      case IFACE_WILDCARD:
        fuzz_iface (text, TRUE);
        break;
      case UID_PORT_EXCLUSION:
        fuzz_uid_port_exclusion (text);
        break;
      case VNET:
      default:
        fuzz_vnet (text);
        break;
    }
  return 0;
}
