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
void mtp_host_facts_free (MtpHostFacts *facts);

/* In two steps, so that the caller can work while iptables-save runs: the
 * first gathers what can fail (the user, resolv.conf) and starts the
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
 * dropped with the address: a rule cannot match them. */
void mtp_parse_resolv_conf (const char *text, GArray *ipv4, GArray *ipv6);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpHostFacts, mtp_host_facts_free)

G_END_DECLS
