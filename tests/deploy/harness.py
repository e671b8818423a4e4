"""The test harness of the deployment checks: a signed API client, and Lambda's side of the queue and schedule.

The harness's own calls (Lambda's event source mapping receiving and deleting messages) are not recorded.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from chalice.app import ScheduledEventConfig
from chalice.test import Client

from app import app
from chalicelib.aws import queue
from tests import harness
from tests.deploy.awscalls import RECORDER

ADMIN = ("deploy-admin-key", "deploy-admin-secret")


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Settings are read per request: set some for the duration of one flow."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Cloud(harness.Cloud):
    """The shared harness, with Lambda's side of the queue kept out of the record, and the schedule."""

    def __init__(self, client: Client) -> None:
        super().__init__(client, ADMIN, RECORDER.paused)

    def cold_start(self) -> None:
        """Forget what a warm Lambda container remembers (clients, the queue's URL), so the calls a cold one
        makes are recorded too, whichever tests ran before in this process."""
        for cached in vars(queue).values():
            if hasattr(cached, "cache_clear"):
                cached.cache_clear()

    def run_worker(self) -> int:
        """Deliver every queued message once; delete those the worker did not report failed."""
        processed = 0
        while messages := self.receive():
            failed = self.deliver(messages)
            self.delete([m for m in messages if m["MessageId"] not in failed])
            processed += len(messages)
        return processed

    def scheduled(self) -> list[ScheduledEventConfig]:
        return [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]

    def sweep(self) -> None:
        """Invoke each scheduled Lambda the app has (the sweeper), as EventBridge would."""
        for source in self.scheduled():
            event = self.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
            self.client.lambda_.invoke(source.name, event)
