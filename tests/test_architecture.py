"""The import contracts (pyproject.toml, `lint-imports` in .ci/run) place every module of the domain: a
package or a sales module that is in no layer would be unconstrained, so a new one fails here until it
is given its place. And every domain error is defined in an `errors` module (the convention of
auction/errors.py)."""

import importlib
import pkgutil
import tomllib
from pathlib import Path

import auction
import auction.sales
from auction.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
# Not domain code: the table registry for alembic, the migrations, the migration runner.
REGISTRY = {"auction.models", "auction.migrations", "auction.migrate"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def _placed() -> set[str]:
    contracts = _contracts()
    layers = next(c for c in contracts.values() if c["type"] == "layers")["layers"]
    placed = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    kernel = next(c for name, c in contracts.items() if name.startswith("The shared kernel"))
    return placed | set(kernel["source_modules"]) | REGISTRY


def test_every_domain_module_has_its_place_in_the_import_contracts():
    placed = _placed()
    top = {f"auction.{m.name}" for m in pkgutil.iter_modules(auction.__path__)}
    sales = {f"auction.sales.{m.name}" for m in pkgutil.iter_modules(auction.sales.__path__)}
    assert sorted((top - {"auction.sales"}) - placed) == []
    assert sorted(sales - placed) == []
    assert sorted(placed - top - sales) == []  # and the contracts name nothing that is gone


def test_the_contracts_run_in_ci():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "lint-imports" in ci


# Modules that cannot be imported on their own (alembic's env.py runs only under alembic's context).
UNIMPORTABLE = {"auction.migrations.env"}
# A DomainError subclass defined outside an `errors` module, each with the reason it cannot move. None now.
ERRORS_ELSEWHERE: set[str] = set()


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


def test_every_domain_error_is_defined_in_an_errors_module():
    """The convention of auction/errors.py: each package's refusals live in its own `errors.py`."""
    for info in pkgutil.walk_packages(auction.__path__, "auction."):
        if info.name not in UNIMPORTABLE:
            importlib.import_module(info.name)
    elsewhere = sorted(
        f"{cls.__module__}.{cls.__qualname__}" for cls in _subclasses(DomainError)
        if cls.__module__.startswith("auction")
        and not (cls.__module__ == "auction.errors" or cls.__module__.endswith(".errors"))
        and f"{cls.__module__}.{cls.__qualname__}" not in ERRORS_ELSEWHERE
    )
    assert elsewhere == []
