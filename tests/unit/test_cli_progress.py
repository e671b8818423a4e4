"""The command line's progress line and `serve --help`: what a user reads while waiting, and every default."""
from __future__ import annotations

import io
import re

import pytest

from jobledger.__main__ import main
from jobledger.progress import Progress


def test_a_wait_shows_the_state_and_the_elapsed_time() -> None:
    out = io.StringIO()  # not a terminal: whole lines, no carriage returns
    progress = Progress("job 7", out, every=0)
    progress.show("pending (jobprocstatus 1)")
    progress.done()
    lines = out.getvalue().splitlines()
    assert lines and all(re.fullmatch(r"job 7: pending \(jobprocstatus 1\), \d+\.\d s", line) for line in lines)
    assert "\r" not in out.getvalue()


def test_a_count_shows_what_was_read_and_the_rate() -> None:
    out = io.StringIO()
    progress = Progress("events", out)
    progress.add(1200)
    progress.add(34)
    progress.done()
    assert re.fullmatch(r"events: 1,234 read in \d+\.\d s, [\d,]+/s\n", out.getvalue())


def test_clearing_off_a_terminal_writes_nothing() -> None:
    out = io.StringIO()
    Progress("job 1", out).clear()
    assert out.getvalue() == ""


def test_serve_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("(default: 127.0.0.1)", "(default: 8080)", "(default: 2)", "(default: 1.0)", "(default: 0)"):
        assert default in text
    assert "--data-dir DIR" in text and "--allow-unsigned" in text
