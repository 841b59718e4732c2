/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mtp-shlex.h"

#include <string.h>
#include <sys/wait.h>

#include "mtp-error.h"

/* Expected values below were checked against Python 3's shlex; the
 * /shlex/python test checks them (and random input) again each run. */

typedef struct
{
  const char *token;
  const char *quoted;
} QuoteCase;

static const QuoteCase quote_cases[] = {
  { "", "''" },
  { "a", "a" },
  { "ACCEPT", "ACCEPT" },
  { "--dport", "--dport" },
  { "10.0.0.0/8", "10.0.0.0/8" },
  { "@%+=:,./-_09", "@%+=:,./-_09" },
  { "!", "'!'" },
  { "a b", "'a b'" },
  { "it's", "'it'\"'\"'s'" },
  { "'", "''\"'\"''" },
  { "\"", "'\"'" },
  { "#", "'#'" },
  { "a#b", "'a#b'" },
  { "\\", "'\\'" },
  { "$x", "'$x'" },
  { "`", "'`'" },
  { "~", "'~'" },
  { "*", "'*'" },
  { "a\tb", "'a\tb'" },
  { "a\nb", "'a\nb'" },
  { "\xc3\xa9", "'\xc3\xa9'" },         /* é: \w, but not ASCII */
  { "\xe2\x82\xac", "'\xe2\x82\xac'" }, /* € */
};

typedef struct
{
  const char *text;
  const char *tokens[6]; /* NULL-terminated */
} SplitCase;

static const SplitCase split_bare_cases[] = {
  { "", { NULL } },
  { " \t\r\n ", { NULL } },
  { "a", { "a", NULL } },
  { "  -A  INPUT\t-j\nACCEPT\r\n", { "-A", "INPUT", "-j", "ACCEPT", NULL } },
  { "!", { "!", NULL } },
  { "! -s 10.0.0.1", { "!", "-s", "10.0.0.1", NULL } },
  { "a$b`c~*?;|&<>()", { "a$b`c~*?;|&<>()", NULL } },
  /* only ' \t\r\n' separate */
  { "a\vb\fc", { "a\vb\fc", NULL } },
};

static const SplitCase split_quote_cases[] = {
  { "'a b'", { "a b", NULL } },
  { "'it'\"'\"'s'", { "it's", NULL } },
  { "a'b'\"c\"d", { "abcd", NULL } },
  { "'\\'", { "\\", NULL } },
  { "'a\\nb'", { "a\\nb", NULL } },
  { "'\"'", { "\"", NULL } },
  { "'a\nb'", { "a\nb", NULL } },
  /* escapes only '"' and '\\' in double quotes, keeps the backslash else */
  { "\"a\\\"b\\\\c\"", { "a\"b\\c", NULL } },
  { "\"\\$x\"", { "\\$x", NULL } },
  { "\"\\`\"", { "\\`", NULL } },
  { "\"a\\\nb\"", { "a\\\nb", NULL } },
  { "\"\\x\"", { "\\x", NULL } },
  { "\"'\"", { "'", NULL } },
  { "\"a b\" c", { "a b", "c", NULL } },
};

static const SplitCase split_hash_cases[] = {
  { "#", { "#", NULL } },
  { "a #b c", { "a", "#b", "c", NULL } },
  { "a#b", { "a#b", NULL } },
  { "'#' \"#\"", { "#", "#", NULL } },
  { "-m comment --comment '#1 rule'", { "-m", "comment", "--comment", "#1 rule", NULL } },
};

static const SplitCase split_empty_cases[] = {
  { "''", { "", NULL } },          { "\"\"", { "", NULL } },
  { "'' \"\"", { "", "", NULL } }, { "a '' b", { "a", "", "b", NULL } },
  { "a''", { "a", NULL } },        { "''a", { "a", NULL } },
  { "'''' ", { "", NULL } },
};

static const SplitCase split_backslash_cases[] = {
  { "\\\\", { "\\", NULL } },
  { "a\\ b", { "a b", NULL } },
  { "\\'", { "'", NULL } },
  { "\\\"", { "\"", NULL } },
  { "\\#", { "#", NULL } },
  { "\\n", { "n", NULL } },
  /* a newline is escaped like any character: no line continuation */
  { "a\\\nb", { "a\nb", NULL } },
  { "a\\\tb c", { "a\tb", "c", NULL } },
};

static const SplitCase split_utf8_cases[] = {
  { "\xc3\xa9t\xc3\xa9", { "\xc3\xa9t\xc3\xa9", NULL } },
  { "'\xe2\x82\xac 1'", { "\xe2\x82\xac 1", NULL } },
  { "\\\xc3\xa9", { "\xc3\xa9", NULL } },
  { "\"\\\xc3\xa9\"", { "\\\xc3\xa9", NULL } },
  { "\xf0\x9f\x98\x80 x", { "\xf0\x9f\x98\x80", "x", NULL } },
  /* U+00A0 NO-BREAK SPACE is no separator */
  { "a\xc2\xa0"
    "b c",
    { "a\xc2\xa0"
      "b",
      "c", NULL } },
};

static const char *const error_cases[] = {
  "'", "\"", "'abc", "a 'b", "\"abc", "\"a\\\"", "'a\"", "\"a'", "\\", "a \\", "\"abc\\",
};

static void
check_split_cases (const SplitCase *cases, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) tokens = mtp_shlex_split (cases[i].text, &error);

      if (error != NULL || !g_strv_equal ((const char *const *)tokens, cases[i].tokens))
        {
          g_autofree char *text = g_strescape (cases[i].text, NULL);

          g_test_message ("split: \"%s\"", text);
        }
      g_assert_no_error (error);
      g_assert_cmpstrv (tokens, cases[i].tokens);
    }
}

static void
test_quote (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (quote_cases); i++)
    {
      g_autofree char *quoted = mtp_shlex_quote (quote_cases[i].token);
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) back = mtp_shlex_split (quoted, &error);

      g_assert_cmpstr (quoted, ==, quote_cases[i].quoted);
      g_assert_no_error (error);
      g_assert_nonnull (back);
      g_assert_cmpuint (g_strv_length (back), ==, 1);
      g_assert_cmpstr (back[0], ==, quote_cases[i].token);
    }
}

static void
test_split_bare (void)
{
  check_split_cases (split_bare_cases, G_N_ELEMENTS (split_bare_cases));
}

static void
test_split_quotes (void)
{
  check_split_cases (split_quote_cases, G_N_ELEMENTS (split_quote_cases));
}

static void
test_split_hash (void)
{
  check_split_cases (split_hash_cases, G_N_ELEMENTS (split_hash_cases));
}

static void
test_split_empty (void)
{
  check_split_cases (split_empty_cases, G_N_ELEMENTS (split_empty_cases));
}

static void
test_split_backslash (void)
{
  check_split_cases (split_backslash_cases, G_N_ELEMENTS (split_backslash_cases));
}

static void
test_split_utf8 (void)
{
  check_split_cases (split_utf8_cases, G_N_ELEMENTS (split_utf8_cases));
}

static void
test_split_errors (void)
{
  struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "'abc", "no closing quotation" },
    { "\"abc", "no closing quotation" },
    { "\\", "no escaped character" },
    /* the escape is looked at before the missing closing quote */
    { "\"abc\\", "no escaped character" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) tokens = mtp_shlex_split (error_cases[i], &error);

      if (error == NULL)
        g_test_message ("split: \"%s\" did not fail", error_cases[i]);
      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      g_assert_null (tokens);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) tokens = mtp_shlex_split (cases[i].text, &error);

      g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_null (tokens);
    }

  /* NULL for the error is allowed */
  g_assert_null (mtp_shlex_split ("'", NULL));
}

static void
test_join (void)
{
  const char *const none[] = { NULL };
  const char *const rule[]
      = { "-p", "tcp", "-m", "comment", "--comment", "mesh #1 it's", "-j", "ACCEPT", NULL };
  const char *const empties[] = { "", "a", "", NULL };
  g_autofree char *joined_none = mtp_shlex_join (none);
  g_autofree char *joined_null = mtp_shlex_join (NULL);
  g_autofree char *joined_rule = mtp_shlex_join (rule);
  g_autofree char *joined_empties = mtp_shlex_join (empties);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) back = NULL;

  g_assert_cmpstr (joined_none, ==, "");
  g_assert_cmpstr (joined_null, ==, "");
  g_assert_cmpstr (joined_rule, ==, "-p tcp -m comment --comment 'mesh #1 it'\"'\"'s' -j ACCEPT");
  g_assert_cmpstr (joined_empties, ==, "'' a ''");

  back = mtp_shlex_split (joined_rule, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (back, rule);
}

/* Pieces of random text: everything special to shlex or to a shell, and
 * multi-byte UTF-8 (kept whole so Python gets valid text). */
static const char *const nasty[] = {
  "'",
  "'",
  "\"",
  "\"",
  "\\",
  "\\",
  " ",
  "\t",
  "\n",
  "\r",
  "\v",
  "#",
  "!",
  "$",
  "`",
  "a",
  "Z",
  "0",
  "-",
  "=",
  "/",
  "*",
  "~",
  ";",
  "\xc3\xa9",
  "\xe2\x82\xac",
  "\xf0\x9f\x98\x80",
  "\xc2\xa0",
};

static char *
random_text (int max_pieces)
{
  GString *s = g_string_new (NULL);
  int n = g_test_rand_int_range (0, max_pieces + 1);

  for (int i = 0; i < n; i++)
    g_string_append (s, nasty[g_test_rand_int_range (0, G_N_ELEMENTS (nasty))]);
  return g_string_free (s, FALSE);
}

static GStrv
random_tokens (void)
{
  int n = g_test_rand_int_range (0, 7);
  GStrv tokens = g_new0 (char *, n + 1);

  for (int i = 0; i < n; i++)
    tokens[i] = random_text (g_test_rand_int_range (0, 5) == 0 ? 0 : 8);
  return tokens;
}

static void
test_roundtrip (void)
{
  for (int i = 0; i < 2000; i++)
    {
      g_auto (GStrv) tokens = random_tokens ();
      g_autofree char *joined = mtp_shlex_join ((const char *const *)tokens);
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) back = mtp_shlex_split (joined, &error);

      g_assert_no_error (error);
      g_assert_cmpstrv (back, tokens);
    }
}

/* Python's side of /shlex/python: one argument per probe, a kind letter and
 * hex data (the "x" in front keeps empty strings visible); one output line
 * per probe. */
static const char python_script[]
    = "import shlex, sys\n"
      "def dec(h):\n"
      "    return bytes.fromhex(h[1:]).decode('utf-8')\n"
      "def enc(s):\n"
      "    return 'x' + s.encode('utf-8').hex()\n"
      "for arg in sys.argv[1:]:\n"
      "    kind, data = arg[0], arg[1:]\n"
      "    if kind == 'q':\n"
      "        print(enc(shlex.quote(dec(data))))\n"
      "    elif kind == 'j':\n"
      "        toks = [dec(t) for t in data.split(',')] if data else []\n"
      "        print(enc(shlex.join(toks)))\n"
      "    else:\n"
      "        try:\n"
      "            print(' '.join(['ok'] + [enc(t) for t in "
      "shlex.split(dec(data))]))\n"
      "        except ValueError as e:\n"
      "            print('error', e)\n";

typedef struct
{
  char kind; /* 'q' quote, 's' split, 'j' join */
  char *text;
  GStrv tokens; /* for 'j' */
} Probe;

static void
probe_clear (gpointer data)
{
  Probe *probe = data;

  g_free (probe->text);
  g_strfreev (probe->tokens);
}

static void
append_hex (GString *out, const char *s)
{
  g_string_append_c (out, 'x');
  for (const guchar *p = (const guchar *)s; *p != '\0'; p++)
    g_string_append_printf (out, "%02x", *p);
}

static char *
probe_arg (const Probe *probe)
{
  GString *arg = g_string_new (NULL);

  g_string_append_c (arg, probe->kind);
  if (probe->kind != 'j')
    {
      append_hex (arg, probe->text);
    }
  else
    {
      for (gsize i = 0; probe->tokens[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (arg, ',');
          append_hex (arg, probe->tokens[i]);
        }
    }
  return g_string_free (arg, FALSE);
}

static void
add_probe (GArray *probes, char kind, char *text, GStrv tokens)
{
  Probe probe = { kind, text, tokens };

  g_array_append_val (probes, probe);
}

static GArray *
make_probes (void)
{
  GArray *probes = g_array_new (FALSE, TRUE, sizeof (Probe));
  const SplitCase *const tables[] = {
    split_bare_cases,  split_quote_cases,     split_hash_cases,
    split_empty_cases, split_backslash_cases, split_utf8_cases,
  };
  const gsize sizes[] = {
    G_N_ELEMENTS (split_bare_cases),      G_N_ELEMENTS (split_quote_cases),
    G_N_ELEMENTS (split_hash_cases),      G_N_ELEMENTS (split_empty_cases),
    G_N_ELEMENTS (split_backslash_cases), G_N_ELEMENTS (split_utf8_cases),
  };

  g_array_set_clear_func (probes, probe_clear);

  /* the fixed cases above, so their expectations stay Python's */
  for (gsize t = 0; t < G_N_ELEMENTS (tables); t++)
    for (gsize i = 0; i < sizes[t]; i++)
      add_probe (probes, 's', g_strdup (tables[t][i].text), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    add_probe (probes, 's', g_strdup (error_cases[i]), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (quote_cases); i++)
    add_probe (probes, 'q', g_strdup (quote_cases[i].token), NULL);

  for (int i = 0; i < 300; i++)
    add_probe (probes, 's', random_text (12), NULL);
  for (int i = 0; i < 300; i++)
    add_probe (probes, 'q', random_text (6), NULL);
  for (int i = 0; i < 100; i++)
    add_probe (probes, 'j', NULL, random_tokens ());
  return probes;
}

/* Our answer to a probe in the format of python_script's output */
static char *
our_line (const Probe *probe)
{
  GString *line = g_string_new (NULL);

  if (probe->kind == 'q' || probe->kind == 'j')
    {
      g_autofree char *ours = probe->kind == 'q'
                                  ? mtp_shlex_quote (probe->text)
                                  : mtp_shlex_join ((const char *const *)probe->tokens);

      append_hex (line, ours);
    }
  else
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) tokens = mtp_shlex_split (probe->text, &error);

      if (tokens == NULL)
        {
          g_assert_error (error, MTP_ERROR, MTP_ERROR_INVALID_ARGS);
          g_string_append_printf (line, "error %s", error->message);
        }
      else
        {
          g_string_append (line, "ok");
          for (gsize i = 0; tokens[i] != NULL; i++)
            {
              g_string_append_c (line, ' ');
              append_hex (line, tokens[i]);
            }
        }
    }
  return g_string_free (line, FALSE);
}

static void
check_probe (const Probe *probe, const char *line)
{
  g_autofree char *ours = our_line (probe);
  /* only Python's error messages start upper-case */
  g_autofree char *expected = g_ascii_strdown (line, -1);

  if (g_strcmp0 (ours, expected) != 0)
    {
      g_autofree char *arg = probe_arg (probe);
      g_autofree char *text = g_strescape (probe->text != NULL ? probe->text : "", NULL);

      g_test_message ("probe %s (%c \"%s\") differs from Python", arg, probe->kind, text);
    }
  g_assert_cmpstr (ours, ==, expected);
}

static void
test_python (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autoptr (GArray) probes = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  int status = 0;

  /* a missing python3 must not pass quietly: CI installs it */
  if (python == NULL)
    {
      g_test_message ("python3 not found in PATH; it is needed to check against shlex");
      g_test_fail ();
      return;
    }

  probes = make_probes ();
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (python));
  g_ptr_array_add (argv, g_strdup ("-I"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup (python_script));
  for (guint i = 0; i < probes->len; i++)
    g_ptr_array_add (argv, probe_arg (&g_array_index (probes, Probe, i)));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_test_message ("python3 failed: %s", err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  lines = g_strsplit (out, "\n", -1);
  /* one line per probe and the empty rest after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, probes->len + 1);
  g_assert_cmpstr (lines[probes->len], ==, "");
  for (guint i = 0; i < probes->len; i++)
    check_probe (&g_array_index (probes, Probe, i), lines[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/shlex/quote", test_quote);
  g_test_add_func ("/shlex/split/bare", test_split_bare);
  g_test_add_func ("/shlex/split/quotes", test_split_quotes);
  g_test_add_func ("/shlex/split/hash", test_split_hash);
  g_test_add_func ("/shlex/split/empty", test_split_empty);
  g_test_add_func ("/shlex/split/backslash", test_split_backslash);
  g_test_add_func ("/shlex/split/utf8", test_split_utf8);
  g_test_add_func ("/shlex/split/errors", test_split_errors);
  g_test_add_func ("/shlex/join", test_join);
  g_test_add_func ("/shlex/roundtrip", test_roundtrip);
  g_test_add_func ("/shlex/python", test_python);

  return g_test_run ();
}
