"""The local filesystem store: create-only, atomic, confined to its root."""

import pytest

from core.errors import StorageUnavailable
from core.store import FileStore


def test_create_only(tmp_path):
    store = FileStore(tmp_path)
    assert store.put("a/b/c.json.gz", b"first") is True
    assert store.put("a/b/c.json.gz", b"second") is False
    assert (tmp_path / "a/b/c.json.gz").read_bytes() == b"first"
    assert [p.name for p in (tmp_path / "a/b").iterdir()] == ["c.json.gz"]  # no temp files left


@pytest.mark.parametrize("key", ["../x", "a/../../x", "/abs", "a//b", "a\\b", "", "a/\0"])
def test_keys_cannot_escape_the_root(tmp_path, key):
    with pytest.raises(ValueError):
        FileStore(tmp_path / "root").put(key, b"x")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_root_is_storage_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(StorageUnavailable):
        FileStore(blocker).put("a/b.json.gz", b"x")
