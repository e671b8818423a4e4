"""End-to-end fixtures: the local stack as a user starts it (`python -m jobledger serve`) on a free port."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from chalicelib.cloudstack import signing

ROOT = Path(__file__).resolve().parents[2]
# The bootstrap admin's key pair, given to the stack as a deployment would (deterministic tests).
ADMIN_KEY = "e2e-admin-api-key-plgWJfZK4gyS3mOMTVmjUVg"
ADMIN_SECRET = "e2e-admin-secret-VDaACYb0LV9eNjTetIOElcVQ"


class Stack:
    def __init__(self, process: subprocess.Popen, url: str, emulator: str) -> None:
        self.process = process
        self.url = url
        self.emulator = emulator
        self.output: list[str] = []  # what the stack printed after starting, for failure reports

    def get(self, signed: bool = True, **params: str) -> requests.Response:
        """GET as a signing client would send it (as the admin), or unsigned."""
        pairs = list(params.items())
        if signed:
            pairs = signing.signed(pairs, ADMIN_KEY, ADMIN_SECRET)
        return requests.get(self.url, params=pairs, timeout=10)

    def json(self, **params: str) -> tuple[int, dict[str, Any]]:
        reply = self.get(response="json", **params)
        return reply.status_code, reply.json()

    def wait_for_job(self, jobid: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.json(command="queryAsyncJobResult", jobid=jobid)
            job = body["queryasyncjobresultresponse"]
            if job["jobstatus"] != 0:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {jobid} still pending after {timeout}s")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


def start_stack(*args: str, env: dict[str, str] | None = None) -> Stack:
    cmd = [sys.executable, "-m", "jobledger", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    environment = {**os.environ, "JOBLEDGER_ADMIN_API_KEY": ADMIN_KEY, "JOBLEDGER_ADMIN_SECRET_KEY": ADMIN_SECRET,
                   **(env or {})}
    environment.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(cmd, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("emulated AWS"):
            api = re.search(r"listening on (\S+)", "".join(lines))
            emulator = re.search(r"at (http://\S+)", line)
            assert api and emulator
            stack = Stack(process, api.group(1), emulator.group(1))
            _drain(process, stack.output)
            return stack
    process.kill()
    raise AssertionError("the local stack did not start:\n" + "".join(lines))


def _drain(process: subprocess.Popen, into: list[str]) -> None:
    """Keep reading the stack's output so it never blocks on a full pipe."""
    def pump() -> None:
        for line in process.stdout:
            into.append(line)
    threading.Thread(target=pump, daemon=True).start()


@pytest.fixture
def stack() -> Iterator[Stack]:
    running = start_stack("--provision-seconds", "0.3", "--workers", "4")
    yield running
    running.stop()
