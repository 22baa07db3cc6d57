"""Domain errors. Each carries the HTTP status a handler should answer with (h11's `error_status_hint` idea)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting is missing or malformed; raised at start-up, never per request."""

    def __init__(self, variable: str, problem: str, accepted: str = "") -> None:
        self.variable = variable
        text = f"{variable}: {problem}"
        if accepted:
            text += f"; accepted: {accepted}"
        super().__init__(text)


class DomainError(Exception):
    """A request that cannot be served as asked. `status_hint` is the HTTP status to answer with."""

    status_hint = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(DomainError):
    status_hint = 400


class Unauthorized(DomainError):
    status_hint = 401


class NotFound(DomainError):
    status_hint = 404


class MethodNotAllowed(DomainError):
    status_hint = 405

    def __init__(self, message: str, allow: str) -> None:
        super().__init__(message, headers={"Allow": allow})


class LengthRequired(DomainError):
    status_hint = 411


class PayloadTooLarge(DomainError):
    status_hint = 413


class UnsupportedMediaType(DomainError):
    status_hint = 415


class StorageUnavailable(DomainError):
    """The store could not confirm a write. Segment retries 5xx, so nothing is lost."""

    status_hint = 503
    retry_after_seconds = 10

    def __init__(self, message: str = "storage unavailable; retry later") -> None:
        super().__init__(message, headers={"Retry-After": str(self.retry_after_seconds)})
