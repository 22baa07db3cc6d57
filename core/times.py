"""Segment times to Interana's UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class BadTime(ValueError):
    pass


def parse_time(value: object) -> datetime:
    """Parse an ISO-8601 string into an aware UTC datetime; times without an offset are taken as UTC."""
    if not isinstance(value, str) or len(value) > 64:
        raise BadTime("must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadTime(f"{_preview(value)} is not an ISO-8601 time") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise BadTime(f"{_preview(value)} is out of range") from None


def format_time(moment: datetime) -> str:
    """UTC, millisecond precision, `Z` suffix."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalize_time(value: object) -> str:
    """The canonical text of a time. Text already canonical (what Segment's libraries send) is only checked."""
    if (type(value) is str and len(value) == 24 and value[23] == "Z" and value[19] == "." and value[10] == "T"
            and value[4] == value[7] == "-" and value[13] == value[16] == ":"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise BadTime(f"{_preview(value)} is not an ISO-8601 time") from None
        return value
    return format_time(parse_time(value))


def shift(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, clamped to datetime's range so a wild client clock cannot raise."""
    try:
        return moment + delta
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC) if delta > timedelta(0) else datetime.min.replace(tzinfo=UTC)


def _preview(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")
