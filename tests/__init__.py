"""The test suite, laid out like the code: tests/<package>/test_*.py (sales, bidding, deposits, lots, cases,
users, broker, calendar, distribution, rules, sms, audit, workers, web …); guard-rail tests of the whole
code base (authorization, architecture, migrations) at the top.

A package itself, so that its modules are `tests.<package>.…` and never stand in for `auction` or `web`
on the import path. `tests/engine.py` holds the auction engine's fixtures (a ManualClock, lots, sales,
bidders); each engine test package's conftest.py takes them from there.
"""
