"""Observing the AWS calls the code makes: a botocore hook that acts only while switched on.

Hooks are added to botocore's built-in handlers, which every botocore session registers when it is made (moto
hooks in the same way), so they see PynamoDB's per-thread sessions and boto3's alike, with no change to
jobledger's code. Install them before the first session exists.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import botocore.handlers


class SwitchableHook:
    """Subclasses define `observe(**kwargs)`; it runs only between `switched_on()` and its end."""

    active = False

    def __call__(self, **kwargs: Any) -> None:
        if self.active:
            self.observe(**kwargs)

    def observe(self, **kwargs: Any) -> None:
        raise NotImplementedError

    @contextmanager
    def switched_on(self) -> Iterator[None]:
        self.active = True
        try:
            yield
        finally:
            self.active = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """For what a harness does itself (creating tables, Lambda's own queue polling)."""
        was, self.active = self.active, False
        try:
            yield
        finally:
            self.active = was

    def install(self, event: str) -> None:
        if (event, self) not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append((event, self))
