"""Errors of the webhook endpoints' admin API (machine-readable codes, Turkish messages), and the one the
delivery side keeps to itself (`SecretUnreadable`)."""

from auction.errors import Conflict, NotFound, Unprocessable


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    default_message = "Webhook uç noktası bulunamadı."


class WebhookUrlInvalid(Unprocessable):
    code = "webhook_url_invalid"
    default_message = ("Webhook adresi geçersiz: http:// veya https:// ile başlayan, bir sunucu adı içeren bir adres "
                       "girin.")


class WebhookUrlRefused(Unprocessable):
    code = "webhook_url_refused"
    default_message = ("Bu adrese webhook gönderilemez: iç ağ, yerel (loopback), bağlantı-yerel, çok-noktaya yayın, "
                       "ayrılmış veya bulut üst-veri adreslerine istek yapılmaz.")


class WebhookUrlUnresolvable(Unprocessable):
    code = "webhook_url_unresolvable"
    default_message = "Webhook adresindeki sunucu adı çözümlenemedi (DNS)."


class WebhookEventsInvalid(Unprocessable):
    code = "webhook_events_invalid"
    default_message = "Olay türleri geçersiz: en az bir tane seçin; yalnızca tanımlı olay türleri kullanılabilir."


class EndpointDisabled(Conflict):
    code = "webhook_endpoint_disabled"
    default_message = "Uç nokta devre dışı; önce etkinleştirin."


class EventNotFound(NotFound):
    code = "webhook_event_not_found"
    default_message = "Bu olay bulunamadı ya da bu uç noktanın abone olduğu bir olay değil."


class SecretUnreadable(RuntimeError):
    """A stored secret does not decrypt with the current ESATIS_SECRET_KEY (never shown to a client: the
    endpoint waits for a rotation, auction/webhooks/dispatch.py)."""
