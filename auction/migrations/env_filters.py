"""What autogenerate and the migrations test leave out of the model comparison.

The search (auction.watch.search) has a backend of its own on each database, both created by the search
migration with DDL that has no model: on SQLite the FTS5 table `lots_fts` and its shadow tables
(`lots_fts_data`, `_idx`, `_docsize`, `_config`); on PostgreSQL the trigram GIN index
`ix_lots_search_trgm`, which the model declares for PostgreSQL only (`ddl_if`) and SQLite never has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PG_ONLY_INDEXES = frozenset({"ix_lots_search_trgm"})


def include_object_for(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    def include_object(_obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        if type_ == "table" and name is not None and name.startswith("lots_fts"):
            return False
        return not (type_ == "index" and dialect != "postgresql" and name in PG_ONLY_INDEXES)

    return include_object
