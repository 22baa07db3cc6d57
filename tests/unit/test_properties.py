"""Property tests: no input raises out of the request function or earns a 5xx."""

import gzip
import json

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.service import Request, handle
from core.settings import Settings
from tests.helpers import JSON, MemoryStore

OPEN = Settings(allow_unauthenticated=True, max_body_bytes=20_000)
PATHS = st.sampled_from(["/segment", "/v1/track", "/v1/batch", "/v1/identify", "/health", "/x"])
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=4), max_leaves=30)
segment_keys = st.sampled_from(["type", "event", "userId", "anonymousId", "messageId", "timestamp", "sentAt",
                                "receivedAt", "originalTimestamp", "properties", "traits", "context", "groupId",
                                "previousId", "batch", "writeKey"])
messages = st.dictionaries(segment_keys, json_values | st.sampled_from(
    ["track", "identify", "alias", "group", "delete", "2026-01-01T00:00:00Z"]), max_size=10)


def check(request: Request) -> None:
    response = handle(request, OPEN, MemoryStore())
    assert 200 <= response.status < 500, response
    orjson.dumps(response.body)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2000), path=PATHS, gzipped=st.booleans())
def test_arbitrary_bytes(body, path, gzipped):
    headers = {**JSON, "Content-Encoding": "gzip"} if gzipped else JSON
    check(Request("POST", path, headers, body))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(document=json_values | messages | st.lists(messages, max_size=5), path=PATHS, gzipped=st.booleans())
def test_arbitrary_json(document, path, gzipped):
    body = json.dumps(document).encode()  # stdlib: big ints and Infinity too
    check(Request("POST", path, {**JSON, "Content-Encoding": "gzip"} if gzipped else JSON,
                  gzip.compress(body) if gzipped else body))


@settings(max_examples=100)
@given(headers=st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=5), method=st.text(max_size=8))
def test_arbitrary_headers_and_methods(headers, method):
    check(Request(method, "/segment", headers, b'{"type":"identify","userId":"u"}'))


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 1100), field=segment_keys, as_list=st.booleans(), batch=st.booleans())
def test_deep_nesting_anywhere(depth, field, as_list, batch):
    # orjson reads 1024 levels but writes only 254: every depth in between must still be a clean answer
    open_, close = (b"[", b"]") if as_list else (b'{"a":', b"}")
    value = open_ * depth + b"1" + close * depth
    message = b'{"type":"track","event":"E","userId":"u","' + field.encode() + b'":' + value + b"}"
    body = b'{"batch":[' + message + b'],"context":' + value + b"}" if batch else message
    response = handle(Request("POST", "/segment", JSON, body), Settings(allow_unauthenticated=True), MemoryStore())
    assert 200 <= response.status < 500, response
