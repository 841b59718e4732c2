/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-kernel.h"
#include "mtp-parse.h"
#include "mtp-shlex.h"

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\n';
}

/* The way iptables-restore splits a line (iptables 1.8, xshared.c,
 * add_param_to_argv): ' ', '\t' and '\n' separate; a '"' opens a quoted
 * part, in which a '\\' takes the next character as it is and a '"' closes
 * it and ends the word; outside quotes '\\' and '\'' are ordinary characters.
 * iptables-save quotes only whole words (xtables_save_string: a quote at the
 * start of a word, and a blank or the end after the closing one), and prints
 * other names (interfaces, chains) as they are. So a quote inside a word, text
 * right after a closing quote or a quote that does not close means a name
 * holding '"': iptables-restore would read another rule than the kernel's,
 * and so would we. Then NULL, and WHY says which. */
static GStrv
split_line (const char *line, const char **why)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) word = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line; *p != '\0'; p++)
    {
      if (quoted)
        {
          if (*p == '\\' && p[1] != '\0')
            g_string_append_c (word, *++p);
          else if (*p == '"')
            {
              quoted = FALSE;
              if (p[1] != '\0' && !is_blank (p[1]))
                {
                  *why = N_ ("text right after a closing quote");
                  return NULL;
                }
              g_ptr_array_add (words, g_strndup (word->str, word->len));
              g_string_truncate (word, 0);
            }
          else
            g_string_append_c (word, *p);
        }
      else if (*p == '"')
        {
          if (word->len > 0)
            {
              *why = N_ ("a quote inside a word");
              return NULL;
            }
          quoted = TRUE;
        }
      else if (is_blank (*p))
        {
          if (word->len > 0)
            g_ptr_array_add (words, g_strndup (word->str, word->len));
          g_string_truncate (word, 0);
        }
      else
        g_string_append_c (word, *p);
    }
  if (quoted)
    {
      *why = N_ ("a quote that does not close");
      return NULL;
    }
  if (word->len > 0)
    g_ptr_array_add (words, g_strndup (word->str, word->len));
  g_ptr_array_add (words, NULL);
  return (GStrv)g_ptr_array_free (g_steal_pointer (&words), FALSE);
}

GStrv
mtp_kernel_split_line (const char *line, GError **error)
{
  const char *why = NULL;
  GStrv words = split_line (line, &why);

  if (words == NULL)
    {
      g_autofree char *escaped = g_strescape (line, NULL);
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, "'%s': %s", escaped, _ (why));
    }
  return words;
}

static const char *
save_program (MtpFamily family)
{
  return family == MTP_FAMILY_IPV4 ? "iptables-save" : "ip6tables-save";
}

/* Sets the error for a line that cannot be understood; NULL. */
static MtpDirect *
fail_line (MtpFamily family, guint number, const char *line, const char *why, GError **error)
{
  g_autofree char *escaped = g_strescape (line, NULL);

  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("line %u of %s's output cannot be understood (%s): '%s'"), number,
               save_program (family), _ (why), escaped);
  return NULL;
}

MtpDirect *
mtp_kernel_parse_save (MtpFamily family, const char *text, GError **error)
{
  g_autoptr (MtpDirect) d = mtp_direct_new ();
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GHashTable) positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The chains the current table declares ("table chain"). */
  g_autoptr (GHashTable) declared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *ipv = mtp_family_to_string (family);
  g_autofree char *table = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *why = NULL;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (line[0] == '*')
        {
          if (line[1] == '\0' || strpbrk (line + 1, " \t") != NULL)
            return fail_line (family, i + 1, line, N_ ("not a table name"), error);
          g_free (table);
          table = g_strdup (line + 1);
        }
      else if (strcmp (line, "COMMIT") == 0 && table != NULL)
        g_clear_pointer (&table, g_free);
      else if (line[0] == ':' && table != NULL)
        {
          /* As iptables-restore reads it (strtok): the name and the policy,
           * split at blanks, no quoting; user chains have the policy "-". */
          g_auto (GStrv) parts = g_strsplit_set (line + 1, " \t", -1);
          g_autoptr (GPtrArray) words = g_ptr_array_new ();
          g_autofree char *key = NULL;

          for (guint j = 0; parts[j] != NULL; j++)
            if (*parts[j] != '\0')
              g_ptr_array_add (words, parts[j]);
          if (words->len < 2)
            return fail_line (family, i + 1, line, N_ ("not a chain with its policy"), error);
          key = g_strdup_printf ("%s %s", table, (char *)words->pdata[0]);
          g_hash_table_add (declared, g_steal_pointer (&key));
          if (strcmp (words->pdata[1], "-") == 0)
            g_ptr_array_add (d->chains, mtp_direct_chain_new (ipv, table, words->pdata[0]));
        }
      else if (g_str_has_prefix (line, "-A ") && table != NULL)
        {
          g_auto (GStrv) words = split_line (line, &why);
          g_autofree char *key = NULL;
          gint32 position;

          if (words == NULL)
            return fail_line (family, i + 1, line, why, error);
          if (words[1] == NULL)
            return fail_line (family, i + 1, line, N_ ("no chain"), error);
          key = g_strdup_printf ("%s %s", table, words[1]);
          /* A chain name holding a quote reads back as another name. */
          if (!g_hash_table_contains (declared, key))
            return fail_line (family, i + 1, line, N_ ("a chain the table does not declare"),
                              error);
          position = GPOINTER_TO_INT (g_hash_table_lookup (positions, key));
          g_hash_table_insert (positions, g_steal_pointer (&key), GINT_TO_POINTER (position + 1));
          g_ptr_array_add (d->rules, mtp_direct_rule_new (ipv, table, words[1], position,
                                                          (const char *const *)words + 2));
        }
      else
        return fail_line (family, i + 1, line,
                          table != NULL ? N_ ("not a line iptables-save writes")
                                        : N_ ("outside of a table"),
                          error);
    }
  if (table != NULL)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("%s's output ends inside table %s (no COMMIT)"), save_program (family),
                   table);
      return NULL;
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

MtpDirect *
mtp_kernel_read_all (GError **error)
{
  static const MtpFamily families[] = { MTP_FAMILY_IPV4, MTP_FAMILY_IPV6 };
  g_autoptr (MtpDirect) all = mtp_direct_new ();

  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      g_autoptr (MtpDirect) d = NULL;

      /* A kernel without IPv6 has no ip6 tables (and ip6tables-save fails
       * there): nothing can be in them. */
      if (families[f] == MTP_FAMILY_IPV6 && !g_file_test ("/proc/sys/net/ipv6", G_FILE_TEST_IS_DIR))
        continue;
      d = mtp_kernel_read (families[f], error);
      if (d == NULL)
        return NULL;
      g_ptr_array_extend_and_steal (all->chains, g_steal_pointer (&d->chains));
      g_ptr_array_extend_and_steal (all->rules, g_steal_pointer (&d->rules));
      d->chains = g_ptr_array_new ();
      d->rules = g_ptr_array_new ();
    }
  return g_steal_pointer (&all);
}

/* The canonical form. */

/* -s, -d, -i, -o, -p, -f: iptables-save prints them first, in this order. */
static const struct
{
  const char *flag, *long_flag, *long_flag2;
  gboolean takes_value;
} base_options[] = {
  { "-s", "--source", "--src", TRUE },    { "-d", "--destination", "--dst", TRUE },
  { "-i", "--in-interface", NULL, TRUE }, { "-o", "--out-interface", NULL, TRUE },
  { "-p", "--protocol", NULL, TRUE },     { "-f", "--fragment", NULL, FALSE },
};

/* The options of the match modules our rules use; the options of another
 * module stay with the module they follow. */
static const char *const port_options[]
    = { "--sport", "--source-port", "--dport", "--destination-port", NULL };
static const char *const tcp_options[]
    = { "--sport",     "--source-port", "--dport",      "--destination-port",
        "--tcp-flags", "--syn",         "--tcp-option", NULL };
static const char *const comment_options[] = { "--comment", NULL };
static const char *const multiport_options[]
    = { "--ports", "--sports", "--dports", "--source-ports", "--destination-ports", NULL };
static const char *const owner_options[]
    = { "--uid-owner", "--gid-owner", "--socket-exists", "--suppl-groups", NULL };
static const char *const conntrack_options[] = { "--ctstate",       "--ctstatus",
                                                 "--ctproto",       "--ctorigsrc",
                                                 "--ctorigdst",     "--ctreplsrc",
                                                 "--ctrepldst",     "--ctorigsrcport",
                                                 "--ctorigdstport", "--ctreplsrcport",
                                                 "--ctrepldstport", "--ctexpire",
                                                 "--ctdir",         NULL };
static const struct
{
  const char *name;
  const char *const *options;
} known_modules[] = {
  { "tcp", tcp_options },         { "udp", port_options },
  { "comment", comment_options }, { "multiport", multiport_options },
  { "owner", owner_options },     { "conntrack", conntrack_options },
};

typedef struct
{
  char kind; /* 'm' (a match module), 'j' or 'g' (the target), or 0 (words before any) */
  char *name;
  guint order;
  GPtrArray *words;
} Group;

static void
group_free (Group *g)
{
  g_free (g->name);
  g_ptr_array_unref (g->words);
  g_free (g);
}

static Group *
group_new (GPtrArray *groups, char kind, const char *name)
{
  Group *g = g_new0 (Group, 1);

  g->kind = kind;
  g->name = g_strdup (name);
  g->order = groups->len;
  g->words = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (groups, g);
  return g;
}

/* Whether G is a known match module without OPTION. */
static gboolean
module_lacks (const Group *g, const char *option)
{
  for (guint i = 0; g->kind == 'm' && i < G_N_ELEMENTS (known_modules); i++)
    if (strcmp (g->name, known_modules[i].name) == 0)
      return !g_strv_contains (known_modules[i].options, option);
  return FALSE;
}

/* Where an option goes: to the current group (the target, or a module that
 * may have it), or, for a port option the current module lacks, to the match
 * of the protocol (iptables loads the tcp or udp match for it where it first
 * appears; iptables-save prints it as "-m tcp"). */
static Group *
group_for (GPtrArray *groups, Group *current, const char *protocol, const char *option)
{
  if (current != NULL && !module_lacks (current, option))
    return current;
  if (g_strv_contains (port_options, option)
      && (g_strcmp0 (protocol, "tcp") == 0 || g_strcmp0 (protocol, "udp") == 0))
    {
      for (guint i = 0; i < groups->len; i++)
        {
          Group *g = groups->pdata[i];
          if (g->kind == 'm' && g_strcmp0 (g->name, protocol) == 0)
            return g;
        }
      return group_new (groups, 'm', protocol);
    }
  if (current != NULL)
    return current;
  return group_new (groups, 0, "");
}

static int
group_rank (const Group *g)
{
  return g->kind == 0 ? 0 : g->kind == 'm' ? 1 : 2;
}

/* Stray words first, then the match modules by name (then as given), then
 * the target. */
static int
compare_groups (gconstpointer a, gconstpointer b)
{
  const Group *ga = *(const Group *const *)a;
  const Group *gb = *(const Group *const *)b;
  int c = group_rank (ga) - group_rank (gb);

  if (c == 0 && ga->kind == 'm')
    c = strcmp (ga->name, gb->name);
  return c != 0 ? c : (int)ga->order - (int)gb->order;
}

static int
base_option (const char *word)
{
  for (guint b = 0; b < G_N_ELEMENTS (base_options); b++)
    if (strcmp (word, base_options[b].flag) == 0 || g_strcmp0 (word, base_options[b].long_flag) == 0
        || g_strcmp0 (word, base_options[b].long_flag2) == 0)
      return (int)b;
  return -1;
}

/* Addresses with their prefix length (iptables-save prints "/32"), protocol
 * names in lower case. */
static char *
canonical_value (guint base, const char *text)
{
  MtpCidr cidr;

  if (base <= 1 && mtp_parse_cidr (text, &cidr, NULL))
    return mtp_cidr_to_string (&cidr, TRUE);
  if (base == 4) /* the protocol: iptables takes "TCP" for "tcp" */
    return g_ascii_strdown (text, -1);
  return g_strdup (text);
}

GStrv
mtp_kernel_canonical_args (const char *const *args)
{
  struct
  {
    gboolean set, invert;
    char *value;
  } base[G_N_ELEMENTS (base_options)] = { { 0 } };
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify)group_free);
  GPtrArray *out = g_ptr_array_new ();
  Group *current = NULL;
  gboolean invert = FALSE;
  guint n = g_strv_length ((char **)args);
  g_autofree char *protocol = NULL;

  /* The protocol decides where a port option goes, wherever -p stands. */
  for (guint i = 0; i + 1 < n; i++)
    if (base_option (args[i]) == 4)
      {
        g_free (protocol);
        protocol = g_ascii_strdown (args[i + 1], -1);
      }
  for (guint i = 0; i < n;)
    {
      const char *w = args[i];
      const char *next = i + 1 < n ? args[i + 1] : "";
      int b = base_option (w);

      if (strcmp (w, "!") == 0)
        {
          invert = TRUE;
          i++;
          continue;
        }
      if (b >= 0)
        {
          base[b].set = TRUE;
          base[b].invert = invert;
          g_free (base[b].value);
          base[b].value = base_options[b].takes_value ? canonical_value (b, next) : NULL;
          i += base_options[b].takes_value ? 2 : 1;
        }
      else if (strcmp (w, "-m") == 0 || strcmp (w, "--match") == 0)
        {
          current = group_new (groups, 'm', next);
          i += 2;
        }
      else if (strcmp (w, "-j") == 0 || strcmp (w, "--jump") == 0)
        {
          current = group_new (groups, 'j', next);
          i += 2;
        }
      else if (strcmp (w, "-g") == 0 || strcmp (w, "--goto") == 0)
        {
          current = group_new (groups, 'g', next);
          i += 2;
        }
      else if (w[0] == '-')
        {
          /* An option, and its values: the words up to the next option. */
          Group *g = group_for (groups, current, protocol, w);

          if (invert)
            g_ptr_array_add (g->words, g_strdup ("!"));
          g_ptr_array_add (g->words, g_strdup (w));
          for (i++; i < n && args[i][0] != '-' && strcmp (args[i], "!") != 0; i++)
            g_ptr_array_add (g->words, g_strdup (args[i]));
        }
      else
        {
          /* A stray word: kept where it stood. */
          Group *g = current != NULL ? current : group_for (groups, NULL, NULL, w);

          if (invert)
            g_ptr_array_add (g->words, g_strdup ("!"));
          g_ptr_array_add (g->words, g_strdup (w));
          i++;
        }
      invert = FALSE;
    }

  for (guint b = 0; b < G_N_ELEMENTS (base_options); b++)
    {
      if (!base[b].set)
        continue;
      if (base[b].invert)
        g_ptr_array_add (out, g_strdup ("!"));
      g_ptr_array_add (out, g_strdup (base_options[b].flag));
      if (base[b].value != NULL)
        g_ptr_array_add (out, g_steal_pointer (&base[b].value));
    }
  g_ptr_array_sort (groups, compare_groups);
  for (guint i = 0; i < groups->len; i++)
    {
      const Group *g = groups->pdata[i];

      if (g->kind != 0)
        {
          g_ptr_array_add (out, g_strdup_printf ("-%c", g->kind));
          g_ptr_array_add (out, g_strdup (g->name));
        }
      for (guint w = 0; w < g->words->len; w++)
        g_ptr_array_add (out, g_strdup (g->words->pdata[w]));
    }
  g_ptr_array_add (out, NULL);
  return (GStrv)g_ptr_array_free (out, FALSE);
}

/* The comparison. */

static gboolean
is_direct_chain_backend (const char *chain, gboolean direct_chains)
{
  return direct_chains && !mtp_direct_chain_name_is_ours (chain);
}

/* The chain a tracked rule lives in, in the kernel. */
static char *
kernel_chain (const char *chain, gboolean direct_chains)
{
  return is_direct_chain_backend (chain, direct_chains) ? g_strconcat (chain, "_direct", NULL)
                                                        : g_strdup (chain);
}

static char *
compare_key (const char *ipv, const char *table, const char *chain, const char *const *args)
{
  g_auto (GStrv) canonical = mtp_kernel_canonical_args (args);
  g_autofree char *joined = g_strjoinv ("\x1f", canonical);

  return g_strdup_printf ("%s\x1e%s\x1e%s\x1e%s", ipv, table, chain, joined);
}

MtpKernelDiff *
mtp_kernel_compare (const MtpDirect *tables, const MtpDirect *tracked, gboolean direct_chains)
{
  MtpKernelDiff *diff = g_new0 (MtpKernelDiff, 1);
  /* key -> GPtrArray of the tracked rules with that key not yet accounted for */
  g_autoptr (GHashTable) pending
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
  diff->extra_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  diff->extra_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
  diff->missing_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  diff->missing_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);

  for (guint i = 0; i < tracked->rules->len; i++)
    {
      const MtpDirectRule *r = tracked->rules->pdata[i];
      g_autofree char *chain = kernel_chain (r->chain, direct_chains);
      char *key = compare_key (r->ipv, r->table, chain, (const char *const *)r->args);
      GPtrArray *list = g_hash_table_lookup (pending, key);

      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
          g_hash_table_insert (pending, key, list);
        }
      else
        g_free (key);
      g_ptr_array_add (list, mtp_direct_rule_new (r->ipv, r->table, chain, r->priority,
                                                  (const char *const *)r->args));
    }
  /* Each kernel rule accounts for one tracked rule equal to it; a rule of
   * ours left over was not asked of firewalld (or was changed behind its
   * back). A left-over rule that is not recognisably ours is another
   * program's, even when it equals one of ours. */
  for (guint i = 0; i < tables->rules->len; i++)
    {
      const MtpDirectRule *r = tables->rules->pdata[i];
      g_autofree char *key = compare_key (r->ipv, r->table, r->chain, (const char *const *)r->args);
      GPtrArray *list = g_hash_table_lookup (pending, key);

      if (list != NULL && list->len > 0)
        g_ptr_array_remove_index (list, list->len - 1);
      else if (mtp_direct_rule_is_ours (r))
        g_ptr_array_add (diff->extra_rules, mtp_direct_rule_copy (r));
    }
  for (guint i = 0; i < tracked->rules->len; i++)
    {
      const MtpDirectRule *r = tracked->rules->pdata[i];
      g_autofree char *chain = kernel_chain (r->chain, direct_chains);
      g_autofree char *key = compare_key (r->ipv, r->table, chain, (const char *const *)r->args);
      GPtrArray *list = g_hash_table_lookup (pending, key);

      /* In the order firewalld has them, once each. */
      if (list->len > 0)
        g_ptr_array_add (diff->missing_rules, g_ptr_array_steal_index (list, 0));
    }

  for (guint i = 0; i < tables->chains->len; i++)
    {
      const MtpDirectChain *c = tables->chains->pdata[i];
      if (mtp_direct_chain_name_is_ours (c->chain) && !mtp_direct_has_chain (tracked->chains, c))
        g_ptr_array_add (diff->extra_chains, mtp_direct_chain_copy (c));
    }
  for (guint i = 0; i < tracked->chains->len; i++)
    {
      const MtpDirectChain *c = tracked->chains->pdata[i];
      if (!mtp_direct_has_chain (tables->chains, c))
        g_ptr_array_add (diff->missing_chains, mtp_direct_chain_copy (c));
    }
  return diff;
}

void
mtp_kernel_diff_free (MtpKernelDiff *diff)
{
  if (diff == NULL)
    return;
  g_ptr_array_unref (diff->extra_chains);
  g_ptr_array_unref (diff->extra_rules);
  g_ptr_array_unref (diff->missing_chains);
  g_ptr_array_unref (diff->missing_rules);
  g_free (diff);
}

char *
mtp_kernel_rule_to_string (const MtpDirectRule *rule)
{
  g_auto (GStrv) canonical = mtp_kernel_canonical_args ((const char *const *)rule->args);
  g_autofree char *args = mtp_shlex_join ((const char *const *)canonical);

  return g_strdup_printf ("%s %s %s %s", rule->ipv, rule->table, rule->chain, args);
}
