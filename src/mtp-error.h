/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MTP_ERROR (mtp_error_quark ())

/* One domain for the whole program. The exit code of a run follows from the
 * code of the error that ended it (see mtp_error_to_exit_code). */
typedef enum
{
  MTP_ERROR_FAILED,         /* a runtime failure: I/O, a store refused a change */
  MTP_ERROR_INVALID_ARGS,   /* a bad option or option value */
  MTP_ERROR_INVALID_CONFIG, /* a bad configuration file */
  MTP_ERROR_NOT_FOUND,      /* something named does not exist, e.g. the proxy user */
  MTP_ERROR_NOT_SUPPORTED,  /* valid, but not supported (yet) */
  MTP_ERROR_PERMISSION,     /* not allowed: missing privilege or authorisation */
  MTP_ERROR_INTERRUPTED,    /* a signal ended the run; what it had applied was undone */
} MtpError;

/* Documented in mesh-tproxy(8). */
typedef enum
{
  MTP_EXIT_OK = 0,
  MTP_EXIT_FAILURE = 1, /* runtime failure; nothing of this run is left applied */
  MTP_EXIT_USAGE = 2,   /* bad command line, option value or config file */
  MTP_EXIT_NOT_SUPPORTED = 3,
  MTP_EXIT_PERMISSION = 4,
  MTP_EXIT_NOT_INSTALLED = 5,  /* status: none of our rules are there */
  MTP_EXIT_DRIFTED = 6,        /* status: some are, but not exactly the desired set */
  MTP_EXIT_PERMANENT_ONLY = 7, /* status: in firewalld's permanent configuration, not live */
  MTP_EXIT_UNKNOWN = 8,        /* status: a store could not be read or understood */
  MTP_EXIT_INTERRUPTED = 9,    /* a signal ended the run; the host is as it was before */
} MtpExitCode;

GQuark mtp_error_quark (void);
MtpExitCode mtp_error_to_exit_code (const GError *error);

G_END_DECLS
