"""Errors of the distribution module.

Bad input is never a traceback: every problem found in a case is collected with its JSON path and
reported at once (docs/law/distribution-contract.md, "Conventions"). `InvalidCase` is a platform `DomainError`
(422) so the web layer can map it like any other; `to_contract()` gives the contract's own error JSON,
`{"error": "invalid_case", "problems": [...]}`, which `esatis distribute` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auction.errors import Unprocessable


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


class InvalidCase(Unprocessable):
    """A distribution case that breaks the contract; `problems` lists every problem found."""

    code = "invalid_case"
    status = 422
    default_message = "Dağıtım girdisi geçersiz."

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        # Turkish does not pluralise after a numeral: "3 sorun".
        super().__init__(
            f"Dağıtım girdisi geçersiz: {len(self.problems)} sorun.",
            details={"problems": [p.as_dict() for p in self.problems]},
        )

    def to_contract(self) -> dict[str, Any]:
        """The error JSON of docs/law/distribution-contract.md."""
        return {"error": "invalid_case", "problems": [p.as_dict() for p in self.problems]}
