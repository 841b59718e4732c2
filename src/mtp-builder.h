/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-facts.h"
#include "mtp-rule.h"

G_BEGIN_DECLS

/* The desired rule set: pure, no I/O. Fails only when it would hold more
 * than the limit rules (mtp-limits.h): MTP_ERROR_INVALID_ARGS, naming the
 * option whose rules reached it. */
MtpRuleset *mtp_build_ruleset (const MtpConfig *config, const MtpHostFacts *facts, GError **error);

G_END_DECLS
