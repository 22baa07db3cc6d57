"""Test helpers shared by unit and integration tests."""

from __future__ import annotations

import gzip
import os
import socket
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from core.errors import StorageUnavailable

SETTING_NAMES = ("INTERANA_PLATFORM", "INTERANA_BUCKET_URL", "INTERANA_API_KEY", "SEGMENT_SHARED_SECRET",
                 "SEGMENT_WRITE_KEYS", "INGEST_BEARER_TOKEN", "ALLOW_UNAUTHENTICATED", "MAX_BODY_BYTES",
                 "INTERANA_LOCAL_DIR")
NOW = datetime(2026, 12, 4, 20, 3, 30, 295000, tzinfo=UTC)
JSON = {"Content-Type": "application/json"}


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any product setting, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if k not in SETTING_NAMES}, **settings}


def rows_of(data: bytes) -> list[dict[str, Any]]:
    """Rows of a stored gzip NDJSON object."""
    return [orjson.loads(line) for line in gzip.decompress(data).splitlines()]


def message_id_counts(objects: Iterable[bytes]) -> Counter[str]:
    return Counter(row["messageId"] for data in objects for row in rows_of(data))


def post_json(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    """POST to a server on loopback; the status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                     headers={**JSON, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MemoryStore:
    """The storage port in memory, create-only like the real ones; can be told to fail."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0
        self.fail_on: set[int] = set()  # 1-based put numbers that raise

    def put(self, key: str, data: bytes) -> bool:
        self.puts += 1
        if self.puts in self.fail_on:
            raise StorageUnavailable("injected failure")
        if key in self.objects:
            return False
        self.objects[key] = data
        return True

    def rows(self, prefix: str = "") -> list[dict[str, Any]]:
        return [row for key, data in sorted(self.objects.items()) if key.startswith(prefix) for row in rows_of(data)]
