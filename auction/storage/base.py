from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

# Keys are relative paths made of safe segments: `lots/12/photos/3f2a….jpg`. Never user-supplied names.
_KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_.-]+)*$")


class StorageError(Exception):
    """A key that is not valid or an object that does not exist."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str
    content_type: str


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Storage(ABC):
    """Write-once objects addressed by key. Writing the same key again replaces the object atomically
    (a retried worker step rewrites the same deterministic key instead of leaving a second copy)."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject: ...

    @abstractmethod
    async def get(self, key: str) -> bytes: ...

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...
