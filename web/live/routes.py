"""The WebSocket endpoints (docs/api-contract.md, "Live updates"; docs/live.md)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from web.deps import MaybeWsUser
from web.live.hub import Close, LiveHub, close_socket
from web.params import ID_MAX, Id

router = APIRouter()


def _hub(websocket: WebSocket) -> LiveHub:
    hub: LiveHub = websocket.app.state.live
    return hub


def _after_seq(websocket: WebSocket) -> tuple[bool, int | None]:
    raw = websocket.query_params.get("after_seq")
    if raw is None or raw == "":
        return True, None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) > ID_MAX:
        return False, None
    return True, int(raw)


@router.websocket("/ws/lots/{lot_id}")
async def lot_socket(websocket: WebSocket, lot_id: Id, viewer: MaybeWsUser) -> None:
    """Anyone may watch a lot. `{"type": "snapshot", "seq", "lot", "server_time"}`, then every event with
    `seq > after_seq` from the database, then live events, each once, in `seq` order, without gaps."""
    ok, after_seq = _after_seq(websocket)
    if not ok:
        await websocket.accept()
        await close_socket(websocket, Close.BAD_REQUEST, "bad_after_seq")
        return
    hub = _hub(websocket)
    await hub.serve(websocket, hub.lots, lot_id, viewer, after_seq)


@router.websocket("/ws/me")
async def my_socket(websocket: WebSocket, viewer: MaybeWsUser) -> None:
    """The signed-in user's notifications ("you were outbid", "your teminat is confirmed", …):
    `{"type": "snapshot", "seq", "unread", "server_time"}`, then every notification with
    `seq > after_seq`, then live ones. Session cookie (same-origin pages) or `Authorization: Bearer`."""
    ok, after_seq = _after_seq(websocket)
    refused = getattr(websocket.state, "auth_refused", None)
    if not ok or viewer is None:
        await websocket.accept()
        if not ok:
            await close_socket(websocket, Close.BAD_REQUEST, "bad_after_seq")
        elif refused == "origin_not_allowed":
            await close_socket(websocket, Close.FORBIDDEN_ORIGIN, "origin_not_allowed")
        else:
            await close_socket(websocket, Close.UNAUTHORIZED, refused or "unauthorized")
        return
    hub = _hub(websocket)
    await hub.serve(websocket, hub.users, viewer.user_id, viewer, after_seq)
