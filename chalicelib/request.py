"""An API request as CloudStack reads it: merged parameters, case-insensitive names. Pure."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping
from urllib.parse import parse_qsl

from chalicelib.errors import ApiError, invalid_value, missing_parameter


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
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise invalid_value(self.command, name.lower(), value) from None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.params.get(name.lower())
        if value is None or value == "":
            return default
        if value.lower() not in ("true", "false"):
            raise invalid_value(self.command, name.lower(), value)
        return value.lower() == "true"


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
