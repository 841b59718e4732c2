/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Test hooks. They read the environment only in mesh-tproxy-test, a
 * executable that is built from the same objects for the tests and never
 * installed (src/meson.build compiles this module a second time, with
 * MTP_TEST_HOOKS=1, for it alone); in the installed mesh-tproxy they are
 * constants, and the variables' names are not in the binary. */

/* MTP_LOCALEDIR: where the message catalogues are, instead of LOCALEDIR (the
 * tests use those compiled in the build tree). NULL: LOCALEDIR. */
const char *mtp_test_hook_localedir (void);

/* MTP_TEST_FAIL_COMMIT=N:ERRNO: the N-th commit of libiptc tables in the
 * process (counting from 1) fails with ERRNO, as the kernel would (ENOENT:
 * a revision it lacks; EAGAIN: another writer changed the table). Called
 * once per commit; TRUE (and *errsv set) when this one is to fail. */
gboolean mtp_test_hook_fail_commit (int *errsv);

G_END_DECLS
