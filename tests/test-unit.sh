#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The generated systemd unit (data/mesh-tproxy.service.in): what it must say,
# `systemd-analyze verify` without a word about it, and an exposure score from
# `systemd-analyze security --offline=true` no worse than the threshold. Also
# the sysusers.d and tmpfiles.d entries, applied to a scratch root. Needs no
# root; needs systemd-analyze, systemd-sysusers and systemd-tmpfiles (Debian
# package systemd).
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_UNIT:=$top/build/data/mesh-tproxy.service}"
# The highest exposure accepted (measured: 2.3 with systemd 252).
threshold=${MTP_UNIT_EXPOSURE_MAX:-3.0}
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat LC_ALL=C.UTF-8

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "1..1"; echo "not ok 1 - $tool not found (install the systemd package)"; exit 1; }
done
[ -f "$MTP_UNIT" ] || { echo "1..1"; echo "not ok 1 - no generated unit at $MTP_UNIT"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The value of KEY in the unit (last one wins, as for systemd; blank if none).
key() { sed -n "s/^$1=//p" "$MTP_UNIT" | tail -n 1; }

# 1. Substitution and the command line.
check "every @variable@ substituted" "" "$(grep -n '@[a-z_]*@' "$MTP_UNIT")"
exec_start=$(key ExecStart)
case "$exec_start" in
  /*/mesh-tproxy\ install\ --config\ /*/mesh-tproxy/mesh-tproxy.conf)
    tap_ok "ExecStart runs install with the configuration file: $exec_start" ;;
  *) tap_not_ok "ExecStart runs install with the configuration file" "got: $exec_start" ;;
esac

# 2. What the unit must be.
check "Type=oneshot" oneshot "$(key Type)"
check "RemainAfterExit=yes" yes "$(key RemainAfterExit)"
check "PartOf=firewalld.service (re-run on firewalld restarts)" firewalld.service "$(key PartOf)"
check "no ExecStop= (stopping never removes the rules)" "" "$(grep -n '^ExecStop' "$MTP_UNIT")"
check "default dependencies kept" "" "$(grep -n '^DefaultDependencies=' "$MTP_UNIT")"
check "WantedBy=multi-user.target" multi-user.target "$(key WantedBy)"
check "Before=network-pre.target" network-pre.target "$(key Before)"
check "Wants=network-pre.target" network-pre.target "$(key Wants)"
after=$(key After)
missing=""
for u in firewalld.service iptables.service ip6tables.service nftables.service netfilter-persistent.service; do
  case " $after " in *" $u "*) ;; *) missing="$missing $u" ;; esac
done
check "After= every firewall service" "" "$missing"
check "capabilities bounded to CAP_NET_ADMIN CAP_NET_RAW" "CAP_NET_ADMIN CAP_NET_RAW" "$(key CapabilityBoundingSet)"
check "ProtectSystem=strict" strict "$(key ProtectSystem)"

# 3. systemd-analyze verify, on a copy whose ExecStart is this build's program
# (verify insists that it exists). --man=no: the man pages are not installed
# at test time. Nothing at all may be said about our unit; anything about
# other units (the host's) is shown but not held against us.
mkdir "$tmp/units"
unit_name=$(basename "$MTP_UNIT")
sed "s|^ExecStart=[^ ]*|ExecStart=$MESH_TPROXY|" "$MTP_UNIT" > "$tmp/units/$unit_name"
if out=$(systemd-analyze verify --man=no "$tmp/units/$unit_name" 2>&1); then rc=0; else rc=$?; fi
ours=$(printf '%s\n' "$out" | grep -F -e "$unit_name" -e "$tmp/units" || true)
if [ "$rc" -eq 0 ] && [ -z "$ours" ]; then
  tap_ok "systemd-analyze verify: nothing about $unit_name"
  [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# (other units) /'
else
  tap_not_ok "systemd-analyze verify: nothing about $unit_name" "exit status $rc" "$out"
fi

# 4. Exposure score.
if out=$(systemd-analyze security --offline=true "$tmp/units/$unit_name" 2>&1); then rc=0; else rc=$?; fi
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
echo "# $(printf '%s\n' "$out" | grep 'Overall exposure level' || echo 'no exposure level printed')"
if [ "$rc" -eq 0 ] && [ -n "$score" ] && awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s + 0 <= t + 0) }'; then
  tap_ok "exposure level $score <= $threshold"
else
  tap_not_ok "exposure level ${score:-?} <= $threshold" "exit status $rc" "$out"
fi

# 5. sysusers.d: kuma-dp with UID and GID 5678, in a scratch root.
mkdir -p "$tmp/root/etc"
if out=$(systemd-sysusers --root="$tmp/root" - < "$top/data/mesh-tproxy.sysusers" 2>&1); then
  check "sysusers.d creates the user kuma-dp 5678:5678" "kuma-dp:5678:5678" \
    "$(awk -F: '$1 == "kuma-dp" { print $1 ":" $3 ":" $4 }' "$tmp/root/etc/passwd")"
  check "sysusers.d creates the group kuma-dp 5678" "kuma-dp:5678" \
    "$(awk -F: '$1 == "kuma-dp" { print $1 ":" $3 }' "$tmp/root/etc/group")"
else
  tap_not_ok "systemd-sysusers accepts the sysusers.d entry" "$out"
fi

# 6. tmpfiles.d: the xtables lock and our own lock, which the unit may open
# (ReadWritePaths=).
mkdir -p "$tmp/root/run"
if out=$(systemd-tmpfiles --root="$tmp/root" --create "$top/data/mesh-tproxy.tmpfiles" 2>&1) \
   && [ -z "$out" ]; then
  check "tmpfiles.d creates /run/xtables.lock, 0600" "600" "$(stat -c %a "$tmp/root/run/xtables.lock" 2>&1)"
  check "tmpfiles.d creates /run/mesh-tproxy.lock, 0600" "600" "$(stat -c %a "$tmp/root/run/mesh-tproxy.lock" 2>&1)"
else
  tap_not_ok "systemd-tmpfiles accepts the tmpfiles.d entry without a word" "$out"
fi
for lock in xtables.lock mesh-tproxy.lock; do
  check "the unit may write /run/$lock, which tmpfiles.d creates" yes \
    "$(case " $(key ReadWritePaths) " in *" -/run/$lock "* | *" /run/$lock "* | *" /run "*) echo yes ;; *) echo no ;; esac)"
done

tap_done
