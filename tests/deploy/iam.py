"""Just enough of IAM's policy evaluation to check `.chalice/policy.json`: Allow statements, Action and
Resource lists with `*`/`?` wildcards. Anything the evaluator does not model (Deny, NotAction, NotResource,
Condition) is refused, so the policy cannot grow a construct this check would silently misread."""
from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

POLICY_PATH = Path(__file__).resolve().parents[2] / ".chalice" / "policy.json"
SUPPORTED_KEYS = {"Sid", "Effect", "Action", "Resource"}


@dataclass(frozen=True)
class Grant:
    """One action on one resource pattern, as a statement of the policy allows it."""

    sid: str
    action: str
    resource: str


def load_policy(path: Path = POLICY_PATH) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def grants(policy: dict[str, Any]) -> list[Grant]:
    out = []
    for statement in policy["Statement"]:
        unsupported = set(statement) - SUPPORTED_KEYS
        if unsupported or statement["Effect"] != "Allow":
            raise ValueError(f"statement {statement.get('Sid')}: only plain Allow statements are checked, "
                             f"found {sorted(unsupported) or statement['Effect']}")
        for action in _as_list(statement["Action"]):
            out += [Grant(statement.get("Sid", ""), action, r) for r in _as_list(statement["Resource"])]
    return out


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action names are case-insensitive."""
    return fnmatchcase(action.lower(), pattern.lower())


def resource_matches(pattern: str, arn: str) -> bool:
    """ARNs compare segment by segment (partition, service, region, account, resource); the resource part
    may itself hold colons and slashes, which a `*` there spans."""
    want, have = pattern.split(":", 5), arn.split(":", 5)
    return len(want) == len(have) == 6 and all(fnmatchcase(h, w) for w, h in zip(want, have, strict=True))


def allowed_by(policy_grants: list[Grant], action: str, arn: str) -> list[Grant]:
    """The grants that allow `action` on `arn` (empty: denied)."""
    return [g for g in policy_grants if action_matches(g.action, action) and resource_matches(g.resource, arn)]
