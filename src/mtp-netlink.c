/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mtp-error.h"
#include "mtp-netlink.h"

static const struct in6_addr passthrough
    = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6 } } };

gboolean
mtp_passthrough_address_present (const char *loopback)
{
  struct ifaddrs *list = NULL;
  gboolean found = FALSE;

  if (getifaddrs (&list) != 0)
    return FALSE;
  for (struct ifaddrs *a = list; a != NULL && !found; a = a->ifa_next)
    found = a->ifa_addr != NULL && a->ifa_addr->sa_family == AF_INET6
            && strcmp (a->ifa_name, loopback) == 0
            && memcmp (&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, &passthrough,
                       sizeof passthrough)
                   == 0;
  freeifaddrs (list);
  return found;
}

gboolean
mtp_passthrough_address_set (const char *loopback, gboolean present, gboolean *changed,
                             GError **error)
{
  struct
  {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
    char attrs[64];
  } req;
  struct rtattr *rta;
  char reply[1024];
  unsigned int index = if_nametoindex (loopback);
  int fd, err = 0;
  ssize_t n;

  *changed = FALSE;
  if (index == 0)
    {
      g_set_error (error, MTP_ERROR, MTP_ERROR_FAILED, _ ("no interface '%s'"), loopback);
      return FALSE;
    }
  if (mtp_passthrough_address_present (loopback) == present)
    return TRUE;

  memset (&req, 0, sizeof req);
  req.nh.nlmsg_len = NLMSG_LENGTH (sizeof (struct ifaddrmsg));
  req.nh.nlmsg_type = present ? RTM_NEWADDR : RTM_DELADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (present ? NLM_F_CREATE | NLM_F_EXCL : 0);
  req.nh.nlmsg_seq = 1;
  req.ifa.ifa_family = AF_INET6;
  req.ifa.ifa_prefixlen = 128;
  /* No duplicate address detection on loopback: usable at once. */
  req.ifa.ifa_flags = IFA_F_NODAD;
  req.ifa.ifa_scope = RT_SCOPE_HOST;
  req.ifa.ifa_index = index;
  rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN (req.nh.nlmsg_len));
  rta->rta_type = IFA_LOCAL;
  rta->rta_len = RTA_LENGTH (sizeof passthrough);
  memcpy (RTA_DATA (rta), &passthrough, sizeof passthrough);
  req.nh.nlmsg_len = NLMSG_ALIGN (req.nh.nlmsg_len) + RTA_ALIGN (rta->rta_len);

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    err = errno;
  else if (send (fd, &req, req.nh.nlmsg_len, 0) < 0)
    err = errno;
  else if ((n = recv (fd, reply, sizeof reply, 0)) < 0)
    err = errno;
  else
    {
      struct nlmsghdr *h = (struct nlmsghdr *)reply;
      if (NLMSG_OK (h, (unsigned int)n) && h->nlmsg_type == NLMSG_ERROR)
        err = -((struct nlmsgerr *)NLMSG_DATA (h))->error;
    }
  if (fd >= 0)
    close (fd);
  if (err == EEXIST || (err == EADDRNOTAVAIL && !present))
    return TRUE;
  if (err != 0)
    {
      g_set_error (error, MTP_ERROR, err == EPERM ? MTP_ERROR_PERMISSION : MTP_ERROR_FAILED,
                   present ? _ ("adding ::6/128 to '%s': %s")
                           : _ ("removing ::6/128 from '%s': %s"),
                   loopback, g_strerror (err));
      return FALSE;
    }
  *changed = TRUE;
  return TRUE;
}
