"""Who may send: Segment's X-Signature, write keys, a bearer token. A request passes if any configured way passes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Unauthorized
from .settings import Settings

_WHITESPACE = b" \t\r\n"


def headers_pass(settings: Settings, headers: Mapping[str, str], payload: bytes) -> bool:
    """True if a header-borne credential is valid. `headers` has lower-case names."""
    if settings.allow_unauthenticated:
        return True
    signature = headers.get("x-signature")
    if settings.shared_secret and signature and _signature_valid(settings.shared_secret, signature, payload):
        return True
    scheme, _, credential = headers.get("authorization", "").strip().partition(" ")
    scheme, credential = scheme.lower(), credential.strip()
    if scheme == "bearer" and settings.bearer_token:
        return hmac.compare_digest(credential.encode(), settings.bearer_token.encode())
    if scheme == "basic" and settings.write_keys:
        return _write_key_valid(settings.write_keys, _basic_user(credential))
    return False


def require_body_write_keys(settings: Settings, keys: Iterable[Any]) -> None:
    """Pass only if write keys are configured and every message (or the batch) carries a valid one."""
    values = list(keys)
    if not settings.write_keys or not values or not all(_write_key_valid(settings.write_keys, k) for k in values):
        raise Unauthorized("missing or invalid credentials")


def first_element(payload: bytes) -> bytes | None:
    """The raw text of the first element of a JSON array body: what Segment signs for Webhooks (Actions) batches."""
    start = len(payload) - len(payload.lstrip(_WHITESPACE))
    if payload[start:start + 1] != b"[":
        return None
    start = len(payload) - len(payload[start + 1:].lstrip(_WHITESPACE))
    if payload[start:start + 1] not in (b"{", b"["):
        return None
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(payload)):
        byte = payload[index]
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):
            depth += 1
        elif byte in (0x7D, 0x5D):
            depth -= 1
            if depth == 0:
                return payload[start:index + 1]
    return None


def sign(secret: str, payload: bytes) -> str:
    """Segment's X-Signature: HMAC-SHA1 of the payload, hex."""
    return hmac.new(secret.encode(), payload, hashlib.sha1).hexdigest()


def _signature_valid(secret: str, signature: str, payload: bytes) -> bool:
    given = signature.strip().lower().encode()
    if hmac.compare_digest(given, sign(secret, payload).encode()):
        return True
    element = first_element(payload)
    return element is not None and hmac.compare_digest(given, sign(secret, element).encode())


def _basic_user(credential: str) -> str:
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[0]


def _write_key_valid(write_keys: frozenset[str], candidate: Any) -> bool:
    if type(candidate) is not str or not candidate:
        return False
    # Compare against every key so the time taken does not tell which prefix matched.
    found = False
    for key in write_keys:
        found |= hmac.compare_digest(candidate.encode(), key.encode())
    return found
