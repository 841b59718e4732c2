/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "mtp-shlex.h"

void
fuzz_fail (const char *file, int line, const char *what, const char *format, ...)
{
  va_list args;

  fprintf (stderr, "%s:%d: property does not hold: %s\n", file, line, what);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  abort ();
}

/* GLib ends a fatal message with SIGTRAP, which libFuzzer does not take for
 * a crash (it keeps no input): abort() instead. Every message, the old API's
 * included, reaches the writer. */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (level, fields, n_fields, data);
      abort ();
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

void
fuzz_init (void)
{
  static gboolean done = FALSE;

  if (done)
    return;
  done = TRUE;
  g_log_set_writer_func (write_log, NULL, NULL);
}

char *
fuzz_string (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *)data, size);
}

static char *tmp_dir;

static void
remove_tmp_dir (void)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (tmp_dir == NULL)
    return;
  dir = g_dir_open (tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

const char *
fuzz_tmp_dir (void)
{
  const char *base;
  g_autofree char *template = NULL;

  if (tmp_dir != NULL)
    return tmp_dir;
  base = g_getenv ("MTP_FUZZ_TMPDIR");
  if (base == NULL || *base == '\0')
    base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0
               ? "/dev/shm"
               : g_get_tmp_dir ();
  template = g_build_filename (base, "mtp-fuzz-XXXXXX", NULL);
  if (g_mkdtemp (template) == NULL)
    fuzz_fail (__FILE__, __LINE__, "g_mkdtemp", "cannot make a directory in '%s': %s", base,
               g_strerror (errno));
  tmp_dir = g_steal_pointer (&template);
  atexit (remove_tmp_dir);
  return tmp_dir;
}

char *
fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  char *path = g_build_filename (fuzz_tmp_dir (), name, NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  size_t done = 0;

  if (fd < 0)
    fuzz_fail (__FILE__, __LINE__, "open", "'%s': %s", path, g_strerror (errno));
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        fuzz_fail (__FILE__, __LINE__, "write", "'%s': %s", path, g_strerror (errno));
      done += (size_t)n;
    }
  close (fd);
  return path;
}

static gboolean
strv_equal (char **a, char **b)
{
  return g_strv_equal ((const char *const *)a, (const char *const *)b);
}

gboolean
fuzz_direct_equal (const MtpDirect *a, const MtpDirect *b)
{
  if (a->chains->len != b->chains->len || a->rules->len != b->rules->len
      || a->passthroughs->len != b->passthroughs->len)
    return FALSE;
  for (guint i = 0; i < a->chains->len; i++)
    if (!mtp_direct_chain_equal (a->chains->pdata[i], b->chains->pdata[i]))
      return FALSE;
  for (guint i = 0; i < a->rules->len; i++)
    if (!mtp_direct_rule_equal (a->rules->pdata[i], b->rules->pdata[i]))
      return FALSE;
  for (guint i = 0; i < a->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *pa = a->passthroughs->pdata[i];
      const MtpDirectPassthrough *pb = b->passthroughs->pdata[i];

      if (strcmp (pa->ipv, pb->ipv) != 0 || !strv_equal (pa->args, pb->args))
        return FALSE;
    }
  return TRUE;
}

char *
fuzz_direct_to_string (const MtpDirect *direct)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < direct->chains->len; i++)
    {
      const MtpDirectChain *c = direct->chains->pdata[i];
      g_string_append_printf (out, "chain %s %s %s\n", c->ipv, c->table, c->chain);
    }
  for (guint i = 0; i < direct->rules->len; i++)
    {
      g_autofree char *rule = mtp_direct_rule_to_string (direct->rules->pdata[i]);
      g_string_append_printf (out, "rule %s\n", rule);
    }
  for (guint i = 0; i < direct->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *p = direct->passthroughs->pdata[i];
      g_autofree char *args = mtp_shlex_join ((const char *const *)p->args);
      g_string_append_printf (out, "passthrough %s %s\n", p->ipv, args);
    }
  return g_string_free (out, FALSE);
}
