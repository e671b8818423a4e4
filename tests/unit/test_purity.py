"""The functional core (chalicelib/core, chalicelib/cloudstack) imports no AWS SDK, no PynamoDB and no Chalice."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
# Every module of the pure packages, found by listing them: a new module there is checked without being named.
PURE = [f"{package}.{p.stem}" for package in ("core", "cloudstack") for p in sorted((CHALICELIB / package).glob("*.py"))
        if p.stem != "__init__"] + ["inventory",
        "audit", "audit_table", "audit_verify", "audit_replay", "audit_directory", "audit_compare", "audit_history",
        "audit_text", "audit_jsonl"]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io_library(module):
    code = (f"import sys, chalicelib.{module}; "
            "bad = [m for m in ('boto3', 'botocore', 'pynamodb', 'chalice') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"chalicelib.{module} pulls in {done.stdout.strip()} {done.stderr}"


def test_the_shared_test_setup_installs_no_aws_hooks():
    """tests/unit runs with the root conftest only: no moto, no botocore, no fault hook."""
    code = ("import runpy, sys; runpy.run_path('tests/conftest.py'); "
            "bad = [m for m in ('moto', 'botocore', 'tests.faults.harness') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"the root conftest pulls in {done.stdout.strip()} {done.stderr}"
