/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-kernel.h"
#include "mtp-shlex.h"

MtpDirect *
mtp_kernel_parse_save (MtpFamily family, const char *text, GError **error)
{
  g_autoptr (MtpDirect) d = mtp_direct_new ();
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *ipv = mtp_family_to_string (family);
  g_autofree char *table = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (line[0] == '*')
        {
          g_free (table);
          table = g_strdup (line + 1);
        }
      else if (line[0] == ':' && table != NULL)
        {
          g_auto (GStrv) words = g_strsplit (line + 1, " ", 2);
          /* Built-in chains have a policy, user chains "-". */
          if (words[1] != NULL && g_str_has_prefix (words[1], "-"))
            g_ptr_array_add (d->chains, mtp_direct_chain_new (ipv, table, words[0]));
        }
      else if (g_str_has_prefix (line, "-A ") && table != NULL)
        {
          g_autoptr (GError) local_error = NULL;
          /* iptables-save quotes with double quotes and backslashes, which
           * shlex reads the same way. */
          g_auto (GStrv) tokens = mtp_shlex_split (line, &local_error);
          g_autofree char *key = NULL;
          gint32 position;

          if (tokens == NULL || tokens[1] == NULL)
            {
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("cannot read iptables-save output line '%s'"), line);
              return NULL;
            }
          key = g_strdup_printf ("%s %s", table, tokens[1]);
          position = GPOINTER_TO_INT (g_hash_table_lookup (positions, key));
          g_hash_table_insert (positions, g_steal_pointer (&key), GINT_TO_POINTER (position + 1));
          g_ptr_array_add (d->rules, mtp_direct_rule_new (ipv, table, tokens[1], position,
                                                          (const char *const *)tokens + 2));
        }
    }
  return g_steal_pointer (&d);
}

/* The last mtp_kernel_save_text() of each family, for the next
 * mtp_kernel_read(): a run that looks at the tables for its facts and then
 * compares them with firewalld's view starts iptables-save once per family,
 * not twice. */
static char *saved_text[2];
/* Saves started by mtp_kernel_prefetch() and not yet waited for. */
static GSubprocess *started[2];

static const char *
save_program (MtpFamily family)
{
  return family == MTP_FAMILY_IPV4 ? "iptables-save" : "ip6tables-save";
}

static GSubprocess *
start_save (MtpFamily family, GError **error)
{
  /* From $PATH, as iptables' users expect, but only a program that nobody
   * but root (or the caller) could have put there. */
  g_autofree char *program = mtp_file_find_program (save_program (family), error);
  const char *argv[] = { program, NULL };
  g_autoptr (GError) local_error = NULL;
  GSubprocess *proc;

  if (program == NULL)
    return NULL;
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &local_error);
  if (proc == NULL)
    g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("cannot run %s: %s"), argv[0],
                 local_error->message);
  return proc;
}

/* Waits for a save started by start_save(), and takes its output. */
static char *
finish_save (GSubprocess *proc, MtpFamily family, GError **error)
{
  g_autoptr (GSubprocess) owned = proc;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *err_text = NULL;
  gsize len;
  const char *data;

  if (proc == NULL)
    return NULL;
  if (!g_subprocess_communicate (proc, NULL, NULL, &out, &err, &local_error))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("cannot run %s: %s"),
                   save_program (family), local_error->message);
      return NULL;
    }
  if (!g_spawn_check_exit_status (g_subprocess_get_status (proc), &local_error))
    {
      data = err != NULL ? g_bytes_get_data (err, &len) : NULL;
      err_text = data != NULL ? g_strstrip (g_strndup (data, len)) : NULL;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%s failed: %s"), save_program (family),
                   err_text != NULL && *err_text ? err_text : local_error->message);
      return NULL;
    }
  data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
  return data != NULL ? g_strndup (data, len) : g_strdup ("");
}

void
mtp_kernel_prefetch (void)
{
  static const MtpFamily families[] = { MTP_FAMILY_IPV4, MTP_FAMILY_IPV6 };

  /* Side by side, and not waited for here: two saves cost about what one
   * does, and the caller goes on meanwhile. A save that cannot start is
   * left for the read that needs the text, which starts it again and says. */
  for (guint f = 0; f < 2; f++)
    if (saved_text[f] == NULL && started[f] == NULL)
      started[f] = start_save (families[f], NULL);
}

/* The text of the family's save: the prefetched one, waited for, or one run
 * now. */
static char *
take_save (guint f, MtpFamily family, GError **error)
{
  if (started[f] == NULL)
    return finish_save (start_save (family, error), family, error);
  return finish_save (g_steal_pointer (&started[f]), family, error);
}

const char *
mtp_kernel_save_text (MtpFamily family, GError **error)
{
  guint f = family == MTP_FAMILY_IPV4 ? 0 : 1;

  if (saved_text[f] == NULL)
    saved_text[f] = take_save (f, family, error);
  return saved_text[f];
}

MtpDirect *
mtp_kernel_read (MtpFamily family, GError **error)
{
  guint f = family == MTP_FAMILY_IPV4 ? 0 : 1;
  /* Used once: a later read must see what changed since. */
  g_autofree char *text
      = saved_text[f] != NULL ? g_steal_pointer (&saved_text[f]) : take_save (f, family, error);

  if (text == NULL)
    return NULL;
  return mtp_kernel_parse_save (family, text, error);
}
