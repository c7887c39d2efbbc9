"""One error model for the whole platform.

A domain error carries a machine-readable `code`, an HTTP-like `status`, a human `message` (Turkish
first: it is shown to users) and `details`. The web layer turns every `DomainError` into
`{"error": {"code", "message", "details"}}` with that status; services never know about HTTP.
Each domain package subclasses these in its own `errors.py` (e.g. `bidding.errors.BidTooLow`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "İstek işlenemedi."

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None,
                 code: str | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        if code is not None:
            # A per-instance code, for errors that share a class but not a code.
            self.code = code  # type: ignore[misc]
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
    default_message = "Oturum açmanız gerekiyor."


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "Bu işlem için yetkiniz yok."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "Kayıt bulunamadı."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "İşlem mevcut durumla çelişiyor."


class Unprocessable(DomainError):
    code = "validation_error"
    status = 422
    default_message = "Girilen bilgiler geçersiz."


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "Çok fazla istek gönderdiniz; lütfen biraz bekleyin."


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = "Güvenlik doğrulaması başarısız (CSRF). Sayfayı yenileyip tekrar deneyin."


def explain(code: str, *prefer: str) -> str | None:
    """The standing sentence of an error `code`: the default message of the error class that declares it,
    or None. Staff pages carry only the code across a post-redirect-get (a query string is no place for a
    sentence), and show this so that a refusal reads as words, not as a code. Two packages may use one code
    for their own refusal (`objection_window_open`: the appraisal's window in `lots`, the cetvel's in
    `disbursement`): `prefer` names the packages whose sentence the page means, in order; else the first found."""
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop(0)
        if cls.__dict__.get("code") == code:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    if not found:
        return None
    for package in prefer:
        for cls in found:
            if cls.__module__.startswith(f"auction.{package}."):
                return cls.default_message
    return found[0].default_message
