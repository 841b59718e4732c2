/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a program and kills it with SIGKILL a given number of microseconds
 * after the fork, for tests/test-crash.sh.
 *
 *   crash-kill [--netns] [--watch DIR [--after-create]] [--output FILE] DELAY_US
 *              PROGRAM [ARG…]
 *
 * The program runs in a process group of its own (SIGKILL goes to the whole
 * group: the program and whatever it has spawned), with stdin from /dev/null
 * and stdout and stderr to FILE (default /dev/null); with --netns, in a fresh
 * network namespace. A negative DELAY_US waits for the program instead.
 * Prints one line of key=value words on stdout:
 *
 *   status=killed at=US               killed US microseconds after the fork
 *   status=exited code=N elapsed=US   it exited before the kill (or untimed)
 *   status=signaled signal=N elapsed=US
 *
 * With --watch and a negative DELAY_US, the line also holds create=US (the
 * first temp file ".direct.xml.*" created in DIR) and rename=US (a file
 * renamed to "direct.xml" in DIR), each -1 if it did not happen: the window
 * in which a kill lands during the write. With --after-create, DELAY_US
 * counts from that temp file's creation instead of from the fork (seen with
 * inotify, a few microseconds late at most); if the program ends without
 * creating one, it is not killed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
usage (void)
{
  fprintf (stderr,
           "usage: crash-kill [--netns] [--watch DIR [--after-create]] [--output FILE] DELAY_US "
           "PROGRAM [ARG...]\n");
  return 2;
}

/* Reads the pending inotify events; records the first temp file creation
 * and the first rename to direct.xml, in microseconds after start. */
static void
read_events (int ifd, long long start, long long *create, long long *rename_to)
{
  char buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
  ssize_t len;

  while ((len = read (ifd, buf, sizeof buf)) > 0)
    {
      long long t = now_us () - start;

      for (char *p = buf; p < buf + len;)
        {
          const struct inotify_event *ev = (const struct inotify_event *)p;

          if (ev->len > 0)
            {
              if ((ev->mask & IN_CREATE) && strncmp (ev->name, ".direct.xml.", 12) == 0
                  && strncmp (ev->name, ".direct.xml.old.", 16) != 0 && *create < 0)
                *create = t;
              if ((ev->mask & IN_MOVED_TO) && strcmp (ev->name, "direct.xml") == 0
                  && *rename_to < 0)
                *rename_to = t;
            }
          p += sizeof *ev + ev->len;
        }
    }
}

static void
print_status (int status, long long elapsed)
{
  if (WIFEXITED (status))
    printf ("status=exited code=%d elapsed=%lld", WEXITSTATUS (status), elapsed);
  else if (WIFSIGNALED (status))
    printf ("status=signaled signal=%d elapsed=%lld", WTERMSIG (status), elapsed);
  else
    printf ("status=unknown elapsed=%lld", elapsed);
}

int
main (int argc, char **argv)
{
  const char *watch = NULL;
  const char *output = "/dev/null";
  int netns = 0;
  int after_create = 0;
  int i = 1;
  long long delay;
  long long start;
  long long create = -1;
  long long rename_to = -1;
  int ifd = -1;
  int status = 0;
  pid_t pid;
  char *end;

  for (; i < argc && strncmp (argv[i], "--", 2) == 0; i++)
    {
      if (strcmp (argv[i], "--netns") == 0)
        netns = 1;
      else if (strcmp (argv[i], "--watch") == 0 && i + 1 < argc)
        watch = argv[++i];
      else if (strcmp (argv[i], "--after-create") == 0)
        after_create = 1;
      else if (strcmp (argv[i], "--output") == 0 && i + 1 < argc)
        output = argv[++i];
      else
        return usage ();
    }
  if (argc - i < 2 || (after_create && watch == NULL))
    return usage ();
  errno = 0;
  delay = strtoll (argv[i], &end, 10);
  if (errno != 0 || *end != '\0' || end == argv[i])
    return usage ();
  i++;

  if (watch != NULL)
    {
      ifd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
      if (ifd < 0 || inotify_add_watch (ifd, watch, IN_CREATE | IN_MOVED_TO) < 0)
        {
          perror ("crash-kill: inotify");
          return 2;
        }
    }

  start = now_us ();
  pid = fork ();
  if (pid < 0)
    {
      perror ("crash-kill: fork");
      return 2;
    }
  if (pid == 0)
    {
      int in = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      int out = open (output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      setpgid (0, 0);
      if (in < 0 || out < 0 || dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (out, 2) < 0)
        _exit (126);
      if (netns && unshare (CLONE_NEWNET) != 0)
        _exit (126);
      execv (argv[i], argv + i);
      _exit (127);
    }
  setpgid (pid, pid); /* whichever of parent and child runs first */

  if (delay >= 0)
    {
      long long base = start;
      long long deadline;
      struct timespec ts;
      long long at;

      if (after_create)
        {
          /* Until the temp file appears, or the program ends. */
          while (create < 0)
            {
              struct pollfd pfd = { ifd, POLLIN, 0 };
              pid_t r = waitpid (pid, &status, WNOHANG);

              if (r == pid)
                {
                  print_status (status, now_us () - start);
                  printf ("\n");
                  return 0;
                }
              if (poll (&pfd, 1, 1) > 0)
                read_events (ifd, start, &create, &rename_to);
            }
          base = start + create;
        }
      deadline = base + delay;
      ts.tv_sec = (time_t)(deadline / 1000000);
      ts.tv_nsec = (long)(deadline % 1000000) * 1000;

      while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
      at = now_us () - start;
      kill (-pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
        printf ("status=killed at=%lld\n", at);
      else
        {
          print_status (status, at);
          printf ("\n");
        }
      return 0;
    }

  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);

      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        {
          perror ("crash-kill: waitpid");
          return 2;
        }
      if (ifd < 0)
        {
          /* Nothing to watch: block until it ends. */
          while ((r = waitpid (pid, &status, 0)) < 0 && errno == EINTR)
            ;
          if (r == pid)
            break;
          perror ("crash-kill: waitpid");
          return 2;
        }
      {
        struct pollfd pfd = { ifd, POLLIN, 0 };

        if (poll (&pfd, 1, 2) > 0)
          read_events (ifd, start, &create, &rename_to);
      }
    }
  {
    long long elapsed = now_us () - start;

    if (ifd >= 0)
      read_events (ifd, start, &create, &rename_to);
    print_status (status, elapsed);
    if (ifd >= 0)
      printf (" create=%lld rename=%lld", create, rename_to);
    printf ("\n");
  }
  return 0;
}
