"""`esatis worker --only/--skip`: which workers one process runs (workers.registry.select_workers)."""

import pytest
from click.testing import CliRunner

from web.cli import cli
from workers.registry import default_workers, select_workers

EVERY = ["housekeeping", "closer", "refunds", "documents", "outbox_relay", "watch_alerts", "webhook_dispatcher",
         "messages", "aftersale"]


def test_the_registry_is_what_the_table_below_expects(runtime):
    assert [w.name for w in default_workers(runtime)] == EVERY


@pytest.mark.parametrize(("only", "skip", "expected"), [
    (set(), set(), EVERY),
    ({"closer"}, set(), ["closer"]),
    ({"documents", "aftersale"}, set(), ["documents", "aftersale"]),
    (set(), {"closer"}, [n for n in EVERY if n != "closer"]),
    (set(), {"documents", "aftersale"}, [n for n in EVERY if n not in {"documents", "aftersale"}]),
])
def test_which_workers_a_process_runs(runtime, only, skip, expected):
    chosen = select_workers(runtime, only=frozenset(only), skip=frozenset(skip))
    assert [w.name for w in chosen] == expected


@pytest.mark.parametrize(("only", "skip", "message"), [
    ({"clock"}, set(), "unknown worker(s): clock (known: housekeeping, closer,"),
    (set(), {"closer", "tutanak"}, "unknown worker(s): tutanak"),
    ({"closer"}, {"documents"}, "give --only or --skip, not both"),
    (set(), set(EVERY), "no worker left to run"),
])
def test_a_selection_that_runs_nothing_or_names_no_worker_is_refused(runtime, only, skip, message):
    with pytest.raises(ValueError) as refused:
        select_workers(runtime, only=frozenset(only), skip=frozenset(skip))
    assert message in str(refused.value)


def test_the_command_refuses_an_unknown_worker_before_it_starts_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("ESATIS_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["worker", "--only", "closer,clock"])
    assert result.exit_code == 2, result.output
    assert "unknown worker(s): clock" in result.output
