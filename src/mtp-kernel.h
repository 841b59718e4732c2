/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-direct.h"

G_BEGIN_DECLS

/* The kernel's tables as the host's iptables tools see them (iptables-save,
 * read-only), in the direct form: user chains, and every rule with its
 * position in its chain as priority. Used to compare them with firewalld's
 * view, to find rules that firewalld does not track (an older installer's)
 * and other programs' rules before firewalld 2.x would flush them. */
/* The rules of every table of a family, from iptables-save (or
 * ip6tables-save): the host's tools, nft or legacy. */
MtpDirect *mtp_kernel_read (MtpFamily family, GError **error);
/* Runs iptables-save and ip6tables-save at once, for the calls below. */
void mtp_kernel_prefetch (void);
/* iptables-save's whole output; kept for the next mtp_kernel_read(). */
const char *mtp_kernel_save_text (MtpFamily family, GError **error);

/* Both families' tables, read as above, in one direct form. */
MtpDirect *mtp_kernel_read_all (GError **error);

/* Parses iptables-save output, splitting each rule line the way
 * iptables-restore reads it back (mtp_kernel_split_line). A line that cannot
 * be understood so (a name holding '"', a rule in a chain the table does not
 * declare, a line iptables-save does not write) is an error that names the
 * line: whoever reads the tables must not go on as if it were not there.
 * User chains become chains; every rule gets its position in its chain as
 * priority. */
MtpDirect *mtp_kernel_parse_save (MtpFamily family, const char *text, GError **error);

/* One line split as iptables-restore splits it (iptables 1.8, xshared.c,
 * add_param_to_argv): ' ', '\t' and '\n' separate; a '"' opens a quoted part,
 * in which '\\' takes the next character as it is and '"' closes it; outside
 * quotes '\\' and '\'' are ordinary. iptables-save quotes whole words only:
 * a quote inside a word, text right after a closing quote and a quote that
 * does not close are errors (then a name held a '"'). */
GStrv mtp_kernel_split_line (const char *line, GError **error);

/* The canonical form of a rule's arguments, into which both our direct
 * arguments and the words of an iptables-save line go, so that equal rules
 * compare equal: the base matches in iptables-save's order (-s, -d, -i, -o,
 * -p, -f, each with its '!', long option names made short, addresses with
 * their prefix length), then the match modules sorted by name, each with its
 * options (the implicit tcp or udp match of --dport/--sport made explicit, as
 * iptables-save prints it), then the target with its options. */
GStrv mtp_kernel_canonical_args (const char *const *args);

/* How the kernel's tables differ from the rules of ours firewalld tracks
 * (its runtime direct configuration, ours only). A kernel rule that equals,
 * in canonical form, a tracked one of the same chain stands for it; what is
 * left over: */
typedef struct
{
  GPtrArray *extra_chains;   /* of MtpDirectChain: ours by name, not tracked */
  GPtrArray *extra_rules;    /* of MtpDirectRule: recognisably ours, not tracked or changed */
  GPtrArray *missing_chains; /* of MtpDirectChain: tracked, not in the kernel */
  GPtrArray *missing_rules;  /* of MtpDirectRule: tracked, not in the kernel (kernel chain) */
} MtpKernelDiff;

/* TABLES: mtp_kernel_read_all(); TRACKED: firewalld's rules of ours;
 * DIRECT_CHAINS: firewalld's iptables backend, which puts the rules of a
 * built-in chain C into C_direct (missing_rules name that chain). */
MtpKernelDiff *mtp_kernel_compare (const MtpDirect *tables, const MtpDirect *tracked,
                                   gboolean direct_chains);
void mtp_kernel_diff_free (MtpKernelDiff *diff);
/* "ipv4 nat OUTPUT -p tcp -m comment --comment … -j …" for messages (the
 * canonical form). */
char *mtp_kernel_rule_to_string (const MtpDirectRule *rule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpKernelDiff, mtp_kernel_diff_free)

G_END_DECLS
