"""Teminat: deposits through a payment provider, teminat mektupları, exemptions (A-50 … A-57) and the
refund jobs that release them (A-55, OP-17)."""
