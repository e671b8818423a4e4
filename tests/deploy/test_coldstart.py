"""Importing app.py (what a cold Lambda does first) makes no AWS client and no AWS call."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: in this one, other tests have long since made clients.
PROBE = """
import json, botocore.handlers
seen = {"clients": [], "calls": []}
botocore.handlers.BUILTIN_HANDLERS += [
    ("creating-client-class", lambda class_attributes, **kw: seen["clients"].append(kw.get("event_name", ""))),
    ("before-parameter-build", lambda model, **kw: seen["calls"].append(model.name)),
]
import app
assert app.app.app_name == "jobledger"
print(json.dumps(seen))
"""


def test_importing_the_app_makes_no_aws_client_and_no_call() -> None:
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"clients": [], "calls": []}
