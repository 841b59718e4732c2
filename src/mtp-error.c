/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-error.h"

GQuark
mtp_error_quark (void)
{
  return g_quark_from_static_string ("mtp-error-quark");
}

MtpExitCode
mtp_error_to_exit_code (const GError *error)
{
  if (error == NULL)
    return MTP_EXIT_OK;
  if (error->domain == G_OPTION_ERROR)
    return MTP_EXIT_USAGE;
  if (error->domain != MTP_ERROR)
    return MTP_EXIT_FAILURE;

  switch ((MtpError)error->code)
    {
      case MTP_ERROR_INVALID_ARGS:
      case MTP_ERROR_INVALID_CONFIG:
      case MTP_ERROR_NOT_FOUND:
        return MTP_EXIT_USAGE;
      case MTP_ERROR_NOT_SUPPORTED:
        return MTP_EXIT_NOT_SUPPORTED;
      case MTP_ERROR_PERMISSION:
        return MTP_EXIT_PERMISSION;
      case MTP_ERROR_INTERRUPTED:
        return MTP_EXIT_INTERRUPTED;
      case MTP_ERROR_FAILED:
      default:
        return MTP_EXIT_FAILURE;
    }
}
