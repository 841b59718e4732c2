# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Minimal TAP output for the shell tests: plan at the end ("1..N").
TAP_N=0
TAP_FAILED=0

. "$(cd "$(dirname "$0")" && pwd)/lib/valgrind.sh"

tap_ok() { # tap_ok DESCRIPTION
  TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"
}

tap_not_ok() { # tap_not_ok DESCRIPTION [DETAIL…]
  TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"
  shift; for line in "$@"; do printf '%s\n' "$line" | sed 's/^/# /'; done
}

# check DESCRIPTION EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then tap_ok "$1"; else
    tap_not_ok "$1" "expected: $2" "got:      $3"; fi
}

# check_cmd DESCRIPTION COMMAND…: the command succeeds
check_cmd() {
  d=$1; shift
  if out=$("$@" 2>&1); then tap_ok "$d"; else tap_not_ok "$d" "$* failed:" "$out"; fi
}

tap_skip() { # tap_skip REASON: everything in this script is skipped
  if [ "${MTP_FAIL_ON_SKIP:-}" = 1 ]; then echo "1..1"; echo "not ok 1 - $1 (MTP_FAIL_ON_SKIP=1)"; exit 1; fi
  echo "1..0 # SKIP $1"; exit 0
}

tap_done() {
  echo "1..$TAP_N"
  [ "$TAP_FAILED" -eq 0 ]
}
