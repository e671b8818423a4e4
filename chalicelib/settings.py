"""Configuration: the one module that reads the environment.

Every stage sets these variables in `.chalice/config.json`; the local stack sets them in-process.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    events_table: str
    state_table: str
    queue_name: str
    region: str
    endpoint_url: str | None
    cloudstack_version: str
    job_id_start: int
    vm_id_start: int
    nic_id_start: int
    id_block: int
    provision_seconds: float
    allow_unsigned: bool
    rate_limit: int
    max_request_bytes: int
    max_parameters: int
    admin_api_key: str | None
    max_attempts: int
    sweep_after_seconds: float
    job_deadline_seconds: float
    admin_secret_key: str | None
    max_expires_seconds: int
    telemetry: bool
    state_shards: int
    inventory_cache_seconds: float
    placement_sample: int


def load() -> Settings:
    """Read the settings from the environment (call at use, not at import, so tests can set it)."""
    env = os.environ
    return Settings(
        events_table=env.get("JOBLEDGER_EVENTS_TABLE", "jobledger-events"),
        state_table=env.get("JOBLEDGER_STATE_TABLE", "jobledger-state-v2"),
        queue_name=env.get("JOBLEDGER_QUEUE_NAME", "jobledger-jobs"),
        region=env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1",
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        cloudstack_version=env.get("JOBLEDGER_CLOUDSTACK_VERSION", "3.0.1.6"),
        job_id_start=int(env.get("JOBLEDGER_JOB_ID_START", "1")),
        vm_id_start=int(env.get("JOBLEDGER_VM_ID_START", "100")),
        nic_id_start=int(env.get("JOBLEDGER_NIC_ID_START", "561")),
        # Job, VM and NIC ids are leased from their counters this many at a time per process (1: one write per id).
        id_block=int(env.get("JOBLEDGER_ID_BLOCK", "1")),
        provision_seconds=float(env.get("JOBLEDGER_PROVISION_SECONDS", "0")),
        # Unsigned requests act as the bootstrap admin only on the local stack, never in a deployed stage.
        allow_unsigned=env.get("JOBLEDGER_STAGE") == "local" and env.get("JOBLEDGER_ALLOW_UNSIGNED") == "1",
        rate_limit=int(env.get("JOBLEDGER_RATE_LIMIT", "20")),
        max_request_bytes=int(env.get("JOBLEDGER_MAX_REQUEST_BYTES", "65536")),
        max_parameters=int(env.get("JOBLEDGER_MAX_PARAMETERS", "100")),
        admin_api_key=env.get("JOBLEDGER_ADMIN_API_KEY") or None,
        # A job is tried at most this often (the DLQ's maxReceiveCount matches), re-enqueued by the sweeper when
        # nothing happened to it for sweep_after_seconds, and failed with 530 past its deadline.
        max_attempts=int(env.get("JOBLEDGER_MAX_ATTEMPTS", "5")),
        sweep_after_seconds=float(env.get("JOBLEDGER_SWEEP_AFTER_SECONDS", "180")),
        job_deadline_seconds=float(env.get("JOBLEDGER_JOB_DEADLINE_SECONDS", "1800")),
        admin_secret_key=env.get("JOBLEDGER_ADMIN_SECRET_KEY") or None,
        # A signatureVersion=3 request whose `expires` lies further ahead than this is refused (401).
        max_expires_seconds=int(env.get("JOBLEDGER_MAX_EXPIRES_SECONDS", "3600")),
        # JSON log lines and CloudWatch metrics (EMF) on stdout: on unless turned off (the local stack's default).
        telemetry=env.get("JOBLEDGER_TELEMETRY", "on") == "on",
        # Listing-index keys of the kinds that grow with traffic (jobs, VMs, volumes, ...) are spread over this
        # many shards (docs/ARCHITECTURE.md, "State keys"). A property of the stored rows: change it only by
        # rebuilding the state table from the log (docs/DEPLOY.md, "Migrating the state table").
        state_shards=max(1, int(env.get("JOBLEDGER_STATE_SHARDS", "32"))),
        # Zones, templates, offerings and networks (changed only by `inventory load`) are kept this long in a
        # process once read: every submit reads its zone, offering and template, which would make those rows the
        # hottest keys of the table (0: always read).
        inventory_cache_seconds=float(env.get("JOBLEDGER_INVENTORY_CACHE_SECONDS", "0")),
        # Placement reads this many of a zone's hosts (chosen at random, eventually consistent) and takes the least
        # loaded with room; all of them, strongly consistent, only before refusing for capacity: a host's row is
        # then read by its share of the zone's deploys, not by every one (docs/ARCHITECTURE.md, "Placement").
        placement_sample=max(1, int(env.get("JOBLEDGER_PLACEMENT_SAMPLE", "2"))),
    )


def queue_name() -> str:
    """The jobs queue's name, needed at import time by the SQS handler's decorator."""
    return os.environ.get("JOBLEDGER_QUEUE_NAME", "jobledger-jobs")


def set_endpoint(url: str) -> None:
    """Point every AWS client made from now on at `url` (the local stack's emulator)."""
    os.environ["AWS_ENDPOINT_URL"] = url


def configure_local(provision_seconds: float, allow_unsigned: bool, rate_limit: int) -> None:
    """The local stack's stage: set in-process before anything reads the settings."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    os.environ["JOBLEDGER_STAGE"] = "local"
    os.environ["JOBLEDGER_PROVISION_SECONDS"] = str(provision_seconds)
    os.environ["JOBLEDGER_ALLOW_UNSIGNED"] = "1" if allow_unsigned else "0"
    os.environ["JOBLEDGER_RATE_LIMIT"] = str(rate_limit)
    os.environ.setdefault("JOBLEDGER_TELEMETRY", "off")  # `serve --log-format json` turns it on


def turn_telemetry_on() -> None:
    """JSON log lines and EMF metrics on stdout, as in deployed stages (`serve --log-format json`)."""
    os.environ["JOBLEDGER_TELEMETRY"] = "on"


def client_keys(key: str | None, secret: str | None) -> tuple[str | None, str | None]:
    """A client's key pair: as given, else the cs tools' variables, else the bootstrap admin's."""
    env = os.environ
    return (key or env.get("CLOUDSTACK_KEY") or env.get("JOBLEDGER_ADMIN_API_KEY"),
            secret or env.get("CLOUDSTACK_SECRET") or env.get("JOBLEDGER_ADMIN_SECRET_KEY"))


def client_endpoint(url: str | None, default: str) -> str:
    """A client's API URL: as given, else the cs tools' CLOUDSTACK_ENDPOINT, else `default`."""
    return url or os.environ.get("CLOUDSTACK_ENDPOINT") or default


def use_emulator(url: str) -> None:
    """Command-line tools against the local stack: its endpoint, and the fake credentials moto accepts."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    set_endpoint(url)
