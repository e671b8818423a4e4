"""The audit against the running local stack, and `serve --data-dir`: jobs survive a clean restart."""
from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.e2e.conftest import ROOT, Stack, start_stack


def audit(stack: Stack, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobledger", "audit", *argv, "--endpoint-url", stack.emulator],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def deploy(stack: Stack) -> str:
    status, body = stack.json(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    assert status == 200, body
    return str(body["deployvirtualmachineresponse"]["jobid"])


def answers(stack: Stack, jobids: list[str]) -> list[Any]:
    return [*(stack.json(command="queryAsyncJobResult", jobid=j) for j in jobids),
            stack.json(command="listVirtualMachines", listall="true"),
            stack.json(command="listAsyncJobs", listall="true"),
            stack.get(command="queryAsyncJobResult", jobid=jobids[0]).text]


def test_the_audit_replays_the_running_stacks_log_clean(stack):
    jobids = [deploy(stack) for _ in range(6)]
    # four workers: whichever deploy is placed last finds the host full, not necessarily the last submitted
    failed = [j for j in jobids if stack.wait_for_job(j)["jobstatus"] == 2]
    done = audit(stack, "replay")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "jobs: 6 (pending 0, succeeded 5, failed 1)" in done.stdout and len(failed) == 1
    assert done.stdout.splitlines()[-1].startswith("clean: ")
    history = json.loads(audit(stack, "history", failed[0], "--json").stdout)
    assert history["status"] == "failed" and history["events"][-1]["result"].startswith("resultcode 551: ")


def test_serve_with_a_data_dir_keeps_its_jobs_across_a_clean_restart(tmp_path):
    first = start_stack("--provision-seconds", "0", "--data-dir", str(tmp_path))
    try:
        jobids = [deploy(first) for _ in range(2)]
        for jobid in jobids:
            first.wait_for_job(jobid)
        status, body = first.json(command="stopVirtualMachine", id="100")
        jobids.append(body["stopvirtualmachineresponse"]["jobid"])
        first.wait_for_job(jobids[-1])
        before = answers(first, jobids)
    finally:
        assert first.stop() == 0
    # directory (4 events), inventory (1), three jobs of three events each (submitted, started, ended)
    assert (tmp_path / "events.jsonl").read_text().count("\n") == 4 + 1 + 3 * 3
    second = start_stack("--provision-seconds", "0", "--data-dir", str(tmp_path))
    try:
        assert answers(second, jobids) == before
        assert audit(second, "replay").returncode == 0
        new = deploy(second)  # ids go on from where they were; the new VM gets its own address
        job = second.wait_for_job(new)
        assert (new, job["jobinstanceid"]) == ("4", "102")
        addresses = {second.wait_for_job(j)["jobresult"]["virtualmachine"]["nic"][0]["ipaddress"]
                     for j in (jobids[0], jobids[1], new)}
        assert len(addresses) == 3
    finally:
        assert second.stop() == 0

