"""The satış bürosu's desk: what needs a decision in the office today (`queue`), from small registered
sources, one per kind of work."""
