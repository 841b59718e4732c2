/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A small streaming JSON writer: the output side is all the program needs, and
 * it keeps json-glib out of the dependencies. Strings must be UTF-8; invalid
 * sequences are replaced. */
typedef struct _MtpJson MtpJson;

MtpJson *mtp_json_new (void);
void mtp_json_begin_object (MtpJson *json);
void mtp_json_end_object (MtpJson *json);
void mtp_json_begin_array (MtpJson *json);
void mtp_json_end_array (MtpJson *json);
void mtp_json_key (MtpJson *json, const char *key);
void mtp_json_string (MtpJson *json, const char *value); /* NULL writes null */
void mtp_json_int (MtpJson *json, gint64 value);
void mtp_json_bool (MtpJson *json, gboolean value);
void mtp_json_strv (MtpJson *json, const char *const *values);
/* Ends with a newline; frees the writer. */
char *mtp_json_free_to_string (MtpJson *json);
void mtp_json_free (MtpJson *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpJson, mtp_json_free)

G_END_DECLS
