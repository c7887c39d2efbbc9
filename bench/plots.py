"""The PNG plots of docs/performance.md, drawn from the same result JSONs as its tables (`python -m bench
report`). Each plot sets esatis beside the ceiling its benchmark measured in the same run, on a log scale
where the two differ by orders of magnitude, so the ratio reads off the gap.

matplotlib is the optional `bench` extra (`pip install -e .[bench]`), not a dependency of the platform: the
report still writes its tables without it and says the plots were not redrawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import ROOT

PLOTS = ROOT / "docs" / "performance"


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a build machine
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, name: str) -> Path:
    PLOTS.mkdir(parents=True, exist_ok=True)
    path = PLOTS / f"{name}.png"
    fig.tight_layout()
    # No timestamp in the file: the same JSON draws the same bytes, so a re-run leaves git clean.
    fig.savefig(path, dpi=110, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def bids(r: dict[str, Any]) -> Path:
    plt = _pyplot()
    labels = [f"{'1 hot lot' if s['lots'] == 'one hot lot' else s['lots']}\n"
              f"{s['bidders']} bidder{'' if s['bidders'] == 1 else 's'}" for s in r["scenarios"]]
    app = [s["app"]["accepted_per_s"] or 0 for s in r["scenarios"]]
    ceiling = [s["ceiling"]["accepted_per_s"] or 0 for s in r["scenarios"]]
    # Runs since the HTTP floor was added carry a third bar: the statement behind a bare uvicorn route.
    floor = [s["http_floor"]["accepted_per_s"] or 0 for s in r["scenarios"] if "http_floor" in s]
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(labels))
    width = 0.27 if floor else 0.4
    app_x = [x + width for x in xs] if floor else [x + 0.2 for x in xs]
    ax.bar([x - (width if floor else 0.2) for x in xs], ceiling, width=width,
           label="ceiling: the statement in a plain asyncpg loop", color="#9e9e9e")
    if floor:
        ax.bar(list(xs), floor, width=width, label="HTTP floor: the statement behind bare uvicorn", color="#90caf9")
    ax.bar(app_x, app, width=width, label="esatis serve over HTTP", color="#1565c0")
    for x, s in zip(app_x, r["scenarios"], strict=True):
        ax.annotate(f"{s['accepted_ratio']}", (x, max(s["app"]["accepted_per_s"] or 1, 1)),
                    ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(top=max(ceiling + app + floor + [1]) * 20)  # head room for the legend above the tallest bar
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("accepted bids per second (log)")
    ax.set_title(f"Bids: esatis beside the database alone ({r['at']}); labels: ratio to the ceiling", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", ncols=3 if floor else 2)
    return _save(fig, "bids")


def clock(r: dict[str, Any]) -> Path:
    plt = _pyplot()
    runs = r["runs"]
    labels = [str(run.get("layout", f"{run['worker_processes']} worker process(es)")).replace(", ", ",\n")
              for run in runs]
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(runs))
    width = 0.2
    series = (("open", "p50_ms", "open p50", "#90caf9"), ("open", "p99_ms", "open p99", "#1565c0"),
              ("close", "p50_ms", "close p50", "#ffcc80"), ("close", "p99_ms", "close p99", "#e65100"))
    for i, (step, key, label, colour) in enumerate(series):
        ax.bar([x + (i - 1.5) * width for x in xs], [(run[step][key] or 0) / 1000 for run in runs], width=width,
               label=label, color=colour)
    ax.axhline(1.0, color="#c62828", linestyle="--", linewidth=1, label="goal: p99 under 1 s")
    tallest = max(max(run[step][key] or 0 for step in ("open", "close") for key in ("p50_ms", "p99_ms"))
                  for run in runs) / 1000
    ax.set_ylim(top=max(tallest, 1.0) * 1.35)  # head room for the legend above the bars
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("lag after due (s)")
    ax.set_title(f"Round clock: {r['rounds']:,} rounds due in the same second ({r['at']}); ceiling: one UPDATE "
                 f"{r['ceiling']['one_update_ms']} ms", fontsize=9)
    ax.legend(fontsize=8, ncols=5, loc="upper center")
    return _save(fig, "clock")


def fanout(r: dict[str, Any]) -> Path:
    plt = _pyplot()
    a, c = r["app"], r["ceiling"]
    fig, ax = plt.subplots(figsize=(8, 3))
    names = [f"{c.get('server', 'bare websockets')}\n(ceiling)".replace(" (", "\n(", 1),
             str(a.get("server", "esatis serve")).replace(" (", "\n(", 1)]
    ax.barh(names, [c["deliveries_per_s"], a["deliveries_per_s"]], color=["#9e9e9e", "#1565c0"])
    ax.set_xlabel(f"deliveries per second to {a['connected']:,} watchers")
    ax.set_title(f"Live fan-out ({r['at']}): ratio {r['ratio']}", fontsize=9)
    return _save(fig, "fanout")


DRAW = {"bids": bids, "clock": clock, "fanout": fanout}
