"""`serve --log-format json`: the local stack prints the deployed stage's JSON log lines and EMF metrics."""
from __future__ import annotations

import json
import time

from tests.e2e.conftest import start_stack


def test_json_log_format_prints_request_and_job_lines_as_json():
    stack = start_stack("--provision-seconds", "0", "--log-format", "json")
    try:
        status, body = stack.json(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
        assert status == 200, body
        stack.wait_for_job(body["deployvirtualmachineresponse"]["jobid"])
        time.sleep(0.5)  # the stack's output is read by a thread
        records = [json.loads(line) for line in stack.output if line.startswith("{")]
        messages = {r.get("message") for r in records}
        assert {"request", "job accepted", "job succeeded"} <= messages
        assert any("JobsSucceeded" in r and "_aws" in r for r in records)
    finally:
        assert stack.stop() == 0
