/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/stat.h>

#include "mtp-direct.h"

G_BEGIN_DECLS

/* Every limit of mesh-tproxy, in one place: how much it reads, how much it
 * builds, and how much it leaves in a store. mesh-tproxy(8) lists each under
 * LIMITS by the name in its comment (tests/test-man.sh checks that the page
 * and this header agree), and every message about one names it, its value and
 * what went past it. Each exceeded limit is an error (exit 2) before anything
 * is changed; none is a crash.
 *
 * What mesh-tproxy writes stays well inside what it reads back: a store it
 * cannot read would lock it out of its own rules (install, status and
 * uninstall would all refuse). So a write is refused when it would make the
 * store larger than its write limit, which leaves the other half of the read
 * limit to other programs' entries, unless it does not make the store larger
 * (an uninstall never does). */

/* Files. Read only when regular (a FIFO would block, /dev/zero never end, a
 * directory is nothing to read), opened without blocking, symbolic links
 * followed (/etc/resolv.conf is one where systemd-resolved runs), never read
 * past the limit, and a file that grows while it is read is refused too.
 * Each limit below has a comment that starts with its name. */

/* config-file-size: the configuration file (--config). */
#define MTP_LIMIT_CONFIG_FILE_SIZE (1024 * 1024)
/* resolv-conf-size: resolv.conf (--resolv-conf). */
#define MTP_LIMIT_RESOLV_CONF_SIZE (1024 * 1024)
/* direct-xml-size: direct.xml, read. */
#define MTP_LIMIT_DIRECT_XML_SIZE (16 * 1024 * 1024)
/* system-file-size: firewalld.conf, firewalld's version file, the kernel's
 * /proc files and module lists. */
#define MTP_LIMIT_SYSTEM_FILE_SIZE (16 * 1024 * 1024)

/* Values. */
/* nameservers: nameserver lines in resolv.conf, duplicates included (glibc
 * reads three). */
#define MTP_LIMIT_NAMESERVERS 256
/* option-values: the values of one option: the elements of one list, or the
 * repeats of a repeatable option (--vnet, --exclude-outbound-ports-for-uids),
 * duplicates included. Every port once is 65535. */
#define MTP_LIMIT_OPTION_VALUES 65536
/* entry-arguments: the arguments of one direct.xml entry. This one and the
 * next two are what iptables takes: iptables-restore, which firewalld applies
 * direct rules with, splits a line into at most 255 words of at most 1 KiB
 * each, and a chain name must be "under 29 chars". */
#define MTP_LIMIT_ENTRY_ARGUMENTS 255
/* entry-size: the text of one direct.xml entry. */
#define MTP_LIMIT_ENTRY_SIZE (256 * 1024)
/* chain-name-length: the bytes of a chain name in direct.xml. */
#define MTP_LIMIT_CHAIN_NAME_LENGTH 28

/* What is built and written. */
/* rules: the rules of one rule set, both families together. It also keeps
 * every kind of rule inside its band of firewalld priorities (mtp-rule.h). */
#define MTP_LIMIT_RULES 100000
/* direct-xml-write-size: the largest direct.xml a run leaves, written by
 * mesh-tproxy or, from its permanent update, by firewalld. */
#define MTP_LIMIT_DIRECT_XML_WRITE_SIZE (8 * 1024 * 1024)
/* dbus-size: the largest direct configuration a run leaves in firewalld, as
 * D-Bus carries it to the next run (the runtime rules in one getAllRules
 * answer, the permanent configuration in one getSettings answer): half the
 * 32 MiB a system bus passes at most (dbus-daemon's default
 * max_message_size). */
#define MTP_LIMIT_DBUS_SIZE (16 * 1024 * 1024)

/* "the limit 'NAME', see LIMITS in mesh-tproxy(8)", for messages. */
char *mtp_limit_reference (const char *name);

/* "16 MiB", "256 KiB" or "N bytes". */
char *mtp_limit_format_size (guint64 size);

/* Reads the regular file PATH (links followed), of at most LIMIT bytes;
 * NAME is the limit's name for messages. *contents is NUL-terminated; st (may
 * be NULL) receives the attributes of the file read. Errors carry no path
 * (the caller adds it): G_FILE_ERROR for what open() and read() say (e.g.
 * G_FILE_ERROR_NOENT), MTP_ERROR_INVALID_CONFIG for "not a regular file" and
 * for a file larger than LIMIT. Nothing but a regular file is ever opened. */
gboolean mtp_limits_read_file (const char *path, gsize limit, const char *name, char **contents,
                               gsize *length, struct stat *st, GError **error);

/* The same for files of the system, whose absence or failure only means
 * "unknown": the contents, or NULL (--verbose says why). */
char *mtp_limits_read_system_file (const char *path);

/* Whether a run may leave FOREIGN and OURS in firewalld, where BEFORE is
 * there now: its runtime rules (permanent FALSE) or its permanent
 * configuration (permanent TRUE; also as the direct.xml firewalld writes from
 * it) must stay within dbus-size and direct-xml-write-size, or be no larger
 * than BEFORE's. MTP_ERROR_INVALID_ARGS, naming the limit, otherwise. */
gboolean mtp_limits_check_firewalld (const MtpDirect *before, const MtpDirect *foreign,
                                     const MtpDirect *ours, gboolean permanent, GError **error);

/* The same for a direct.xml of NEW_SIZE bytes that replaces one of
 * OLD_SIZE (0: none). */
gboolean mtp_limits_check_direct_xml (const char *path, gsize new_size, gsize old_size,
                                      GError **error);

/* When the direct.xml at PATH could not be read because it is larger than
 * direct-xml-size, adds to ERROR (may be NULL) how to remove our rules
 * anyway: for an uninstall. */
void mtp_limits_explain_unreadable (const char *path, GError *error);

/* The size of the body of the D-Bus message that carries the union of A and
 * B (may be NULL): the answer to getAllRules (rules_only) or getSettings. */
gsize mtp_limits_dbus_body_size (const MtpDirect *a, const MtpDirect *b, gboolean rules_only);

/* The size of the direct.xml firewalld writes for D (src/firewall/core/io/
 * direct.py: its XML declaration, one element a line, attributes in double
 * quotes, arguments shell-quoted); D NULL: an empty one. */
gsize mtp_limits_firewalld_xml_size (const MtpDirect *d);

G_END_DECLS
