"""Authentication: X-Signature (whole body, and first element of an Actions batch), write keys, bearer."""

import base64
import hashlib
import hmac

import orjson
import pytest

from core.auth import first_element
from core.service import Request, handle
from core.settings import Settings
from tests.helpers import JSON, NOW

SECRET = "s3cr3t"
MESSAGE = {"type": "track", "event": "E", "userId": "u", "messageId": "m1"}


def hmac_hex(payload: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha1).hexdigest()


def status(settings, store, body: bytes, **headers) -> int:
    return handle(Request("POST", "/segment", {**JSON, **headers}, body), settings, store, now=NOW).status


@pytest.fixture
def signed() -> Settings:
    return Settings(shared_secret=SECRET)


def test_signature_over_the_raw_body(signed, store):
    body = b'{"type": "track",  "event": "E", "userId": "u"}'  # spacing matters: the raw bytes are signed
    assert status(signed, store, body, **{"X-Signature": hmac_hex(body)}) == 200


def test_signature_over_the_first_element_of_an_actions_batch(signed, store):
    first = b'{"type":"track","event":"A \\"quoted\\" ]}","userId":"u","messageId":"a"}'
    body = b"[ " + first + b',{"type":"track","event":"B","userId":"u","messageId":"b"}]'
    assert first_element(body) == first
    assert status(signed, store, body, **{"X-Signature": hmac_hex(first)}) == 200
    assert len(store.rows()) == 2


@pytest.mark.parametrize(
    "signature",
    [
        "0" * 40,  # wrong
        hmac_hex(orjson.dumps(MESSAGE), "other-secret"),  # another secret
        hmac_hex(orjson.dumps(MESSAGE))[:-1],  # wrong length
        base64.b64encode(hmac.new(SECRET.encode(), orjson.dumps(MESSAGE), hashlib.sha1).digest()).decode(),
    ],
)
def test_wrong_signatures_are_refused(signed, store, signature):
    assert status(signed, store, orjson.dumps(MESSAGE), **{"X-Signature": signature}) == 401
    assert store.objects == {}


def test_missing_signature_is_refused(signed, store):
    assert status(signed, store, orjson.dumps(MESSAGE)) == 401


def test_signature_is_ignored_when_no_secret_is_set(store):
    body = orjson.dumps(MESSAGE)
    assert status(Settings(), store, body, **{"X-Signature": hmac_hex(body, "")}) == 401


def test_header_names_are_case_insensitive(signed, store):
    body = orjson.dumps(MESSAGE)
    assert status(signed, store, body, **{"x-signature": hmac_hex(body).upper()}) == 200


def test_write_key_as_basic_auth_user(store):
    settings = Settings(write_keys=frozenset({"wk1", "wk2"}))
    good = base64.b64encode(b"wk2:").decode()
    bad = base64.b64encode(b"wk3:").decode()
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization=f"Basic {good}") == 200
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization=f"Basic {bad}") == 401
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization="Basic !!!") == 401


def test_write_key_in_the_body(store):
    settings = Settings(write_keys=frozenset({"wk1"}))
    assert status(settings, store, orjson.dumps({**MESSAGE, "writeKey": "wk1"})) == 200
    assert status(settings, store, orjson.dumps({"batch": [MESSAGE], "writeKey": "wk1"})) == 200
    assert status(settings, store, orjson.dumps([{**MESSAGE, "writeKey": "wk1"}, MESSAGE])) == 401
    assert status(settings, store, orjson.dumps({**MESSAGE, "writeKey": "nope"})) == 401
    assert all("writeKey" not in row for row in store.rows())


def test_bad_json_from_a_stranger_is_401_not_a_parser_hint(store):
    settings = Settings(write_keys=frozenset({"wk1"}))
    assert status(settings, store, b"{oops") == 401


def test_bearer_token(store):
    settings = Settings(bearer_token="tok-123")
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization="Bearer tok-123") == 200
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization="Bearer tok-124") == 401
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization="bearer  tok-123 ") == 200


def test_any_configured_method_passes(store):
    settings = Settings(shared_secret=SECRET, bearer_token="tok")
    assert status(settings, store, orjson.dumps(MESSAGE), Authorization="Bearer tok", **{"X-Signature": "0"}) == 200


@pytest.mark.parametrize("body", [b"{}", b"[1]", b'["{"]', b"[", b'[{"a": "]'])
def test_first_element_of_non_batches(body):
    assert first_element(body) is None
