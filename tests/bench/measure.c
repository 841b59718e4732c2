/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The benchmark's stopwatch (tests/bench/run): runs one or more commands one
 * after the other and writes "WALL_NS MAXRSS_KIB STATUS" to RESULT: the
 * wall-clock time from the first fork to the last exit (CLOCK_MONOTONIC), the
 * largest peak resident set of any of the commands (getrusage of the waited
 * children), and the exit status of the first command that failed (0 if none;
 * later commands are not run after a failure).
 *
 *   measure RESULT [-i INPUT] CMD [ARG...] [';' [-i INPUT] CMD [ARG...]]...
 *
 * -i INPUT: the command's standard input comes from the file INPUT.
 * Built by tests/bench/run: gcc -O2 measure.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  FILE *out;
  long long t0, t1;
  int status = 0;
  struct rusage ru;
  int i = 2;

  if (argc < 3)
    {
      fprintf (stderr, "usage: measure RESULT [-i INPUT] CMD [ARG...] [';' ...]\n");
      return 2;
    }
  /* Split the command list in place: each ';' ends a command. */
  for (int j = 2; j < argc; j++)
    if (strcmp (argv[j], ";") == 0)
      argv[j] = NULL;

  t0 = now_ns ();
  while (i < argc && status == 0)
    {
      const char *input = NULL;
      pid_t pid;
      int ws;

      if (argv[i] != NULL && strcmp (argv[i], "-i") == 0 && i + 2 < argc)
        {
          input = argv[i + 1];
          i += 2;
        }
      if (argv[i] == NULL)
        {
          i++;
          continue;
        }
      pid = fork ();
      if (pid < 0)
        {
          perror ("measure: fork");
          return 1;
        }
      if (pid == 0)
        {
          if (input != NULL)
            {
              int fd = open (input, O_RDONLY);
              if (fd < 0 || dup2 (fd, 0) < 0)
                {
                  perror (input);
                  _exit (127);
                }
              close (fd);
            }
          execvp (argv[i], &argv[i]);
          perror (argv[i]);
          _exit (127);
        }
      while (waitpid (pid, &ws, 0) < 0)
        if (errno != EINTR)
          {
            perror ("measure: waitpid");
            return 1;
          }
      status = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
      while (i < argc && argv[i] != NULL)
        i++;
      i++;
    }
  t1 = now_ns ();
  getrusage (RUSAGE_CHILDREN, &ru);

  out = fopen (argv[1], "w");
  if (out == NULL)
    {
      perror (argv[1]);
      return 1;
    }
  fprintf (out, "%lld %ld %d\n", t1 - t0, ru.ru_maxrss, status);
  fclose (out);
  return 0;
}
