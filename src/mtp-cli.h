/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The whole program behind main(): returns the exit code. */
int mtp_cli_run (int argc, char **argv);

G_END_DECLS
