"""Authenticating a request as CloudStack does, the per-key rate limit, and the limits on what a request may be."""
from __future__ import annotations

import time
from datetime import timedelta

from chalicelib import signing, state
from chalicelib.accounts import ADMIN, Caller, caller_of
from chalicelib.errors import CS_INVALID_PARAMETER_VALUE, ApiError, echo, unauthorized
from chalicelib.request import ApiRequest, check_names
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
    row = state.get("apikey", apikey)
    key = row.as_dict() if row is not None else None
    if key is None or key.get("state") != "enabled" or not signing.verify(req.pairs, key["secret"], signature):
        raise unauthorized()
    return caller_of(key, apikey), apikey


def check_rate(apikey: str | None, config: Settings, now: float | None = None) -> None:
    """At most `rate_limit` requests per key per second (one atomic counter per key and second); 429 beyond."""
    if apikey is None or config.rate_limit <= 0:
        return
    window = int(now if now is not None else time.time())
    if state.count_request(apikey, window) > config.rate_limit:
        raise ApiError(429, "You have exceeded the allowed request rate; slow down and try again")
