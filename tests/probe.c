/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny traffic probe for the tests and the demonstration: proves where a
 * connection really landed.
 *
 *   probe listen tcp|udp PORT [4|6]   accept one TCP connection (or one UDP
 *                                     datagram) on the wildcard address and
 *                                     print "original-dst ADDR PORT": the
 *                                     destination the client used before NAT
 *   probe connect tcp|udp ADDR PORT   connect (or send one datagram) and exit
 *                                     0 on success
 * Both give up after 5 seconds. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMEOUT_MS 5000

static int
fail (const char *what)
{
  fprintf (stderr, "probe: %s: %s\n", what, strerror (errno));
  return 1;
}

static void
print_addr (const struct sockaddr_storage *ss)
{
  char buf[INET6_ADDRSTRLEN];

  if (ss->ss_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
      inet_ntop (AF_INET, &in->sin_addr, buf, sizeof buf);
      printf ("original-dst %s %u\n", buf, ntohs (in->sin_port));
    }
  else
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
      inet_ntop (AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      printf ("original-dst %s %u\n", buf, ntohs (in6->sin6_port));
    }
  fflush (stdout);
}

static int
wait_readable (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  int n = poll (&pfd, 1, TIMEOUT_MS);

  if (n == 0)
    errno = ETIMEDOUT;
  return n > 0 ? 0 : -1;
}

static int
listen_on (int fd, int udp, int port, int af)
{
  int one = 1;
  struct sockaddr_storage ss = { 0 };
  socklen_t len;

  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (af == AF_INET6)
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
      setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (port);
      len = sizeof *in6;
      if (udp)
        setsockopt (fd, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, &one, sizeof one);
    }
  else
    {
      struct sockaddr_in *in = (struct sockaddr_in *)&ss;
      in->sin_family = AF_INET;
      in->sin_port = htons (port);
      len = sizeof *in;
      if (udp)
        setsockopt (fd, IPPROTO_IP, IP_RECVORIGDSTADDR, &one, sizeof one);
    }
  if (bind (fd, (struct sockaddr *)&ss, len) < 0)
    return fail ("bind");
  if (!udp && listen (fd, 4) < 0)
    return fail ("listen");
  printf ("listening\n");
  fflush (stdout);
  if (wait_readable (fd) < 0)
    return fail ("waiting for a client");

  if (udp)
    {
      char data[512], control[256];
      struct iovec iov = { data, sizeof data };
      struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control
      };

      if (recvmsg (fd, &msg, 0) < 0)
        return fail ("recvmsg");
      for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_ORIGDSTADDR)
            || (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR))
          {
            struct sockaddr_storage orig = { 0 };
            memcpy (&orig, CMSG_DATA (c), c->cmsg_len - CMSG_LEN (0));
            print_addr (&orig);
            return 0;
          }
      errno = ENOENT;
      return fail ("no original destination on the datagram");
    }
  else
    {
      int conn = accept (fd, NULL, NULL);
      struct sockaddr_storage orig = { 0 };
      socklen_t olen = sizeof orig;
      int rc;

      if (conn < 0)
        return fail ("accept");
      rc = af == AF_INET6 ? getsockopt (conn, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &orig, &olen)
                          : getsockopt (conn, SOL_IP, SO_ORIGINAL_DST, &orig, &olen);
      if (rc < 0)
        {
          /* Not NATed: the connection came straight to us. */
          olen = sizeof orig;
          if (getsockname (conn, (struct sockaddr *)&orig, &olen) < 0)
            {
              rc = fail ("getsockname");
              close (conn);
              return rc;
            }
        }
      print_addr (&orig);
      close (conn);
      return 0;
    }
}

static int
do_listen (int udp, int port, int family)
{
  int af = family == 6 ? AF_INET6 : AF_INET;
  int fd = socket (af, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  int rc;

  if (fd < 0)
    return fail ("socket");
  rc = listen_on (fd, udp, port, af);
  close (fd);
  return rc;
}

static int
connect_with (int fd, int udp, const struct sockaddr_storage *ss, socklen_t len)
{
  struct pollfd pfd;
  int err = 0;
  socklen_t elen = sizeof err;

  if (udp)
    {
      if (sendto (fd, "probe", 5, 0, (const struct sockaddr *)ss, len) < 0)
        return fail ("sendto");
      return 0;
    }
  if (connect (fd, (const struct sockaddr *)ss, len) == 0)
    return 0;
  if (errno != EINPROGRESS)
    return fail ("connect");
  pfd.fd = fd;
  pfd.events = POLLOUT;
  if (poll (&pfd, 1, TIMEOUT_MS) <= 0)
    {
      errno = ETIMEDOUT;
      return fail ("connect");
    }
  getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  errno = err;
  return err == 0 ? 0 : fail ("connect");
}

static int
do_connect (int udp, const char *addr, int port)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  int fd;
  int rc;

  if (inet_pton (AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
    {
      ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
      ((struct sockaddr_in6 *)&ss)->sin6_port = htons (port);
      len = sizeof (struct sockaddr_in6);
    }
  else if (inet_pton (AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
    {
      ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
      ((struct sockaddr_in *)&ss)->sin_port = htons (port);
      len = sizeof (struct sockaddr_in);
    }
  else
    {
      fprintf (stderr, "probe: bad address '%s'\n", addr);
      return 2;
    }
  fd = socket (ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return fail ("socket");
  rc = connect_with (fd, udp, &ss, len);
  close (fd);
  return rc;
}

int
main (int argc, char **argv)
{
  int udp;

  if (argc < 4)
    {
      fprintf (stderr,
               "usage: probe listen tcp|udp PORT [4|6] | probe connect tcp|udp ADDR PORT\n");
      return 2;
    }
  udp = strcmp (argv[2], "udp") == 0;
  if (strcmp (argv[1], "listen") == 0)
    return do_listen (udp, atoi (argv[3]), argc > 4 ? atoi (argv[4]) : 4);
  if (strcmp (argv[1], "connect") == 0 && argc > 4)
    return do_connect (udp, argv[3], atoi (argv[4]));
  fprintf (stderr, "probe: bad arguments\n");
  return 2;
}
