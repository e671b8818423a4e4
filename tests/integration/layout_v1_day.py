"""The day behind `data/layout-v1/`: a log exported from the state table's first layout (rows keyed by
(`kind`, `id`), unsharded indexes), made once with that code (`python -m tests.integration.layout_v1_day DIR`
at commit 8a6b263), kept to show that a log from that layout imports into the current one (test_migration).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests import conftest as _fake_aws  # noqa: F401  (fake credentials before any client)
from jobledger.audit import restore
from tests.harness import running_cloud
from tests.integration.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.integration.test_audit import busy_day

# What the API answers over the day's state: the listings (order, paging, counts) the import must keep.
QUESTIONS: list[dict[str, str]] = [
    {"command": "listVirtualMachines", "listall": "true"},
    {"command": "listVirtualMachines", "listall": "true", "page": "1", "pagesize": "2"},
    {"command": "listVirtualMachines", "listall": "true", "page": "2", "pagesize": "2"},
    {"command": "listVirtualMachines", "listall": "true", "state": "Running"},
    {"command": "listAsyncJobs", "listall": "true"},
    {"command": "listAsyncJobs", "listall": "true", "page": "2", "pagesize": "3"},
    {"command": "listAccounts", "listall": "true"},
    {"command": "listUsers", "listall": "true"},
    {"command": "listVolumes", "listall": "true"},
    {"command": "listSSHKeyPairs", "listall": "true"},
    {"command": "listTags", "listall": "true"},
    {"command": "listZones"},
    {"command": "listServiceOfferings"},
]
ALICE_QUESTIONS: list[dict[str, str]] = [{"command": "listVirtualMachines"}, {"command": "listAsyncJobs"},
                                         {"command": "listVolumes"}]


def more_of_the_day(cloud: Any, day: dict[str, Any]) -> None:
    """Key pairs, tags and a data volume besides busy_day's deploys, stops, tenants."""
    cloud.ok(command="createSSHKeyPair", name="ops")
    cloud.ok(as_=day["alice"]["keys"], command="createSSHKeyPair", name="alices")
    volume = cloud.ok(command="createVolume", name="data", zoneid="1", diskofferingid="2", size="3")
    cloud.ok(command="createTags", resourcetype="UserVm", resourceids="100",
             **{"tags[0].key": "env", "tags[0].value": "prod"})
    cloud.run_worker()
    cloud.ok(command="attachVolume", id=volume["id"], virtualmachineid="103")
    cloud.run_worker()


def answers(cloud: Any, day: dict[str, Any]) -> dict[str, Any]:
    out = {json.dumps(q, sort_keys=True): cloud.call(**q) for q in QUESTIONS}
    out.update({"alice " + json.dumps(q, sort_keys=True): cloud.call(as_=day["alice"]["keys"], **q)
                for q in ALICE_QUESTIONS})
    out.update({f"job {j}": cloud.call(command="queryAsyncJobResult", jobid=j) for j in day["jobs"]})
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with running_cloud((ADMIN_KEY, ADMIN_SECRET)) as cloud:
        day = busy_day(cloud)
        more_of_the_day(cloud, day)
        with open(out / "events.jsonl", "w", encoding="utf-8") as handle:
            restore.export_log(handle)
        restore.write_secrets_file(out / "secrets.json", restore.read_secrets())
        day_info = {"jobs": day["jobs"], "alice": list(day["alice"]["keys"])}
        (out / "day.json").write_text(json.dumps(day_info, indent=1) + "\n", encoding="utf-8")
        (out / "answers.json").write_text(json.dumps(answers(cloud, day), indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
