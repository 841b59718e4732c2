#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Translations: the German and French catalogues are valid and complete
# against a template freshly extracted from the sources listed in
# po/POTFILES, and the program speaks them: an error message, its exit code,
# and --help, in German and French, and English without LANGUAGE.
#
# The catalogues come from MTP_LOCALEDIR (default: build/po, where meson's
# i18n module compiles them to LANG/LC_MESSAGES/mesh-tproxy.mo); the test
# build of the program (mesh-tproxy-test, src/mtp-test-hooks.h) binds the
# text domain there instead of the installed LOCALEDIR.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
: "${MESH_TPROXY_TEST:=$top/build/src/mesh-tproxy-test}"
MESH_TPROXY=$MESH_TPROXY_TEST
: "${MTP_LOCALEDIR:=$top/build/po}"
LANGS="de fr"

for tool in xgettext msgfmt msgcmp; do
  command -v "$tool" > /dev/null 2>&1 || tap_skip "$tool (gettext) is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mtp-i18n.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# head15 TEXT: the start of TEXT, for a diagnostic
head15() { printf '%s\n' "$1" | head -n 15; }

# contains DESCRIPTION TEXT NEEDLE: TEXT contains NEEDLE
contains() {
  case $2 in
    *"$3"*) tap_ok "$1" ;;
    *) tap_not_ok "$1" "missing: $3" "in:" "$(head15 "$2")" ;;
  esac
}

# lacks DESCRIPTION TEXT NEEDLE: TEXT does not contain NEEDLE
lacks() {
  case $2 in
    *"$3"*) tap_not_ok "$1" "unexpected: $3" "in:" "$(head15 "$2")" ;;
    *) tap_ok "$1" ;;
  esac
}

# mtp LANGUAGE ARG…: the program in a UTF-8 locale with LANGUAGE set, or
# unset for "-" (LC_ALL=C would ignore LANGUAGE; C.UTF-8 does not). Sets
# $out (stdout and stderr) and $rc.
mtp() {
  lang=$1; shift
  if [ "$lang" = - ]; then
    out=$(unset LANGUAGE; LC_ALL=C.UTF-8 MTP_LOCALEDIR="$MTP_LOCALEDIR" "$MESH_TPROXY" "$@" 2>&1)
  else
    out=$(LC_ALL=C.UTF-8 LANGUAGE=$lang MTP_LOCALEDIR="$MTP_LOCALEDIR" "$MESH_TPROXY" "$@" 2>&1)
  fi
  rc=$?
}

# 1. The catalogues: valid, complete against a fresh template (the xgettext
# arguments of meson's i18n.gettext preset 'glib'), compiled where we look.
xgettext --from-code=UTF-8 --add-comments --language=C --package-name=mesh-tproxy \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
  --directory="$top" --files-from="$top/po/POTFILES" -o "$tmp/mesh-tproxy.pot" \
  > "$tmp/xgettext.log" 2>&1
check "xgettext extracts a template from po/POTFILES" 0 "$?"
n=$(grep -c '^msgid ' "$tmp/mesh-tproxy.pot" 2> /dev/null)
n=$((${n:-1} - 1)) # less the header
if [ "$n" -gt 0 ]; then tap_ok "the template has $n messages"; else
  tap_not_ok "the template has messages" "$(cat "$tmp/xgettext.log")"; fi

for l in $LANGS; do
  po=$top/po/$l.po
  # msgfmt --check: syntax, header, c-format directives matching the msgid.
  if stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1); then
    tap_ok "msgfmt --check po/$l.po"
  else
    tap_not_ok "msgfmt --check po/$l.po" "$stats"
  fi
  case $stats in
    *untranslated* | *fuzzy*) tap_not_ok "po/$l.po: no untranslated or fuzzy message" "$stats" ;;
    *) tap_ok "po/$l.po: no untranslated or fuzzy message" ;;
  esac
  # msgcmp: every msgid of the template is in the catalogue, translated and
  # not fuzzy (untranslated and fuzzy entries count as missing).
  if cmp=$(msgcmp "$po" "$tmp/mesh-tproxy.pot" 2>&1); then
    tap_ok "po/$l.po translates every message of a fresh template"
  else
    tap_not_ok "po/$l.po translates every message of a fresh template" "$cmp"
  fi
  header=$(msgfmt -o - "$po" 2> /dev/null | msgunfmt 2> /dev/null | sed -n '1,/^$/p')
  contains "po/$l.po: Language header" "$header" "Language: $l\\n"
  contains "po/$l.po: UTF-8 charset" "$header" "charset=UTF-8"
  contains "po/$l.po: Plural-Forms header" "$header" "Plural-Forms: nplurals=2;"
  mo=$MTP_LOCALEDIR/$l/LC_MESSAGES/mesh-tproxy.mo
  if [ -f "$mo" ]; then tap_ok "$l catalogue compiled: $mo"; else
    tap_not_ok "$l catalogue compiled: $mo" \
      "missing: is '$l' in po/LINGUAS (then meson setup --reconfigure)?"
  fi
done

# 2. An error message in each language, and its exit code.
en_error="port '0' is out of range (1-65535)"
for l in $LANGS; do
  # shellcheck disable=SC1111 # typographic quotes, as in the catalogue
  case $l in
    de) error="Port „0“ liegt außerhalb des gültigen Bereichs (1-65535)"
        option="Option --redirect-inbound-port: "
        usage="Befehle:" cmd_summary="Die gewünschten Regeln ausgeben"
        opt_desc="Eingehenden TCP-Verkehr zum Proxy umleiten (Vorgabe: true)" ;;
    fr) error="le port « 0 » est hors limites (1-65535)"
        option="option --redirect-inbound-port : "
        usage="Commandes :" cmd_summary="Afficher les règles voulues"
        opt_desc="Rediriger le trafic TCP entrant vers le proxy (par défaut : true)" ;;
  esac
  mtp "$l" show --redirect-inbound-port 0
  check "LANGUAGE=$l: a bad option value exits 2" 2 "$rc"
  contains "LANGUAGE=$l: the range error is translated" "$out" "$option$error"
  lacks "LANGUAGE=$l: no English range error" "$out" "out of range"

  mtp "$l" --help
  check "LANGUAGE=$l: --help exits 0" 0 "$rc"
  contains "LANGUAGE=$l: --help lists the commands in $l" "$out" "$usage"
  contains "LANGUAGE=$l: --help summarises show in $l" "$out" "$cmd_summary"
  lacks "LANGUAGE=$l: --help has no English summary" "$out" "Print the desired rules"

  mtp "$l" show --help
  check "LANGUAGE=$l: show --help exits 0" 0 "$rc"
  contains "LANGUAGE=$l: show --help describes the options in $l" "$out" "$opt_desc"
  lacks "LANGUAGE=$l: show --help has no English description" "$out" "Redirect inbound TCP traffic"
done

# 3. Without LANGUAGE (and the catalogues still bound), English.
mtp - show --redirect-inbound-port 0
check "LANGUAGE unset: a bad option value exits 2" 2 "$rc"
contains "LANGUAGE unset: the range error is in English" "$out" "option --redirect-inbound-port: $en_error"
mtp - show --help
contains "LANGUAGE unset: show --help is in English" "$out" "Redirect inbound TCP traffic to the proxy (default: true)"

tap_done
