/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-builder.h"

G_BEGIN_DECLS

/* The golden rule sets: options as given on the command line and the host
 * facts the builder sees, constructed directly so that no host is read. */
typedef struct
{
  const char *name;
  const char *options[12]; /* "name=value", as --name=value */
  const char *nameservers; /* comma-separated, or NULL */
  gboolean docker_output;
  gboolean ipv6_unusable;
} MtpTestCase;

#define MTP_TEST_UID 5678

extern const MtpTestCase mtp_test_cases[];
extern const guint mtp_n_test_cases;

/* Builds the case's ruleset; aborts the test on a bad case. */
MtpRuleset *mtp_test_case_build (const MtpTestCase *tc);

/* "<srcdir>/data/golden/<case>.<suffix>" */
char *mtp_test_golden_path (const MtpTestCase *tc, const char *suffix);

/* Compares text with a golden file; with MTP_UPDATE_GOLDEN=1 in the
 * environment, writes the file instead. An empty text means "no file". */
void mtp_test_assert_golden (const MtpTestCase *tc, const char *suffix, const char *text);

/* TRUE when root. Otherwise skips the test with the reason, or fails it when
 * MTP_FAIL_ON_SKIP=1 (CI runs as root and must run everything). */
gboolean mtp_test_require_root (const char *why);

G_END_DECLS
