"""Validate one Segment message (Segment Spec) and shape it into a flat Interana row (DESIGN.md, Row shaping)."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from .times import BadTime, format_time, normalize_time, parse_time, shift

CALL_TYPES = frozenset({"track", "page", "screen", "identify", "group", "alias"})
DELETE = "delete"  # Segment's user-deletion notice: recorded in the deletions area, not as an event
TIME_FIELDS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
ID_FIELDS = frozenset({"userId", "anonymousId", "groupId", "previousId"})
OBJECT_FIELDS = ("properties", "traits", "context")
DROPPED = frozenset({"type", "integrations", "_metadata", "writeKey"})
MAX_DEPTH = 8
MAX_COLUMNS = 2000  # a row wider than this is a mistake or an attack, not an event Interana can use
MAX_ID_LENGTH = 1024
MAX_MESSAGE_ID_LENGTH = 256
_SCALARS = (str, int, float, bool, type(None))


class Invalid(ValueError):
    """A message that breaks the Segment Spec; `reason` goes to the rejected area and the response."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Shaped:
    """A row ready to store, with what names its object: identity for the digest, hour partition."""

    row: dict[str, Any]
    identity: str
    hour: str  # "YYYY/MM/DD/HH" of receivedAt


def shape(message: Any, arrival: datetime) -> Shaped:
    """Validate `message` and return its Interana row; raise Invalid with the reason."""
    if type(message) is not dict:
        raise Invalid("message must be a JSON object")
    call = _call_type(message)
    actor = _required(message, call)
    times = _times(message)
    received = times.get("receivedAt") or format_time(arrival)
    row: dict[str, Any] = {"method": call, "actor": actor}
    for key, value in message.items():
        if key in DROPPED:
            continue
        if key in ID_FIELDS and value is not None:
            row[key] = str(value)
        elif type(value) is dict:
            if value:
                _flatten(value, column_name(key) + ".", 2, row)
        elif type(value) is list:
            row[column_name(key)] = _array(value)
        else:
            row[column_name(key)] = value
    row["method"], row["actor"] = call, actor  # a stray top-level "method" or "actor" must not win
    row["messageId"] = _message_id(message)
    row.update(times)
    row["receivedAt"] = received
    row["timestamp"] = times.get("timestamp") or _corrected(times, received)
    if len(row) > MAX_COLUMNS:
        raise Invalid(f"message has {len(row)} columns once flattened; at most {MAX_COLUMNS} are kept")
    return Shaped(row, row["messageId"], _hour(received))


def rejected(message: Any, reason: str, arrival: datetime) -> Shaped:
    """The rejected-area row for `message`: the reason and the original, less its writeKey."""
    original = {k: v for k, v in message.items() if k != "writeKey"} if type(message) is dict else message
    try:
        received = normalize_time(message["receivedAt"]) if type(message) is dict and "receivedAt" in message else ""
    except BadTime:
        received = ""
    return Shaped({"error": reason, "message": original}, derived_id(original),
                  _hour(received or format_time(arrival)))


def _hour(stamp: str) -> str:
    """The key partition `YYYY/MM/DD/HH` of a canonical UTC time."""
    return f"{stamp[0:4]}/{stamp[5:7]}/{stamp[8:10]}/{stamp[11:13]}"


def derived_id(message: Any) -> str:
    """A messageId made from the content alone, so a retried message gets the same one."""
    digest = hashlib.sha256(orjson.dumps(message, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"derived-{digest[:32]}"


def _call_type(message: dict[str, Any]) -> str:
    call = message.get("type")
    if call is None:
        raise Invalid("type is missing")
    if type(call) is not str or (call not in CALL_TYPES and call != DELETE):
        raise Invalid(f"type {_preview(call)} is not one of {', '.join(sorted(CALL_TYPES))}")
    return call


def _required(message: dict[str, Any], call: str) -> str:
    """Check the Segment Spec's types and required fields for `call`; return the actor."""
    for name in ID_FIELDS:
        value = message.get(name)
        if value is not None and (type(value) not in (str, int) or len(str(value)) > MAX_ID_LENGTH):
            raise Invalid(f"{name} must be a string of at most {MAX_ID_LENGTH} characters")
    for name in OBJECT_FIELDS:
        if message.get(name) is not None and type(message[name]) is not dict:
            raise Invalid(f"{name} must be a JSON object")
    user, anonymous = _id(message, "userId"), _id(message, "anonymousId")
    if call == "alias":
        if not user or not _id(message, "previousId"):
            raise Invalid("alias needs userId and previousId")
    elif call == DELETE:
        if not user:
            raise Invalid("delete needs userId")
    elif not user and not anonymous:
        raise Invalid("userId or anonymousId is required")
    if call == "track" and (type(message.get("event")) is not str or not message["event"].strip()):
        raise Invalid("track needs event, a non-empty string")
    if call == "group" and not _id(message, "groupId"):
        raise Invalid("group needs groupId")
    return user or anonymous


def _id(message: dict[str, Any], name: str) -> str:
    """An id as text; blank counts as absent."""
    value = message.get(name)
    text = "" if value is None else str(value)
    return text if text.strip() else ""


def _times(message: dict[str, Any]) -> dict[str, str]:
    times = {}
    for name in TIME_FIELDS:
        value = message.get(name)
        if value is not None:
            try:
                times[name] = normalize_time(value)
            except BadTime as error:
                raise Invalid(f"{name} {error}") from None
    return times


def _corrected(times: dict[str, str], received: str) -> str:
    """No timestamp: correct the client clock as Segment does, else take when it reached us."""
    if "sentAt" in times and "originalTimestamp" in times:
        skew = parse_time(times["originalTimestamp"]) - parse_time(times["sentAt"])
        return format_time(shift(parse_time(received), skew))
    return received


def _message_id(message: dict[str, Any]) -> str:
    value = message.get("messageId")
    if value is None:
        return derived_id({k: v for k, v in message.items() if k != "writeKey"})
    if type(value) is not str or not 0 < len(value) <= MAX_MESSAGE_ID_LENGTH or not value.isprintable():
        raise Invalid(f"messageId must be a printable string of 1 to {MAX_MESSAGE_ID_LENGTH} characters")
    return value


def _flatten(value: dict[str, Any], prefix: str, depth: int, row: dict[str, Any]) -> None:
    for key, item in value.items():
        name = prefix + column_name(key)
        kind = type(item)
        if kind is dict:
            if depth >= MAX_DEPTH:
                row[name] = orjson.dumps(item).decode()
            elif item:
                _flatten(item, name + ".", depth + 1, row)
        elif kind is list:
            row[name] = _array(item)
        else:
            row[name] = item


def _array(items: list[Any]) -> list[Any] | str:
    """Arrays of scalars stay arrays (Interana sets); anything holding objects or arrays becomes JSON text."""
    for item in items:
        if not isinstance(item, _SCALARS):
            return orjson.dumps(items).decode()
    return items


@lru_cache(maxsize=8192)
def column_name(key: str) -> str:
    """An ASCII column name: accents folded, other non-ASCII or control characters as `uXXXX`."""
    if key.isascii() and key.isprintable():
        return key or "_"
    out = []
    for char in unicodedata.normalize("NFKD", key):
        if char.isascii() and char.isprintable():
            out.append(char)
        elif not unicodedata.combining(char):
            out.append(f"u{ord(char):04x}")
    return "".join(out) or "_"


def _preview(value: Any) -> str:
    text = orjson.dumps(value).decode() if isinstance(value, _SCALARS) else type(value).__name__
    return text if len(text) <= 40 else text[:40] + "..."
