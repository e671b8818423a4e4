"""Deployment checks: the real flows run against moto while every AWS call they make is recorded.

The recorder is installed on import, before any botocore session exists; setting up the tables, the queues
and the bootstrap admin is not recorded (on AWS the template and `jobledger keys bootstrap` do it).
"""
from __future__ import annotations

from typing import Iterator

import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from jobledger import bootstrap, inventory
from chalicelib.aws import directory, models, queue, statetable
from tests.deploy import flows
from tests.deploy.awscalls import RECORDER, Call  # noqa: I001  (installs the recorder before any client)
from tests.deploy.harness import ADMIN, Cloud, environment


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    statetable.LEASES.forget()
    with mock_aws(), environment(JOBLEDGER_RATE_LIMIT="1000"):
        models.create_tables()
        queue.create_queues()
        bootstrap.seed_inventory(inventory.read_inventory())
        directory.ensure_bootstrap(*ADMIN)
        with Client(app) as client:
            yield Cloud(client)


@pytest.fixture(scope="module")
def recorded(cloud: Cloud) -> list[Call]:
    """Every AWS call of the flows in flows.py, in order."""
    cloud.cold_start()
    RECORDER.calls.clear()
    with RECORDER.recording():
        flows.run_all(cloud)
    return list(RECORDER.calls)
