"""The Azure function, called with func.HttpRequest as the host would, against Azurite's real Blob API."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import orjson
import pathspec
import pytest

from azure_function.local import call
from core.body import messages_of, parse
from core.objects import EVENTS, build_objects
from core.rows import shape
from tests.helpers import JSON, clean_env, message_id_counts, post_json, rows_of
from tests.servers import cli_server
from tests.storage import EVENT_ENV

ROOT = Path(__file__).parents[2]
EVENTS_DIR = ROOT / "events"
CALL_TYPES = ["track", "page", "screen", "identify", "group", "alias"]

pytestmark = pytest.mark.integration


def invoke(module: ModuleType, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    response = call(module.app, method, path, headers, body)
    return response.status_code, json.loads(response.get_body()), dict(response.headers)


def canned(name: str) -> tuple[str, dict[str, str], bytes]:
    """Path, headers and raw body of an events/ file: the same requests the Lambda tests replay."""
    event = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    body = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return event["rawPath"], event["headers"], body


def stored_rows(azurite, container) -> list[dict]:
    return [row for data in azurite.blobs(container).values() for row in rows_of(data)]


@pytest.mark.parametrize("call_type", CALL_TYPES)
def test_each_call_type_lands_shaped_under_its_hour(load_app, azurite, container, call_type):
    app = load_app()
    path, headers, body = canned(call_type)
    assert invoke(app, "POST", path, headers, body)[:2] == (200, {"accepted": 1, "rejected": 0, "errors": []})
    [(name, data)] = azurite.blobs(container).items()
    assert name.startswith("segment/2026/12/04/19/") and name.endswith(".json.gz")
    assert rows_of(data) == [shape(m, datetime.now(UTC)).row for m in messages_of(parse(body)).messages]
    properties = azurite.service().get_blob_client(container, name).get_blob_properties()
    settings = properties.content_settings
    assert settings.content_type == "application/gzip" and not settings.content_encoding


def test_sdk_batch_with_write_key_and_gzip(load_app, azurite, container):
    app = load_app()
    path, headers, body = canned("v1-batch-gzip")
    assert invoke(app, "POST", path, headers, body)[0] == 200
    [row] = stored_rows(azurite, container)
    expected = shape(messages_of(parse(gzip.decompress(body))).messages[0], datetime.now(UTC)).row
    assert {k: v for k, v in row.items() if k != "receivedAt"} == {k: v for k, v in expected.items()
                                                                   if k != "receivedAt"}


def test_same_request_twice_is_one_blob(load_app, azurite, container):
    app = load_app()
    path, headers, body = canned("actions-batch")
    assert invoke(app, "POST", path, headers, body)[0] == 200
    first = azurite.blobs(container)
    assert invoke(app, "POST", path, headers, body)[:2] == (200, {"accepted": 2, "rejected": 0, "errors": []})
    assert azurite.blobs(container) == first and len(first) == 1


@pytest.mark.parametrize(("permission", "hours", "why"), [("r", 1, "AuthorizationPermissionMismatch"),
                                                          ("cw", -1, "403")])
def test_sas_that_cannot_write_is_503_with_a_reason_and_no_secret(load_app, azurite, container, caplog,
                                                                   permission, hours, why):
    sas = azurite.sas(container, permission, hours)
    app = load_app(INTERANA_API_KEY=sas)
    caplog.set_level(logging.DEBUG)
    path, headers, body = canned("track")
    status, answer, response_headers = invoke(app, "POST", path, headers, body)
    assert (status, response_headers["Retry-After"]) == (503, "10")
    assert why in answer["error"]
    assert any(why in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    signature = dict(p.split("=", 1) for p in sas.split("&"))["sig"]
    for secret in (signature, unquote(signature), EVENT_ENV["INGEST_BEARER_TOKEN"]):
        assert secret not in caplog.text and secret not in json.dumps(answer)
    assert azurite.blobs(container) == {}


def test_azurite_stopped_is_503_and_the_retry_stores_everything_once(load_app, azurite, container):
    # GIVEN a request spanning three hours, one hour of which an earlier attempt already wrote
    messages = [{"type": "track", "event": "E", "userId": "u", "messageId": f"m{h}",
                 "receivedAt": f"2026-12-04T{h:02d}:30:00Z"} for h in (1, 2, 3)]
    first = build_objects("segment", EVENTS, [shape(m, datetime.now(UTC)) for m in messages])[0]
    azurite.service().get_blob_client(container, first.key).upload_blob(first.data)
    app = load_app()
    headers = {**JSON, "Authorization": f"Bearer {EVENT_ENV['INGEST_BEARER_TOKEN']}"}
    # WHEN Azurite is stopped
    azurite.server.stop()
    try:
        status, answer, response_headers = invoke(app, "POST", "/segment", headers, orjson.dumps(messages))
    finally:
        azurite.server.start()
    # THEN nothing is acknowledged and Segment is told to retry
    assert (status, response_headers["Retry-After"]) == (503, "10") and "accepted" not in answer
    # AND after the restart the retried request stores every message exactly once
    assert invoke(app, "POST", "/segment", headers, orjson.dumps(messages))[0] == 200
    assert message_id_counts(azurite.blobs(container).values()) == {"m1": 1, "m2": 1, "m3": 1}


def test_signature_write_key_and_bearer_through_http_request_headers(load_app, azurite, container):
    app = load_app()
    body = b'{"type":"identify","userId":"u9","messageId":"sig-1"}'
    signature = hmac.new(EVENT_ENV["SEGMENT_SHARED_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    assert invoke(app, "POST", "/segment", {**JSON, "X-Signature": signature}, body)[0] == 200
    assert invoke(app, "POST", "/segment", {**JSON, "X-Signature": "f" * 40}, body)[0] == 401
    basic = base64.b64encode(f"{EVENT_ENV['SEGMENT_WRITE_KEYS']}:".encode()).decode()
    assert invoke(app, "POST", "/v1/page", {**JSON, "Authorization": f"Basic {basic}"},
                  b'{"name":"Home","userId":"u9","messageId":"wk-1"}')[0] == 200
    bearer = {**JSON, "Authorization": f"Bearer {EVENT_ENV['INGEST_BEARER_TOKEN']}"}
    assert invoke(app, "POST", "/v1/group", bearer, b'{"groupId":"g","userId":"u9","messageId":"b-1"}')[0] == 200
    assert invoke(app, "POST", "/v1/group", {**JSON, "Authorization": "Bearer no"}, b"{}")[0] == 401
    assert message_id_counts(azurite.blobs(container).values()) == {"sig-1": 1, "wk-1": 1, "b-1": 1}


def test_health_and_unknown_routes(load_app, azurite, container):
    app = load_app()
    assert invoke(app, "GET", "/health", {})[:2] == (200, {"status": "ok", "platform": "Azure",
                                                           "version": "0.1.0"})
    assert invoke(app, "POST", "/v1/delete", JSON, b"{}")[0] == 404
    assert invoke(app, "GET", "/segment", JSON)[0] == 404  # the host matches methods, like API Gateway
    assert azurite.blobs(container) == {}


def test_serve_platform_azure_writes_through_the_function(azurite, container, tmp_path):
    env = clean_env(INTERANA_BUCKET_URL=f"{azurite.account_url}/{container}/segment",
                    INTERANA_API_KEY=azurite.sas(container))
    with cli_server(env, tmp_path / "server.log", "--platform", "azure") as port:
        assert post_json(port, "/v1/track", b'{"event":"E","userId":"u","messageId":"served-1"}') == 200
    assert message_id_counts(azurite.blobs(container).values()) == {"served-1": 1}


def test_deploy_package_holds_no_tests_and_no_aws_code():
    spec = pathspec.GitIgnoreSpec.from_lines((ROOT / ".funcignore").read_text().splitlines())
    files = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()}
    shipped = {f for f in files if not spec.match_file(f) and not f.startswith((".venv/", "node_modules/", ".git/"))}
    assert {"function_app.py", "host.json", "requirements.txt", "core/service.py",
            "azure_function/blueprint.py"} <= shipped
    assert not [f for f in shipped if f.startswith(("tests/", "aws_lambda/", "bench/", "events/"))]
    requirements = (ROOT / "requirements.txt").read_text().lower()
    assert "boto" not in requirements and "powertools" not in requirements


def test_host_json_serves_our_paths_and_keeps_request_telemetry():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensions"]["http"]["routePrefix"] == ""  # /segment, not /api/segment
    assert host["extensionBundle"]["version"] == "[4.*, 5.0.0)"
    assert "Request" in host["logging"]["applicationInsights"]["samplingSettings"]["excludedTypes"].split(";")
