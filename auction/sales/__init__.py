"""Sales: the satış kararı, şartname and schedule (A-20, A-21), the rule snapshot (G-08), the rounds and
their state machine (docs/law/auction-rules.md §12), the per-lot event log, and the artırma sonuç tutanağı (A-60)."""
