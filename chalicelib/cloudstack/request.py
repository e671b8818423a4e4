"""An API request as CloudStack reads it: merged parameters, case-insensitive names. Pure."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import parse_qsl

from chalicelib.core.errors import CS_INVALID_PARAMETER_VALUE, ApiError, echo, invalid_value, missing_parameter

_INTEGER = re.compile(r"-?[0-9]{1,9}")
_NUMERIC_ID = re.compile(r"[0-9]{1,18}")
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
# The names CloudStack's API uses: letters and digits, and the `[`, `]`, `.`, `_` of map parameters
# (`tags[0].key`, `details[0].cpuNumber`, `iptonetworklist[0].ip`).
_NAME = re.compile(r"[A-Za-z0-9_.\[\]]{1,100}")


def is_numeric_id(value: str) -> bool:
    """Ids jobledger issues itself (jobs, VMs, users, accounts, domains): ASCII digits only."""
    return bool(_NUMERIC_ID.fullmatch(value))


def is_id(value: str) -> bool:
    """Inventory ids from configuration: numbers as in CloudStack 3.0, or UUID-like names."""
    return bool(_ID.fullmatch(value))


@dataclass(frozen=True)
class ApiRequest:
    """`pairs` keeps every parameter as sent (for signing); `params` maps lowercased names to first values."""

    pairs: tuple[tuple[str, str], ...]
    params: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"

    @property
    def command(self) -> str:
        return self.params.get("command", "")

    @property
    def fmt(self) -> str:
        return "json" if self.params.get("response", "").lower() == "json" else "xml"

    def get(self, name: str) -> str | None:
        return self.params.get(name.lower())

    def require(self, name: str) -> str:
        value = self.params.get(name.lower())
        if value is None or value == "":
            raise missing_parameter(self.command, name.lower())
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        """A plain decimal integer of at most nine digits (no `+`, spaces, `_` or other scripts' digits)."""
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        if not _INTEGER.fullmatch(value):
            raise invalid_value(self.command, name.lower(), value)
        return int(value)

    def date(self, name: str) -> str | None:
        """A CloudStack date (`2026-11-27 10:00:00`, `2026-11-27T10:00:00+0000`, `2026-11-27`) as the ISO UTC
        form events store; None when absent."""
        value = self.params.get(name.lower())
        if not value:
            return None
        for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(value, fmt)
            except ValueError:
                continue
            moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        raise invalid_value(self.command, name.lower(), value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        if value.lower() not in ("true", "false"):
            raise invalid_value(self.command, name.lower(), value)
        return value.lower() == "true"


def check_names(req: ApiRequest) -> None:
    """Refuse (431) what would make a signature mean more than one request, before any signature is checked.

    The string to sign holds names unencoded and lowercased, and the server acts on the first value of a name:
    a name carrying `=` or `&` (`response%3Djson%26signatureVersion`) signs like several parameters, and the
    same name twice (`Command=…&command=…`, reordered) signs alike but acts on another value. So every name
    must come from CloudStack's alphabet and appear once, in any letter case.
    """
    command = echo(req.command.lower())
    seen: set[str] = set()
    for name, _ in req.pairs:
        if not _NAME.fullmatch(name):
            raise ApiError(431, f"Unable to execute API command {command}: invalid parameter name {echo(name)!r} "
                                "(names are 1 to 100 letters, digits, '_', '.', '[' and ']')",
                           CS_INVALID_PARAMETER_VALUE)
        if name.lower() in seen:
            raise ApiError(431, f"Unable to execute API command {command}: parameter {echo(name.lower())} is given "
                                "more than once", CS_INVALID_PARAMETER_VALUE)
        seen.add(name.lower())


def build_request(query: Iterable[tuple[str, str]], body: bytes | str | None = None,
                  method: str = "GET") -> ApiRequest:
    """Merge query string and form body; the first value of a name (any case) wins."""
    pairs = list(query)
    if body:
        pairs.extend(parse_form(_decode(body)))
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name.lower(), value)
    return ApiRequest(pairs=tuple(pairs), params=params, method=method.upper())


def parse_form(body: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise _invalid_utf8() from None


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid_utf8() from None


def _invalid_utf8() -> ApiError:
    return ApiError(431, "Unable to execute API command: the request is not valid UTF-8")
