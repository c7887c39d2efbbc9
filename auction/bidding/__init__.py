"""Bidding: who may bid (teminat, şartname, exclusions), the bid itself as one conditional write,
aliases, idempotency keys and tamper-evident receipts (A-32 … A-41)."""
