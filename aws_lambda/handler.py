"""Lambda entry point: API Gateway (HTTP API payload 2.0, or REST API payload 1.0) -> core -> S3."""

from __future__ import annotations

import base64
import binascii
import os
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import service
from core.errors import BadRequest
from core.settings import Settings

from .s3_store import S3Store
from .secrets import resolve_secrets

logger = Logger(service="interana-destination")
metrics = Metrics(namespace="InteranaDestination", service="interana-destination")


class MeasuredStore:
    """The S3 store, with its latency and bytes written recorded as metrics."""

    def __init__(self, inner: S3Store) -> None:
        self.inner = inner

    def put(self, key: str, data: bytes) -> bool:
        started = time.perf_counter()
        try:
            created = self.inner.put(key, data)
        finally:
            metrics.add_metric("StoreLatency", MetricUnit.Milliseconds, (time.perf_counter() - started) * 1000)
        metrics.add_metric("BytesWritten", MetricUnit.Bytes, len(data) if created else 0)
        return created


# Built once per cold start; a bad setting fails the init with a message naming the variable.
settings = Settings.for_platform(resolve_secrets(os.environ), "aws")
store = MeasuredStore(S3Store.from_settings(settings))
router = Router()


def _body(raw: str, is_base64: bool) -> bytes:
    """The raw body bytes, as the client sent them (API Gateway base64-encodes binary bodies)."""
    try:
        return base64.b64decode(raw, validate=True) if is_base64 else raw.encode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        raise BadRequest("body is not valid base64 although isBase64Encoded is set") from None


def _serve() -> Response:
    event = router.current_event
    try:
        request = service.Request(event.http_method, event.path, dict(event.headers or {}),
                                  _body(event.body or "", bool(event.is_base64_encoded)))
        answer = service.handle(request, settings, store)
    except BadRequest as error:
        answer = service.error_response(error)
    metrics.add_metric("Requests", MetricUnit.Count, 1)
    if "accepted" in answer.body:
        metrics.add_metric("EventsAccepted", MetricUnit.Count, answer.body["accepted"])
        metrics.add_metric("EventsRejected", MetricUnit.Count, answer.body["rejected"])
    log = logger.warning if answer.status >= 500 else logger.info
    log("request handled", extra=service.log_fields(event.http_method, event.path, answer))
    return Response(answer.status, "application/json", answer.json().decode(), answer.headers)


# The routes API Gateway forwards (template.yaml); core answers each, and anything else (404/405) too.
@router.get("/health")
@router.post("/segment")
@router.post("/v1/<call>")
def serve_route(call: str | None = None) -> Response:
    return _serve()


http_app = APIGatewayHttpResolver()
rest_app = APIGatewayRestResolver()
for _app in (http_app, rest_app):
    _app.include_router(router)
    _app.exception_handler(NotFoundError)(lambda _error: _serve())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app = http_app if event.get("version") == "2.0" else rest_app
    return app.resolve(event, context)
