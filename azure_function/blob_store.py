"""The storage port on Azure Blob Storage: create-only uploads with the SDK's own retry policy."""

from __future__ import annotations

import logging

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError
from azure.storage.blob import ContainerClient, ContentSettings, ExponentialRetry

from core.errors import ConfigError, StorageUnavailable
from core.locations import BlobLocation
from core.objects import CONTENT_TYPE
from core.settings import SasToken, Settings

log = logging.getLogger("interana_destination.blob")
CONTENT_SETTINGS = ContentSettings(content_type=CONTENT_TYPE)
# Short backoffs: the storage default starts at 15 s, past Segment's webhook timeout. Segment retries after.
RETRY_POLICY = ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=2)
ALREADY_STORED = {409, 412}  # BlobAlreadyExists / If-None-Match failed: stored before (maybe by an SDK retry)


class BlobStore:
    """Objects in one container. `put` returns False when the blob already exists."""

    def __init__(self, container: ContainerClient) -> None:
        self.container = container

    @classmethod
    def from_settings(cls, settings: Settings) -> BlobStore:
        """One ContainerClient per cold start: the SAS from the API Key, else the managed identity."""
        location = settings.location
        if not isinstance(location, BlobLocation):
            raise ConfigError("INTERANA_BUCKET_URL", "the Azure function needs an Azure Blob URL")
        credential: str | TokenCredential
        if isinstance(settings.api_key, SasToken):
            credential = settings.api_key.token
        else:
            from azure.identity import DefaultAzureCredential  # only deployments without a SAS pay for it

            credential = DefaultAzureCredential()
        container = ContainerClient(
            account_url=location.account_url, container_name=location.container, credential=credential,
            retry_policy=RETRY_POLICY, connection_timeout=2, read_timeout=10,
        )
        return cls(container)

    def put(self, key: str, data: bytes) -> bool:
        try:
            self.container.upload_blob(key, data, overwrite=False, content_settings=CONTENT_SETTINGS)
        except ResourceExistsError:
            return False
        except HttpResponseError as error:
            if error.status_code in ALREADY_STORED:
                return False
            reason = f"Blob Storage refused the write ({error.status_code} {getattr(error, 'error_code', '')})"
            log.warning("%s for %s", reason, key)  # the SDK's message may quote the URL; ours never has the SAS
            raise StorageUnavailable(f"{reason}; retry later") from error
        except AzureError as error:
            log.warning("Blob Storage unreachable (%s) for %s", type(error).__name__, key)
            raise StorageUnavailable(f"Blob Storage unreachable ({type(error).__name__}); retry later") from error
        return True
