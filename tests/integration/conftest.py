"""Integration fixtures: the real adapters against moto's in-process DynamoDB and SQS."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from jobledger import inventory
from chalicelib.cloudstack import signing
from tests import harness
from tests.harness import Cloud

__all__ = ["ADMIN_KEY", "ADMIN_SECRET", "Cloud", "signed"]


ADMIN_KEY, ADMIN_SECRET = "it-admin-key", "it-admin-secret"


def signed(params: dict[str, str], key: str, secret: str) -> list[tuple[str, str]]:
    return signing.signed([*params.items(), ("response", "json")], key, secret)


def running_cloud(inventory_path: Any = None) -> Iterator[Cloud]:
    with harness.running_cloud((ADMIN_KEY, ADMIN_SECRET), inventory_path) as cloud:
        yield cloud


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    """The documentation's inventory: one zone, one host with room for five Small Instances."""
    yield from running_cloud()


@pytest.fixture
def big_cloud() -> Iterator[Cloud]:
    """The two-zone example inventory: five hosts, XenServer and KVM."""
    yield from running_cloud(inventory.DEFAULT_PATH.with_name("two-zones.json"))
