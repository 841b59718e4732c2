/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "mtp-builder.h"
#include "mtp-cli.h"
#include "mtp-engine.h"
#include "mtp-error.h"
#include "mtp-render.h"

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
print_usage (FILE *out)
{
  fprintf (out, "%s\n  mesh-tproxy COMMAND [OPTION…]\n\n%s\n", _ ("Usage:"), _ ("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _ (commands[i].summary));
  fprintf (out, "\n%s\n",
           _ ("Run 'mesh-tproxy COMMAND --help' for the options of a command, "
              "'mesh-tproxy --version' for the version."));
}

static void
print_error (const GError *error)
{
  g_autofree char *message = g_strdup (error->message);

  /* GOption's own messages start with a capital letter; ours do not. */
  if (error->domain == G_OPTION_ERROR)
    message[0] = g_ascii_tolower (message[0]);
  g_printerr ("mesh-tproxy: %s\n", message);
}

static void
print_notices (const MtpRuleset *ruleset)
{
  for (guint i = 0; i < ruleset->notices->len; i++)
    g_printerr ("mesh-tproxy: %s\n", (const char *)ruleset->notices->pdata[i]);
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
print_report (const MtpConfig *config, const MtpReport *report, const GError *error)
{
  if (config->json)
    {
      g_autofree char *json = mtp_report_to_json (report, error);
      fputs (json, stdout);
      return;
    }
  for (guint i = 0; i < report->notices->len; i++)
    g_printerr ("mesh-tproxy: %s\n", (const char *)report->notices->pdata[i]);
  for (guint i = 0; i < report->warnings->len; i++)
    g_printerr (_ ("mesh-tproxy: warning: %s\n"), (const char *)report->warnings->pdata[i]);
  if (error == NULL)
    {
      g_autofree char *text = mtp_report_to_text (report);
      fputs (text, stdout);
    }
}

static MtpExitCode
run_command (MtpCommand command, const MtpConfig *config)
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

  facts = mtp_host_facts_gather (config, &error);
  if (facts == NULL && command != MTP_COMMAND_UNINSTALL)
    {
      print_error (error);
      return mtp_error_to_exit_code (error);
    }
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
          print_report (config, report, error);
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
        print_notices (ruleset);
      text = render (config, ruleset, &error);
      if (text == NULL)
        {
          print_error (error);
          return mtp_error_to_exit_code (error);
        }
      fputs (text, stdout);
      return fflush (stdout) == 0 ? MTP_EXIT_OK : MTP_EXIT_FAILURE;
    }

  ok = mtp_engine_run (run, ruleset, &error);
  print_report (config, report, ok ? NULL : error);
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

int
mtp_cli_run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpConfig) config = NULL;
  const char *name = argc > 1 ? argv[1] : NULL;
  MtpCommand command = 0;

  if (name == NULL)
    {
      print_usage (stderr);
      return MTP_EXIT_USAGE;
    }
  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return MTP_EXIT_OK;
    }
  if (strcmp (name, "--version") == 0)
    {
      printf ("mesh-tproxy %s\n", PACKAGE_VERSION);
      return MTP_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      command = commands[i].command;
  if (command == 0)
    {
      g_printerr (_ ("mesh-tproxy: unknown command '%s'\n"), name);
      g_printerr (_ ("Run 'mesh-tproxy --help' for the commands.\n"));
      return MTP_EXIT_USAGE;
    }

  /* GOption's usage line is "<prgname> [OPTION…]". */
  {
    g_autofree char *prgname = g_strdup_printf ("mesh-tproxy %s", name);
    g_set_prgname (prgname);
  }
  config = mtp_config_parse (command, argc - 1, argv + 1, &error);
  if (config == NULL)
    {
      if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED))
        {
          g_autofree char *help = mtp_config_help (command);
          fputs (help, stdout);
          return MTP_EXIT_OK;
        }
      print_error (error);
      if (error->domain == G_OPTION_ERROR)
        g_printerr (_ ("Run 'mesh-tproxy %s --help' for the options.\n"), name);
      return mtp_error_to_exit_code (error);
    }
  if (config->verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  return run_command (command, config);
}
