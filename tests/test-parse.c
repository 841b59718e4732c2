/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "mtp-error.h"
#include "mtp-parse.h"

/* An invalid input: the quoted value the message must name (NULL: the text
 * itself) and a phrase that says what is wrong. */
typedef struct
{
  const char *text;
  const char *quoted;
  const char *phrase;
} Invalid;

static void
assert_invalid (const GError *error, const Invalid *c)
{
  g_autofree char *quoted = g_strdup_printf ("'%s'", c->quoted != NULL ? c->quoted : c->text);
  g_autofree char *escaped = g_strescape (c->text, NULL);
  size_t len;

  g_test_message ("'%s' -> %s", escaped, error != NULL ? error->message : "(no error)");
  g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, quoted));
  g_assert_nonnull (strstr (error->message, c->phrase));
  /* House style: lower-case start, no trailing period. */
  len = strlen (error->message);
  g_assert_cmpuint (len, >, 0);
  g_assert_false (g_ascii_isupper (error->message[0]));
  g_assert_cmpint (error->message[len - 1], !=, '.');
}

static void
assert_cidr (const MtpCidr *cidr, MtpFamily family, guint prefix, const guint8 *addr)
{
  g_assert_cmpint (cidr->family, ==, family);
  g_assert_cmpuint (cidr->prefix, ==, prefix);
  g_assert_cmpmem (cidr->addr, mtp_family_addr_len (family), addr, mtp_family_addr_len (family));
}

/* Ports */

static const Invalid port_invalid[] = {
  { "", NULL, "empty" },
  { "0", NULL, "out of range (1-65535)" },
  { "65536", NULL, "out of range" },
  { "70000", NULL, "out of range" },
  { "99999999999999999999999999", NULL, "out of range" },
  { "abc", NULL, "not a decimal number" },
  { "+5", NULL, "not a decimal number" },
  { "-1", NULL, "not a decimal number" },
  { " 22", NULL, "not a decimal number" },
  { "22 ", NULL, "not a decimal number" },
  { "0x10", NULL, "not a decimal number" },
  { "1e3", NULL, "not a decimal number" },
  { "22,80", NULL, "not a decimal number" },
};

static void
test_port_valid (void)
{
  static const struct
  {
    const char *text;
    guint16 port;
  } cases[] = {
    { "1", 1 }, { "22", 22 }, { "8080", 8080 }, { "65535", 65535 }, { "00443", 443 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      guint16 port = 0;

      g_assert_true (mtp_parse_port (cases[i].text, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (port, ==, cases[i].port);
    }
}

static void
test_port_invalid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (port_invalid); i++)
    {
      g_autoptr (GError) error = NULL;
      guint16 port = 1234;

      g_assert_false (mtp_parse_port (port_invalid[i].text, &port, &error));
      assert_invalid (error, &port_invalid[i]);
      g_assert_cmpuint (port, ==, 1234); /* untouched on failure */
    }
}

static void
test_port_list_valid (void)
{
  static const struct
  {
    const char *text;
    guint n;
    guint16 ports[4];
  } cases[] = {
    { "", 0, { 0 } },
    { "22", 1, { 22 } },
    { "22,443", 2, { 22, 443 } },
    { "443,22,443,80,22", 3, { 443, 22, 80 } }, /* duplicates dropped, order kept */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) ports = mtp_parse_port_list (cases[i].text, &error);

      g_assert_no_error (error);
      g_assert_nonnull (ports);
      g_assert_cmpuint (g_array_get_element_size (ports), ==, sizeof (guint16));
      g_assert_cmpmem (ports->data, ports->len * sizeof (guint16), cases[i].ports,
                       cases[i].n * sizeof (guint16));
    }
}

static void
test_port_list_invalid (void)
{
  static const Invalid cases[] = {
    { "22,,80", NULL, "empty element" },
    { "22,", NULL, "empty element" },
    { ",22", NULL, "empty element" },
    { ",", NULL, "empty element" },
    { "22,0", "0", "out of range" },
    { "22,70000", "70000", "out of range" },
    { "22, 80", " 80", "not a decimal number" },
    { "80-90", NULL, "not a decimal number" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) ports = mtp_parse_port_list (cases[i].text, &error);

      g_assert_null (ports);
      assert_invalid (error, &cases[i]);
    }
}

static void
test_port_range_list_valid (void)
{
  static const struct
  {
    const char *text;
    guint n;
    MtpPortRange ranges[4];
  } cases[] = {
    { "", 0, { { 0, 0 } } },
    { "80", 1, { { 80, 80 } } },
    { "80,8000-8080", 2, { { 80, 80 }, { 8000, 8080 } } },
    { "1-65535", 1, { { 1, 65535 } } },
    /* Each once, the first kept: "9000" is "9000-9000". */
    { "9000-9000,22,22,9000,80-90,22", 3, { { 9000, 9000 }, { 22, 22 }, { 80, 90 } } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) ranges = mtp_parse_port_range_list (cases[i].text, &error);

      g_assert_no_error (error);
      g_assert_nonnull (ranges);
      g_assert_cmpuint (ranges->len, ==, cases[i].n);
      for (guint j = 0; j < ranges->len; j++)
        {
          MtpPortRange *r = &g_array_index (ranges, MtpPortRange, j);

          g_assert_cmpuint (r->first, ==, cases[i].ranges[j].first);
          g_assert_cmpuint (r->last, ==, cases[i].ranges[j].last);
        }
    }
}

static void
test_port_range_list_invalid (void)
{
  static const Invalid cases[] = {
    { "8080-80", NULL, "start 8080 is greater than end 80" },
    { "80,90-89", "90-89", "greater than" },
    { "0-10", "0", "out of range" },
    { "10-70000", "70000", "out of range" },
    { "-1", NULL, "missing first port" },
    { "1-", NULL, "missing last port" },
    { "1-2-3", NULL, "expected a port or a range" },
    { "a-b", "a", "not a decimal number" },
    { "*", NULL, "not a decimal number" },
    { "80,,90", NULL, "empty element" },
    { "80-90,", NULL, "empty element" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) ranges = mtp_parse_port_range_list (cases[i].text, &error);

      g_assert_null (ranges);
      assert_invalid (error, &cases[i]);
    }
}

/* UIDs */

static void
test_uid_range_valid (void)
{
  static const struct
  {
    const char *text;
    guint32 first;
    guint32 last;
  } cases[] = {
    { "0", 0, 0 },
    { "1000", 1000, 1000 },
    { "1000-2000", 1000, 2000 },
    { "5-5", 5, 5 },
    { "0-4294967294", 0, 4294967294u },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      MtpUidRange range = { 0, 0 };

      g_assert_true (mtp_parse_uid_range (cases[i].text, &range, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (range.first, ==, cases[i].first);
      g_assert_cmpuint (range.last, ==, cases[i].last);
    }
}

static const Invalid uid_invalid[] = {
  { "*", NULL, "wildcard '*' is not allowed for UIDs" },
  { "1,2,3", NULL, "expected a single UID or a range" },
  { "", NULL, "empty" },
  { "4294967295", NULL, "out of range (0-4294967294)" },
  { "99999999999999999999999", NULL, "out of range" },
  { "abc", NULL, "not a decimal number" },
  { "+1", NULL, "not a decimal number" },
  { " 1000", NULL, "not a decimal number" },
  { "2000-1000", NULL, "start 2000 is greater than end 1000" },
  { "-1", NULL, "missing first UID" },
  { "1000-", NULL, "missing last UID" },
  { "1-2-3", NULL, "expected a UID or a range" },
  { "1000-*", "*", "not a decimal number" },
};

static void
test_uid_range_invalid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (uid_invalid); i++)
    {
      g_autoptr (GError) error = NULL;
      MtpUidRange range = { 7, 8 };

      g_assert_false (mtp_parse_uid_range (uid_invalid[i].text, &range, &error));
      assert_invalid (error, &uid_invalid[i]);
      g_assert_cmpuint (range.first, ==, 7);
      g_assert_cmpuint (range.last, ==, 8);
    }
}

/* CIDRs */

typedef struct
{
  const char *text;
  MtpFamily family;
  guint prefix;
  guint8 addr[16];
} CidrValid;

static const CidrValid cidr_valid[] = {
  { "10.0.0.0/8", MTP_FAMILY_IPV4, 8, { 10, 0, 0, 0 } },
  { "10.0.0.1", MTP_FAMILY_IPV4, 32, { 10, 0, 0, 1 } },
  { "192.168.1.0/24", MTP_FAMILY_IPV4, 24, { 192, 168, 1, 0 } },
  { "172.17.0.0/16", MTP_FAMILY_IPV4, 16, { 172, 17, 0, 0 } },
  { "0.0.0.0/0", MTP_FAMILY_IPV4, 0, { 0 } },
  { "255.255.255.255/32", MTP_FAMILY_IPV4, 32, { 255, 255, 255, 255 } },
  { "10.0.0.128/25", MTP_FAMILY_IPV4, 25, { 10, 0, 0, 128 } },
  { "10.0.0.0/08", MTP_FAMILY_IPV4, 8, { 10, 0, 0, 0 } },
  { "::1", MTP_FAMILY_IPV6, 128, { [15] = 1 } },
  { "::1/128", MTP_FAMILY_IPV6, 128, { [15] = 1 } },
  { "::/0", MTP_FAMILY_IPV6, 0, { 0 } },
  { "fd00::/8", MTP_FAMILY_IPV6, 8, { 0xfd } },
  { "fd00::/64", MTP_FAMILY_IPV6, 64, { 0xfd } },
  { "2001:db8::/32", MTP_FAMILY_IPV6, 32, { 0x20, 0x01, 0x0d, 0xb8 } },
  { "fe80::1", MTP_FAMILY_IPV6, 128, { 0xfe, 0x80, [15] = 1 } },
  { "::ffff:10.0.0.1", MTP_FAMILY_IPV6, 128, { [10] = 0xff, 0xff, 10, 0, 0, 1 } },
};

static void
test_cidr_valid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cidr_valid); i++)
    {
      g_autoptr (GError) error = NULL;
      MtpCidr cidr;

      g_test_message ("%s", cidr_valid[i].text);
      memset (&cidr, 0xaa, sizeof cidr);
      g_assert_true (mtp_parse_cidr (cidr_valid[i].text, &cidr, &error));
      g_assert_no_error (error);
      assert_cidr (&cidr, cidr_valid[i].family, cidr_valid[i].prefix, cidr_valid[i].addr);
    }
}

static const Invalid cidr_invalid[] = {
  { "", NULL, "empty" },
  { "10.1", NULL, "four decimal parts" },
  { "10.1/16", "10.1", "four decimal parts" },
  { "10.0.0", NULL, "four decimal parts" },
  { "256.0.0.0", NULL, "four decimal parts" },
  { "010.0.0.1", NULL, "leading zeros" },
  { "example.com", NULL, "not an IPv4 or IPv6 address" },
  { "::g", NULL, "invalid IPv6 address" },
  { "1:2:3:4:5:6:7:8:9", NULL, "invalid IPv6 address" },
  { "10.0.0.1/8", NULL, "has host bits set; did you mean '10.0.0.0/8'?" },
  { "192.168.1.1/24", NULL, "did you mean '192.168.1.0/24'?" },
  { "fd00::1/8", NULL, "did you mean 'fd00::/8'?" },
  { "10.0.0.0/33", NULL, "out of range (0-32)" },
  { "::/129", NULL, "out of range (0-128)" },
  { "10.0.0.0/999999999999999999999", NULL, "out of range" },
  { "10.0.0.0/", NULL, "prefix length" },
  { "10.0.0.0/-1", NULL, "not a decimal number" },
  { "10.0.0.0/+8", NULL, "not a decimal number" },
  { "10.0.0.0/0x8", NULL, "not a decimal number" },
  { "10.0.0.0/8/8", NULL, "not a decimal number" },
  { "/8", NULL, "missing address" },
  { "[::1]", NULL, "brackets" },
  { "[fd00::]/8", NULL, "brackets" },
  { "fe80::1%eth0", NULL, "zone" },
  { " 10.0.0.1", NULL, "white space" },
  { "10.0.0.1 ", NULL, "white space" },
  { "10.0.0.0 /8", NULL, "white space" },
  { "10.0.0.1\n", "10.0.0.1\\n", "white space" },
  { "10.0.0.0,10.1.0.0", "10.0.0.0,10.1.0.0", "not an IPv4 or IPv6 address" },
};

static void
test_cidr_invalid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cidr_invalid); i++)
    {
      g_autoptr (GError) error = NULL;
      MtpCidr cidr, before;

      memset (&cidr, 0x55, sizeof cidr);
      before = cidr;
      g_assert_false (mtp_parse_cidr (cidr_invalid[i].text, &cidr, &error));
      assert_invalid (error, &cidr_invalid[i]);
      g_assert_cmpmem (&cidr, sizeof cidr, &before, sizeof before);
    }
}

static void
test_cidr_list_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) empty = mtp_parse_cidr_list ("", &error);
  g_autoptr (GArray) cidrs = NULL;
  static const guint8 net10[16] = { 10 };
  static const guint8 fd00[16] = { 0xfd };
  static const guint8 lo6[16] = { [15] = 1 };

  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (empty->len, ==, 0);

  cidrs = mtp_parse_cidr_list ("10.0.0.0/8,fd00::/8,::1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (cidrs);
  g_assert_cmpuint (g_array_get_element_size (cidrs), ==, sizeof (MtpCidr));
  g_assert_cmpuint (cidrs->len, ==, 3);
  assert_cidr (&g_array_index (cidrs, MtpCidr, 0), MTP_FAMILY_IPV4, 8, net10);
  assert_cidr (&g_array_index (cidrs, MtpCidr, 1), MTP_FAMILY_IPV6, 8, fd00);
  assert_cidr (&g_array_index (cidrs, MtpCidr, 2), MTP_FAMILY_IPV6, 128, lo6);
}

static void
test_cidr_list_invalid (void)
{
  static const Invalid cases[] = {
    { "10.0.0.0/8,,fd00::/8", NULL, "empty element" },
    { "10.0.0.0/8,", NULL, "empty element" },
    { "10.0.0.0/8,10.1", "10.1", "four decimal parts" },
    { "::1,10.0.0.1/8", "10.0.0.1/8", "did you mean '10.0.0.0/8'?" },
    { "10.0.0.0/8, 10.1.0.0/16", " 10.1.0.0/16", "white space" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) cidrs = mtp_parse_cidr_list (cases[i].text, &error);

      g_assert_null (cidrs);
      assert_invalid (error, &cases[i]);
    }
}

/* Interfaces */

static void
test_iface_valid (void)
{
  static const struct
  {
    const char *text;
    gboolean allow_wildcard;
  } cases[] = {
    { "eth0", FALSE },
    { "lo", FALSE },
    { "a", FALSE },
    { "veth1234567890a", FALSE }, /* 15 bytes */
    { "br-1a2b3c4d5e6f", FALSE },
    { "wlan0.100", FALSE },
    { "...", FALSE },
    { "docker_gwbridge", FALSE },
    { "cali-1.a_B9", FALSE },
    { "x-", FALSE },
    { "docker0", TRUE },
    { "br+", TRUE },
    { "b+", TRUE },
    { "veth123456789a+", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i].text);
      g_assert_true (mtp_parse_iface (cases[i].text, cases[i].allow_wildcard, &error));
      g_assert_no_error (error);
    }
}

static void
test_iface_invalid (void)
{
  static const struct
  {
    Invalid c;
    gboolean allow_wildcard;
  } cases[] = {
    { { "", NULL, "empty" }, TRUE },
    { { "veth1234567890ab", NULL, "longer than 15 bytes" }, TRUE },
    { { "averyveryverylonginterfacename", NULL, "longer than 15 bytes" }, FALSE },
    { { "eth/0", NULL, "contains '/'" }, TRUE },
    { { "eth 0", NULL, "contains a space" }, TRUE },
    { { " eth0", NULL, "contains a space" }, TRUE },
    { { "eth0\t", "eth0\\t", "white space" }, TRUE },
    { { "eth0:1", NULL, "contains ':'" }, TRUE },
    { { ".", NULL, "'.' and '..' are not allowed" }, TRUE },
    { { "..", NULL, "'.' and '..' are not allowed" }, TRUE },
    { { "eth\x01", "eth\\001", "contains the control character '\\001'" }, TRUE },
    { { "eth\x7f", "eth\\177", "contains the control character '\\177'" }, TRUE },
    { { "eth\xc3\xa9", "eth\\303\\251", "contains the non-ASCII byte '\\303'" }, TRUE },
    { { "br+", NULL, "wildcard '+' is not allowed" }, FALSE },
    { { "+", NULL, "wildcard '+' is not allowed" }, FALSE },
    { { "br+0", NULL, "only allowed as the last character" }, TRUE },
    { { "++", NULL, "only allowed as the last character" }, TRUE },
    /* Every form of a rule must carry the name unchanged (mtp-token.h). */
    { { "+", NULL, "a '+' alone matches every interface" }, TRUE },
    { { "x\"", "x\\\"", "contains '\"', which cannot be written unchanged into a rule" }, TRUE },
    { { "a\\b", "a\\\\b", "contains '\\'" }, TRUE },
    { { "a'b", NULL, "contains ''', which" }, TRUE },
    { { "eth\n0", "eth\\n0", "contains white space '\\n'" }, TRUE },
    { { "eth0\r", "eth0\\r", "contains white space '\\r'" }, TRUE },
    { { "a#b", NULL, "contains '#'" }, TRUE },
    { { "a!", NULL, "contains '!'" }, TRUE },
    { { "!a", NULL, "contains '!'" }, TRUE },
    { { "%%ICMP%%", NULL, "contains '%'" }, TRUE },
    { { "a$b", NULL, "contains '$'" }, TRUE },
    { { "a`b", NULL, "contains '`'" }, TRUE },
    { { "a;b", NULL, "contains ';'" }, TRUE },
    { { "a,b", NULL, "contains ','" }, TRUE },
    { { "a=b", NULL, "contains '='" }, TRUE },
    { { "a@b", NULL, "contains '@'" }, TRUE },
    { { "a*", NULL, "contains '*'" }, TRUE },
    { { "a<b>", NULL, "contains '<'" }, TRUE },
    { { "a&b", NULL, "contains '&'" }, TRUE },
    { { "-t", NULL, "begins with '-'" }, TRUE },
    { { "--table", NULL, "begins with '-'" }, TRUE },
    { { "-", NULL, "begins with '-'" }, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (mtp_parse_iface (cases[i].c.text, cases[i].allow_wildcard, &error));
      assert_invalid (error, &cases[i].c);
    }
}

/* Uid-port exclusions */

static void
test_uid_port_exclusion_valid (void)
{
  static const struct
  {
    const char *text;
    MtpProtoSet protocols;
    guint n_ports;
    MtpPortRange ports[3];
    guint32 uid_first;
    guint32 uid_last;
  } cases[] = {
    { "1000", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 1000, 1000 },
    { "1000-2000", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 1000, 2000 },
    { "22:1000", MTP_PROTO_ALL, 1, { { 22, 22 } }, 1000, 1000 },
    { "*:1000", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 1000, 1000 },
    { ":1000", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 1000, 1000 },
    { "22,80-90:0", MTP_PROTO_ALL, 2, { { 22, 22 }, { 80, 90 } }, 0, 0 },
    { "tcp:22:1000", MTP_PROTO_TCP, 1, { { 22, 22 } }, 1000, 1000 },
    { "udp:53:1-5", MTP_PROTO_UDP, 1, { { 53, 53 } }, 1, 5 },
    { "tcp,udp:*:7", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 7, 7 },
    { "udp,tcp::7", MTP_PROTO_ALL, 1, { { 1, 65535 } }, 7, 7 },
    { "*:1,2,3-4:7", MTP_PROTO_ALL, 3, { { 1, 1 }, { 2, 2 }, { 3, 4 } }, 7, 7 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpUidPortExclusion) ex = NULL;

      g_test_message ("%s", cases[i].text);
      ex = mtp_parse_uid_port_exclusion (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (ex);
      g_assert_cmpint (ex->protocols, ==, cases[i].protocols);
      g_assert_cmpuint (ex->uids.first, ==, cases[i].uid_first);
      g_assert_cmpuint (ex->uids.last, ==, cases[i].uid_last);
      g_assert_cmpuint (g_array_get_element_size (ex->ports), ==, sizeof (MtpPortRange));
      g_assert_cmpuint (ex->ports->len, ==, cases[i].n_ports);
      for (guint j = 0; j < ex->ports->len; j++)
        {
          MtpPortRange *r = &g_array_index (ex->ports, MtpPortRange, j);

          g_assert_cmpuint (r->first, ==, cases[i].ports[j].first);
          g_assert_cmpuint (r->last, ==, cases[i].ports[j].last);
        }
    }
}

static void
test_uid_port_exclusion_invalid (void)
{
  static const Invalid cases[] = {
    { "http:1:1", "http", "expected 'tcp', 'udp', 'tcp,udp' or '*'" },
    { "TCP:1:1", "TCP", "invalid protocol" },
    { "tcp,tcp:1:1", "tcp,tcp", "invalid protocol" },
    { "::1000", "", "invalid protocol" },
    { "*", NULL, "wildcard '*' is not allowed for UIDs" },
    { "tcp:22:*", "*", "wildcard '*' is not allowed for UIDs" },
    { "1,2,3", NULL, "expected a single UID or a range" },
    { "22:1,2,3", "1,2,3", "expected a single UID or a range" },
    { "a:b:c:d", NULL, "[protocol:][ports:]uids" },
    { "tcp:22:1000:", NULL, "[protocol:][ports:]uids" },
    { "", NULL, "missing UIDs" },
    { "22:", NULL, "missing UIDs" },
    { "tcp:0:1000", "0", "out of range (1-65535)" },
    { "70000:1000", "70000", "out of range" },
    { "90-80:1000", "90-80", "greater than" },
    { "22,,80:1000", "22,,80", "empty element" },
    { "22:2000-1000", "2000-1000", "greater than" },
    { "22:4294967295", "4294967295", "out of range" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpUidPortExclusion) ex = mtp_parse_uid_port_exclusion (cases[i].text, &error);

      g_assert_null (ex);
      assert_invalid (error, &cases[i]);
    }
}

/* Vnets */

static void
test_vnet_valid (void)
{
  static const struct
  {
    const char *text;
    const char *iface;
    MtpFamily family;
    guint prefix;
    guint8 addr[16];
  } cases[] = {
    { "docker0:172.17.0.0/16", "docker0", MTP_FAMILY_IPV4, 16, { 172, 17, 0, 0 } },
    { "br+:fd00::/64", "br+", MTP_FAMILY_IPV6, 64, { 0xfd } },
    { "eth0:10.0.0.1", "eth0", MTP_FAMILY_IPV4, 32, { 10, 0, 0, 1 } },
    { "eth0:::1", "eth0", MTP_FAMILY_IPV6, 128, { [15] = 1 } },
    { "b+:0.0.0.0/0", "b+", MTP_FAMILY_IPV4, 0, { 0 } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpVnet) vnet = NULL;

      g_test_message ("%s", cases[i].text);
      vnet = mtp_parse_vnet (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (vnet);
      g_assert_cmpstr (vnet->iface, ==, cases[i].iface);
      assert_cidr (&vnet->cidr, cases[i].family, cases[i].prefix, cases[i].addr);
    }
}

static void
test_vnet_invalid (void)
{
  static const Invalid cases[] = {
    { "docker0", NULL, "expected the format IFACE:CIDR" },
    { "", NULL, "expected the format IFACE:CIDR" },
    { ":172.17.0.0/16", NULL, "missing interface name" },
    { "docker0:", NULL, "missing CIDR" },
    { "docker0:172.17", "172.17", "four decimal parts" },
    { "docker0:172.17.0.1/16", "172.17.0.1/16", "did you mean '172.17.0.0/16'?" },
    { "docker0:fd00::/129", "fd00::/129", "out of range (0-128)" },
    { "docker0:[fd00::]/64", "[fd00::]/64", "brackets" },
    { "averyveryverylonginterfacename:10.0.0.0/8", "averyveryverylonginterfacename",
      "longer than 15 bytes" },
    { "br/0:10.0.0.0/8", "br/0", "contains '/'" },
    { "br 0:10.0.0.0/8", "br 0", "contains a space" },
    { "b+r:10.0.0.0/8", "b+r", "only allowed as the last character" },
    /* The issue's example: the '"' would close the comment in firewalld's
     * iptables-restore text, and the rule would redirect all inbound TCP. */
    { "x\":172.17.0.0/16", "x\\\"", "contains '\"', which cannot be written unchanged" },
    { "+:172.17.0.0/16", "+", "a '+' alone matches every interface" },
    { "-i:172.17.0.0/16", "-i", "begins with '-'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MtpVnet) vnet = mtp_parse_vnet (cases[i].text, &error);

      g_assert_null (vnet);
      assert_invalid (error, &cases[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/parse/port/valid", test_port_valid);
  g_test_add_func ("/parse/port/invalid", test_port_invalid);
  g_test_add_func ("/parse/port-list/valid", test_port_list_valid);
  g_test_add_func ("/parse/port-list/invalid", test_port_list_invalid);
  g_test_add_func ("/parse/port-range-list/valid", test_port_range_list_valid);
  g_test_add_func ("/parse/port-range-list/invalid", test_port_range_list_invalid);
  g_test_add_func ("/parse/uid-range/valid", test_uid_range_valid);
  g_test_add_func ("/parse/uid-range/invalid", test_uid_range_invalid);
  g_test_add_func ("/parse/cidr/valid", test_cidr_valid);
  g_test_add_func ("/parse/cidr/invalid", test_cidr_invalid);
  g_test_add_func ("/parse/cidr-list/valid", test_cidr_list_valid);
  g_test_add_func ("/parse/cidr-list/invalid", test_cidr_list_invalid);
  g_test_add_func ("/parse/iface/valid", test_iface_valid);
  g_test_add_func ("/parse/iface/invalid", test_iface_invalid);
  g_test_add_func ("/parse/uid-port-exclusion/valid", test_uid_port_exclusion_valid);
  g_test_add_func ("/parse/uid-port-exclusion/invalid", test_uid_port_exclusion_invalid);
  g_test_add_func ("/parse/vnet/valid", test_vnet_valid);
  g_test_add_func ("/parse/vnet/invalid", test_vnet_invalid);

  return g_test_run ();
}
