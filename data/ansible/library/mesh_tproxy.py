#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ansible module: install or remove the mesh-tproxy transparent-proxy rules.

A thin wrapper around `mesh-tproxy install|uninstall --json`: the program does
the work and says what it changed; this module reports it as Ansible expects
(changed, diff, warnings) and supports check mode (--check) and diff mode.
"""

DOCUMENTATION = r"""
module: mesh_tproxy
short_description: Transparent-proxy rules for a service-mesh sidecar
description:
  - Installs (state=present) or removes (state=absent) the netfilter rules that
    redirect a host's traffic into a Kuma data plane proxy, through firewalld
    (live and, with store_firewalld, permanent) or the kernel's tables.
  - Idempotent; reports changed only when a rule was added or removed.
options:
  state:
    description: present or absent.
    default: present
    choices: [present, absent]
  store_firewalld:
    description: Make the rules permanent in firewalld.
    type: bool
    default: true
  config:
    description: mesh-tproxy's configuration file.
    default: /etc/mesh-tproxy/mesh-tproxy.conf
  options:
    description: Further long options as a dict, e.g. {kuma-dp-user: kuma-dp, redirect-dns: true}.
    type: dict
    default: {}
  binary:
    description: The mesh-tproxy program.
    default: mesh-tproxy
"""

import json

from ansible.module_utils.basic import AnsibleModule


def rule_lines(report, key):
    lines = []
    for store in report.get("stores", []):
        where = store.get("store")
        if store.get("location"):
            where += " " + store["location"]
        for chain in store.get(key.replace("rules", "chains"), []):
            lines.append("%s: chain %s" % (where, " ".join(chain)))
        for rule in store.get(key, []):
            lines.append("%s: %s" % (where, rule))
    return "".join(line + "\n" for line in lines)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(default="present", choices=["present", "absent"]),
            store_firewalld=dict(type="bool", default=True),
            config=dict(default="/etc/mesh-tproxy/mesh-tproxy.conf"),
            options=dict(type="dict", default={}),
            binary=dict(default="mesh-tproxy"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    command = "install" if p["state"] == "present" else "uninstall"
    argv = [p["binary"], command, "--json", "--config", p["config"]]
    if p["store_firewalld"] and command == "install":
        argv.append("--store-firewalld")
    if command == "install":
        for name, value in sorted(p["options"].items()):
            if isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, list):
                for item in value:
                    argv.append("--%s=%s" % (name, item))
            else:
                argv.append("--%s=%s" % (name, value))
    if module.check_mode:
        argv.append("--check")

    rc, out, err = module.run_command(argv)
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg="mesh-tproxy exited %d: %s" % (rc, err.strip() or out.strip()),
                         rc=rc, cmd=argv)

    would_change = any(not s.get("in_sync", True) for s in report.get("stores", []))
    result = dict(
        changed=bool(report.get("changed")) or (module.check_mode and would_change),
        rc=rc,
        cmd=argv,
        report=report,
        warnings=report.get("warnings", []),
    )
    if module._diff:
        result["diff"] = dict(before=rule_lines(report, "remove_rules"),
                              after=rule_lines(report, "add_rules"))
    if rc != 0 or report.get("failed"):
        module.fail_json(msg=report.get("msg") or err.strip() or "mesh-tproxy failed", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
