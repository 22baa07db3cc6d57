"""The request function: (method, path, headers, raw body) + settings + store -> (status, JSON body)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from . import __version__, auth, body
from .errors import DomainError, MethodNotAllowed, NotFound, StorageUnavailable, Unauthorized
from .objects import DELETIONS, EVENTS, REJECTED, build_objects
from .rows import CALL_TYPES, DELETE, Invalid, Shaped, rejected, shape
from .settings import Settings
from .store import Store

MAX_ERRORS_SHOWN = 100
ROUTES = {"/health": "GET", "/segment": "POST", "/v1/batch": "POST"} | {f"/v1/{c}": "POST" for c in sorted(CALL_TYPES)}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # any case; looked up lower-case
    body: bytes = b""


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> bytes:
        return orjson.dumps(self.body)


def handle(request: Request, settings: Settings, store: Store, now: datetime | None = None) -> Response:
    """Route and serve one request; every domain error becomes its status here."""
    try:
        allowed = ROUTES.get(request.path)
        if allowed is None:
            raise NotFound(f"no route {request.path[:100]!r}; see {', '.join(ROUTES)}")
        if request.method.upper() != allowed:
            raise MethodNotAllowed(f"{request.path} takes {allowed}", allow=allowed)
        if request.path == "/health":
            return health(settings)
        call = request.path.removeprefix("/v1/") if request.path.startswith("/v1/") else None
        return ingest(request, settings, store, call=None if call == "batch" else call, now=now)
    except DomainError as error:
        return error_response(error)


def health(settings: Settings) -> Response:
    return Response(200, {"status": "ok", "platform": settings.platform_label, "version": __version__})


def error_response(error: DomainError) -> Response:
    """The one mapping from domain errors to responses; handlers on every platform use it."""
    return Response(error.status_hint, {"error": error.message}, dict(error.headers))


def ingest(
    request: Request, settings: Settings, store: Store, call: str | None = None, now: datetime | None = None
) -> Response:
    """Authenticate, parse, shape and store one body. Answers 200 only once every object is stored."""
    arrival = now or datetime.now(UTC)
    headers = {k.lower(): v for k, v in request.headers.items()}
    body.check_content_type(headers.get("content-type"))
    payload = body.decode(request.body, headers.get("content-encoding"), settings.max_body_bytes)
    header_auth = auth.headers_pass(settings, headers, payload)
    if not header_auth and not settings.write_keys:
        raise Unauthorized("missing or invalid credentials")
    try:
        document = body.messages_of(body.parse(payload), call)
    except DomainError:
        if not header_auth:
            raise Unauthorized("missing or invalid credentials") from None  # no parser hints for strangers
        raise
    if not header_auth:
        auth.require_body_write_keys(settings, document.write_keys)

    events: list[Shaped] = []
    deletions: list[Shaped] = []
    refused: list[Shaped] = []
    errors: list[dict[str, Any]] = []
    for index, message in enumerate(document.messages):
        try:
            shaped = shape(message, arrival)
        except Invalid as invalid:
            refused.append(rejected(message, invalid.reason, arrival))
            if len(errors) < MAX_ERRORS_SHOWN:
                errors.append(_error(index, message, invalid.reason))
            continue
        (deletions if shaped.row["method"] == DELETE else events).append(shaped)

    directory = settings.location.directory if settings.location else ""
    objects = [
        *build_objects(directory, EVENTS, events),
        *build_objects(directory, DELETIONS, deletions),
        *build_objects(directory, REJECTED, refused),
    ]
    for stored in objects:
        _put(store, stored.key, stored.data)

    accepted = len(events) + len(deletions)
    result: dict[str, Any] = {"accepted": accepted, "rejected": len(refused), "errors": errors}
    if len(refused) > len(errors):
        result["errorsNotShown"] = len(refused) - len(errors)
    if accepted == 0:
        return Response(400, {"error": "no valid messages in the body", **result})
    return Response(200, result)


def log_fields(method: str, path: str, response: Response) -> dict[str, Any]:
    """What every platform logs about a request: never headers, bodies or credentials."""
    return {"method": method[:16], "path": path[:200], "status": response.status,
            "accepted": response.body.get("accepted"), "rejected": response.body.get("rejected"),
            "error": response.body.get("error")}


def _put(store: Store, key: str, data: bytes) -> None:
    """Any failure of the store is storage trouble: 503, so Segment retries and nothing is acknowledged."""
    try:
        store.put(key, data)
    except StorageUnavailable:
        raise
    except Exception as error:
        raise StorageUnavailable(f"storage failed ({type(error).__name__}); retry later") from error


def _error(index: int, message: Any, reason: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"index": index, "error": reason}
    if type(message) is dict and type(message.get("messageId")) is str and message["messageId"].isprintable():
        entry["messageId"] = message["messageId"][:256]
    return entry
