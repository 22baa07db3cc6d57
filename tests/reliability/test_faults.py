"""Faults: storage that fails part-way, times out or throttles. The answer is 503 with Retry-After and no
acknowledgement; the retry after recovery stores every message exactly once. Fakes first, then the real
S3 API (moto, cut off mid-request) and Blob API (Azurite, stopped mid-request and restarted)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from aws_lambda.local import LocalContext, http_api_event
from azure_function.local import call
from core.errors import StorageUnavailable
from core.service import Request, handle
from core.settings import Settings
from tests.helpers import JSON, MemoryStore, message_id_counts
from tests.reliability.cases import BEARER
from tests.reliability.conftest import TALLY

HOURS = 4


def spanning_request(tag: str) -> tuple[bytes, list[str]]:
    """A batch of 3 messages in each of HOURS hours, so one request writes HOURS objects."""
    messages = [{"type": "track", "event": "E", "userId": f"u{i}", "messageId": f"{tag}-{h}-{i}",
                 "receivedAt": f"2026-12-04T{h:02d}:{i:02d}:00Z"} for h in range(HOURS) for i in range(3)]
    return orjson.dumps(messages), [m["messageId"] for m in messages]


def record(sent: list[str], acknowledged: bool, stored: Any) -> None:
    TALLY["messages sent"] += len(sent)
    TALLY["messages acknowledged"] += len(sent) if acknowledged else 0
    TALLY["messages stored"] += sum(1 for m in sent if stored[m] >= 1)
    TALLY["messages duplicated"] += sum(1 for m in sent if stored[m] > 1)


class FailingStore(MemoryStore):
    """Fails on the k-th put of its first request, in the way `error` says."""

    def __init__(self, fail_at: int, error: Exception) -> None:
        super().__init__()
        self.fail_at, self.error, self.attempts = fail_at, error, 0

    def put(self, key: str, data: bytes) -> bool:
        self.attempts += 1
        if self.attempts == self.fail_at:
            raise self.error
        return super().put(key, data)


@pytest.mark.parametrize("fail_at", range(1, HOURS + 1))
@pytest.mark.parametrize("error", [StorageUnavailable("throttled: SlowDown"), TimeoutError("read timed out"),
                                   ConnectionResetError(104, "reset"), OSError(28, "No space left on device")],
                         ids=["throttled", "timeout", "reset", "disk-full"])
def test_fake_store_failing_on_the_kth_write(fail_at, error):
    store = FailingStore(fail_at, error)
    settings = Settings(allow_unauthenticated=True)
    body, sent = spanning_request(f"fake{fail_at}")
    failed = handle(Request("POST", "/segment", JSON, body), settings, store)
    TALLY["faults injected (fake store)"] += 1
    assert (failed.status, failed.headers["Retry-After"]) == (503, "10")
    assert set(failed.body) == {"error"}  # no partial acknowledgement
    retried = handle(Request("POST", "/segment", JSON, body), settings, store)
    assert retried.status == 200 and retried.body["accepted"] == len(sent)
    stored = message_id_counts(store.objects.values())
    record(sent, True, stored)
    assert stored == dict.fromkeys(sent, 1)


class CutAfter:
    """Wraps a platform's store: after `k` successful puts, `cut()` takes the real server away."""

    def __init__(self, inner: Any, k: int, cut: Any) -> None:
        self.inner, self.k, self.cut, self.done = inner, k, cut, 0

    def put(self, key: str, data: bytes) -> bool:
        if self.done == self.k:
            self.cut()
        created = self.inner.put(key, data)
        self.done += 1
        return created


@pytest.mark.parametrize("k", [0, 1, 3])
def test_s3_cut_off_mid_request(load_handler, moto, bucket, monkeypatch, k):
    handler = load_handler()
    body, sent = spanning_request(f"s3-{k}")
    event = http_api_event("POST", "/segment", BEARER, body)
    monkeypatch.setattr(handler, "store", CutAfter(handler.store, k, moto.proxy.cut))
    try:
        failed = handler.lambda_handler(event, LocalContext())
    finally:
        moto.proxy.restore()
    TALLY["faults injected (S3 cut off)"] += 1
    assert (failed["statusCode"], failed["headers"]["Retry-After"]) == (503, "10")
    assert "accepted" not in orjson.loads(failed["body"])
    assert len(moto.objects(bucket)) == k  # what was written before the cut is really there
    monkeypatch.setattr(handler, "store", handler.store.inner)
    retried = handler.lambda_handler(event, LocalContext())
    assert retried["statusCode"] == 200
    stored = message_id_counts(moto.objects(bucket).values())
    record(sent, True, stored)
    assert stored == dict.fromkeys(sent, 1)


@pytest.mark.parametrize("k", [0, 2])
def test_azurite_stopped_mid_request_and_restarted(load_app, azurite, container, monkeypatch, k):
    app = load_app()
    import azure_function.blueprint as blueprint  # loaded by load_app, as at a cold start

    body, sent = spanning_request(f"blob-{k}")
    monkeypatch.setattr(blueprint, "store", CutAfter(blueprint.store, k, azurite.server.stop))
    try:
        failed = call(app.app, "POST", "/segment", BEARER, body)
    finally:
        if azurite.server.process is None:
            azurite.server.start()
    TALLY["faults injected (Azurite stopped)"] += 1
    assert (failed.status_code, failed.headers["Retry-After"]) == (503, "10")
    assert len(azurite.blobs(container)) == k  # kept across the restart
    monkeypatch.setattr(blueprint, "store", blueprint.store.inner)
    assert call(app.app, "POST", "/segment", BEARER, body).status_code == 200
    stored = message_id_counts(azurite.blobs(container).values())
    record(sent, True, stored)
    assert stored == dict.fromkeys(sent, 1)
