"""Settings from environment variables. Names are part of the contract (DESIGN.md, Settings)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ConfigError
from .locations import BlobLocation, Location, S3Location, parse_location

PLATFORMS = {"aws": "AWS", "azure": "Azure", "local": "local"}
DEFAULT_MAX_BODY_BYTES = 6_291_456  # Lambda's synchronous payload limit
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{16,128}")


@dataclass(frozen=True)
class AwsKeyPair:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class SasToken:
    token: str = field(repr=False)  # without the leading "?"


ApiKey = AwsKeyPair | SasToken


@dataclass(frozen=True)
class Settings:
    """Everything a handler needs, validated once at start-up. Secrets are kept out of repr."""

    platform: str = "local"
    location: Location | None = None
    api_key: ApiKey | None = field(default=None, repr=False)
    shared_secret: str | None = field(default=None, repr=False)
    write_keys: frozenset[str] = field(default=frozenset(), repr=False)
    bearer_token: str | None = field(default=None, repr=False)
    allow_unauthenticated: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    local_dir: str = "./interana-data"

    @property
    def auth_configured(self) -> bool:
        return bool(self.shared_secret or self.write_keys or self.bearer_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping; raise ConfigError naming the bad variable."""
        platform = _platform(env.get("INTERANA_PLATFORM", "local"))
        location = _location(platform, env.get("INTERANA_BUCKET_URL", "").strip())
        return cls(
            platform=platform,
            location=location,
            api_key=_api_key(platform, env.get("INTERANA_API_KEY", "").strip()),
            shared_secret=env.get("SEGMENT_SHARED_SECRET") or None,
            write_keys=frozenset(k.strip() for k in env.get("SEGMENT_WRITE_KEYS", "").split(",") if k.strip()),
            bearer_token=env.get("INGEST_BEARER_TOKEN") or None,
            allow_unauthenticated=_flag("ALLOW_UNAUTHENTICATED", env.get("ALLOW_UNAUTHENTICATED", "")),
            max_body_bytes=_positive_int("MAX_BODY_BYTES", env.get("MAX_BODY_BYTES"), DEFAULT_MAX_BODY_BYTES),
            local_dir=env.get("INTERANA_LOCAL_DIR") or "./interana-data",
        )

    @classmethod
    def for_platform(cls, env: Mapping[str, str], platform: str) -> Settings:
        """Settings for a handler that can only write to `platform`'s store: INTERANA_PLATFORM defaults to it,
        and any other value is a configuration error."""
        settings = cls.from_env({**env, "INTERANA_PLATFORM": env.get("INTERANA_PLATFORM") or platform})
        if settings.platform != platform:
            raise ConfigError("INTERANA_PLATFORM", f"this handler writes to {PLATFORMS[platform]} storage, "
                              f"not {settings.platform_label}", PLATFORMS[platform])
        return settings

    @property
    def platform_label(self) -> str:
        return PLATFORMS[self.platform]


def _platform(value: str) -> str:
    platform = value.strip().lower() or "local"
    if platform not in PLATFORMS:
        raise ConfigError("INTERANA_PLATFORM", f"unknown platform {value!r}", "AWS, Azure or local (any case)")
    return platform


def _location(platform: str, value: str) -> Location | None:
    if platform == "local":
        return None  # the local store ignores the bucket URL
    if not value:
        raise ConfigError("INTERANA_BUCKET_URL", f"required when INTERANA_PLATFORM is {PLATFORMS[platform]}")
    location = parse_location(value)
    wanted = S3Location if platform == "aws" else BlobLocation
    if not isinstance(location, wanted):
        raise ConfigError(
            "INTERANA_BUCKET_URL",
            f"{value!r} is not a {'S3' if platform == 'aws' else 'Azure Blob'} URL but INTERANA_PLATFORM is "
            f"{PLATFORMS[platform]}",
        )
    return location


def _api_key(platform: str, value: str) -> ApiKey | None:
    if not value or platform == "local":
        return None
    if platform == "aws":
        key_id, sep, secret = (part.strip() for part in value.partition(","))
        if not sep or not _ACCESS_KEY_ID.fullmatch(key_id) or not secret or "," in secret:
            raise ConfigError("INTERANA_API_KEY", "not an S3 key pair", "accessKeyId,secretAccessKey")
        return AwsKeyPair(key_id, secret)
    token = value.removeprefix("?")
    if "sig=" not in token or any(c.isspace() for c in token):
        raise ConfigError("INTERANA_API_KEY", "not an Azure SAS token", "a SAS token (sv=...&sig=...), ? optional")
    return SasToken(token)


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(name, f"{value!r} is not a boolean", "true or false")


def _positive_int(name: str, value: str | None, default: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ConfigError(name, f"{value!r} is not a positive integer")
    return number
