/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>
#include <glib/gi18n.h>
#include <string.h>

#include "mtp-error.h"
#include "mtp-xml.h"

MtpXmlApi mtp_xml;

#define SYMBOL(name)                                                                               \
  {                                                                                                \
    "xml" #name, G_STRUCT_OFFSET (MtpXmlApi, name)                                                 \
  }

static const struct
{
  const char *name;
  glong offset;
} symbols[] = {
  SYMBOL (AddChild),
  SYMBOL (AddNextSibling),
  SYMBOL (AddPrevSibling),
  SYMBOL (CtxtReadMemory),
  SYMBOL (DocDumpFormatMemoryEnc),
  SYMBOL (DocDumpMemoryEnc),
  SYMBOL (DocGetRootElement),
  SYMBOL (DocSetRootElement),
  SYMBOL (FreeDoc),
  SYMBOL (FreeNode),
  SYMBOL (FreeParserCtxt),
  SYMBOL (GetLineNo),
  SYMBOL (GetNoNsProp),
  SYMBOL (HasNsProp),
  SYMBOL (InitParser),
  SYMBOL (NewChild),
  SYMBOL (NewDoc),
  SYMBOL (NewDocNode),
  SYMBOL (NewDocText),
  SYMBOL (NewNode),
  SYMBOL (NewParserCtxt),
  SYMBOL (NewProp),
  SYMBOL (NewTextChild),
  SYMBOL (SetStructuredErrorFunc),
  SYMBOL (StopParser),
  SYMBOL (UnlinkNode),
#if LIBXML_VERSION >= 21300
  SYMBOL (CtxtSetErrorHandler),
#endif
  SYMBOL (Free),
};

/* The first load's outcome: NULL while it succeeded, else its message. */
static char *
load_once (void)
{
  void *handle;

  /* RTLD_NODELETE: the library stays for the process's lifetime. */
  handle = dlopen (MTP_LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == NULL)
    return g_strdup_printf (_ ("cannot load %s, which reads and writes direct.xml: %s"),
                            MTP_LIBXML2_SONAME, dlerror ());
  for (gsize i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      void *address;

      dlerror ();
      address = dlsym (handle, symbols[i].name);
      if (address == NULL)
        {
          const char *why = dlerror ();

          memset (&mtp_xml, 0, sizeof mtp_xml);
          return g_strdup_printf (_ ("cannot load %s, which reads and writes direct.xml: %s"),
                                  MTP_LIBXML2_SONAME,
                                  why != NULL ? why : _ ("a function is missing"));
        }
      memcpy (G_STRUCT_MEMBER_P (&mtp_xml, symbols[i].offset), &address, sizeof address);
    }
  xmlInitParser ();
  return NULL;
}

gboolean
mtp_xml_load (GError **error)
{
  static gsize done;
  static char *failure;

  if (g_once_init_enter (&done))
    {
      failure = load_once ();
      g_once_init_leave (&done, 1);
    }
  if (failure != NULL)
    {
      g_set_error_literal (error, MTP_ERROR, MTP_ERROR_FAILED, failure);
      return FALSE;
    }
  return TRUE;
}
