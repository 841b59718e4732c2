#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# File and privilege safety, end to end: the mode, owner and group of the
# direct.xml written offline; a configuration directory that others can write,
# that root does not own or that is a link, and a direct.xml that is a link or
# has a second name; temporary files left by runs killed (SIGKILL, delivered
# by strace at the rename) removed by the next run; no shell executed by any
# command of any backend reachable without a running firewalld (strace
# execve), and none in the sources; unprivileged runs (setpriv to nobody)
# failing with exit code 4 before anything changed.
#
# Every run of the program is in a fresh network namespace (unshare --net):
# install and uninstall also add or remove ::6 on lo, and libiptc writes the
# namespace's tables. Configuration directories are under a temporary
# directory; the lock is $MESH_TPROXY_LOCK_FILE there.
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
: "${MESH_TPROXY:=$top/build/src/mesh-tproxy}"
[ -x "$MESH_TPROXY" ] || { echo "Bail out! no executable '$MESH_TPROXY' (set MESH_TPROXY)"; exit 1; }

[ "$(id -u)" -eq 0 ] || tap_skip "needs root: network namespaces, files of other users"
for tool in strace setpriv unshare ip iptables-legacy iptables-legacy-save ip6tables-legacy-save \
  python3 sha256sum; do
  command -v "$tool" > /dev/null 2>&1 || tap_skip "$tool is not installed"
done
unshare --net true 2> /dev/null || tap_skip "'unshare --net' does not work here"

# Messages are checked word for word.
LC_ALL=C
LANG=C
export LC_ALL LANG
unset LANGUAGE G_MESSAGES_DEBUG
# Never the host's firewalld: a system bus that does not exist, so firewalld
# is "not running" and the firewalld backend writes direct.xml itself.
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/mtp-test-bus
export DBUS_SYSTEM_BUS_ADDRESS
NOBODY=65534
export MESH_TPROXY NOBODY

tmp=$(mktemp -d /tmp/mtp-files.XXXXXX) || { echo "Bail out! mktemp -d failed"; exit 1; }
trap '[ -f "$tmp/bus.pid" ] && kill "$(cat "$tmp/bus.pid")"; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
export tmp # for the scripts run in namespaces
# nobody must reach its lock file (see the unprivileged runs).
chmod 755 "$tmp"
MESH_TPROXY_LOCK_FILE=$tmp/lock
export MESH_TPROXY_LOCK_FILE
data=$top/tests/data/direct-xml/kuma-2.1.xml
cfg=$tmp/cfg

# mtp ARG…: the program in a fresh network namespace; $rc, $tmp/out, $tmp/err.
mtp() {
  unshare --net -- "$MESH_TPROXY" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
install_offline() { mtp install --kuma-dp-user 0 --backend firewalld --store-firewalld --firewalld-config-dir "$@"; }
uninstall_offline() { mtp uninstall --backend firewalld --firewalld-config-dir "$@"; }
# mtp_env NAME=VALUE ARG…: mtp with NAME set to VALUE for that run only.
mtp_env() {
  assignment=$1
  shift
  unshare --net -- env "$assignment" "$MESH_TPROXY" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
# as_nobody ARG…: the program as nobody (no groups, no capabilities) in a fresh
# network namespace, with a system bus it can reach and firewalld is not on
# (without a bus, only root can tell whether firewalld runs: below).
as_nobody() {
  unshare --net -- env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus" \
    setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups -- \
    "$MESH_TPROXY" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  rc=$?
}
cat > "$tmp/bus.conf" << EOT
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/> <allow send_destination="*"/> <allow receive_sender="*"/>
  </policy>
</busconfig>
EOT
dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid > "$tmp/bus.pid"
i=0
while [ ! -S "$tmp/bus" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done

# fresh_cfg [MODE]: $cfg anew, root's, holding the foreign entries of kuma-2.1.xml.
fresh_cfg() {
  rm -rf "$cfg"
  mkdir -m "${1:-755}" "$cfg"
  cp "$data" "$cfg/direct.xml"
  chmod 644 "$cfg/direct.xml"
}

# describe DIR: everything a write could change in DIR: its mode and owner,
# each entry's name, type, mode, owner, inode, link target, and content.
describe() {
  stat -c '. %a %u:%g' "$1"
  find "$1" -mindepth 1 -maxdepth 1 -printf '%f %y %m %U:%G inode %i -> %l\n' | sort
  find "$1" -mindepth 1 -maxdepth 1 -type f -exec sha256sum {} + | sort
}

# result DESC CODE NEEDLE…: the last run exited with CODE, its stderr holds
# each NEEDLE.
result() {
  d=$1 code=$2
  shift 2
  if [ "$rc" -ne "$code" ]; then
    tap_not_ok "$d" "exit code $rc, expected $code" "$(cat "$tmp/err")"
    return
  fi
  for needle in "$@"; do
    if ! grep -qF -- "$needle" "$tmp/err"; then
      tap_not_ok "$d" "stderr lacks: $needle" "$(cat "$tmp/err")"
      return
    fi
  done
  tap_ok "$d"
}

# unchanged DESC BEFORE DIR: DIR is as described in BEFORE.
unchanged() {
  after=$(describe "$3")
  check "$1" "$2" "$after"
}

temp_files() { find "$1" -mindepth 1 -maxdepth 1 -name '.direct.xml*' | wc -l; }

# parses_with_foreign FILE: well-formed, and the administrator's entries of
# kuma-2.1.xml are still there.
parses_with_foreign() {
  python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1" &&
    grep -qF 'chain="ADMIN_LOG"' "$1" && grep -qF -- '-s 192.0.2.1 -j DROP' "$1" &&
    grep -qF -- '-s 2001:db8::/32 -j ACCEPT' "$1"
}

# --- mode, owner and group ------------------------------------------------------

rm -rf "$cfg"
mkdir -m 755 "$cfg"
saved_umask=$(umask)
umask 077
install_offline "$cfg"
umask "$saved_umask"
result "install into an empty directory" 0
check "a new direct.xml: mode 0644 (firewalld's), root's, whatever the umask" "644 0:0" \
  "$(stat -c '%a %u:%g' "$cfg/direct.xml")"

fresh_cfg
chown 0:4343 "$cfg/direct.xml"
chmod 640 "$cfg/direct.xml"
inode=$(stat -c %i "$cfg/direct.xml")
install_offline "$cfg" --redirect-outbound-port 16001
result "install over a direct.xml of another group" 0
check "direct.xml keeps its mode, owner and group" "640 0:4343" \
  "$(stat -c '%a %u:%g' "$cfg/direct.xml")"
check "direct.xml.old too" "640 0:4343" "$(stat -c '%a %u:%g' "$cfg/direct.xml.old")"
if grep -qF 16001 "$cfg/direct.xml" && [ "$(stat -c %i "$cfg/direct.xml")" != "$inode" ] &&
  cmp -s "$data" "$cfg/direct.xml.old"; then
  tap_ok "the new content is a new file renamed over the old one; .old is the old content"
else
  tap_not_ok "the new content is a new file renamed over the old one; .old is the old content"
fi

# --- the configuration directory ----------------------------------------------

for mode in 777 775 757 730; do
  fresh_cfg "$mode"
  touch "$cfg/.direct.xml.Stale1" # the clean-up must not run either
  before=$(describe "$cfg")
  install_offline "$cfg"
  # (0777 and 0757: direct.xml is read first, and is in a directory everyone can write.)
  result "a directory of mode $mode: refused, exit 1, what to do" 1 \
    "'$cfg'" "(mode 0$mode)" "nothing was changed" "('chmod go-w $cfg')"
  unchanged "a directory of mode $mode: nothing changed" "$before" "$cfg"
done

fresh_cfg
install_offline "$cfg"
chmod 777 "$cfg"
before=$(describe "$cfg")
uninstall_offline "$cfg"
result "uninstall in a directory others can write: refused too" 1 "chmod go-w"
unchanged "uninstall in a directory others can write: nothing changed" "$before" "$cfg"

fresh_cfg 1777
install_offline "$cfg"
result "a sticky directory writable by all (as /tmp) is fine" 0
check "a sticky directory: our new file is root's" "644 0:0" "$(stat -c '%a %u:%g' "$cfg/direct.xml")"

fresh_cfg
chown "$NOBODY" "$cfg"
before=$(describe "$cfg")
install_offline "$cfg"
result "a directory root does not own: refused, exit 1, what to do" 1 \
  "firewalld's configuration directory '$cfg' belongs to UID $NOBODY, neither root nor" \
  "('chown root $cfg')"
unchanged "a directory root does not own: nothing changed" "$before" "$cfg"

fresh_cfg
ln -s cfg "$tmp/cfg-link"
before=$(describe "$cfg")
for dir in "$tmp/cfg-link" "$tmp/cfg-link/"; do
  install_offline "$dir"
  result "a directory that is a link ('$dir'): refused, exit 1" 1 \
    "firewalld's configuration directory '$dir' is a symbolic link (to 'cfg')" \
    "--firewalld-config-dir"
  unchanged "a directory that is a link ('$dir'): nothing changed" "$before" "$cfg"
done
mtp status --kuma-dp-user 0 --backend firewalld --store-firewalld --firewalld-config-dir "$tmp/cfg-link"
result "status reads through a directory link (Kuma 2.1's rules there: drifted, exit 6)" 6
rm -f "$tmp/cfg-link"

# --- direct.xml a link, or with a second name --------------------------------------

fresh_cfg
mv "$cfg/direct.xml" "$cfg/real.xml"
ln -s real.xml "$cfg/direct.xml"
before=$(describe "$cfg")
install_offline "$cfg"
result "direct.xml a link: install refused, exit 1, what to do" 1 \
  "'$cfg/direct.xml' is a symbolic link (to 'real.xml')" "nothing was changed" \
  "('cp --remove-destination $cfg/real.xml $cfg/direct.xml')"
unchanged "direct.xml a link: nothing changed" "$before" "$cfg"
mtp status --kuma-dp-user 0 --backend firewalld --store-firewalld --firewalld-config-dir "$cfg"
result "direct.xml a link: status reads through it (drifted, exit 6)" 6

fresh_cfg
install_offline "$cfg"
mv "$cfg/direct.xml" "$cfg/real.xml"
ln -s real.xml "$cfg/direct.xml"
before=$(describe "$cfg")
uninstall_offline "$cfg"
result "direct.xml a link: uninstall refused, exit 1" 1 "is a symbolic link (to 'real.xml')"
unchanged "direct.xml a link: uninstall changed nothing" "$before" "$cfg"

fresh_cfg
ln "$cfg/direct.xml" "$tmp/second-name.xml"
install_offline "$cfg"
result "direct.xml with a second name (hard link): installed" 0
if cmp -s "$data" "$tmp/second-name.xml" && ! cmp -s "$data" "$cfg/direct.xml" &&
  [ "$(stat -c %h "$cfg/direct.xml")" = 1 ]; then
  tap_ok "the second name keeps the previous content; direct.xml is a new file"
else
  tap_not_ok "the second name keeps the previous content; direct.xml is a new file"
fi
rm -f "$tmp/second-name.xml"

# --- trust: the files and variables that steer a root run --------------------------
# A file, or a variable's file, that someone other than root could have written
# is refused before anything is changed: the configuration file, direct.xml,
# resolv.conf, both locks, the system bus socket and the programs run from $PATH.
# Trusted: the file belongs to root or the caller and only its owner can write
# it; no directory above it can be written by every user (unless sticky); every
# link on the way belongs to root or the caller (mtp-file.h).

T=$tmp/trust
# fresh_trust: $T anew (root's, 0755), and $cfg as fresh_cfg makes it.
fresh_trust() {
  rm -rf "$T"
  mkdir -m 755 "$T"
  fresh_cfg
  before=$(describe "$cfg")
}
# evil_conf FILE: a configuration file that takes every address out of the mesh.
evil_conf() {
  printf '[mesh-tproxy]\nexclude-outbound-ips=0.0.0.0/0\n' > "$1"
  chmod 644 "$1"
}
# conf_refused DESC CONF NEEDLE…: an offline install with --config CONF is refused
# (exit 1) with each NEEDLE and "nothing was changed", and changed nothing.
conf_refused() {
  d=$1 conf=$2
  shift 2
  install_offline "$cfg" --config "$conf"
  result "$d: refused, exit 1, what to do" 1 "$@" "nothing was changed"
  unchanged "$d: nothing changed" "$before" "$cfg"
}
# conf_accepted DESC CONF: ... is applied (the rule of the file is in direct.xml).
conf_accepted() {
  install_offline "$cfg" --config "$2"
  if [ "$rc" -eq 0 ] && grep -qF -- '-d 0.0.0.0/0 -j RETURN' "$cfg/direct.xml"; then
    tap_ok "$1: accepted and applied"
  else
    tap_not_ok "$1: accepted and applied" "exit code $rc" "$(cat "$tmp/err")"
  fi
}

fresh_trust
evil_conf "$T/c.conf"
chmod 666 "$T/c.conf"
conf_refused "a configuration file everyone can write (0666)" "$T/c.conf" \
  "the configuration file '$T/c.conf' is writable by users other than its owner (mode 0666)" \
  "('chmod go-w $T/c.conf')"
chmod 664 "$T/c.conf"
conf_refused "a configuration file its group can write (0664)" "$T/c.conf" "(mode 0664)"
chmod 644 "$T/c.conf"
chown $NOBODY "$T/c.conf"
conf_refused "a configuration file of another user" "$T/c.conf" \
  "the configuration file '$T/c.conf' belongs to UID $NOBODY, neither root nor the user running" \
  "('chown root $T/c.conf')"
chown 0 "$T/c.conf"
mkdir -m 777 "$T/ww"
evil_conf "$T/ww/c.conf"
conf_refused "a configuration file in a directory everyone can write" "$T/ww/c.conf" \
  "the configuration file '$T/ww/c.conf' is in the directory '$T/ww', which every user can write (mode 0777)" \
  "('chmod go-w $T/ww')"
mkdir -m 755 "$T/ww/sub"
evil_conf "$T/ww/sub/c.conf"
conf_refused "a configuration file two levels below such a directory" "$T/ww/sub/c.conf" \
  "is in the directory '$T/ww', which every user can write"
ln -s ww/sub/c.conf "$T/via-link.conf"
conf_refused "a link of root's to a configuration file below such a directory" \
  "$T/via-link.conf" "the configuration file '$T/via-link.conf' is in the directory '$T/ww'"
ln -s c.conf "$T/nobody-link.conf"
chown -h $NOBODY "$T/nobody-link.conf"
conf_refused "a configuration file reached through another user's link" "$T/nobody-link.conf" \
  "is reached through the symbolic link '$T/nobody-link.conf', which belongs to UID $NOBODY"
mkdir -m 1777 "$T/sticky"
evil_conf "$T/sticky/c.conf"
conf_accepted "root's configuration file in a sticky directory everyone can write (as /tmp)" \
  "$T/sticky/c.conf"
fresh_trust
mkdir -m 775 "$T/group"
evil_conf "$T/group/c.conf"
conf_accepted "root's configuration file below a directory its group can write" "$T/group/c.conf"
# The caller's own file is trusted (show changes nothing: no root needed).
fresh_trust
evil_conf "$T/c.conf"
chown $NOBODY "$T/c.conf"
as_nobody show --kuma-dp-user 0 --config "$T/c.conf"
if [ "$rc" -eq 0 ] && grep -qF -- '-d 0.0.0.0/0 -j RETURN' "$tmp/out"; then
  tap_ok "nobody's own configuration file is trusted when nobody runs it"
else
  tap_not_ok "nobody's own configuration file is trusted when nobody runs it" "exit code $rc" \
    "$(cat "$tmp/err")"
fi
chown 4242 "$T/c.conf"
as_nobody show --kuma-dp-user 0 --config "$T/c.conf"
result "a configuration file of a third user is refused when nobody runs it" 1 \
  "belongs to UID 4242, neither root nor the user running"

# direct.xml is read, kept, and loaded by firewalld as root.
for how in "chmod 666" "chmod 664" "chown $NOBODY"; do
  fresh_trust
  $how "$cfg/direct.xml"
  before=$(describe "$cfg")
  for cmd in install status uninstall; do
    case $cmd in
      install) install_offline "$cfg" ;;
      status) mtp status --kuma-dp-user 0 --backend firewalld --store-firewalld \
        --firewalld-config-dir "$cfg" ;;
      uninstall) uninstall_offline "$cfg" ;;
    esac
    result "direct.xml after '$how': $cmd refused, exit 1" 1 \
      "firewalld's direct configuration '$cfg/direct.xml'" "nothing was changed"
  done
  unchanged "direct.xml after '$how': nothing changed" "$before" "$cfg"
done

# firewalld.conf: its settings choose the rules while firewalld is stopped
# (RFC3964_IPv4=yes: no IPv6 rules).
fresh_trust
printf 'RFC3964_IPv4=no\n' > "$cfg/firewalld.conf"
chmod 666 "$cfg/firewalld.conf"
before=$(describe "$cfg")
install_offline "$cfg"
result "firewalld.conf everyone can write: install refused, exit 1" 1 \
  "firewalld's configuration '$cfg/firewalld.conf' is writable by users other than its owner (mode 0666)" \
  "nothing was changed"
unchanged "firewalld.conf everyone can write: nothing changed" "$before" "$cfg"
chmod 644 "$cfg/firewalld.conf"
install_offline "$cfg"
if [ "$rc" -eq 0 ] &&
  grep -qF 'ipv="ipv6" table="nat" chain="KUMA_MESH_OUTBOUND"' "$cfg/direct.xml"; then
  tap_ok "root's firewalld.conf is read (RFC3964_IPv4=no: IPv6 rules written)"
else
  tap_not_ok "root's firewalld.conf is read (RFC3964_IPv4=no: IPv6 rules written)" \
    "exit code $rc" "$(cat "$tmp/err")"
fi

# resolv.conf chooses which DNS queries go to the proxy.
dns_install() { install_offline "$cfg" --redirect-dns --resolv-conf "$1"; }
fresh_trust
printf 'nameserver 192.0.2.53\n' > "$T/resolv.conf"
chmod 666 "$T/resolv.conf"
dns_install "$T/resolv.conf"
result "a resolv.conf everyone can write: refused, exit 1" 1 \
  "the resolver configuration '$T/resolv.conf' is writable by users other than its owner (mode 0666)"
unchanged "a resolv.conf everyone can write: nothing changed" "$before" "$cfg"
chmod 644 "$T/resolv.conf"
chown $NOBODY "$T/resolv.conf"
dns_install "$T/resolv.conf"
result "a resolv.conf of another user, in root's directory: refused, exit 1" 1 \
  "the resolver configuration '$T/resolv.conf' belongs to UID $NOBODY"
unchanged "a resolv.conf of another user: nothing changed" "$before" "$cfg"
# systemd-resolved's layout: /etc/resolv.conf, root's link to the stub file,
# which belongs to systemd-resolve as its directory does.
mkdir -p "$T/etc" "$T/run/systemd/resolve"
printf 'nameserver 192.0.2.54\n' > "$T/run/systemd/resolve/stub-resolv.conf"
chown 4242:4242 "$T/run/systemd/resolve" "$T/run/systemd/resolve/stub-resolv.conf"
ln -s ../run/systemd/resolve/stub-resolv.conf "$T/etc/resolv.conf"
dns_install "$T/etc/resolv.conf"
if [ "$rc" -eq 0 ] && grep -qF -- '-d 192.0.2.54/32' "$cfg/direct.xml"; then
  tap_ok "systemd-resolved's layout (a service's file in its own directory, via root's link): used"
else
  tap_not_ok "systemd-resolved's layout: used" "exit code $rc" "$(cat "$tmp/err")"
fi

# mesh-tproxy's lock ($MESH_TPROXY_LOCK_FILE): we write our PID into it.
lock_run() { # CMD LOCK: CMD offline with that lock
  mtp_env "MESH_TPROXY_LOCK_FILE=$2" "$1" --kuma-dp-user 0 --backend firewalld --store-firewalld \
    --firewalld-config-dir "$cfg"
}
fresh_trust
printf 'precious\n' > "$T/precious"
ln "$T/precious" "$T/lock"
for cmd in install status; do
  lock_run $cmd "$T/lock"
  result "our lock a hard link to another file: $cmd refused, exit 1" 1 \
    "mesh-tproxy's lock '$T/lock' has 2 names (hard links)" "('rm $T/lock')"
done
check "... and nothing was written through it" "precious" "$(cat "$T/precious")"
unchanged "... nor in firewalld's directory" "$before" "$cfg"
rm -f "$T/lock"
: > "$T/lock"
chown $NOBODY "$T/lock"
lock_run install "$T/lock"
result "our lock another user's: refused, exit 1" 1 \
  "mesh-tproxy's lock '$T/lock' belongs to UID $NOBODY, not to UID 0"
chown 0 "$T/lock"
chmod 666 "$T/lock"
lock_run install "$T/lock"
result "our lock writable by everyone: refused, exit 1" 1 \
  "mesh-tproxy's lock '$T/lock' is writable by users other than its owner (mode 0666)"
mkdir -m 777 "$T/ww"
lock_run install "$T/ww/lock"
result "our lock in a directory everyone can write: refused, exit 1" 1 \
  "mesh-tproxy's lock '$T/ww/lock' is in the directory '$T/ww', which every user can write"
check "... and not created there" "" "$(ls -A "$T/ww")"
unchanged "none of these changed firewalld's directory" "$before" "$cfg"
rm -f "$T/lock"
ln -s precious "$T/lock"
lock_run install "$T/lock"
result "our lock a symbolic link: refused, exit 1" 1 "opening mesh-tproxy's lock '$T/lock'"
rm -f "$T/lock"
lock_run install "$T/lock"
result "our lock created anew: install exits 0" 0
check "... a file of root's, 0600, one name" "600 0 1" "$(stat -c '%a %u %h' "$T/lock")"

# The xtables lock ($XTABLES_LOCKFILE), libiptc in a namespace of its own.
xt_run() { mtp_env "XTABLES_LOCKFILE=$1" install --kuma-dp-user 0 --backend iptables; }
fresh_trust
printf 'precious\n' > "$T/precious"
ln "$T/precious" "$T/xt.lock"
xt_run "$T/xt.lock"
result "the xtables lock a hard link: refused, exit 1" 1 \
  "the xtables lock '$T/xt.lock' has 2 names (hard links)"
rm -f "$T/xt.lock"
: > "$T/xt.lock"
chown $NOBODY "$T/xt.lock"
xt_run "$T/xt.lock"
result "the xtables lock another user's: refused, exit 1" 1 \
  "the xtables lock '$T/xt.lock' belongs to UID $NOBODY, not to UID 0"
rm -f "$T/xt.lock"
mkfifo -m 600 "$T/xt.lock"
xt_run "$T/xt.lock"
result "the xtables lock a FIFO: refused at once, exit 1" 1 \
  "the xtables lock '$T/xt.lock' is not a regular file"
rm -f "$T/xt.lock"
# As iptables itself makes it: the two take turns on it.
unshare --net -- env XTABLES_LOCKFILE="$T/xt.lock" iptables-legacy -w -L > /dev/null 2>&1
xt_run "$T/xt.lock"
result "the xtables lock as iptables created it ($(stat -c '%a %U' "$T/xt.lock")): used, exit 0" 0

# The system bus: whoever listens there answers as firewalld.
fresh_trust
mkdir -m 777 "$T/ww"
python3 -c 'import socket, sys
for p in sys.argv[1:]: socket.socket(socket.AF_UNIX).bind(p)' "$T/bus" "$T/ww/bus"
chown $NOBODY "$T/bus"
for address in "unix:path=$T/bus" "unix:path=$T/ww/bus" "unix:abstract=mtp-test-bus" \
  "tcp:host=127.0.0.1,port=9" "unix:path=/nonexistent/mtp-test-bus;unix:path=$T/bus"; do
  mtp_env "DBUS_SYSTEM_BUS_ADDRESS=$address" install --kuma-dp-user 0 --backend firewalld \
    --store-firewalld --firewalld-config-dir "$cfg"
  case $address in
    *"$T/bus") needle="the system bus socket '$T/bus' belongs to UID $NOBODY" ;;
    *"$T/ww/bus") needle="the system bus socket '$T/ww/bus' is in the directory '$T/ww'" ;;
    *) needle="the system bus address '$address' (\$DBUS_SYSTEM_BUS_ADDRESS) is not a unix:path= socket" ;;
  esac
  result "DBUS_SYSTEM_BUS_ADDRESS=$address: refused, exit 1" 1 "$needle" "nothing was changed"
  unchanged "DBUS_SYSTEM_BUS_ADDRESS=$address: nothing changed" "$before" "$cfg"
done

# Programs from $PATH (iptables-save, run for the DNS rules' DOCKER_OUTPUT check).
fresh_trust
mkdir -m 777 "$T/ww"
mkdir -m 755 "$T/good"
for d in ww good; do
  printf '#!/bin/sh\necho %s >> %s\nexit 1\n' "$d" "$T/ran" > "$T/$d/iptables-save"
  chmod 755 "$T/$d/iptables-save"
done
mtp_env "PATH=$T/ww:$PATH" install --kuma-dp-user 0 --backend firewalld --store-firewalld \
  --firewalld-config-dir "$cfg" --redirect-all-dns-traffic --verbose
cat "$tmp/out" >> "$tmp/err" # (wherever --verbose writes)
result "an iptables-save in a directory everyone can write: not run, the install goes on" 0 \
  "the program '$T/ww/iptables-save' is in the directory '$T/ww', which every user can write"
check "... it did not run" "" "$(cat "$T/ran" 2> /dev/null)"
rm -f "$T/ran"
mtp_env "PATH=$T/good:$PATH" install --kuma-dp-user 0 --backend firewalld --store-firewalld \
  --firewalld-config-dir "$cfg" --redirect-all-dns-traffic
check "root's iptables-save first in \$PATH is run (as before)" "good" "$(sort -u "$T/ran" 2> /dev/null)"

# --- runs killed between a temporary file and its rename --------------------------
# strace delivers SIGKILL when the program enters its first renameat (direct.xml.old's:
# both temporary files exist) or its second (direct.xml's). (The install record,
# written before and after direct.xml, is renamed with rename(2), which strace
# counts apart.)

fresh_cfg
kills=0
most=0
intact=0
for i in 1 2 3 4 5 6 7 8; do
  when=$((1 + i % 2))
  before=$(sha256sum < "$cfg/direct.xml")
  unshare --net -- strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
    -e inject=renameat,renameat2:signal=KILL:when=$when \
    "$MESH_TPROXY" install --kuma-dp-user 0 --backend firewalld --store-firewalld \
    --firewalld-config-dir "$cfg" --redirect-outbound-port $((16000 + i)) \
    > /dev/null 2>&1 < /dev/null
  [ $? -eq 137 ] && kills=$((kills + 1))
  [ "$(sha256sum < "$cfg/direct.xml")" = "$before" ] && parses_with_foreign "$cfg/direct.xml" &&
    intact=$((intact + 1))
  n=$(temp_files "$cfg")
  [ "$n" -gt "$most" ] && most=$n
done
check "8 installs killed at a rename (SIGKILL)" 8 "$kills"
check "after each kill direct.xml is the previous one, whole" 8 "$intact"
check "temporary files do not pile up: at most the 2 of the last killed run" 2 "$most"
install_offline "$cfg" --redirect-outbound-port 16100
result "the next install succeeds" 0
check "and leaves no temporary file" 0 "$(temp_files "$cfg")"
if grep -qF 'to-ports 16100' "$cfg/direct.xml" && parses_with_foreign "$cfg/direct.xml"; then
  tap_ok "direct.xml has the new rules and the administrator's entries"
else
  tap_not_ok "direct.xml has the new rules and the administrator's entries"
fi

# --- no shell ---------------------------------------------------------------------

# LeakSanitizer (an ASan build) cannot work under ptrace.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
# The memcheck pass's wrapper (tests/lib/valgrind.sh) is a script that runs
# valgrind: trace the program itself.
TRACED_PROGRAM=${MESH_TPROXY_REAL:-$MESH_TPROXY}
export TRACED_PROGRAM

# traced NAME ARG…: runs the program under strace (execve only) in a fresh
# network namespace; the trace in $tmp/trace.NAME, "NAME EXIT-CODE" added to
# $tmp/traced.
traced() {
  name=$1
  shift
  unshare --net -- strace -f -qq -e trace=execve -o "$tmp/trace.$name" \
    "$TRACED_PROGRAM" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
  echo "$name $?" >> "$tmp/traced"
}

fresh_cfg
traced offline-install install --kuma-dp-user 0 --backend firewalld --store-firewalld \
  --firewalld-config-dir "$cfg"
traced offline-status status --kuma-dp-user 0 --backend firewalld --store-firewalld \
  --firewalld-config-dir "$cfg"
traced offline-uninstall uninstall --backend firewalld --firewalld-config-dir "$cfg"
install_offline "$cfg"
traced auto-uninstall uninstall --firewalld-config-dir "$cfg"
traced show show --kuma-dp-user 0 --format json
# libiptc: each run in a namespace of its own; install and uninstall also in one.
traced iptc-install install --kuma-dp-user 0 --backend iptables
traced iptc-status status --kuma-dp-user 0 --backend iptables
traced iptc-uninstall uninstall --backend iptables
cat > "$tmp/iptc.sh" << 'EOF'
for cmd in "install --kuma-dp-user 0" "status --kuma-dp-user 0" "uninstall"; do
  # shellcheck disable=SC2086
  strace -f -qq -e trace=execve -o "$tmp/trace.iptc-one-ns-${cmd%% *}" \
    "$TRACED_PROGRAM" $cmd --backend iptables > /dev/null 2>&1 < /dev/null
  echo "iptc-one-ns-${cmd%% *} $?" >> "$tmp/traced"
done
EOF
unshare --net -- sh "$tmp/iptc.sh"
check "each traced run did its work (exit codes)" "offline-install 0
offline-status 7
offline-uninstall 0
auto-uninstall 0
show 0
iptc-install 0
iptc-status 5
iptc-uninstall 0
iptc-one-ns-install 0
iptc-one-ns-status 0
iptc-one-ns-uninstall 0" "$(cat "$tmp/traced")"

shells='sh|bash|dash|zsh|ksh|ksh93|mksh|pdksh|ash|busybox|csh|tcsh|fish|rbash|yash|posh'
# Every file execve'd (tried or run), minus the program itself.
sed -n 's/^[0-9]* *execve("\([^"]*\)".*/\1/p' "$tmp"/trace.* | grep -vxF "$TRACED_PROGRAM" |
  sort -u > "$tmp/tried"
# Those that ran.
sed -n 's/^[0-9]* *execve("\([^"]*\)".* = 0$/\1/p' "$tmp"/trace.* | grep -vxF "$TRACED_PROGRAM" |
  sort -u > "$tmp/ran"
n_traces=$(find "$tmp" -maxdepth 1 -name "trace.*" | wc -l)
n_execs=$(grep -c 'execve(.* = 0$' "$tmp"/trace.* | awk -F: '{ s += $2 } END { print s }')
echo "# $n_traces runs traced, $n_execs successful execve (the program's own included); ran:"
sed 's/^/#   /' "$tmp/ran"
check "strace saw the program start in each traced run" "$n_traces" \
  "$(grep -lF "execve(\"$TRACED_PROGRAM\"" "$tmp"/trace.* | wc -l)"
bad=$(sed 's|.*/||' "$tmp/tried" | grep -xE "$shells")
check "no shell executed or tried (sh, bash, dash, …)" "" "$bad"
# A script's interpreter does not show as an execve of its own.
interpreters=""
while read -r f; do
  if [ "$(head -c 2 "$f")" = "#!" ]; then
    interpreters="$interpreters $(head -n 1 "$f" | sed 's/^#! *//; s/ .*//')"
  fi
done < "$tmp/ran"
bad=$(for i in $interpreters; do echo "$i"; done | sed 's|.*/||' | grep -xE "$shells")
check "no program run is a shell script (interpreters:${interpreters:- none})" "" "$bad"
bad=$(sed 's|.*/||' "$tmp/ran" | grep -vxE 'iptables|ip6tables|iptables-save|ip6tables-save|iptables-legacy-save|ip6tables-legacy-save|iptables-nft-save|ip6tables-nft-save|firewall-offline-cmd')
check "only iptables, its save tools and firewall-offline-cmd are run" "" "$bad"

# The sources: nothing that runs a command line through a shell.
forbidden='(^|[^A-Za-z0-9_])(system|popen|wordexp|execl|execlp|execle)[[:space:]]*\(|g_spawn_command_line_|"(/usr)?(/bin/)?(sh|bash|dash|zsh|ksh)"|"(sh|bash|dash) -c|/bin/sh'
found=$(grep -nE "$forbidden" "$top"/src/*.c "$top"/src/*.h)
check "src/ has no system(), popen(), wordexp(), execl*(), g_spawn_command_line_*, sh -c" "" "$found"
# ... and the check finds each of them.
cat > "$tmp/bad.c" << 'EOF'
system ("iptables -L");
x = popen (cmd, "r");
wordexp (s, &w, 0);
execl ("/usr/sbin/iptables", "iptables", NULL);
execlp("iptables", "iptables", NULL);
g_spawn_command_line_sync ("iptables -L", &out, NULL, NULL, NULL);
g_spawn_command_line_async ("iptables -L", NULL);
const char *argv[] = { "sh", "-c", cmd, NULL };
const char *argv[] = { "/bin/bash", "-c", cmd, NULL };
g_subprocess_new (0, NULL, "dash -c", cmd, NULL);
EOF
check "the source check finds each of 10 forbidden forms" 10 "$(grep -cE "$forbidden" "$tmp/bad.c")"
printf '%s\n' 'g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &st, NULL);' \
  'const char *argv[] = { "iptables-save", "-t", "nat", NULL };' '/* systemd (host) */' 'mtp_shell_x (a);' \
  > "$tmp/good.c"
check "the source check passes argv spawns" 0 "$(grep -cE "$forbidden" "$tmp/good.c")"

# --- unprivileged runs --------------------------------------------------------------


fresh_cfg
install_offline "$cfg" # ours there too, for uninstall
before=$(describe "$cfg")
unshare --net -- env -u MESH_TPROXY_LOCK_FILE setpriv --reuid=$NOBODY --regid=$NOBODY \
  --clear-groups -- "$MESH_TPROXY" install --kuma-dp-user 0 --backend firewalld --store-firewalld \
  --firewalld-config-dir "$cfg" > "$tmp/out" 2> "$tmp/err" < /dev/null
rc=$?
result "nobody, default lock: install exits 4" 4 "Permission denied"
unchanged "nobody, default lock: nothing changed" "$before" "$cfg"

# A lock nobody can take: the run gets as far as its install record, which
# it cannot write in root's state directory.
: > "$tmp/lock"
chown $NOBODY "$tmp/lock"
as_nobody install --kuma-dp-user 0 --backend firewalld --store-firewalld --redirect-outbound-port 16001 \
  --firewalld-config-dir "$cfg"
result "nobody: offline install stops at the install record, exit 4" 4 \
  "cannot write mesh-tproxy's install record in '$MESH_TPROXY_STATE_DIR': Permission denied" "needs root"
unchanged "nobody: offline install (record) changed nothing" "$before" "$cfg"
# And a state directory of its own: the run gets as far as direct.xml.
mkdir "$tmp/nobody-state"
chown $NOBODY "$tmp/nobody-state"
as_nobody install --kuma-dp-user 0 --backend firewalld --store-firewalld --redirect-outbound-port 16001 \
  --firewalld-config-dir "$cfg" --state-dir "$tmp/nobody-state"
result "nobody: offline install exits 4 with what to do" 4 \
  "cannot write in firewalld's configuration directory '$cfg': Permission denied" "needs root"
unchanged "nobody: offline install changed nothing" "$before" "$cfg"
as_nobody uninstall --backend firewalld --firewalld-config-dir "$cfg"
result "nobody: offline uninstall exits 4" 4 "needs root"
unchanged "nobody: offline uninstall changed nothing" "$before" "$cfg"
as_nobody uninstall --firewalld-config-dir "$cfg"
result "nobody: uninstall (auto backend) exits 4" 4 "needs root"
unchanged "nobody: uninstall (auto backend) changed nothing" "$before" "$cfg"

# Without a bus, whether firewalld runs is told by the processes of the
# namespace, which only root sees: nobody stops there.
unshare --net -- setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups -- \
  "$MESH_TPROXY" uninstall --firewalld-config-dir "$cfg" > "$tmp/out" 2> "$tmp/err" < /dev/null
rc=$?
result "nobody, no bus: uninstall exits 4" 4 "looking at other users' processes needs root"
unchanged "nobody, no bus: uninstall changed nothing" "$before" "$cfg"

# libiptc: a namespace with a foreign rule and ours; nobody's runs change nothing
# in its tables or addresses.
cat > "$tmp/nobody-iptc.sh" << 'EOF'
snapshot() {
  { iptables-legacy-save; ip6tables-legacy-save; ip addr show; } |
    grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
}
ip link set lo up
iptables-legacy -t nat -A OUTPUT -p tcp --dport 9 -j RETURN
MESH_TPROXY_LOCK_FILE=$tmp/root.lock "$MESH_TPROXY" install --kuma-dp-user 0 --backend iptables \
  > /dev/null 2>&1 || echo "root install failed"
snapshot > "$tmp/ns.before"
grep -q KUMA_MESH_OUTBOUND "$tmp/ns.before" || echo "our rules are not there"
for cmd in "install --kuma-dp-user 0 --redirect-outbound-port 16001" "uninstall"; do
  # shellcheck disable=SC2086
  setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups -- \
    "$MESH_TPROXY" $cmd --backend iptables > /dev/null 2> "$tmp/ns.err" < /dev/null
  echo "${cmd%% *} $? $(grep -c 'needs CAP_NET_ADMIN: run as root' "$tmp/ns.err")"
  snapshot | cmp -s "$tmp/ns.before" - || echo "${cmd%% *} changed the namespace"
done
EOF
out=$(unshare --net -- sh "$tmp/nobody-iptc.sh")
check "nobody: libiptc install and uninstall exit 4, say CAP_NET_ADMIN, change nothing" \
  "install 4 1
uninstall 4 1" "$out"

tap_done
