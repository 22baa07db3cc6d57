"""The local server over real HTTP on loopback: curl-style requests, Segment's Python SDK, the CLI."""

import gzip
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
from segment.analytics.client import Client
from segment.analytics.request import APIError

from core.cli import local_app, serve_settings
from core.errors import ConfigError
from core.server import make_server
from tests.helpers import clean_env, message_id_counts, post_json, rows_of
from tests.servers import cli_server


@pytest.fixture
def serve(tmp_path):
    """Start a local server for the given env; return its URL. Stopped at teardown."""
    servers = []

    def start(env: dict[str, str]) -> str:
        settings = serve_settings({"INTERANA_LOCAL_DIR": str(tmp_path / "data"), **env}, "local", "127.0.0.1")
        server = make_server("127.0.0.1", 0, local_app(settings), settings.max_body_bytes)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def http(url, body=None, headers=None, method="POST"):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), orjson.loads(error.read())


def stored(tmp_path: Path):
    return sorted((tmp_path / "data").rglob("*.json.gz"))


def test_first_event_lands_as_the_readme_says(serve, tmp_path):
    url = serve({})
    status, _, body = http(f"{url}/segment", b'{"type":"track","event":"Clicked Login Button","userId":"u1"}',
                           {"Content-Type": "application/json"})
    assert (status, body) == (200, {"accepted": 1, "rejected": 0, "errors": []})
    [path] = stored(tmp_path)
    assert len(path.relative_to(tmp_path / "data").parts) == 5  # YYYY/MM/DD/HH/digest.json.gz
    [row] = rows_of(path.read_bytes())
    assert (row["method"], row["actor"], row["event"]) == ("track", "u1", "Clicked Login Button")


def test_errors_over_http(serve, tmp_path):
    url = serve({"MAX_BODY_BYTES": "100"})
    assert http(f"{url}/segment", b"x" * 101, {"Content-Type": "application/json"})[0] == 413
    assert http(f"{url}/segment", b"{", {"Content-Type": "application/json"})[2]["error"].startswith("body is not")
    status, headers, body = http(f"{url}/segment", method="DELETE")
    assert (status, headers["Allow"], body) == (405, "POST", {"error": "/segment takes POST"})
    assert http(f"{url}/health", method="GET")[0] == 200
    assert stored(tmp_path) == []


def test_segment_python_sdk_delivers_every_call(serve, tmp_path):
    # GIVEN a server that requires a write key, and Segment's own SDK pointed at it
    url = serve({"SEGMENT_WRITE_KEYS": "wk-test"})
    client = Client("wk-test", host=url, sync_mode=True, gzip=True, max_retries=0)  # sync: errors raise
    # WHEN it sends each call type
    client.track("u1", "Order Completed", {"revenue": 9.5}, message_id="t1")
    client.identify("u1", {"email": "u1@x.io"}, message_id="i1")
    client.page("u1", "Docs", "Install", {"path": "/install"}, message_id="p1")
    client.group("u1", "g1", {"plan": "pro"}, message_id="g1")
    client.alias("a1", "u1", message_id="a1")
    client.screen("u1", "App", "Home", message_id="s1")
    client.flush()
    # THEN every row lands once, shaped, and the write key is nowhere in storage
    objects = [p.read_bytes() for p in stored(tmp_path)]
    assert message_id_counts(objects) == {"t1": 1, "i1": 1, "p1": 1, "g1": 1, "a1": 1, "s1": 1}
    rows = {row["messageId"]: row for data in objects for row in rows_of(data)}
    assert rows["t1"]["properties.revenue"] == 9.5 and rows["t1"]["context.library.name"] == "analytics-python"
    assert rows["a1"]["method"] == "alias" and rows["a1"]["previousId"] == "a1"
    assert all(b"wk-test" not in gzip.decompress(data) for data in objects)


def test_sdk_with_a_wrong_write_key_is_refused(serve, tmp_path):
    url = serve({"SEGMENT_WRITE_KEYS": "wk-test"})
    client = Client("wrong", host=url, sync_mode=True, max_retries=0)
    with pytest.raises(APIError) as caught:
        client.track("u1", "E")
    assert caught.value.status == 401 and stored(tmp_path) == []


def test_non_loopback_without_auth_is_refused():
    with pytest.raises(ConfigError, match="ALLOW_UNAUTHENTICATED"):
        serve_settings({}, "local", "0.0.0.0")
    with pytest.raises(ConfigError):
        serve_settings({"ALLOW_UNAUTHENTICATED": "true", "INGEST_BEARER_TOKEN": "t"}, "local", "0.0.0.0")
    assert not serve_settings({"INGEST_BEARER_TOKEN": "t"}, "local", "0.0.0.0").allow_unauthenticated
    assert serve_settings({}, "local", "::1").allow_unauthenticated
    assert not serve_settings({"INGEST_BEARER_TOKEN": "t"}, "local", "127.0.0.1").allow_unauthenticated


def test_cli_prints_the_url_serves_and_stops_on_ctrl_c(tmp_path):
    log = tmp_path / "server.log"
    with cli_server(clean_env(INTERANA_LOCAL_DIR=str(tmp_path / "data")), log) as port:
        printed = log.read_text()
        assert f"listening on http://127.0.0.1:{port}" in printed and "curl -X POST" in printed
        assert post_json(port, "/segment", b'{"type":"identify","userId":"u"}') == 200
        assert len(stored(tmp_path)) == 1
    # cli_server sent SIGINT, as Ctrl-C does, and waited for the exit
    assert "stopped" in log.read_text() and "Traceback" not in log.read_text()


def test_cli_refuses_a_bad_setting(tmp_path):
    result = subprocess.run([sys.executable, "-m", "core", "serve", "--port", "0"], capture_output=True, text=True,
                            env={**os.environ, "MAX_BODY_BYTES": "lots"}, timeout=30)
    assert result.returncode == 2 and "MAX_BODY_BYTES" in result.stderr
