/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-types.h"

G_BEGIN_DECLS

/* The typed rule model. Renderers turn it into iptables-restore text,
 * firewalld direct arguments, direct.xml and JSON; later into libiptc entries. */

#define MTP_CHAIN_PREFIX   "KUMA_MESH_"
#define MTP_COMMENT_PREFIX "kuma/mesh/transparent/proxy/"

typedef enum
{
  MTP_TABLE_RAW,
  MTP_TABLE_MANGLE,
  MTP_TABLE_NAT,
  MTP_TABLE_N,
} MtpTable;

typedef enum
{
  MTP_POSITION_APPEND,
  MTP_POSITION_INSERT, /* at the top of the chain, in build order */
} MtpPosition;

typedef enum
{
  MTP_MATCH_PROTOCOL,    /* -p tcp|udp */
  MTP_MATCH_SOURCE,      /* [!] -s CIDR */
  MTP_MATCH_DESTINATION, /* [!] -d CIDR */
  MTP_MATCH_IN_IFACE,    /* [!] -i IFACE */
  MTP_MATCH_OUT_IFACE,   /* [!] -o IFACE */
  MTP_MATCH_SPORT,       /* --sport N (needs a protocol match before it) */
  MTP_MATCH_DPORT,       /* --dport N */
  MTP_MATCH_MULTIPORT,   /* -m multiport --dports LIST (the protocol follows it) */
  MTP_MATCH_OWNER,       /* -m owner [!] --uid-owner A[-B] */
  MTP_MATCH_CTSTATE,     /* -m conntrack --ctstate INVALID */
} MtpMatchType;

typedef enum
{
  MTP_CTSTATE_INVALID = 1 << 0,
} MtpCtState;

typedef struct
{
  MtpMatchType type;
  gboolean invert;
  union
  {
    MtpProtoSet protocol; /* exactly one of TCP/UDP */
    MtpCidr cidr;
    char iface[MTP_IFNAMSIZ];
    guint16 port;
    struct
    {
      MtpProtoSet protocol; /* multiport needs -p: TCP or UDP */
      guint n_ports;
      MtpPortRange ports[15]; /* a range counts as two of the 15 */
    } multiport;
    MtpUidRange uids;
    MtpCtState ctstate;
  };
} MtpMatch;

#define MTP_MULTIPORT_MAX 15

/* Priorities: kind * MTP_PRIORITY_STEP + n-th rule of that kind in the chain;
 * inserted rules below zero. At most MTP_PRIORITY_STEP rules of one kind: the
 * limit rules (mtp-limits.h) keeps a whole rule set below it. */
#define MTP_RANKS_MAX     64
#define MTP_PRIORITY_STEP 100000

typedef enum
{
  MTP_TARGET_RETURN,
  MTP_TARGET_JUMP,     /* to a chain (ours or DOCKER_OUTPUT) */
  MTP_TARGET_REDIRECT, /* --to-ports */
  MTP_TARGET_CT,       /* --zone */
  MTP_TARGET_LOG,      /* --log-prefix --log-level */
  MTP_TARGET_DROP,
} MtpTargetType;

typedef struct
{
  MtpTargetType type;
  char *chain;      /* JUMP */
  guint16 port;     /* REDIRECT */
  guint16 zone;     /* CT */
  char *log_prefix; /* LOG */
  guint8 log_level; /* LOG */
} MtpTarget;

typedef struct
{
  MtpFamily family;
  MtpTable table;
  char *chain;
  MtpPosition position;
  char *comment;   /* without the prefix; NULL when comments are disabled */
  GArray *matches; /* of MtpMatch, in order */
  MtpTarget target;
  /* The rule's kind (its place in the builder's fixed order of kinds); the
   * firewalld priority is derived from it, so that adding a rule of one kind
   * leaves the priorities of the other kinds alone. */
  guint rank;
  /* Assigned by mtp_ruleset_finalize(): order inside the chain for firewalld
   * (lower first, distinct per chain) and the 1-based -I index for inserts. */
  gint32 priority;
  guint insert_index;
} MtpRule;

typedef struct
{
  MtpFamily family;
  MtpTable table;
  char *name;
} MtpChain;

typedef struct
{
  GPtrArray *chains;  /* of MtpChain: ours, created before any rule */
  GPtrArray *rules;   /* of MtpRule, in build order */
  GPtrArray *notices; /* of char*: what the builder decided and why */
  char *loopback;     /* the loopback interface the rules name */
} MtpRuleset;

const char *mtp_table_to_string (MtpTable table);
gboolean mtp_table_from_string (const char *name, MtpTable *out);

MtpRule *mtp_rule_new (MtpFamily family, MtpTable table, const char *chain, MtpPosition position);
void mtp_rule_free (MtpRule *rule);
MtpMatch *mtp_rule_add_match (MtpRule *rule, MtpMatchType type, gboolean invert);
void mtp_rule_set_comment (MtpRule *rule, const char *comment);

/* The iptables arguments of the rule, without "-A CHAIN": what firewalld
 * takes as the args of a direct rule. */
/* Whether every value of the rule (chains, comment, interfaces, log prefix)
 * is in the one alphabet of rules (mtp-token.h), which mtp_rule_to_args
 * requires. */
gboolean mtp_rule_check_values (const MtpRule *rule, GError **error);
GStrv mtp_rule_to_args (const MtpRule *rule);

MtpChain *mtp_chain_new (MtpFamily family, MtpTable table, const char *name);
void mtp_chain_free (MtpChain *chain);

MtpRuleset *mtp_ruleset_new (void);
void mtp_ruleset_free (MtpRuleset *ruleset);
void mtp_ruleset_add_chain (MtpRuleset *ruleset, MtpFamily family, MtpTable table,
                            const char *name);
void mtp_ruleset_add_rule (MtpRuleset *ruleset, MtpRule *rule); /* takes ownership */
void mtp_ruleset_add_notice (MtpRuleset *ruleset, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Whether the ruleset holds anything for the family. */
gboolean mtp_ruleset_has_family (const MtpRuleset *ruleset, MtpFamily family);
/* Assigns priorities and insert indexes; call once after building. */
void mtp_ruleset_finalize (MtpRuleset *ruleset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpRule, mtp_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpChain, mtp_chain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpRuleset, mtp_ruleset_free)

G_END_DECLS
