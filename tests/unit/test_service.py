"""The request function: body shapes, routes, DESIGN's status table, objects written."""

import gzip
import zlib

import orjson
import pytest

from core.service import Request, handle
from core.settings import Settings
from tests.helpers import JSON, NOW, MemoryStore

TRACK = {"type": "track", "event": "Clicked", "userId": "u1", "messageId": "m1"}


def post(settings, store, payload, path="/segment", headers=JSON, raw=None):
    body = raw if raw is not None else orjson.dumps(payload)
    return handle(Request("POST", path, headers, body), settings, store, now=NOW)


def test_single_message_is_stored_under_its_hour(open_settings, store):
    response = post(open_settings, store, TRACK)
    assert (response.status, response.body) == (200, {"accepted": 1, "rejected": 0, "errors": []})
    [key] = store.objects
    assert key.startswith("2026/12/04/20/") and key.endswith(".json.gz")
    assert store.rows()[0]["event"] == "Clicked"


@pytest.mark.parametrize("shape", ["array", "batch"])
def test_array_and_batch_bodies(open_settings, store, shape):
    messages = [TRACK, {"type": "identify", "userId": "u2", "messageId": "m2"}]
    payload = messages if shape == "array" else {"batch": messages}
    assert post(open_settings, store, payload).body["accepted"] == 2
    assert sorted(r["messageId"] for r in store.rows()) == ["m1", "m2"]


def test_gzip_body(open_settings, store):
    raw = gzip.compress(orjson.dumps(TRACK))
    response = post(open_settings, store, None, headers={**JSON, "Content-Encoding": "gzip"}, raw=raw)
    assert response.status == 200 and store.rows()[0]["messageId"] == "m1"


def test_directory_prefixes_every_key(store):
    settings = Settings.from_env({"INTERANA_PLATFORM": "aws", "INTERANA_BUCKET_URL": "s3://bkt/events/prod",
                                  "ALLOW_UNAUTHENTICATED": "true"})
    post(settings, store, [TRACK, {"type": "track", "event": 1, "userId": "u"}, {"type": "delete", "userId": "u"}])
    prefixes = sorted(key.rsplit("/", 5)[0] for key in store.objects)
    assert prefixes == ["events/prod", "events/prod/_deletions", "events/prod/_rejected"]


@pytest.mark.parametrize("call", ["track", "page", "screen", "identify", "group", "alias"])
def test_v1_routes_take_the_type_from_the_path(open_settings, store, call):
    message = {"userId": "u1", "event": "E", "groupId": "g", "previousId": "p", "messageId": f"m-{call}"}
    assert post(open_settings, store, message, path=f"/v1/{call}").status == 200
    assert store.rows()[0]["method"] == call


def test_v1_batch_merges_batch_level_context_and_sent_at(open_settings, store):
    payload = {
        "batch": [
            {"type": "track", "event": "E", "userId": "u", "messageId": "m1", "context": {"library": {"name": "own"}}},
            {"type": "identify", "userId": "u", "messageId": "m2", "originalTimestamp": "2026-12-04T20:00:00.000Z"},
        ],
        "context": {"library": {"name": "analytics-python", "version": "2.3"}, "ip": "1.2.3.4"},
        "integrations": {"All": False},
        "sentAt": "2026-12-04T20:00:01.000Z",
    }
    assert post(open_settings, store, payload, path="/v1/batch").status == 200
    first, second = store.rows()
    assert (first["context.library.name"], first["context.library.version"], first["context.ip"]) == (
        "own", "2.3", "1.2.3.4")
    assert second["context.library.name"] == "analytics-python"
    # sentAt from the batch corrects the clock skew: arrival - 1 s
    assert second["timestamp"] == "2026-12-04T20:03:29.295Z"


def test_some_invalid_messages_are_stored_as_rejected_and_reported(open_settings, store):
    bad = {"type": "track", "userId": "u", "messageId": "bad-1", "writeKey": "wk-secret"}
    response = post(open_settings, store, [TRACK, bad])
    assert response.status == 200
    assert response.body == {"accepted": 1, "rejected": 1,
                             "errors": [{"index": 1, "error": "track needs event, a non-empty string",
                                         "messageId": "bad-1"}]}
    [rejected_row] = store.rows("_rejected/")
    assert rejected_row == {"error": "track needs event, a non-empty string",
                            "message": {"type": "track", "userId": "u", "messageId": "bad-1"}}


def test_nothing_valid_is_400_with_errors_and_still_kept(open_settings, store):
    response = post(open_settings, store, [{"type": "nope"}, 3])
    assert response.status == 400
    assert response.body["error"] == "no valid messages in the body"
    assert [e["error"][:20] for e in response.body["errors"]] == ['type "nope" is not o', "message must be a JS"]
    assert len(store.rows("_rejected/")) == 2


def test_delete_notice_goes_to_deletions(open_settings, store):
    response = post(open_settings, store, {"type": "delete", "userId": "u1", "messageId": "d1"})
    assert response.status == 200
    assert [k.split("/")[0] for k in store.objects] == ["_deletions"]


def test_retried_request_writes_the_same_key_once(open_settings, store):
    first = post(open_settings, store, [TRACK, {**TRACK, "messageId": "m2"}])
    objects = dict(store.objects)
    second = post(open_settings, store, [{**TRACK, "messageId": "m2"}, TRACK])  # same ids, other order
    assert first.status == second.status == 200
    assert store.objects == objects and store.puts == 2


def test_batch_spanning_two_hours_writes_two_objects(open_settings, store):
    early = {**TRACK, "messageId": "a", "receivedAt": "2026-12-04T19:59:59.999Z"}
    late = {**TRACK, "messageId": "b", "receivedAt": "2026-12-04T20:00:00.000Z"}
    post(open_settings, store, [early, late])
    assert sorted(k.rsplit("/", 1)[0] for k in store.objects) == ["2026/12/04/19", "2026/12/04/20"]


def test_duplicate_message_ids_in_one_request_are_stored_once(open_settings, store):
    assert post(open_settings, store, [TRACK, TRACK]).body["accepted"] == 2
    assert len(store.rows()) == 1


def test_storage_failure_is_503_with_retry_after_and_the_retry_stores_exactly_once(open_settings, store):
    messages = [{**TRACK, "messageId": f"m{h}", "receivedAt": f"2026-12-04T{h:02d}:00:00Z"} for h in range(3)]
    store.fail_on = {2}
    failed = post(open_settings, store, messages)
    assert failed.status == 503 and failed.headers["Retry-After"].isdigit()
    assert failed.body == {"error": "injected failure"}
    assert post(open_settings, store, messages).status == 200
    assert sorted(r["messageId"] for r in store.rows()) == ["m0", "m1", "m2"]


def status_and_error(settings, store, request):
    response = handle(request, settings, store, now=NOW)
    return response.status, response.body.get("error", "")


@pytest.mark.parametrize(
    ("request_", "status", "error"),
    [
        (Request("POST", "/segment", JSON, b"{not json"), 400, "body is not valid JSON"),
        (Request("POST", "/segment", JSON, b"\xff\xfe{}"), 400, "body is not valid JSON"),
        (Request("POST", "/segment", JSON, b""), 400, "body is empty"),
        (Request("POST", "/segment", JSON, b"null"), 400, "body must be a JSON object or array"),
        (Request("POST", "/segment", JSON, b'"track"'), 400, "body must be a JSON object or array"),
        (Request("POST", "/segment", JSON, b"[]"), 400, "body holds no messages"),
        (Request("POST", "/segment", JSON, b"[" * 300 + b"]" * 300), 400, "body nests deeper than 252 levels"),
        (Request("POST", "/segment", JSON, b'{"batch": {}}'), 400, "batch must be a JSON array"),
        (Request("POST", "/segment", {**JSON, "Content-Encoding": "gzip"}, b"\x1f\x8b\x08garbage"), 400,
         "body is not valid gzip"),
        (Request("POST", "/segment", {**JSON, "Content-Encoding": "gzip"}, gzip.compress(b"{}")[:-6]), 400,
         "gzip body is truncated"),
        (Request("POST", "/segment", {**JSON, "Content-Encoding": "br"}, b"{}"), 415, "Content-Encoding must be"),
        (Request("POST", "/segment", {"Content-Type": "application/x-www-form-urlencoded"}, b"{}"), 415,
         "Content-Type must be application/json"),
        (Request("POST", "/segment", {}, b"{}"), 415, "Content-Type must be application/json, not none"),
        (Request("POST", "/segment", JSON, b" " * 1025), 413, "body is over 1024 bytes"),
        (Request("POST", "/segment", {**JSON, "Content-Encoding": "gzip"}, gzip.compress(b" " * 100_000)), 413,
         "body inflates to over 1024 bytes"),
        (Request("GET", "/segment", JSON), 405, "/segment takes POST"),
        (Request("POST", "/nowhere", JSON, b"{}"), 404, "no route '/nowhere'"),
        (Request("POST", "/v1/delete", JSON, b"{}"), 404, "no route '/v1/delete'"),
    ],
)
def test_status_table(store, request_, status, error):
    settings = Settings(allow_unauthenticated=True, max_body_bytes=1024)
    got_status, got_error = status_and_error(settings, store, request_)
    assert (got_status, got_error[: len(error)]) == (status, error)
    assert store.objects == {}


def test_body_of_exactly_the_limit_is_accepted(store):
    settings = Settings(allow_unauthenticated=True, max_body_bytes=1024)
    body = orjson.dumps(TRACK)
    body += b" " * (1024 - len(body))
    assert handle(Request("POST", "/segment", JSON, body), settings, store).status == 200


def test_gzip_bomb_stops_at_the_limit_without_inflating_everything(store):
    bomb = zlib.compress(b"\0" * 50_000_000, 9)  # zlib stream, sent as gzip: must fail fast either way
    settings = Settings(allow_unauthenticated=True)
    status, _ = status_and_error(settings, store, Request("POST", "/segment", {**JSON, "Content-Encoding": "gzip"},
                                                          gzip.compress(b"\0" * 50_000_000, 9)))
    assert status == 413
    assert status_and_error(settings, store, Request("POST", "/segment", {**JSON, "Content-Encoding": "gzip"},
                                                     bomb))[0] == 400


def test_unauthenticated_is_401_and_nothing_is_stored(store):
    assert status_and_error(Settings(), store, Request("POST", "/segment", JSON, orjson.dumps(TRACK))) == (
        401, "missing or invalid credentials")
    assert store.objects == {}


def test_health_touches_no_storage(open_settings):
    store = MemoryStore()
    response = handle(Request("GET", "/health", {}), open_settings, store)
    assert (response.status, response.body) == (200, {"status": "ok", "platform": "local", "version": "0.1.0"})
    assert store.puts == 0
