#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mesh-tproxy at boot, under a real systemd as PID 1: a Debian 12 root
# (debootstrap, built once and cached) holding the built program, its unit,
# sysusers.d and tmpfiles.d entries and a configuration, booted twice per
# scenario with systemd-nspawn in a private network namespace:
#   A. firewalld enabled, store-firewalld=true: the unit is active, the rules
#      are in firewalld's runtime and permanent configuration, traffic is
#      redirected; power off, boot again, the same again.
#   B. a plain host (firewalld masked): the unit writes the legacy tables
#      through libiptc; traffic is redirected; power off, boot again, again.
#
# Needs root, debootstrap and systemd-nspawn (systemd-container), and the
# Debian mirror apt is configured with (or MTP_BOOT_MIRROR) for the first run.
# The root is cached in ${MTP_BOOT_CACHE:-/var/tmp/mesh-tproxy-boot}; each
# scenario boots a fresh copy of it.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || tap_skip "needs root: debootstrap, systemd-nspawn"
for c in debootstrap systemd-nspawn nsenter flock timeout; do
  command -v "$c" > /dev/null 2>&1 ||
    tap_skip "needs $c (debootstrap, systemd-container: tools/install-deps)"
done
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
: "${MTP_PROBE:=$top/build/tests/probe}"
: "${MTP_BOOT_CACHE:=/var/tmp/mesh-tproxy-boot}"
# The unit meson generated (MTP_UNIT_DIR or MTP_UNIT); without one, the
# source with /usr/sbin and /etc.
: "${MTP_UNIT:=$top/build/data/mesh-tproxy.service}"
SUITE=bookworm
# What the root holds: systemd, firewalld, and mesh-tproxy's runtime libraries
# (ldd mesh-tproxy; dpkg -S).
PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,firewalld,iptables,iproute2,libglib2.0-0,libxml2,libip4tc2,libip6tc2
OURS='kuma/mesh/transparent/proxy'

# MTP_UNIT_DIR first (meson sets it), then MTP_UNIT.
UNIT_FILE=
for u in "${MTP_UNIT_DIR:+$MTP_UNIT_DIR/mesh-tproxy.service}" "${MTP_UNIT:-}"; do
  if [ -n "$u" ] && [ -f "$u" ]; then UNIT_FILE=$u; break; fi
done

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { # secs MS: "1.234"
  printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# The first Debian mirror apt uses for SUITE: deb822 .sources files first,
# then one-line .list files.
apt_mirror() {
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" 'BEGIN { RS = "" }
      {
        t = ""; u = ""; su = ""; on = 1
        n = split($0, L, "\n")
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^#/) continue
          if (L[i] ~ /^Types:/) t = L[i]
          else if (L[i] ~ /^URIs:/) u = L[i]
          else if (L[i] ~ /^Suites:/) su = L[i]
          else if (L[i] ~ /^Enabled:[ \t]*[Nn]o/) on = 0
        }
        if (on && t ~ /[ \t]deb([ \t]|$)/ && (su " ") ~ ("[ \t]" s "[ \t]")) {
          sub(/^URIs:[ \t]*/, "", u); split(u, U, /[ \t]+/); print U[1]
        }
      }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n "s/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}${SUITE}[[:space:]].*/\2/p" "$f"
  done
}

# --- The cached root -------------------------------------------------------
key=$(printf '%s\n' "$SUITE" minbase "$PACKAGES" | sha256sum | cut -c1-12)
BASE="$MTP_BOOT_CACHE/$SUITE-$key"
mkdir -p "$MTP_BOOT_CACHE"
exec 9> "$MTP_BOOT_CACHE/.lock"
flock 9   # one builder; scenario copies are private
if [ -f "$BASE/.mtp-complete" ]; then
  echo "# cached root: $BASE"
else
  mirror=${MTP_BOOT_MIRROR:-$(apt_mirror | grep -E '^(https?|file):' | head -n 1)}
  if [ -z "$mirror" ]; then
    tap_not_ok "a Debian mirror for $SUITE in apt's sources (or MTP_BOOT_MIRROR)"
    tap_done; exit 1
  fi
  rm -rf "$BASE" "$BASE.tmp"
  t0=$(now_ms)
  if debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE.tmp" "$mirror" \
      > "$MTP_BOOT_CACHE/debootstrap.log" 2>&1; then
    # Nothing of the build host's apt cache is needed in the root.
    rm -rf "$BASE.tmp/var/cache/apt/archives/"*.deb
    touch "$BASE.tmp/.mtp-complete"
    mv "$BASE.tmp" "$BASE"
    echo "# debootstrap $SUITE from $mirror: $(secs $(($(now_ms) - t0))) s"
  else
    tap_not_ok "debootstrap $SUITE from $mirror" "$(tail -n 20 "$MTP_BOOT_CACHE/debootstrap.log")"
    rm -rf "$BASE.tmp"
    tap_done; exit 1
  fi
fi
flock -u 9

WORK=$(mktemp -d "$MTP_BOOT_CACHE/run.XXXXXX")
NSPAWN_PID=
CPID=

# --- Containers ------------------------------------------------------------
stop_container() { # kill what is left of the running container, if any
  [ -n "$NSPAWN_PID" ] || return 0
  if kill -0 "$NSPAWN_PID" 2> /dev/null; then
    # nspawn asks the container's systemd to power off on SIGTERM.
    kill -TERM "$NSPAWN_PID" 2> /dev/null
    i=0
    while kill -0 "$NSPAWN_PID" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$NSPAWN_PID" 2> /dev/null
  fi
  # An init left orphaned by a killed nspawn.
  [ -n "$CPID" ] && kill -KILL "$CPID" 2> /dev/null
  wait "$NSPAWN_PID" 2> /dev/null
  NSPAWN_PID=; CPID=
}
cleanup() {
  stop_container
  [ -n "${WORK:-}" ] && [ -d "$WORK" ] && rm -rf "$WORK"
}
trap 'cleanup' EXIT
trap 'cleanup; exit 1' INT TERM

if [ -n "$UNIT_FILE" ]; then
  cp "$UNIT_FILE" "$WORK/mesh-tproxy.service"
  echo "# unit: $UNIT_FILE"
else
  sed -e 's|@sbindir@|/usr/sbin|g' -e 's|@sysconfdir@|/etc|g' \
    "$top/data/mesh-tproxy.service.in" > "$WORK/mesh-tproxy.service"
  echo "# unit: data/mesh-tproxy.service.in with /usr/sbin and /etc"
fi
# The program and configuration file the unit names.
exec_start=$(sed -n 's/^ExecStart=[-@:+!]*//p' "$WORK/mesh-tproxy.service" | head -n 1)
BIN=${exec_start%% *}
CONF=$(printf '%s\n' "$exec_start" | sed -n 's/.*--config[= ]\([^ ]*\).*/\1/p')
echo "# ExecStart=$exec_start"
case $BIN:$CONF in
  /*:/*) ;;
  *) tap_not_ok "the unit's ExecStart= names the program and --config" "ExecStart=$exec_start"
     tap_done; exit 1 ;;
esac

# A command inside the container: all its namespaces, a clean environment
# (the test environment's DBUS_SYSTEM_BUS_ADDRESS must not leak in), bounded.
cin() {
  timeout "${CIN_TIMEOUT:-30}" nsenter -t "$CPID" -a \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# boot ROOT NAME: start the container, wait until systemd says it is up.
boot() {
  stop_container
  CONSOLE="$WORK/$2.console"
  t0=$(now_ms)
  systemd-nspawn -b -D "$1" --private-network --register=no --keep-unit -q \
    --console=read-only < /dev/null > "$CONSOLE" 2>&1 &
  NSPAWN_PID=$!
  # The container's PID 1: nspawn's child in another PID namespace.
  CPID=; self=$(readlink /proc/self/ns/pid); i=0
  while [ -z "$CPID" ] && [ $i -lt 200 ] && kill -0 "$NSPAWN_PID" 2> /dev/null; do
    # shellcheck disable=SC2013 # PIDs, one word each
    for c in $(cat /proc/"$NSPAWN_PID"/task/*/children 2> /dev/null); do
      ns=$(readlink "/proc/$c/ns/pid" 2> /dev/null) || continue
      [ "$ns" != "$self" ] && [ "$(cat "/proc/$c/comm" 2> /dev/null)" = systemd ] && CPID=$c
    done
    [ -n "$CPID" ] || { sleep 0.05; i=$((i + 1)); }
  done
  if [ -z "$CPID" ]; then
    tap_not_ok "$2: the container starts" "$(tail -n 20 "$CONSOLE")"
    return 1
  fi
  # systemctl needs PID 1's private socket: retry until it answers.
  state=; i=0
  while [ $i -lt 60 ]; do
    state=$(CIN_TIMEOUT=60 cin systemctl is-system-running --wait 2> /dev/null)
    case $state in running | degraded | maintenance | stopping | offline) break ;; esac
    sleep 0.2; i=$((i + 1))
  done
  echo "# $2: booted in $(secs $(($(now_ms) - t0))) s (systemd: $state)"
  if [ "$state" = running ]; then tap_ok "$2: systemd reaches 'running'"; else
    tap_not_ok "$2: systemd reaches 'running'" "state: $state" \
      "$(cin systemctl --failed --no-legend 2> /dev/null)" "$(tail -n 20 "$CONSOLE")"
  fi
}

# power_off NAME: a clean shutdown from inside; nspawn must exit.
power_off() {
  t0=$(now_ms)
  cin systemctl poweroff --no-block
  i=0
  while kill -0 "$NSPAWN_PID" 2> /dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$NSPAWN_PID" 2> /dev/null; then
    tap_not_ok "$1: the container powers off" "$(tail -n 20 "$CONSOLE")"
    stop_container
  else
    wait "$NSPAWN_PID"; rc=$?
    check "$1: the container powers off, nspawn exits 0" 0 "$rc"
    echo "# $1: powered off in $(secs $(($(now_ms) - t0))) s"
    NSPAWN_PID=; CPID=
  fi
}

# traffic WHEN: an outbound connection by root to 10.99.0.2:80 lands on
# :15001 with its original destination. A dummy interface carries the route
# (a veth pair inside the container where the kernel has no dummy driver).
traffic() {
  cin sh -c '{ ip link add d0 type dummy 2>/dev/null ||
               { ip link add d0 type veth peer name d1 && ip link set d1 up; }; } &&
             ip addr add 10.99.0.1/24 dev d0 && ip link set d0 up'
  out="$WORK/probe.out"; : > "$out"
  cin probe listen tcp 15001 4 > "$out" 2>&1 &
  lp=$!
  i=0; until grep -q listening "$out"; do i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.02; done
  cin probe connect tcp 10.99.0.2 80 > /dev/null 2>&1
  wait "$lp"
  got=$(sed -n 's/^original-dst //p' "$out")
  check "$1: root's outbound connection to 10.99.0.2:80 lands on :15001 with its original destination" \
    "10.99.0.2 80" "${got:-none ($(tr '\n' ' ' < "$out"))}"
}

common_checks() { # common_checks WHEN
  # What the unit said at this boot, for the log.
  cin journalctl -b -o cat -u mesh-tproxy.service --no-pager 2>&1 | sed "s/^/# $1: unit: /"
  a=$(cin systemctl is-active mesh-tproxy.service)
  if [ "$a" = active ]; then tap_ok "$1: mesh-tproxy.service is active"; else
    tap_not_ok "$1: mesh-tproxy.service is active" "is-active: $a" \
      "$(cin journalctl -b -u mesh-tproxy.service --no-pager 2>&1 | tail -n 20)"
  fi
  check "$1: sysusers.d made the user kuma-dp with UID and GID 5678" 5678:5678 \
    "$(cin getent passwd kuma-dp | cut -d: -f3,4)"
  check "$1: tmpfiles.d made /run/xtables.lock" yes \
    "$(cin test -f /run/xtables.lock && echo yes || echo no)"
  st=$(cin "$BIN" status --config "$CONF" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then tap_ok "$1: mesh-tproxy status exits 0 (in sync)"; else
    tap_not_ok "$1: mesh-tproxy status exits 0 (in sync)" "exit $rc" "$st"; fi
}

# prepare ROOT SCENARIO: a fresh copy of the cached root with mesh-tproxy in it.
prepare() {
  r=$1
  t0=$(now_ms)
  cp -a "$BASE" "$r" || return 1
  # Where the unit runs it from (the build's prefix: /usr/local/sbin by
  # default, /usr/sbin for packages).
  mkdir -p "$r${BIN%/*}" "$r${CONF%/*}"
  install -m 0755 "$MESH_TPROXY" "$r$BIN"
  install -m 0755 "$MTP_PROBE" "$r/usr/local/bin/probe"
  install -m 0644 "$WORK/mesh-tproxy.service" "$r/etc/systemd/system/mesh-tproxy.service"
  install -D -m 0644 "$top/data/mesh-tproxy.sysusers" "$r/usr/lib/sysusers.d/mesh-tproxy.conf"
  install -D -m 0644 "$top/data/mesh-tproxy.tmpfiles" "$r/usr/lib/tmpfiles.d/mesh-tproxy.conf"
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sf /etc/systemd/system/mesh-tproxy.service \
    "$r/etc/systemd/system/multi-user.target.wants/mesh-tproxy.service"
  fw_unit=/lib/systemd/system/firewalld.service
  [ -f "$r$fw_unit" ] || fw_unit=/usr/lib/systemd/system/firewalld.service
  case $2 in
    firewalld)
      printf '[mesh-tproxy]\nkuma-dp-user=kuma-dp\nstore-firewalld=true\n' > "$r$CONF"
      ln -sf "$fw_unit" "$r/etc/systemd/system/multi-user.target.wants/firewalld.service"
      ln -sf "$fw_unit" "$r/etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service"
      ;;
    plain)
      # No firewalld: disabled and masked (not even D-Bus activation).
      printf '[mesh-tproxy]\nkuma-dp-user=kuma-dp\n' > "$r$CONF"
      rm -f "$r/etc/systemd/system/multi-user.target.wants/firewalld.service" \
        "$r/etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service"
      ln -sf /dev/null "$r/etc/systemd/system/firewalld.service"
      ;;
  esac
  chmod 0644 "$r$CONF"
  echo "# $2: root copied and prepared in $(secs $(($(now_ms) - t0))) s"
}

T_START=$(now_ms)

# --- Scenario A: firewalld ----------------------------------------------------
fw_checks() { # fw_checks WHEN
  common_checks "$1"
  rt=$(cin firewall-cmd --direct --get-all-rules | grep -F "$OURS" | sort)
  pm=$(cin firewall-cmd --permanent --direct --get-all-rules | grep -F "$OURS" | sort)
  n=$(printf '%s' "$rt" | grep -c .)
  if [ "$n" -gt 0 ]; then tap_ok "$1: firewalld's runtime holds our direct rules ($n)"; else
    tap_not_ok "$1: firewalld's runtime holds our direct rules" \
      "$(cin journalctl -b -u mesh-tproxy.service -u firewalld.service --no-pager 2>&1 | tail -n 20)"
  fi
  check "$1: firewalld's permanent configuration holds the same rules" "$rt" "$pm"
  check "$1: the rules come from direct.xml" yes \
    "$(cin grep -q "$OURS" /etc/firewalld/direct.xml && echo yes || echo no)"
  traffic "$1"
}

ROOT="$WORK/root-firewalld"
if prepare "$ROOT" firewalld; then
  if boot "$ROOT" "firewalld, boot 1"; then
    check "firewalld, boot 1: firewalld is running" running "$(cin firewall-cmd --state 2>&1)"
    fw_checks "firewalld, boot 1"
    power_off "firewalld, boot 1"
  fi
  if boot "$ROOT" "firewalld, boot 2"; then
    check "firewalld, boot 2: firewalld is running" running "$(cin firewall-cmd --state 2>&1)"
    fw_checks "firewalld, boot 2"
    # The point of store-firewalld: firewalld itself brought the rules back
    # from its permanent configuration; the unit found nothing to do.
    check "firewalld, boot 2: the unit found firewalld's runtime already in sync" yes \
      "$(cin journalctl -b -o cat -u mesh-tproxy.service --no-pager |
        grep -q '^firewalld runtime: in sync' && echo yes || echo no)"
    power_off "firewalld, boot 2"
  fi
else
  tap_not_ok "firewalld: copy the cached root"
fi
stop_container
rm -rf "$ROOT"

# --- Scenario B: a plain host, libiptc ---------------------------------------
plain_checks() { # plain_checks WHEN
  common_checks "$1"
  check "$1: firewalld is not running" inactive "$(cin systemctl is-active firewalld.service)"
  n=$(cin iptables-legacy-save -t nat | grep -c -F "$OURS")
  if [ "$n" -gt 0 ]; then tap_ok "$1: the legacy nat table holds our rules ($n)"; else
    tap_not_ok "$1: the legacy nat table holds our rules" "$(cin iptables-legacy-save -t nat 2>&1)" \
      "$(cin journalctl -b -u mesh-tproxy.service --no-pager 2>&1 | tail -n 20)"
  fi
  # Installed before the network is up, when no interface has an IPv6
  # address yet: the IPv6 rules must be there all the same.
  n6=$(cin ip6tables-legacy-save -t nat | grep -c -F "$OURS")
  if [ "$n6" -gt 0 ]; then tap_ok "$1: the legacy IPv6 nat table holds our rules ($n6)"; else
    tap_not_ok "$1: the legacy IPv6 nat table holds our rules" "$(cin ip6tables-legacy-save -t nat 2>&1)"
  fi
  check "$1: ::6/128 is on lo" 1 "$(cin ip -6 addr show dev lo | grep -c 'inet6 ::6/128')"
  traffic "$1"
}

ROOT="$WORK/root-plain"
if prepare "$ROOT" plain; then
  if boot "$ROOT" "plain, boot 1"; then
    plain_checks "plain, boot 1"
    power_off "plain, boot 1"
  fi
  if boot "$ROOT" "plain, boot 2"; then
    plain_checks "plain, boot 2"
    power_off "plain, boot 2"
  fi
else
  tap_not_ok "plain: copy the cached root"
fi
stop_container
rm -rf "$ROOT"

echo "# scenarios took $(secs $(($(now_ms) - T_START))) s"
tap_done
