/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mtp-direct.h"

G_BEGIN_DECLS

/* What the libFuzzer targets in this directory share. A target checks a
 * property with FUZZ_CHECK: when it does not hold, the target says which and
 * aborts, which libFuzzer records as a crash with the input that caused it. */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

void fuzz_fail (const char *file, int line, const char *what, const char *format,
                ...) G_GNUC_NORETURN G_GNUC_PRINTF (4, 5);

#define FUZZ_CHECK(cond, ...)                                                                      \
  do                                                                                               \
    {                                                                                              \
      if (G_UNLIKELY (!(cond)))                                                                    \
        fuzz_fail (__FILE__, __LINE__, #cond, __VA_ARGS__);                                        \
    }                                                                                              \
  while (0)

/* Once per process: GLib criticals and warnings (a failed g_return_if_fail,
 * for one) abort like a crash. */
void fuzz_init (void);

/* The input as a C string: the bytes up to the first NUL. */
char *fuzz_string (const uint8_t *data, size_t size);

/* A directory of this process's own, made on first use and removed with its
 * files at exit: under $MTP_FUZZ_TMPDIR if set, else /dev/shm, else the
 * temporary directory. */
const char *fuzz_tmp_dir (void);

/* Writes data to <fuzz_tmp_dir()>/name, replacing it; returns the path. */
char *fuzz_write_file (const char *name, const uint8_t *data, size_t size);

/* Equal chains, rules and passthroughs, in the same order. */
gboolean fuzz_direct_equal (const MtpDirect *a, const MtpDirect *b);
/* One line per entry, for failure messages. */
char *fuzz_direct_to_string (const MtpDirect *direct);

G_END_DECLS
