#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Uninstall removes everything an install put anywhere, whatever the options
# it was made with, and status and the next install see those rules too: the
# install record of each store (mtp-record.h, FILES in mesh-tproxy(8)). Each
# store in turn: the kernel's legacy tables through libiptc, a real firewalld
# (runtime and permanent), direct.xml while firewalld is stopped, and the
# legacy tables written with --backend iptables while firewalld runs. Then
# damaged and untrusted records: reported, ignored, never a reason to refuse
# an uninstall; and an unsafe state directory, which an install refuses.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces and firewalld"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
. "$top/tests/lib/sandbox.sh"
trap 'sandbox_stop' EXIT INT TERM

sandbox_start
printf 'nameserver 10.99.0.2\n' > "$SB_DIR/resolv.conf"
STATE=$MESH_TPROXY_STATE_DIR
case "$STATE" in "$SB_DIR"/*) tap_ok "the records go to the sandbox's state directory" ;;
  *) tap_not_ok "the records go to the sandbox" "MESH_TPROXY_STATE_DIR=$STATE" ;; esac
IPTC_RECORD=$STATE/iptables-legacy.record
RT_RECORD=$STATE/firewalld-runtime.record
PERM_RECORD=$STATE/firewalld-permanent.record

# The option set of the issue: without comments, its rules in built-in chains
# (DNS redirected to 15053, the excluded address, invalid packets dropped)
# carry nothing that says whose they are.
A="--disable-comments --redirect-all-dns-traffic --exclude-outbound-ips 10.0.0.2 --drop-invalid-packets"
B="--disable-comments"
RULE_OPTS="--kuma-dp-user 65534 --resolv-conf $SB_DIR/resolv.conf"

# mtp COMMAND OPTION…: a run in the namespace; install and status with the
# proxy user and resolv.conf, every one with the sandbox's firewalld directory.
mtp() {
  c=$1; shift
  case $c in
    install | status) set -- $RULE_OPTS "$@" ;;
  esac
  sb "$MESH_TPROXY" "$c" --firewalld-config-dir "$SB_DIR/etc" "$@"
}
# A plain uninstall: no option but where firewalld's configuration is.
uninstall() { mtp uninstall "$@" > "$SB_DIR/out" 2> "$SB_DIR/err"; }
# The legacy tables of both families, without counters.
legacy() {
  for t in raw mangle nat filter; do sb iptables-legacy-save -t $t; sb ip6tables-legacy-save -t $t; done |
    grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
}
dns_redirects() { grep -c 'to-ports 15053' || true; }
err_says() { # err_says DESCRIPTION TEXT…: each text is in $SB_DIR/err
  d=$1; shift
  for t in "$@"; do
    grep -qF -- "$t" "$SB_DIR/err" || { tap_not_ok "$d" "no '$t' in:" "$(cat "$SB_DIR/err")"; return; }
  done
  tap_ok "$d"
}
stamp() { stat -c '%i %y' "$1" 2>/dev/null || echo none; }

# --- 1. libiptc ---------------------------------------------------------------

# Other programs' rules in every table, in the built-in chains ours go to.
sb iptables-legacy-restore --noflush <<'EOT'
*raw
-A OUTPUT -d 192.0.2.53/32 -j NOTRACK
COMMIT
*mangle
-A PREROUTING -s 192.0.2.8/32 -j MARK --set-mark 7
COMMIT
*nat
-A OUTPUT -d 192.0.2.99/32 -p tcp -j RETURN
COMMIT
*filter
-A INPUT -s 192.0.2.1/32 -j DROP
COMMIT
EOT
sb ip6tables-legacy-restore --noflush <<'EOT'
*raw
-A OUTPUT -d 2001:db8::53/128 -j NOTRACK
COMMIT
*mangle
-A PREROUTING -s 2001:db8::8/128 -j MARK --set-mark 7
COMMIT
*nat
-A OUTPUT -d 2001:db8::99/128 -p tcp -j RETURN
COMMIT
*filter
-A INPUT -s 2001:db8::1/128 -j DROP
COMMIT
EOT
before=$(legacy)
sb iptables-legacy-save > "$SB_DIR/v4.save"
sb ip6tables-legacy-save > "$SB_DIR/v6.save"
# Back to the tables of the start, whatever a run left (each table listed is
# replaced whole, its user chains included).
reset_tables() {
  sb iptables-legacy-restore < "$SB_DIR/v4.save"
  sb ip6tables-legacy-restore < "$SB_DIR/v6.save"
  rm -f "$IPTC_RECORD"
}

# shellcheck disable=SC2086
mtp install $A > /dev/null 2>&1
check "libiptc: install with the issue's options exits 0" 0 $?
check "libiptc: its DNS redirect is in both families" 2 "$(legacy | dns_redirects)"
check "libiptc: the install record lists it, both families" 2 "$(dns_redirects < "$IPTC_RECORD")"
check "libiptc: the record is root's, mode 0644" "root 644" "$(stat -c '%U %a' "$IPTC_RECORD")"

# Status with other options sees the rules they leave: not "in sync".
mtp status $B > "$SB_DIR/out" 2>&1
check "libiptc: status --disable-comments after that install: drifted, exit 6" 6 $?
check "libiptc: status lists the DNS redirect as extra" 1 \
  "$(grep -c 'extra rule ipv4 nat OUTPUT .*-j REDIRECT' "$SB_DIR/out")"

uninstall
check "libiptc: a plain uninstall exits 0" 0 $?
check "libiptc: no DNS redirect to the dead port 15053 is left" 0 "$(legacy | dns_redirects)"
check "libiptc: the tables are exactly as before the install" "$before" "$(legacy)"
check "libiptc: the record is gone" no "$([ -e "$IPTC_RECORD" ] && echo yes || echo no)"

# A change of options removes what the old ones made and the new do not.
reset_tables
# shellcheck disable=SC2086
mtp install $B > /dev/null 2>&1
only_b=$(legacy)
reset_tables
# shellcheck disable=SC2086
mtp install $A > /dev/null 2>&1
# shellcheck disable=SC2086
mtp install $B > /dev/null 2>&1
check "libiptc: install A then B exits 0" 0 $?
check "libiptc: no DNS redirect to 15053 is left" 0 "$(legacy | dns_redirects)"
check "libiptc: the tables hold exactly what install B alone makes" "$only_b" "$(legacy)"
check "libiptc: the record lists B's rules only" 0 "$(dns_redirects < "$IPTC_RECORD")"
# shellcheck disable=SC2086
mtp status $B > /dev/null 2>&1
check "libiptc: status B after that: in sync, exit 0" 0 $?

# The same again: nothing written, the record included.
s1=$(stamp "$IPTC_RECORD")
# shellcheck disable=SC2086
mtp install $B > /dev/null 2>&1
check "libiptc: a second install B leaves the record untouched (inode, mtime)" "$s1" "$(stamp "$IPTC_RECORD")"

# Rules installed by a version without records: the next install records them.
# shellcheck disable=SC2086
mtp install $A > /dev/null 2>&1
rm -f "$IPTC_RECORD"
# shellcheck disable=SC2086
mtp install $A > /dev/null 2>&1
check "libiptc: an install that changes no table still writes the missing record" 2 \
  "$(dns_redirects < "$IPTC_RECORD" 2>/dev/null)"
uninstall
check "libiptc: and uninstall then removes everything" "$before" "$(legacy)"

# Killed after the tables changed, before the final record: the record written
# before the change covers the new rules as well as the old.
# shellcheck disable=SC2086
mtp install $A > /dev/null 2>&1
mkdir -p "$STATE"
: > "$STATE/iptables-legacy.record.STALE1"
# shellcheck disable=SC2086
sb strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=2 \
  "$MESH_TPROXY" install $RULE_OPTS $A --exclude-outbound-ips 10.0.0.3 > /dev/null 2>&1
check "libiptc: an install killed at the final record's rename (SIGKILL)" 137 $?
check "libiptc: the tables hold its rules, not the old ones" "1 0" \
  "$(legacy | grep -c '10\.0\.0\.3') $(legacy | grep -c '10\.0\.0\.2')"
check "libiptc: the record written before the change lists the new and the old" "1 1" \
  "$(grep -c '10\.0\.0\.3' "$IPTC_RECORD") $(grep -c '10\.0\.0\.2' "$IPTC_RECORD")"
check "libiptc: a temporary file of a killed run is removed by the next write" no \
  "$([ -e "$STATE/iptables-legacy.record.STALE1" ] && echo yes || echo no)"
uninstall
check "libiptc: a plain uninstall after the killed run leaves the tables as before" "$before" "$(legacy)"

# --check and status write nothing.
# shellcheck disable=SC2086
mtp install $A --check > /dev/null 2>&1
mtp status > /dev/null 2>&1
check "libiptc: install --check and status write no record" no "$([ -e "$IPTC_RECORD" ] && echo yes || echo no)"

# --- 2. damaged and untrusted records ----------------------------------------

# damaged NAME REASON COMMAND: install A, damage the record with COMMAND,
# then a plain uninstall must exit 0 and say which file it ignored and why
# (and $also, if set); the good record put back, a second uninstall leaves
# the tables as before.
also=
damaged() {
  name=$1 reason=$2; shift 2
  # shellcheck disable=SC2086
  mtp install $A > /dev/null 2>&1
  cp "$IPTC_RECORD" "$SB_DIR/good.record"
  sh -c "$*"
  uninstall; rc=$?
  check "damaged record ($name): uninstall exits 0" 0 "$rc"
  err_says "damaged record ($name): the warning names the file and why" "$IPTC_RECORD" "$reason" ${also:+"$also"}
  # What only the record knew is still there; the record put back, it goes.
  chmod 755 "$STATE"
  rm -rf "$IPTC_RECORD" "$IPTC_RECORD.real"
  cp "$SB_DIR/good.record" "$IPTC_RECORD"
  uninstall
  check "damaged record ($name): with the good record back the tables are as before" "$before" "$(legacy)"
}
damaged "bad syntax" "ignoring the install record" "printf 'this is no record\n' > '$IPTC_RECORD'"
damaged "newer version" "version 2, not 1" "sed -i 's/^Version=1/Version=2/' '$IPTC_RECORD'"
damaged "a foreign rule" "not a rule mesh-tproxy writes" \
  "printf '99=ipv4 nat OUTPUT 0 -d 192.0.2.99/32 -p tcp -j ACCEPT\n' >> '$IPTC_RECORD'"
damaged "writable by others" "writable by users other than its owner (mode 0666)" "chmod 666 '$IPTC_RECORD'"
damaged "owned by another user" "belongs to UID 65534" "chown 65534 '$IPTC_RECORD'"
damaged "a symbolic link" "it is a symbolic link" \
  "mv '$IPTC_RECORD' '$IPTC_RECORD.real' && ln -s '$IPTC_RECORD.real' '$IPTC_RECORD'"
damaged "a FIFO" "it is not a regular file" "rm '$IPTC_RECORD' && mkfifo '$IPTC_RECORD'"
damaged "too large" "it is larger than 64 MiB" "truncate -s 65M '$IPTC_RECORD'"
also="not removing the install record"
damaged "in a directory writable by others" "directory '$STATE' is writable by users other than its owner (mode 0777)" \
  "chmod 777 '$STATE'"
also=

# An install does not write into an unsafe state directory, and changes nothing.
chmod 777 "$STATE"
# shellcheck disable=SC2086
mtp install $A > "$SB_DIR/out" 2> "$SB_DIR/err"
check "unsafe state directory: install exits 1" 1 $?
err_says "unsafe state directory: the error says what to fix" "the state directory '$STATE' is not safe" "chmod go-w" "--state-dir"
check "unsafe state directory: the tables are unchanged" "$before" "$(legacy)"
chmod 755 "$STATE"

# --state-dir moves it: a record there, none in the default one.
# shellcheck disable=SC2086
mtp install $A --state-dir "$SB_DIR/other" > /dev/null 2>&1
check "--state-dir: the record is written there" 1 "$(ls "$SB_DIR/other" | grep -c '^iptables-legacy.record$')"
check "--state-dir: not in \$MESH_TPROXY_STATE_DIR" no "$([ -e "$IPTC_RECORD" ] && echo yes || echo no)"
uninstall --state-dir "$SB_DIR/other"
check "--state-dir: uninstall with it removes everything" "$before" "$(legacy)"

# --- 3. a real firewalld: runtime and permanent --------------------------------

sandbox_firewalld_start || { tap_not_ok "firewalld starts"; tap_done; exit 1; }
fw_version=$(firewall-offline-cmd --version)
tap_ok "firewalld $fw_version runs in the sandbox"
# As in test-firewalld.sh: IPv4 only where firewalld rejects redirected IPv6.
case "$fw_version" in
  1.* | 2.[012].* | 2.[012]) family_opt="--ip-family-mode ipv4" n_families=1 ;;
  *) family_opt="" n_families=2 ;;
esac
ours() { grep -E 'KUMA_MESH_|kuma/mesh|15053|10\.0\.0\.2|INVALID|CT --zone|65534' | sort; }
runtime_rules() { sb firewall-cmd --direct --get-all-rules | sort; }
permanent_rules() { sb firewall-cmd --permanent --direct --get-all-rules | sort; }
expected_rules() {
  # shellcheck disable=SC2086
  sb "$MESH_TPROXY" show --format firewall-cmd $RULE_OPTS $family_opt "$@" |
    sed -n 's/^firewall-cmd --permanent --direct --add-rule //p' | sort
}
kernel_dns() { { sb iptables-save; sb ip6tables-save; } 2>/dev/null | dns_redirects; }
sb firewall-cmd -q --permanent --direct --add-rule ipv4 nat OUTPUT 5 -d 192.0.2.99 -p tcp -j RETURN
sb firewall-cmd -q --reload
fw_before_rt=$(runtime_rules)
fw_before_perm=$(permanent_rules)

# shellcheck disable=SC2086
mtp install $A --store-firewalld > /dev/null 2>&1
check "firewalld: install with the issue's options exits 0" 0 $?
check "firewalld: the DNS redirect is live" "$n_families" "$(runtime_rules | dns_redirects)"
check "firewalld: runtime and permanent records are written" "yes yes" \
  "$([ -f "$RT_RECORD" ] && echo yes) $([ -f "$PERM_RECORD" ] && echo yes)"
mtp status --store-firewalld $B > /dev/null 2>&1
check "firewalld: status --disable-comments after that install: drifted, exit 6" 6 $?
uninstall
check "firewalld: a plain uninstall exits 0" 0 $?
check "firewalld: runtime holds only the foreign rule again" "$fw_before_rt" "$(runtime_rules)"
check "firewalld: permanent holds only the foreign rule again" "$fw_before_perm" "$(permanent_rules)"
check "firewalld: no DNS redirect to 15053 in the kernel's tables" 0 "$(kernel_dns)"
check "firewalld: the records are gone" "no no" \
  "$([ -e "$RT_RECORD" ] && echo yes || echo no) $([ -e "$PERM_RECORD" ] && echo yes || echo no)"

# shellcheck disable=SC2086
mtp install $A --store-firewalld > /dev/null 2>&1
# shellcheck disable=SC2086
mtp install $B --store-firewalld > /dev/null 2>&1
check "firewalld: install A then B exits 0" 0 $?
# shellcheck disable=SC2086
want=$(expected_rules $B)
check "firewalld: runtime holds exactly B's rules and the foreign one" \
  "$(printf '%s\n%s\n' "$want" "$fw_before_rt" | sort)" "$(runtime_rules)"
check "firewalld: permanent holds exactly B's rules and the foreign one" \
  "$(printf '%s\n%s\n' "$want" "$fw_before_perm" | sort)" "$(permanent_rules)"
uninstall

# --backend iptables while firewalld runs: the next plain uninstall (through
# firewalld) empties the legacy tables too.
# shellcheck disable=SC2086
mtp install $A --backend iptables > /dev/null 2>&1
check "firewalld running, --backend iptables: install exits 0" 0 $?
uninstall
check "firewalld running: a plain uninstall exits 0" 0 $?
check "firewalld running: the legacy tables are as before" "$before" "$(legacy)"
check "firewalld running: firewalld's rules are as before" "$fw_before_rt" "$(runtime_rules)"
# Installed through firewalld now: the legacy tables must not keep the old
# rules (they would compete with firewalld's), and status says so meanwhile.
# shellcheck disable=SC2086
mtp install $B --store-firewalld > /dev/null 2>&1
# shellcheck disable=SC2086
mtp install $A --backend iptables > /dev/null 2>&1
mtp status --store-firewalld $B > "$SB_DIR/out" 2>&1
check "firewalld running, legacy rules of an earlier --backend iptables: status drifted, exit 6" 6 $?
# shellcheck disable=SC2086
mtp install $B --store-firewalld > /dev/null 2>&1
check "firewalld running: install through firewalld exits 0" 0 $?
check "firewalld running: it took the earlier install's rules out of the legacy tables" "$before" "$(legacy)"
check "firewalld running: and their record" no "$([ -e "$IPTC_RECORD" ] && echo yes || echo no)"
mtp status --store-firewalld $B > /dev/null 2>&1
check "firewalld running: status B: in sync, exit 0" 0 $?
uninstall

# --- 4. direct.xml, firewalld stopped ------------------------------------------

sandbox_firewalld_stop
offline_rules() { firewall-offline-cmd --system-config "$SB_DIR/etc" --direct --get-all-rules | sort; }
# shellcheck disable=SC2086
mtp install $A --store-firewalld > /dev/null 2>&1
check "direct.xml: offline install with the issue's options exits 0" 0 $?
check "direct.xml: it holds the DNS redirect" "$n_families" "$(offline_rules | dns_redirects)"
mtp status --store-firewalld $B > "$SB_DIR/out" 2>&1
check "direct.xml: status --disable-comments lists the DNS redirect as extra" 1 \
  "$(grep -c 'extra rule ipv4 nat OUTPUT .*15053' "$SB_DIR/out")"
uninstall
check "direct.xml: a plain uninstall exits 0" 0 $?
check "direct.xml: only the foreign rule is left" "$fw_before_perm" "$(offline_rules)"
check "direct.xml: the permanent record is gone" no "$([ -e "$PERM_RECORD" ] && echo yes || echo no)"
# shellcheck disable=SC2086
mtp install $A --store-firewalld > /dev/null 2>&1
# shellcheck disable=SC2086
mtp install $B --store-firewalld > /dev/null 2>&1
check "direct.xml: install A then B exits 0" 0 $?
check "direct.xml: it holds exactly B's rules and the foreign one" \
  "$(printf '%s\n%s\n' "$want" "$fw_before_perm" | sort)" "$(offline_rules)"
uninstall
check "direct.xml: uninstall leaves only the foreign rule" "$fw_before_perm" "$(offline_rules)"
check "nothing of ours anywhere at the end" "$before" "$(legacy)"

tap_done
