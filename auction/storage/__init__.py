"""Files (lot photos, kıymet raporu, şartname, tutanak) behind one `Storage` interface."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from auction.config import Settings
from auction.storage.base import Storage, StorageError, StoredObject
from auction.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "StorageError", "StoredObject", "storage_for"]


@lru_cache(maxsize=8)
def _local(root: Path) -> LocalStorage:
    return LocalStorage(root)


def storage_for(settings: Settings) -> Storage:
    """The storage of a deployment: local disk under `settings.storage_path` (ESATIS_STORAGE_DIR, default
    `var/files`). An object store would implement the same four methods of `Storage`."""
    return _local(settings.storage_path.resolve())
