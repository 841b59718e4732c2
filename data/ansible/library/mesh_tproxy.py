#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ansible module: install or remove the mesh-tproxy transparent-proxy rules.

A thin wrapper around `mesh-tproxy install|uninstall --json`: the program does
the work and says what it changed (or, in check mode, would change); this
module reports it as Ansible expects (changed, diff, warnings) and supports
check mode (--check) and diff mode.
"""

DOCUMENTATION = r"""
module: mesh_tproxy
short_description: Transparent-proxy rules for a service-mesh sidecar
description:
  - Installs (state=present) or removes (state=absent) the netfilter rules that
    redirect a host's traffic into a Kuma data plane proxy, through firewalld
    (live and, with store_firewalld, permanent) or the kernel's tables.
  - Idempotent; reports changed only when a rule was added or removed (in
    check mode, when one would be).
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
    description:
      - Further long options of mesh-tproxy install as a dict, e.g.
        {kuma-dp-user: kuma-dp, redirect-dns: true, exclude-outbound-ports: [22, 80]}.
      - A value is a string, a whole number or a boolean. A list is given to a
        list option (exclude-inbound-ports, exclude-outbound-ports,
        exclude-outbound-ips, exclude-inbound-ips) whole, its elements joined
        with commas, and to a repeatable option (vnet,
        exclude-outbound-ports-for-uids) as one flag per element.
      - A value that cannot be passed as given fails the task and changes
        nothing - a mapping, a null, a nested list, a list for an option that
        takes one value, a list element that holds a comma, is empty or is a
        boolean, an empty list for a repeatable option (the command line
        cannot say "none"), a NUL character - and so does an option that this
        module sets itself (config, store-firewalld, json, check, dry-run,
        help).
      - With state=absent only the options that mesh-tproxy uninstall takes
        are passed (backend, wait, timeout, firewalld-config-dir, verbose);
        the others describe the rules, which uninstall does not need.
    type: dict
    default: {}
  binary:
    description: The mesh-tproxy program.
    default: mesh-tproxy
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule

# How mesh-tproxy takes its options (mesh-tproxy(8)); tests/test-ansible.sh
# checks these lists against the program's --help.
LIST_OPTIONS = frozenset(["exclude-inbound-ports", "exclude-outbound-ports",
                          "exclude-outbound-ips", "exclude-inbound-ips"])
LIST_SEPARATOR = ","
REPEATABLE_OPTIONS = frozenset(["vnet", "exclude-outbound-ports-for-uids"])
UNINSTALL_OPTIONS = frozenset(
    ["backend", "wait", "timeout", "firewalld-config-dir", "state-dir", "verbose"]
)
MODULE_OPTIONS = frozenset(["config", "store-firewalld", "json", "check", "dry-run", "help"])
SCHEMA_VERSION = 1


class BadValue(Exception):
    pass


def describe(value):
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "%r (%s)" % (value, type(value).__name__)


def scalar(where, value, allow_bool=True):
    """The command-line text of one value, or BadValue."""
    if isinstance(value, bool):
        if not allow_bool:
            raise BadValue("%s: %s is not a value of this list" % (where, describe(value)))
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if "\0" in value:
            raise BadValue("%s: the value holds a NUL character, which no command line can carry"
                           % where)
        return value
    raise BadValue("%s: %s cannot be passed to mesh-tproxy (give a string, a whole number%s)"
                   % (where, describe(value), " or a boolean" if allow_bool else ""))


def option_args(name, value):
    """The --NAME=VALUE words for one option, or BadValue."""
    where = "options.%s" % name
    if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", name):
        raise BadValue("%s: not a long option name of mesh-tproxy" % where)
    if name in MODULE_OPTIONS:
        raise BadValue("%s: set by this module (its parameters and check mode), not in options"
                       % where)
    if name in LIST_OPTIONS and isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            text = scalar("%s[%d]" % (where, i), item, allow_bool=False)
            if text == "":
                raise BadValue("%s[%d]: an empty element" % (where, i))
            if LIST_SEPARATOR in text:
                raise BadValue("%s[%d]: %r holds '%s', which separates the elements of this "
                               "list; give each value as its own element"
                               % (where, i, text, LIST_SEPARATOR))
            items.append(text)
        return ["--%s=%s" % (name, LIST_SEPARATOR.join(items))]
    if name in REPEATABLE_OPTIONS and isinstance(value, list):
        if not value:
            raise BadValue("%s: an empty list cannot be passed (mesh-tproxy's command line "
                           "cannot say 'none', and the configuration file's values would "
                           "apply); leave the option out" % where)
        return ["--%s=%s" % (name, scalar("%s[%d]" % (where, i), item, allow_bool=False))
                for i, item in enumerate(value)]
    if isinstance(value, list):
        raise BadValue("%s: takes one value, not a list" % where)
    return ["--%s=%s" % (name, scalar(where, value))]


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
    try:
        for name, value in sorted(p["options"].items(), key=lambda kv: str(kv[0])):
            args = option_args(name, value)
            if command == "install" or name in UNINSTALL_OPTIONS:
                argv.extend(args)
    except BadValue as e:
        module.fail_json(msg=str(e), changed=False)
    if module.check_mode:
        argv.append("--check")

    rc, out, err = module.run_command(argv)
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg="mesh-tproxy exited %d: %s" % (rc, err.strip() or out.strip()),
                         rc=rc, cmd=argv)
    if not isinstance(report, dict):
        module.fail_json(msg="mesh-tproxy printed no JSON object", rc=rc, cmd=argv)

    warnings = list(report.get("warnings", []))
    if report.get("schema_version") != SCHEMA_VERSION:
        warnings.append("mesh-tproxy's JSON schema version is %r, this module knows %d"
                        % (report.get("schema_version"), SCHEMA_VERSION))
    # In check mode the program's "changed" means "would change".
    result = dict(
        changed=bool(report.get("changed")),
        rc=rc,
        cmd=argv,
        report=report,
        warnings=warnings,
    )
    if module._diff:
        result["diff"] = dict(before=rule_lines(report, "remove_rules"),
                              after=rule_lines(report, "add_rules"))
    if rc != 0 or report.get("failed"):
        module.fail_json(msg=report.get("msg") or err.strip() or "mesh-tproxy failed", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
