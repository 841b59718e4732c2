/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-signal.h"

/* The one piece of static state that cannot be avoided: a signal handler has
 * nowhere else to leave word. Atomic, because the handler may run on any
 * thread (GDBus's worker gets a signal raised at its own system call). */
static atomic_int caught;

static void
on_signal (int signo)
{
  int none = 0;

  /* Async-signal-safe: one lock-free store, the first signal wins. */
  atomic_compare_exchange_strong (&caught, &none, signo);
}

/* Every signal whose default action ends the process and that comes from
 * outside the run: a stop (TERM), a terminal (INT, QUIT, HUP), a dropped
 * pipe (PIPE), timers and limits (ALRM, VTALRM, PROF, XCPU, XFSZ: with it
 * caught, a write past the limit fails with EFBIG), and the user signals.
 * Not the ones a fault raises (SEGV, BUS, ILL, FPE, ABRT, TRAP, SYS): after
 * those nothing can be trusted to undo anything. */
static const struct
{
  int signo;
  const char *name;
} signals[] = {
  { SIGTERM, "SIGTERM" },     { SIGINT, "SIGINT" },   { SIGHUP, "SIGHUP" },
  { SIGPIPE, "SIGPIPE" },     { SIGQUIT, "SIGQUIT" }, { SIGALRM, "SIGALRM" },
  { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGXCPU, "SIGXCPU" },
  { SIGXFSZ, "SIGXFSZ" },     { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" },
  { SIGPOLL, "SIGPOLL" },     { SIGPWR, "SIGPWR" },
};

void
mtp_signal_catch (void)
{
  struct sigaction sa;

  /* GSocket's class ignores SIGPIPE process-wide when it is first made
   * (GDBus, subprocesses): make it now, so that it does not undo ours. Our
   * sockets' own writes pass MSG_NOSIGNAL and raise none. */
  g_type_class_unref (g_type_class_ref (G_TYPE_SOCKET));
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* Interrupted system calls start again (a write of direct.xml, a wait for
   * firewalld's answer): the run looks at the mark between its steps. */
  sa.sa_flags = SA_RESTART;
  sigemptyset (&sa.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaddset (&sa.sa_mask, signals[i].signo);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    if (sigaction (signals[i].signo, &sa, NULL) != 0)
      g_debug ("not catching %s: %s", signals[i].name, g_strerror (errno));
}

int
mtp_signal_caught (void)
{
  return atomic_load (&caught);
}

const char *
mtp_signal_name (int signo)
{
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    if (signals[i].signo == signo)
      return signals[i].name;
  return "?";
}

gboolean
mtp_signal_check (GError **error)
{
  int signo = mtp_signal_caught ();

  if (signo == 0)
    return TRUE;
  g_set_error (error, MTP_ERROR, MTP_ERROR_INTERRUPTED, _ ("interrupted by %s"),
               mtp_signal_name (signo));
  return FALSE;
}
