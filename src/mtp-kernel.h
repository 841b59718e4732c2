/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-direct.h"

G_BEGIN_DECLS

/* The kernel's tables as the host's iptables tools see them (iptables-save,
 * read-only), in the direct form: user chains, and every rule with its
 * position in its chain as priority. Used to find rules that firewalld does
 * not track (an older installer's, or other programs' before firewalld 2.x
 * would flush them). The tables of the given family only; "raw", "mangle",
 * "nat" and "filter". */
/* The rules of every table of a family, from iptables-save (or
 * ip6tables-save): the host's tools, nft or legacy. */
MtpDirect *mtp_kernel_read (MtpFamily family, GError **error);
/* Runs iptables-save and ip6tables-save at once, for the calls below. */
void mtp_kernel_prefetch (void);
/* iptables-save's whole output; kept for the next mtp_kernel_read(). */
const char *mtp_kernel_save_text (MtpFamily family, GError **error);

/* Parses iptables-save output (exposed for tests). */
MtpDirect *mtp_kernel_parse_save (MtpFamily family, const char *text, GError **error);

G_END_DECLS
