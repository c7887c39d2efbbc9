"""The benchmark suite: `python -m bench [bids|clock|fanout|distribution|report|all] [--quick]`.

Each benchmark measures esatis next to a ceiling measured by the same script in the same run, writes its
figures as JSON under `bench/results/` and `python -m bench report` turns the latest ones into the tables
of `docs/performance.md`. Figures are reported, never asserted in tests.
"""
