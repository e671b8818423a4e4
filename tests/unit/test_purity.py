"""The functional core (chalicelib/core, chalicelib/cloudstack) imports no AWS SDK, no PynamoDB and no Chalice."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
# Every module of the pure packages, found by listing them: a new module there is checked without being named.
PURE = [f"chalicelib.{package}.{p.stem}" for package in ("core", "cloudstack")
        for p in sorted((CHALICELIB / package).glob("*.py")) if p.stem != "__init__"] + [
    f"jobledger.audit.{name}" for name in ("report", "table", "verify", "replay", "directory_rows", "compare",
                                           "history", "text", "jsonl", "heads", "seal")] + ["jobledger.inventory"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_library(module):
    code = (f"import sys, {module}; "
            "bad = [m for m in ('boto3', 'botocore', 'pynamodb', 'chalice') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"{module} pulls in {done.stdout.strip()} {done.stderr}"


def test_the_shared_test_setup_installs_no_aws_hooks():
    """tests/unit runs with the root conftest only: no moto, no botocore, no fault hook."""
    code = ("import runpy, sys; runpy.run_path('tests/conftest.py'); "
            "bad = [m for m in ('moto', 'botocore', 'tests.faults.harness') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"the root conftest pulls in {done.stdout.strip()} {done.stderr}"


def test_what_the_lambdas_run_never_imports_the_ops_side():
    """app.py and chalicelib/ are deployed; jobledger/ (audit, local stack, command line) is not, so nothing
    deployed may import it (`make package` checks the zip itself: infra/check_package.py)."""
    root = CHALICELIB.parent
    offenders = [str(p.relative_to(root)) for p in [root / "app.py", *CHALICELIB.rglob("*.py")]
                 if any(line.strip().startswith(("from jobledger", "import jobledger"))
                        for line in p.read_text(encoding="utf-8").splitlines())]
    assert offenders == []


def test_table_names_are_read_at_use_not_at_import():
    code = ("import os; os.environ['JOBLEDGER_EVENTS_TABLE'] = 'first'; "
            "from chalicelib.aws.models import EventRecord; "
            "os.environ['JOBLEDGER_EVENTS_TABLE'] = 'second'; print(EventRecord.Meta.table_name)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "second", done.stderr
