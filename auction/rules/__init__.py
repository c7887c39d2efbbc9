"""Law as data: dated rule tables (G-01) and the product's open-point policy (G-03)."""

from auction.rules.table import RuleBook, RuleError, RuleRow, Ruleset, load_rulebook, parse_duration, rulebook

__all__ = ["RuleBook", "RuleError", "RuleRow", "Ruleset", "load_rulebook", "parse_duration", "rulebook"]
