"""`python -m auction.distribution CASE.json`: the same as `esatis distribute CASE.json`."""

from __future__ import annotations

import sys

from auction.distribution.service import run_cli


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write('{"error": "usage", "message": "usage: python -m auction.distribution CASE.json"}\n')
        return 2
    return run_cli(argv[0], sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
