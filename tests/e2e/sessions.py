"""The shell sessions of the README and docs/, read and replayed: blocks fenced as ```console run:NAME are the
sessions; `$ ` lines are commands (a heredoc or a trailing backslash continues them), other lines what they print.
A command that starts the stack (`make run`, `python -m jobledger serve`) runs in the background on a free port;
`^C` stops it. What is printed is compared line by line, in order, with what a fresh run printed: volatile parts
(times, durations, rates, hashes, ports) are normalised on both sides, `…` matches anything, and lines the docs
leave out are allowed."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^```console run:(?P<name>[\w-]+)\s*$")
STARTS = re.compile(r"\bmake run\b|-m jobledger serve\b")
EMULATOR_LINE = re.compile(r"emulated AWS \(DynamoDB, SQS\) at (http://127\.0\.0\.1:\d+)")
END = "__DOCS_SESSION_END__"


@dataclass
class Step:
    command: str  # what follows `$ ` (with its continuation lines); "^C" stops the stack
    expected: list[str] = field(default_factory=list)
    where: str = ""  # file:line, for failure messages


def read_sessions(path: Path) -> dict[str, list[Step]]:
    """Every session of a markdown file, its steps in document order."""
    sessions: dict[str, list[Step]] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    number, name = 0, None
    while number < len(lines):
        line = lines[number]
        number += 1
        if name is None:
            found = FENCE.match(line)
            name = found.group("name") if found else None
            continue
        if line.startswith("```"):
            name = None
        elif line.startswith("$ ") or line == "^C":
            command, number = _command(lines, number - 1)
            sessions.setdefault(name, []).append(Step(command, [], f"{path.name}:{number}"))
        elif name in sessions:
            sessions[name][-1].expected.append(line)
    return sessions


def _command(lines: list[str], at: int) -> tuple[str, int]:
    """The command starting at line `at` and the line after it: heredocs and backslash continuations included."""
    text = lines[at].removeprefix("$ ")
    at += 1
    heredoc = re.search(r"<<-?'?(\w+)'?", text)
    while text.endswith("\\"):
        text += "\n" + lines[at]
        at += 1
    if heredoc:
        while lines[at] != heredoc.group(1):
            text += "\n" + lines[at]
            at += 1
        text += "\n" + lines[at]
        at += 1
    return text, at


VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d{4})"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{12,}\b"), "<hex>"),
    (re.compile(r"\b\d+(\.\d+)? s\b"), "<n> s"),
    (re.compile(r"\b[\d,]+/s\b"), "<n>/s"),
    (re.compile(r"\(message [0-9a-f]+\)"), "(message <id>)"),
]


def normalise(line: str) -> str:
    for pattern, replacement in VOLATILE:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in normalise(expected).split("…"))
    return re.fullmatch(pattern, normalise(actual)) is not None


def missing_lines(expected: list[str], actual: list[str]) -> list[str]:
    """The expected lines (in order, `…` lines skipped) that the actual output does not hold in that order."""
    missing, at = [], 0
    for line in expected:
        if line.strip() in ("…", ""):
            continue
        found = next((i for i in range(at, len(actual)) if matches(line, actual[i])), None)
        if found is None:
            missing.append(line)
        else:
            at = found + 1
    return missing


class Shell:
    """One bash for a whole session, so `export`, functions and `.venv/bin/activate` carry over."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=cwd, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def run(self, command: str, timeout: float = 120) -> list[str]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{command}\nprintf '\\n{END}\\n'\n")
        self.process.stdin.flush()
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line or line.rstrip("\n") == END:
                break
            out.append(line.rstrip("\n"))
        else:
            raise AssertionError(f"still running after {timeout} s: {command}\n" + "\n".join(out))
        while out and out[-1] == "":
            out.pop()
        return out

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


class Background:
    """The stack a session started, in its own process group (make and serve alike get the Ctrl-C); its output is
    drained all along (the API logs every request)."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def read_until(self, pattern: re.Pattern[str], timeout: float = 90) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(pattern.search(line) for line in list(self.lines)):
                return list(self.lines)
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError("the stack did not start:\n" + "\n".join(self.lines))

    def interrupt(self, timeout: float = 60) -> list[str]:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return list(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
