/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-test-hooks.h"

#if defined(MTP_TEST_HOOKS) && MTP_TEST_HOOKS

const char *
mtp_test_hook_localedir (void)
{
  const char *dir = g_getenv ("MTP_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : NULL;
}

gboolean
mtp_test_hook_fail_commit (int *errsv)
{
  /* Counts the commits of the process: static, but only in the test build. */
  static guint n_commits;
  const char *hook = g_getenv ("MTP_TEST_FAIL_COMMIT");
  g_auto (GStrv) parts = NULL;

  n_commits++;
  if (hook == NULL)
    return FALSE;
  parts = g_strsplit (hook, ":", 2);
  if (parts[0] == NULL || parts[1] == NULL
      || (guint)g_ascii_strtoull (parts[0], NULL, 10) != n_commits)
    return FALSE;
  *errsv = (int)g_ascii_strtoull (parts[1], NULL, 10);
  return TRUE;
}

#else

const char *
mtp_test_hook_localedir (void)
{
  return NULL;
}

gboolean
mtp_test_hook_fail_commit (int *errsv)
{
  return FALSE;
}

#endif
