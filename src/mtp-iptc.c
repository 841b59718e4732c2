/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-iptc-entry.h"
#include "mtp-iptc.h"
#include "mtp-signal.h"
#include "mtp-test-hooks.h"
#include "mtp-limits.h"

#define DEFAULT_LOCKFILE  "/run/xtables.lock"
#define MAX_ATTEMPTS      5
#define CAP_NET_ADMIN_BIT 12
#define CAP_NET_RAW_BIT   13

/* libiptc and libip6tc behind one set of entry points. */
typedef struct
{
  MtpFamily family;
  struct xtc_handle *(*init) (const char *table);
  void (*free) (struct xtc_handle *h);
  const char *(*first_chain) (struct xtc_handle *h);
  const char *(*next_chain) (struct xtc_handle *h);
  const void *(*first_rule) (const char *chain, struct xtc_handle *h);
  const void *(*next_rule) (const void *prev, struct xtc_handle *h);
  const char *(*get_target) (const void *e, struct xtc_handle *h);
  int (*builtin) (const char *chain, struct xtc_handle *h);
  int (*insert) (const char *chain, const void *e, unsigned int n, struct xtc_handle *h);
  int (*append) (const char *chain, const void *e, struct xtc_handle *h);
  int (*delete_num) (const char *chain, unsigned int n, struct xtc_handle *h);
  int (*flush) (const char *chain, struct xtc_handle *h);
  int (*create_chain) (const char *chain, struct xtc_handle *h);
  int (*delete_chain) (const char *chain, struct xtc_handle *h);
  int (*commit) (struct xtc_handle *h);
  const char *(*strerror) (int err);
  int (*is_chain) (const char *chain, struct xtc_handle *h);
} Ops;

/* libiptc wants xt_chainlabel buffers, not string literals. */
static void
label (xt_chainlabel out, const char *chain)
{
  memset (out, 0, sizeof (xt_chainlabel));
  g_strlcpy (out, chain, sizeof (xt_chainlabel));
}

#define WRAP_FAMILY(P, ENTRY)                                                                      \
  static const void *P##_first_rule (const char *c, struct xtc_handle *h)                          \
  {                                                                                                \
    return P##_first_rule_real (c, h);                                                             \
  }                                                                                                \
  static const void *P##_next_rule (const void *e, struct xtc_handle *h)                           \
  {                                                                                                \
    return P##_next_rule_real ((const struct ENTRY *)e, h);                                        \
  }                                                                                                \
  static const char *P##_get_target (const void *e, struct xtc_handle *h)                          \
  {                                                                                                \
    return P##_get_target_real ((const struct ENTRY *)e, h);                                       \
  }                                                                                                \
  static int P##_insert (const char *c, const void *e, unsigned int n, struct xtc_handle *h)       \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_insert_real (l, (const struct ENTRY *)e, n, h);                                     \
  }                                                                                                \
  static int P##_append (const char *c, const void *e, struct xtc_handle *h)                       \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_append_real (l, (const struct ENTRY *)e, h);                                        \
  }                                                                                                \
  static int P##_delete_num (const char *c, unsigned int n, struct xtc_handle *h)                  \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_delete_num_real (l, n, h);                                                          \
  }                                                                                                \
  static int P##_flush (const char *c, struct xtc_handle *h)                                       \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_flush_real (l, h);                                                                  \
  }                                                                                                \
  static int P##_create_chain (const char *c, struct xtc_handle *h)                                \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_create_chain_real (l, h);                                                           \
  }                                                                                                \
  static int P##_delete_chain (const char *c, struct xtc_handle *h)                                \
  {                                                                                                \
    xt_chainlabel l;                                                                               \
    label (l, c);                                                                                  \
    return P##_delete_chain_real (l, h);                                                           \
  }

#define v4_first_rule_real   iptc_first_rule
#define v4_next_rule_real    iptc_next_rule
#define v4_get_target_real   iptc_get_target
#define v4_insert_real       iptc_insert_entry
#define v4_append_real       iptc_append_entry
#define v4_delete_num_real   iptc_delete_num_entry
#define v4_flush_real        iptc_flush_entries
#define v4_create_chain_real iptc_create_chain
#define v4_delete_chain_real iptc_delete_chain
#define v6_first_rule_real   ip6tc_first_rule
#define v6_next_rule_real    ip6tc_next_rule
#define v6_get_target_real   ip6tc_get_target
#define v6_insert_real       ip6tc_insert_entry
#define v6_append_real       ip6tc_append_entry
#define v6_delete_num_real   ip6tc_delete_num_entry
#define v6_flush_real        ip6tc_flush_entries
#define v6_create_chain_real ip6tc_create_chain
#define v6_delete_chain_real ip6tc_delete_chain

WRAP_FAMILY (v4, ipt_entry)
WRAP_FAMILY (v6, ip6t_entry)

static const Ops ops4 = {
  MTP_FAMILY_IPV4, iptc_init,     iptc_free,     iptc_first_chain, iptc_next_chain,
  v4_first_rule,   v4_next_rule,  v4_get_target, iptc_builtin,     v4_insert,
  v4_append,       v4_delete_num, v4_flush,      v4_create_chain,  v4_delete_chain,
  iptc_commit,     iptc_strerror, iptc_is_chain,
};

static const Ops ops6 = {
  MTP_FAMILY_IPV6, ip6tc_init,     ip6tc_free,     ip6tc_first_chain, ip6tc_next_chain,
  v6_first_rule,   v6_next_rule,   v6_get_target,  ip6tc_builtin,     v6_insert,
  v6_append,       v6_delete_num,  v6_flush,       v6_create_chain,   v6_delete_chain,
  ip6tc_commit,    ip6tc_strerror, ip6tc_is_chain,
};

typedef enum
{
  TABLE_PRESENT, /* also when the list cannot be read for another reason */
  TABLE_ABSENT,  /* the family's list was read and does not name it */
  TABLE_NO_LIST, /* no list: the family's legacy x_tables are not loaded */
} TableState;

/* Whether the family's legacy table exists in this network namespace. The
 * kernel makes a table, hooks and all, the first time it is asked for it:
 * a table we need nothing from, or a check, only reads one that is there. */
static TableState
table_state (MtpFamily family, const char *table)
{
  const char *path
      = family == MTP_FAMILY_IPV4 ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names";
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;

  if (!mtp_limits_read_file (path, MTP_LIMIT_SYSTEM_FILE_SIZE, "system-file-size", &text, NULL,
                             NULL, &error))
    return g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? TABLE_NO_LIST
                                                                     : TABLE_PRESENT;
  names = g_strsplit (text, "\n", -1);
  return g_strv_contains ((const char *const *)names, table) ? TABLE_PRESENT : TABLE_ABSENT;
}

static gboolean
table_exists (MtpFamily family, const char *table)
{
  return table_state (family, table) == TABLE_PRESENT;
}

gboolean
mtp_iptc_has_chain (MtpFamily family, const char *table, const char *chain)
{
  const Ops *o = family == MTP_FAMILY_IPV4 ? &ops4 : &ops6;
  struct xtc_handle *h;
  gboolean found;

  if (!table_exists (family, table))
    return FALSE;
  h = o->init (table);
  if (h == NULL)
    return FALSE;
  found = o->is_chain (chain, h);
  o->free (h);
  return found;
}

void
mtp_iptc_table_free (MtpIptcTable *t)
{
  if (t == NULL)
    return;
  mtp_direct_plan_free (t->plan);
  g_free (t);
}

gboolean
mtp_iptc_check_capabilities (GError **error)
{
  g_autofree char *status = mtp_limits_read_system_file ("/proc/self/status");
  guint64 eff = 0;
  const char *line;

  if (status != NULL && (line = strstr (status, "\nCapEff:")) != NULL)
    eff = g_ascii_strtoull (line + strlen ("\nCapEff:"), NULL, 16);
  if (!(eff & (G_GUINT64_CONSTANT (1) << CAP_NET_ADMIN_BIT)))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                   _ ("changing the kernel's tables needs CAP_NET_ADMIN: run as root"));
      return FALSE;
    }
  if (!(eff & (G_GUINT64_CONSTANT (1) << CAP_NET_RAW_BIT)))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                   _ ("changing the kernel's tables needs CAP_NET_RAW as well as CAP_NET_ADMIN"));
      return FALSE;
    }
  return TRUE;
}

/* The xtables lock that iptables takes, held from reading the tables to
 * committing them; libiptc does not take it itself. */
static int
take_lock (guint wait_seconds, GError **error)
{
  const char *path = g_getenv ("XTABLES_LOCKFILE");
  gint64 deadline = g_get_monotonic_time () + (gint64)wait_seconds * G_USEC_PER_SEC;
  int fd;

  if (path == NULL || *path == '\0')
    path = DEFAULT_LOCKFILE;
  /* Opened as iptables opens it (read-only, created 0600: root's, with one
   * name), which is what the checks below accept; not through a link, not
   * blocking on a FIFO, not created where everyone could. */
  if (!mtp_file_check_parent (path, _ ("the xtables lock"), error))
    return -1;
  fd = open (path, O_CREAT | O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, MTP_ERROR, saved == EACCES ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED,
                   _ ("opening the xtables lock '%s': %s"), path, g_strerror (saved));
      return -1;
    }
  /* Someone else's lock could be held by them for ever, or be another file. */
  if (!mtp_file_check_trusted (fd, path, _ ("the xtables lock"), MTP_FILE_TRUST_LOCK, error))
    {
      close (fd);
      return -1;
    }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          int saved = errno;
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("locking '%s': %s"), path,
                       g_strerror (saved));
          close (fd);
          return -1;
        }
      if (mtp_signal_caught () != 0)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_INTERRUPTED,
                       _ ("interrupted by %s while waiting for the xtables lock '%s'"),
                       mtp_signal_name (mtp_signal_caught ()), path);
          close (fd);
          return -1;
        }
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("another program holds the xtables lock '%s' (waited %u s; --wait "
                          "sets how long)"),
                       path, wait_seconds);
          close (fd);
          return -1;
        }
      g_usleep (50 * 1000);
    }
  return fd;
}

/* An entry of ours found in a table, with the target name restored so that
 * it can be added back (libiptc reads standard targets as verdicts). */
typedef struct
{
  char *chain;
  guint index;
  GBytes *entry;
  char *target;
} Found;

static void
found_free (gpointer data)
{
  Found *f = data;

  g_free (f->chain);
  g_bytes_unref (f->entry);
  g_free (f->target);
  g_free (f);
}

/* One table of one family. */
typedef struct
{
  const Ops *ops;
  MtpTable table;
  struct xtc_handle *h;
  GPtrArray *rules; /* desired MtpRule of this table (borrowed), build order */
  GPtrArray *built; /* GBytes per desired rule */
  GPtrArray *known; /* GBytes of the configured set's rules, with chain in known_chains */
  GPtrArray *known_chains;
  GPtrArray *chains;         /* desired chain names (borrowed) */
  GPtrArray *found;          /* Found: ours in built-in chains, table order */
  GPtrArray *our_chains;     /* char*: user chains of ours */
  GHashTable *chain_entries; /* chain name -> GPtrArray of Found */
  gboolean in_sync;
  gboolean committed;
  MtpIptcTable *report;
} Work;

static void
work_free (gpointer data)
{
  Work *w = data;

  if (w->h != NULL)
    w->ops->free (w->h);
  g_ptr_array_unref (w->rules);
  g_ptr_array_unref (w->built);
  g_ptr_array_unref (w->known);
  g_ptr_array_unref (w->known_chains);
  g_ptr_array_unref (w->chains);
  g_clear_pointer (&w->found, g_ptr_array_unref);
  g_clear_pointer (&w->our_chains, g_ptr_array_unref);
  g_clear_pointer (&w->chain_entries, g_hash_table_unref);
  g_clear_pointer (&w->report, mtp_iptc_table_free);
  g_free (w);
}

static GBytes *
copy_entry (const Ops *ops, const void *e, const char *target)
{
  /* next_offset is at the same place relative to the end of the ip part for
   * both families; read it through the right struct. */
  guint16 size = ops->family == MTP_FAMILY_IPV4 ? ((const struct ipt_entry *)e)->next_offset
                                                : ((const struct ip6t_entry *)e)->next_offset;
  guint16 target_offset = ops->family == MTP_FAMILY_IPV4
                              ? ((const struct ipt_entry *)e)->target_offset
                              : ((const struct ip6t_entry *)e)->target_offset;
  guint8 *copy = g_memdup2 (e, size);
  struct xt_entry_target *t = (struct xt_entry_target *)(copy + target_offset);

  /* Standard targets come back nameless, with a verdict or jump offset. */
  if (t->u.user.name[0] == '\0' && target != NULL && target[0] != '\0')
    g_strlcpy (t->u.user.name, target, sizeof t->u.user.name);
  return g_bytes_new_take (copy, size);
}

static gboolean
is_ours_entry (Work *w, const char *chain, const void *e, const char *target)
{
  g_autofree char *comment = mtp_iptc_entry_comment (w->ops->family, e);

  if (comment != NULL && g_str_has_prefix (comment, MTP_COMMENT_PREFIX))
    return TRUE;
  if (target != NULL && mtp_direct_chain_name_is_ours (target))
    return TRUE;
  for (guint i = 0; i < w->known->len; i++)
    if (strcmp (w->known_chains->pdata[i], chain) == 0
        && mtp_iptc_entry_same (w->ops->family, e, target, w->known->pdata[i]))
      return TRUE;
  return FALSE;
}

/* Reads what of ours the table holds. */
static void
scan (Work *w)
{
  g_clear_pointer (&w->found, g_ptr_array_unref);
  g_clear_pointer (&w->our_chains, g_ptr_array_unref);
  g_clear_pointer (&w->chain_entries, g_hash_table_unref);
  w->found = g_ptr_array_new_with_free_func (found_free);
  w->our_chains = g_ptr_array_new_with_free_func (g_free);
  w->chain_entries
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);

  /* No handle: a table that is not there holds nothing. */
  for (const char *chain = w->h != NULL ? w->ops->first_chain (w->h) : NULL; chain != NULL;
       chain = w->ops->next_chain (w->h))
    {
      gboolean builtin = w->ops->builtin (chain, w->h);
      gboolean ours_chain = !builtin && mtp_direct_chain_name_is_ours (chain);
      GPtrArray *entries = NULL;
      guint index = 0;

      if (!builtin && !ours_chain)
        continue;
      if (ours_chain)
        {
          g_ptr_array_add (w->our_chains, g_strdup (chain));
          entries = g_ptr_array_new_with_free_func (found_free);
          g_hash_table_insert (w->chain_entries, g_strdup (chain), entries);
        }
      for (const void *e = w->ops->first_rule (chain, w->h); e != NULL;
           e = w->ops->next_rule (e, w->h), index++)
        {
          const char *target = w->ops->get_target (e, w->h);
          Found *f;

          if (builtin && !is_ours_entry (w, chain, e, target))
            continue;
          f = g_new0 (Found, 1);
          f->chain = g_strdup (chain);
          f->index = index;
          f->entry = copy_entry (w->ops, e, target);
          f->target = g_strdup (target);
          g_ptr_array_add (builtin ? w->found : entries, f);
        }
    }
}

static gboolean
same (Work *w, const Found *f, guint rule_index)
{
  return mtp_iptc_entry_same (w->ops->family, g_bytes_get_data (f->entry, NULL), f->target,
                              w->built->pdata[rule_index]);
}

/* Whether the table holds exactly the desired rules of ours: our chains with
 * their rules in order, and in each built-in chain our rules in order, the
 * inserted ones at the very top. */
static gboolean
check_in_sync (Work *w)
{
  if (w->our_chains->len != w->chains->len)
    return FALSE;
  for (guint i = 0; i < w->chains->len; i++)
    if (!g_hash_table_contains (w->chain_entries, w->chains->pdata[i]))
      return FALSE;

  /* Rules in our chains. */
  {
    g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
    for (guint i = 0; i < w->rules->len; i++)
      {
        const MtpRule *r = w->rules->pdata[i];
        GPtrArray *entries = g_hash_table_lookup (w->chain_entries, r->chain);
        guint n;

        if (entries == NULL)
          continue;
        n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, r->chain));
        if (n >= entries->len || !same (w, entries->pdata[n], i))
          return FALSE;
        g_hash_table_insert (seen, r->chain, GUINT_TO_POINTER (n + 1));
      }
    for (guint i = 0; i < w->our_chains->len; i++)
      {
        GPtrArray *entries = g_hash_table_lookup (w->chain_entries, w->our_chains->pdata[i]);
        if (entries->len != GPOINTER_TO_UINT (g_hash_table_lookup (seen, w->our_chains->pdata[i])))
          return FALSE;
      }
  }

  /* Rules in built-in chains: inserted ones first, in order, at the top. */
  {
    guint n_builtin = 0;
    for (guint i = 0; i < w->rules->len; i++)
      if (!g_hash_table_contains (w->chain_entries, ((MtpRule *)w->rules->pdata[i])->chain))
        n_builtin++;
    if (n_builtin != w->found->len)
      return FALSE;
  }
  /* Counted across both passes: the appended ones follow the inserted ones. */
  g_autoptr (GHashTable) seen_builtin = g_hash_table_new (g_str_hash, g_str_equal);
  /* Ours of each built-in chain, in table order: looked up, not searched
   * for, so that thousands of excluded addresses stay linear. */
  g_autoptr (GHashTable) by_chain
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  for (guint j = 0; j < w->found->len; j++)
    {
      Found *c = w->found->pdata[j];
      GPtrArray *list = g_hash_table_lookup (by_chain, c->chain);

      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (by_chain, c->chain, list);
        }
      g_ptr_array_add (list, c);
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      GHashTable *seen = seen_builtin;
      for (guint i = 0; i < w->rules->len; i++)
        {
          const MtpRule *r = w->rules->pdata[i];
          MtpPosition want = pass == 0 ? MTP_POSITION_INSERT : MTP_POSITION_APPEND;
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (seen, r->chain));
          const GPtrArray *list;
          const Found *f;

          if (r->position != want || g_hash_table_contains (w->chain_entries, r->chain))
            continue;
          /* The (n)-th of ours in this chain, counting inserted ones first. */
          list = g_hash_table_lookup (by_chain, r->chain);
          f = list != NULL && n < list->len ? list->pdata[n] : NULL;
          if (f == NULL || !same (w, f, i) || (pass == 0 && f->index != n))
            return FALSE;
          g_hash_table_insert (seen, r->chain, GUINT_TO_POINTER (n + 1));
        }
    }
  return TRUE;
}

static gboolean
fail_op (Work *w, const char *what, const char *chain, GError **error)
{
  int saved = errno;

  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("%s %s table %s, chain %s: %s"), what,
               mtp_family_to_string (w->ops->family), mtp_table_to_string (w->table), chain,
               w->ops->strerror (saved));
  return FALSE;
}

/* Takes ours out of the handle: rules in built-in chains (last first, so the
 * recorded positions stay right), then our chains. */
static gboolean
remove_ours (Work *w, GError **error)
{
  for (guint i = w->found->len; i > 0; i--)
    {
      const Found *f = w->found->pdata[i - 1];
      if (!w->ops->delete_num (f->chain, f->index, w->h))
        return fail_op (w, _ ("deleting a rule of ours in"), f->chain, error);
    }
  for (guint i = 0; i < w->our_chains->len; i++)
    if (!w->ops->flush (w->our_chains->pdata[i], w->h))
      return fail_op (w, _ ("flushing"), w->our_chains->pdata[i], error);
  for (guint i = 0; i < w->our_chains->len; i++)
    if (!w->ops->delete_chain (w->our_chains->pdata[i], w->h))
      return fail_op (w, _ ("deleting"), w->our_chains->pdata[i], error);
  return TRUE;
}

static gboolean
add_desired (Work *w, GError **error)
{
  g_autoptr (GHashTable) inserted = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < w->chains->len; i++)
    if (!w->ops->create_chain (w->chains->pdata[i], w->h))
      return fail_op (w, _ ("creating"), w->chains->pdata[i], error);
  for (guint i = 0; i < w->rules->len; i++)
    {
      const MtpRule *r = w->rules->pdata[i];
      const void *e = g_bytes_get_data (w->built->pdata[i], NULL);

      if (r->position == MTP_POSITION_INSERT)
        {
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (inserted, r->chain));
          if (!w->ops->insert (r->chain, e, n, w->h))
            return fail_op (w, _ ("inserting a rule into"), r->chain, error);
          g_hash_table_insert (inserted, r->chain, GUINT_TO_POINTER (n + 1));
        }
      else if (!w->ops->append (r->chain, e, w->h))
        return fail_op (w, _ ("appending a rule to"), r->chain, error);
    }
  return TRUE;
}

/* Puts back what of ours the table held before this run (after a later
 * table's commit failed), from a fresh handle. */
static gboolean
restore (Work *w, GPtrArray *orig_found, GPtrArray *orig_chains, GHashTable *orig_entries,
         GError **error)
{
  w->h = w->ops->init (mtp_table_to_string (w->table));
  if (w->h == NULL)
    return fail_op (w, _ ("reading"), "-", error);
  scan (w);
  if (!remove_ours (w, error))
    return FALSE;
  for (guint i = 0; i < orig_chains->len; i++)
    if (!w->ops->create_chain (orig_chains->pdata[i], w->h))
      return fail_op (w, _ ("creating"), orig_chains->pdata[i], error);
  for (guint i = 0; i < orig_chains->len; i++)
    {
      GPtrArray *entries = g_hash_table_lookup (orig_entries, orig_chains->pdata[i]);
      for (guint j = 0; j < entries->len; j++)
        {
          const Found *f = entries->pdata[j];
          if (!w->ops->append (f->chain, g_bytes_get_data (f->entry, NULL), w->h))
            return fail_op (w, _ ("restoring a rule in"), f->chain, error);
        }
    }
  /* Ascending positions: each lands where it was. */
  for (guint i = 0; i < orig_found->len; i++)
    {
      const Found *f = orig_found->pdata[i];
      if (!w->ops->insert (f->chain, g_bytes_get_data (f->entry, NULL), f->index, w->h))
        return fail_op (w, _ ("restoring a rule in"), f->chain, error);
    }
  if (!w->ops->commit (w->h))
    return fail_op (w, _ ("committing the restored"), "-", error);
  w->ops->free (w->h);
  w->h = NULL;
  return TRUE;
}

/* The test build can make a commit fail (mtp-test-hooks.h). */
static gboolean
commit (Work *w)
{
  int errsv;

  if (mtp_test_hook_fail_commit (&errsv))
    {
      errno = errsv;
      return FALSE;
    }
  return w->ops->commit (w->h);
}

static void
report_plan (Work *w, gboolean changing)
{
  MtpDirectPlan *plan = g_new0 (MtpDirectPlan, 1);
  const char *ipv = mtp_family_to_string (w->ops->family);
  const char *table = mtp_table_to_string (w->table);

  plan->add_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  plan->remove_chains = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_chain_free);
  plan->add_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
  plan->remove_rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_direct_rule_free);
  w->report->n_ours = w->found->len + w->our_chains->len;
  for (guint i = 0; i < w->our_chains->len; i++)
    w->report->n_ours
        += ((GPtrArray *)g_hash_table_lookup (w->chain_entries, w->our_chains->pdata[i]))->len;
  w->report->plan = plan;
  if (!changing)
    return;

  /* The whole of ours is replaced; say so rule by rule. */
  for (guint i = 0; i < w->chains->len; i++)
    g_ptr_array_add (plan->add_chains, mtp_direct_chain_new (ipv, table, w->chains->pdata[i]));
  for (guint i = 0; i < w->rules->len; i++)
    {
      const MtpRule *r = w->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);
      g_ptr_array_add (plan->add_rules, mtp_direct_rule_new (ipv, table, r->chain, (gint32)i,
                                                             (const char *const *)args));
    }
  for (guint i = 0; i < w->found->len; i++)
    {
      const Found *f = w->found->pdata[i];
      g_autofree char *comment
          = mtp_iptc_entry_comment (w->ops->family, g_bytes_get_data (f->entry, NULL));
      const char *args[] = { "-m", "comment", "--comment", comment, NULL };
      const char *bare[] = { "-j", f->target ? f->target : "?", NULL };
      g_ptr_array_add (
          plan->remove_rules,
          mtp_direct_rule_new (ipv, table, f->chain, (gint32)f->index, comment ? args : bare));
    }
  for (guint i = 0; i < w->our_chains->len; i++)
    g_ptr_array_add (plan->remove_chains,
                     mtp_direct_chain_new (ipv, table, w->our_chains->pdata[i]));
}

static Work *
work_new (const Ops *ops, MtpTable table, const MtpRuleset *desired, const MtpRuleset *known,
          const MtpXtRevisions *rev, GError **error)
{
  Work *w = g_new0 (Work, 1);

  w->ops = ops;
  w->table = table;
  w->rules = g_ptr_array_new ();
  w->built = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  w->known = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  w->known_chains = g_ptr_array_new ();
  w->chains = g_ptr_array_new ();

  for (guint i = 0; desired != NULL && i < desired->chains->len; i++)
    {
      const MtpChain *c = desired->chains->pdata[i];
      if (c->family == ops->family && c->table == table)
        g_ptr_array_add (w->chains, c->name);
    }
  for (guint i = 0; desired != NULL && i < desired->rules->len; i++)
    {
      MtpRule *r = desired->rules->pdata[i];
      GBytes *e;

      if (r->family != ops->family || r->table != table)
        continue;
      e = mtp_iptc_entry_new (r, rev, error);
      if (e == NULL)
        {
          work_free (w);
          return NULL;
        }
      g_ptr_array_add (w->rules, r);
      g_ptr_array_add (w->built, e);
    }
  for (guint i = 0; known != NULL && i < known->rules->len; i++)
    {
      MtpRule *r = known->rules->pdata[i];
      GBytes *e;

      if (r->family != ops->family || r->table != table)
        continue;
      e = mtp_iptc_entry_new (r, rev, NULL);
      if (e == NULL)
        continue;
      g_ptr_array_add (w->known, e);
      g_ptr_array_add (w->known_chains, r->chain);
    }
  return w;
}

/* Puts the tables committed among works[0 .. upto-1] back as they were
 * before this run, each from a fresh read: not stopped by a signal, each one
 * tried even when another fails (the reasons go to failures). */
static gboolean
put_back (GPtrArray *works, guint upto, GString *failures)
{
  for (guint j = 0; j < upto; j++)
    {
      Work *done = works->pdata[j];
      g_autoptr (GPtrArray) orig_found = NULL;
      g_autoptr (GPtrArray) orig_chains = NULL;
      g_autoptr (GHashTable) orig_entries = NULL;
      g_autoptr (GError) restore_error = NULL;

      if (!done->committed)
        continue;
      orig_found = g_steal_pointer (&done->found);
      orig_chains = g_steal_pointer (&done->our_chains);
      orig_entries = g_steal_pointer (&done->chain_entries);
      if (!restore (done, orig_found, orig_chains, orig_entries, &restore_error))
        g_string_append_printf (failures, "%s%s", failures->len > 0 ? "; " : "",
                                restore_error->message);
      done->committed = FALSE;
      if (done->report != NULL)
        done->report->changed = FALSE;
    }
  return failures->len == 0;
}

/* One attempt: read, plan and commit every table; on a failed commit restore
 * the tables committed before it. */
static gboolean
attempt (const MtpRuleset *desired, const MtpRuleset *known, gboolean check_only, GPtrArray *tables,
         GPtrArray *committed, gboolean *retry, GError **error)
{
  static const Ops *const all_ops[] = { &ops4, &ops6 };
  g_autoptr (GPtrArray) works = g_ptr_array_new_with_free_func (work_free);

  *retry = FALSE;
  for (guint f = 0; f < G_N_ELEMENTS (all_ops); f++)
    {
      const Ops *ops = all_ops[f];
      MtpXtRevisions rev;
      gboolean wanted = desired != NULL && mtp_ruleset_has_family (desired, ops->family);
      g_autoptr (GError) local_error = NULL;

      if (!mtp_xt_revisions_probe (ops->family, &rev, &local_error))
        {
          if (wanted)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_debug ("%s: %s", mtp_family_to_string (ops->family), local_error->message);
          continue;
        }
      for (MtpTable t = 0; t < MTP_TABLE_N; t++)
        {
          Work *w = work_new (ops, t, desired, known, &rev, error);
          gboolean needed;
          TableState state;

          if (w == NULL)
            return FALSE;
          g_ptr_array_add (works, w);
          /* Looked up only where it matters: an install reads (and so
           * makes) the tables it has rules for anyway. */
          needed = w->rules->len > 0 || w->chains->len > 0;
          state = !needed || check_only ? table_state (ops->family, mtp_table_to_string (t))
                                        : TABLE_PRESENT;
          if (!needed && state != TABLE_PRESENT)
            {
              g_debug ("%s: no legacy table %s, so nothing of ours in it",
                       mtp_family_to_string (ops->family), mtp_table_to_string (t));
              g_ptr_array_remove (works, w);
              continue;
            }
          /* A check reads and makes nothing: a missing table holds none of
           * ours, so everything desired in it is to be added. */
          if (state == TABLE_ABSENT)
            {
              g_debug ("%s: no legacy table %s yet", mtp_family_to_string (ops->family),
                       mtp_table_to_string (t));
              scan (w);
              w->in_sync = check_in_sync (w);
              continue;
            }
          w->h = ops->init (mtp_table_to_string (t));
          if (w->h == NULL)
            {
              int saved = errno;
              /* A family or table we need nothing from may well be missing. */
              if (!needed)
                {
                  g_debug ("%s table %s: %s", mtp_family_to_string (ops->family),
                           mtp_table_to_string (t), ops->strerror (saved));
                  g_ptr_array_remove (works, w);
                  continue;
                }
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("the kernel has no legacy %s table '%s' (%s): kernels built "
                              "without legacy x_tables need the firewalld backend"),
                           mtp_family_to_string (ops->family), mtp_table_to_string (t),
                           ops->strerror (saved));
              return FALSE;
            }
          scan (w);
          w->in_sync = check_in_sync (w);
        }
    }

  for (guint i = 0; i < works->len; i++)
    {
      Work *w = works->pdata[i];
      w->report = g_new0 (MtpIptcTable, 1);
      w->report->family = w->ops->family;
      w->report->table = w->table;
      report_plan (w, !w->in_sync);
      if (!w->in_sync && !check_only && !(remove_ours (w, error) && add_desired (w, error)))
        return FALSE;
    }
  for (guint i = 0; i < works->len && !check_only; i++)
    {
      Work *w = works->pdata[i];
      g_autoptr (GString) failures = g_string_new (NULL);
      int saved;

      if (w->in_sync)
        continue;
      /* A signal is honoured before each commit: the tables committed so
       * far go back, and the run ends with nothing of it applied. */
      if (!mtp_signal_check (error))
        {
          if (!put_back (works, i, failures))
            {
              g_autoptr (GError) cause = g_steal_pointer (error);
              g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                           _ ("%s; putting back the tables it had committed failed: %s"),
                           cause->message, failures->str);
            }
          return FALSE;
        }
      if (commit (w))
        {
          w->committed = TRUE;
          w->report->changed = TRUE;
          w->ops->free (w->h);
          w->h = NULL;
          continue;
        }
      saved = errno;
      *retry = saved == EAGAIN;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("committing the %s table %s: %s"),
                   mtp_family_to_string (w->ops->family), mtp_table_to_string (w->table),
                   w->ops->strerror (saved));
      /* The tables committed so far go back to how they were. */
      if (!put_back (works, i, failures))
        g_prefix_error (error, _ ("(and restoring failed: %s) "), failures->str);
      return FALSE;
    }

  for (guint i = 0; i < works->len; i++)
    {
      Work *w = works->pdata[i];
      g_ptr_array_add (tables, g_steal_pointer (&w->report));
    }
  /* What was committed, with what of ours each table held before, for
   * mtp_iptc_undo_revert. */
  for (guint i = works->len; i > 0; i--)
    if (((Work *)works->pdata[i - 1])->committed)
      g_ptr_array_add (committed, g_ptr_array_steal_index (works, i - 1));
  return TRUE;
}

struct _MtpIptcUndo
{
  GPtrArray *works; /* of Work: the tables committed, newest first */
  int lock;         /* the xtables lock, held until the undo is freed */
};

void
mtp_iptc_undo_free (MtpIptcUndo *undo)
{
  if (undo == NULL)
    return;
  g_ptr_array_unref (undo->works);
  if (undo->lock >= 0)
    close (undo->lock);
  g_free (undo);
}

gboolean
mtp_iptc_undo_revert (MtpIptcUndo *undo, GError **error)
{
  g_autoptr (GString) failures = g_string_new (NULL);

  if (put_back (undo->works, undo->works->len, failures))
    return TRUE;
  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_FAILED, failures->str);
  return FALSE;
}

gboolean
mtp_iptc_run (const MtpRuleset *desired, const MtpRuleset *known, gboolean check_only,
              guint wait_seconds, GPtrArray *tables, MtpIptcUndo **undo, GError **error)
{
  g_autoptr (GPtrArray) committed = g_ptr_array_new_with_free_func (work_free);
  int lock;

  if (!mtp_iptc_check_capabilities (error))
    return FALSE;
  lock = take_lock (wait_seconds, error);
  if (lock < 0)
    return FALSE;
  for (guint n = 1;; n++)
    {
      gboolean retry = FALSE;
      g_autoptr (GError) local_error = NULL;

      if (attempt (desired, known, check_only, tables, committed, &retry, &local_error))
        break;
      if (!retry || n == MAX_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          close (lock);
          return FALSE;
        }
      g_debug ("a table changed under us, attempt %u: %s", n + 1, local_error->message);
    }
  if (undo == NULL || committed->len == 0)
    {
      close (lock);
      return TRUE;
    }
  /* The lock stays with the undo: no one else writes a table between our
   * commit and a revert of it. */
  *undo = g_new0 (MtpIptcUndo, 1);
  (*undo)->works = g_steal_pointer (&committed);
  (*undo)->lock = lock;
  return TRUE;
}
