"""The reliability suite's targets (local server, Lambda handler on moto, Azure function on Azurite) and the
tally of what it tried, printed at the end of the run and written to tests/reliability/last-run.json."""

from __future__ import annotations

import http.client
import json
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aws_lambda.local import LocalContext, http_api_event
from azure_function.local import call
from tests.helpers import clean_env
from tests.servers import cli_server
from tests.storage import EVENT_ENV

TALLY: Counter[str] = Counter()
LAST_RUN = Path(__file__).with_name("last-run.json")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY:
        LAST_RUN.write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n")
        terminalreporter.write_sep("-", "reliability figures")
        for name, count in sorted(TALLY.items()):
            terminalreporter.write_line(f"{name}: {count}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw bytes if not JSON


def parse_answer(status: int, headers: dict[str, str], raw: bytes) -> Answer:
    try:
        body = json.loads(raw)
    except ValueError:
        body = raw
    return Answer(status, {k.lower(): v for k, v in headers.items()}, body)


@dataclass
class Target:
    """One way into the product. `stored()` lists the keys it wrote, relative to the configured directory's parent."""

    name: str
    directory: str
    send_fn: Any
    stored_fn: Any
    log_fn: Any = field(default=lambda: "")

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        return self.send_fn(method, path, headers, body)

    def stored(self) -> list[str]:
        return self.stored_fn()

    def log(self) -> str:
        return self.log_fn()


def raw_http(port: int, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
    """Send exactly these bytes (no client-side header checks), read the answer with http.client."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return parse_answer(response.status, dict(response.getheaders()), response.read())


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The real CLI server, authenticated like a deployment, storing under <tmp>/data."""
    root = tmp_path_factory.mktemp("local")
    log = root / "server.log"
    with cli_server(clean_env(**EVENT_ENV, INTERANA_LOCAL_DIR=str(root / "data")), log) as port:

        def stored() -> list[str]:
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p != log)

        yield Target("local", "data", lambda m, p, h, b: raw_http(port, m, p, h, b), stored, log.read_text)


@pytest.fixture
def aws_target(load_handler: Any, moto: Any, bucket: str, capsys: pytest.CaptureFixture[str]) -> Target:
    handler = load_handler()
    captured: list[str] = []

    def send(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        result = handler.lambda_handler(http_api_event(method, path, headers, body), LocalContext())
        captured.append(capsys.readouterr().out)
        return parse_answer(result["statusCode"], result.get("headers") or {}, result["body"].encode())

    return Target("aws", "segment", send, lambda: sorted(moto.objects(bucket)), lambda: "".join(captured))


@pytest.fixture
def azure_target(load_app: Any, azurite: Any, container: str, caplog: pytest.LogCaptureFixture) -> Target:
    app = load_app()
    caplog.set_level("DEBUG")

    def send(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        response = call(app.app, method, path, headers, body)
        return parse_answer(response.status_code, dict(response.headers), response.get_body())

    def keys() -> list[str]:
        return sorted(azurite.service().get_container_client(container).list_blob_names())

    return Target("azure", "segment", send, keys, lambda: caplog.text)


@pytest.fixture(params=["local", "aws", "azure"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"{request.param}_target" if request.param != "local" else "local_server")
