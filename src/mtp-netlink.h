/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The proxy's IPv6 inbound passthrough address ::6/128 on the loopback
 * interface (Kuma's proxy connects to the local app from it), added and
 * removed over rtnetlink. Adding what is there and removing what is not are
 * not errors; *changed says whether anything changed. */
gboolean mtp_passthrough_address_set (const char *loopback, gboolean present, gboolean *changed,
                                      GError **error);

/* Whether ::6/128 is on the interface. */
gboolean mtp_passthrough_address_present (const char *loopback);

G_END_DECLS
