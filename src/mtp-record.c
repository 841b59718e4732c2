/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-parse.h"
#include "mtp-record.h"
#include "mtp-shlex.h"

#define GROUP_RECORD "Record"
#define GROUP_CHAINS "Chains"
#define GROUP_RULES  "Rules"
#define RECORD_MODE  0644
#define DIR_MODE     0755

static const char *const store_names[MTP_RECORD_N_STORES] = {
  [MTP_RECORD_FIREWALLD_RUNTIME] = "firewalld-runtime",
  [MTP_RECORD_FIREWALLD_PERMANENT] = "firewalld-permanent",
  [MTP_RECORD_IPTABLES_LEGACY] = "iptables-legacy",
};

const char *
mtp_record_store_to_string (MtpRecordStore store)
{
  g_return_val_if_fail (store < MTP_RECORD_N_STORES, NULL);
  return store_names[store];
}

/* Trust. */

static gboolean
owner_trusted (uid_t uid)
{
  return uid == 0 || uid == geteuid ();
}

/* The directory dir and every one above it: owned by root or the caller;
 * dir itself writable by its owner only, the others not by everyone; a
 * sticky one may be (others cannot rename or remove our files in it). */
static gboolean
check_directories (const char *dir, GError **error)
{
  g_autofree char *path = g_canonicalize_filename (dir, NULL);

  for (gboolean first = TRUE;; first = FALSE)
    {
      g_autofree char *parent = NULL;
      mode_t not_allowed = first ? (S_IWGRP | S_IWOTH) : S_IWOTH;
      struct stat st;

      if (stat (path, &st) != 0)
        {
          int errsv = errno;
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("directory '%s': %s"), path,
                       g_strerror (errsv));
          return FALSE;
        }
      if (!S_ISDIR (st.st_mode))
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("'%s' is not a directory"), path);
          return FALSE;
        }
      if (!owner_trusted (st.st_uid))
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("directory '%s' belongs to UID %u, neither root nor the caller"), path,
                       (unsigned int)st.st_uid);
          return FALSE;
        }
      if ((st.st_mode & not_allowed) != 0 && (st.st_mode & S_ISVTX) == 0)
        {
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                       _ ("directory '%s' is writable by users other than its owner (mode %04o)"),
                       path, (unsigned int)(st.st_mode & 07777));
          return FALSE;
        }
      parent = g_path_get_dirname (path);
      if (strcmp (parent, path) == 0)
        return TRUE;
      g_free (path);
      path = g_steal_pointer (&parent);
    }
}

/* The one check of a record's trust; the same rules as for every file that
 * steers a run as root. */
gboolean
mtp_record_check_trusted (const char *path, const struct stat *st, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("it is not a regular file"));
      return FALSE;
    }
  if (!owner_trusted (st->st_uid))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("it belongs to UID %u, neither root nor the caller"),
                   (unsigned int)st->st_uid);
      return FALSE;
    }
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("it is writable by users other than its owner (mode %04o)"),
                   (unsigned int)(st->st_mode & 07777));
      return FALSE;
    }
  return check_directories (dir, error);
}

/* Rules back from their arguments: the inverse of mtp_rule_to_args() for
 * what it writes, and nothing else. */

typedef struct
{
  const char *const *args;
  guint i;
} Cursor;

static const char *
next (Cursor *c)
{
  const char *arg = c->args[c->i];

  if (arg != NULL)
    c->i++;
  return arg;
}

static gboolean
take (Cursor *c, const char *expected)
{
  const char *arg = c->args[c->i];

  if (arg == NULL || strcmp (arg, expected) != 0)
    return FALSE;
  c->i++;
  return TRUE;
}

static gboolean
parse_number (const char *text, guint64 max, guint64 *out)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

static gboolean
parse_proto (const char *text, MtpProtoSet *out)
{
  if (g_strcmp0 (text, "tcp") == 0)
    *out = MTP_PROTO_TCP;
  else if (g_strcmp0 (text, "udp") == 0)
    *out = MTP_PROTO_UDP;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_port_list (const char *text, MtpMatch *m)
{
  g_auto (GStrv) items = text != NULL ? g_strsplit (text, ",", -1) : NULL;

  if (items == NULL || g_strv_length (items) > MTP_MULTIPORT_MAX)
    return FALSE;
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto (GStrv) ends = g_strsplit (items[i], ":", 3);
      guint64 first, last;

      if (!parse_number (ends[0], G_MAXUINT16, &first))
        return FALSE;
      last = first;
      if (ends[1] != NULL && (ends[2] != NULL || !parse_number (ends[1], G_MAXUINT16, &last)))
        return FALSE;
      m->multiport.ports[i].first = (guint16)first;
      m->multiport.ports[i].last = (guint16)last;
      m->multiport.n_ports = i + 1;
    }
  return m->multiport.n_ports > 0;
}

static gboolean
parse_uids (const char *text, MtpUidRange *out)
{
  g_auto (GStrv) ends = text != NULL ? g_strsplit (text, "-", 3) : NULL;
  guint64 first, last;

  if (ends == NULL || !parse_number (ends[0], G_MAXUINT32, &first))
    return FALSE;
  last = first;
  if (ends[1] != NULL && (ends[2] != NULL || !parse_number (ends[1], G_MAXUINT32, &last)))
    return FALSE;
  out->first = (guint32)first;
  out->last = (guint32)last;
  return TRUE;
}

/* One match that starts with "-m" (the module's own "!" after its name). */
static gboolean
parse_module (Cursor *c, MtpRule *r)
{
  const char *module = next (c);
  MtpMatch *m;

  if (g_strcmp0 (module, "multiport") == 0)
    {
      MtpProtoSet proto;

      if (!take (c, "-p") || !parse_proto (next (c), &proto))
        return FALSE;
      m = mtp_rule_add_match (r, MTP_MATCH_MULTIPORT, take (c, "!"));
      m->multiport.protocol = proto;
      return take (c, "--dports") && parse_port_list (next (c), m);
    }
  if (g_strcmp0 (module, "owner") == 0)
    {
      m = mtp_rule_add_match (r, MTP_MATCH_OWNER, take (c, "!"));
      return take (c, "--uid-owner") && parse_uids (next (c), &m->uids);
    }
  if (g_strcmp0 (module, "conntrack") == 0)
    {
      m = mtp_rule_add_match (r, MTP_MATCH_CTSTATE, take (c, "!"));
      m->ctstate = MTP_CTSTATE_INVALID;
      return take (c, "--ctstate") && take (c, "INVALID");
    }
  return FALSE;
}

/* One match of the form "[!] FLAG VALUE". */
static gboolean
parse_flag (Cursor *c, MtpRule *r)
{
  gboolean invert = take (c, "!");
  const char *flag = next (c);
  const char *value = next (c);
  MtpMatch *m;
  guint64 n;

  if (flag == NULL || value == NULL)
    return FALSE;
  if (strcmp (flag, "-p") == 0)
    {
      m = mtp_rule_add_match (r, MTP_MATCH_PROTOCOL, invert);
      return parse_proto (value, &m->protocol);
    }
  if (strcmp (flag, "-s") == 0 || strcmp (flag, "-d") == 0)
    {
      m = mtp_rule_add_match (r, flag[1] == 's' ? MTP_MATCH_SOURCE : MTP_MATCH_DESTINATION, invert);
      return mtp_parse_cidr (value, &m->cidr, NULL) && m->cidr.family == r->family;
    }
  if (strcmp (flag, "-i") == 0 || strcmp (flag, "-o") == 0)
    {
      if (*value == '\0' || strlen (value) >= MTP_IFNAMSIZ)
        return FALSE;
      m = mtp_rule_add_match (r, flag[1] == 'i' ? MTP_MATCH_IN_IFACE : MTP_MATCH_OUT_IFACE, invert);
      g_strlcpy (m->iface, value, sizeof m->iface);
      return TRUE;
    }
  if (strcmp (flag, "--sport") == 0 || strcmp (flag, "--dport") == 0)
    {
      m = mtp_rule_add_match (r, flag[2] == 's' ? MTP_MATCH_SPORT : MTP_MATCH_DPORT, invert);
      if (!parse_number (value, G_MAXUINT16, &n))
        return FALSE;
      m->port = (guint16)n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_target (Cursor *c, MtpTarget *t)
{
  const char *name = next (c);
  guint64 n;

  if (name == NULL || *name == '\0')
    return FALSE;
  if (strcmp (name, "RETURN") == 0)
    t->type = MTP_TARGET_RETURN;
  else if (strcmp (name, "DROP") == 0)
    t->type = MTP_TARGET_DROP;
  else if (strcmp (name, "REDIRECT") == 0)
    {
      t->type = MTP_TARGET_REDIRECT;
      if (!take (c, "--to-ports") || !parse_number (next (c), G_MAXUINT16, &n))
        return FALSE;
      t->port = (guint16)n;
    }
  else if (strcmp (name, "CT") == 0)
    {
      t->type = MTP_TARGET_CT;
      if (!take (c, "--zone") || !parse_number (next (c), G_MAXUINT16, &n))
        return FALSE;
      t->zone = (guint16)n;
    }
  else if (strcmp (name, "LOG") == 0)
    {
      const char *prefix;

      t->type = MTP_TARGET_LOG;
      if (!take (c, "--log-prefix") || (prefix = next (c)) == NULL)
        return FALSE;
      t->log_prefix = g_strdup (prefix);
      if (!take (c, "--log-level") || !parse_number (next (c), G_MAXUINT8, &n))
        return FALSE;
      t->log_level = (guint8)n;
    }
  else
    {
      t->type = MTP_TARGET_JUMP;
      t->chain = g_strdup (name);
    }
  return TRUE;
}

static const char *const builtin_chains[] = {
  "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", NULL,
};

/* The rule whose mtp_rule_to_args() is exactly args, or NULL. */
static MtpRule *
rule_from_args (MtpFamily family, MtpTable table, const char *chain, gint32 priority,
                const char *const *args)
{
  g_autoptr (MtpRule) r = mtp_rule_new (family, table, chain, MTP_POSITION_APPEND);
  Cursor c = { args, 0 };
  g_auto (GStrv) back = NULL;

  r->priority = priority;
  if (args[0] != NULL && strcmp (args[0], "-m") == 0 && g_strcmp0 (args[1], "comment") == 0)
    {
      const char *comment;

      c.i = 2;
      if (!take (&c, "--comment") || (comment = next (&c)) == NULL
          || !g_str_has_prefix (comment, MTP_COMMENT_PREFIX))
        return NULL;
      mtp_rule_set_comment (r, comment + strlen (MTP_COMMENT_PREFIX));
    }
  while (!take (&c, "-j"))
    {
      if (args[c.i] == NULL)
        return NULL;
      if (take (&c, "-m") ? !parse_module (&c, r) : !parse_flag (&c, r))
        return NULL;
    }
  if (!parse_target (&c, &r->target) || args[c.i] != NULL)
    return NULL;
  /* Where our rules go, and the chains they jump to (the builder's
   * DOCKER_OUTPUT jump included): not a way to name any rule of the host. */
  if (!mtp_direct_chain_name_is_ours (chain) && !g_strv_contains (builtin_chains, chain))
    return NULL;
  if (r->target.type == MTP_TARGET_JUMP && !mtp_direct_chain_name_is_ours (r->target.chain)
      && strcmp (r->target.chain, "DOCKER_OUTPUT") != 0)
    return NULL;
  /* A damaged record is ignored, never a rule that no form can carry. */
  if (!mtp_rule_check_values (r, NULL))
    return NULL;
  back = mtp_rule_to_args (r);
  if (!g_strv_equal ((const char *const *)back, args))
    return NULL;
  return g_steal_pointer (&r);
}

/* The text. */

static gboolean
parse_family (const char *ipv, MtpFamily *out)
{
  if (g_strcmp0 (ipv, "ipv4") == 0)
    *out = MTP_FAMILY_IPV4;
  else if (g_strcmp0 (ipv, "ipv6") == 0)
    *out = MTP_FAMILY_IPV6;
  else
    return FALSE;
  return TRUE;
}

char *
mtp_record_to_data (MtpRecordStore store, const MtpDirect *entries)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  g_key_file_set_integer (kf, GROUP_RECORD, "Version", MTP_RECORD_VERSION);
  g_key_file_set_string (kf, GROUP_RECORD, "Store", mtp_record_store_to_string (store));
  g_key_file_set_comment (kf, NULL, NULL,
                          " Written by mesh-tproxy: the chains and rules its last successful "
                          "install put\n into this store, for uninstall and status. See "
                          "INSTALL RECORDS in mesh-tproxy(8).",
                          NULL);
  for (guint i = 0; i < entries->chains->len; i++)
    {
      const MtpDirectChain *c = entries->chains->pdata[i];
      const char *const parts[] = { c->ipv, c->table, c->chain, NULL };
      g_autofree char *key = g_strdup_printf ("%u", i);
      g_autofree char *text = mtp_shlex_join (parts);

      g_key_file_set_string (kf, GROUP_CHAINS, key, text);
    }
  for (guint i = 0; i < entries->rules->len; i++)
    {
      const MtpDirectRule *r = entries->rules->pdata[i];
      g_autoptr (GPtrArray) parts = g_ptr_array_new ();
      g_autofree char *priority = g_strdup_printf ("%d", r->priority);
      g_autofree char *key = g_strdup_printf ("%u", i);
      g_autofree char *text = NULL;

      g_ptr_array_add (parts, r->ipv);
      g_ptr_array_add (parts, r->table);
      g_ptr_array_add (parts, r->chain);
      g_ptr_array_add (parts, priority);
      for (guint j = 0; r->args[j] != NULL; j++)
        g_ptr_array_add (parts, r->args[j]);
      g_ptr_array_add (parts, NULL);
      text = mtp_shlex_join ((const char *const *)parts->pdata);
      g_key_file_set_string (kf, GROUP_RULES, key, text);
    }
  return g_key_file_to_data (kf, NULL, NULL);
}

static gboolean bad (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, message);
  return FALSE;
}

/* The direct rule of a record's line split into ipv, table, chain, priority
 * and args (parts is left empty): records reach thousands of rules. */
static MtpDirectRule *
direct_rule_take (GStrv parts, gint32 priority)
{
  MtpDirectRule *r = g_new0 (MtpDirectRule, 1);
  guint n = g_strv_length (parts);

  r->ipv = g_steal_pointer (&parts[0]);
  r->table = g_steal_pointer (&parts[1]);
  r->chain = g_steal_pointer (&parts[2]);
  r->priority = priority;
  g_clear_pointer (&parts[3], g_free);
  r->args = g_new0 (char *, n - 3);
  for (guint i = 4; i < n; i++)
    r->args[i - 4] = g_steal_pointer (&parts[i]);
  return r;
}

/* The record's entries and, for each of its rules, the rule itself. */
static gboolean
parse_record (MtpRecordStore store, const char *data, gsize length, MtpDirect **out_entries,
              GPtrArray **out_rules, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (MtpDirect) entries = mtp_direct_new ();
  g_autoptr (GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify)mtp_rule_free);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;
  g_auto (GStrv) keys = NULL;
  g_autofree char *store_name = NULL;
  gint64 version;

  if (memchr (data, '\0', length) != NULL)
    return bad (error, _ ("it holds a NUL byte"));
  if (!g_utf8_validate (data, (gssize)length, NULL))
    return bad (error, _ ("it is not valid UTF-8"));
  if (!g_key_file_load_from_data (kf, data, length, G_KEY_FILE_NONE, &local_error))
    return bad (error, "%s", local_error->message);
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (strcmp (groups[i], GROUP_RECORD) != 0 && strcmp (groups[i], GROUP_CHAINS) != 0
        && strcmp (groups[i], GROUP_RULES) != 0)
      return bad (error, _ ("unknown group [%s]"), groups[i]);
  keys = g_key_file_get_keys (kf, GROUP_RECORD, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (strcmp (keys[i], "Version") != 0 && strcmp (keys[i], "Store") != 0)
      return bad (error, _ ("unknown key '%s' in [%s]"), keys[i], GROUP_RECORD);
  g_clear_pointer (&keys, g_strfreev);
  version = g_key_file_get_int64 (kf, GROUP_RECORD, "Version", &local_error);
  if (local_error != NULL)
    return bad (error, _ ("no version: %s"), local_error->message);
  if (version != MTP_RECORD_VERSION)
    return bad (error, _ ("version %lld, not %d (written by another version)"), (long long)version,
                MTP_RECORD_VERSION);
  store_name = g_key_file_get_string (kf, GROUP_RECORD, "Store", NULL);
  if (g_strcmp0 (store_name, mtp_record_store_to_string (store)) != 0)
    return bad (error, _ ("it is the record of store '%s', not of '%s'"),
                store_name != NULL ? store_name : "", mtp_record_store_to_string (store));

  keys = g_key_file_get_keys (kf, GROUP_CHAINS, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *text = g_key_file_get_string (kf, GROUP_CHAINS, keys[i], NULL);
      g_auto (GStrv) parts = text != NULL ? mtp_shlex_split (text, NULL) : NULL;
      MtpFamily family;
      MtpTable table;

      if (parts == NULL || g_strv_length (parts) != 3 || !parse_family (parts[0], &family)
          || !mtp_table_from_string (parts[1], &table))
        return bad (error, _ ("[%s] %s: not a chain ('%s')"), GROUP_CHAINS, keys[i],
                    text != NULL ? text : "");
      if (!mtp_direct_chain_name_is_ours (parts[2]))
        return bad (error, _ ("[%s] %s: chain '%s' is not ours"), GROUP_CHAINS, keys[i], parts[2]);
      g_ptr_array_add (entries->chains, mtp_direct_chain_new (parts[0], parts[1], parts[2]));
    }
  g_clear_pointer (&keys, g_strfreev);

  keys = g_key_file_get_keys (kf, GROUP_RULES, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *text = g_key_file_get_string (kf, GROUP_RULES, keys[i], NULL);
      g_auto (GStrv) parts = text != NULL ? mtp_shlex_split (text, NULL) : NULL;
      MtpFamily family;
      MtpTable table;
      gint64 priority;
      MtpRule *rule;

      if (parts == NULL || g_strv_length (parts) < 6 || !parse_family (parts[0], &family)
          || !mtp_table_from_string (parts[1], &table) || *parts[2] == '\0'
          || !g_ascii_string_to_signed (parts[3], 10, G_MININT32, G_MAXINT32, &priority, NULL))
        return bad (error, _ ("[%s] %s: not a rule ('%s')"), GROUP_RULES, keys[i],
                    text != NULL ? text : "");
      rule = rule_from_args (family, table, parts[2], (gint32)priority,
                             (const char *const *)parts + 4);
      if (rule == NULL)
        return bad (error, _ ("[%s] %s: not a rule mesh-tproxy writes ('%s')"), GROUP_RULES,
                    keys[i], text);
      g_ptr_array_add (rules, rule);
      g_ptr_array_add (entries->rules, direct_rule_take (parts, (gint32)priority));
    }
  *out_entries = g_steal_pointer (&entries);
  if (out_rules != NULL)
    *out_rules = g_steal_pointer (&rules);
  return TRUE;
}

MtpDirect *
mtp_record_from_data (MtpRecordStore store, const char *data, gsize length, GError **error)
{
  MtpDirect *entries = NULL;

  if (!parse_record (store, data, length, &entries, NULL, error))
    return NULL;
  return entries;
}

/* The records of a run. */

typedef enum
{
  PENDING_NONE,
  PENDING_INSTALL,
  PENDING_UNINSTALL,
} Pending;

typedef struct
{
  MtpDirect *entries; /* as loaded, or NULL */
  GPtrArray *rules;   /* of MtpRule: entries' rules */
  gboolean written;   /* this run wrote (or removed) the file: */
  MtpDirect *on_disk; /* what it holds now (NULL: nothing) */
  Pending pending;
  MtpDirect *final; /* PENDING_INSTALL: the record to write at the end */
} Record;

struct _MtpRecords
{
  char *dir;
  Record stores[MTP_RECORD_N_STORES];
};

static char *
record_path (const MtpRecords *records, MtpRecordStore store)
{
  g_autofree char *name = g_strconcat (mtp_record_store_to_string (store), ".record", NULL);

  return g_build_filename (records->dir, name, NULL);
}

/* The file's text; *data NULL when there is none. Anything else that
 * cannot be read or trusted is an error saying why. */
static gboolean
read_record (const char *path, char **data, gsize *length, GError **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0;
  struct stat st;
  int fd;
  int errsv;

  *data = NULL;
  /* Looked at before it is opened: opening a device or a FIFO can act. */
  if (lstat (path, &st) != 0)
    {
      errsv = errno;
      if (errsv == ENOENT)
        return TRUE;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, "%s", g_strerror (errsv));
      return FALSE;
    }
  if (S_ISLNK (st.st_mode))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("it is a symbolic link"));
      return FALSE;
    }
  if (!mtp_record_check_trusted (path, &st, error))
    return FALSE;
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, "%s", g_strerror (errsv));
      return FALSE;
    }
  /* Again, for the file opened (it may have been replaced in between). */
  if (!mtp_record_check_trusted (path, &st, error))
    {
      close (fd);
      return FALSE;
    }
  if (st.st_size > MTP_RECORD_MAX_SIZE)
    {
      close (fd);
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("it is larger than %d MiB"),
                   MTP_RECORD_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }
  buf = g_malloc ((gsize)st.st_size + 2);
  for (;;)
    {
      ssize_t n = read (fd, buf + len, (gsize)st.st_size + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          errsv = errno;
          close (fd);
          g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, "%s", g_strerror (errsv));
          return FALSE;
        }
      len += (gsize)n;
      if (n == 0 || len > (gsize)st.st_size)
        break;
    }
  close (fd);
  if (len > (gsize)st.st_size)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("it grew while it was read"));
      return FALSE;
    }
  buf[len] = '\0';
  *data = g_steal_pointer (&buf);
  *length = len;
  return TRUE;
}

MtpRecords *
mtp_records_load (const char *dir, GPtrArray *warnings)
{
  g_autoptr (MtpRecords) records = g_new0 (MtpRecords, 1);
  struct stat st;

  records->dir = g_strdup (dir);
  /* No directory, no record; one that cannot be searched, one warning. */
  if (stat (dir, &st) != 0 || access (dir, X_OK) != 0)
    {
      int errsv = errno;

      if (errsv != ENOENT)
        g_ptr_array_add (warnings,
                         g_strdup_printf (_ ("cannot read the install records in '%s': %s; rules "
                                             "of ours are recognised by their names, comments "
                                             "and the configured set only"),
                                          dir, g_strerror (errsv)));
      return g_steal_pointer (&records);
    }
  for (guint s = 0; s < MTP_RECORD_N_STORES; s++)
    {
      Record *rec = &records->stores[s];
      g_autofree char *path = record_path (records, s);
      g_autofree char *data = NULL;
      g_autoptr (GError) error = NULL;
      gsize length = 0;

      if (read_record (path, &data, &length, &error) && data != NULL
          && parse_record (s, data, length, &rec->entries, &rec->rules, &error)
          && rec->entries != NULL)
        {
          g_debug ("install record '%s': %u chains, %u rules", path, rec->entries->chains->len,
                   rec->entries->rules->len);
        }
      else if (error != NULL)
        g_ptr_array_add (
            warnings,
            g_strdup_printf (_ ("ignoring the install record '%s': %s; rules of ours are "
                                "recognised by their names, comments and the configured set "
                                "only (the next successful install replaces it)"),
                             path, error->message));
    }
  return g_steal_pointer (&records);
}

void
mtp_records_free (MtpRecords *records)
{
  if (records == NULL)
    return;
  for (guint s = 0; s < MTP_RECORD_N_STORES; s++)
    {
      Record *rec = &records->stores[s];
      g_clear_pointer (&rec->entries, mtp_direct_free);
      g_clear_pointer (&rec->rules, g_ptr_array_unref);
      g_clear_pointer (&rec->final, mtp_direct_free);
      g_clear_pointer (&rec->on_disk, mtp_direct_free);
    }
  g_free (records->dir);
  g_free (records);
}

const MtpDirect *
mtp_records_get (const MtpRecords *records, MtpRecordStore store)
{
  g_return_val_if_fail (store < MTP_RECORD_N_STORES, NULL);
  return records->stores[store].entries;
}

static char *
rule_key (const char *ipv, const char *table, const char *chain, gint32 priority,
          const char *const *args)
{
  g_autofree char *joined = g_strjoinv ("\x1f", (char **)args);

  return g_strdup_printf ("%s\x1e%s\x1e%s\x1e%d\x1e%s", ipv, table, chain, priority, joined);
}

static char *
direct_rule_key (const MtpDirectRule *r)
{
  return rule_key (r->ipv, r->table, r->chain, r->priority, (const char *const *)r->args);
}

/* Adds to into what of from it lacks. */
static void
add_entries (MtpDirect *into, GHashTable *seen, const MtpDirect *from)
{
  for (guint i = 0; i < from->chains->len; i++)
    if (!mtp_direct_has_chain (into->chains, from->chains->pdata[i]))
      g_ptr_array_add (into->chains, mtp_direct_chain_copy (from->chains->pdata[i]));
  for (guint i = 0; i < from->rules->len; i++)
    {
      char *key = direct_rule_key (from->rules->pdata[i]);

      if (g_hash_table_add (seen, key))
        g_ptr_array_add (into->rules, mtp_direct_rule_copy (from->rules->pdata[i]));
    }
}

MtpDirect *
mtp_records_known_direct (const MtpRecords *records, const MtpRuleset *desired)
{
  MtpDirect *known = desired != NULL ? mtp_direct_from_ruleset (desired) : mtp_direct_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < known->rules->len; i++)
    g_hash_table_add (seen, direct_rule_key (known->rules->pdata[i]));
  for (guint s = 0; s < MTP_RECORD_N_STORES; s++)
    if (records->stores[s].entries != NULL)
      add_entries (known, seen, records->stores[s].entries);
  return known;
}

MtpRuleset *
mtp_records_known_ruleset (const MtpRecords *records, const MtpRuleset *desired)
{
  g_autoptr (MtpRuleset) known = mtp_ruleset_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Borrowed: its rules belong to desired and to the records. */
  g_ptr_array_unref (known->rules);
  known->rules = g_ptr_array_new ();

  /* The libiptc store compares every entry of a built-in chain with every
   * known rule: each rule once (priorities mean nothing there). */
  for (guint i = 0; desired != NULL && i < desired->rules->len; i++)
    {
      const MtpRule *r = desired->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);

      g_hash_table_add (seen,
                        rule_key (mtp_family_to_string (r->family), mtp_table_to_string (r->table),
                                  r->chain, 0, (const char *const *)args));
      g_ptr_array_add (known->rules, (gpointer)r);
    }
  for (guint s = 0; s < MTP_RECORD_N_STORES; s++)
    {
      const Record *rec = &records->stores[s];

      for (guint i = 0; rec->entries != NULL && i < rec->rules->len; i++)
        {
          const MtpDirectRule *d = rec->entries->rules->pdata[i];

          if (g_hash_table_add (
                  seen, rule_key (d->ipv, d->table, d->chain, 0, (const char *const *)d->args)))
            g_ptr_array_add (known->rules, rec->rules->pdata[i]);
        }
    }
  if (desired != NULL)
    known->loopback = g_strdup (desired->loopback);
  return g_steal_pointer (&known);
}

/* Writing. */

static gboolean
fail_dir (GError **error, int errsv, const char *dir)
{
  gboolean denied = errsv == EACCES || errsv == EPERM || errsv == EROFS;

  g_set_error (error, MTP_ERROR, denied ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED,
               denied ? _ ("cannot write mesh-tproxy's install record in '%s': %s; installing "
                           "needs root (or --state-dir naming a directory the caller can write)")
                      : _ ("cannot write mesh-tproxy's install record in '%s': %s"),
               dir, g_strerror (errsv));
  return FALSE;
}

/* The state directory, made when missing, safe to write in: nobody but
 * root or the caller may be able to swap the record for one that makes a
 * later run remove rules that are not ours. */
static gboolean
prepare_directory (const char *dir, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *quoted = mtp_shlex_quote (dir);

  /* As systemd makes a StateDirectory=, whatever the umask. */
  if (!g_file_test (dir, G_FILE_TEST_EXISTS)
      && (g_mkdir_with_parents (dir, DIR_MODE) != 0 || g_chmod (dir, DIR_MODE) != 0))
    return fail_dir (error, errno, dir);
  if (!check_directories (dir, &local_error))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("the state directory '%s' is not safe for mesh-tproxy's install record: "
                      "%s; whoever can change it could make a later uninstall remove rules that "
                      "are not ours; nothing was changed: make it root's and writable by its "
                      "owner only ('chown root %s; chmod go-w %s'), or choose another with "
                      "--state-dir"),
                   dir, local_error->message, quoted, quoted);
      return FALSE;
    }
  if (access (dir, W_OK | X_OK) != 0)
    return fail_dir (error, errno, dir);
  return TRUE;
}

static void
sync_directory (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return;
  if (fsync (fd) != 0)
    g_debug ("syncing '%s': %s", dir, g_strerror (errno));
  close (fd);
}

/* The temporary files (NAME.XXXXXX) of runs killed while they wrote a record:
 * the lock says that no other run is writing one now. */
static void
remove_stale_temp_files (const char *dir, const char *name)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strconcat (name, ".", NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat st;

      if (!g_str_has_prefix (entry, prefix) || strlen (entry) != strlen (prefix) + 6)
        continue;
      path = g_build_filename (dir, entry, NULL);
      if (lstat (path, &st) == 0 && S_ISREG (st.st_mode) && owner_trusted (st.st_uid)
          && g_unlink (path) == 0)
        g_debug ("removed '%s', left by a run that was killed", path);
    }
}

/* The same chains and rules in the same order: the same text. */
static gboolean
direct_equal (const MtpDirect *a, const MtpDirect *b)
{
  if (a->chains->len != b->chains->len || a->rules->len != b->rules->len)
    return FALSE;
  for (guint i = 0; i < a->chains->len; i++)
    if (!mtp_direct_chain_equal (a->chains->pdata[i], b->chains->pdata[i]))
      return FALSE;
  for (guint i = 0; i < a->rules->len; i++)
    if (!mtp_direct_rule_equal (a->rules->pdata[i], b->rules->pdata[i]))
      return FALSE;
  return TRUE;
}

static MtpDirect *
direct_copy (const MtpDirect *d)
{
  MtpDirect *copy = mtp_direct_new ();

  for (guint i = 0; i < d->chains->len; i++)
    g_ptr_array_add (copy->chains, mtp_direct_chain_copy (d->chains->pdata[i]));
  for (guint i = 0; i < d->rules->len; i++)
    g_ptr_array_add (copy->rules, mtp_direct_rule_copy (d->rules->pdata[i]));
  return copy;
}

/* What the file holds now, as far as this run knows. */
static const MtpDirect *
on_disk (const Record *rec)
{
  return rec->written ? rec->on_disk : rec->entries;
}

static gboolean
write_record (MtpRecords *records, MtpRecordStore store, const MtpDirect *entries, GError **error)
{
  Record *rec = &records->stores[store];
  g_autofree char *path = record_path (records, store);
  g_autofree char *data = NULL;
  gsize length;
  g_autoptr (GError) local_error = NULL;

  if (on_disk (rec) != NULL && direct_equal (on_disk (rec), entries))
    return TRUE;
  data = mtp_record_to_data (store, entries);
  length = strlen (data);
  if (length > MTP_RECORD_MAX_SIZE)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("the install record of %u rules would take %lu bytes, more than its limit of "
                      "%d MiB"),
                   entries->rules->len, (unsigned long)length, MTP_RECORD_MAX_SIZE / (1024 * 1024));
      return FALSE;
    }
  if (!prepare_directory (records->dir, error))
    return FALSE;
  {
    g_autofree char *name = g_path_get_basename (path);
    remove_stale_temp_files (records->dir, name);
  }
  if (!g_file_set_contents_full (path, data, (gssize)length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 RECORD_MODE, &local_error))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("writing the install record: %s"),
                   local_error->message);
      return FALSE;
    }
  sync_directory (records->dir);
  g_clear_pointer (&rec->on_disk, mtp_direct_free);
  rec->on_disk = direct_copy (entries);
  rec->written = TRUE;
  g_debug ("wrote '%s': %u chains, %u rules", path, entries->chains->len, entries->rules->len);
  return TRUE;
}

gboolean
mtp_records_begin_install (MtpRecords *records, MtpRecordStore store, const MtpDirect *desired,
                           GError **error)
{
  Record *rec = &records->stores[store];
  g_autoptr (MtpDirect) both = NULL;
  g_autoptr (GHashTable) seen = NULL;

  /* The record says what the store is to hold (a second install): nothing
   * to write, now or at the end. */
  if (rec->final == NULL && on_disk (rec) != NULL && direct_equal (on_disk (rec), desired))
    return TRUE;
  both = mtp_direct_new ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* And what an earlier attempt of this run (started again) meant to. */
  add_entries (both, seen, desired);
  if (rec->entries != NULL)
    add_entries (both, seen, rec->entries);
  if (rec->final != NULL)
    add_entries (both, seen, rec->final);
  if (!write_record (records, store, both, error))
    return FALSE;
  g_clear_pointer (&rec->final, mtp_direct_free);
  rec->final = direct_copy (desired);
  rec->pending = PENDING_INSTALL;
  return TRUE;
}

void
mtp_records_begin_uninstall (MtpRecords *records, MtpRecordStore store)
{
  Record *rec = &records->stores[store];

  g_clear_pointer (&rec->final, mtp_direct_free);
  rec->pending = PENDING_UNINSTALL;
}

static gboolean
remove_record (MtpRecords *records, MtpRecordStore store, GError **error)
{
  Record *rec = &records->stores[store];
  g_autofree char *path = record_path (records, store);
  g_autoptr (GError) local_error = NULL;

  if (!g_file_test (records->dir, G_FILE_TEST_EXISTS))
    return TRUE;
  /* Not in a directory that others could have put the file in. */
  if (!check_directories (records->dir, &local_error))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("not removing the install record '%s': %s"), path, local_error->message);
      return FALSE;
    }
  if (g_unlink (path) != 0)
    {
      int errsv = errno;

      if (errsv == ENOENT)
        return TRUE;
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("removing the install record '%s': %s"),
                   path, g_strerror (errsv));
      return FALSE;
    }
  sync_directory (records->dir);
  g_clear_pointer (&rec->on_disk, mtp_direct_free);
  rec->written = TRUE;
  g_debug ("removed '%s'", path);
  return TRUE;
}

gboolean
mtp_records_finish (MtpRecords *records, GError **error)
{
  gboolean ok = TRUE;

  /* Every store, the first error reported. */
  for (guint s = 0; s < MTP_RECORD_N_STORES; s++)
    {
      Record *rec = &records->stores[s];
      g_autoptr (GError) local_error = NULL;

      if ((rec->pending == PENDING_INSTALL && !write_record (records, s, rec->final, &local_error))
          || (rec->pending == PENDING_UNINSTALL && !remove_record (records, s, &local_error)))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&local_error));
          ok = FALSE;
        }
      rec->pending = PENDING_NONE;
    }
  return ok;
}
