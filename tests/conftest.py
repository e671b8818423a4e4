"""Shared test setup: fake AWS credentials and quiet settings before any client exists. AWS hooks are installed
only where tests use AWS (moto in tests/harness.py, the fault hook in tests/faults/): tests/unit has none."""
from __future__ import annotations

import os

for _name, _value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                      "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
                      "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["JOBLEDGER_PROVISION_SECONDS"] = "0"
os.environ["JOBLEDGER_RATE_LIMIT"] = "0"  # the rate-limit tests set their own
os.environ["JOBLEDGER_TELEMETRY"] = "off"  # quiet output; the telemetry tests turn it on
for _name in ("JOBLEDGER_STAGE", "JOBLEDGER_ALLOW_UNSIGNED", "JOBLEDGER_ADMIN_API_KEY", "JOBLEDGER_ADMIN_SECRET_KEY"):
    os.environ.pop(_name, None)
