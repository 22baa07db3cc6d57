"""Hostile and odd inputs, each with the answer a careful server gives."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from core.settings import DEFAULT_MAX_BODY_BYTES
from tests.storage import EVENT_ENV

MAX = DEFAULT_MAX_BODY_BYTES
BEARER = {"Content-Type": "application/json", "Authorization": f"Bearer {EVENT_ENV['INGEST_BEARER_TOKEN']}"}
GZIP = {**BEARER, "Content-Encoding": "gzip"}
ANY_ROUTE_MISS = frozenset({404, 405})  # API Gateway and the Functions host answer 404 for unrouted methods


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes = b""
    expect: int | frozenset[int] = 400
    why: str = ""  # a phrase the JSON error must contain
    method: str = "POST"
    path: str = "/segment"
    headers: dict[str, str] = field(default_factory=lambda: dict(BEARER))

    def accepts(self, status: int) -> bool:
        return status in self.expect if isinstance(self.expect, frozenset) else status == self.expect


def message(**fields: object) -> dict[str, object]:
    return {"type": "track", "event": "E", "userId": "u1", **fields}


def as_json(value: object) -> bytes:
    return json.dumps(value).encode()


def nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def padded_to(size: int) -> bytes:
    body = as_json(message(messageId="exactly-max"))
    return body + b" " * (size - len(body))


def signed(signature: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Signature": signature}


SIGNATURE = hmac.new(EVENT_ENV["SEGMENT_SHARED_SECRET"].encode(), as_json(message()), hashlib.sha1)
GOOD_GZIP = gzip.compress(as_json(message()))

CASES = [
    Case("empty body", b"", why="body is empty"),
    Case("null", b"null", why="must be a JSON object or array"),
    Case("bare string", b'"track"', why="must be a JSON object or array"),
    Case("bare number", b"42", why="must be a JSON object or array"),
    Case("invalid JSON", b'{"type": "track",', why="not valid JSON"),
    Case("truncated gzip", GOOD_GZIP[:-5], headers=GZIP, why="truncated"),
    Case("corrupt gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 40, headers=GZIP, why="not valid gzip"),
    Case("gzip bomb", gzip.compress(b"\0" * (MAX + 1_000_000), 9), 413, "inflates to over", headers=GZIP),
    Case("exactly MAX_BODY_BYTES", padded_to(MAX), 200),
    Case("MAX_BODY_BYTES + 1", padded_to(MAX + 1), 413, "over"),
    Case("non-UTF-8 bytes", b'{"type":"track","event":"\xff\xfe","userId":"u1"}', why="not valid JSON"),
    Case("UTF-8 BOM", b"\xef\xbb\xbf" + as_json(message()), why="not valid JSON"),
    Case("lone surrogate", b'{"type":"identify","userId":"\\ud800"}', why="not valid JSON"),
    Case("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, why="not valid JSON"),
    Case("nested 300 deep: readable, but too deep to write back", b'{"type":"track","event":"E","userId":"u1",'
         b'"properties":' + b'{"a":' * 300 + b"1" + b"}" * 301, why="nests deeper than 252"),
    Case("batch context nested 250 deep, merged into a message's own", as_json({
        "batch": [message(context=nested(240))], "context": nested(250)}), 200),
    Case("object with 100,000 keys", as_json(message(properties={f"k{i}": i for i in range(100_000)})),
         why="columns"),
    Case("number 1e400", b'{"type":"track","event":"E","userId":"u1","properties":{"x":1e400}}', why="not valid JSON"),
    Case("NaN", b'{"type":"track","event":"E","userId":"u1","properties":{"x":NaN}}', why="not valid JSON"),
    Case("-0 (valid JSON, stored as 0)", b'{"type":"track","event":"E","userId":"u1","properties":{"x":-0}}', 200),
    Case("2^64 (valid JSON, a double as in JavaScript)",
         b'{"type":"track","event":"E","userId":"u1","properties":{"x":18446744073709551616}}', 200),
    Case("duplicate keys (last wins, as JSON.parse)", b'{"type":"track","event":"E","userId":"u1","userId":"u2"}', 200),
    Case("array of 100,000 tiny messages", as_json([{"type": "identify", "userId": f"u{i}"} for i in range(100_000)]),
         200),
    Case("userId {}", as_json(message(userId={})), why="userId must be a string"),
    Case("event 42", as_json(message(event=42)), why="track needs event"),
    Case("timestamp yesterday", as_json(message(timestamp="yesterday")), why="timestamp"),
    Case("properties []", as_json(message(properties=[])), why="properties must be a JSON object"),
    Case("traits a string", as_json({"type": "identify", "userId": "u", "traits": "x"}), why="traits"),
    Case("messageId with ../ (never a path: stored in the directory)",
         as_json(message(messageId="../../../etc/passwd")), 200),
    Case("messageId with /", as_json(message(messageId="a/b/../../c")), 200),
    Case("messageId with NUL", as_json(message(messageId="a\u0000b")), why="messageId"),
    Case("messageId of 10,000 characters", as_json(message(messageId="m" * 10_000)), why="messageId"),
    Case("type unknown", as_json(message(type="purchase")), why='type "purchase"'),
    Case("type __proto__", as_json(message(type="__proto__")), why='type "__proto__"'),
    Case("wrong content type", as_json(message()), 415, "Content-Type",
         headers={**BEARER, "Content-Type": "application/x-www-form-urlencoded"}),
    Case("missing content type", as_json(message()), 415, "Content-Type",
         headers={"Authorization": BEARER["Authorization"]}),
    *[Case(f"{method} {path}", b"", ANY_ROUTE_MISS, method=method, path=path)
      for path in ("/segment", "/v1/track") for method in ("GET", "PUT", "DELETE")],
    *[Case(f"{method} /health", b"{}", ANY_ROUTE_MISS, method=method, path="/health") for method in ("PUT", "POST")],
    Case("unknown path", as_json(message()), 404, path="/v2/track"),
    Case("unknown /v1 call", as_json(message()), 404, path="/v1/delete"),
    Case("root path", as_json(message()), 404, path="/"),
    Case("traversal in path", as_json(message()), 404, path="/segment/..%2F..%2Fetc%2Fpasswd"),
    Case("header injection in path", as_json(message()), 404, path="/x%0D%0ASet-Cookie:%20injected=1"),
    Case("header injection in content type", as_json(message()), 415,
         headers={**BEARER, "Content-Type": "text/html\r\nSet-Cookie: injected=1"}),
    Case("signature of the wrong length", as_json(message()), 401, "credentials", headers=signed("abc123")),
    Case("signature in base64", as_json(message()), 401, "credentials",
         headers=signed(base64.b64encode(SIGNATURE.digest()).decode())),
    Case("no credentials", as_json(message()), 401, "credentials", headers={"Content-Type": "application/json"}),
    Case("write key in body, wrong", as_json(message(writeKey="not-a-key")), 401, "credentials",
         headers={"Content-Type": "application/json"}),
]
