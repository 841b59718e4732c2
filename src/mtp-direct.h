/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-rule.h"

G_BEGIN_DECLS

/* firewalld's direct configuration, as its D-Bus interface and direct.xml
 * carry it: chains (ipv, table, chain), rules (ipv, table, chain, priority,
 * args) and passthroughs (ipv, args). The firewalld stores read and write
 * this form; a plan between two of them says what to add and remove. */

typedef struct
{
  char *ipv; /* "ipv4", "ipv6" (firewalld also knows "eb") */
  char *table;
  char *chain;
} MtpDirectChain;

typedef struct
{
  char *ipv;
  char *table;
  char *chain;
  gint32 priority;
  GStrv args;
} MtpDirectRule;

typedef struct
{
  char *ipv;
  GStrv args;
} MtpDirectPassthrough;

typedef struct
{
  GPtrArray *chains;       /* of MtpDirectChain */
  GPtrArray *rules;        /* of MtpDirectRule */
  GPtrArray *passthroughs; /* of MtpDirectPassthrough */
} MtpDirect;

MtpDirectChain *mtp_direct_chain_new (const char *ipv, const char *table, const char *chain);
MtpDirectChain *mtp_direct_chain_copy (const MtpDirectChain *chain);
void mtp_direct_chain_free (MtpDirectChain *chain);
gboolean mtp_direct_chain_equal (const MtpDirectChain *a, const MtpDirectChain *b);
/* Whether chains (of MtpDirectChain) holds one equal to c. */
gboolean mtp_direct_has_chain (const GPtrArray *chains, const MtpDirectChain *c);

MtpDirectRule *mtp_direct_rule_new (const char *ipv, const char *table, const char *chain,
                                    gint32 priority, const char *const *args);
MtpDirectRule *mtp_direct_rule_copy (const MtpDirectRule *rule);
void mtp_direct_rule_free (MtpDirectRule *rule);
/* firewalld's rule key: all five parts, args token by token. */
gboolean mtp_direct_rule_equal (const MtpDirectRule *a, const MtpDirectRule *b);
/* "ipv4 nat OUTPUT 0 -p tcp -j X" (args shell-quoted), for messages. */
char *mtp_direct_rule_to_string (const MtpDirectRule *rule);

MtpDirectPassthrough *mtp_direct_passthrough_new (const char *ipv, const char *const *args);
void mtp_direct_passthrough_free (MtpDirectPassthrough *passthrough);

MtpDirect *mtp_direct_new (void);
void mtp_direct_free (MtpDirect *direct);
/* The direct form of a rule set: our chains and rules, both families. */
MtpDirect *mtp_direct_from_ruleset (const MtpRuleset *ruleset);
gboolean mtp_direct_is_empty (const MtpDirect *direct);

/* Ownership. A chain is ours by name: the KUMA_MESH_ prefix, or one of the
 * chains of Kuma 2.0/2.1 (MESH_INBOUND, MESH_REDIRECT, MESH_IN_REDIRECT,
 * MESH_OUTPUT). A rule is ours when it lives in one of our chains, carries our
 * comment prefix, or jumps (-j/-g) to one of our chains. Passthroughs are
 * never ours. */
gboolean mtp_direct_chain_name_is_ours (const char *chain);
gboolean mtp_direct_rule_is_ours (const MtpDirectRule *rule);
/* Splits into ours and the rest (copies). Entries equal to one of known's
 * (may be NULL) are ours too: without comments a rule in a built-in chain is
 * not recognisable by itself, but it is by the configured set. Either out may
 * be NULL. */
void mtp_direct_split (const MtpDirect *all, const MtpDirect *known, MtpDirect **ours,
                       MtpDirect **foreign);

/* What firewalld accepts for ipv and table: checked before any permanent
 * call (a bad one makes firewalld 1.3.3-2.5 drop its permanent rule list). */
gboolean mtp_direct_validate (const MtpDirect *direct, GError **error);

/* (a(sss)a(sssias)a(sas)): config.direct getSettings()/update(). */
GVariant *mtp_direct_to_variant (const MtpDirect *direct);
MtpDirect *mtp_direct_from_variant (GVariant *settings, GError **error);

/* The difference that turns current (ours only) into desired. Removals of
 * rules come before removals of chains; additions of chains before rules. */
typedef struct
{
  GPtrArray *add_chains;    /* of MtpDirectChain */
  GPtrArray *add_rules;     /* of MtpDirectRule */
  GPtrArray *remove_rules;  /* of MtpDirectRule */
  GPtrArray *remove_chains; /* of MtpDirectChain */
} MtpDirectPlan;

MtpDirectPlan *mtp_direct_plan_new (const MtpDirect *desired, const MtpDirect *current);
void mtp_direct_plan_free (MtpDirectPlan *plan);
gboolean mtp_direct_plan_is_empty (const MtpDirectPlan *plan);
/* The plan that undoes this one. */
MtpDirectPlan *mtp_direct_plan_invert (const MtpDirectPlan *plan);
guint mtp_direct_plan_n_changes (const MtpDirectPlan *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirectChain, mtp_direct_chain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirectRule, mtp_direct_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirectPassthrough, mtp_direct_passthrough_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirect, mtp_direct_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirectPlan, mtp_direct_plan_free)

G_END_DECLS
