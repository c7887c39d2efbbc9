"""The audit log: one append-only row for every state change, in the same transaction as the change."""
