"""Authenticating a request as CloudStack does, the per-key rate limit, and the limits on what a request may be."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import timedelta

from chalicelib.aws import statetable
from chalicelib.cloudstack import signing
from chalicelib.cloudstack.request import ApiRequest, check_names
from chalicelib.core import effects as fx
from chalicelib.core.accounts import ADMIN, Caller, caller_of
from chalicelib.core.errors import CS_INVALID_PARAMETER_VALUE, ApiError, echo, unauthorized
from chalicelib.settings import Settings

_CONTROL = {chr(c) for c in range(32)} | {"\x7f", "\ufffd"}  # U+FFFD: what invalid UTF-8 decodes to


def check_shape(req: ApiRequest, body_bytes: int, config: Settings) -> None:
    """Bounded size and parameter count; parameter names from CloudStack's alphabet, each name once (in any
    letter case); no control characters or invalid UTF-8 in any value (431). Runs before authentication."""
    if body_bytes > config.max_request_bytes:
        raise ApiError(431, f"The request is larger than {config.max_request_bytes} bytes")
    if len(req.pairs) > config.max_parameters:
        raise ApiError(431, f"The request has more than {config.max_parameters} parameters")
    check_names(req)
    command = echo(req.command.lower())
    for name, value in req.pairs:
        if any(c in _CONTROL for c in value):
            raise ApiError(431, f"Unable to execute API command {command} due to invalid value for parameter "
                                f"{name}: control characters and invalid UTF-8 are not allowed",
                           CS_INVALID_PARAMETER_VALUE)


def authenticate(req: ApiRequest, config: Settings) -> tuple[Caller, str | None]:
    """The caller and their API key, or 401. Unsigned requests pass only where the stage allows them (local)."""
    apikey, signature = req.get("apikey"), req.get("signature")
    if not apikey and not signature and config.allow_unsigned:
        return ADMIN, None
    max_ahead = timedelta(seconds=config.max_expires_seconds)
    if not apikey or not signature or signing.expired(req.pairs, max_ahead=max_ahead):
        raise unauthorized()
    row = statetable.get("apikey", apikey)
    key = row.as_dict() if row is not None else None
    if key is None or key.get("state") != "enabled" or not signing.verify(req.pairs, key["secret"], signature):
        raise unauthorized()
    return caller_of(key, apikey), apikey


class RateGuard:
    """At most `rate` requests per key per second in this process (a Lambda container, or the local stack).

    A cheap first line that costs no request: the stage's real limits are API Gateway's throttling and the WAF
    rate-based rule keyed on `apiKey` (infra/merge.yaml), which see every container. Bounded memory: the
    least recently seen keys are forgotten first.
    """

    def __init__(self, max_keys: int = 10_000) -> None:
        self.windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self.max_keys = max_keys
        self.lock = threading.Lock()

    def allow(self, apikey: str, rate: int, now: float) -> bool:
        window = int(now)
        with self.lock:
            seen, count = self.windows.pop(apikey, (window, 0))
            count = count + 1 if seen == window else 1
            self.windows[apikey] = (window, count)
            while len(self.windows) > self.max_keys:
                self.windows.popitem(last=False)
        return count <= rate


GUARD = RateGuard()


def check_rate(apikey: str | None, config: Settings, now: float | None = None) -> None:
    """429 past `rate_limit` requests per key per second in this process (0: off)."""
    if apikey is None or config.rate_limit <= 0:
        return
    if not GUARD.allow(apikey, config.rate_limit, time.time() if now is None else now):
        raise ApiError(429, "You have exceeded the allowed request rate; slow down and try again")


def guard_of(caller: Caller) -> list[fx.Effect]:
    """What every write of a signed request commits with: its key must still be enabled (revocation is
    effective when its answer leaves). The local stack's unsigned admin has no key to check."""
    return [fx.RequireKey(caller.apikey)] if caller.apikey else []
