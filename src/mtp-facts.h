/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-config.h"

G_BEGIN_DECLS

#define MTP_DEFAULT_KUMA_DP_UID  5678
#define MTP_DEFAULT_KUMA_DP_USER "kuma-dp"

/* What the builder needs to know about the host, gathered in one place so that
 * the builder itself does no I/O and tests construct facts directly. */
typedef struct
{
  guint32 uid;              /* of the proxy user */
  GArray *nameservers_ipv4; /* of MtpCidr (full prefix) */
  GArray *nameservers_ipv6;
  gboolean ipv6_usable;
  char *ipv6_reason;           /* why not, when not */
  gboolean docker_output_ipv4; /* nat has a DOCKER_OUTPUT chain */
  gboolean docker_output_ipv6;
  char *loopback; /* the loopback interface, "lo" */
  /* (mtp-facts.c's: the DOCKER_OUTPUT check is still to be made, and where) */
  gboolean docker_pending;
  gboolean docker_legacy;
} MtpHostFacts;

MtpHostFacts *mtp_host_facts_new (void); /* empty facts: uid 0, "lo", no IPv6 */

/* What decides whether IPv6 rules are made (read from the host by
 * mtp_host_facts_gather). */
typedef struct
{
  gboolean kernel;       /* the kernel has IPv6 */
  gboolean loopback_on;  /* IPv6 is enabled on the loopback interface */
  const char *elsewhere; /* another interface on which IPv6 is enabled, or NULL */
  gboolean nat;          /* there is an ip6 nat table, or one can be loaded */
} MtpIpv6Probe;

/* Sets ipv6_usable (and ipv6_reason when not) from probe. Where IPv6 is
 * enabled on an interface but our IPv6 rules could not work (IPv6 disabled on
 * the loopback interface, or no ip6 nat table), IPv6 traffic would bypass the
 * proxy: FALSE with an error that names the fix. A host without IPv6 (no
 * kernel support, or disabled on every interface) is IPv4 only, with a
 * reason. */
gboolean mtp_host_facts_decide_ipv6 (MtpHostFacts *facts, const MtpIpv6Probe *probe,
                                     GError **error);
void mtp_host_facts_free (MtpHostFacts *facts);

/* In two steps, so that the caller can work while iptables-save runs: the
 * first gathers what can fail (the user, resolv.conf, IPv6 with
 * --ip-family-mode dualstack: mtp_host_facts_decide_ipv6) and starts the
 * iptables-save that the DOCKER_OUTPUT check needs; the second waits for it
 * and makes the check. Facts are complete after the second. */
MtpHostFacts *mtp_host_facts_gather (const MtpConfig *config, GError **error);
void mtp_host_facts_gather_finish (MtpHostFacts *facts);

/* The loopback interface's name as the kernel has it (not checked against
 * the alphabet of rules: for what needs no rule, such as its addresses). */
char *mtp_loopback_name (void);

/* Resolves --kuma-dp-user: numeric text as a UID first, then as a name; NULL
 * or empty: UID 5678, then the name "kuma-dp". The user must exist. */
gboolean mtp_resolve_user (const char *user, guint32 *uid, GError **error);

/* The nameserver lines of a resolv.conf text, split by family. Lines that are
 * not nameserver lines, and addresses that do not parse, are ignored (as the
 * resolver does), duplicates dropped. IPv6 zone ids ("fe80::1%eth0") are
 * dropped with the address: a rule cannot match them. More nameserver lines
 * than the limit nameservers (mtp-limits.h) are MTP_ERROR_INVALID_CONFIG. */
gboolean mtp_parse_resolv_conf (const char *text, GArray *ipv4, GArray *ipv6, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpHostFacts, mtp_host_facts_free)

G_END_DECLS
