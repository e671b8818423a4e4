"""Fault injection through botocore's event system: fail any AWS call, or kill the worker between any two.

`install()` registers one `before-call` handler among botocore's built-in handlers, so every client made
afterwards (boto3's and PynamoDB's) carries it; it does nothing until a `Faults` is active. Nothing of
jobledger's own code is patched.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Any, Iterator

from botocore import handlers
from botocore.exceptions import ClientError

_ACTIVE: list["Faults"] = []


class WorkerKilled(BaseException):
    """The process died here: nothing after this point ran (a BaseException, so no `except Exception` sees it)."""


class Faults:
    """Decides, call by call, whether an AWS call fails (a throttling error) or the worker dies before it."""

    def __init__(self, seed: int = 0, error_rate: float = 0.0, kill_rate: float = 0.0,
                 kill_at: int | None = None, fail_at: int | None = None, fail_on: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.error_rate, self.kill_rate = error_rate, kill_rate
        self.kill_at, self.fail_at = kill_at, fail_at
        self.fail_on = fail_on  # fail the first call of this operation, e.g. "sqs:SendMessage"
        self.calls: list[str] = []
        self.injected = {"errors": 0, "kills": 0}
        self.killing = False  # kills only make sense where a worker runs
        self.paused = False  # the test's own calls (standing in for Lambda's poller) are not ours to fail

    def before_call(self, model: Any, **_: Any) -> None:
        if self.paused:
            return
        name = f"{model.service_model.service_name}:{model.name}"
        index = len(self.calls)
        self.calls.append(name)
        if self.killing and (index == self.kill_at or self.rng.random() < self.kill_rate):
            self.injected["kills"] += 1
            raise WorkerKilled(f"killed before call {index} ({name})")
        if name == self.fail_on:
            self.fail_on = None
            self.injected["errors"] += 1
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected fault"}}, model.name)
        if index == self.fail_at or self.rng.random() < self.error_rate:
            self.injected["errors"] += 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected fault"}}, model.name)

    def pause(self) -> Any:
        """Inside: the test's own calls, which are not ours to fail."""
        return self._switched("paused")

    def worker(self) -> Any:
        """Inside: the worker may be killed as well as see errors."""
        return self._switched("killing")

    @contextmanager
    def _switched(self, flag: str) -> Iterator[None]:
        setattr(self, flag, True)
        try:
            yield
        finally:
            setattr(self, flag, False)


def _dispatch(model: Any = None, **kwargs: Any) -> None:
    if _ACTIVE and model is not None:
        _ACTIVE[-1].before_call(model=model, **kwargs)


def install() -> None:
    entry = ("before-call", _dispatch)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)


@contextmanager
def active(faults: Faults) -> Iterator[Faults]:
    _ACTIVE.append(faults)
    try:
        yield faults
    finally:
        _ACTIVE.remove(faults)
