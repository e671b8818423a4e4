"""Shared test setup: fake AWS credentials before any client exists, and moto imported first."""
from __future__ import annotations

import os

for _name, _value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                      "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
                      "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ["JOBLEDGER_PROVISION_SECONDS"] = "0"
os.environ["JOBLEDGER_RATE_LIMIT"] = "0"  # the rate-limit tests set their own
for _name in ("JOBLEDGER_STAGE", "JOBLEDGER_ALLOW_UNSIGNED", "JOBLEDGER_ADMIN_API_KEY", "JOBLEDGER_ADMIN_SECRET_KEY"):
    os.environ.pop(_name, None)

import moto  # noqa: E402,F401  (must come before any botocore client is made)

from tests.faults import harness  # noqa: E402

harness.install()  # before any client exists, so every client carries the (idle) fault hook
