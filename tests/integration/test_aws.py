"""The Lambda handler against moto's real S3 API: events/ files and generated API Gateway events."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import orjson
import pytest

from aws_lambda.local import LocalContext, http_api_event
from core.body import messages_of, parse
from core.objects import EVENTS, build_objects
from core.rows import shape
from tests.helpers import JSON, clean_env, message_id_counts, post_json, rows_of
from tests.servers import cli_server
from tests.storage import EVENT_ENV

EVENTS_DIR = Path(__file__).parents[2] / "events"
CALL_TYPES = ["track", "page", "screen", "identify", "group", "alias"]

pytestmark = pytest.mark.integration


def invoke(handler: ModuleType, event: dict) -> tuple[int, dict, dict]:
    result = handler.lambda_handler(event, LocalContext())
    return result["statusCode"], json.loads(result["body"]), result.get("headers") or {}


def event_file(name: str) -> dict:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def expected_rows(event: dict) -> list[dict]:
    """What core's shaping makes of the event's body, for comparison with what landed in S3."""
    body = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    if event["headers"].get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return [shape(m, datetime.now(UTC)).row for m in messages_of(parse(body)).messages]


@pytest.mark.parametrize("call", CALL_TYPES)
def test_each_call_type_event_lands_shaped_under_its_hour(load_handler, moto, bucket, call):
    handler = load_handler()
    event = event_file(call)
    status, body, _ = invoke(handler, event)
    assert (status, body) == (200, {"accepted": 1, "rejected": 0, "errors": []})
    [(key, data)] = moto.objects(bucket).items()
    assert key.startswith("segment/2026/12/04/19/") and key.endswith(".json.gz")
    assert rows_of(data) == expected_rows(event)
    head = moto.client().head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "application/gzip" and "ContentEncoding" not in head


@pytest.mark.parametrize(("name", "count"), [("actions-batch", 2), ("signed", 1), ("v1-batch-gzip", 1)])
def test_signed_batched_and_sdk_events(load_handler, moto, bucket, name, count):
    handler = load_handler()
    event = event_file(name)
    status, body, _ = invoke(handler, event)
    assert status == 200 and body["accepted"] == count
    rows = [row for data in moto.objects(bucket).values() for row in rows_of(data)]
    for row in [*rows, *(expected := expected_rows(event))]:
        row.pop("receivedAt")  # the SDK event has none: stamped on arrival
    assert sorted(rows, key=lambda r: r["messageId"]) == sorted(expected, key=lambda r: r["messageId"])


def test_sdk_batch_context_is_merged(load_handler, moto, bucket):
    invoke(load_handler(), event_file("v1-batch-gzip"))
    [row] = [row for data in moto.objects(bucket).values() for row in rows_of(data)]
    assert row["context.library.name"] == "analytics-python" and row["method"] == "track"


def test_bad_request_and_health(load_handler, moto, bucket):
    handler = load_handler()
    status, body, _ = invoke(handler, event_file("bad-request"))
    assert status == 400 and body["error"].startswith("body is not valid JSON")
    status, body, _ = invoke(handler, event_file("health"))
    assert (status, body["platform"]) == (200, "AWS")
    assert moto.objects(bucket) == {}


def test_same_request_twice_is_one_object(load_handler, moto, bucket):
    handler = load_handler()
    assert invoke(handler, event_file("track"))[0] == 200
    first = moto.objects(bucket)
    assert invoke(handler, event_file("track"))[:2] == (200, {"accepted": 1, "rejected": 0, "errors": []})
    assert moto.objects(bucket) == first and len(first) == 1


def test_api_key_credentials_are_the_ones_used(load_handler, moto, bucket):
    good = load_handler(INTERANA_API_KEY=f"{moto.access_key_id},{moto.secret_access_key}",
                        AWS_ACCESS_KEY_ID="AKIANOTAREALKEY00000", AWS_SECRET_ACCESS_KEY="nope")
    assert invoke(good, event_file("track"))[0] == 200
    wrong = load_handler(INTERANA_API_KEY=f"{moto.access_key_id},not-the-secret")
    status, body, headers = invoke(wrong, event_file("identify"))
    assert (status, headers["Retry-After"]) == (503, "10")
    assert "SignatureDoesNotMatch" in body["error"]
    assert len(moto.objects(bucket)) == 1


def test_storage_down_is_503_and_the_retry_stores_everything_once(load_handler, moto, bucket):
    # GIVEN a request spanning three hours, one hour of which an earlier attempt already wrote
    messages = [{"type": "track", "event": "E", "userId": "u", "messageId": f"m{h}",
                 "receivedAt": f"2026-12-04T{h:02d}:30:00Z"} for h in (1, 2, 3)]
    body = orjson.dumps(messages)
    already = build_objects("segment", EVENTS, [shape(m, datetime.now(UTC)) for m in messages])[0]
    moto.client().put_object(Bucket=bucket, Key=already.key, Body=already.data)
    handler = load_handler(INGEST_BEARER_TOKEN="tok")
    event = http_api_event("POST", "/segment", {**JSON, "Authorization": "Bearer tok"}, body)
    # WHEN S3 is unreachable
    moto.proxy.cut()
    try:
        status, answer, headers = invoke(handler, event)
    finally:
        moto.proxy.restore()
    # THEN nothing is acknowledged, and Segment is told to retry
    assert (status, headers.get("Retry-After")) == (503, "10")
    assert "accepted" not in answer and answer["error"].startswith("S3 unreachable")
    # AND the retry after recovery stores every message exactly once
    assert invoke(handler, event)[0] == 200
    assert message_id_counts(moto.objects(bucket).values()) == {"m1": 1, "m2": 1, "m3": 1}


def test_signature_and_write_key_through_api_gateway_events(load_handler, moto, bucket):
    handler = load_handler()
    body = b'{"type":"identify","userId":"u9","messageId":"sig-1"}'
    signature = hmac.new(EVENT_ENV["SEGMENT_SHARED_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    signed = http_api_event("POST", "/segment", {**JSON, "X-Signature": signature}, body)
    assert signed["headers"]["x-signature"] == signature and signed["isBase64Encoded"]
    assert invoke(handler, signed)[0] == 200
    forged = http_api_event("POST", "/segment", {**JSON, "X-Signature": "0" * 40}, body)
    assert invoke(handler, forged)[:2] == (401, {"error": "missing or invalid credentials"})
    basic = base64.b64encode(f"{EVENT_ENV['SEGMENT_WRITE_KEYS']}:".encode()).decode()
    keyed = http_api_event("POST", "/v1/track", {**JSON, "Authorization": f"Basic {basic}"},
                           b'{"event":"E","userId":"u9","messageId":"wk-1"}')
    assert invoke(handler, keyed)[0] == 200
    assert message_id_counts(moto.objects(bucket).values()) == {"sig-1": 1, "wk-1": 1}


def test_rest_api_payload_v1_goes_through_the_same_code(load_handler, moto, bucket):
    handler = load_handler()
    event = {
        "resource": "/segment", "path": "/segment", "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "Authorization": f"Bearer {EVENT_ENV['INGEST_BEARER_TOKEN']}"},
        "requestContext": {"requestId": "rest-1", "stage": "prod", "resourcePath": "/segment", "httpMethod": "POST"},
        "body": '{"type":"alias","userId":"u1","previousId":"a1","messageId":"rest-alias"}',
        "isBase64Encoded": False,
    }
    assert invoke(handler, event)[0] == 200
    assert message_id_counts(moto.objects(bucket).values()) == {"rest-alias": 1}


def test_secrets_are_resolved_at_cold_start(load_handler, moto, bucket):
    arn = moto.client("secretsmanager").create_secret(Name=f"{bucket}-secret", SecretString="from-sm")["ARN"]
    moto.client("ssm").put_parameter(Name=f"/{bucket}/token", Value="from-ssm", Type="SecureString")
    handler = load_handler(SEGMENT_SHARED_SECRET=arn, INGEST_BEARER_TOKEN=f"ssm:/{bucket}/token")
    assert (handler.settings.shared_secret, handler.settings.bearer_token) == ("from-sm", "from-ssm")
    event = http_api_event("POST", "/segment", {**JSON, "Authorization": "Bearer from-ssm"},
                           b'{"type":"identify","userId":"u"}')
    assert invoke(handler, event)[0] == 200


def test_serve_platform_aws_writes_through_the_handler(aws_env, moto, bucket, tmp_path):
    env = clean_env(INTERANA_BUCKET_URL=f"s3://{bucket}/segment")
    with cli_server(env, tmp_path / "server.log", "--platform", "aws") as port:
        assert post_json(port, "/v1/track", b'{"event":"E","userId":"u","messageId":"served-1"}') == 200
    assert message_id_counts(moto.objects(bucket).values()) == {"served-1": 1}


def test_malformed_base64_event_body_is_a_400(load_handler, moto, bucket):
    handler = load_handler()
    event = http_api_event("POST", "/segment", {**JSON, "Authorization": "Bearer x"}, b"")
    event["body"] = "not base64!"
    status, body, _ = invoke(handler, event)
    assert (status, body) == (400, {"error": "body is not valid base64 although isBase64Encoded is set"})
