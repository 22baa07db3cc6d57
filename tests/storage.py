"""Storage fixtures (a pytest plugin): real S3 (moto) and Blob (Azurite) APIs on free loopback ports, and the
platform handlers loaded against them as a cold start would."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.helpers import SETTING_NAMES, free_port
from tests.servers import Cuttable, Process, moto_server

ROOT = Path(__file__).parents[1]
EVENT_ENV = json.loads((ROOT / "events" / "env.json").read_text())["IngestFunction"]


@dataclass
class Moto:
    """moto's server with IAM enforced; `writer` is a key pair allowed to write. `proxy` can cut it off."""

    server: Process
    proxy: Cuttable
    access_key_id: str
    secret_access_key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    def client(self, service: str = "s3") -> Any:
        return boto3.client(service, endpoint_url=f"http://127.0.0.1:{self.server.port}", region_name="us-east-1",
                            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key)

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        s3 = self.client()
        keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for o in page.get("Contents", [])]
        return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    port = free_port()
    server = moto_server(port, free_actions=3, log=tmp_path_factory.mktemp("moto") / "moto.log")
    server.start()
    anonymous = {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1",
                 "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
    iam = boto3.client("iam", **anonymous)
    iam.create_user(UserName="writer")  # the 3 unauthenticated actions moto allows before enforcing IAM
    iam.put_user_policy(UserName="writer", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="writer")["AccessKey"]
    proxy = Cuttable(port)
    proxy.restore()
    yield Moto(server, proxy, key["AccessKeyId"], key["SecretAccessKey"])
    proxy.cut()
    server.stop()


@pytest.fixture
def bucket(moto: Moto, request: pytest.FixtureRequest) -> str:
    """A new empty bucket for each test."""
    name = f"t-{abs(hash(request.node.nodeid)) % 10**12}"
    moto.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto: Moto) -> None:
    """A process environment like Lambda's, pointed at moto through the cuttable proxy; no real AWS reachable."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.access_key_id)  # the "execution role"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "InteranaDestination")


DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # well-known


@dataclass
class Azurite:
    server: Process

    @property
    def account_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/{DEV_ACCOUNT}"

    def service(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(self.account_url, credential={"account_name": DEV_ACCOUNT, "account_key": DEV_KEY})

    def sas(self, container: str, permission: str = "cw", hours: float = 1) -> str:
        from datetime import UTC, datetime, timedelta

        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        return generate_container_sas(DEV_ACCOUNT, container, account_key=DEV_KEY,
                                      permission=ContainerSasPermissions.from_string(permission),
                                      expiry=datetime.now(UTC) + timedelta(hours=hours))

    def blobs(self, container: str) -> dict[str, bytes]:
        client = self.service().get_container_client(container)
        return {b.name: client.download_blob(b.name).readall() for b in client.list_blobs()}


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    from tests.servers import AZURITE
    from tests.servers import azurite as azurite_process

    if not AZURITE.exists():
        pytest.fail("Azurite is not installed: run `npm ci` (make test does)")
    server = azurite_process(free_port(), tmp_path_factory.mktemp("azurite"),
                             tmp_path_factory.mktemp("azurite-log") / "azurite.log")
    server.start()
    yield Azurite(server)
    server.stop()


@pytest.fixture
def container(azurite: Azurite, request: pytest.FixtureRequest) -> str:
    name = f"t{abs(hash(request.node.nodeid)) % 10**12}"
    azurite.service().create_container(name)
    return name


@pytest.fixture
def load_handler(aws_env: None, monkeypatch: pytest.MonkeyPatch, bucket: str) -> Any:
    """Import the handler as a cold start would, with the events/ env.json settings and `overrides`."""

    def load(**overrides: str) -> ModuleType:
        env = {**EVENT_ENV, "INTERANA_BUCKET_URL": f"s3://{bucket}/segment", **overrides}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        import aws_lambda.handler

        module = importlib.reload(aws_lambda.handler)
        # Powertools keeps the handler (and stream) of the first Logger made for a service across reloads;
        # point it at this test's stdout so capsys sees the log lines.
        module.logger.registered_handler.stream = sys.stdout  # (setStream would flush a closed one)
        return module

    return load


@pytest.fixture
def load_app(monkeypatch: pytest.MonkeyPatch, azurite: Azurite, container: str) -> Any:
    """Import function_app as a worker's cold start would, writing to this test's container."""

    def load(**overrides: str) -> ModuleType:
        for name in SETTING_NAMES:
            monkeypatch.delenv(name, raising=False)
        env = {**EVENT_ENV, "INTERANA_BUCKET_URL": f"{azurite.account_url}/{container}/segment",
               "INTERANA_API_KEY": "?" + azurite.sas(container), **overrides}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        import azure_function.blueprint
        import function_app

        importlib.reload(azure_function.blueprint)
        return importlib.reload(function_app)

    return load
