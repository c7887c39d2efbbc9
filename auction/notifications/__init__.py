"""A bidder's notifications ("you were outbid", "your teminat is confirmed", …): stored per user with a
gap-free per-user `seq`, read over `GET /api/v1/notifications` and pushed live on `WS /ws/me`.

Notifications are created from the transactional outbox by the relay (`workers/outbox_relay.py` with
`auction.notifications.outbox.NotificationsConsumer`), never by hooks in the services that emit the
events; other domains may also call `service.notify` inside their own transaction.
"""
