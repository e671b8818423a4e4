"""The Chalice way is the same system as `serve`: `python -m jobledger emulator` (tables, queues, inventory and
the admin made), `chalice local --stage local` (the real CLI) serving app.py against it, and
`python -m jobledger worker` running the worker loops and the sweeper: a deployment completes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from chalicelib.cloudstack import signing
from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET, ROOT
from tests.e2e.test_docs_sessions import free_port

ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
       "JOBLEDGER_ADMIN_API_KEY": ADMIN_KEY, "JOBLEDGER_ADMIN_SECRET_KEY": ADMIN_SECRET}


class Started:
    def __init__(self, argv: list[str], cwd: Path, ready: str) -> None:
        self.process = subprocess.Popen(argv, cwd=cwd, env=ENV, text=True, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 60
        while not any(ready in line for line in list(self.lines)):
            assert time.monotonic() < deadline and self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.05)

    def _drain(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture
def started() -> Iterator[list[Started]]:
    running: list[Started] = []
    yield running
    for process in reversed(running):
        process.stop()


def chalice_project(where: Path, endpoint: str) -> Path:
    """The checkout's app, with the local stage pointed at this test's emulator (5000 in the real config)."""
    for entry in ("app.py", "chalicelib", "requirements.txt"):
        (where / entry).symlink_to(ROOT / entry)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    config["stages"]["local"]["environment_variables"]["AWS_ENDPOINT_URL"] = endpoint
    (where / ".chalice").mkdir()
    (where / ".chalice" / "config.json").write_text(json.dumps(config))
    return where


@pytest.mark.timeout(180)
def test_chalice_local_with_the_emulator_and_a_worker_completes_a_deploy(started, tmp_path: Path) -> None:
    emulator_port, api_port = free_port(), free_port()
    started.append(Started([sys.executable, "-m", "jobledger", "emulator", "--port", str(emulator_port)], ROOT,
                           "tables, queues, inventory and admin ready"))
    endpoint = f"http://127.0.0.1:{emulator_port}"
    chalice = str(Path(sys.executable).parent / "chalice")
    started.append(Started([chalice, "local", "--stage", "local", "--port", str(api_port), "--no-autoreload"],
                           chalice_project(tmp_path, endpoint), "Serving on"))
    started.append(Started([sys.executable, "-m", "jobledger", "worker", "--endpoint-url", endpoint,
                            "--provision-seconds", "0"], ROOT, "worker loops and the sweeper"))
    api = f"http://127.0.0.1:{api_port}/client/api"

    def call(**params: str) -> dict:
        pairs = signing.signed([*params.items(), ("response", "json")], ADMIN_KEY, ADMIN_SECRET)
        return requests.get(api, params=pairs, timeout=30).json()

    submitted = call(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1")
    assert submitted == {"deployvirtualmachineresponse": {"jobid": "1", "id": "100"}}
    deadline = time.monotonic() + 60
    while (job := call(command="queryAsyncJobResult", jobid="1")["queryasyncjobresultresponse"])["jobstatus"] == 0:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["jobstatus"] == 1 and job["jobresult"]["virtualmachine"]["state"] == "Running"
    for process in reversed(started):
        assert process.stop() in (0, -signal.SIGTERM)
    started.clear()


def test_the_emulator_refuses_a_taken_port_in_one_line() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "jobledger", "emulator", "--port", str(port)], cwd=ROOT,
                              env=ENV, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout.startswith(f"jobledger emulator cannot start: 127.0.0.1:{port} is in use")
