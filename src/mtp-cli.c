/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mtp-builder.h"
#include "mtp-cli.h"
#include "mtp-engine.h"
#include "mtp-error.h"
#include "mtp-render.h"
#include "mtp-signal.h"

static const struct
{
  const char *name;
  MtpCommand command;
  const char *summary;
} commands[] = {
  { "install", MTP_COMMAND_INSTALL, N_ ("Install the rules, or bring the host back in line") },
  { "uninstall", MTP_COMMAND_UNINSTALL, N_ ("Remove every rule and chain of ours") },
  { "status", MTP_COMMAND_STATUS, N_ ("Say whether the host holds exactly the desired rules") },
  { "show", MTP_COMMAND_SHOW,
    N_ ("Print the desired rules (iptables, direct-xml, firewall-cmd, json)") },
};

static void
print_usage (GString *out)
{
  g_string_append_printf (out, "%s\n  mesh-tproxy COMMAND [OPTION…]\n\n%s\n", _ ("Usage:"),
                          _ ("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (out, "  %-10s %s\n", commands[i].name, _ (commands[i].summary));
  g_string_append_printf (out, "\n%s\n",
                          _ ("Run 'mesh-tproxy COMMAND --help' for the options of a command, "
                             "'mesh-tproxy --version' for the version."));
}

/* Messages leave the program here (print_error, print_notices, print_report
 * and the log writer), with the values in them as they came: from the
 * command line, files, the host. A newline or an escape sequence in a value
 * must not reach the terminal or the journal as such. Control characters
 * (C0, DEL, C1), Unicode format characters (bidirectional overrides, …) and
 * line and paragraph separators become visible escapes (\n, \x1b, \u202e),
 * bytes that are not UTF-8 become \xNN; everything else, translated text
 * included, stays as it is. */
static char *
escape_message (const char *text, gssize length)
{
  const char *end = text + (length < 0 ? strlen (text) : (gsize)length);
  GString *out = g_string_sized_new ((gsize)(end - text));

  for (const char *p = text; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      const char *next;

      if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0)
        {
          g_string_append_printf (out, "\\x%02x", (guint)(guchar)*p);
          p++;
          continue;
        }
      next = g_utf8_next_char (p);
      switch (g_unichar_type (c))
        {
          case G_UNICODE_CONTROL:
          case G_UNICODE_FORMAT:
          case G_UNICODE_LINE_SEPARATOR:
          case G_UNICODE_PARAGRAPH_SEPARATOR:
            if (c == '\n')
              g_string_append (out, "\\n");
            else if (c == '\r')
              g_string_append (out, "\\r");
            else if (c == '\t')
              g_string_append (out, "\\t");
            else if (c < 0x80)
              g_string_append_printf (out, "\\x%02x", (guint)c);
            else if (c <= 0xffff)
              g_string_append_printf (out, "\\u%04x", (guint)c);
            else
              g_string_append_printf (out, "\\U%08x", (guint)c);
            break;
          default:
            g_string_append_len (out, p, next - p);
        }
      p = next;
    }
  return g_string_free (out, FALSE);
}

/* GLib's messages (g_debug with --verbose, g_warning) the same way, all on
 * standard error: standard output carries the report (and JSON). */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  g_autofree GLogField *copy = NULL;
  g_autofree char *escaped = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
      domain = fields[i].value;
  /* A debug message without --verbose: not escaped for nothing. */
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  copy = g_memdup2 (fields, sizeof *fields * n_fields);
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (copy[i].key, "MESSAGE") == 0 && copy[i].value != NULL && escaped == NULL)
      {
        escaped = escape_message (copy[i].value, copy[i].length);
        copy[i].value = escaped;
        copy[i].length = -1;
      }
  return g_log_writer_default (level, copy, n_fields, data);
}

static void
print_error (const GError *error)
{
  g_autofree char *message = escape_message (error->message, -1);

  /* GOption's own messages start with a capital letter; ours do not. */
  if (error->domain == G_OPTION_ERROR)
    message[0] = g_ascii_tolower (message[0]);
  g_printerr ("mesh-tproxy: %s\n", message);
}

/* A failure before a report exists: one JSON object when --json was asked
 * for (mtp_config_json_requested), else the message. */
static MtpExitCode
fail_early (MtpCommand command, gboolean json, const GError *error)
{
  g_autoptr (MtpReport) report = NULL;
  g_autoptr (GError) copy = NULL;
  g_autofree char *text = NULL;

  if (!json)
    {
      print_error (error);
      return mtp_error_to_exit_code (error);
    }
  copy = g_error_copy (error);
  if (copy->domain == G_OPTION_ERROR)
    copy->message[0] = g_ascii_tolower (copy->message[0]);
  report = mtp_report_new (command);
  text = mtp_report_to_json (report, copy);
  fputs (text, stdout);
  return mtp_error_to_exit_code (error);
}

static void
print_notices (const GPtrArray *notices)
{
  for (guint i = 0; i < notices->len; i++)
    {
      g_autofree char *notice = escape_message (notices->pdata[i], -1);

      g_printerr ("mesh-tproxy: %s\n", notice);
    }
}

static char *
render_iptables_all (const MtpRuleset *ruleset)
{
  GString *out = g_string_new (NULL);
  static const MtpFamily families[] = { MTP_FAMILY_IPV4, MTP_FAMILY_IPV6 };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autofree char *text = NULL;

      if (!mtp_ruleset_has_family (ruleset, families[i]))
        continue;
      text = mtp_render_iptables (ruleset, families[i]);
      g_string_append_printf (out, "# %s\n%s",
                              families[i] == MTP_FAMILY_IPV4 ? "IPv4: iptables-restore --noflush"
                                                             : "IPv6: ip6tables-restore --noflush",
                              text);
    }
  return g_string_free (out, FALSE);
}

static char *
render (const MtpConfig *config, const MtpRuleset *ruleset, GError **error)
{
  switch (config->format)
    {
      case MTP_FORMAT_IPTABLES:
        if (config->family_only)
          return mtp_render_iptables (ruleset, config->family);
        return render_iptables_all (ruleset);
      case MTP_FORMAT_DIRECT_XML:
        return mtp_render_direct_xml (ruleset, error);
      case MTP_FORMAT_FIREWALL_CMD:
        return mtp_render_firewall_cmd (ruleset);
      case MTP_FORMAT_JSON:
        return mtp_render_json (ruleset);
      default:
        g_assert_not_reached ();
    }
}

static void
print_report (const MtpConfig *config, const MtpReport *report, const GError *error, GString *out)
{
  if (config->json)
    {
      g_autofree char *json = mtp_report_to_json (report, error);
      g_string_append (out, json);
      return;
    }
  print_notices (report->notices);
  for (guint i = 0; i < report->warnings->len; i++)
    {
      g_autofree char *warning = escape_message (report->warnings->pdata[i], -1);

      g_printerr (_ ("mesh-tproxy: warning: %s\n"), warning);
    }
  if (error == NULL)
    {
      g_autofree char *text = mtp_report_to_text (report);
      g_string_append (out, text);
    }
}

/* What is for standard output goes to out (see finish_output); changed is
 * set when the run made changes. */
static MtpExitCode
run_command (MtpCommand command, const MtpConfig *config, GString *out, gboolean *changed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpHostFacts) facts = NULL;
  g_autoptr (MtpRuleset) ruleset = NULL;
  g_autoptr (MtpReport) report = mtp_report_new (command);
  g_autoptr (MtpRun) run = NULL;
  g_autofree char *text = NULL;
  gboolean show
      = command == MTP_COMMAND_SHOW || (command == MTP_COMMAND_INSTALL && config->dry_run);
  gboolean ok;

  if (show && config->json)
    {
      g_set_error (&error, MTP_ERROR, MTP_ERROR_INVALID_ARGS,
                   _ ("--dry-run prints the rules as text; --check gives a JSON report"));
      return fail_early (command, TRUE, error);
    }
  /* For the whole run: a signal then ends it before its next change, with
   * what it had applied undone (mtp-signal.h); show changes nothing. */
  if (!show)
    mtp_signal_catch ();
  facts = mtp_host_facts_gather (config, &error);
  if (facts == NULL && command != MTP_COMMAND_UNINSTALL)
    return fail_early (command, config->json, error);
  /* uninstall only uses the configured set to recognise rules of ours that
   * carry no comment; without it, comments and chain names still tell. */
  if (facts == NULL)
    {
      g_debug ("uninstall without the configured rule set: %s", error->message);
      g_clear_error (&error);
    }

  if (!show)
    {
      /* The lock, and firewalld's reads sent, while iptables-save runs for
       * the last of the facts. */
      run = mtp_engine_begin (command, config, report, &error);
      if (run == NULL)
        {
          print_report (config, report, error, out);
          if (!config->json)
            print_error (error);
          return mtp_error_to_exit_code (error);
        }
    }
  if (facts != NULL)
    {
      mtp_host_facts_gather_finish (facts);
      ruleset = mtp_build_ruleset (config, facts, &error);
      /* As above: uninstall goes on without the configured set. */
      if (ruleset == NULL && command == MTP_COMMAND_UNINSTALL)
        {
          g_debug ("uninstall without the configured rule set: %s", error->message);
          g_clear_error (&error);
        }
      else if (ruleset == NULL)
        {
          print_error (error);
          return mtp_error_to_exit_code (error);
        }
    }

  if (show)
    {
      if (config->format != MTP_FORMAT_JSON)
        print_notices (ruleset->notices);
      text = render (config, ruleset, &error);
      if (text == NULL)
        {
          print_error (error);
          return mtp_error_to_exit_code (error);
        }
      g_string_append (out, text);
      return MTP_EXIT_OK;
    }

  ok = mtp_engine_run (run, ruleset, &error);
  *changed = ok && report->changed && !report->check_only;
  print_report (config, report, ok ? NULL : error, out);
  if (!ok)
    {
      if (!config->json)
        print_error (error);
      return mtp_error_to_exit_code (error);
    }
  if (command == MTP_COMMAND_STATUS)
    switch (report->status)
      {
        case MTP_STATUS_IN_SYNC:
          return MTP_EXIT_OK;
        case MTP_STATUS_NOT_INSTALLED:
          return MTP_EXIT_NOT_INSTALLED;
        case MTP_STATUS_DRIFTED:
          return MTP_EXIT_DRIFTED;
        case MTP_STATUS_PERMANENT_ONLY:
          return MTP_EXIT_PERMANENT_ONLY;
        case MTP_STATUS_INTERRUPTED:
          return MTP_EXIT_INTERRUPTED;
        case MTP_STATUS_UNKNOWN:
        default:
          return MTP_EXIT_UNKNOWN;
      }
  return MTP_EXIT_OK;
}

static MtpExitCode
run (int argc, char **argv, GString *out, gboolean *changed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) config = NULL;
  const char *name = argc > 1 ? argv[1] : NULL;
  MtpCommand command = 0;
  gboolean json;

  /* Debugging messages (--verbose) never mix with what goes to stdout. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (name == NULL)
    {
      g_autoptr (GString) usage = g_string_new (NULL);

      print_usage (usage);
      g_printerr ("%s", usage->str);
      return MTP_EXIT_USAGE;
    }
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
    {
      print_usage (out);
      return MTP_EXIT_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      g_string_append_printf (out, "mesh-tproxy %s\n", PACKAGE_VERSION);
      return MTP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      command = commands[i].command;
  if (command == 0 && mtp_config_json_requested (0, argc, argv))
    {
      g_set_error (&error, MTP_ERROR, MTP_ERROR_INVALID_ARGS, _ ("unknown command '%s'"), name);
      return fail_early (0, TRUE, error);
    }
  if (command == 0)
    {
      g_autofree char *escaped = escape_message (name, -1);

      g_printerr (_ ("mesh-tproxy: unknown command '%s'\n"), escaped);
      g_printerr (_ ("Run 'mesh-tproxy --help' for the commands.\n"));
      return MTP_EXIT_USAGE;
    }

  /* GOption's usage line is "<prgname> [OPTION…]". */
  {
    g_autofree char *prgname = g_strdup_printf ("mesh-tproxy %s", name);
    g_set_prgname (prgname);
  }
  json = mtp_config_json_requested (command, argc - 1, argv + 1);
  config = mtp_config_parse (command, argc - 1, argv + 1, &error);
  if (config == NULL)
    {
      if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED))
        {
          g_autofree char *help = mtp_config_help (command);
          g_string_append (out, help);
          return MTP_EXIT_OK;
        }
      if (json)
        return fail_early (command, TRUE, error);
      print_error (error);
      if (error->domain == G_OPTION_ERROR)
        g_printerr (_ ("Run 'mesh-tproxy %s --help' for the options.\n"), name);
      return mtp_error_to_exit_code (error);
    }
  if (config->verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  return run_command (command, config, out, changed);
}

/* Standard output is written here, once, at the end: what was meant for it
 * must arrive there. A full disk or a broken file is an error (exit 1), not
 * a silent success. A run that had already failed keeps its own exit
 * status; the changes of a run that made them stay made, so exit 1 does not
 * then mean that nothing is applied: the message says so. */
static MtpExitCode
finish_output (const GString *out, MtpExitCode code, gboolean changed)
{
  gsize done = 0;
  int errsv = 0;

  while (done < out->len)
    {
      ssize_t n = write (STDOUT_FILENO, out->str + done, out->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          errsv = errno;
          break;
        }
      done += (gsize)n;
    }
  if (errsv == 0)
    return code;
  if (changed)
    g_printerr (_ ("mesh-tproxy: cannot write to standard output: %s; the changes of this run "
                   "were made ('mesh-tproxy status' shows them)\n"),
                g_strerror (errsv));
  else
    g_printerr (_ ("mesh-tproxy: cannot write to standard output: %s\n"), g_strerror (errsv));
  switch (code)
    {
      case MTP_EXIT_OK:
      case MTP_EXIT_NOT_INSTALLED:
      case MTP_EXIT_DRIFTED:
      case MTP_EXIT_PERMANENT_ONLY:
      case MTP_EXIT_UNKNOWN:
        return MTP_EXIT_FAILURE;
      default:
        return code;
    }
}

int
mtp_cli_run (int argc, char **argv)
{
  g_autoptr (GString) out = NULL;
  gboolean changed = FALSE;
  MtpExitCode code;

  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (write_log, NULL, NULL);
  out = g_string_new (NULL);
  code = run (argc, argv, out, &changed);
  return finish_output (out, code, changed);
}
