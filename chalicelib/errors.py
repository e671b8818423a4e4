"""The error tree: every failure jobledger means to report has a type here."""
from __future__ import annotations

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


class InsufficientCapacity(JobledgerError):
    """No host in the zone has the CPU and memory the offering needs."""


def missing_parameter(command: str, name: str) -> ApiError:
    return ApiError(431, f"Unable to execute API command {command.lower()} due to missing parameter {name}")


def invalid_value(command: str, name: str, value: str) -> ApiError:
    value = value if len(value) <= 64 else value[:64] + "…"  # never echo an unbounded value
    return ApiError(
        431,
        f"Unable to execute API command {command.lower()} due to invalid value {value} for parameter {name}",
        CS_INVALID_PARAMETER_VALUE,
    )


UNAUTHORIZED_TEXT = "unable to verify user credentials and/or request signature"


def unauthorized() -> ApiError:
    """The one answer to every authentication failure, whatever its cause (nothing is revealed)."""
    return ApiError(401, UNAUTHORIZED_TEXT, None)


def not_available(command: str) -> ApiError:
    return ApiError(401, f"The given command '{command}' either does not exist, is not available for user.", None)
