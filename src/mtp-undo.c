/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "mtp-error.h"
#include "mtp-netlink.h"
#include "mtp-undo.h"

typedef struct
{
  char *what;
  MtpUndoFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Step;

struct _MtpUndo
{
  GPtrArray *steps; /* of Step, oldest first */
};

static void
step_free (gpointer p)
{
  Step *s = p;

  if (s->destroy != NULL)
    s->destroy (s->data);
  g_free (s->what);
  g_free (s);
}

MtpUndo *
mtp_undo_new (void)
{
  MtpUndo *undo = g_new0 (MtpUndo, 1);

  undo->steps = g_ptr_array_new_with_free_func (step_free);
  return undo;
}

void
mtp_undo_free (MtpUndo *undo)
{
  if (undo == NULL)
    return;
  g_ptr_array_unref (undo->steps);
  g_free (undo);
}

void
mtp_undo_push (MtpUndo *undo, const char *what, MtpUndoFunc func, gpointer data,
               GDestroyNotify destroy)
{
  Step *s = g_new0 (Step, 1);

  s->what = g_strdup (what);
  s->func = func;
  s->data = data;
  s->destroy = destroy;
  g_ptr_array_add (undo->steps, s);
}

guint
mtp_undo_get_length (const MtpUndo *undo)
{
  return undo->steps->len;
}

static void
forget (MtpUndo *undo, guint since, MtpUndoFunc func)
{
  for (guint i = undo->steps->len; i > since; i--)
    if (((Step *)undo->steps->pdata[i - 1])->func == func)
      g_ptr_array_remove_index (undo->steps, i - 1);
}

gboolean
mtp_undo_run (MtpUndo *undo, char **what, GError **error)
{
  g_autoptr (GString) done = g_string_new (NULL);
  g_autoptr (GString) failed = g_string_new (NULL);

  for (guint i = undo->steps->len; i > 0; i--)
    {
      Step *s = undo->steps->pdata[i - 1];
      g_autoptr (GError) local_error = NULL;

      if (s->func (s->data, &local_error))
        g_string_append_printf (done, "%s%s", done->len > 0 ? ", " : "", s->what);
      else
        g_string_append_printf (failed, "%s%s: %s", failed->len > 0 ? "; " : "", s->what,
                                local_error->message);
    }
  g_ptr_array_set_size (undo->steps, 0);
  if (what != NULL)
    *what = g_strdup (done->str);
  if (failed->len == 0)
    return TRUE;
  g_set_error_literal (error, MTP_ERROR, MTP_ERROR_FAILED, failed->str);
  return FALSE;
}

/* The steps of each store. */

typedef struct
{
  MtpFirewalld *fw; /* the run's */
  MtpDirectPlan *plan;
} Runtime;

static void
runtime_free (gpointer p)
{
  Runtime *u = p;

  mtp_direct_plan_free (u->plan);
  g_free (u);
}

static gboolean
undo_runtime (gpointer p, GError **error)
{
  Runtime *u = p;

  return mtp_firewalld_revert_runtime (u->fw, u->plan, error);
}

void
mtp_undo_push_firewalld_runtime (MtpUndo *undo, MtpFirewalld *fw, const MtpDirectPlan *plan)
{
  Runtime *u;

  if (mtp_direct_plan_is_empty (plan))
    return;
  u = g_new0 (Runtime, 1);
  u->fw = fw;
  u->plan = mtp_direct_plan_invert (plan);
  mtp_undo_push (undo, _ ("firewalld's runtime changes"), undo_runtime, u, runtime_free);
}

void
mtp_undo_forget_firewalld_runtime (MtpUndo *undo, guint since)
{
  forget (undo, since, undo_runtime);
}

typedef struct
{
  MtpFirewalld *fw;
  MtpDirect *before;
} Permanent;

static void
permanent_free (gpointer p)
{
  Permanent *u = p;

  mtp_direct_free (u->before);
  g_free (u);
}

static gboolean
undo_permanent (gpointer p, GError **error)
{
  Permanent *u = p;

  return mtp_firewalld_write_permanent (u->fw, u->before, error);
}

void
mtp_undo_push_firewalld_permanent (MtpUndo *undo, MtpFirewalld *fw, MtpDirect *before)
{
  Permanent *u = g_new0 (Permanent, 1);

  u->fw = fw;
  u->before = before;
  mtp_undo_push (undo, _ ("firewalld's permanent configuration"), undo_permanent, u,
                 permanent_free);
}

static gboolean
undo_direct_xml (gpointer p, GError **error)
{
  return mtp_direct_xml_revert (p, error);
}

void
mtp_undo_push_direct_xml (MtpUndo *undo, MtpDirectXml *xml)
{
  mtp_undo_push (undo, "direct.xml", undo_direct_xml, xml, (GDestroyNotify)mtp_direct_xml_free);
}

static gboolean
undo_iptc (gpointer p, GError **error)
{
  return mtp_iptc_undo_revert (p, error);
}

void
mtp_undo_push_iptc (MtpUndo *undo, MtpIptcUndo *iptc)
{
  mtp_undo_push (undo, _ ("the iptables-legacy tables"), undo_iptc, iptc,
                 (GDestroyNotify)mtp_iptc_undo_free);
}

typedef struct
{
  char *loopback;
  gboolean present; /* before the run */
} Address;

static void
address_free (gpointer p)
{
  Address *u = p;

  g_free (u->loopback);
  g_free (u);
}

static gboolean
undo_address (gpointer p, GError **error)
{
  Address *u = p;
  gboolean changed = FALSE;

  return mtp_passthrough_address_set (u->loopback, u->present, &changed, error);
}

void
mtp_undo_push_address (MtpUndo *undo, const char *loopback, gboolean present_before)
{
  Address *u = g_new0 (Address, 1);
  g_autofree char *what = g_strdup_printf (_ ("::6/128 on '%s'"), loopback);

  u->loopback = g_strdup (loopback);
  u->present = present_before;
  mtp_undo_push (undo, what, undo_address, u, address_free);
}
