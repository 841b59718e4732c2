#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The man pages and the bash completion: both pages render without warnings
# (man-db and groff), mesh-tproxy(8) documents every option of every command
# under the right commands and every exit code, mesh-tproxy.conf(5) every key
# of the sample configuration; the completion offers the commands, the options
# of each command and the values of the enumerated options.
# The pages come from $MTP_MAN_DIR (the build's data directory), the program
# from $MESH_TPROXY.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_MAN_DIR:=$top/build/data}"
page8=$MTP_MAN_DIR/mesh-tproxy.8
page5=$MTP_MAN_DIR/mesh-tproxy.conf.5
completion=$top/data/completion/mesh-tproxy
sample=$top/data/mesh-tproxy.conf
commands="install uninstall status show"

if [ ! -x "$MESH_TPROXY" ]; then
  echo "Bail out! no executable '$MESH_TPROXY' (set MESH_TPROXY)"
  exit 1
fi
for f in "$page8" "$page5"; do
  [ -f "$f" ] || { echo "Bail out! no man page '$f' (set MTP_MAN_DIR)"; exit 1; }
done
for tool in man groff bash; do
  command -v "$tool" >/dev/null 2>&1 || tap_skip "$tool is not installed (tools/install-deps)"
done

# Option names as the program prints them, not translated.
LC_ALL=C.UTF-8
LANGUAGE=C
export LC_ALL LANGUAGE
unset G_MESSAGES_DEBUG
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-test-bus
export DBUS_SYSTEM_BUS_ADDRESS
tmp=$(mktemp -d) || { echo "Bail out! mktemp -d failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

words() { sort -u | tr '\n' ' ' | sed 's/ $//'; }
# help_options COMMAND: the long options of `mesh-tproxy COMMAND --help`
help_options() {
  "$MESH_TPROXY" "$1" --help | sed -n 's/^ *\(-h, \)\{0,1\}--\([a-z0-9-]*\).*/\2/p' | words
}
# roff_options FILE: every \-\-name written in a page, as name
roff_options() {
  grep -o '\\-\\-[a-z0-9]*\(\\-[a-z0-9]*\)*' "$1" | sed 's/\\-/-/g; s/^--//' | words
}
# missing WANTED HAVE: the words of WANTED not in HAVE
missing() {
  for w in $1; do
    case " $2 " in *" $w "*) ;; *) printf '%s ' "$w" ;; esac
  done
}

# 1. Rendering.
for page in "$page8" "$page5"; do
  name=$(basename "$page")
  err=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >"$tmp/out"); rc=$?
  if [ "$rc" -eq 0 ] && [ -z "$err" ] && [ -s "$tmp/out" ]; then
    tap_ok "$name: man --warnings -l renders it without warnings"
  else
    tap_not_ok "$name: man --warnings -l renders it without warnings" "exit $rc" "$err"
  fi
  err=$(groff -man -ww -z "$page" 2>&1); rc=$?
  if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
    tap_ok "$name: groff -man -ww -z prints no warnings"
  else
    tap_not_ok "$name: groff -man -ww -z prints no warnings" "exit $rc" "$err"
  fi
  version=$("$MESH_TPROXY" --version | sed 's/^mesh-tproxy //')
  if grep -q '@[A-Z_]*@' "$page"; then
    tap_not_ok "$name: configured" "$(grep '@[A-Z_]*@' "$page")"
  else
    check "$name: .TH names version $version" 1 \
      "$(grep -c "^\.TH .*\"mesh\\\\-tproxy $version\"" "$page")"
  fi
done

# 2. mesh-tproxy(8): sections.
sections=$(sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page8" | tr '\n' '|')
check "mesh-tproxy.8: sections" \
  "NAME|SYNOPSIS|DESCRIPTION|COMMANDS|OPTIONS|BACKENDS|INSTALL RECORDS|LOCKING|SIGNALS|FIREWALLD CAVEATS|EXIT STATUS|JSON OUTPUT|LIMITS|ENVIRONMENT|FILES|EXAMPLES|SEE ALSO|" \
  "$sections"

# 3. Every option of every command, under that command. An option's entry is
# ".TP", a line naming \-\-NAME, then "[cmd, cmd]" or "[all commands]".
awk '
  /^\.TP/ { tp = NR; next }
  NR == tp + 1 && match($0, /\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*/) {
    name = substr($0, RSTART, RLENGTH); gsub(/\\-/, "-", name); sub(/^--/, "", name); next
  }
  NR == tp + 2 && name != "" && /^\[/ {
    cmds = $0; sub(/^\[/, "", cmds); sub(/\].*/, "", cmds); gsub(/,/, "", cmds)
    if (cmds == "all commands") cmds = "install uninstall status show"
    print name, cmds
  }
  NR > tp + 2 { name = "" }
' "$page8" > "$tmp/attributed"
in_page=$(roff_options "$page8")
all_options=
for cmd in $commands; do
  help=$(help_options "$cmd")
  all_options="$all_options $help"
  check "mesh-tproxy.8 names every option of '$cmd --help'" "" "$(missing "$help" "$in_page")"
  documented=$(awk -v c="$cmd" '{ for (i = 2; i <= NF; i++) if ($i == c) print $1 }' \
    "$tmp/attributed" | words)
  check "mesh-tproxy.8 attributes to '$cmd' exactly the options of '$cmd --help'" \
    "$help" "$documented"
done
# shellcheck disable=SC2086 # split on purpose
all_options=$(printf '%s\n' $all_options | words)

# 4. Exit codes: those of src/mtp-error.h, each an entry of EXIT STATUS.
codes_h=$(sed -n 's/^ *MTP_EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$top/src/mtp-error.h" | words)
check "src/mtp-error.h defines exit codes 0-9" "0 1 2 3 4 5 6 7 8 9" "$codes_h"
codes_8=$(awk '/^\.SH/ { ins = ($0 == ".SH EXIT STATUS") } ins && /^\.B [0-9]+$/ { print $2 }' \
  "$page8" | words)
check "mesh-tproxy.8 EXIT STATUS documents every exit code" "$codes_h" "$codes_8"

# 4b. JSON OUTPUT documents every key of the --json object: each key the
# source writes (its last name), and each key path of real objects: a run
# that fails at once, and (as root, in a fresh network namespace) a status
# through libiptc with stores. Nothing documented that the program lacks.
awk '/^\.SH/ { ins = ($0 == ".SH JSON OUTPUT") } ins && /^\.TP/ { tp = NR; next }
  ins && NR == tp + 1 && /^\.B / { print $2 }' "$page8" | words > "$tmp/json_doc"
json_doc=$(cat "$tmp/json_doc")
json_src=$(grep -ohE '(mtp_json_key \(j, |json_strings \(j, )"[a-z_]+"' "$top"/src/*.c |
  sed 's/.*"\([a-z_]*\)"/\1/' | words)
leaves=$(for k in $json_doc; do printf '%s\n' "${k##*.}"; done | words)
check "mesh-tproxy.8 JSON OUTPUT documents every key the source writes" "$json_src" "$leaves"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
# json_paths: the key paths of the JSON object on stdin (stores[].x, firewalld.x)
json_paths() {
  "$PYTHON" -c '
import json, sys
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            p = path + "." + k if path else k
            print(p); walk(x, p)
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict): walk(x, path + "[]")
walk(json.load(sys.stdin), "")'
}
"$MESH_TPROXY" install --json --no-such-option 2>/dev/null | json_paths > "$tmp/paths"
if [ "$(id -u)" -eq 0 ]; then
  MESH_TPROXY_LOCK_FILE=$tmp/lock unshare --net -- "$MESH_TPROXY" status --json --kuma-dp-user 0 \
    2>/dev/null | json_paths >> "$tmp/paths"
fi
grep -q '^stores\[\]\.' "$tmp/paths" || [ "$(id -u)" -ne 0 ] ||
  echo "no stores in the status object" >> "$tmp/paths"
check "mesh-tproxy.8 JSON OUTPUT documents every key path of real --json objects" "" \
  "$(missing "$(words < "$tmp/paths")" "$json_doc")"
# 4c. Limits: every one of src/mtp-limits.h (a "/* NAME:" comment, then its
# #define) is an entry of LIMITS with its value (sizes in MiB or KiB), and
# LIMITS names no other.
limits_h=$(awk '
  match($0, /^\/\* [a-z-]+:/) { name = substr($0, 4, RLENGTH - 4); next }
  name != "" && /^#define MTP_LIMIT_/ { $1 = ""; $2 = ""; print name, $0; name = "" }
' "$top/src/mtp-limits.h" | while read -r name expr; do
  v=$(($expr))
  case $name in *-size)
    if [ "$v" -ge 1048576 ] && [ $((v % 1048576)) -eq 0 ]; then v="$((v / 1048576)) MiB"
    elif [ "$v" -ge 1024 ] && [ $((v % 1024)) -eq 0 ]; then v="$((v / 1024)) KiB"; fi ;;
  esac
  echo "$name ($v)"
done | sort)
limits_8=$(awk '/^\.SH/ { ins = ($0 == ".SH LIMITS") } ins && /^\.BR /' "$page8" |
  grep -o '[a-z\\-]* " ([^)]*)"' | sed 's/\\-/-/g; s/ "//; s/"$//' | sort)
check "src/mtp-limits.h defines 12 limits" 12 "$(printf '%s\n' "$limits_h" | grep -c .)"
check "mesh-tproxy.8 LIMITS lists every limit of src/mtp-limits.h with its value" \
  "$(printf '%s' "$limits_h" | tr '\n' '|')" "$(printf '%s' "$limits_8" | tr '\n' '|')"

# 5. Files, environment, examples, references.
for s in '/etc/mesh\-tproxy/mesh\-tproxy.conf' '/etc/firewalld/direct.xml' \
  '/etc/firewalld/direct.xml.old' '/run/xtables.lock' DBUS_SYSTEM_BUS_ADDRESS XTABLES_LOCKFILE \
  'mesh\-tproxy install \-\-kuma\-dp\-user kuma\-dp \-\-skip\-resolv\-conf \-\-store\-firewalld' \
  '.BR mesh\-tproxy.conf (5),' '.BR firewalld.direct (5),' '.BR iptables (8),' \
  '.BR systemd.unit (5)' StrictForwardPorts RFC3964_IPv4 lockdown polkit; do
  if grep -qF -- "$s" "$page8"; then :; else echo "$s" >> "$tmp/absent"; fi
done
check "mesh-tproxy.8 names its files, environment, seed example and references" "" \
  "$(cat "$tmp/absent" 2>/dev/null)"

# 6. mesh-tproxy.conf(5): the keys of the sample configuration, and no others;
# the options that are not keys are refused in a file, and the sample's
# defaults are accepted.
keys=$(sed -n 's/^# \([a-z0-9-]*\)=.*/\1/p' "$sample" | words)
check "data/mesh-tproxy.conf lists keys" yes "$([ -n "$keys" ] && echo yes || echo no)"
keys_5=$(sed -n 's/^\.BR \([a-z0-9\\-]*\) =.*/\1/p' "$page5" | sed 's/\\-/-/g' | words)
check "mesh-tproxy.conf.5 documents exactly the keys of data/mesh-tproxy.conf" "$keys" "$keys_5"
bad=
for opt in $all_options; do
  [ "$opt" = help ] && continue
  case " $keys " in *" $opt "*) continue ;; esac
  printf '[mesh-tproxy]\n%s=true\n' "$opt" > "$tmp/cmdline.conf"
  out=$("$MESH_TPROXY" show --config "$tmp/cmdline.conf" --kuma-dp-user 0 2>&1 >/dev/null)
  rc=$?
  case "$rc:$out" in
    "2:"*"key '$opt' can only be given on the command line"*) ;;
    *) bad="$bad$opt(exit $rc) " ;;
  esac
  # mesh-tproxy.conf(5) lists it among the command-line-only options.
  roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
  grep -q "^\.BR\{0,1\} $roff\( ,\)\{0,1\}\$" "$page5" || bad="$bad$opt(not in page) "
done
check "options that are not keys are refused in a file (exit 2) and listed as such" "" "$bad"
{
  echo '[mesh-tproxy]'
  sed -n 's/^# \([a-z0-9-]*=[^ ]*\).*/\1/p' "$sample" | grep -v '=$'
} > "$tmp/defaults.conf"
out=$("$MESH_TPROXY" show --config "$tmp/defaults.conf" --kuma-dp-user 0 2>&1 >/dev/null)
check "the sample's defaults are accepted as a file" "0:" "$?:$out"

# 7. The completion, in bash, with the program on PATH as the user has it.
bindir=$(cd "$(dirname "$MESH_TPROXY")" && pwd)
if [ "$(basename "$MESH_TPROXY")" != mesh-tproxy ]; then
  ln -s "$MESH_TPROXY" "$tmp/mesh-tproxy"; bindir=$tmp
fi
mkdir -p "$tmp/files/adir"; : > "$tmp/files/afile"
# comp CWORD WORD... (after sourcing $preload, if set): the sorted replies of _mesh_tproxy
# shellcheck disable=SC2016 # expanded by bash -c
driver='
  [ -n "$1" ] && . "$1"
  . "$2" || exit 1
  shift 2
  COMP_CWORD=$1; shift
  COMP_WORDS=("$@"); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
  _mesh_tproxy
  printf "%s\n" "${COMPREPLY[@]}"
'
preload=
comp() {
  PATH="$bindir:$PATH" bash -c "$driver" bash "$preload" "$completion" "$@" | words
}
check "completion: mesh-tproxy <TAB> offers the commands" \
  "install show status uninstall" "$(comp 1 mesh-tproxy '')"
check "completion: mesh-tproxy st<TAB>" "status" "$(comp 1 mesh-tproxy st)"
check "completion: mesh-tproxy show --for<TAB>" "--format" "$(comp 2 mesh-tproxy show --for)"
check "completion: mesh-tproxy show --format <TAB> offers the formats" \
  "direct-xml firewall-cmd iptables json" "$(comp 3 mesh-tproxy show --format '')"
check "completion: mesh-tproxy show --format=<TAB> (split at =)" \
  "direct-xml firewall-cmd iptables json" "$(comp 3 mesh-tproxy show --format =)"
check "completion: mesh-tproxy show --format=f<TAB>" \
  "firewall-cmd" "$(comp 4 mesh-tproxy show --format = f)"
check "completion: --family" "ipv4 ipv6" "$(comp 3 mesh-tproxy show --family '')"
check "completion: --ip-family-mode" "dualstack ipv4" \
  "$(comp 3 mesh-tproxy install --ip-family-mode '')"
check "completion: --backend" "auto firewalld iptables" \
  "$(comp 3 mesh-tproxy status --backend '')"
check "completion: a boolean after =" "false true" \
  "$(comp 3 mesh-tproxy install --store-firewalld =)"
check "completion: a boolean's next word is not its value" "--format" \
  "$(comp 3 mesh-tproxy show --redirect-dns --form)"
check "completion: --config completes files" "$tmp/files/adir $tmp/files/afile" \
  "$(comp 3 mesh-tproxy install --config "$tmp/files/a")"
check "completion: --resolv-conf completes files" "$tmp/files/afile" \
  "$(comp 3 mesh-tproxy show --resolv-conf "$tmp/files/af")"
check "completion: --firewalld-config-dir completes directories" "$tmp/files/adir" \
  "$(comp 3 mesh-tproxy install --firewalld-config-dir "$tmp/files/a")"
install_opts=$(comp 2 mesh-tproxy install --)
case " $install_opts " in
  *" --format "*) has_format=yes ;;
  *) has_format=no ;;
esac
case " $install_opts " in
  *" --store-firewalld "*) has_store=yes ;;
  *) has_store=no ;;
esac
check "completion: install --<TAB> offers --store-firewalld, not --format" \
  "store:yes format:no" "store:$has_store format:$has_format"
for cmd in $commands; do
  check "completion: $cmd --<TAB> offers exactly the options of '$cmd --help'" \
    "$(help_options "$cmd" | tr ' ' '\n' | sed 's/^/--/' | words)" \
    "$(comp 2 mesh-tproxy "$cmd" --)"
done
check "completion: nothing after --" "" "$(comp 3 mesh-tproxy install -- --)"
bc=/usr/share/bash-completion/bash_completion
if [ -f "$bc" ]; then
  preload=$bc
  check "completion: with bash-completion loaded" "direct-xml firewall-cmd iptables json" \
    "$(comp 3 mesh-tproxy show --format '')"
  preload=
else
  tap_not_ok "completion: with bash-completion loaded" "no $bc (tools/install-deps: bash-completion)"
fi

tap_done
