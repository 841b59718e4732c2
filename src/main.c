/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "mtp-cli.h"
#include "mtp-file.h"
#include "mtp-test-hooks.h"

int
main (int argc, char **argv)
{
  /* The test build's catalogues are those of the build tree (build/po). */
  const char *localedir = mtp_test_hook_localedir ();

  /* Before anything is opened: no file of ours may become fd 0, 1 or 2. */
  if (!mtp_file_open_standard_streams ())
    return 1;
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  return mtp_cli_run (argc, argv);
}
