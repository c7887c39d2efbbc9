"""Bounded request parameters: no id, sequence number or offset reaches the database unchecked.

A path id is a positive integer no larger than `ID_MAX` (2^31 − 1: within every integer column of both
databases, far above any row count this platform will see), so `GET /api/v1/lots/-1052904…/bids` is a 422
`validation_error` (problem code `greater_than_equal` / `less_than_equal`), not a database overflow and a
500. Query integers (seq, offsets, cursors) have the same ceiling. `tests/web/test_input_hardening.py`
walks every route and fails on an integer parameter without these bounds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from auction.schemas import ID_MAX

__all__ = ["ID_MAX", "Id", "SeqQuery"]


# A record id in a path: /lots/{lot_id}, /sales/{sale_id} …
Id = Annotated[int, Path(ge=1, le=ID_MAX, description="a record id (1 … 2147483647)")]
# A sequence number or cursor in a query string (`after_seq`, `before_id`): 0 … ID_MAX.
SeqQuery = Annotated[int, Query(ge=0, le=ID_MAX)]
