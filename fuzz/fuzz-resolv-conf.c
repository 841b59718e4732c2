/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-error.h"
#include "mtp-facts.h"

/* The nameservers of a resolv.conf (the input, up to a NUL):
 *  - IPv4 ones are IPv4 with prefix 32, IPv6 ones IPv6 with 128, no
 *    address twice;
 *  - written back as "nameserver ADDR" lines they read back the same;
 *  - each line counts by itself: the lines in reverse order give the same
 *    addresses, and reading the text again into the same lists adds none. */

static void
check_list (const GArray *list, MtpFamily family)
{
  for (guint i = 0; i < list->len; i++)
    {
      const MtpCidr *cidr = &g_array_index (list, MtpCidr, i);

      FUZZ_CHECK (cidr->family == family && cidr->prefix == mtp_family_addr_len (family) * 8,
                  "family %d prefix %u in the %s list", cidr->family, cidr->prefix,
                  mtp_family_to_string (family));
      for (guint j = 0; j < i; j++)
        FUZZ_CHECK (!mtp_cidr_equal (&g_array_index (list, MtpCidr, j), cidr), "a duplicate");
    }
}

static gboolean
lists_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!mtp_cidr_equal (&g_array_index (a, MtpCidr, i), &g_array_index (b, MtpCidr, i)))
      return FALSE;
  return TRUE;
}

static gboolean
contains (const GArray *list, const MtpCidr *cidr)
{
  for (guint i = 0; i < list->len; i++)
    if (mtp_cidr_equal (&g_array_index (list, MtpCidr, i), cidr))
      return TRUE;
  return FALSE;
}

/* The same addresses, in any order (both lists hold no duplicates). */
static gboolean
lists_same_set (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!contains (b, &g_array_index (a, MtpCidr, i)))
      return FALSE;
  return TRUE;
}

static GArray *
cidr_array (void)
{
  return g_array_new (FALSE, FALSE, sizeof (MtpCidr));
}

static void
append_lines (GString *out, const GArray *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      g_autofree char *addr = mtp_cidr_to_string (&g_array_index (list, MtpCidr, i), FALSE);
      g_string_append_printf (out, "nameserver %s\n", addr);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_string (data, size);
  g_autoptr (GArray) ipv4 = cidr_array ();
  g_autoptr (GArray) ipv6 = cidr_array ();
  g_autoptr (GArray) ipv4_again = cidr_array ();
  g_autoptr (GArray) ipv6_again = cidr_array ();
  g_autoptr (GArray) ipv4_reversed = cidr_array ();
  g_autoptr (GArray) ipv6_reversed = cidr_array ();
  g_autoptr (GString) written = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  g_autofree char *reversed = NULL;
  g_autoptr (GError) error = NULL;
  guint n_lines;

  fuzz_init ();
  if (!mtp_parse_resolv_conf (text, ipv4, ipv6, &error))
    {
      /* Only the limit nameservers, with a message naming it. */
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG)
                      && strstr (error->message, "'nameservers'") != NULL,
                  "unexpected error: %s", error->message);
      return 0;
    }
  check_list (ipv4, MTP_FAMILY_IPV4);
  check_list (ipv6, MTP_FAMILY_IPV6);

  append_lines (written, ipv4);
  append_lines (written, ipv6);
  FUZZ_CHECK (mtp_parse_resolv_conf (written->str, ipv4_again, ipv6_again, &error), "%s",
              error->message);
  FUZZ_CHECK (lists_equal (ipv4, ipv4_again) && lists_equal (ipv6, ipv6_again),
              "written back as\n%sthe addresses differ", written->str);

  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  for (guint i = 0; i < n_lines / 2; i++)
    {
      char *line = lines[i];
      lines[i] = lines[n_lines - 1 - i];
      lines[n_lines - 1 - i] = line;
    }
  reversed = g_strjoinv ("\n", lines);
  FUZZ_CHECK (mtp_parse_resolv_conf (reversed, ipv4_reversed, ipv6_reversed, &error), "%s",
              error->message);
  FUZZ_CHECK (lists_same_set (ipv4, ipv4_reversed) && lists_same_set (ipv6, ipv6_reversed),
              "the lines in reverse order give other addresses");

  FUZZ_CHECK (mtp_parse_resolv_conf (text, ipv4_again, ipv6_again, &error), "%s", error->message);
  FUZZ_CHECK (lists_equal (ipv4, ipv4_again) && lists_equal (ipv6, ipv6_again),
              "reading the text again added addresses");
  return 0;
}
