"""`python -m bench report`: the tables of docs/performance.md from the latest result of each benchmark in
bench/results/ (between the `bench:begin` / `bench:end` markers; the prose around them is kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import plots
from bench.common import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (python -m bench report) -->", "<!-- bench:end -->"


def latest(name: str) -> dict[str, Any] | None:
    files = sorted(RESULTS.glob(f"{name}-*.json"))
    return json.loads(files[-1].read_text()) if files else None


def _v(x: Any) -> str:
    return "–" if x is None else f"{x:,}" if isinstance(x, int) else f"{x}"


def _source(r: dict[str, Any]) -> str:
    m = r["machine"]
    return (f"`bench/results/{r['bench']}-{r['at']}.json` ({'quick' if r.get('quick') else 'full'} run, "
            f"{m['cpus']} CPU {m['processor']}, Python {m['python']})")


def bids_table(r: dict[str, Any]) -> list[str]:
    out = ["### Bids", "", _source(r) + f"; {r['duration_s']} s measured after {r['warmup_s']} s warm-up per row.", "",
           "| lots | bidders | esatis attempts/s | accepted/s | p50 / p99 ms | ceiling attempts/s | accepted/s "
           "| p50 / p99 ms | accepted ratio | attempts ratio |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in r["scenarios"]:
        a, c = s["app"], s["ceiling"]
        out.append(f"| {s['lots']} | {s['bidders']} | {_v(a['attempts_per_s'])} | {_v(a['accepted_per_s'])} | "
                   f"{_v(a['p50_ms'])} / {_v(a['p99_ms'])} | {_v(c['attempts_per_s'])} | {_v(c['accepted_per_s'])} | "
                   f"{_v(c['p50_ms'])} / {_v(c['p99_ms'])} | **{_v(s['accepted_ratio'])}** | "
                   f"{_v(s['attempts_ratio'])} |")
    floors = [s for s in r["scenarios"] if "http_floor" in s]
    if floors:
        out += ["", "The same load against the **HTTP floor** (bench/http_floor.py: the bid's statement behind "
                "uvicorn and a raw ASGI route, nothing else) — what HTTP in Python costs on this machine before "
                "esatis adds anything:", "",
                "| lots | bidders | HTTP floor attempts/s | accepted/s | p50 / p99 ms | floor / database (accepted) "
                "| esatis / floor (accepted) |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in floors:
            f = s["http_floor"]
            out.append(f"| {s['lots']} | {s['bidders']} | {_v(f['attempts_per_s'])} | {_v(f['accepted_per_s'])} | "
                       f"{_v(f['p50_ms'])} / {_v(f['p99_ms'])} | {_v(s['floor_accepted_ratio'])} | "
                       f"**{_v(s['app_to_floor_accepted'])}** |")
    out += ["", "Refusals by code (esatis): " + "; ".join(
        f"{s['lots']}, {s['bidders']}: {s['app']['codes']}" for s in r["scenarios"]), ""]
    return out


def clock_table(r: dict[str, Any]) -> list[str]:
    out = ["### Round clock", "", _source(r) + f"; {r['rounds']} rounds of {r['round_seconds']} s starting in the "
           "same second and ending in the same second.", "",
           "| worker processes | opened | open lag p50 / p99 / max ms | closed | close lag p50 / p99 / max ms "
           "| finished | finish lag p50 / p99 / max ms |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in r["runs"]:
        o, c = run["open"], run["close"]
        f = run.get("finish") or {"done": None, "of": None, "p50_ms": None, "p99_ms": None, "max_ms": None}
        layout = run.get("layout", run["worker_processes"])  # runs before the layouts: the process count
        out.append(f"| {layout} | {o['done']}/{o['of']} | {_v(o['p50_ms'])} / {_v(o['p99_ms'])} / "
                   f"{_v(o['max_ms'])} | {c['done']}/{c['of']} | {_v(c['p50_ms'])} / {_v(c['p99_ms'])} / "
                   f"{_v(c['max_ms'])} | {_v(f['done'])}/{_v(f['of'])} | {_v(f['p50_ms'])} / {_v(f['p99_ms'])} / "
                   f"{_v(f['max_ms'])} |")
    out += ["", f"Ceiling: one UPDATE flipping {r['ceiling']['rounds']} rows takes "
            f"{r['ceiling']['one_update_ms']} ms on the same database. The close lag includes the 300 ms A-40 "
            "grace by design, and up to 50 ms of the observer's polling; \"finished\" is when the close's tutanak is "
            "drafted (the close's second transaction: refund jobs, tutanak, `round.closed`).", ""]
    return out


def fanout_table(r: dict[str, Any]) -> list[str]:
    a, c = r["app"], r["ceiling"]
    return ["### Live fan-out", "", _source(r) + ".", "",
            "| server | watchers | deliveries/s | p50 / p99 ms | ratio to the ceiling |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| {a.get('server', 'esatis serve')} | {a['connected']} | {_v(a['deliveries_per_s'])} | "
            f"{_v(a['p50_ms'])} / {_v(a['p99_ms'])} | **{r['ratio']}** |",
            f"| {c.get('server', 'bare websockets')} (ceiling) | {c['connected']} | {_v(c['deliveries_per_s'])} | "
            f"{_v(c['p50_ms'])} / {_v(c['p99_ms'])} | 1.0 |", ""]


def distribution_table(r: dict[str, Any]) -> list[str]:
    return ["### Distribution engine", "", _source(r) + ".", "",
            "| case | min s | median s | json.dumps of the result (ceiling) s | ratio |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| {r['creditors']:,} creditors, {r['dereceler']} dereceler | {r['min_s']} | {r['median_s']} | "
            f"{r['json_dumps_s']} | {r['ratio']} |", ""]


def _plot(name: str, r: dict[str, Any], drawing: bool) -> list[str]:
    """The plot's image line under its table: redrawn when matplotlib is there, else the committed PNG."""
    if name not in plots.DRAW:
        return []
    path = plots.DRAW[name](r) if drawing else plots.PLOTS / f"{name}.png"
    if not path.exists():
        return []
    return [f"![{name}: esatis beside its ceiling](performance/{path.name})", ""]


def write() -> Path:
    parts: list[str] = []
    drawing = plots.available()
    for name, table in (("bids", bids_table), ("clock", clock_table), ("fanout", fanout_table),
                        ("distribution", distribution_table)):
        r = latest(name)
        if r:
            parts += table(r) + _plot(name, r, drawing)
        else:
            parts += [f"### {name}", "", "Not measured yet (`python -m bench " + name + "`).", ""]
    block = "\n".join([BEGIN, "", *parts, END])
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
    print(f"[bench] report: {DOC.relative_to(ROOT)}"
          + ("" if drawing else " (plots not redrawn: matplotlib missing, `pip install -e .[bench]`)"), flush=True)
    return DOC
