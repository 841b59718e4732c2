/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-limits.h"
#include "mtp-shlex.h"

/* The arithmetic of the limits: sizes fit in a gsize and in libxml2's int. */
G_STATIC_ASSERT (MTP_LIMIT_DIRECT_XML_WRITE_SIZE <= MTP_LIMIT_DIRECT_XML_SIZE / 2);
G_STATIC_ASSERT (MTP_LIMIT_DIRECT_XML_SIZE < G_MAXINT / 2);

char *
mtp_limit_reference (const char *name)
{
  return g_strdup_printf (_ ("the limit '%s', see LIMITS in mesh-tproxy(8)"), name);
}

char *
mtp_limit_format_size (guint64 size)
{
  if (size >= 1024 * 1024 && size % (1024 * 1024) == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", size / (1024 * 1024));
  if (size >= 1024 && size % 1024 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", size / 1024);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", size);
}

static gboolean
fail_errno (GError **error, int errsv)
{
  g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errsv), g_strerror (errsv));
  return FALSE;
}

static gboolean
fail_too_large (GError **error, gsize limit, const char *name, guint64 size)
{
  g_autofree char *limit_text = mtp_limit_format_size (limit);
  g_autofree char *reference = mtp_limit_reference (name);
  g_autofree char *size_text = g_strdup_printf ("%" G_GUINT64_FORMAT, size);

  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, _ ("larger than %s (%s bytes; %s)"),
               limit_text, size_text, reference);
  return FALSE;
}

static gboolean
fail_not_regular (GError **error)
{
  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, _ ("not a regular file"));
  return FALSE;
}

static gboolean
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

gboolean
mtp_limits_read_file (const char *path, gsize limit, const char *name, char **contents,
                      gsize *length, struct stat *st_out, GError **error)
{
  g_autofree char *buf = NULL;
  gsize len = 0, size;
  struct stat before, st;
  int fd;

  g_return_val_if_fail (limit < G_MAXSIZE / 2, FALSE);

  /* Looked at before it is opened: opening a device can act, and a FIFO
   * opened without O_NONBLOCK waits for a writer. O_NONBLOCK covers a swap
   * between the two looks; the second one refuses it. */
  if (stat (path, &before) != 0)
    return fail_errno (error, errno);
  if (!S_ISREG (before.st_mode))
    return fail_not_regular (error);
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return fail_errno (error, errno);
  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;

      close (fd);
      return fail_errno (error, errsv);
    }
  if (!S_ISREG (st.st_mode) || !same_file (&before, &st))
    {
      close (fd);
      return fail_not_regular (error);
    }
  if (st.st_size < 0 || (guint64)st.st_size > limit)
    {
      close (fd);
      return fail_too_large (error, limit, name, (guint64)st.st_size);
    }

  /* Files of /proc say 0 and others may grow: read to the end, in steps,
   * never past the limit. */
  size = MAX ((gsize)st.st_size, 4096);
  size = MIN (size, limit + 1);
  buf = g_malloc (size + 1);
  for (;;)
    {
      ssize_t n;

      if (len == size)
        {
          if (size > limit)
            break;
          size = MIN (size * 2, limit + 1);
          buf = g_realloc (buf, size + 1);
        }
      n = read (fd, buf + len, size - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          close (fd);
          return fail_errno (error, errsv);
        }
      if (n == 0)
        break;
      len += (gsize)n;
    }
  close (fd);
  if (len > limit)
    return fail_too_large (error, limit, name, len);
  buf[len] = '\0';
  *contents = g_steal_pointer (&buf);
  if (length != NULL)
    *length = len;
  if (st_out != NULL)
    *st_out = st;
  return TRUE;
}

char *
mtp_limits_read_system_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  if (!mtp_limits_read_file (path, MTP_LIMIT_SYSTEM_FILE_SIZE, "system-file-size", &contents, NULL,
                             NULL, &error))
    {
      g_debug ("not reading '%s': %s", path, error->message);
      return NULL;
    }
  return contents;
}

/* Sizes in stores */

/* D-Bus marshalling, counted: a string is aligned to 4 and takes a 32-bit
 * length, its bytes and a NUL; an int32 is aligned to 4; an array is aligned
 * to 4 and takes a 32-bit length, then its elements from their alignment (8
 * for a struct, which is aligned to 8). The body starts aligned to 8. */
static gsize
align (gsize pos, gsize to)
{
  return (pos + to - 1) / to * to;
}

static gsize
put_string (gsize pos, const char *s)
{
  return align (pos, 4) + 4 + strlen (s) + 1;
}

static gsize
put_strv (gsize pos, char **strv)
{
  pos = align (pos, 4) + 4;
  for (guint i = 0; strv[i] != NULL; i++)
    pos = put_string (pos, strv[i]);
  return pos;
}

/* pos after the elements of the array of kind (0 chains, 1 rules, 2
 * passthroughs) of the union of A and B, from pos. */
static gsize
put_array (gsize pos, const MtpDirect *a, const MtpDirect *b, guint kind)
{
  const MtpDirect *parts[] = { a, b };

  pos = align (align (pos, 4) + 4, 8);
  for (guint k = 0; k < G_N_ELEMENTS (parts); k++)
    {
      const MtpDirect *d = parts[k];
      const GPtrArray *list = d == NULL   ? NULL
                              : kind == 0 ? d->chains
                              : kind == 1 ? d->rules
                                          : d->passthroughs;

      for (guint i = 0; list != NULL && i < list->len; i++)
        {
          pos = align (pos, 8);
          if (kind == 0)
            {
              const MtpDirectChain *c = list->pdata[i];
              pos = put_string (put_string (put_string (pos, c->ipv), c->table), c->chain);
            }
          else if (kind == 1)
            {
              const MtpDirectRule *r = list->pdata[i];
              pos = put_string (put_string (put_string (pos, r->ipv), r->table), r->chain);
              pos = put_strv (align (pos, 4) + 4, r->args);
            }
          else
            {
              const MtpDirectPassthrough *p = list->pdata[i];
              pos = put_strv (put_string (pos, p->ipv), p->args);
            }
        }
    }
  return pos;
}

gsize
mtp_limits_dbus_body_size (const MtpDirect *a, const MtpDirect *b, gboolean rules_only)
{
  if (rules_only)
    return put_array (0, a, b, 1);
  return put_array (put_array (put_array (0, a, b, 0), a, b, 1), a, b, 2);
}

/* What D-Bus carries of the union of A and B (may be NULL): the getAllRules
 * answer (rules_only) or the getSettings one, with room for the header. */
static gsize
dbus_size (const MtpDirect *a, const MtpDirect *b, gboolean rules_only)
{
  return 1024 + mtp_limits_dbus_body_size (a, b, rules_only);
}

/* Python's xml.sax.saxutils.escape() adds this much to text... */
static gsize
escaped_extra (const char *s)
{
  gsize n = 0;

  for (; *s != '\0'; s++)
    n += *s == '&' ? 4 : (*s == '<' || *s == '>') ? 3 : 0;
  return n;
}

/* ...and quoteattr() to an attribute value, with its quotes. */
static gsize
attribute_size (const char *value)
{
  gsize n = strlen (value) + 2 + escaped_extra (value);

  for (const char *p = value; *p != '\0'; p++)
    n += *p == '\n' || *p == '\r' ? 4 : *p == '\t' ? 3 : 0;
  /* Double quotes in double quotes only when there are single ones too. */
  if (strchr (value, '"') != NULL && strchr (value, '\'') != NULL)
    for (const char *p = value; *p != '\0'; p++)
      n += *p == '"' ? 5 : 0;
  return n;
}

/* " NAME=VALUE" */
static gsize
attr (const char *name, const char *value)
{
  return 1 + strlen (name) + 1 + attribute_size (value);
}

/* shlex.quote each argument, joined by spaces, then escaped. */
static gsize
args_size (char **args)
{
  gsize n = 0;

  for (guint i = 0; args[i] != NULL; i++)
    {
      g_autofree char *quoted = mtp_shlex_quote (args[i]);

      n += (i > 0 ? 1 : 0) + strlen (quoted) + escaped_extra (quoted);
    }
  return n;
}

gsize
mtp_limits_firewalld_xml_size (const MtpDirect *d)
{
  gsize n = strlen ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n</direct>\n");

  if (d == NULL)
    return n;

  for (guint i = 0; i < d->chains->len; i++)
    {
      const MtpDirectChain *c = d->chains->pdata[i];

      n += strlen ("  <chain/>\n") + attr ("ipv", c->ipv) + attr ("table", c->table)
           + attr ("chain", c->chain);
    }
  for (guint i = 0; i < d->rules->len; i++)
    {
      const MtpDirectRule *r = d->rules->pdata[i];
      char priority[16];

      /* firewalld leaves out a rule without arguments. */
      if (r->args[0] == NULL)
        continue;
      g_snprintf (priority, sizeof priority, "%d", r->priority);
      n += strlen ("  <rule></rule>\n") + attr ("ipv", r->ipv) + attr ("table", r->table)
           + attr ("chain", r->chain) + attr ("priority", priority) + args_size (r->args);
    }
  for (guint i = 0; i < d->passthroughs->len; i++)
    {
      const MtpDirectPassthrough *p = d->passthroughs->pdata[i];

      if (p->args[0] == NULL)
        continue;
      n += strlen ("  <passthrough></passthrough>\n") + attr ("ipv", p->ipv) + args_size (p->args);
    }
  return n;
}

/* Takes WHAT: the store, its size and the limit. */
static gboolean
fail_store (GError **error, char *what)
{
  g_autofree char *owned = what;

  g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, "%s; %s", owned,
               _ ("nothing was changed: exclude fewer ports or addresses, or use --pack-ports"));
  return FALSE;
}

/* The parts of a message about SIZE going past LIMIT, named NAME. */
typedef struct
{
  char *size;
  char *limit;
  char *reference;
} Past;

static void
past_clear (Past *p)
{
  g_free (p->size);
  g_free (p->limit);
  g_free (p->reference);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Past, past_clear)

static void
past_init (Past *p, gsize size, gsize limit, const char *name)
{
  p->size = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
  p->limit = mtp_limit_format_size (limit);
  p->reference = mtp_limit_reference (name);
}

gboolean
mtp_limits_check_firewalld (const MtpDirect *before, const MtpDirect *foreign,
                            const MtpDirect *ours, gboolean permanent, GError **error)
{
  g_auto (Past) past = { 0 };
  gsize size;

  if ((size = dbus_size (foreign, ours, !permanent)) > MTP_LIMIT_DBUS_SIZE
      && size > dbus_size (before, NULL, !permanent))
    {
      past_init (&past, size, MTP_LIMIT_DBUS_SIZE, "dbus-size");
      return fail_store (
          error, permanent
                     ? g_strdup_printf (_ ("firewalld's permanent direct configuration would "
                                           "be %s bytes as D-Bus carries it, more than %s (%s)"),
                                        past.size, past.limit, past.reference)
                     : g_strdup_printf (_ ("firewalld's runtime direct rules would be %s bytes "
                                           "as D-Bus carries them, more than %s (%s)"),
                                        past.size, past.limit, past.reference));
    }
  /* Both counted the document's frame: once is enough. */
  if (permanent
      && (size = mtp_limits_firewalld_xml_size (foreign) + mtp_limits_firewalld_xml_size (ours)
                 - mtp_limits_firewalld_xml_size (NULL))
             > MTP_LIMIT_DIRECT_XML_WRITE_SIZE
      && size > mtp_limits_firewalld_xml_size (before))
    {
      past_init (&past, size, MTP_LIMIT_DIRECT_XML_WRITE_SIZE, "direct-xml-write-size");
      return fail_store (error, g_strdup_printf (_ ("firewalld would write its permanent direct "
                                                    "configuration as a direct.xml of %s bytes, "
                                                    "larger than %s (%s)"),
                                                 past.size, past.limit, past.reference));
    }
  return TRUE;
}

gboolean
mtp_limits_check_direct_xml (const char *path, gsize new_size, gsize old_size, GError **error)
{
  g_auto (Past) past = { 0 };

  if (new_size <= MTP_LIMIT_DIRECT_XML_WRITE_SIZE || new_size <= old_size)
    return TRUE;
  past_init (&past, new_size, MTP_LIMIT_DIRECT_XML_WRITE_SIZE, "direct-xml-write-size");
  return fail_store (error, g_strdup_printf (_ ("'%s' would be %s bytes, larger than %s (%s)"),
                                             path, past.size, past.limit, past.reference));
}

void
mtp_limits_explain_unreadable (const char *path, GError *error)
{
  g_autofree char *write_limit = mtp_limit_format_size (MTP_LIMIT_DIRECT_XML_WRITE_SIZE);
  struct stat st;
  char *message;

  if (error == NULL || stat (path, &st) != 0 || !S_ISREG (st.st_mode)
      || st.st_size <= MTP_LIMIT_DIRECT_XML_SIZE)
    return;
  message = g_strdup_printf (
      _ ("%s; mesh-tproxy never leaves a direct.xml over %s, so another program made it grow, "
         "and nothing was changed. To remove the rules of ours from it: start firewalld and run "
         "'mesh-tproxy uninstall' again (it then goes through firewalld), or delete them from "
         "the file as LIMITS in mesh-tproxy(8) shows; 'mesh-tproxy uninstall --backend iptables' "
         "removes ours from the kernel's tables"),
      error->message, write_limit);
  g_free (error->message);
  error->message = message;
}
