"""A newcomer's common mistakes against the local stack: each gets one clear line and a non-zero exit status,
never a traceback (the command line run as a user runs it)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import requests

from tests.e2e.conftest import ROOT, Stack

CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLOUDSTACK_"))}


def jobledger(*argv: str, env: dict[str, str] | None = None,
              stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jobledger", *argv], cwd=ROOT, env={**CLEAN, **(env or {})},
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)


def one_line(done: subprocess.CompletedProcess, status: int = 2) -> str:
    assert done.returncode == status, done
    assert "Traceback" not in done.stderr and done.stdout == "", done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done
    return lines[0]


def test_a_port_in_use_stops_serve_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = jobledger("serve", "--port", str(port))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout.splitlines() == [
        f"jobledger cannot start: 127.0.0.1:{port} is in use (Address already in use): stop what listens there, or "
        f"choose another port (make run PORT=8081, serve --port 8081)"]


def test_the_api_url_given_as_the_endpoint_is_named(stack: Stack) -> None:
    api = stack.url.removesuffix("/client/api")
    for url in (api, stack.url):
        line = one_line(jobledger("audit", "verify", "--endpoint-url", url))
        assert line.startswith(f"jobledger audit: {url} is not DynamoDB")
        assert "pass the emulator URL" in line and "not the API's" in line


def test_a_closed_port_as_the_endpoint_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    line = one_line(jobledger("keys", "bootstrap", "--endpoint-url", url))
    assert line.startswith(f"jobledger keys: nothing answers at {url}: start the local stack (`make run`)")


def test_an_endpoint_without_the_tables_is_named(stack: Stack) -> None:
    line = one_line(jobledger("audit", "verify", "--endpoint-url", stack.emulator,
                              env={"JOBLEDGER_EVENTS_TABLE": "no-such-table"}))
    assert line.startswith(f"jobledger audit: {stack.emulator} has no table no-such-table: create the tables with "
                           f"`python -m jobledger emulator`")


def test_output_into_a_closed_pipe_ends_quietly(stack: Stack) -> None:
    read, write = os.pipe()
    os.close(read)  # `| head` that has already stopped reading
    try:
        done = jobledger("audit", "export", "--endpoint-url", stack.emulator, stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 141 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_a_wrong_path_answers_a_cloudstack_404_that_names_the_api(stack: Stack) -> None:
    base = stack.url.removesuffix("/client/api")
    for path in ("/", "/api", "/client", "/client/api/extra", "/a/b/c"):
        reply = requests.get(base + path, params={"response": "json"}, timeout=10)
        assert reply.status_code == 404
        where = path.rstrip("/") or "/"
        text = f"Unable to find {where}: the CloudStack API is at /client/api (the console at /console)"
        assert reply.json() == {"errorresponse": {"uuidList": [], "errorcode": 404, "errortext": text}}
        assert reply.headers["X-Description"] == text
    xml = requests.get(base + "/api", timeout=10)
    assert xml.status_code == 404 and "<errorresponse" in xml.text and "/client/api" in xml.text
    assert requests.get(base + "/console", timeout=10).status_code == 200  # literal routes still win


def test_wait_against_nothing_says_so(stack: Stack) -> None:
    line = one_line(jobledger("wait", "1", "--url", "http://127.0.0.1:9/client/api"))
    assert line.startswith("jobledger wait: nothing answers at http://127.0.0.1:9/client/api")
