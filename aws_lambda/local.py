"""Stand-in for `sam local start-api`: each HTTP request becomes an HTTP API event for `lambda_handler`."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from core.service import Request, Response


@dataclass
class LocalContext:
    """The LambdaContext fields Powertools reads."""

    function_name: str = "IngestFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:IngestFunction"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def http_api_event(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event as API Gateway builds it: lower-case headers, base64 body."""
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": headers.get("User-Agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def app(request: Request) -> Response:
    """Serve one local request through the real Lambda handler (and so the real S3 store)."""
    from .handler import lambda_handler  # settings are read at import, as at a cold start

    result = lambda_handler(http_api_event(request.method, request.path, dict(request.headers), request.body),
                            LocalContext())  # type: ignore[arg-type]
    headers = {k: v for k, v in (result.get("headers") or {}).items() if k.lower() != "content-type"}
    return Response(result["statusCode"], orjson.loads(result["body"]), headers)
