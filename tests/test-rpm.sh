#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# data/mesh-tproxy.spec builds with rpmbuild (Debian's rpm, with the few
# Fedora macros it lacks from tests/rpm-macros) from a tarball of the current
# tree, committed or not, and the package holds what it must, with the systemd
# and sysusers scriptlets. Runs the whole package build, %check (the unit
# suite) included. Needs no root; needs rpmbuild (Debian package rpm).
set -u
top=${MESON_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top/tests/lib/tap.sh"
spec=$top/data/mesh-tproxy.spec

for tool in rpmbuild rpm rpm2archive tar gzip; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "1..1"; echo "not ok 1 - $tool not found (install the rpm package)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/SOURCES"

name=$(sed -n 's/^Name: *//p' "$spec")
version=$(sed -n 's/^Version: *//p' "$spec")
meson_version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
check "the spec's version is the project's" "$meson_version" "$version"

# 1. The source tarball: the tree as it is (what `git archive HEAD` would give,
# plus what is not committed yet), without .git and meson build directories.
entries=""
for e in "$top"/* "$top"/.[!.]*; do
  [ -e "$e" ] || continue
  b=$(basename "$e")
  [ "$b" = .git ] && continue
  [ -d "$e/meson-private" ] && continue   # a build directory, whatever its name
  entries="$entries $b"
done
# shellcheck disable=SC2086
if out=$(tar -C "$top" --exclude='*/meson-private' --exclude='*.rpm' \
    --transform "s|^|$name-$version/|" -czf "$tmp/SOURCES/$name-$version.tar.gz" $entries 2>&1); then
  tap_ok "source tarball $name-$version.tar.gz"
else
  tap_not_ok "source tarball $name-$version.tar.gz" "$out"
fi
cp "$top/data/$name.sysusers" "$tmp/SOURCES/"

# 2. The build.
if rpmbuild --nodeps --load="$top/tests/rpm-macros" --define "_topdir $tmp" \
    -bb "$spec" > "$tmp/rpmbuild.log" 2>&1; then
  tap_ok "rpmbuild -bb $name.spec"
else
  tap_not_ok "rpmbuild -bb $name.spec" "$(tail -n 40 "$tmp/rpmbuild.log")"
  tap_done; exit 1
fi
rpmfile=$(find "$tmp/RPMS" -name "$name-$version-*.rpm" ! -name '*debug*' | head -n 1)
check "one binary package" "$name-$version-1" \
  "$(rpm -qp --qf '%{NAME}-%{VERSION}-%{RELEASE}' "$rpmfile" 2>/dev/null)"

# 3. Its files.
files=$(rpm -qlp "$rpmfile")
has() { # has DESCRIPTION PATTERN (an extended regular expression, whole line)
  if printf '%s\n' "$files" | grep -Eqx "$2"; then tap_ok "$1"; else
    tap_not_ok "$1" "no file matching $2 in:" "$files"; fi
}
has "the program" /usr/sbin/mesh-tproxy
has "the unit" /usr/lib/systemd/system/mesh-tproxy.service
has "the sysusers.d entry" /usr/lib/sysusers.d/mesh-tproxy.conf
has "the tmpfiles.d entry" /usr/lib/tmpfiles.d/mesh-tproxy.conf
has "the state directory (the install records)" /var/lib/mesh-tproxy
has "the configuration" /etc/mesh-tproxy/mesh-tproxy.conf
has "mesh-tproxy(8)" '/usr/share/man/man8/mesh-tproxy\.8(\.gz|\.xz|\.bz2)?'
has "mesh-tproxy.conf(5)" '/usr/share/man/man5/mesh-tproxy\.conf\.5(\.gz|\.xz|\.bz2)?'
has "the bash completion" /usr/share/bash-completion/completions/mesh-tproxy
has "the licence" '/usr/share/(doc|licenses)/mesh-tproxy(-[0-9.]*)?/COPYING'
# libxml2 is opened with dlopen: rpm cannot find it among the linked
# libraries, the spec requires it.
requires=$(rpm -qp --requires "$rpmfile")
if printf '%s\n' "$requires" | grep -Eq '^libxml2(\(|$| )'; then tap_ok "it requires libxml2 (opened with dlopen)"; else
  tap_not_ok "it requires libxml2 (opened with dlopen)" "$requires"; fi
check "the configuration is a config file" /etc/mesh-tproxy/mesh-tproxy.conf \
  "$(rpm -qp --configfiles "$rpmfile")"
mkdir "$tmp/x"
rpm2archive - < "$rpmfile" | tar -C "$tmp/x" -xzf -
check "the unit is substituted" "" "$(grep -n '@[a-z_]*@' "$tmp/x/usr/lib/systemd/system/mesh-tproxy.service" 2>&1)"
check "the program is the one just built" "mesh-tproxy $version" \
  "$("$tmp/x/usr/sbin/mesh-tproxy" --version 2>&1 | head -n 1)"

# 4. Its scriptlets: the systemd ones, the user created before installing,
# and no restart on upgrade.
scripts=$(rpm -qp --scripts "$rpmfile")
section() { # section NAME: one scriptlet's text from `rpm --scripts`
  printf '%s\n' "$scripts" | awk -v n="$1" '/^[a-z]+ scriptlet/ { p = ($1 == n) } p'
}
contains() { # contains DESCRIPTION TEXT STRING
  case "$2" in *"$3"*) tap_ok "$1" ;; *) tap_not_ok "$1" "no '$3' in:" "$2" ;; esac
}
contains "%post: systemd_post" "$(section postinstall)" "install-system-units mesh-tproxy.service"
contains "%preun: systemd_preun" "$(section preuninstall)" "remove-system-units mesh-tproxy.service"
contains "%postun: systemd_postun" "$(section postuninstall)" "system-reload"
check "%postun: no restart on upgrade" "" \
  "$(section postuninstall | grep -n 'restart' | grep -v '^[0-9]*: *#')"
contains "%pre: creates the user kuma-dp" "$(section preinstall)" "u kuma-dp 5678"

tap_done
