/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pwd.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-facts.h"
#include "mtp-file.h"
#include "mtp-firewalld.h"
#include "mtp-iptc.h"
#include "mtp-kernel.h"
#include "mtp-limits.h"
#include "mtp-token.h"

MtpHostFacts *
mtp_host_facts_new (void)
{
  MtpHostFacts *facts = g_new0 (MtpHostFacts, 1);

  facts->nameservers_ipv4 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  facts->nameservers_ipv6 = g_array_new (FALSE, FALSE, sizeof (MtpCidr));
  facts->loopback = g_strdup ("lo");
  return facts;
}

void
mtp_host_facts_free (MtpHostFacts *facts)
{
  if (facts == NULL)
    return;
  g_array_unref (facts->nameservers_ipv4);
  g_array_unref (facts->nameservers_ipv6);
  g_free (facts->ipv6_reason);
  g_free (facts->loopback);
  g_free (facts);
}

/* getpwuid () and getpwnam () return a static buffer, which cppcheck flags as
 * not thread-safe: we call them from the main thread only, and no other thread
 * of the process (GLib's workers) reads the user database. */
static gboolean
lookup_uid (guint32 uid, struct passwd **out)
{
  errno = 0;
  /* cppcheck-suppress getpwuidCalled ; main thread only, see above */
  *out = getpwuid ((uid_t)uid);
  return *out != NULL;
}

static gboolean
lookup_name (const char *name, struct passwd **out)
{
  /* cppcheck-suppress getpwnamCalled ; main thread only, see above */
  *out = getpwnam (name);
  return *out != NULL;
}

gboolean
mtp_resolve_user (const char *user, guint32 *uid, GError **error)
{
  struct passwd *pw = NULL;
  guint64 number;

  if (user == NULL || *user == '\0')
    {
      if (lookup_uid (MTP_DEFAULT_KUMA_DP_UID, &pw) || lookup_name (MTP_DEFAULT_KUMA_DP_USER, &pw))
        {
          *uid = pw->pw_uid;
          return TRUE;
        }
      g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND,
                   _ ("no proxy user: neither UID %u nor a user named '%s' exists (create it, "
                      "e.g. with 'useradd -u %u -U %s', or name one with --kuma-dp-user)"),
                   MTP_DEFAULT_KUMA_DP_UID, MTP_DEFAULT_KUMA_DP_USER, MTP_DEFAULT_KUMA_DP_UID,
                   MTP_DEFAULT_KUMA_DP_USER);
      return FALSE;
    }

  /* As Kuma does: a number is tried as a UID first, then as a name. */
  if (g_ascii_string_to_unsigned (user, 10, 0, G_MAXUINT32 - 1, &number, NULL)
      && lookup_uid ((guint32)number, &pw))
    {
      *uid = pw->pw_uid;
      return TRUE;
    }
  if (lookup_name (user, &pw))
    {
      *uid = pw->pw_uid;
      return TRUE;
    }
  g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND,
               _ ("proxy user '%s' does not exist (--kuma-dp-user: neither a UID nor a user name)"),
               user);
  return FALSE;
}

gboolean
mtp_parse_resolv_conf (const char *text, GArray *ipv4, GArray *ipv6, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) seen = mtp_cidr_set_new ();
  guint n_nameservers = 0;

  /* What the lists hold already counts as seen. */
  for (guint i = 0; i < ipv4->len; i++)
    mtp_cidr_set_add (seen, &g_array_index (ipv4, MtpCidr, i));
  for (guint i = 0; i < ipv6->len; i++)
    mtp_cidr_set_add (seen, &g_array_index (ipv6, MtpCidr, i));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = g_strsplit_set (lines[i], " \t\r", -1);
      const char *addr = NULL;
      guint n = 0;
      MtpCidr cidr = { 0 };

      /* The first two non-empty words: "nameserver" and the address. */
      for (guint j = 0; words[j] != NULL && n < 2; j++)
        {
          if (*words[j] == '\0')
            continue;
          if (n++ == 0 && strcmp (words[j], "nameserver") != 0)
            break;
          if (n == 2)
            addr = words[j];
        }
      if (addr == NULL)
        continue;
      n_nameservers++;
      if (inet_pton (AF_INET, addr, cidr.addr) == 1)
        {
          cidr.family = MTP_FAMILY_IPV4;
          cidr.prefix = 32;
        }
      else if (inet_pton (AF_INET6, addr, cidr.addr) == 1)
        {
          cidr.family = MTP_FAMILY_IPV6;
          cidr.prefix = 128;
        }
      else
        {
          g_debug ("resolv.conf: ignoring nameserver '%s'", addr);
          continue;
        }
      /* Listed twice, matched once; a hash set keeps long files linear. */
      if (mtp_cidr_set_add (seen, &cidr))
        g_array_append_val (cidr.family == MTP_FAMILY_IPV4 ? ipv4 : ipv6, cidr);
    }
  if (n_nameservers > MTP_LIMIT_NAMESERVERS)
    {
      g_autofree char *reference = mtp_limit_reference ("nameservers");

      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG,
                   _ ("%u nameservers, more than %u (%s)"), n_nameservers,
                   (guint)MTP_LIMIT_NAMESERVERS, reference);
      return FALSE;
    }
  return TRUE;
}

/* Read only when it is a regular file of at most resolv-conf-size: at boot
 * the unit runs before the network is up, with no time limit, and a FIFO
 * there would hold it (and the boot) for ever. */
static gboolean
read_resolv_conf (const MtpConfig *config, MtpHostFacts *facts, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!config->redirect_dns)
    return TRUE;
  /* Read first, so that what is no file at all is named as such. Its
   * nameservers choose which DNS queries go to the proxy. Its owner may be
   * the owner of its directory: systemd-resolved keeps its files, owned by
   * systemd-resolve, in /run/systemd/resolve, of systemd-resolve's too
   * (/etc/resolv.conf links there); whoever writes it chooses the host's DNS
   * servers anyway. */
  if (mtp_limits_read_file (config->resolv_conf, MTP_LIMIT_RESOLV_CONF_SIZE, "resolv-conf-size",
                            &text, NULL, NULL, &local_error)
      && !mtp_file_check_path (config->resolv_conf, _ ("the resolver configuration"),
                               MTP_FILE_TRUST_DIRECTORY_OWNER, error))
    return FALSE;
  if (text == NULL
      || !mtp_parse_resolv_conf (text, facts->nameservers_ipv4, facts->nameservers_ipv6,
                                 &local_error))
    {
      /* Not a regular file, too large, too many nameservers: exit 2; what
       * open() and read() say: exit 1. */
      g_set_error (error, MTP_ERROR,
                   local_error->domain == MTP_ERROR ? local_error->code : MTP_ERROR_FAILED,
                   _ ("reading '%s': %s"), config->resolv_conf, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
file_mentions (const char *path, const char *needle)
{
  g_autofree char *text = mtp_limits_read_system_file (path);

  return text != NULL && strstr (text, needle) != NULL;
}

/* The ip6 nat table is there when in use, built in, or loadable; where the
 * module list cannot be read (a container), assume it is. */
static gboolean
ip6_nat_available (void)
{
  struct utsname uts;
  g_autofree char *dir = NULL;
  g_autofree char *dep = NULL;
  g_autofree char *builtin = NULL;

  if (file_mentions ("/proc/net/ip6_tables_names", "nat")
      || g_file_test ("/sys/module/ip6table_nat", G_FILE_TEST_IS_DIR)
      || g_file_test ("/sys/module/nft_chain_nat", G_FILE_TEST_IS_DIR))
    return TRUE;
  if (uname (&uts) != 0)
    return TRUE;
  dir = g_build_filename ("/lib/modules", uts.release, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  dep = g_build_filename (dir, "modules.dep", NULL);
  builtin = g_build_filename (dir, "modules.builtin", NULL);
  return file_mentions (dep, "/ip6table_nat.ko") || file_mentions (dep, "/nft_chain_nat.ko")
         || file_mentions (builtin, "/ip6table_nat.ko")
         || file_mentions (builtin, "/nft_chain_nat.ko");
}

char *
mtp_loopback_name (void)
{
  struct ifaddrs *ifa_list = NULL;
  char *name = NULL;

  if (getifaddrs (&ifa_list) != 0)
    return g_strdup ("lo"); /* as in every namespace until renamed */
  for (struct ifaddrs *ifa = ifa_list; ifa != NULL && name == NULL; ifa = ifa->ifa_next)
    if (ifa->ifa_addr != NULL && (ifa->ifa_flags & IFF_LOOPBACK))
      name = g_strdup (ifa->ifa_name);
  freeifaddrs (ifa_list);
  return name != NULL ? name : g_strdup ("lo");
}

/* The loopback interface, which the rules name (-o lo): root can rename it,
 * to anything the kernel takes ('"', '\\', non-ASCII, …), and its name must
 * travel unchanged through every form of a rule like any other value. */
static gboolean
detect_loopback (MtpHostFacts *facts, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  g_free (facts->loopback);
  facts->loopback = mtp_loopback_name ();
  if (mtp_token_check (MTP_TOKEN_IFACE, facts->loopback, &local_error))
    return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG,
               _ ("the loopback interface of this host: %s; rename it to 'lo' (ip link set dev "
                  "NAME name lo)"),
               local_error->message);
  return FALSE;
}

gboolean
mtp_host_facts_decide_ipv6 (MtpHostFacts *facts, const MtpIpv6Probe *probe, GError **error)
{
  facts->ipv6_usable = FALSE;
  g_clear_pointer (&facts->ipv6_reason, g_free);
  if (!probe->kernel)
    {
      facts->ipv6_reason = g_strdup (_ ("the kernel has no IPv6 support"));
      return TRUE;
    }
  /* IPv6 traffic the rules would not see is a hole in the mesh, not a
   * detail: where IPv6 is on elsewhere, stop before changing anything. */
  if (!probe->loopback_on && probe->elsewhere != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("IPv6 is enabled on '%s' but disabled on the loopback interface '%s', "
                      "which the IPv6 rules need (the proxy's address ::6/128 is there): IPv6 "
                      "traffic would bypass the proxy; enable IPv6 on '%s' "
                      "(sysctl -w net.ipv6.conf.%s.disable_ipv6=0), or pass --ip-family-mode ipv4 "
                      "to redirect IPv4 only"),
                   probe->elsewhere, facts->loopback, facts->loopback, facts->loopback);
      return FALSE;
    }
  if (!probe->loopback_on)
    {
      facts->ipv6_reason = g_strdup (_ ("IPv6 is disabled on every interface"));
      return TRUE;
    }
  if (!probe->nat && probe->elsewhere != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("IPv6 is enabled on '%s' but the kernel has no IPv6 nat table (module "
                      "ip6table_nat): IPv6 traffic would bypass the proxy; load the "
                      "module (modprobe ip6table_nat), or pass --ip-family-mode ipv4 to "
                      "redirect IPv4 only"),
                   probe->elsewhere);
      return FALSE;
    }
  if (!probe->nat)
    {
      facts->ipv6_reason = g_strdup (_ ("the kernel has no IPv6 nat table"));
      return TRUE;
    }
  facts->ipv6_usable = TRUE;
  return TRUE;
}

/* Whether IPv6 is enabled on an interface (its disable_ipv6 is 0). */
static gboolean
ipv6_enabled_on (const char *name)
{
  g_autofree char *path = g_build_filename ("/proc/sys/net/ipv6/conf", name, "disable_ipv6", NULL);
  g_autofree char *value = NULL;

  return g_file_get_contents (path, &value, NULL, NULL) && g_strstrip (value)[0] == '0';
}

/* IPv6 in the kernel, where it is enabled, and a working ip6 nat table,
 * without running ip6tables (which would load modules and create tables).
 * Kuma also wants a non-loopback IPv6 address; we do not: the boot unit runs
 * before the network is configured, when no interface has one yet, and must
 * not drop the IPv6 rules then. An interface counts as having IPv6 when it is
 * enabled there, address or not: it gets one as soon as it is up. */
static gboolean
probe_ipv6 (MtpHostFacts *facts, GError **error)
{
  g_autofree char *elsewhere = NULL;
  MtpIpv6Probe probe = { 0 };

  probe.kernel = g_file_test ("/proc/sys/net/ipv6/conf", G_FILE_TEST_IS_DIR);
  if (probe.kernel)
    {
      g_autoptr (GDir) dir = g_dir_open ("/proc/sys/net/ipv6/conf", 0, NULL);
      const char *name;

      probe.loopback_on = ipv6_enabled_on (facts->loopback);
      /* "all" and "default" are not interfaces. */
      while (dir != NULL && elsewhere == NULL && (name = g_dir_read_name (dir)) != NULL)
        if (strcmp (name, "all") != 0 && strcmp (name, "default") != 0
            && strcmp (name, facts->loopback) != 0 && ipv6_enabled_on (name))
          elsewhere = g_strdup (name);
      probe.elsewhere = elsewhere;
      probe.nat = ip6_nat_available ();
    }
  return mtp_host_facts_decide_ipv6 (facts, &probe, error);
}

/* Only root can read the tables; whoever cannot, cannot install either.
 * Where the rules go through libiptc, the jump must resolve in the kernel's
 * legacy nat table: look there (no child process). Through firewalld, which
 * runs the host's iptables-restore, look with the host's iptables-save. */
static gboolean
nat_has_docker_output (MtpFamily family, gboolean legacy)
{
  g_autoptr (GError) error = NULL;
  const char *text, *nat, *end, *chain;

  if (geteuid () != 0)
    return FALSE;
  if (legacy)
    return mtp_iptc_has_chain (family, "nat", "DOCKER_OUTPUT");
  text = mtp_kernel_save_text (family, &error);
  if (text == NULL)
    {
      g_debug ("DOCKER_OUTPUT assumed absent: %s", error->message);
      return FALSE;
    }
  nat = g_str_has_prefix (text, "*nat\n") ? text : strstr (text, "\n*nat\n");
  if (nat == NULL)
    return FALSE;
  end = strstr (nat, "\nCOMMIT");
  chain = strstr (nat, "\n:DOCKER_OUTPUT ");
  return chain != NULL && (end == NULL || chain < end);
}

MtpHostFacts *
mtp_host_facts_gather (const MtpConfig *config, GError **error)
{
  g_autoptr (MtpHostFacts) facts = mtp_host_facts_new ();

  if (!mtp_resolve_user (config->kuma_dp_user, &facts->uid, error))
    return NULL;
  if (!read_resolv_conf (config, facts, error))
    return NULL;
  if (!detect_loopback (facts, error))
    return NULL;
  if (config->ip_family_mode == MTP_IP_FAMILY_MODE_DUALSTACK && !probe_ipv6 (facts, error))
    return NULL;
  if (config->redirect_dns || config->redirect_all_dns_traffic)
    {
      facts->docker_pending = TRUE;
      facts->docker_legacy = config->backend == MTP_BACKEND_IPTABLES
                             || (config->backend == MTP_BACKEND_AUTO && !config->store_firewalld
                                 && !mtp_firewalld_name_has_owner (config->timeout));
      /* The engine compares the kernel's tables with firewalld's view
       * later: both families' saves serve both. */
      if (!facts->docker_legacy && geteuid () == 0)
        mtp_kernel_prefetch ();
    }
  g_debug ("facts: uid %u, %u IPv4 and %u IPv6 nameservers, IPv6 %s%s%s", facts->uid,
           facts->nameservers_ipv4->len, facts->nameservers_ipv6->len,
           facts->ipv6_usable ? "usable" : "not usable", facts->ipv6_reason ? ": " : "",
           facts->ipv6_reason ? facts->ipv6_reason : "");
  return g_steal_pointer (&facts);
}

void
mtp_host_facts_gather_finish (MtpHostFacts *facts)
{
  if (!facts->docker_pending)
    return;
  facts->docker_pending = FALSE;
  facts->docker_output_ipv4 = nat_has_docker_output (MTP_FAMILY_IPV4, facts->docker_legacy);
  if (facts->ipv6_usable)
    facts->docker_output_ipv6 = nat_has_docker_output (MTP_FAMILY_IPV6, facts->docker_legacy);
  g_debug ("facts: DOCKER_OUTPUT in nat: IPv4 %s, IPv6 %s",
           facts->docker_output_ipv4 ? "yes" : "no", facts->docker_output_ipv6 ? "yes" : "no");
}
