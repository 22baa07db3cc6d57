"""Request bodies: content type, size, gzip, JSON, and the three body shapes Segment sends."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from .errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_JSON_MEDIA_TYPES = frozenset({"application/json", "text/plain"})  # analytics.js beacons send text/plain
_BATCH_LEVEL = ("context", "integrations")


@dataclass(slots=True)
class Document:
    """A parsed body: its messages, and the writeKeys it carries for body-level authentication."""

    messages: list[Any]
    write_keys: list[Any]


def check_content_type(value: str | None) -> None:
    media_type = (value or "").split(";", 1)[0].strip().lower()
    structured = media_type.startswith("application/") and media_type.endswith("+json")
    if media_type not in _JSON_MEDIA_TYPES and not structured:
        shown = media_type[:60] or "none"
        raise UnsupportedMediaType(f"Content-Type must be application/json, not {shown}")


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise PayloadTooLarge(f"body is over {limit} bytes")


def decode(raw: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The JSON bytes of a body, gunzipped if needed; never inflates past `limit` (a gzip bomb stops there)."""
    check_size(len(raw), limit)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return raw
    if encoding not in {"gzip", "x-gzip"}:
        raise UnsupportedMediaType(f"Content-Encoding must be gzip or identity, not {encoding[:40]}")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise BadRequest("body is not valid gzip") from None
    if len(data) > limit:
        raise PayloadTooLarge(f"body inflates to over {limit} bytes")
    if not inflater.eof:
        raise BadRequest("gzip body is truncated")
    return data


MAX_NESTING = 252


def parse(payload: bytes) -> Any:
    """The JSON document of a body. It must also be writable again: orjson reads 1024 levels of nesting but
    writes at most 254, and a rejected row wraps its message in two more, so deeper bodies are refused here."""
    if not payload.strip():
        raise BadRequest("body is empty")
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"body is not valid JSON: {error}") from None
    try:
        orjson.dumps({"message": [document]})  # ~0.5 ms per MB: the cheapest exact depth check there is
    except orjson.JSONEncodeError:
        raise BadRequest(f"body nests deeper than {MAX_NESTING} levels") from None
    return document


def messages_of(document: Any, call: str | None = None) -> Document:
    """Messages from one message, a JSON array, or `{"batch": [...]}`; `call` is the type a /v1 route implies."""
    if type(document) is list:
        messages = document
        keys = [m.get("writeKey") if type(m) is dict else None for m in messages]
    elif type(document) is dict and "batch" in document:
        if type(document["batch"]) is not list:
            raise BadRequest("batch must be a JSON array")
        messages = _merge_batch(document)
        keys = [document.get("writeKey")]
    elif type(document) is dict:
        messages, keys = [document], [document.get("writeKey")]
    else:
        raise BadRequest("body must be a JSON object or array of Segment messages")
    if not messages:
        raise BadRequest("body holds no messages")
    if call is not None:
        messages = [_with_type(m, call) for m in messages]
    return Document(messages, keys)


def _merge_batch(document: dict[str, Any]) -> list[Any]:
    """Batch-level context and integrations under each message's own (the message wins); sentAt likewise."""
    shared = {k: document[k] for k in _BATCH_LEVEL if type(document.get(k)) is dict}
    sent_at = document.get("sentAt")
    if not shared and sent_at is None:
        return list(document["batch"])
    merged = []
    for message in document["batch"]:
        if type(message) is dict:
            message = dict(message)
            for key, value in shared.items():
                own = message.get(key)
                message[key] = _deep_merge(value, own) if type(own) is dict else own if key in message else value
            if sent_at is not None:
                message.setdefault("sentAt", sent_at)
        merged.append(message)
    return merged


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _deep_merge(out[key], value) if type(value) is dict and type(out.get(key)) is dict else value
    return out


def _with_type(message: Any, call: str) -> Any:
    if type(message) is dict and "type" not in message:
        return {"type": call, **message}
    return message
