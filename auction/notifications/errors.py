from __future__ import annotations

from auction.errors import NotFound


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    default_message = "Bildirim bulunamadı."
