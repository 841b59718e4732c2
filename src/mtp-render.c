/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "mtp-json.h"
#include "mtp-render.h"
#include "mtp-shlex.h"

static gboolean
table_used (const MtpRuleset *ruleset, MtpFamily family, MtpTable table)
{
  for (guint i = 0; i < ruleset->chains->len; i++)
    {
      const MtpChain *c = ruleset->chains->pdata[i];
      if (c->family == family && c->table == table)
        return TRUE;
    }
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const MtpRule *r = ruleset->rules->pdata[i];
      if (r->family == family && r->table == table)
        return TRUE;
    }
  return FALSE;
}

/* iptables-restore splits on blanks and honours double quotes; the only free
 * text we write is a comment or a log prefix, quoted as iptables-save does. */
static void
append_restore_args (GString *out, const char *const *args)
{
  for (guint i = 0; args[i] != NULL; i++)
    {
      gboolean quote = i > 0
                       && (strcmp (args[i - 1], "--comment") == 0
                           || strcmp (args[i - 1], "--log-prefix") == 0);

      g_string_append_c (out, ' ');
      if (quote)
        g_string_append_printf (out, "\"%s\"", args[i]);
      else
        g_string_append (out, args[i]);
    }
}

char *
mtp_render_iptables (const MtpRuleset *ruleset, MtpFamily family)
{
  GString *out = g_string_new (NULL);

  for (MtpTable table = 0; table < MTP_TABLE_N; table++)
    {
      if (!table_used (ruleset, family, table))
        continue;
      g_string_append_printf (out, "*%s\n", mtp_table_to_string (table));
      for (guint i = 0; i < ruleset->chains->len; i++)
        {
          const MtpChain *c = ruleset->chains->pdata[i];
          if (c->family == family && c->table == table)
            g_string_append_printf (out, "-N %s\n", c->name);
        }
      for (guint i = 0; i < ruleset->rules->len; i++)
        {
          const MtpRule *r = ruleset->rules->pdata[i];
          g_auto (GStrv) args = NULL;

          if (r->family != family || r->table != table)
            continue;
          args = mtp_rule_to_args (r);
          if (r->position == MTP_POSITION_INSERT)
            g_string_append_printf (out, "-I %s %u", r->chain, r->insert_index);
          else
            g_string_append_printf (out, "-A %s", r->chain);
          append_restore_args (out, (const char *const *)args);
          g_string_append_c (out, '\n');
        }
      g_string_append (out, "COMMIT\n");
    }
  return g_string_free (out, FALSE);
}

void
mtp_render_direct_elements (const MtpRuleset *ruleset, xmlNodePtr direct)
{
  for (guint i = 0; i < ruleset->chains->len; i++)
    {
      const MtpChain *c = ruleset->chains->pdata[i];
      xmlNodePtr node = xmlNewChild (direct, NULL, BAD_CAST "chain", NULL);

      xmlNewProp (node, BAD_CAST "ipv", BAD_CAST mtp_family_to_string (c->family));
      xmlNewProp (node, BAD_CAST "table", BAD_CAST mtp_table_to_string (c->table));
      xmlNewProp (node, BAD_CAST "chain", BAD_CAST c->name);
    }
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const MtpRule *r = ruleset->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);
      g_autofree char *text = mtp_shlex_join ((const char *const *)args);
      g_autofree char *priority = g_strdup_printf ("%d", r->priority);
      /* xmlNewTextChild escapes the text. */
      xmlNodePtr node = xmlNewTextChild (direct, NULL, BAD_CAST "rule", BAD_CAST text);

      xmlNewProp (node, BAD_CAST "ipv", BAD_CAST mtp_family_to_string (r->family));
      xmlNewProp (node, BAD_CAST "table", BAD_CAST mtp_table_to_string (r->table));
      xmlNewProp (node, BAD_CAST "chain", BAD_CAST r->chain);
      xmlNewProp (node, BAD_CAST "priority", BAD_CAST priority);
    }
}

char *
mtp_render_direct_xml (const MtpRuleset *ruleset, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  xmlNodePtr direct;
  xmlChar *buf = NULL;
  int len = 0;
  char *result;

  if (!mtp_xml_load (error))
    return NULL;
  doc = xmlNewDoc (BAD_CAST "1.0");
  direct = xmlNewNode (NULL, BAD_CAST "direct");
  xmlDocSetRootElement (doc, direct);
  mtp_render_direct_elements (ruleset, direct);
  xmlDocDumpFormatMemoryEnc (doc, &buf, &len, "utf-8", 1);
  result = g_strndup ((const char *)buf, (gsize)len);
  xmlFree (buf);
  return result;
}

static void
append_shell_words (GString *out, const char *const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *quoted = mtp_shlex_quote (words[i]);
      g_string_append_c (out, ' ');
      g_string_append (out, quoted);
    }
}

char *
mtp_render_firewall_cmd (const MtpRuleset *ruleset)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ruleset->chains->len; i++)
    {
      const MtpChain *c = ruleset->chains->pdata[i];
      const char *words[]
          = { mtp_family_to_string (c->family), mtp_table_to_string (c->table), c->name, NULL };

      g_string_append (out, "firewall-cmd --permanent --direct --add-chain");
      append_shell_words (out, words);
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const MtpRule *r = ruleset->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);
      g_autofree char *priority = g_strdup_printf ("%d", r->priority);
      const char *words[] = { mtp_family_to_string (r->family), mtp_table_to_string (r->table),
                              r->chain, priority, NULL };

      g_string_append (out, "firewall-cmd --permanent --direct --add-rule");
      append_shell_words (out, words);
      append_shell_words (out, (const char *const *)args);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

char *
mtp_render_json (const MtpRuleset *ruleset)
{
  g_autoptr (MtpJson) json = mtp_json_new ();

  mtp_json_begin_object (json);
  mtp_json_key (json, "chains");
  mtp_json_begin_array (json);
  for (guint i = 0; i < ruleset->chains->len; i++)
    {
      const MtpChain *c = ruleset->chains->pdata[i];

      mtp_json_begin_object (json);
      mtp_json_key (json, "family");
      mtp_json_string (json, mtp_family_to_string (c->family));
      mtp_json_key (json, "table");
      mtp_json_string (json, mtp_table_to_string (c->table));
      mtp_json_key (json, "chain");
      mtp_json_string (json, c->name);
      mtp_json_end_object (json);
    }
  mtp_json_end_array (json);

  mtp_json_key (json, "rules");
  mtp_json_begin_array (json);
  for (guint i = 0; i < ruleset->rules->len; i++)
    {
      const MtpRule *r = ruleset->rules->pdata[i];
      g_auto (GStrv) args = mtp_rule_to_args (r);

      mtp_json_begin_object (json);
      mtp_json_key (json, "family");
      mtp_json_string (json, mtp_family_to_string (r->family));
      mtp_json_key (json, "table");
      mtp_json_string (json, mtp_table_to_string (r->table));
      mtp_json_key (json, "chain");
      mtp_json_string (json, r->chain);
      mtp_json_key (json, "position");
      mtp_json_string (json, r->position == MTP_POSITION_INSERT ? "insert" : "append");
      if (r->position == MTP_POSITION_INSERT)
        {
          mtp_json_key (json, "index");
          mtp_json_int (json, r->insert_index);
        }
      mtp_json_key (json, "priority");
      mtp_json_int (json, r->priority);
      mtp_json_key (json, "comment");
      if (r->comment != NULL)
        {
          g_autofree char *comment = g_strconcat (MTP_COMMENT_PREFIX, r->comment, NULL);
          mtp_json_string (json, comment);
        }
      else
        mtp_json_string (json, NULL);
      mtp_json_key (json, "args");
      mtp_json_strv (json, (const char *const *)args);
      mtp_json_end_object (json);
    }
  mtp_json_end_array (json);

  mtp_json_key (json, "notices");
  mtp_json_begin_array (json);
  for (guint i = 0; i < ruleset->notices->len; i++)
    mtp_json_string (json, ruleset->notices->pdata[i]);
  mtp_json_end_array (json);
  mtp_json_end_object (json);
  return mtp_json_free_to_string (g_steal_pointer (&json));
}
