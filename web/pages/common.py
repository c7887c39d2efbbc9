"""Small helpers shared by the bidder pages."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from auction.errors import DomainError


def is_htmx(request: Request) -> bool:
    # A history restore wants the whole page even though htmx asks for it.
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths: an open redirect would let a phishing link borrow our domain."""
    return value if value and value.startswith("/") and not value.startswith("//") else default


# Error codes the bidder pages explain in their own words (keys `err.<code>` in web/messages/errors.toml,
# both languages); anything else shows the service's Turkish message.
EXPLAINED = frozenset({
    "bid_too_low", "round_closed", "round_not_open", "already_highest", "teminat_required", "rate_limited",
    "sartname_not_accepted", "bidder_barred", "bidder_excluded", "bid_amount_invalid", "teminat_withdrawn",
    "teminat_deadline_passed",
    "deposits_closed", "highest_bidder_cannot_withdraw", "withdraw_not_allowed", "nothing_to_withdraw",
    "idempotency_key_reused", "idempotency_key_in_use", "mektup_scan_invalid", "mektup_submission_exists",
    "mektup_amount", "teminat_exempt", "saved_search_empty", "too_many_saved_searches", "csrf_failed",
})


def error_text(t: Callable[..., str], exc: DomainError) -> str:
    """The bidder-facing sentence for a refusal: plain words, never a code."""
    if exc.code in EXPLAINED:
        return t("err." + exc.code)
    return exc.message
