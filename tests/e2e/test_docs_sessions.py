"""The README's and docs' shell sessions, run as printed against a fresh stack: each `console run:NAME` block's
commands in one shell, their outputs compared with the docs (tests/e2e/sessions.py says how), so the docs cannot
drift from what a newcomer sees."""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from tests.e2e.sessions import EMULATOR_LINE, STARTS, Background, Shell, Step, missing_lines, read_sessions

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# What a session's working directory sees of the checkout (files it writes, such as data/ or exports, stay there).
CHECKOUT = ["Makefile", ".venv", "app.py", "chalicelib", "jobledger", ".chalice", "requirements.txt",
            "requirements-dev.txt", "infra"]
SESSIONS = [(doc, name) for doc in DOCS for name in read_sessions(doc)]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("doc,name", SESSIONS, ids=[f"{d.name}:{n}" for d, n in SESSIONS])
def test_the_session_runs_as_printed(doc: Path, name: str, tmp_path: Path) -> None:
    for entry in CHECKOUT:
        (tmp_path / entry).symlink_to(ROOT / entry)
    runner = Session(tmp_path)
    try:
        for step in read_sessions(doc)[name]:
            runner.play(step)
    finally:
        runner.close()


class Session:
    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = clean_environment()
        self.port = free_port()
        # The tools' default API URL (127.0.0.1:8080) is this run's port: as if the docs' 8080 were free here.
        self.env["CLOUDSTACK_ENDPOINT"] = f"http://127.0.0.1:{self.port}/client/api"
        self.shell = Shell(cwd, self.env)
        self.stack: Background | None = None
        self.ports: dict[str, str] = {}  # the docs' URL -> this run's (API and emulator)

    def play(self, step: Step) -> None:
        if step.command == "^C":
            assert self.stack is not None, f"{step.where}: ^C with no stack running"
            actual = self.stack.interrupt()
            self.stack = None
        elif STARTS.search(step.command) and "--help" not in step.command:
            actual = self.start(step)
        else:
            actual = self.shell.run(self.to_actual(step.command))
        actual = [self.to_docs(line) for line in actual]
        missing = missing_lines(step.expected, actual)
        if os.environ.get("DOCS_SESSIONS_SHOW"):  # writing docs: show every output, fail on none (pytest -s)
            print(f"\n=== {step.where} $ {step.command}\n" + "\n".join(actual))
            return
        assert not missing, (f"{step.where}: `{step.command.splitlines()[0]}` did not print, in this order:\n"
                             + "\n".join(missing) + "\n--- it printed:\n" + "\n".join(actual))

    def start(self, step: Step) -> list[str]:
        assert self.stack is None, f"{step.where}: a stack is already running"
        docs_port = re.search(r"(?:--port |PORT=)(\d+)", step.command)
        docs = docs_port.group(1) if docs_port else "8080"
        self.ports.update({f"127.0.0.1:{docs}": f"127.0.0.1:{self.port}", f"--port {docs}": f"--port {self.port}"})
        command = (re.sub(r"--port \d+", f"--port {self.port}", step.command) if "--port" in step.command else
                   step.command + (f" PORT={self.port}" if "make run" in step.command else f" --port {self.port}"))
        self.stack = Background(command, self.cwd, self.env)
        lines = self.stack.read_until(re.compile(r"emulated AWS|cannot start"))
        docs_url = next((m.group(1) for m in map(EMULATOR_LINE.search, step.expected) if m), None)
        actual_url = next((m.group(1) for m in map(EMULATOR_LINE.search, lines) if m), None)
        if docs_url and actual_url:
            self.ports[docs_url.removeprefix("http://")] = actual_url.removeprefix("http://")
        return lines

    def to_actual(self, text: str) -> str:
        for docs, actual in self.ports.items():
            text = text.replace(docs, actual)
        return text

    def to_docs(self, text: str) -> str:
        for docs, actual in self.ports.items():
            text = text.replace(actual, docs)
        return text

    def close(self) -> None:
        if self.stack is not None:
            self.stack.kill()
        self.shell.close()


def clean_environment() -> dict[str, str]:
    """A newcomer's terminal: no virtualenv on PATH (the docs activate it), no AWS endpoint or keys set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "JOBLEDGER_", "CLOUDSTACK_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
