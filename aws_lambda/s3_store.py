"""The storage port on S3: create-only PutObject with botocore's own retries."""

from __future__ import annotations

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.errors import ConfigError, StorageUnavailable
from core.locations import S3Location
from core.objects import CONTENT_TYPE
from core.settings import AwsKeyPair, Settings

# Standard mode retries throttling and transient errors with backoff; the timeouts keep the whole
# answer inside Segment's webhook timeout, after which Segment retries anyway.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=10,
    user_agent_extra="interana-destination",
)


class S3Store:
    """Objects in one bucket. `put` returns False when the key exists (412): already stored."""

    def __init__(self, client, bucket: str) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        """One client per cold start: region from the Bucket URL, keys from the API Key or the execution role."""
        if not isinstance(settings.location, S3Location):
            raise ConfigError("INTERANA_BUCKET_URL", "the AWS handler needs an S3 URL")
        key = settings.api_key if isinstance(settings.api_key, AwsKeyPair) else None
        # botocore's session directly: the client boto3 would build, without importing boto3 and s3transfer
        # (a third of the cold start). AWS_ENDPOINT_URL_S3 and the credential chain are botocore's own.
        session = botocore.session.get_session()
        client = session.create_client(
            "s3", region_name=settings.location.region or session.get_config_variable("region") or "us-east-1",
            config=CLIENT_CONFIG,
            aws_access_key_id=key.access_key_id if key else None,
            aws_secret_access_key=key.secret_access_key if key else None,
        )
        return cls(client, settings.location.bucket)

    def put(self, key: str, data: bytes) -> bool:
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*", ContentType=CONTENT_TYPE)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412:
                return False
            code = error.response.get("Error", {}).get("Code", "unknown")
            raise StorageUnavailable(f"S3 refused the write ({code}); retry later") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"S3 unreachable ({type(error).__name__}); retry later") from error
        return True
