/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "mtp-direct.h"

G_BEGIN_DECLS

/* The permanent store while firewalld is not running: <config dir>/direct.xml,
 * read and written with libxml2 the way firewalld reads it. Entries that are
 * not ours are kept exactly (their elements, text and the comments between
 * them are not rewritten); ours are replaced. "Exactly" is as libxml2 writes
 * a parsed element back, which is byte for byte what firewalld and most
 * hands write; a file that uses other forms gets attribute values in double
 * quotes, single spaces between attributes, <x/> for an empty element, only
 * <, > and & escaped in text, and a new XML declaration (always UTF-8). */

typedef struct _MtpDirectXml MtpDirectXml;

/* Loads <dir>/direct.xml. A missing file is an empty configuration; a
 * missing directory is MTP_ERROR_NOT_FOUND. A file that firewalld would not
 * accept is an error (MTP_ERROR_INVALID_CONFIG, "'<path>': line N: <what>"):
 * not well-formed XML, a root other than <direct>, an unknown element or
 * attribute, a missing attribute, a priority that is not an integer (as
 * Python's int() reads it) or not an int32, args that do not split like
 * shlex, an ipv or table firewalld rejects; and what no iptables takes: a
 * chain name over 28 bytes, an entry with over 255 arguments or 256 KiB of
 * them. libxml2 runs without network access, DTD loading or entity
 * expansion, and prints nothing; a document with a <!DOCTYPE> (stopped at
 * once, before any declaration in it is read), a NUL byte (in 8-bit
 * encodings), anything but a regular file and files over direct-xml-size
 * (mtp-limits.h) are refused. A symbolic link is followed for reading (but
 * not replaced by mtp_direct_xml_save). A file that mtp_file_check_path does
 * not trust (others can write it, it belongs to neither root nor the caller,
 * …) is refused: MTP_ERROR_FAILED. */
MtpDirectXml *mtp_direct_xml_load (const char *dir, GError **error);
void mtp_direct_xml_free (MtpDirectXml *xml);

/* Everything in the file, as firewalld reads it: in document order, equal
 * entries after the first and rules or passthroughs without any text
 * left out. Follows mtp_direct_xml_set_ours. */
const MtpDirect *mtp_direct_xml_get (MtpDirectXml *xml);

/* Replaces our entries with desired's chains and rules, in memory. Ours are
 * the chains and rules mtp_direct_chain_name_is_ours/mtp_direct_rule_is_ours
 * claim, and any equal to one of desired's (the same entry to firewalld).
 * When they already are desired's, in the same order, nothing changes;
 * otherwise they are removed (with the blank text before each) and desired's
 * written one a line, chains after the last <chain>, rules after the last
 * <rule>. desired holds no passthroughs, only ipv4/ipv6 and iptables tables,
 * rules with args, and text XML can carry (no newline in args). */
/* known (may be NULL): further entries to treat as ours, e.g. the configured
 * rule set on uninstall, whose rules need not be recognisable by themselves. */
void mtp_direct_xml_set_ours (MtpDirectXml *xml, const MtpDirect *desired, const MtpDirect *known);

/* Writes the file, everything relative to one descriptor of the directory
 * (opened without following a link): a temporary file created exclusively
 * in it, never through a link; the mode, owner, group and SELinux context of
 * the file it replaces (a new file: mode 0644, as firewalld creates it, and
 * the policy's context where SELinux is enabled); fsync; the previous file
 * copied to direct.xml.old (as firewalld does, but through a temporary file
 * too); rename over direct.xml, fsync of the directory. Temporary files that
 * killed runs left behind are removed first. Refused before anything is
 * written (MTP_ERROR_FAILED, saying why and what to do): a directory that is a
 * symbolic link, or that mtp_file_check_trusted (mtp-file.h) does not trust
 * (users other than its owner can write it, unless it is sticky; it belongs
 * to neither root nor the caller; a directory above it that everyone can
 * write); a direct.xml that is a symbolic link; a document larger than
 * direct-xml-write-size that is larger than the file it replaces
 * (MTP_ERROR_INVALID_ARGS). No right to write in the directory is
 * MTP_ERROR_PERMISSION, also before anything is written. A direct.xml with
 * other names (hard links) is replaced; they keep the previous content. A
 * failure leaves direct.xml as it was and no temporary file. */
gboolean mtp_direct_xml_save (MtpDirectXml *xml, GError **error);

/* Puts direct.xml back as it was when it was loaded, byte for byte (or
 * removes it if there was none), written as mtp_direct_xml_save writes: for
 * a run that must take back a save it made. */
gboolean mtp_direct_xml_revert (MtpDirectXml *xml, GError **error);

/* Whether save may write the document: not larger than
 * direct-xml-write-size, or than the file read (mtp-limits.h); save checks
 * it too, before anything is written. MTP_ERROR_INVALID_ARGS otherwise. */
gboolean mtp_direct_xml_check_size (MtpDirectXml *xml, GError **error);

/* The serialised document (what save would write). */
char *mtp_direct_xml_to_string (MtpDirectXml *xml);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtpDirectXml, mtp_direct_xml_free)

G_END_DECLS
