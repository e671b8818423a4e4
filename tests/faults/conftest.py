"""Fault tests: the fault hook is installed while collecting, before any botocore session exists, so every
session carries the (idle) hook."""
from tests.faults import harness
from tests.integration.conftest import big_cloud, cloud  # noqa: F401

harness.install()
