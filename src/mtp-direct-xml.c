/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#if HAVE_SELINUX
#include <selinux/label.h>
#include <selinux/selinux.h>
#endif

#include "mtp-direct-xml.h"
#include "mtp-error.h"
#include "mtp-file.h"
#include "mtp-limits.h"
#include "mtp-render.h"
#include "mtp-shlex.h"
#include "mtp-xml.h"

#define DIRECT_XML     "direct.xml"
#define DIRECT_XML_OLD "direct.xml.old"
/* What firewalld writes for an empty configuration. */
#define EMPTY_DOCUMENT "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<direct>\n</direct>\n"

/* No network, no DTD loading or default attributes, no entity substitution,
 * no relaxed limits; the first error ends the parse. */
#define PARSE_OPTIONS                                                                              \
  (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES)

#if LIBXML_VERSION >= 21200
#define XML_ERROR_CONST const
#else
#define XML_ERROR_CONST
#endif

struct _MtpDirectXml
{
  char *dir;
  char *path;
  gsize size;           /* of the file read; 0 when there was none */
  gboolean only_remove; /* set_ours was given nothing to add: the size may stay */
  xmlDoc *doc;
  MtpDirect *direct; /* what doc holds, as firewalld reads it */
  GBytes *original;  /* the file as it was read; NULL: there was none */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)

typedef int AutoFd;

static void
close_fd (int fd)
{
  close (fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (AutoFd, close_fd, -1)

static int
steal_fd (int *fd)
{
  int result = *fd;

  *fd = -1;
  return result;
}

static MtpError
errno_to_code (int errsv)
{
  return errsv == EACCES || errsv == EPERM ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED;
}

G_GNUC_PRINTF (3, 4)
static gboolean
fail_io (GError **error, int errsv, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MTP_ERROR, errno_to_code (errsv), "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

/* "'<path>': line N: <what>" (no line part when the line is unknown); takes
 * what. Not variadic, so that clang's analyzer follows it and sees the FALSE:
 * it does not follow calls of variadic functions. */
static gboolean
fail_at_take (GError **error, const char *path, long line, char *what)
{
  g_autofree char *owned = what;

  if (line > 0)
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, _ ("'%s': line %ld: %s"), path, line,
                 owned);
  else
    g_set_error (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG, "'%s': %s", path, owned);
  return FALSE;
}

#define fail_at(error, path, line, ...)                                                            \
  fail_at_take (error, path, line, g_strdup_printf (__VA_ARGS__))

/* Reading */

/* Follows a symbolic link (only writing refuses one). *contents is NULL when
 * the file does not exist. Only a regular file of at most direct-xml-size is
 * read (mtp-limits.h), and only one that mtp_file_check_path trusts. */
static gboolean
read_file (const char *path, char **contents, gsize *length, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  struct stat st;

  *contents = NULL;
  *length = 0;
  if (mtp_limits_read_file (path, MTP_LIMIT_DIRECT_XML_SIZE, "direct-xml-size", contents, length,
                            NULL, &local_error))
    {
      /* What it holds besides ours goes on to firewalld, which runs as root.
       * Checked by path after the read: a directory that it trusts is one
       * nobody else could have swapped the file in since. */
      if (mtp_file_check_path (path, _ ("firewalld's direct configuration"), MTP_FILE_TRUST_DEFAULT,
                               error))
        return TRUE;
      g_clear_pointer (contents, g_free);
      *length = 0;
      return FALSE;
    }
  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      if (lstat (path, &st) != 0)
        return TRUE;
      return fail_at (error, path, 0, _ ("a symbolic link to a missing file"));
    }
  if (local_error->domain == MTP_ERROR)
    return fail_at (error, path, 0, "%s", local_error->message);
  {
    g_autofree char *what = g_strdup_printf (_ ("reading '%s'"), path);
    gboolean denied = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_ACCES)
                      || g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_PERM);

    g_set_error (error, MTP_ERROR, denied ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED, "%s: %s", what,
                 local_error->message);
    return FALSE;
  }
}

typedef struct
{
  long error_line;
  char *error_message;
  long doctype_line; /* > 0: a <!DOCTYPE> was met */
} ParseState;

/* Keeps the first error; libxml2 prints nothing. data is the parser context
 * both for the context's handler and for the thread's (which gets encoding
 * errors that libxml2 raises without a context). */
static void
on_parse_error (void *data, XML_ERROR_CONST xmlError *e)
{
  xmlParserCtxt *ctxt = data;
  ParseState *state = ctxt->_private;

  if (e == NULL || e->level < XML_ERR_ERROR || state->error_message != NULL)
    return;
  /* Namespace errors leave the document well-formed; the element and
   * attribute checks report prefixes in terms of firewalld's format. */
  if (e->domain == XML_FROM_NAMESPACE)
    return;
  state->error_line = e->line;
  /* One line: some of libxml2's messages have a second one. */
  state->error_message = g_strchomp (g_strdup (e->message != NULL ? e->message : ""));
  g_strdelimit (state->error_message, "\n", ' ');
}

/* A DTD is where entity declarations live (billion laughs, external
 * entities): stop at the first sight of one. */
static void
on_internal_subset (void *data, const xmlChar *name, const xmlChar *external_id,
                    const xmlChar *system_id)
{
  xmlParserCtxt *ctxt = data;
  ParseState *state = ctxt->_private;

  state->doctype_line = ctxt->input != NULL && ctxt->input->line > 0 ? ctxt->input->line : 1;
  xmlStopParser (ctxt);
}

/* Whether the document is in UTF-16 or UTF-32, as its first two bytes tell
 * (a byte order mark, or the NUL half of its first character; XML 1.0
 * appendix F). */
static gboolean
is_wide_encoding (const char *data, gsize length)
{
  const guchar *d = (const guchar *)data;

  return length >= 2
         && (d[0] == 0 || d[1] == 0 || (d[0] == 0xfe && d[1] == 0xff)
             || (d[0] == 0xff && d[1] == 0xfe));
}

static xmlDoc *
parse_document (const char *path, const char *data, gsize length, GError **error)
{
  g_autoptr (xmlParserCtxt) ctxt = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  ParseState state = { 0 };
  g_autofree char *message = NULL;
  const char *nul;

  g_assert (length <= MTP_LIMIT_DIRECT_XML_SIZE);
  /* libxml2 reads an 8-bit document only up to a NUL byte and takes what
   * came before for all of it (firewalld refuses the file). In UTF-16 and
   * UTF-32 NUL bytes are part of the characters: libxml2 checks those. */
  nul = is_wide_encoding (data, length) ? NULL : memchr (data, '\0', length);
  if (nul != NULL)
    {
      long line = 1;

      for (const char *p = data; p < nul; p++)
        line += *p == '\n';
      fail_at (error, path, line, _ ("a NUL byte, which XML does not allow"));
      return NULL;
    }
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL || ctxt->sax == NULL)
    g_error ("libxml2: out of memory");
  ctxt->_private = &state;
  ctxt->sax->internalSubset = on_internal_subset;
#if LIBXML_VERSION >= 21300
  xmlCtxtSetErrorHandler (ctxt, on_parse_error, ctxt);
  doc = xmlCtxtReadMemory (ctxt, data, (int)length, NULL, NULL, PARSE_OPTIONS);
#else
  /* The handler is libxml2's global one here; back to libxml2's default
   * after (nothing else in the program sets one). */
  ctxt->sax->serror = on_parse_error;
  xmlSetStructuredErrorFunc (ctxt, on_parse_error);
  doc = xmlCtxtReadMemory (ctxt, data, (int)length, NULL, NULL, PARSE_OPTIONS);
  xmlSetStructuredErrorFunc (NULL, NULL);
#endif
  message = state.error_message;

  if (state.doctype_line > 0 || (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL)))
    {
      fail_at (error, path, state.doctype_line,
               _ ("a document type declaration (<!DOCTYPE>) is not allowed"));
      return NULL;
    }
  if (doc == NULL || !ctxt->wellFormed)
    {
      fail_at (error, path, state.error_line, _ ("not well-formed XML: %s"),
               message != NULL && *message != '\0' ? message : _ ("parse error"));
      return NULL;
    }
  return g_steal_pointer (&doc);
}

/* The document, checked the way firewalld's reader checks it */

typedef struct
{
  MtpDirectChain *chain;
  MtpDirectRule *rule;
  MtpDirectPassthrough *passthrough;
  gboolean ignored; /* a rule or passthrough without text: firewalld skips it */
} Entry;

static void
entry_clear (Entry *e)
{
  g_clear_pointer (&e->chain, mtp_direct_chain_free);
  g_clear_pointer (&e->rule, mtp_direct_rule_free);
  g_clear_pointer (&e->passthrough, mtp_direct_passthrough_free);
  e->ignored = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Entry, entry_clear)

static const char *const chain_attributes[] = { "ipv", "table", "chain", NULL };
static const char *const rule_attributes[] = { "ipv", "table", "chain", "priority", NULL };
static const char *const passthrough_attributes[] = { "ipv", NULL };
static const char *const no_attributes[] = { NULL };

static char *
qualified_name (const xmlNs *ns, const xmlChar *name)
{
  if (ns != NULL && ns->prefix != NULL)
    return g_strdup_printf ("%s:%s", (const char *)ns->prefix, (const char *)name);
  return g_strdup ((const char *)name);
}

/* The element's name when it has no prefix (an undeclared prefix stays in
 * the name), else NULL. */
static const char *
plain_name (const xmlNode *el)
{
  if (el->ns != NULL && el->ns->prefix != NULL)
    return NULL;
  return (const char *)el->name;
}

static long
line_of (const xmlNode *node)
{
  return xmlGetLineNo (node);
}

static gboolean
check_attributes (xmlNode *el, const char *const *allowed, const char *path, GError **error)
{
  for (guint i = 0; allowed[i] != NULL; i++)
    if (xmlHasNsProp (el, BAD_CAST allowed[i], NULL) == NULL)
      return fail_at (error, path, line_of (el), _ ("missing attribute '%s' on <%s>"), allowed[i],
                      (const char *)el->name);
  /* Namespace declarations are attributes to firewalld's parser. */
  if (el->nsDef != NULL)
    {
      const xmlNs *ns = el->nsDef;
      g_autofree char *name = ns->prefix != NULL
                                  ? g_strdup_printf ("xmlns:%s", (const char *)ns->prefix)
                                  : g_strdup ("xmlns");
      return fail_at (error, path, line_of (el), _ ("unexpected attribute '%s' on <%s>"), name,
                      (const char *)el->name);
    }
  for (const xmlAttr *a = el->properties; a != NULL; a = a->next)
    if (a->ns != NULL || !g_strv_contains (allowed, (const char *)a->name))
      {
        g_autofree char *name = qualified_name (a->ns, a->name);
        return fail_at (error, path, line_of (el), _ ("unexpected attribute '%s' on <%s>"), name,
                        (const char *)el->name);
      }
  /* A default namespace could only come from the (rejected) root. */
  if (el->ns != NULL)
    return fail_at (error, path, line_of (el), _ ("unknown element <%s>"), (const char *)el->name);
  return TRUE;
}

static char *
attribute (xmlNode *el, const char *name)
{
  xmlChar *value = xmlGetNoNsProp (el, BAD_CAST name);
  char *result = g_strdup (value != NULL ? (const char *)value : "");

  xmlFree (value);
  return result;
}

/* The text firewalld's SAX handler collects: text and CDATA, comments and
 * processing instructions skipped. */
static gboolean
element_text (xmlNode *el, const char *path, char **text, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (xmlNode *n = el->children; n != NULL; n = n->next)
    switch (n->type)
      {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
          g_string_append (out, (const char *)n->content);
          break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
          break;
        case XML_ELEMENT_NODE:
          {
            g_autofree char *name = qualified_name (n->ns, n->name);
            return fail_at (error, path, line_of (n), _ ("unexpected element <%s> inside <%s>"),
                            name, (const char *)el->name);
          }
        default:
          return fail_at (error, path, line_of (n), _ ("unexpected content inside <%s>"),
                          (const char *)el->name);
      }
  *text = g_string_free (g_steal_pointer (&out), FALSE);
  return TRUE;
}

/* firewalld turns every newline of the text into a space before splitting,
 * inside quotes too. */
static char **
split_args (const char *text, GError **error)
{
  g_autofree char *flat = g_strdup (text);

  g_strdelimit (flat, "\n", ' ');
  return mtp_shlex_split (flat, error);
}

static gboolean
check_chain_name (xmlNode *el, const char *chain, const char *path, GError **error)
{
  gsize length = strlen (chain);

  if (length <= MTP_LIMIT_CHAIN_NAME_LENGTH)
    return TRUE;
  return fail_at (
      error, path, line_of (el),
      _ ("the chain name on <%s> is %u bytes long, more than iptables takes (at most %u)"),
      (const char *)el->name, (guint)length, (guint)MTP_LIMIT_CHAIN_NAME_LENGTH);
}

/* Checked before splitting, so that the split has bounded work. */
static gboolean
check_text_size (xmlNode *el, const char *text, const char *path, GError **error)
{
  gsize length = strlen (text);

  if (length <= MTP_LIMIT_ENTRY_SIZE)
    return TRUE;
  return fail_at (
      error, path, line_of (el),
      _ ("the arguments of <%s> are %u bytes long, more than iptables takes (at most %u)"),
      (const char *)el->name, (guint)length, (guint)MTP_LIMIT_ENTRY_SIZE);
}

static gboolean
check_arg_count (xmlNode *el, char **args, const char *path, GError **error)
{
  guint n = g_strv_length (args);

  if (n <= MTP_LIMIT_ENTRY_ARGUMENTS)
    return TRUE;
  return fail_at (error, path, line_of (el),
                  _ ("<%s> has %u arguments, more than iptables takes (at most %u)"),
                  (const char *)el->name, n, (guint)MTP_LIMIT_ENTRY_ARGUMENTS);
}

static gboolean
check_ipv (xmlNode *el, const char *ipv, const char *path, GError **error)
{
  static const char *const ipvs[] = { "ipv4", "ipv6", "eb", NULL };

  if (g_strv_contains (ipvs, ipv))
    return TRUE;
  return fail_at (error, path, line_of (el), _ ("invalid ipv '%s' (not ipv4, ipv6 or eb)"), ipv);
}

/* firewalld's lists of tables: iptables' built-in ones, ebtables' for eb. */
static gboolean
check_table (xmlNode *el, const char *ipv, const char *table, const char *path, GError **error)
{
  static const char *const ip_tables[] = { "security", "raw", "mangle", "nat", "filter", NULL };
  static const char *const eb_tables[] = { "broute", "nat", "filter", NULL };

  if (g_strv_contains (strcmp (ipv, "eb") == 0 ? eb_tables : ip_tables, table))
    return TRUE;
  return fail_at (error, path, line_of (el), _ ("invalid table '%s' for ipv '%s'"), table, ipv);
}

typedef enum
{
  PRIORITY_OK,
  PRIORITY_NOT_INTEGER,
  PRIORITY_OUT_OF_RANGE,
} PriorityResult;

static gboolean
is_python_space (gunichar c)
{
  return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028
         || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

static gboolean
is_c_space (char c)
{
  return c != '\0' && strchr (" \t\n\v\f\r", c) != NULL;
}

/* firewalld reads the priority with Python's int(): surrounding whitespace,
 * an optional sign, decimal digits of any script with single underscores
 * between them. Beyond that, D-Bus carries it as an int32. */
static PriorityResult
parse_priority (const char *text, gint32 *out)
{
  g_autoptr (GString) ascii = g_string_new (NULL);
  const char *p, *end;
  gboolean negative = FALSE, overflow = FALSE;
  gint64 value = 0;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int digit;

      if (c < 0x80)
        g_string_append_c (ascii, (char)c);
      else if (is_python_space (c))
        g_string_append_c (ascii, ' ');
      else if ((digit = g_unichar_digit_value (c)) >= 0)
        g_string_append_c (ascii, (char)('0' + digit));
      else
        return PRIORITY_NOT_INTEGER;
    }
  p = ascii->str;
  end = p + ascii->len;
  while (p < end && is_c_space (*p))
    p++;
  while (end > p && is_c_space (end[-1]))
    end--;
  if (p < end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  if (p == end || !g_ascii_isdigit (*p))
    return PRIORITY_NOT_INTEGER;
  for (; p < end; p++)
    {
      if (*p == '_' && p + 1 < end && g_ascii_isdigit (p[1]))
        continue;
      if (!g_ascii_isdigit (*p))
        return PRIORITY_NOT_INTEGER;
      value = value * 10 + (*p - '0');
      if (value > (gint64)G_MAXINT32 + 1)
        {
          overflow = TRUE;
          value = (gint64)G_MAXINT32 + 1;
        }
    }
  if (negative)
    value = -value;
  if (overflow || value > G_MAXINT32 || value < G_MININT32)
    return PRIORITY_OUT_OF_RANGE;
  *out = (gint32)value;
  return PRIORITY_OK;
}

/* One child element of <direct>. Errors name the problem as firewalld's
 * reader would refuse it. */
static gboolean
read_entry (xmlNode *el, const char *path, Entry *entry, GError **error)
{
  const char *name = plain_name (el);
  g_autofree char *ipv = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (name, "chain") == 0)
    {
      g_autofree char *table = NULL;
      g_autofree char *chain = NULL;

      if (!check_attributes (el, chain_attributes, path, error))
        return FALSE;
      ipv = attribute (el, "ipv");
      table = attribute (el, "table");
      chain = attribute (el, "chain");
      /* firewalld ignores a chain's text, but not elements inside it. */
      if (!check_ipv (el, ipv, path, error) || !check_table (el, ipv, table, path, error)
          || !check_chain_name (el, chain, path, error) || !element_text (el, path, &text, error))
        return FALSE;
      entry->chain = mtp_direct_chain_new (ipv, table, chain);
      return TRUE;
    }
  if (g_strcmp0 (name, "rule") == 0)
    {
      g_autofree char *table = NULL;
      g_autofree char *chain = NULL;
      g_autofree char *priority_text = NULL;
      g_auto (GStrv) args = NULL;
      g_autoptr (GError) local_error = NULL;
      gint32 priority = 0;

      if (!check_attributes (el, rule_attributes, path, error))
        return FALSE;
      ipv = attribute (el, "ipv");
      table = attribute (el, "table");
      chain = attribute (el, "chain");
      priority_text = attribute (el, "priority");
      if (!check_ipv (el, ipv, path, error) || !check_table (el, ipv, table, path, error)
          || !check_chain_name (el, chain, path, error))
        return FALSE;
      switch (parse_priority (priority_text, &priority))
        {
          case PRIORITY_OK:
            break;
          case PRIORITY_NOT_INTEGER:
            return fail_at (error, path, line_of (el), _ ("priority '%s' is not an integer"),
                            priority_text);
          case PRIORITY_OUT_OF_RANGE:
          default:
            return fail_at (error, path, line_of (el),
                            _ ("priority '%s' is out of range (a 32-bit integer)"), priority_text);
        }
      if (!element_text (el, path, &text, error) || !check_text_size (el, text, path, error))
        return FALSE;
      args = split_args (text, &local_error);
      if (args == NULL)
        return fail_at (error, path, line_of (el), _ ("bad arguments of <rule>: %s"),
                        local_error->message);
      if (!check_arg_count (el, args, path, error))
        return FALSE;
      entry->rule = mtp_direct_rule_new (ipv, table, chain, priority, (const char *const *)args);
      entry->ignored = *text == '\0';
      return TRUE;
    }
  if (g_strcmp0 (name, "passthrough") == 0)
    {
      g_auto (GStrv) args = NULL;
      g_autoptr (GError) local_error = NULL;

      if (!check_attributes (el, passthrough_attributes, path, error))
        return FALSE;
      ipv = attribute (el, "ipv");
      if (!check_ipv (el, ipv, path, error) || !element_text (el, path, &text, error)
          || !check_text_size (el, text, path, error))
        return FALSE;
      args = split_args (text, &local_error);
      if (args == NULL)
        return fail_at (error, path, line_of (el), _ ("bad arguments of <passthrough>: %s"),
                        local_error->message);
      if (!check_arg_count (el, args, path, error))
        return FALSE;
      entry->passthrough = mtp_direct_passthrough_new (ipv, (const char *const *)args);
      entry->ignored = *text == '\0';
      return TRUE;
    }
  if (g_strcmp0 (name, "direct") == 0)
    return fail_at (error, path, line_of (el), _ ("more than one <direct> element"));
  {
    g_autofree char *qname = qualified_name (el->ns, el->name);
    return fail_at (error, path, line_of (el), _ ("unknown element <%s>"), qname);
  }
}

/* firewalld keys its entries so; equal keys after the first are ignored. */
static char *
chain_key (const MtpDirectChain *c)
{
  return g_strjoin ("\x1e", "c", c->ipv, c->table, c->chain, NULL);
}

static char *
rule_key (const MtpDirectRule *r)
{
  g_autofree char *args = g_strjoinv ("\x1f", r->args);
  g_autofree char *priority = g_strdup_printf ("%d", r->priority);

  return g_strjoin ("\x1e", "r", r->ipv, r->table, r->chain, priority, args, NULL);
}

static char *
entry_key (const Entry *e)
{
  g_autofree char *args = NULL;

  if (e->chain != NULL)
    return chain_key (e->chain);
  if (e->rule != NULL)
    return rule_key (e->rule);
  /* An entry holds one of the three (and the constructors never return NULL). */
  g_assert (e->passthrough != NULL);
  args = g_strjoinv ("\x1f", e->passthrough->args);
  return g_strjoin ("\x1e", "p", e->passthrough->ipv, args, NULL);
}

static void
add_entry (MtpDirect *direct, GHashTable *seen, Entry *e)
{
  char *key = entry_key (e);

  if (!g_hash_table_add (seen, key))
    return;
  if (e->chain != NULL)
    g_ptr_array_add (direct->chains, g_steal_pointer (&e->chain));
  else if (e->rule != NULL)
    g_ptr_array_add (direct->rules, g_steal_pointer (&e->rule));
  else
    g_ptr_array_add (direct->passthroughs, g_steal_pointer (&e->passthrough));
}

static gboolean
read_document (xmlDoc *doc, const char *path, MtpDirect **out, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);
  g_autoptr (MtpDirect) direct = mtp_direct_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (root == NULL)
    return fail_at (error, path, 0, _ ("no root element"));
  if (g_strcmp0 (plain_name (root), "direct") != 0)
    {
      g_autofree char *name = qualified_name (root->ns, root->name);
      return fail_at (error, path, line_of (root), _ ("the root element is <%s>, not <direct>"),
                      name);
    }
  if (!check_attributes (root, no_attributes, path, error))
    return FALSE;
  for (xmlNode *n = root->children; n != NULL; n = n->next)
    switch (n->type)
      {
        case XML_ELEMENT_NODE:
          {
            g_auto (Entry) e = { 0 };

            if (!read_entry (n, path, &e, error))
              return FALSE;
            if (!e.ignored)
              add_entry (direct, seen, &e);
          }
          break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
          break;
        default:
          return fail_at (error, path, line_of (n), _ ("unexpected content inside <direct>"));
      }
  *out = g_steal_pointer (&direct);
  return TRUE;
}

MtpDirectXml *
mtp_direct_xml_load (const char *dir, GError **error)
{
  g_autoptr (MtpDirectXml) xml = g_new0 (MtpDirectXml, 1);
  g_autofree char *contents = NULL;
  gsize length = 0;
  struct stat st;

  if (!mtp_xml_load (error))
    return NULL;
  if (stat (dir, &st) != 0)
    {
      if (errno != ENOENT)
        {
          fail_io (error, errno, _ ("reading '%s'"), dir);
          return NULL;
        }
      st.st_mode = 0;
    }
  if (st.st_mode == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND,
                   _ ("firewalld's configuration directory '%s' does not exist"), dir);
      return NULL;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_NOT_FOUND,
                   _ ("firewalld's configuration directory '%s' is not a directory"), dir);
      return NULL;
    }
  xml->dir = g_strdup (dir);
  xml->path = g_build_filename (dir, DIRECT_XML, NULL);
  if (!read_file (xml->path, &contents, &length, error))
    return NULL;
  if (contents != NULL)
    xml->original = g_bytes_new (contents, length);
  xml->size = contents != NULL ? length : 0;
  if (contents == NULL)
    {
      g_debug ("'%s' does not exist: an empty direct configuration", xml->path);
      contents = g_strdup (EMPTY_DOCUMENT);
      length = strlen (contents);
    }
  xml->doc = parse_document (xml->path, contents, length, error);
  if (xml->doc == NULL || !read_document (xml->doc, xml->path, &xml->direct, error))
    return NULL;
  return g_steal_pointer (&xml);
}

void
mtp_direct_xml_free (MtpDirectXml *xml)
{
  if (xml == NULL)
    return;
  g_free (xml->dir);
  g_free (xml->path);
  g_clear_pointer (&xml->doc, xmlFreeDoc);
  mtp_direct_free (xml->direct);
  g_clear_pointer (&xml->original, g_bytes_unref);
  g_free (xml);
}

const MtpDirect *
mtp_direct_xml_get (MtpDirectXml *xml)
{
  g_return_val_if_fail (xml != NULL, NULL);
  return xml->direct;
}

/* Editing */

static gboolean
is_blank (const xmlNode *n)
{
  if (n == NULL || n->type != XML_TEXT_NODE)
    return FALSE;
  for (const xmlChar *c = n->content; c != NULL && *c != '\0'; c++)
    if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
      return FALSE;
  return TRUE;
}

static gboolean
is_element (const xmlNode *n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && g_strcmp0 (plain_name (n), name) == 0;
}

static xmlNode *
last_element (xmlNode *root, const char *name)
{
  for (xmlNode *n = root->last; n != NULL; n = n->prev)
    if (is_element (n, name))
      return n;
  return NULL;
}

static xmlNode *
first_element (xmlNode *root, const char *name, const char *other)
{
  for (xmlNode *n = root->children; n != NULL; n = n->next)
    if (is_element (n, name) || (other != NULL && is_element (n, other)))
      return n;
  return NULL;
}

/* Insertion points: the node a new element goes right before; NULL is the
 * end of <direct>. */
static xmlNode *
point_after (xmlNode *n)
{
  return n->next;
}

static xmlNode *
point_before (xmlNode *n)
{
  return is_blank (n->prev) ? n->prev : n;
}

static xmlNode *
point_at_end (xmlNode *root)
{
  return is_blank (root->last) ? root->last : NULL;
}

/* Laid out as firewalld writes: one element a line, indented by two spaces,
 * the closing tag of <direct> on a line of its own. The element goes in
 * first, so that a text node added next to it merges only with text on the
 * same side. */
static void
insert_element (xmlNode *root, xmlNode *before, xmlNode *el)
{
  if (before != NULL)
    xmlAddPrevSibling (before, el);
  else
    xmlAddChild (root, el);
  xmlAddPrevSibling (el, xmlNewDocText (root->doc, BAD_CAST "\n  "));
  if (el->next == NULL)
    xmlAddNextSibling (el, xmlNewDocText (root->doc, BAD_CAST "\n"));
}

/* With the blank text before it, so that removals leave no empty lines. */
static void
remove_element (xmlNode *el)
{
  xmlNode *prev = el->prev;

  if (is_blank (prev))
    {
      xmlUnlinkNode (prev);
      xmlFreeNode (prev);
    }
  xmlUnlinkNode (el);
  xmlFreeNode (el);
}

static xmlNode *
chain_element (xmlDoc *doc, const MtpDirectChain *c)
{
  xmlNode *el = xmlNewDocNode (doc, NULL, BAD_CAST "chain", NULL);

  xmlNewProp (el, BAD_CAST "ipv", BAD_CAST c->ipv);
  xmlNewProp (el, BAD_CAST "table", BAD_CAST c->table);
  xmlNewProp (el, BAD_CAST "chain", BAD_CAST c->chain);
  return el;
}

static xmlNode *
rule_element (xmlDoc *doc, const MtpDirectRule *r)
{
  xmlNode *el = xmlNewDocNode (doc, NULL, BAD_CAST "rule", NULL);
  g_autofree char *priority = g_strdup_printf ("%d", r->priority);
  g_autofree char *args = mtp_shlex_join ((const char *const *)r->args);

  xmlNewProp (el, BAD_CAST "ipv", BAD_CAST r->ipv);
  xmlNewProp (el, BAD_CAST "table", BAD_CAST r->table);
  xmlNewProp (el, BAD_CAST "chain", BAD_CAST r->chain);
  xmlNewProp (el, BAD_CAST "priority", BAD_CAST priority);
  /* A text node holds its content literally: escaped when written. */
  xmlAddChild (el, xmlNewDocText (doc, BAD_CAST args));
  return el;
}

/* Our elements in document order, in ours: those ours by name, comment or
 * jump, and those equal to one of desired's (the same key is the same entry
 * to firewalld, and a rule of ours need not be recognisable: without
 * comments, a rule in a built-in chain is not). TRUE when they already are
 * exactly desired's chains and rules, in desired's order. */
static gboolean
collect_ours (xmlNode *root, const char *path, const MtpDirect *desired, const MtpDirect *known,
              GPtrArray *ours)
{
  g_autoptr (GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean same = TRUE;
  guint n_chains = 0, n_rules = 0;

  for (guint i = 0; i < desired->chains->len; i++)
    g_hash_table_add (wanted, chain_key (desired->chains->pdata[i]));
  for (guint i = 0; i < desired->rules->len; i++)
    g_hash_table_add (wanted, rule_key (desired->rules->pdata[i]));
  for (guint i = 0; known != NULL && i < known->chains->len; i++)
    g_hash_table_add (wanted, chain_key (known->chains->pdata[i]));
  for (guint i = 0; known != NULL && i < known->rules->len; i++)
    g_hash_table_add (wanted, rule_key (known->rules->pdata[i]));

  for (xmlNode *n = root->children; n != NULL; n = n->next)
    {
      g_auto (Entry) e = { 0 };
      g_autofree char *key = NULL;

      if (n->type != XML_ELEMENT_NODE || !read_entry (n, path, &e, NULL))
        continue;
      if (e.passthrough != NULL)
        continue;
      key = entry_key (&e);
      if (e.chain != NULL
          && (mtp_direct_chain_name_is_ours (e.chain->chain)
              || g_hash_table_contains (wanted, key)))
        {
          g_ptr_array_add (ours, n);
          same = same && n_chains < desired->chains->len
                 && mtp_direct_chain_equal (e.chain, desired->chains->pdata[n_chains]);
          n_chains++;
        }
      else if (e.rule != NULL
               && (mtp_direct_rule_is_ours (e.rule) || g_hash_table_contains (wanted, key)))
        {
          g_ptr_array_add (ours, n);
          same = same && !e.ignored && n_rules < desired->rules->len
                 && mtp_direct_rule_equal (e.rule, desired->rules->pdata[n_rules]);
          n_rules++;
        }
    }
  return same && n_chains == desired->chains->len && n_rules == desired->rules->len;
}

/* Text that goes into the file and reads back the same: valid UTF-8 of
 * characters XML allows; no newline in args (firewalld reads it as a space). */
static gboolean
is_writable (const char *s)
{
  if (!g_utf8_validate (s, -1, NULL))
    return FALSE;
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((c < 0x20 && c != '\t' && c != '\r') || (c >= 0xfffe && c <= 0xffff))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_valid_desired (const MtpDirect *desired)
{
  static const char *const ipvs[] = { "ipv4", "ipv6", NULL };
  static const char *const tables[] = { "security", "raw", "mangle", "nat", "filter", NULL };

  if (desired->passthroughs->len != 0)
    return FALSE;
  for (guint i = 0; i < desired->chains->len; i++)
    {
      const MtpDirectChain *c = desired->chains->pdata[i];

      if (!g_strv_contains (ipvs, c->ipv) || !g_strv_contains (tables, c->table)
          || !is_writable (c->chain))
        return FALSE;
    }
  for (guint i = 0; i < desired->rules->len; i++)
    {
      const MtpDirectRule *r = desired->rules->pdata[i];

      if (!g_strv_contains (ipvs, r->ipv) || !g_strv_contains (tables, r->table)
          || !is_writable (r->chain) || r->args[0] == NULL)
        return FALSE;
      for (guint j = 0; r->args[j] != NULL; j++)
        if (!is_writable (r->args[j]))
          return FALSE;
    }
  return TRUE;
}

void
mtp_direct_xml_set_ours (MtpDirectXml *xml, const MtpDirect *desired, const MtpDirect *known)
{
  xmlNode *root;
  xmlNode *anchor;
  xmlNode *before;
  g_autoptr (GPtrArray) ours = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  MtpDirect *direct = NULL;

  g_return_if_fail (xml != NULL);
  g_return_if_fail (desired != NULL && is_valid_desired (desired));

  xml->only_remove = desired->chains->len == 0 && desired->rules->len == 0;
  root = xmlDocGetRootElement (xml->doc);
  if (collect_ours (root, xml->path, desired, known, ours))
    {
      g_debug ("'%s' already holds our entries", xml->path);
      return;
    }
  for (guint i = 0; i < ours->len; i++)
    remove_element (ours->pdata[i]);

  /* Chains after the last chain, else before the first rule or passthrough;
   * rules after the last rule, else after the last chain, else before the
   * first passthrough: the order firewalld writes. */
  anchor = last_element (root, "chain");
  if (anchor != NULL)
    before = point_after (anchor);
  else if ((anchor = first_element (root, "rule", "passthrough")) != NULL)
    before = point_before (anchor);
  else
    before = point_at_end (root);
  for (guint i = 0; i < desired->chains->len; i++)
    {
      xmlNode *el = chain_element (xml->doc, desired->chains->pdata[i]);

      insert_element (root, before, el);
      before = point_after (el);
    }

  anchor = last_element (root, "rule");
  if (anchor == NULL)
    anchor = last_element (root, "chain");
  if (anchor != NULL)
    before = point_after (anchor);
  else if ((anchor = first_element (root, "passthrough", NULL)) != NULL)
    before = point_before (anchor);
  else
    before = point_at_end (root);
  for (guint i = 0; i < desired->rules->len; i++)
    {
      xmlNode *el = rule_element (xml->doc, desired->rules->pdata[i]);

      insert_element (root, before, el);
      before = point_after (el);
    }

  /* Foreign entries were valid and ours are checked above: this reads. */
  if (!read_document (xml->doc, xml->path, &direct, &error))
    g_error ("direct.xml edited into an invalid document: %s", error->message);
  mtp_direct_free (xml->direct);
  xml->direct = direct;
}

char *
mtp_direct_xml_to_string (MtpDirectXml *xml)
{
  const char *declared;
  const char *encoding = "utf-8";
  xmlChar *buf = NULL;
  int len = 0;
  char *result;

  g_return_val_if_fail (xml != NULL, NULL);

  /* Always UTF-8 (as firewalld writes), keeping the spelling of a
   * declaration that already says so. Not the "Format" variant: the
   * document's own whitespace is the layout. */
  declared = (const char *)xml->doc->encoding;
  if (declared != NULL
      && (g_ascii_strcasecmp (declared, "utf-8") == 0
          || g_ascii_strcasecmp (declared, "utf8") == 0))
    encoding = declared;
  xmlDocDumpMemoryEnc (xml->doc, &buf, &len, encoding);
  if (buf == NULL)
    g_error ("libxml2: out of memory");
  result = g_strndup ((const char *)buf, (gsize)len);
  xmlFree (buf);
  return result;
}

gboolean
mtp_direct_xml_check_size (MtpDirectXml *xml, GError **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (xml != NULL, FALSE);
  if (xml->only_remove)
    return TRUE;
  data = mtp_direct_xml_to_string (xml);
  return mtp_limits_check_direct_xml (xml->path, strlen (data), xml->size, error);
}

/* Writing
 *
 * Everything happens relative to one descriptor of the directory, opened
 * without following a link: a directory renamed, or swapped for a link, while
 * we write cannot send a write elsewhere. The directory and the current file
 * are checked before anything is written, so that a run refused there (a
 * directory others can write, a link, no right to write) has changed
 * nothing. */

/* The mode firewalld gives a direct.xml it creates: it opens the file with
 * Python's io.open(), mode 0666 less the umask, and runs under systemd's
 * default umask 0022 (firewalld.service sets no UMask=; firewalld only adds
 * 022 to the umask when it forks itself): 0644. See write() in
 * src/firewall/core/io/direct.py. An existing file keeps its mode, owner and
 * group, as firewalld's rewrite of it in place keeps them. */
#define NEW_FILE_MODE 0644

/* Temporary files are ".<target>.XXXXXX", X from these letters. */
#define TEMP_SUFFIX_LENGTH 6
static const char temp_letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

typedef struct
{
  int dirfd;
  int fd;
  const char *target; /* DIRECT_XML or DIRECT_XML_OLD */
  char *name;         /* in dirfd; NULL once renamed */
} TempFile;

#define TEMP_FILE_INIT                                                                             \
  {                                                                                                \
    -1, -1, NULL, NULL                                                                             \
  }

static void
temp_file_clear (TempFile *t)
{
  /* Unlinked before it is closed: our lock on it (temp_file_create) is
   * held until the name is gone. */
  if (t->name != NULL)
    unlinkat (t->dirfd, t->name, 0);
  g_clear_pointer (&t->name, g_free);
  if (t->fd >= 0)
    close (steal_fd (&t->fd));
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TempFile, temp_file_clear)

static gboolean
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether name in dirfd is (still) the file open as fd. */
static gboolean
is_linked_as (int dirfd, const char *name, int fd)
{
  struct stat by_name;
  struct stat by_fd;

  return fstatat (dirfd, name, &by_name, AT_SYMLINK_NOFOLLOW) == 0 && fstat (fd, &by_fd) == 0
         && same_file (&by_name, &by_fd);
}

/* Whether name has the exact form of one of our temporary files. */
static gboolean
is_temp_name (const char *name)
{
  static const char *const targets[] = { DIRECT_XML, DIRECT_XML_OLD };

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      gsize n = strlen (targets[i]);
      const char *x;

      if (name[0] != '.' || strncmp (name + 1, targets[i], n) != 0 || name[n + 1] != '.')
        continue;
      x = name + n + 2;
      if (strlen (x) == TEMP_SUFFIX_LENGTH && strspn (x, temp_letters) == TEMP_SUFFIX_LENGTH)
        return TRUE;
    }
  return FALSE;
}

/* ".<target>.XXXXXX", created exclusively (O_EXCL: never an existing file,
 * never through a link), mode 0600 until it is complete. It carries an flock
 * for as long as it exists: a file of our name that no process holds locked
 * was left behind by a run that was killed (remove_stale_temp_files). */
static gboolean
temp_file_create (TempFile *t, int dirfd, const char *target, const char *path, GError **error)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *name = g_strdup_printf (".%s.XXXXXX", target);
      char *x = name + strlen (name) - TEMP_SUFFIX_LENGTH;
      int fd;

      for (guint i = 0; i < TEMP_SUFFIX_LENGTH; i++)
        x[i] = temp_letters[g_random_int_range (0, sizeof temp_letters - 1)];
      fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                   0600);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        return fail_io (error, errno, _ ("writing '%s'"), path);
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          int errsv = errno;

          /* EWOULDBLOCK: another run's clean-up took the file between our
           * openat and flock; it removes the name. */
          if (errsv != EWOULDBLOCK)
            unlinkat (dirfd, name, 0);
          close (fd);
          if (errsv != EWOULDBLOCK)
            return fail_io (error, errsv, _ ("writing '%s'"), path);
          continue;
        }
      /* ... or took it, and removed the name, before our flock. */
      if (!is_linked_as (dirfd, name, fd))
        {
          close (fd);
          continue;
        }
      t->dirfd = dirfd;
      t->fd = fd;
      t->target = target;
      t->name = g_steal_pointer (&name);
      return TRUE;
    }
  return fail_io (error, EEXIST, _ ("writing '%s'"), path);
}

/* Removes the temporary files that runs killed half-way left behind, so that
 * they do not pile up: only names of our exact form, only regular files
 * (never a link, never through one), only files of ours (owned by us, or by
 * the owner of direct.xml, which our temporary files take before the rename),
 * and only when no live process holds the lock that each of our temporary
 * files carries. What cannot be removed stays (--verbose says so). */
static void
remove_stale_temp_files (int dirfd, uid_t owner)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  const struct dirent *de;

  if (d == NULL)
    {
      g_debug ("not looking for stale temporary files: %s", g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return;
    }
  /* cppcheck-suppress readdirCalled ; d is this function's own stream (readdir_r is deprecated) */
  while ((de = readdir (d)) != NULL)
    {
      struct stat st;
      struct stat now;
      g_auto (AutoFd) tfd = -1;

      if (!is_temp_name (de->d_name) || fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
          || !S_ISREG (st.st_mode) || (st.st_uid != geteuid () && st.st_uid != owner))
        continue;
      tfd = openat (dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
      if (tfd < 0 || fstat (tfd, &now) != 0 || !same_file (&st, &now))
        continue;
      if (flock (tfd, LOCK_EX | LOCK_NB) != 0)
        {
          g_debug ("'%s' is being written by another process", de->d_name);
          continue;
        }
      if (is_linked_as (dirfd, de->d_name, tfd) && unlinkat (dirfd, de->d_name, 0) == 0)
        g_debug ("removed '%s', left behind by a run that was killed", de->d_name);
      else
        g_debug ("could not remove the stale temporary file '%s': %s", de->d_name,
                 g_strerror (errno));
    }
  closedir (d);
}

static gboolean
write_all (int fd, const char *data, gsize length, const char *path, GError **error)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_io (error, errno, _ ("writing '%s'"), path);
      data += n;
      length -= (gsize)n;
    }
  return TRUE;
}

static gboolean
copy_all (int from, int to, const char *from_path, const char *to_path, GError **error)
{
  char buf[65536];

  for (;;)
    {
      ssize_t n = read (from, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail_io (error, errno, _ ("reading '%s'"), from_path);
      if (n == 0)
        return TRUE;
      if (!write_all (to, buf, (gsize)n, to_path, error))
        return FALSE;
    }
}

#if HAVE_SELINUX
/* The kernel's name for what dirfd holds as name, for the policy's lookup
 * (path may be relative or go through links). */
static char *
real_path_at (int dirfd, const char *name, const char *path)
{
  g_autofree char *proc = g_strdup_printf ("/proc/self/fd/%d", dirfd);
  g_autofree char *dir = g_file_read_link (proc, NULL);

  return dir != NULL && g_path_is_absolute (dir) ? g_build_filename (dir, name, NULL)
                                                 : g_canonicalize_filename (path, NULL);
}
#endif

/* Where SELinux is enabled, the temporary file gets the context that the file
 * it becomes should have: that of the file like_fd (the direct.xml it
 * replaces, as firewalld's rewrite in place and its copy to direct.xml.old
 * keep it), or for a new file the one the policy gives its path (what
 * restorecon would set). Without SELinux (or built without libselinux) this
 * does nothing. */
static gboolean
set_context (TempFile *t, int like_fd, mode_t mode, const char *path, GError **error)
{
#if HAVE_SELINUX
  char *context = NULL;
  g_autofree char *wanted = NULL;
  int result;
  int errsv;

  if (is_selinux_enabled () <= 0)
    return TRUE;
  if (like_fd >= 0 && fgetfilecon (like_fd, &context) < 0)
    {
      g_debug ("'%s' has no SELinux context (%s): the policy's is used", path, g_strerror (errno));
      context = NULL;
    }
  if (context == NULL)
    {
      g_autofree char *real = real_path_at (t->dirfd, t->target, path);
      struct selabel_handle *labels = selabel_open (SELABEL_CTX_FILE, NULL, 0);

      if (labels == NULL)
        return fail_io (error, errno, _ ("looking up the SELinux context of '%s'"), path);
      result = selabel_lookup (labels, &context, real, S_IFREG | mode);
      errsv = errno;
      selabel_close (labels);
      if (result < 0 && errsv == ENOENT)
        {
          g_debug ("the SELinux policy has no context for '%s': the default stays", real);
          return TRUE;
        }
      if (result < 0)
        return fail_io (error, errsv, _ ("looking up the SELinux context of '%s'"), path);
    }
  wanted = g_strdup (context);
  result = fsetfilecon (t->fd, context);
  errsv = errno;
  freecon (context);
  if (result < 0)
    return fail_io (error, errsv, _ ("setting the SELinux context of '%s' to '%s'"), path, wanted);
  g_debug ("SELinux context of '%s': %s", path, wanted);
#endif
  return TRUE;
}

/* Owner, group, mode and SELinux context as like says (the file the
 * temporary one replaces; NULL for a new file), then on disk; the file stays
 * open, and locked, until it is renamed. */
static gboolean
temp_file_finish (TempFile *t, const struct stat *like, int like_fd, const char *path,
                  GError **error)
{
  /* Permission bits only: a set-ID or sticky bit on a configuration file is
   * nothing to carry over. */
  mode_t mode = like != NULL ? like->st_mode & 0777 : NEW_FILE_MODE;
  struct stat st;

  if (fstat (t->fd, &st) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), path);
  /* The owner first: chown clears set-ID bits, and fchmod follows. */
  if (like != NULL && (st.st_uid != like->st_uid || st.st_gid != like->st_gid)
      && fchown (t->fd, like->st_uid, like->st_gid) != 0)
    return fail_io (error, errno, _ ("giving '%s' the owner and group of the file it replaces"),
                    path);
  if (fchmod (t->fd, mode) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), path);
  if (!set_context (t, like_fd, mode, path, error))
    return FALSE;
  if (fsync (t->fd) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), path);
  return TRUE;
}

static gboolean
temp_file_rename (TempFile *t, const char *path, GError **error)
{
  if (renameat (t->dirfd, t->name, t->dirfd, t->target) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), path);
  g_clear_pointer (&t->name, g_free);
  /* Written and synced: a late error here changes nothing. */
  close (steal_fd (&t->fd));
  return TRUE;
}

/* direct.xml.old as firewalld keeps it (a copy with mode, times and SELinux
 * context, as Python's shutil.copy2 makes it; the owner too), but replaced
 * atomically, so that it is never half-written either. current is the open
 * direct.xml, st its attributes. */
static gboolean
write_backup (int dirfd, int current, const struct stat *st, const char *path, const char *old_path,
              GError **error)
{
  g_auto (TempFile) tmp = TEMP_FILE_INIT;
  struct timespec times[2];

  if (!temp_file_create (&tmp, dirfd, DIRECT_XML_OLD, old_path, error)
      || !copy_all (current, tmp.fd, path, old_path, error))
    return FALSE;
  times[0] = st->st_atim;
  times[1] = st->st_mtim;
  if (futimens (tmp.fd, times) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), old_path);
  return temp_file_finish (&tmp, st, current, old_path, error)
         && temp_file_rename (&tmp, old_path, error);
}

/* The directory, opened once, never through a link. */
static int
open_directory (const char *dir, GError **error)
{
  g_autofree char *name = g_strdup (dir);
  gsize len = strlen (name);
  struct stat st;
  int fd;
  int errsv;

  /* "dir/" would follow a link named dir. */
  while (len > 1 && name[len - 1] == '/')
    name[--len] = '\0';
  fd = open (name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    return fd;
  errsv = errno;
  if ((errsv == ELOOP || errsv == ENOTDIR) && lstat (name, &st) == 0 && S_ISLNK (st.st_mode))
    {
      g_autofree char *target = g_file_read_link (name, NULL);

      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
                   _ ("firewalld's configuration directory '%s' is a symbolic link (to '%s'): "
                      "mesh-tproxy writes only into a directory itself, so that a link changed "
                      "while it writes cannot send direct.xml elsewhere; give the directory the "
                      "link points to with --firewalld-config-dir"),
                   dir, target != NULL ? target : "?");
      return -1;
    }
  fail_io (error, errsv, _ ("writing in '%s'"), dir);
  return -1;
}

/* Before anything is written: a run without the right to write fails with
 * MTP_ERROR_PERMISSION and has changed nothing. */
static gboolean
check_writable (int dirfd, const char *dir, GError **error)
{
  int errsv;

  if (faccessat (dirfd, ".", W_OK | X_OK, AT_EACCESS) == 0)
    return TRUE;
  errsv = errno;
  if (errsv == EACCES || errsv == EPERM)
    g_set_error (error, MTP_ERROR, MTP_ERROR_PERMISSION,
                 _ ("cannot write in firewalld's configuration directory '%s': %s; changing "
                    "firewalld's configuration needs root"),
                 dir, g_strerror (errsv));
  else
    fail_io (error, errsv, _ ("writing in '%s'"), dir);
  return FALSE;
}

static gboolean
fail_symlink (int dirfd, const char *dir, const char *path, GError **error)
{
  char target[4096];
  ssize_t n = readlinkat (dirfd, DIRECT_XML, target, sizeof target - 1);
  g_autofree char *resolved = NULL;
  g_autofree char *quoted_target = NULL;
  g_autofree char *quoted_path = mtp_shlex_quote (path);

  target[n > 0 ? n : 0] = '\0';
  resolved = g_path_is_absolute (target) ? g_strdup (target) : g_build_filename (dir, target, NULL);
  quoted_target = mtp_shlex_quote (resolved);
  g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED,
               _ ("'%s' is a symbolic link (to '%s'): mesh-tproxy does not write through a link, "
                  "which could point at any file, nor replace one, which would quietly cut it "
                  "off from the file it points to; nothing was changed: replace the link with a "
                  "copy of that file ('cp --remove-destination %s %s') and run again"),
               path, target, quoted_target, quoted_path);
  return FALSE;
}

/* The current direct.xml, open for the copy to direct.xml.old, and its
 * attributes; *out_fd is -1 when there is none. A link or anything but a
 * regular file is refused. */
static gboolean
open_current (int dirfd, const char *dir, const char *path, int *out_fd, struct stat *st,
              GError **error)
{
  g_auto (AutoFd) fd = -1;

  *out_fd = -1;
  /* Looked at before it is opened: opening a device or a FIFO can act. */
  if (fstatat (dirfd, DIRECT_XML, st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? TRUE : fail_io (error, errno, _ ("reading '%s'"), path);
  if (S_ISLNK (st->st_mode))
    return fail_symlink (dirfd, dir, path, error);
  if (!S_ISREG (st->st_mode))
    return fail_at (error, path, 0, _ ("not a regular file"));
  fd = openat (dirfd, DIRECT_XML, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP)
    return fail_symlink (dirfd, dir, path, error);
  if (fd < 0 || fstat (fd, st) != 0)
    return fail_io (error, errno, _ ("reading '%s'"), path);
  if (!S_ISREG (st->st_mode))
    return fail_at (error, path, 0, _ ("not a regular file"));
  /* A file with other names (hard links) is replaced like any other: the new
   * direct.xml is a new file, and the other names keep the previous content,
   * as direct.xml.old does. firewalld itself rewrites direct.xml in place,
   * which would change the file under every name; we do not: that write is
   * not atomic, and the other names are nothing we know of (a second copy of
   * the configuration, an object in a content store such as OSTree's, whose
   * files must never change). */
  if (st->st_nlink > 1)
    g_debug ("'%s' has %" G_GUINT64_FORMAT " other names; they keep the previous content", path,
             (guint64)st->st_nlink - 1);
  *out_fd = steal_fd (&fd);
  return TRUE;
}

gboolean
mtp_direct_xml_save (MtpDirectXml *xml, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *old_path = NULL;
  g_auto (AutoFd) dirfd = -1;
  g_auto (AutoFd) current = -1;
  g_auto (TempFile) tmp = TEMP_FILE_INIT;
  struct stat st;

  g_return_val_if_fail (xml != NULL, FALSE);

  old_path = g_build_filename (xml->dir, DIRECT_XML_OLD, NULL);
  /* Nothing is written until all of these pass. */
  dirfd = open_directory (xml->dir, error);
  /* Whoever could change the directory could swap direct.xml, or the files
   * written next to it, for a link or a file of their own while we write,
   * and so choose the firewall that firewalld loads as root. */
  if (dirfd < 0
      || !mtp_file_check_trusted (dirfd, xml->dir, _ ("firewalld's configuration directory"),
                                  MTP_FILE_TRUST_DEFAULT, error)
      || !check_writable (dirfd, xml->dir, error)
      || !open_current (dirfd, xml->dir, xml->path, &current, &st, error))
    return FALSE;

  data = mtp_direct_xml_to_string (xml);
  /* Removing only, it can grow by no more than the XML declaration. */
  if (!xml->only_remove
      && !mtp_limits_check_direct_xml (xml->path, strlen (data),
                                       current >= 0 ? (gsize)st.st_size : 0, error))
    return FALSE;
  remove_stale_temp_files (dirfd, current >= 0 ? st.st_uid : (uid_t)-1);
  if (!temp_file_create (&tmp, dirfd, DIRECT_XML, xml->path, error)
      || !write_all (tmp.fd, data, strlen (data), xml->path, error)
      || !temp_file_finish (&tmp, current >= 0 ? &st : NULL, current, xml->path, error))
    return FALSE;
  if (current >= 0 && !write_backup (dirfd, current, &st, xml->path, old_path, error))
    return FALSE;
  if (!temp_file_rename (&tmp, xml->path, error))
    return FALSE;
  if (fsync (dirfd) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), xml->path);
  g_debug ("wrote '%s'", xml->path);
  return TRUE;
}

gboolean
mtp_direct_xml_revert (MtpDirectXml *xml, GError **error)
{
  g_auto (AutoFd) dirfd = -1;
  g_auto (AutoFd) current = -1;
  g_auto (TempFile) tmp = TEMP_FILE_INIT;
  struct stat st;

  g_return_val_if_fail (xml != NULL, FALSE);

  dirfd = open_directory (xml->dir, error);
  if (dirfd < 0
      || !mtp_file_check_trusted (dirfd, xml->dir, _ ("firewalld's configuration directory"),
                                  MTP_FILE_TRUST_DEFAULT, error))
    return FALSE;
  if (xml->original == NULL)
    {
      /* There was none: the one the run wrote goes (a direct.xml.old is
       * made only from an existing file, so there is none of this run). */
      if (unlinkat (dirfd, DIRECT_XML, 0) != 0 && errno != ENOENT)
        return fail_io (error, errno, _ ("removing '%s'"), xml->path);
    }
  else
    {
      /* Written as save writes, with the attributes of the file it replaces
       * (which kept those of the original); direct.xml.old already holds
       * these bytes and stays. */
      gsize length = 0;
      const char *data = g_bytes_get_data (xml->original, &length);

      if (!open_current (dirfd, xml->dir, xml->path, &current, &st, error)
          || !temp_file_create (&tmp, dirfd, DIRECT_XML, xml->path, error)
          || !write_all (tmp.fd, data, length, xml->path, error)
          || !temp_file_finish (&tmp, current >= 0 ? &st : NULL, current, xml->path, error)
          || !temp_file_rename (&tmp, xml->path, error))
        return FALSE;
    }
  if (fsync (dirfd) != 0)
    return fail_io (error, errno, _ ("writing '%s'"), xml->path);
  g_debug ("put back '%s' as it was", xml->path);
  return TRUE;
}
