/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* firewalld's floor for the benchmark (tests/bench/run): the least a client can
 * do to put a direct rule set live and permanent over D-Bus. It reads a
 * direct.xml (`mesh-tproxy show --format direct-xml`), sends one addChain per
 * chain and one addRule per rule without waiting for replies (at most WINDOW
 * in flight), then one config.direct update with the whole set, and waits
 * for all replies.
 * Nothing else: no reads, no checks, no rollback, foreign permanent entries
 * are not preserved (the benchmark's firewalld has none).
 *
 * With --remove, the floor of an uninstall: one removeRule per rule, one
 * removeChain per chain (the reverse order), then an update with nothing.
 *
 *   floor [--remove] DIRECT_XML        exit 0 when every call succeeded
 *
 * Built by tests/bench/run: gcc -O2 floor.c $(pkg-config --cflags --libs gio-2.0)
 */
#include <gio/gio.h>
#include <stdlib.h>

#define FW_NAME          "org.fedoraproject.FirewallD1"
#define FW_PATH          "/org/fedoraproject/FirewallD1"
#define FW_DIRECT        FW_NAME ".direct"
#define FW_CONFIG_PATH   FW_PATH "/config"
#define FW_CONFIG_DIRECT FW_NAME ".config.direct"

typedef struct
{
  GVariantBuilder chains; /* a(sss) */
  GVariantBuilder rules;  /* a(sssias) */
  GPtrArray *runtime;     /* (sss) or (sssias) calls, in file order */
  char *ipv, *table, *chain;
  gint priority;
  gboolean in_rule;
  GString *text;
} Parse;

static const char *
attr (const char **names, const char **values, const char *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return values[i];
  return "";
}

static void
start (GMarkupParseContext *ctx, const char *element, const char **names, const char **values,
       gpointer data, GError **error)
{
  Parse *p = data;
  (void)ctx;
  (void)error;
  if (g_strcmp0 (element, "chain") == 0)
    {
      GVariant *c = g_variant_new ("(sss)", attr (names, values, "ipv"),
                                   attr (names, values, "table"), attr (names, values, "chain"));
      g_variant_builder_add_value (&p->chains, c);
      g_ptr_array_add (p->runtime, g_variant_ref (c));
    }
  else if (g_strcmp0 (element, "rule") == 0)
    {
      p->ipv = g_strdup (attr (names, values, "ipv"));
      p->table = g_strdup (attr (names, values, "table"));
      p->chain = g_strdup (attr (names, values, "chain"));
      p->priority = atoi (attr (names, values, "priority"));
      p->in_rule = TRUE;
      g_string_truncate (p->text, 0);
    }
}

static void
text (GMarkupParseContext *ctx, const char *t, gsize len, gpointer data, GError **error)
{
  Parse *p = data;
  (void)ctx;
  (void)error;
  if (p->in_rule)
    g_string_append_len (p->text, t, len);
}

static void
end (GMarkupParseContext *ctx, const char *element, gpointer data, GError **error)
{
  Parse *p = data;
  g_auto (GStrv) argv = NULL;
  GVariant *r;
  (void)ctx;
  if (g_strcmp0 (element, "rule") != 0)
    return;
  /* firewalld stores a rule's arguments shell-quoted (joinArgs/splitArgs). */
  if (!g_shell_parse_argv (p->text->str, NULL, &argv, error))
    return;
  r = g_variant_new ("(sssi^as)", p->ipv, p->table, p->chain, p->priority, argv);
  g_variant_builder_add_value (&p->rules, r);
  g_ptr_array_add (p->runtime, g_variant_ref (r));
  g_clear_pointer (&p->ipv, g_free);
  g_clear_pointer (&p->table, g_free);
  g_clear_pointer (&p->chain, g_free);
  p->in_rule = FALSE;
}

/* dbus-daemon lets a connection wait for at most max_replies_per_connection
 * replies (128 on a system bus, built-in default): keep fewer in flight. */
#define WINDOW 100

static guint pending;
static guint failed;

static void
done (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      g_printerr ("floor: %s: %s\n", (const char *)data, error->message);
      failed++;
    }
  pending--;
}

static void
call (GDBusConnection *bus, const char *path, const char *iface, const char *method, GVariant *args)
{
  while (pending >= WINDOW)
    g_main_context_iteration (NULL, TRUE);
  pending++;
  g_dbus_connection_call (bus, FW_NAME, path, iface, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, done, (gpointer)method);
}

int
main (int argc, char **argv)
{
  static const GMarkupParser parser = { start, end, text, NULL, NULL };
  Parse p = { 0 };
  g_autofree char *xml = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  GMarkupParseContext *ctx;
  GVariant *settings;
  gboolean remove = argc == 3 && g_strcmp0 (argv[1], "--remove") == 0;
  const char *path = argv[argc - 1];

  if (argc != 2 && !remove)
    {
      g_printerr ("usage: floor [--remove] DIRECT_XML\n");
      return 2;
    }
  if (!g_file_get_contents (path, &xml, &len, &error))
    {
      g_printerr ("floor: %s\n", error->message);
      return 1;
    }
  g_variant_builder_init (&p.chains, G_VARIANT_TYPE ("a(sss)"));
  g_variant_builder_init (&p.rules, G_VARIANT_TYPE ("a(sssias)"));
  p.runtime = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  p.text = g_string_new (NULL);
  ctx = g_markup_parse_context_new (&parser, 0, &p, NULL);
  if (!g_markup_parse_context_parse (ctx, xml, len, &error)
      || !g_markup_parse_context_end_parse (ctx, &error))
    {
      g_printerr ("floor: %s: %s\n", path, error->message);
      return 1;
    }
  g_markup_parse_context_free (ctx);
  settings = g_variant_new ("(@a(sss)@a(sssias)@a(sas))", g_variant_builder_end (&p.chains),
                            g_variant_builder_end (&p.rules),
                            g_variant_new_array (G_VARIANT_TYPE ("(sas)"), NULL, 0));
  if (remove)
    {
      g_variant_unref (g_variant_ref_sink (settings));
      settings = g_variant_new_parsed ("(@a(sss) [], @a(sssias) [], @a(sas) [])");
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      g_printerr ("floor: %s\n", error->message);
      return 1;
    }
  /* Every runtime call without waiting (firewalld runs one connection's calls
   * in order: chains before the rules that jump to them), the permanent
   * update right behind them, then the remaining replies. */
  for (guint i = 0; i < p.runtime->len; i++)
    {
      GVariant *v = p.runtime->pdata[remove ? p.runtime->len - 1 - i : i];
      gboolean is_chain = g_variant_is_of_type (v, G_VARIANT_TYPE ("(sss)"));
      const char *method
          = is_chain ? (remove ? "removeChain" : "addChain") : (remove ? "removeRule" : "addRule");
      call (bus, FW_PATH, FW_DIRECT, method, v);
    }
  call (bus, FW_CONFIG_PATH, FW_CONFIG_DIRECT, "update", g_variant_new_tuple (&settings, 1));
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_ptr_array_free (p.runtime, TRUE);
  g_string_free (p.text, TRUE);
  return failed > 0 ? 1 : 0;
}
