#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The command line end to end: exit codes, messages, output shapes, the config
# file. A TAP producer; the binary comes from $MESH_TPROXY (set by meson).
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
MESH_TPROXY=${MESH_TPROXY:-$srcdir/build/src/mesh-tproxy}
. "$srcdir/tests/lib/valgrind.sh"
if [ ! -x "$MESH_TPROXY" ]; then
  echo "Bail out! no executable '$MESH_TPROXY' (set MESH_TPROXY)"
  exit 1
fi
command -v python3 >/dev/null 2>&1 || { echo "Bail out! python3 is needed"; exit 1; }

# Messages are checked word for word: no translations.
LC_ALL=C
LANG=C
export LC_ALL LANG
unset LANGUAGE
unset G_MESSAGES_DEBUG
# Never the host's firewalld: a system bus that does not exist.
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-test-bus
export DBUS_SYSTEM_BUS_ADDRESS

tmp=$(mktemp -d) || { echo "Bail out! mktemp -d failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0

ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok() {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    echo "# $line"
  done
  if [ -s "$tmp/err" ]; then
    sed 's/^/# stderr: /' "$tmp/err" | head -n 20
  fi
  if [ -s "$tmp/out" ]; then
    sed 's/^/# stdout: /' "$tmp/out" | head -n 20
  fi
}

skip() {
  n=$((n + 1))
  echo "ok $n # SKIP $1"
}

# run ARGS…: runs the program; stdout in $tmp/out, stderr in $tmp/err, the
# exit code in $rc.
# As root, every run is in a fresh network namespace of its own: a command
# that applies rules (libiptc on a host without firewalld) never reaches the
# host's tables.
if [ "$(id -u)" -eq 0 ]; then netns="unshare --net --"; else netns=""; fi
run() {
  $netns "$MESH_TPROXY" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
}

# has FILE TEXT: FILE holds TEXT (a fixed string).
has() {
  grep -qF -- "$2" "$1"
}

# fails DESC CODE NEEDLE1 NEEDLE2 -- ARGS…: exits with CODE, prints nothing on
# stdout, and its message holds both needles (an empty needle is skipped).
fails() {
  desc=$1 code=$2 needle1=$3 needle2=$4
  shift 4
  [ "$1" = "--" ] && shift
  run "$@"
  if [ "$rc" -ne "$code" ]; then
    not_ok "$desc" "exit code $rc, expected $code" "command: mesh-tproxy $*"
  elif [ -s "$tmp/out" ]; then
    not_ok "$desc" "printed on stdout" "command: mesh-tproxy $*"
  elif [ -n "$needle1" ] && ! has "$tmp/err" "$needle1"; then
    not_ok "$desc" "stderr lacks: $needle1" "command: mesh-tproxy $*"
  elif [ -n "$needle2" ] && ! has "$tmp/err" "$needle2"; then
    not_ok "$desc" "stderr lacks: $needle2" "command: mesh-tproxy $*"
  else
    ok "$desc"
  fi
}

# report STATUS DESC: reports the status of the checks just run.
report() {
  if [ "$1" -eq 0 ]; then
    ok "$2"
  else
    not_ok "$2" "exit code $rc"
  fi
}

# exited CODE: the last run exited with CODE.
exited() {
  [ "$rc" -eq "$1" ]
}

# out_has TEXT / out_lacks TEXT / out_has_line LINE: about the last stdout.
out_has() {
  grep -qF -- "$1" "$tmp/out"
}
out_lacks() {
  ! grep -qF -- "$1" "$tmp/out"
}
out_has_line() {
  grep -qxF -- "$1" "$tmp/out"
}
err_has() {
  grep -qF -- "$1" "$tmp/err"
}


# --- bad input: exit code 2, a message naming the option and the value ------

{
  fails "port 0" 2 "--redirect-inbound-port" "'0'" -- \
    show --kuma-dp-user 0 --redirect-inbound-port 0
  fails "port 70000" 2 "--redirect-outbound-port" "'70000'" -- \
    show --kuma-dp-user 0 --redirect-outbound-port 70000
  fails "'abc' as a port" 2 "--redirect-dns-port" "'abc'" -- \
    show --kuma-dp-user 0 --redirect-dns-port abc
  fails "'abc' in a port list" 2 "--exclude-inbound-ports" "'abc'" -- \
    install --dry-run --kuma-dp-user 0 --exclude-inbound-ports 22,abc
  fails "port range start > end" 2 "--exclude-outbound-ports-for-uids" "'90-80'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ports-for-uids tcp:90-80:1000
  fails "unknown user" 2 "--kuma-dp-user" "'no-such-user-xyz'" -- \
    show --kuma-dp-user no-such-user-xyz
  fails "unknown user (install --dry-run)" 2 "--kuma-dp-user" "'no-such-user-xyz'" -- \
    install --dry-run --kuma-dp-user no-such-user-xyz
  fails "bad CIDR" 2 "--exclude-outbound-ips" "'10.0.0.1/33'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ips 10.0.0.1/33
  fails "bad address in --exclude-inbound-ips" 2 "--exclude-inbound-ips" "'10.0.0.256'" -- \
    show --kuma-dp-user 0 --exclude-inbound-ips 10.0.0.256
  fails "--vnet without ':'" 2 "--vnet" "'eth0'" -- \
    show --kuma-dp-user 0 --vnet eth0
  fails "--vnet with a bad CIDR" 2 "--vnet" "'notacidr'" -- \
    show --kuma-dp-user 0 --vnet eth0:notacidr
  fails "interface name longer than 15" 2 "--vnet" "'abcdefghijklmnop'" -- \
    show --kuma-dp-user 0 --vnet abcdefghijklmnop:10.0.0.0/8
  fails "interface name with '/'" 2 "--vnet" "'eth/0'" -- \
    show --kuma-dp-user 0 --vnet eth/0:10.0.0.0/8
  fails "interface name with a space" 2 "--vnet" "'eth 0'" -- \
    show --kuma-dp-user 0 --vnet "eth 0:10.0.0.0/8"
  fails "both DNS flags" 2 "--redirect-dns" "--redirect-all-dns-traffic" -- \
    show --kuma-dp-user 0 --redirect-dns --redirect-all-dns-traffic
  fails "unknown --ip-family-mode" 2 "--ip-family-mode" "'ipv5'" -- \
    show --kuma-dp-user 0 --ip-family-mode ipv5
  fails "unknown --format" 2 "--format" "'yaml'" -- \
    show --kuma-dp-user 0 --format yaml
  fails "uid spec http:1:1" 2 "--exclude-outbound-ports-for-uids" "'http'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ports-for-uids http:1:1
  fails "'*' as UIDs" 2 "--exclude-outbound-ports-for-uids" "'*'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ports-for-uids '*'
  fails "'tcp:*:*' (UIDs '*')" 2 "--exclude-outbound-ports-for-uids" "'*'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ports-for-uids 'tcp:*:*'
  fails "UID list 1,2,3" 2 "--exclude-outbound-ports-for-uids" "'1,2,3'" -- \
    show --kuma-dp-user 0 --exclude-outbound-ports-for-uids 1,2,3
  fails "bad boolean value" 2 "--redirect-dns" "'maybe'" -- \
    show --kuma-dp-user 0 --redirect-dns=maybe
  fails "equal inbound and outbound ports" 2 "--redirect-inbound-port" "15001" -- \
    show --kuma-dp-user 0 --redirect-inbound-port 15001
  fails "unknown subcommand" 2 "unknown command 'frobnicate'" "" -- \
    frobnicate
  fails "unknown option" 2 "--no-such-option" "" -- \
    show --kuma-dp-user 0 --no-such-option
  fails "option not valid for the command (--format for install)" 2 "--format" "" -- \
    install --dry-run --kuma-dp-user 0 --format json
  fails "option not valid for the command (--dry-run for show)" 2 "--dry-run" "" -- \
    show --kuma-dp-user 0 --dry-run
  fails "leftover argument '--redirect-inbound false'" 2 "'false'" "--option=VALUE" -- \
    show --kuma-dp-user 0 --redirect-inbound false
  fails "leftover argument after --dry-run" 2 "'yes'" "--option=VALUE" -- \
    install --dry-run yes --kuma-dp-user 0
  fails "no arguments: usage" 2 "Usage:" "COMMAND" --
}

# --- help and version ---------------------------------------------------------

for cmd in install uninstall status show; do
  run "$cmd" --help
  exited 0 && out_has "Usage:" && out_has "--config" && out_has "--help"
  report $? "$cmd --help exits 0 and lists its options"
done

run install --help
exited 0 && out_has "--dry-run" && out_has "--store-firewalld" && out_has "--kuma-dp-user" &&
  out_lacks "--format"
report $? "install --help has --dry-run, --store-firewalld, --kuma-dp-user, not --format"

run show -h
exited 0 && out_has "--format" && out_has "--family" && out_lacks "--dry-run"
report $? "show -h has --format and --family, not --dry-run"

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$srcdir/meson.build" 2>/dev/null | head -n 1)
run --version
exited 0 && grep -qE '^mesh-tproxy [0-9]+\.[0-9]+' "$tmp/out" &&
  { [ -z "$version" ] || out_has_line "mesh-tproxy $version"; }
report $? "--version prints the version"

run --help
exited 0 && out_has "Usage:" && out_has "install" && out_has "show"
report $? "--help prints the usage with the commands"

# --- without firewalld: the kernel's tables (each run in a fresh namespace) -----
# (no firewalld: DBUS_SYSTEM_BUS_ADDRESS points nowhere, see the top)

if [ -n "$netns" ]; then
  run status --kuma-dp-user 0
  exited 5 && out_has "status: not installed"
  report $? "status in an empty namespace: not installed (exit 5)"
  run install --kuma-dp-user 0
  exited 0 && out_has "iptables-legacy"
  report $? "install without firewalld uses the kernel's tables"
  mkdir -p "$tmp/fw"
  run uninstall --firewalld-config-dir "$tmp/fw"
  exited 0 && out_has "in sync" && [ ! -e "$tmp/fw/direct.xml" ]
  report $? "uninstall with nothing installed: nothing to do"
  run install --kuma-dp-user 0 --backend firewalld
  exited 1 && err_has "firewalld is not running"
  report $? "--backend firewalld without firewalld: a clear error"
else
  for d in status install uninstall backend; do ok "$d # SKIP needs root for a private network namespace"; done
fi

# --- libxml2 is opened only to read or write direct.xml (src/mtp-xml.h) ---------
# A libxml2 that does not load, first on the library path: once a file that is
# no library, once a library without libxml2's functions. What never touches
# direct.xml works; what does fails, says why, and changes nothing.

soname=${MTP_LIBXML2_SONAME:-$(sed -n 's/^#define MTP_LIBXML2_SONAME "\(.*\)"$/\1/p' \
  "$srcdir/build/config.h" 2>/dev/null)}
libz=$(for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /lib; do
  [ -e "$d/libz.so.1" ] && echo "$d/libz.so.1" && break; done)
mkdir -p "$tmp/notelf" "$tmp/nosyms" "$tmp/fwxml"
seq 1000 > "$tmp/notelf/$soname" # (text, longer than an ELF header)
[ -n "$libz" ] && cp "$libz" "$tmp/nosyms/$soname"
cat > "$tmp/fwxml/direct.xml" <<'EOT'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-p tcp --dport 22 -j ACCEPT</rule>
</direct>
EOT
cp "$tmp/fwxml/direct.xml" "$tmp/direct.xml.before"
if [ -z "$soname" ] || [ -z "$libz" ]; then
  not_ok "libxml2 loading: the test's set-up" "soname '$soname', libz '$libz'"
else
  for bad in notelf nosyms; do
    case $bad in
      notelf) why="invalid ELF header" ;;
      nosyms) why="undefined symbol: xml" ;;
    esac
    LD_LIBRARY_PATH=$tmp/$bad
    export LD_LIBRARY_PATH
    fails "$bad $soname: show --format direct-xml fails and says why" 1 \
      "cannot load $soname, which reads and writes direct.xml: " "$why" -- \
      show --kuma-dp-user 0 --format direct-xml
    fails "$bad $soname: install --store-firewalld (firewalld stopped) fails" 1 \
      "cannot load $soname, which reads and writes direct.xml: " "$why" -- \
      install --kuma-dp-user 0 --skip-resolv-conf --store-firewalld --firewalld-config-dir "$tmp/fwxml"
    cmp -s "$tmp/direct.xml.before" "$tmp/fwxml/direct.xml" &&
      [ "$(find "$tmp/fwxml" -type f | wc -l)" -eq 1 ]
    report $? "$bad $soname: ... and leaves direct.xml as it was, no other file"
    run show --kuma-dp-user 0
    exited 0 && out_has "-N KUMA_MESH_OUTBOUND"
    report $? "$bad $soname: show (iptables-restore text) does not need libxml2"
    if [ -n "$netns" ]; then
      run install --kuma-dp-user 0 --skip-resolv-conf --backend iptables
      exited 0 && out_has "iptables-legacy"
      report $? "$bad $soname: install through libiptc does not need libxml2"
    else
      ok "$bad $soname: libiptc # SKIP needs root for a private network namespace"
    fi
    unset LD_LIBRARY_PATH
  done
fi

# --- output ---------------------------------------------------------------------

run install --dry-run --kuma-dp-user 0
exited 0 && out_has_line "*nat" && out_has_line "-N KUMA_MESH_OUTBOUND" && out_has_line "COMMIT" &&
  out_has "--uid-owner 0"
report $? "install --dry-run prints iptables-restore text"

run show --kuma-dp-user 0
cp "$tmp/out" "$tmp/default.txt"
exited 0 && out_has_line "-N KUMA_MESH_OUTBOUND" && out_has "--to-ports 15001" &&
  out_has "--to-ports 15006"
report $? "show prints iptables-restore text"

run show --kuma-dp-user 0 --format iptables
exited 0 && [ -s "$tmp/out" ] && cmp -s "$tmp/out" "$tmp/default.txt"
report $? "show --format iptables is the default format"

run show --kuma-dp-user 0 --format json
exited 0 && python3 -m json.tool <"$tmp/out" >/dev/null
report $? "show --format json parses"
exited 0 && python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, dict), doc
assert isinstance(doc["chains"], list) and doc["chains"], doc
assert isinstance(doc["rules"], list) and doc["rules"], doc
assert any(c.get("chain") == "KUMA_MESH_OUTBOUND" for c in doc["chains"]), doc["chains"]
' "$tmp/out"
report $? "show --format json has chains and rules"

run show --kuma-dp-user 0 --format direct-xml
exited 0 && python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.stdin)' <"$tmp/out"
report $? "show --format direct-xml parses"
exited 0 && python3 -c '
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
root = doc.documentElement
assert root.tagName == "direct", root.tagName
chains = root.getElementsByTagName("chain")
rules = root.getElementsByTagName("rule")
assert chains and rules
assert {c.getAttribute("ipv") for c in chains} <= {"ipv4", "ipv6"}
assert all(r.getAttribute("priority").lstrip("-").isdigit() for r in rules)
assert any(c.getAttribute("chain") == "KUMA_MESH_OUTBOUND" for c in chains)
' "$tmp/out"
report $? "show --format direct-xml is a <direct> with chains and rules"

run show --kuma-dp-user 0 --format firewall-cmd
exited 0 && out_has "firewall-cmd --permanent --direct --add-chain ipv4 nat KUMA_MESH_OUTBOUND" &&
  ! grep -v -e '^firewall-cmd --permanent --direct --add-chain ' \
    -e '^firewall-cmd --permanent --direct --add-rule ' -e '^$' "$tmp/out" >/dev/null
report $? "show --format firewall-cmd prints only firewall-cmd --permanent --direct lines"

run show --kuma-dp-user 0 --family ipv6 --ip-family-mode ipv4
exited 0 && [ ! -s "$tmp/out" ]
report $? "show --family ipv6 --ip-family-mode ipv4 prints nothing"

run show --kuma-dp-user 0 --ip-family-mode ipv4
exited 0 && out_has "iptables-restore" && out_lacks "ip6tables" && out_lacks "::1"
report $? "show --ip-family-mode ipv4 prints no IPv6 rules"

fails "--family with --format json" 2 "--family" "" -- \
  show --kuma-dp-user 0 --family ipv4 --format json

# The seed document's options, with a user that exists everywhere.
run install --dry-run --kuma-dp-user 0 --skip-resolv-conf --store-firewalld
exited 0 && out_has_line "-N KUMA_MESH_OUTBOUND"
report $? "the seed document's options with --kuma-dp-user 0"

# --- values in messages: control characters and invalid UTF-8 escaped -----------
# Where messages leave the program (errors, notices, warnings, --verbose), a
# newline, an escape sequence or a bidirectional override in a value is
# printed as a visible escape, never as itself; text that is valid and
# printable (translations included, see test-i18n) is left alone.

esc=$(printf '\033')
# escaped DESC LINES NEEDLE -- ARG…: exit 2, stderr of exactly LINES lines
# holding NEEDLE, with no ESC, no other control character, nothing on stdout.
# In a UTF-8 locale, where GLib passes every byte through as it is.
escaped() {
  desc=$1 lines=$2 needle=$3
  shift 4
  LC_ALL=C.UTF-8
  run "$@"
  LC_ALL=C
  n_lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne 2 ]; then
    not_ok "$desc" "exit code $rc, expected 2"
  elif [ "$n_lines" -ne "$lines" ]; then
    not_ok "$desc" "$n_lines lines on stderr, expected $lines"
  elif ! has "$tmp/err" "$needle"; then
    not_ok "$desc" "stderr lacks: $needle"
  elif grep -q "$esc" "$tmp/err" || LC_ALL=C grep -q '[[:cntrl:]]' "$tmp/err" ||
    tr -d '\n' <"$tmp/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
    not_ok "$desc" "a control character on stderr"
  else
    ok "$desc"
  fi
}
escaped "a newline, an escape sequence and U+202E in --kuma-dp-user" 1 \
  "proxy user 'evil\\n\\x1b[31mred\\u202e' does not exist" -- \
  show --kuma-dp-user "$(printf 'evil\n\033[31mred\342\200\256')"
escaped "a C1 control character (U+009B, CSI) in --kuma-dp-user" 1 \
  "proxy user 'a\\u009b2J' does not exist" -- show --kuma-dp-user "$(printf 'a\302\2332J')"
escaped "a newline and an escape in a configuration file's path" 1 \
  "config file '$tmp/a\\nb\\x1bc': no such file" -- show --config "$(printf '%s/a\nb\033c' "$tmp")"
escaped "an escape sequence in an unknown command" 2 \
  "mesh-tproxy: unknown command 'inst\\x1b[2J'" -- "$(printf 'inst\033[2J')"
escaped "invalid UTF-8 in an unknown command" 2 "mesh-tproxy: unknown command 'x\\xff\\xfe'" -- \
  "$(printf 'x\377\376')"
# --verbose: GLib's messages, on standard error, escaped the same way.
printf 'nameserver 192.0.2.1\nnameserver 1.2.3.4\033]0;pwned\007\n' >"$tmp/escape-resolv.conf"
LC_ALL=C.UTF-8
run show --kuma-dp-user 0 --redirect-dns --resolv-conf "$tmp/escape-resolv.conf" --verbose
LC_ALL=C
exited 0 && err_has "resolv.conf: ignoring nameserver '1.2.3.4\\x1b]0;pwned\\x07'" &&
  ! grep -q "$esc" "$tmp/err" && ! grep -q "$esc" "$tmp/out" && ! out_has "DEBUG"
report $? "--verbose: a nameserver with an escape sequence, escaped, on standard error"

# --- standard streams: closed at the start, or failing --------------------------
# A closed descriptor 0, 1 or 2 is opened on /dev/null first, so that no file
# the run opens becomes standard output; a write to standard output that
# fails is an error (exit 1) with a message, also after the changes were made.

# run_out TARGET ARG…: as run, standard output to TARGET ("closed": closed).
run_out() {
  target=$1
  shift
  if [ "$target" = closed ]; then
    $netns "$MESH_TPROXY" "$@" >&- 2>"$tmp/err" </dev/null
  else
    $netns "$MESH_TPROXY" "$@" >"$target" 2>"$tmp/err" </dev/null
  fi
  rc=$?
  : >"$tmp/out"
}

run_out closed show --kuma-dp-user 0
exited 0 && [ ! -s "$tmp/err" ]
report $? "show with standard output closed: exit 0, nothing said (it went to /dev/null)"
for args in "show --kuma-dp-user 0" "show --kuma-dp-user 0 --format json" "--help" "--version" \
  "show --help" "status --kuma-dp-user 0 --backend firewalld --store-firewalld --firewalld-config-dir $tmp/fwfull"; do
  mkdir -p "$tmp/fwfull"
  # shellcheck disable=SC2086 # split on purpose
  run_out /dev/full $args
  exited 1 && err_has "mesh-tproxy: cannot write to standard output: No space left on device" &&
    ! err_has "changes of this run were made"
  report $? "$args >/dev/full: exit 1, and says why"
done
if [ -n "$netns" ]; then
  rm -rf "$tmp/fwfull"
  mkdir "$tmp/fwfull"
  offline="--kuma-dp-user 0 --backend firewalld --store-firewalld --firewalld-config-dir $tmp/fwfull"
  # shellcheck disable=SC2086
  run_out /dev/full install --json $offline
  exited 1 && err_has "cannot write to standard output: No space left on device; the changes of this run were made ('mesh-tproxy status' shows them)" &&
    grep -q KUMA_MESH_OUTBOUND "$tmp/fwfull/direct.xml"
  report $? "install --json >/dev/full: the rules are in direct.xml, exit 1, and the message says so"
  # shellcheck disable=SC2086
  run_out /dev/full install --json $offline
  exited 1 && err_has "cannot write to standard output" && ! err_has "changes of this run were made"
  report $? "the same again (nothing to change) >/dev/full: exit 1, no changes claimed"
  # Standard output closed, and a report larger than stdio's buffer: written
  # while the lock file is open, which took descriptor 1 before.
  ports=$(seq -s, 20001 2 20400)
  # shellcheck disable=SC2086
  run_out closed install --json $offline --exclude-outbound-ports "$ports"
  holder=$(cat "$MESH_TPROXY_LOCK_FILE")
  exited 0 && case $holder in [0-9]*" install") true ;; *) false ;; esac
  report $? "install --json with standard output closed: exit 0, the lock file holds only 'PID install'"
  grep -q 'dport 20399' "$tmp/fwfull/direct.xml"
  report $? "... and the rules were written"
  # Standard error closed: the messages do not land in a file of ours either.
  # shellcheck disable=SC2086
  $netns "$MESH_TPROXY" install $offline --exclude-outbound-ports 9 >"$tmp/out" 2>&- </dev/null
  rc=$?
  exited 0 && case $(cat "$MESH_TPROXY_LOCK_FILE") in [0-9]*" install") true ;; *) false ;; esac
  report $? "install with standard error closed: exit 0, the lock file holds only 'PID install'"
else
  for d in json-full again closed closed-rules stderr; do ok "$d # SKIP needs root for a private network namespace"; done
fi

# --- test hooks: only in the test build (src/mtp-test-hooks.h) ------------------
# The installed program ($MESH_TPROXY) reads no test hook from the environment:
# their names are not in the binary, and setting them changes nothing. The test
# build ($MESH_TPROXY_TEST) has them, which shows that the checks can see them.

real=${MESH_TPROXY_REAL:-$MESH_TPROXY} # (not the memcheck pass's wrapper)
test_build=${MESH_TPROXY_TEST:-$srcdir/build/src/mesh-tproxy-test}
for hook in MTP_LOCALEDIR MTP_TEST_FAIL_COMMIT MTP_TEST_HOOKS; do
  if grep -qa "$hook" "$real"; then
    not_ok "the installed program does not name $hook" "found in $real"
  else
    ok "the installed program does not name $hook"
  fi
done
for hook in MTP_LOCALEDIR MTP_TEST_FAIL_COMMIT; do
  if grep -qa "$hook" "$test_build"; then ok "the test build names $hook"; else
    not_ok "the test build names $hook" "not in $test_build"; fi
done
# A catalogue of someone's choosing (it could crash the program with a format
# string of its own): ignored by the installed program.
if command -v msgfmt > /dev/null 2>&1; then
  mkdir -p "$tmp/locale/de/LC_MESSAGES"
  printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Usage:"\nmsgstr "CRAFTED CATALOGUE"\n' \
    > "$tmp/crafted.po"
  msgfmt -o "$tmp/locale/de/LC_MESSAGES/mesh-tproxy.mo" "$tmp/crafted.po"
  out=$(MTP_LOCALEDIR=$tmp/locale LANGUAGE=de LC_ALL=C.UTF-8 "$MESH_TPROXY" --help 2>&1)
  case $out in
    *"CRAFTED CATALOGUE"*) not_ok "MTP_LOCALEDIR has no effect on the installed program" "$out" ;;
    *Usage:*) ok "MTP_LOCALEDIR has no effect on the installed program" ;;
    *) not_ok "MTP_LOCALEDIR has no effect on the installed program" "$out" ;;
  esac
  out=$(MTP_LOCALEDIR=$tmp/locale LANGUAGE=de LC_ALL=C.UTF-8 "$test_build" --help 2>&1)
  case $out in
    *"CRAFTED CATALOGUE"*) ok "MTP_LOCALEDIR is used by the test build" ;;
    *) not_ok "MTP_LOCALEDIR is used by the test build" "$out" ;;
  esac
else
  not_ok "MTP_LOCALEDIR has no effect on the installed program" "msgfmt (gettext) is not installed"
fi
if [ -n "$netns" ]; then
  MTP_TEST_FAIL_COMMIT=1:1
  export MTP_TEST_FAIL_COMMIT
  run install --kuma-dp-user 0 --backend iptables
  exited 0
  report $? "MTP_TEST_FAIL_COMMIT has no effect on the installed program (install exits 0)"
  $netns "$test_build" install --kuma-dp-user 0 --backend iptables > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
  exited 1 && err_has "committing the"
  report $? "MTP_TEST_FAIL_COMMIT makes the test build's first commit fail (exit 1)"
  unset MTP_TEST_FAIL_COMMIT
else
  for d in installed test-build; do ok "MTP_TEST_FAIL_COMMIT, $d # SKIP needs root for a private network namespace"; done
fi

# --- the config file ----------------------------------------------------------

cat >"$tmp/ports.conf" <<'EOF'
# test configuration
[mesh-tproxy]
redirect-outbound-port=16001
exclude-outbound-ports-for-uids=tcp:22:1000;udp:53:2000
EOF

run show --kuma-dp-user 0 --config "$tmp/ports.conf"
exited 0 && out_has "--to-ports 16001" && out_lacks "--to-ports 15001"
report $? "config file sets redirect-outbound-port"
exited 0 && out_has "--uid-owner 1000" && out_has "--uid-owner 2000"
report $? "config file's list for a repeatable option is used"

run show --kuma-dp-user 0 --config "$tmp/ports.conf" --redirect-outbound-port 16002 \
  --exclude-outbound-ports-for-uids tcp:80:3000
exited 0 && out_has "--to-ports 16002" && out_lacks "--to-ports 16001"
report $? "command line overrides the config file"
exited 0 && out_has "--uid-owner 3000" && out_lacks "--uid-owner 1000" &&
  out_lacks "--uid-owner 2000"
report $? "command line's repeatable option replaces the file's set"

run show --kuma-dp-user 0 --config="$tmp/ports.conf" --format json
exited 0 && out_has "16001"
report $? "--config=PATH form"

printf '[mesh-tproxy]\nredirect-outbund-port=16001\n' >"$tmp/bad-key.conf"
fails "config file with an unknown key" 2 "'$tmp/bad-key.conf'" "unknown key 'redirect-outbund-port'" -- \
  show --kuma-dp-user 0 --config "$tmp/bad-key.conf"

printf '[kuma]\nredirect-outbound-port=16001\n' >"$tmp/bad-group.conf"
fails "config file with an unknown group" 2 "'$tmp/bad-group.conf'" "[kuma]" -- \
  show --kuma-dp-user 0 --config "$tmp/bad-group.conf"

printf '[mesh-tproxy]\nredirect-outbound-port=abc\n' >"$tmp/bad-value.conf"
fails "config file with a bad value" 2 "'$tmp/bad-value.conf'" "'abc'" -- \
  install --dry-run --kuma-dp-user 0 --config "$tmp/bad-value.conf"

printf '[mesh-tproxy]\ndry-run=true\n' >"$tmp/cli-only.conf"
fails "config file with a command-line-only key" 2 "'$tmp/cli-only.conf'" "'dry-run'" -- \
  install --kuma-dp-user 0 --config "$tmp/cli-only.conf"

fails "missing --config file" 2 "'$tmp/no-such.conf'" "" -- \
  show --kuma-dp-user 0 --config "$tmp/no-such.conf"

: >"$tmp/empty.conf"
run show --kuma-dp-user 0 --config "$tmp/empty.conf"
exited 0 && cmp -s "$tmp/out" "$tmp/default.txt"
report $? "an empty config file leaves the defaults"

# --- the seed document's command line, with a kuma-dp user --------------------

# The user kuma-dp exists only inside a private mount namespace, where a copy
# of /etc/passwd that has it is bind-mounted over the real one.
in_namespace() {
  # shellcheck disable=SC2016
  unshare -m sh -c 'mount --bind "$tmp/passwd" /etc/passwd && exec "$MESH_TPROXY" "$@"' \
    sh "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
}

if [ "$(id -u)" -ne 0 ]; then
  skip "needs root for a private mount namespace"
  skip "needs root for a private mount namespace"
elif ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
  : >"$tmp/err"
  : >"$tmp/out"
  not_ok "seed command line as written" "running as root, but 'unshare -m' does not work"
  not_ok "default user is UID 5678" "running as root, but 'unshare -m' does not work"
else
  cp /etc/passwd "$tmp/passwd"
  echo 'kuma-dp:x:5678:5678::/nonexistent:/usr/sbin/nologin' >>"$tmp/passwd"
  export MESH_TPROXY tmp

  in_namespace install --dry-run --kuma-dp-user kuma-dp --skip-resolv-conf --store-firewalld
  exited 0 && out_has "--uid-owner 5678" && out_has_line "-N KUMA_MESH_OUTBOUND"
  report $? "seed command line as written (user kuma-dp in a private mount namespace)"

  in_namespace install --dry-run
  exited 0 && out_has "--uid-owner 5678"
  report $? "default user is UID 5678 (user kuma-dp in a private mount namespace)"
fi

echo "1..$n"
exit 0
