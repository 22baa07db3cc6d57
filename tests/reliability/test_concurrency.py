"""64 concurrent clients, 50 requests each, some of them retries of the one before, against the local
server: every acknowledged message is stored exactly once, and the server keeps answering."""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

from tests.helpers import clean_env, message_id_counts
from tests.reliability.cases import BEARER
from tests.reliability.conftest import TALLY
from tests.servers import cli_server
from tests.storage import EVENT_ENV

CLIENTS, REQUESTS, PER_REQUEST = 64, 50, 4


def client(port: int, number: int) -> tuple[list[str], int]:
    """One client on one keep-alive connection; every 5th request repeats the previous body, as a retry."""
    acknowledged: list[str] = []
    sent = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body, ids = b"", []
    for request in range(REQUESTS):
        if request % 5 != 4:
            ids = [f"c{number}-r{request}-m{k}" for k in range(PER_REQUEST)]
            body = orjson.dumps([{"type": "track", "event": "E", "userId": f"u{number}", "messageId": m,
                                  "receivedAt": f"2026-12-04T{(request + k) % 24:02d}:00:00Z"}
                                 for k, m in enumerate(ids)])
            sent += len(ids)
        connection.request("POST", "/segment", body=body, headers=BEARER)
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            acknowledged += ids
    connection.close()
    return acknowledged, sent


def test_concurrent_clients_store_every_acknowledged_message_once(tmp_path: Path):
    log = tmp_path / "server.log"
    with cli_server(clean_env(**EVENT_ENV, INTERANA_LOCAL_DIR=str(tmp_path / "data")), log) as port:
        health: list[int] = []
        done = threading.Event()

        def probe() -> None:  # the server must keep answering while loaded
            while not done.is_set():
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/health")
                health.append(connection.getresponse().status)
                connection.close()
                time.sleep(0.2)

        prober = threading.Thread(target=probe)
        prober.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda n: client(port, n), range(CLIENTS)))
        done.set()
        prober.join()

    acknowledged = [m for ids, _ in results for m in ids]
    stored = message_id_counts(p.read_bytes() for p in (tmp_path / "data").rglob("*.json.gz"))
    TALLY["concurrent requests"] += CLIENTS * REQUESTS
    TALLY["messages sent"] += sum(sent for _, sent in results)
    TALLY["messages acknowledged"] += len(set(acknowledged))
    TALLY["messages stored"] += len(stored)
    TALLY["messages duplicated"] += sum(1 for count in stored.values() if count > 1)
    assert len(acknowledged) == CLIENTS * REQUESTS * PER_REQUEST  # every request answered 200
    assert stored == dict.fromkeys(set(acknowledged), 1)
    assert health and set(health) == {200}
    assert "Traceback" not in log.read_text()
