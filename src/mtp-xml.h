/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libxml2, opened with dlopen the first time direct.xml is read or written
 * (mtp_xml_load), not linked: with the ICU and C++ libraries it pulls in,
 * libxml2 costs a run that never touches direct.xml (libiptc, firewalld
 * running) some 2-3 ms of dynamic linking, a quarter of a libiptc install.
 *
 * Include this header, never libxml2's: the libxml2 names below are macros
 * that call through the table filled by mtp_xml_load, so a libxml2 header
 * included after this one would not compile. Call mtp_xml_load before any of
 * them. The soname is the one of the libxml2 whose headers the program was
 * built with (MTP_LIBXML2_SONAME, from meson.build). */

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

G_BEGIN_DECLS

typedef struct
{
  __typeof__ (xmlAddChild) *AddChild;
  __typeof__ (xmlAddNextSibling) *AddNextSibling;
  __typeof__ (xmlAddPrevSibling) *AddPrevSibling;
  __typeof__ (xmlCtxtReadMemory) *CtxtReadMemory;
  __typeof__ (xmlDocDumpFormatMemoryEnc) *DocDumpFormatMemoryEnc;
  __typeof__ (xmlDocDumpMemoryEnc) *DocDumpMemoryEnc;
  __typeof__ (xmlDocGetRootElement) *DocGetRootElement;
  __typeof__ (xmlDocSetRootElement) *DocSetRootElement;
  __typeof__ (xmlFreeDoc) *FreeDoc;
  __typeof__ (xmlFreeNode) *FreeNode;
  __typeof__ (xmlFreeParserCtxt) *FreeParserCtxt;
  __typeof__ (xmlGetLineNo) *GetLineNo;
  __typeof__ (xmlGetNoNsProp) *GetNoNsProp;
  __typeof__ (xmlHasNsProp) *HasNsProp;
  __typeof__ (xmlInitParser) *InitParser;
  __typeof__ (xmlNewChild) *NewChild;
  __typeof__ (xmlNewDoc) *NewDoc;
  __typeof__ (xmlNewDocNode) *NewDocNode;
  __typeof__ (xmlNewDocText) *NewDocText;
  __typeof__ (xmlNewNode) *NewNode;
  __typeof__ (xmlNewParserCtxt) *NewParserCtxt;
  __typeof__ (xmlNewProp) *NewProp;
  __typeof__ (xmlNewTextChild) *NewTextChild;
  __typeof__ (xmlSetStructuredErrorFunc) *SetStructuredErrorFunc;
  __typeof__ (xmlStopParser) *StopParser;
  __typeof__ (xmlUnlinkNode) *UnlinkNode;
#if LIBXML_VERSION >= 21300
  __typeof__ (xmlCtxtSetErrorHandler) *CtxtSetErrorHandler;
#endif
  xmlFreeFunc *Free; /* libxml2's variable xmlFree */
} MtpXmlApi;

extern MtpXmlApi mtp_xml;

/* Opens libxml2 and resolves the functions above, once; later calls return
 * the first one's result. On failure: MTP_ERROR_FAILED, saying what could not
 * be loaded, and nothing of libxml2 may be called. */
gboolean mtp_xml_load (GError **error);

#define xmlAddChild               (mtp_xml.AddChild)
#define xmlAddNextSibling         (mtp_xml.AddNextSibling)
#define xmlAddPrevSibling         (mtp_xml.AddPrevSibling)
#define xmlCtxtReadMemory         (mtp_xml.CtxtReadMemory)
#define xmlDocDumpFormatMemoryEnc (mtp_xml.DocDumpFormatMemoryEnc)
#define xmlDocDumpMemoryEnc       (mtp_xml.DocDumpMemoryEnc)
#define xmlDocGetRootElement      (mtp_xml.DocGetRootElement)
#define xmlDocSetRootElement      (mtp_xml.DocSetRootElement)
#define xmlFreeDoc                (mtp_xml.FreeDoc)
#define xmlFreeNode               (mtp_xml.FreeNode)
#define xmlFreeParserCtxt         (mtp_xml.FreeParserCtxt)
#define xmlGetLineNo              (mtp_xml.GetLineNo)
#define xmlGetNoNsProp            (mtp_xml.GetNoNsProp)
#define xmlHasNsProp              (mtp_xml.HasNsProp)
#define xmlInitParser             (mtp_xml.InitParser)
#define xmlNewChild               (mtp_xml.NewChild)
#define xmlNewDoc                 (mtp_xml.NewDoc)
#define xmlNewDocNode             (mtp_xml.NewDocNode)
#define xmlNewDocText             (mtp_xml.NewDocText)
#define xmlNewNode                (mtp_xml.NewNode)
#define xmlNewParserCtxt          (mtp_xml.NewParserCtxt)
#define xmlNewProp                (mtp_xml.NewProp)
#define xmlNewTextChild           (mtp_xml.NewTextChild)
#define xmlSetStructuredErrorFunc (mtp_xml.SetStructuredErrorFunc)
#define xmlStopParser             (mtp_xml.StopParser)
#define xmlUnlinkNode             (mtp_xml.UnlinkNode)
#if LIBXML_VERSION >= 21300
#define xmlCtxtSetErrorHandler (mtp_xml.CtxtSetErrorHandler)
#endif
#undef xmlFree
#define xmlFree (*mtp_xml.Free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

G_END_DECLS
