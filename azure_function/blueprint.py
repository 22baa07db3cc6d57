"""The HTTP functions (Python v2 programming model), registered by the root `function_app.py`."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

import azure.functions as func

from core import service
from core.settings import Settings

from .blob_store import BlobStore

log = logging.getLogger("interana_destination.azure")
# The SDK's HTTP logging policy logs every request at INFO; urllib3 logs request URLs, SAS included, at DEBUG.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
logging.getLogger("urllib3").setLevel(logging.ERROR)


# Built once per cold start (worker process); a bad setting fails indexing with the variable named.
settings = Settings.for_platform(os.environ, "azure")
store = BlobStore.from_settings(settings)
bp = func.Blueprint()


def serve(req: func.HttpRequest) -> func.HttpResponse:
    """Raw body and headers to core; core's answer back as JSON."""
    path = urlsplit(req.url).path
    request = service.Request(req.method, path, dict(req.headers), req.get_body())
    answer = service.handle(request, settings, store)
    fields = service.log_fields(req.method, path, answer)
    # key=value text for the Functions log stream; the same fields as `extra` become Application Insights
    # custom dimensions where the OpenTelemetry exporter is on.
    log.log(logging.WARNING if answer.status >= 500 else logging.INFO,
            "request handled %s", " ".join(f"{k}={v}" for k, v in fields.items()), extra=fields)
    return func.HttpResponse(answer.json(), status_code=answer.status, headers=answer.headers,
                             mimetype="application/json")


@bp.route(route="segment", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def segment(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req)


@bp.route(route="v1/{call}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def tracking_api(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req)


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req)
