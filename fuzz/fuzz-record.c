/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "mtp-error.h"
#include "mtp-record.h"

/* The install record's parser (mtp-record.h), for the input of each store:
 *  - it fails with MTP_ERROR_INVALID_CONFIG, or
 *  - it gives chains that are ours by name and rules in a built-in or our
 *    chain, and the record written from them parses back to the same
 *    entries, which write the same text again. */

static void
check_store (MtpRecordStore store, const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MtpDirect) entries = mtp_record_from_data (store, (const char *)data, size, &error);
  g_autofree char *text = NULL;
  g_autofree char *again_text = NULL;
  g_autoptr (MtpDirect) again = NULL;

  if (entries == NULL)
    {
      FUZZ_CHECK (g_error_matches (error, MTP_ERROR, MTP_ERROR_INVALID_CONFIG),
                  "refused with another error: %s", error != NULL ? error->message : "none");
      return;
    }
  for (guint i = 0; i < entries->chains->len; i++)
    {
      const MtpDirectChain *c = entries->chains->pdata[i];
      FUZZ_CHECK (mtp_direct_chain_name_is_ours (c->chain), "chain '%s' accepted", c->chain);
    }
  for (guint i = 0; i < entries->rules->len; i++)
    {
      const MtpDirectRule *r = entries->rules->pdata[i];
      static const char *const builtin[]
          = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", NULL };
      FUZZ_CHECK (mtp_direct_chain_name_is_ours (r->chain) || g_strv_contains (builtin, r->chain),
                  "a rule in chain '%s' accepted", r->chain);
    }
  text = mtp_record_to_data (store, entries);
  again = mtp_record_from_data (store, text, strlen (text), &error);
  FUZZ_CHECK (again != NULL, "written back, it does not parse: %s\n%s", error->message, text);
  FUZZ_CHECK (fuzz_direct_equal (entries, again), "written back, it reads differently:\n%s", text);
  again_text = mtp_record_to_data (store, again);
  FUZZ_CHECK (strcmp (text, again_text) == 0, "written twice, two texts:\n%s\n%s", text,
              again_text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_init ();
  for (MtpRecordStore s = 0; s < MTP_RECORD_N_STORES; s++)
    check_store (s, data, size);
  return 0;
}
