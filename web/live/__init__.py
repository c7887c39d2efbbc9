"""Live updates over WebSocket (docs/live.md): `WS /ws/lots/{lot_id}` and `WS /ws/me`.

One `LiveHub` per process holds ONE broker subscription per channel with watchers (`Feed`), puts the
channel's events in `seq` order without gaps (reading back from the database whatever the broker lost),
encodes each event once and hands the frame to every watching connection's bounded send queue.
"""

from web.live.hub import LiveHub

__all__ = ["LiveHub"]
