"""Errors of the notifications: the list, channel preferences and unsubscribe links (machine-readable
codes, Turkish messages)."""

from __future__ import annotations

from auction.errors import NotFound, Unprocessable


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    default_message = "Bildirim bulunamadı."


class PreferenceInvalid(Unprocessable):
    code = "notification_preference_invalid"
    default_message = "Bildirim tercihi geçersiz."


class PersonNotFound(NotFound):
    code = "user_not_found"
    default_message = "Kullanıcı bulunamadı."


class UnsubscribeTokenInvalid(Unprocessable):
    code = "unsubscribe_token_invalid"
    default_message = "Abonelikten çıkma bağlantısı geçersiz ya da bozuk."
