# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# tools/run-tests' memcheck pass: when $MTP_VALGRIND_LOG names a directory,
# every run of the program goes through tools/valgrind-mesh-tproxy.
if [ -n "${MTP_VALGRIND_LOG:-}" ] && [ -n "${MESH_TPROXY:-}" ] && [ -z "${MESH_TPROXY_REAL:-}" ]; then
  MESH_TPROXY_REAL=$MESH_TPROXY
  MESH_TPROXY=$(cd "$(dirname "$0")/.." && pwd)/tools/valgrind-mesh-tproxy
  export MESH_TPROXY_REAL MESH_TPROXY
fi
