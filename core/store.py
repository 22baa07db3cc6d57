"""The storage port, and the create-only filesystem store used for local runs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from .errors import StorageUnavailable


class Store(Protocol):
    """Where objects go. `put` is create-only: it returns False when the key already exists (already stored,
    which counts as success) and raises StorageUnavailable when the write cannot be confirmed."""

    def put(self, key: str, data: bytes) -> bool: ...


class FileStore:
    """Objects as files under `root`. Create-only and atomic: written aside, then hard-linked into place."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def path_of(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(part in {"", ".", ".."} for part in parts) or "\\" in key or "\0" in key:
            raise ValueError(f"unsafe object key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes) -> bool:
        path = self.path_of(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.link(temp, path)
            finally:
                os.unlink(temp)
        except FileExistsError:
            return False
        except OSError as error:
            raise StorageUnavailable(f"local store could not write: {error.strerror}") from error
        return True
