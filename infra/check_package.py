"""Checks on the packaged template (`make lint-template`, after cfn-lint): what the merge must have achieved.

cfn-lint proves the template valid; this proves it is ours: the worker's event source reports batch item
failures and reads the queue made here, the queue outlasts the worker, every function knows the names of the
tables and the queue, and the sweeper has its schedule (reported, as the app may not have one yet).
Usage: python infra/check_package.py build/package/sam.yaml
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

FUNCTION = "AWS::Serverless::Function"
ENVIRONMENT = ("JOBLEDGER_EVENTS_TABLE", "JOBLEDGER_STATE_TABLE", "JOBLEDGER_QUEUE_NAME")
SQS_EVENT = "JobWorkerSqsEventSource"  # SAM turns it into AWS::Lambda::EventSourceMapping JobWorker + this


def load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in template["Resources"].items() if r.get("Type") == FUNCTION}


def problems(template: dict[str, Any]) -> list[str]:
    found = []
    resources, lambdas = template["Resources"], functions(template)
    worker = lambdas.get("JobWorker", {})
    mapping = worker.get("Events", {}).get(SQS_EVENT, {}).get("Properties", {})
    if mapping.get("FunctionResponseTypes") != ["ReportBatchItemFailures"]:
        found.append(f"JobWorker's {SQS_EVENT} lacks FunctionResponseTypes: [ReportBatchItemFailures]")
    if mapping.get("Queue") != {"Fn::Sub": "${JobsQueue.Arn}"}:
        found.append(f"JobWorker's {SQS_EVENT} does not read JobsQueue: {mapping.get('Queue')}")
    visibility = resources.get("JobsQueue", {}).get("Properties", {}).get("VisibilityTimeout", 0)
    if visibility < 6 * int(worker.get("Timeout", 3)):
        found.append(f"JobsQueue visibility {visibility}s is under 6x the worker's timeout {worker.get('Timeout')}s")
    for name, props in lambdas.items():
        missing = set(ENVIRONMENT) - set(props.get("Environment", {}).get("Variables", {}))
        if missing:
            found.append(f"{name} lacks environment variables {sorted(missing)}")
    return found


# What the Lambdas run is app.py and chalicelib/; the ops side (jobledger/: the audit, import/export, the local
# stack, the command line) must never be deployed.
OPS_PREFIXES = ("jobledger/", "tests/", "bench/", "infra/")


def zip_problems(zip_path: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    found = [f"{zip_path.name} carries ops code: {n}" for n in names if n.startswith(OPS_PREFIXES)]
    if "app.py" not in names or not any(n.startswith("chalicelib/runtime/") for n in names):
        found.append(f"{zip_path.name} lacks app.py or chalicelib/")
    return found


def schedules(template: dict[str, Any]) -> list[str]:
    """`Function: rate(…)` for every scheduled function (the sweeper)."""
    return [f"{name}: {event['Properties']['Schedule']}" for name, props in functions(template).items()
            for event in props.get("Events", {}).values() if event.get("Type") == "Schedule"]


def main(argv: list[str]) -> int:
    template = load(Path(argv[1] if len(argv) > 1 else "build/package/sam.yaml"))
    found = problems(template)
    zip_path = Path(argv[1] if len(argv) > 1 else "build/package/sam.yaml").with_name("deployment.zip")
    if zip_path.exists():
        found += zip_problems(zip_path)
    else:
        found.append(f"{zip_path} is missing")
    for problem in found:
        print(f"check_package: {problem}", file=sys.stderr)
    scheduled = schedules(template)
    print("check_package: scheduled functions: " + (", ".join(scheduled) if scheduled else
                                                    "NONE (the app has no @app.schedule sweeper yet)"))
    print(f"check_package: {len(functions(template))} functions, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
