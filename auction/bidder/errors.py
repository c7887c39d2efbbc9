"""Refusals of the bidder's read models."""

from __future__ import annotations

from auction.errors import Conflict


class StatementUnavailable(Conflict):
    code = "statement_unavailable"
    default_message = ("Ödeme hesabı henüz çıkarılamıyor: vergiler dosyadaki bilgilerle hesaplanamadı; satış bürosu "
                       "tutarı size bildirecek.")
