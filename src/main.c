/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "mtp-cli.h"

int
main (int argc, char **argv)
{
  /* Test hook: MTP_LOCALEDIR, when set, replaces LOCALEDIR so that the tests
   * can use the catalogues compiled in the build tree (build/po) before they
   * are installed. */
  const char *localedir = g_getenv ("MTP_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return mtp_cli_run (argc, argv);
}
