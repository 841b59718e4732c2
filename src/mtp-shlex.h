/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The quoting firewalld uses for the arguments of a direct rule in
 * direct.xml: Python's shlex.quote() and shlex.split() (POSIX mode, no
 * comments). Not g_shell_quote()/g_shell_parse_argv(): those differ ('#'
 * starts a comment there, and quoting is chosen differently). */

/* shlex.quote: bare when the token is non-empty and only holds ASCII letters,
 * digits and "@%+=:,./-_"; else in single quotes, an embedded ' written as
 * '"'"'; the empty string as ''. */
char *mtp_shlex_quote (const char *token);

/* Tokens quoted and joined by single spaces: what firewalld writes. */
char *mtp_shlex_join (const char *const *tokens);

/* shlex.split(text) in POSIX mode with comments off: ' ', '\t', '\r' and
 * '\n' separate ('#' is an ordinary character), single quotes take
 * everything literally, double quotes take everything but let a backslash
 * escape only '"' and '\\' (before any other character, '$' and newline
 * included, the backslash stays), a backslash outside quotes escapes the
 * next character (a newline too: no line continuation). An unclosed quote
 * or a trailing backslash is an error ("No closing quotation" /
 * "No escaped character"), as in Python. Returns a NULL-terminated vector
 * (empty for blank text). */
char **mtp_shlex_split (const char *text, GError **error);

G_END_DECLS
