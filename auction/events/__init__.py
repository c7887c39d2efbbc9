"""The transactional outbox: every event is written in the same transaction as the change it reports
and delivered (webhooks, notifications, live fan-out) only after commit, by a dispatcher."""
