# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# A sandbox for tests and the demonstration: a private system bus, a fresh
# network namespace, and a real firewalld in it with its own configuration
# directory. Nothing of the host's netfilter rules or /etc/firewalld is used.
#
#   . tests/lib/sandbox.sh
#   sandbox_start            # bus + namespace; sets SB_DIR SB_NS, exports DBUS_SYSTEM_BUS_ADDRESS,
#                            # MESH_TPROXY_LOCK_FILE and MESH_TPROXY_STATE_DIR (under SB_DIR)
#   sandbox_firewalld_start  # firewalld in SB_NS using $SB_DIR/etc; waits for RUNNING
#   sb ip addr               # run a command inside the namespace
#   sandbox_firewalld_stop
#   sandbox_peer_start       # a second namespace SB_PEER linked by veth:
#                            #   SB_NS 10.99.0.1 fd99::1, SB_PEER 10.99.0.2 fd99::2
#   landing NS PORT FAMILY CLIENT_NS UID ADDR DPORT
#                            # where a TCP connection from CLIENT_NS as UID to
#                            # ADDR:DPORT lands, seen by a listener on PORT in NS
#   sandbox_stop             # stops everything, deletes the namespaces and SB_DIR

FW_NAME=org.fedoraproject.FirewallD1
FW_PATH=/org/fedoraproject/FirewallD1

sandbox_start() {
  SB_DIR=$(mktemp -d /tmp/mtp-sandbox.XXXXXX)
  SB_NS="mtp-sb-$$-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')"
  mkdir -p "$SB_DIR/etc"
  cat > "$SB_DIR/bus.conf" <<EOT
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$SB_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOT
  dbus-daemon --config-file="$SB_DIR/bus.conf" --fork --print-pid > "$SB_DIR/bus.pid"
  DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SB_DIR/bus"
  export DBUS_SYSTEM_BUS_ADDRESS
  # mesh-tproxy's own lock: one per sandbox.
  MESH_TPROXY_LOCK_FILE=$SB_DIR/mesh-tproxy.lock
  export MESH_TPROXY_LOCK_FILE
  # And its install records (--state-dir): one directory per sandbox.
  MESH_TPROXY_STATE_DIR=$SB_DIR/state
  export MESH_TPROXY_STATE_DIR
  ip netns add "$SB_NS"
  ip -n "$SB_NS" link set lo up
  # firewalld reads firewalld.conf from its --system-config directory.
  [ -f "$SB_DIR/etc/firewalld.conf" ] || printf 'DefaultZone=public\nFirewallBackend=nftables\n' > "$SB_DIR/etc/firewalld.conf"
}

sb() {
  ip netns exec "$SB_NS" "$@"
}

# The firewalld state property, or nothing while the name has no owner.
sandbox_firewalld_state() {
  gdbus call --system --dest "$FW_NAME" --object-path "$FW_PATH" \
    --method org.freedesktop.DBus.Properties.Get "$FW_NAME" state 2>/dev/null |
    sed -n "s/.*'\([A-Z_]*\)'.*/\1/p"
}

sandbox_firewalld_start() {
  # Not through sb(): $! must be firewalld itself (ip netns exec execs it).
  ip netns exec "$SB_NS" firewalld --nofork --nopid --system-config "$SB_DIR/etc" \
    --log-target console >> "$SB_DIR/firewalld.log" 2>&1 &
  SB_FW_PID=$!
  i=0
  while [ "$(sandbox_firewalld_state)" != RUNNING ]; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$SB_FW_PID" 2>/dev/null; then
      echo "sandbox: firewalld did not reach RUNNING; its log:" >&2
      sed 's/^/  /' "$SB_DIR/firewalld.log" >&2
      return 1
    fi
    sleep 0.05
  done
}

sandbox_firewalld_stop() {
  [ -n "${SB_FW_PID:-}" ] || return 0
  kill "$SB_FW_PID" 2>/dev/null || true
  wait "$SB_FW_PID" 2>/dev/null || true
  SB_FW_PID=
  # Until the bus has seen the name go, firewalld still looks alive.
  i=0
  while [ -n "$(sandbox_firewalld_state)" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
}

sandbox_peer_start() {
  SB_PEER="$SB_NS-peer"
  ip netns add "$SB_PEER"
  ip -n "$SB_PEER" link set lo up
  ip link add mtp0 netns "$SB_NS" type veth peer name mtp0 netns "$SB_PEER"
  ip -n "$SB_NS" addr add 10.99.0.1/24 dev mtp0
  ip -n "$SB_NS" addr add fd99::1/64 dev mtp0 nodad
  ip -n "$SB_PEER" addr add 10.99.0.2/24 dev mtp0
  ip -n "$SB_PEER" addr add fd99::2/64 dev mtp0 nodad
  ip -n "$SB_NS" link set mtp0 up
  ip -n "$SB_PEER" link set mtp0 up
}

: "${MTP_PROBE:=$(cd "$(dirname "${0}")" 2>/dev/null && pwd)/../build/tests/probe}"

# Prints "ADDR PORT": the original destination a listener saw, or "none".
landing() {
  l_ns=$1 l_port=$2 l_family=$3 c_ns=$4 c_uid=$5 c_addr=$6 c_port=$7
  l_out="$SB_DIR/landing.$l_port.out"
  : > "$l_out"
  ip netns exec "$l_ns" "$MTP_PROBE" listen tcp "$l_port" "$l_family" > "$l_out" 2>&1 &
  l_pid=$!
  i=0
  until grep -q listening "$l_out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 200 ] && break; sleep 0.02
  done
  ip netns exec "$c_ns" setpriv --reuid="$c_uid" --regid="$c_uid" --clear-groups \
    "$MTP_PROBE" connect tcp "$c_addr" "$c_port" 2>/dev/null || true
  wait "$l_pid" 2>/dev/null || true
  l_seen=$(sed -n 's/^original-dst //p' "$l_out")
  echo "${l_seen:-none}"
}

sandbox_stop() {
  sandbox_firewalld_stop
  if [ -n "${SB_PEER:-}" ]; then
    for pid in $(ip netns pids "$SB_PEER" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$SB_PEER" 2>/dev/null || true
  fi
  if [ -n "${SB_NS:-}" ]; then
    # Anything still running in the namespace (listeners) goes with it.
    for pid in $(ip netns pids "$SB_NS" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$SB_NS" 2>/dev/null || true
  fi
  if [ -n "${SB_DIR:-}" ]; then
    [ -f "$SB_DIR/bus.pid" ] && kill "$(cat "$SB_DIR/bus.pid")" 2>/dev/null || true
    rm -rf "$SB_DIR"
  fi
  SB_NS= SB_DIR= SB_PEER=
}
