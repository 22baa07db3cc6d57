"""Secrets never reach a log line or an error body; a deployment with no auth setting refuses every request."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import subprocess
import sys

import orjson
import pytest

from aws_lambda.local import LocalContext, http_api_event
from azure_function.local import call
from core.service import Request, handle
from core.settings import Settings
from tests.helpers import JSON, SETTING_NAMES, MemoryStore, clean_env
from tests.reliability.conftest import TALLY, raw_http
from tests.servers import cli_server

SECRETS = {"SEGMENT_SHARED_SECRET": "sekret-shared-7Hq2", "SEGMENT_WRITE_KEYS": "sekret-wk-9Zp4,sekret-wk-2Lm8",
           "INGEST_BEARER_TOKEN": "sekret-bearer-5Tx1"}
KNOWN = ["sekret-shared-7Hq2", "sekret-wk-9Zp4", "sekret-wk-2Lm8", "sekret-bearer-5Tx1", "sekret-wrong-3Vb6"]
BASIC = "Basic " + base64.b64encode(b"sekret-wk-9Zp4:").decode()


def requests_carrying_secrets() -> list[tuple[str, str, dict[str, str], bytes]]:
    """Good and bad credentials in every place they travel, plus a bad body and a wrong route."""
    message = orjson.dumps({"type": "track", "event": "E", "userId": "u", "messageId": "s1"})
    signature = hmac.new(b"sekret-shared-7Hq2", message, hashlib.sha1).hexdigest()
    return [
        ("POST", "/segment", {**JSON, "Authorization": "Bearer sekret-bearer-5Tx1"}, message),
        ("POST", "/segment", {**JSON, "Authorization": "Bearer sekret-wrong-3Vb6"}, message),
        ("POST", "/segment", {**JSON, "X-Signature": signature}, message),
        ("POST", "/segment", {**JSON, "X-Signature": "sekret-wrong-3Vb6"}, message),
        ("POST", "/v1/track", {**JSON, "Authorization": BASIC}, b'{"event":"E","userId":"u","messageId":"s2"}'),
        ("POST", "/v1/batch", JSON, orjson.dumps({"batch": [{"type": "identify", "userId": "u"}],
                                                  "writeKey": "sekret-wk-2Lm8"})),
        ("POST", "/v1/batch", JSON, orjson.dumps({"batch": [{"type": "identify", "userId": "u"}],
                                                  "writeKey": "sekret-wrong-3Vb6"})),
        ("POST", "/segment", {**JSON, "Authorization": "Bearer sekret-bearer-5Tx1"},
         b'[{"type":"track","writeKey":"sekret-wk-9Zp4","userId":"u"}]'),  # rejected: the original is kept
        ("POST", "/segment", {**JSON, "Authorization": "Bearer sekret-bearer-5Tx1"}, b"{not json sekret-wk-9Zp4"),
        ("GET", "/segment", {"Authorization": "Bearer sekret-bearer-5Tx1"}, b""),
    ]


def assert_no_secret(*texts: str) -> None:
    TALLY["secret checks"] += len(texts)
    for text in texts:
        for secret in KNOWN:
            assert secret not in text


def test_lambda_logs_and_answers_hold_no_secret(load_handler, moto, bucket, capsys):
    handler = load_handler(**SECRETS, INTERANA_API_KEY=f"{moto.access_key_id},{moto.secret_access_key}")
    answers = []
    for method, path, headers, body in requests_carrying_secrets():
        answers.append(handler.lambda_handler(http_api_event(method, path, headers, body), LocalContext())["body"])
    moto.proxy.cut()  # and a storage failure, whose error is logged
    try:
        answers.append(handler.lambda_handler(http_api_event(*requests_carrying_secrets()[0]), LocalContext())["body"])
    finally:
        moto.proxy.restore()
    output = capsys.readouterr()
    assert '"status":503' in output.out
    stored = b"".join(gzip.decompress(data) for data in moto.objects(bucket).values())
    assert_no_secret(output.out, output.err, *answers, repr(handler.settings))
    assert moto.secret_access_key not in output.out + "".join(answers)
    assert any("_rejected/" in key for key in moto.objects(bucket)) and b'"userId":"u"' in stored
    assert b"sekret" not in stored  # the rejected message's writeKey was dropped


def test_azure_logs_and_answers_hold_no_secret(load_app, azurite, container, caplog):
    app = load_app(**SECRETS)
    caplog.set_level("DEBUG")
    answers = [call(app.app, *request).get_body().decode() for request in requests_carrying_secrets()]
    azurite.server.stop()
    try:
        answers.append(call(app.app, *requests_carrying_secrets()[0]).get_body().decode())
    finally:
        azurite.server.start()
    assert "503" in caplog.text
    assert_no_secret(caplog.text, *answers)


def test_local_server_log_and_answers_hold_no_secret(tmp_path):
    log = tmp_path / "server.log"
    with cli_server(clean_env(**SECRETS, INTERANA_LOCAL_DIR=str(tmp_path / "data")), log) as port:
        answers = [json.dumps(raw_http(port, *request).body) for request in requests_carrying_secrets()]
    assert_no_secret(log.read_text(), *answers)


@pytest.mark.parametrize("path", ["/segment", "/v1/track", "/v1/batch"])
def test_no_auth_setting_refuses_every_request(path):
    body = b'{"type":"track","event":"E","userId":"u"}'
    assert handle(Request("POST", path, JSON, body), Settings(), MemoryStore()).status == 401
    assert handle(Request("POST", path, JSON, body), Settings(allow_unauthenticated=True), MemoryStore()).status == 200


def test_platform_handlers_with_no_auth_setting_refuse(load_handler, load_app, monkeypatch):
    cleared = {name: "" for name in SETTING_NAMES if name not in {"INTERANA_BUCKET_URL", "INTERANA_API_KEY"}}
    body = b'{"type":"track","event":"E","userId":"u"}'
    handler = load_handler(**cleared)
    assert handler.lambda_handler(http_api_event("POST", "/segment", JSON, body), LocalContext())["statusCode"] == 401
    handler = load_handler(**{**cleared, "ALLOW_UNAUTHENTICATED": "true"})
    assert handler.lambda_handler(http_api_event("POST", "/segment", JSON, body), LocalContext())["statusCode"] == 200
    app = load_app(**cleared)
    assert call(app.app, "POST", "/segment", JSON, body).status_code == 401
    app = load_app(**{**cleared, "ALLOW_UNAUTHENTICATED": "true"})
    assert call(app.app, "POST", "/segment", JSON, body).status_code == 200


def test_local_server_binds_loopback_and_refuses_unauthenticated_elsewhere(tmp_path):
    env = clean_env(INTERANA_LOCAL_DIR=str(tmp_path))
    for extra in ({}, {"ALLOW_UNAUTHENTICATED": "true"}):
        refused = subprocess.run([sys.executable, "-m", "core", "serve", "--host", "0.0.0.0", "--port", "0"],
                                 env={**env, **extra}, capture_output=True, text=True, timeout=30)
        assert refused.returncode == 2 and "refusing to serve unauthenticated" in refused.stderr
    with cli_server(env, tmp_path / "server.log") as port:
        assert f"listening on http://127.0.0.1:{port}" in (tmp_path / "server.log").read_text()
