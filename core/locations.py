"""Parse the "Bucket Container URL" setting into where objects go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ConfigError

VARIABLE = "INTERANA_BUCKET_URL"
ACCEPTED_FORMS = (
    "https://{bucket}.s3.{region}.amazonaws.com/{dir}, https://{bucket}.s3-{region}.amazonaws.com/{dir}, "
    "https://{bucket}.s3.amazonaws.com/{dir}, https://{bucket}.{region}.amazonaws.com/{dir}, "
    "https://s3.{region}.amazonaws.com/{bucket}/{dir}, s3://{bucket}/{dir}, "
    "https://{account}.blob.core.windows.net/{container}/{dir}, "
    "http://127.0.0.1:10000/{account}/{container}/{dir} (emulator; any loopback host and port)"
)

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
_CONTAINER = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}")
_DIR_SEGMENT = re.compile(r"[A-Za-z0-9!_.*'()=+,;@~-]+")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Virtual-hosted S3 hosts, most specific first: "{bucket}.s3.amazonaws.com" must not read as region "s3".
_S3_HOSTS = (
    re.compile(rf"(?P<bucket>.+)\.s3[.-](?P<region>{_REGION})\.amazonaws\.com"),
    re.compile(r"(?P<bucket>.+)\.s3\.amazonaws\.com"),
    re.compile(rf"(?P<bucket>[^.]+)\.(?P<region>{_REGION})\.amazonaws\.com"),
)
_S3_PATH_STYLE_HOST = re.compile(rf"s3[.-](?P<region>{_REGION})\.amazonaws\.com")
_BLOB_HOST = re.compile(r"(?P<account>[a-z0-9]+)\.blob\.core\.windows\.net")


@dataclass(frozen=True)
class S3Location:
    """An S3 bucket and directory. `region` is None when the URL does not name one."""

    bucket: str
    region: str | None
    directory: str


@dataclass(frozen=True)
class BlobLocation:
    """An Azure Blob container and directory; `account_url` is what `ContainerClient` takes."""

    account: str
    container: str
    directory: str
    account_url: str


Location = S3Location | BlobLocation


def _fail(value: str, problem: str) -> ConfigError:
    return ConfigError(VARIABLE, f"{problem} in {value!r}", ACCEPTED_FORMS)


def _directory(value: str, segments: list[str]) -> str:
    parts = [s for s in segments if s]
    for part in parts:
        if part in {".", ".."} or not _DIR_SEGMENT.fullmatch(part):
            raise _fail(value, f"directory segment {part!r} is not allowed")
    return "/".join(parts)


def _s3(value: str, bucket: str, region: str | None, path: list[str]) -> S3Location:
    if not _BUCKET.fullmatch(bucket):
        raise _fail(value, f"{bucket!r} is not a valid S3 bucket name")
    return S3Location(bucket=bucket, region=region, directory=_directory(value, path))


def parse_location(value: str) -> Location:
    """Parse a Bucket Container URL; raise ConfigError naming the variable and the accepted forms."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        raise _fail(value, "a query or fragment (put the SAS token in INTERANA_API_KEY)")
    host = (parts.hostname or "").lower()
    path = parts.path.split("/")[1:]
    if parts.scheme == "s3":
        return _s3(value, host, None, path)
    if parts.scheme == "https" and host.endswith(".amazonaws.com"):
        if match := _S3_PATH_STYLE_HOST.fullmatch(host):  # before the seed form, which would read bucket "s3"
            if not path or not path[0]:
                raise _fail(value, "no bucket after the path-style host")
            return _s3(value, path[0], match["region"], path[1:])
        for pattern in _S3_HOSTS:
            if match := pattern.fullmatch(host):
                return _s3(value, match["bucket"], match.groupdict().get("region"), path)
    if parts.scheme == "https" and (match := _BLOB_HOST.fullmatch(host)):
        return _blob(value, match["account"], f"https://{host}", path)
    if parts.scheme in {"http", "https"} and host in _LOOPBACK_HOSTS and len(path) >= 2:
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return _blob(value, path[0], f"{parts.scheme}://{netloc}/{path[0]}", path[1:])
    raise _fail(value, "unrecognized URL")


def _blob(value: str, account: str, account_url: str, path: list[str]) -> BlobLocation:
    if not _ACCOUNT.fullmatch(account):
        raise _fail(value, f"{account!r} is not a valid storage account name")
    if not path or not _CONTAINER.fullmatch(path[0]):
        raise _fail(value, "missing or invalid container name")
    return BlobLocation(account, path[0], _directory(value, path[1:]), account_url)
