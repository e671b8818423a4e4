"""The data stack for `chalice deploy`: the tables, queue and DLQ of infra/merge.yaml as a template of their
own (Chalice's deployer creates no tables or queues, and the queue must exist before the worker's mapping).
Same definitions as the packaged template, so the two ways of deploying cannot drift.
Usage: python infra/resources_only.py [infra/merge.yaml] [build/resources.yaml]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def resources_only(merge: dict[str, Any]) -> dict[str, Any]:
    """Keep the resources the merge template creates (those with a Type); drop its patches of Chalice's."""
    created = {name: r for name, r in merge["Resources"].items() if "Type" in r}
    # what ties itself to Chalice's resources (the WAF association names the API's stage) belongs to the package
    created = {name: r for name, r in created.items()
               if _refers_only_to(r.get("Properties", {}), set(created)) and r.get("DependsOn", name) in created}
    outputs = {name: o for name, o in merge.get("Outputs", {}).items() if _refers_only_to(o, set(created))}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": "jobledger data: event log and state tables, jobs queue and its dead-letter queue, and "
                           "the API's WAF web ACL (associate it with the API stage after `chalice deploy`)",
            "Resources": created, "Outputs": outputs}


def _refers_only_to(value: Any, names: set[str]) -> bool:
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"] in names
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0] in names
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            named = {t.split(".")[0] for t in re.findall(r"\$\{([^}!]+)\}", value["Fn::Sub"])}
            return all(n in names or n.startswith("AWS::") for n in named)
        return all(_refers_only_to(v, names) for v in value.values())
    if isinstance(value, list):
        return all(_refers_only_to(v, names) for v in value)
    return True


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else ROOT / "infra" / "merge.yaml"
    target = Path(argv[2]) if len(argv) > 2 else ROOT / "build" / "resources.yaml"
    template = resources_only(yaml.safe_load(source.read_text(encoding="utf-8")))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    print(f"resources_only: {len(template['Resources'])} resources -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
