/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-json.h"

struct _MtpJson
{
  GString *out;
  GArray *first; /* per open container: nothing written in it yet */
  gboolean after_key;
};

MtpJson *
mtp_json_new (void)
{
  MtpJson *json = g_new0 (MtpJson, 1);

  json->out = g_string_new (NULL);
  json->first = g_array_new (FALSE, FALSE, sizeof (gboolean));
  return json;
}

void
mtp_json_free (MtpJson *json)
{
  if (json == NULL)
    return;
  g_string_free (json->out, TRUE);
  g_array_unref (json->first);
  g_free (json);
}

char *
mtp_json_free_to_string (MtpJson *json)
{
  char *s;

  g_string_append_c (json->out, '\n');
  s = g_string_free (json->out, FALSE);
  g_array_unref (json->first);
  g_free (json);
  return s;
}

static void
newline (MtpJson *json)
{
  g_string_append_c (json->out, '\n');
  for (guint i = 0; i < json->first->len; i++)
    g_string_append (json->out, "  ");
}

/* Separator and indentation before a value or key. */
static void
before_item (MtpJson *json)
{
  gboolean *first;

  if (json->after_key)
    {
      json->after_key = FALSE;
      return;
    }
  if (json->first->len == 0)
    return;
  first = &g_array_index (json->first, gboolean, json->first->len - 1);
  if (!*first)
    g_string_append_c (json->out, ',');
  *first = FALSE;
  newline (json);
}

static void
begin (MtpJson *json, char open)
{
  gboolean first = TRUE;

  before_item (json);
  g_string_append_c (json->out, open);
  g_array_append_val (json->first, first);
}

static void
end (MtpJson *json, char close)
{
  gboolean empty = g_array_index (json->first, gboolean, json->first->len - 1);

  g_array_set_size (json->first, json->first->len - 1);
  if (!empty)
    newline (json);
  g_string_append_c (json->out, close);
}

void
mtp_json_begin_object (MtpJson *json)
{
  begin (json, '{');
}

void
mtp_json_end_object (MtpJson *json)
{
  end (json, '}');
}

void
mtp_json_begin_array (MtpJson *json)
{
  begin (json, '[');
}

void
mtp_json_end_array (MtpJson *json)
{
  end (json, ']');
}

static void
append_quoted (GString *out, const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar)*p;

      switch (c)
        {
          case '"':
            g_string_append (out, "\\\"");
            break;
          case '\\':
            g_string_append (out, "\\\\");
            break;
          case '\n':
            g_string_append (out, "\\n");
            break;
          case '\t':
            g_string_append (out, "\\t");
            break;
          case '\r':
            g_string_append (out, "\\r");
            break;
          default:
            if (c < 0x20 || c == 0x7f)
              g_string_append_printf (out, "\\u%04x", c);
            else
              g_string_append_c (out, (char)c);
        }
    }
  g_string_append_c (out, '"');
}

void
mtp_json_key (MtpJson *json, const char *key)
{
  before_item (json);
  append_quoted (json->out, key);
  g_string_append (json->out, ": ");
  json->after_key = TRUE;
}

void
mtp_json_string (MtpJson *json, const char *value)
{
  before_item (json);
  if (value == NULL)
    g_string_append (json->out, "null");
  else
    append_quoted (json->out, value);
}

void
mtp_json_int (MtpJson *json, gint64 value)
{
  before_item (json);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
}

void
mtp_json_bool (MtpJson *json, gboolean value)
{
  before_item (json);
  g_string_append (json->out, value ? "true" : "false");
}

void
mtp_json_strv (MtpJson *json, const char *const *values)
{
  mtp_json_begin_array (json);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    mtp_json_string (json, values[i]);
  mtp_json_end_array (json);
}
