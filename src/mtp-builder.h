/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-facts.h"
#include "mtp-rule.h"

G_BEGIN_DECLS

/* The desired rule set: pure, no I/O. Never fails for a validated config. */
MtpRuleset *mtp_build_ruleset (const MtpConfig *config, const MtpHostFacts *facts);

G_END_DECLS
