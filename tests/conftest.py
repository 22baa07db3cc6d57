import pytest

from core.settings import Settings
from tests.helpers import MemoryStore


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def open_settings() -> Settings:
    """A deployment that accepts unauthenticated requests (as the local server on loopback does)."""
    return Settings(allow_unauthenticated=True)

pytest_plugins = ["tests.storage"]
