"""The error tree: every failure jobledger means to report has a type here."""
from __future__ import annotations

import unicodedata

# CloudStack's cserrorcode values (ApiErrorCode / CSExceptionErrorCode).
CS_DEFAULT = 9999
CS_INVALID_PARAMETER_VALUE = 4350
CS_PERMISSION_DENIED = 4365


class JobledgerError(Exception):
    """Base of every error jobledger raises on purpose."""


class ApiError(JobledgerError):
    """An error answered to the client as a CloudStack error response (HTTP status = code)."""

    def __init__(self, code: int, text: str, cserrorcode: int | None = CS_DEFAULT) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode


class ConcurrencyConflict(JobledgerError):
    """Another writer appended to the stream (or changed the item) first; reload and decide again."""


class KeyRevoked(JobledgerError):
    """The request's API key was disabled or deleted after it was checked: nothing was written (401)."""


class InsufficientCapacity(JobledgerError):
    """No host in the zone has the CPU and memory the offering needs."""


ECHO_LIMIT = 64


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """A request value as an error text may repeat it: control and format characters (CR, LF, NUL, bidi
    overrides, …) dropped, cut to `limit` characters. Every echo of client input goes through here."""
    clean = "".join(c for c in value[:limit * 4] if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    return clean if len(clean) <= limit else clean[:limit] + "…"


def missing_parameter(command: str, name: str) -> ApiError:
    return ApiError(431, f"Unable to execute API command {echo(command.lower())} due to missing parameter "
                         f"{echo(name)}")


def invalid_value(command: str, name: str, value: str) -> ApiError:
    return ApiError(
        431,
        f"Unable to execute API command {echo(command.lower())} due to invalid value {echo(value)} for parameter "
        f"{echo(name)}",
        CS_INVALID_PARAMETER_VALUE,
    )


UNAUTHORIZED_TEXT = "unable to verify user credentials and/or request signature"


def unauthorized() -> ApiError:
    """The one answer to every authentication failure, whatever its cause (nothing is revealed)."""
    return ApiError(401, UNAUTHORIZED_TEXT, None)


NOT_AVAILABLE_TEXT = "The given command does not exist or it is not available for user"


def not_available() -> ApiError:
    """CloudStack 4.x's answer to a verified caller whose command does not exist or is not for its role. It names
    no command: a key's owner learns which commands exist, nobody else (they get the uniform 401 first)."""
    return ApiError(432, NOT_AVAILABLE_TEXT)
