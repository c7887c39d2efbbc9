"""Distribution of sale proceeds: buyer settlement, deductions, sıra cetveli (docs/law/distribution-contract.md).

A pure function: no database, no HTTP, no clock. `distribute(payload)` is the contract (JSON in, JSON
out); `parse_case` / `compute` are the typed steps; `render_html` / `render_pdf` (in `document`) turn a
result into the sıra cetveli a müdür signs.
"""

from auction.distribution.engine import compute
from auction.distribution.errors import InvalidCase, Problem
from auction.distribution.result import Distribution
from auction.distribution.schema import Case, parse_case
from auction.distribution.service import distribute, run, run_cli

__all__ = ["Case", "Distribution", "InvalidCase", "Problem", "compute", "distribute", "parse_case", "run",
           "run_cli"]
