"""The watchlist's and saved searches' refusals."""

from __future__ import annotations

from auction.errors import Conflict, NotFound

# Limits the messages quote (the service enforces them).
MAX_SAVED_SEARCHES = 20
MAX_WATCHED = 500


class SavedSearchNotFound(NotFound):
    code = "saved_search_not_found"
    default_message = "Kayıtlı arama bulunamadı."


class TooManySavedSearches(Conflict):
    code = "too_many_saved_searches"
    default_message = f"En fazla {MAX_SAVED_SEARCHES} arama kaydedebilirsiniz; önce birini silin."


class TooManyWatched(Conflict):
    code = "too_many_watched"
    default_message = f"En fazla {MAX_WATCHED} malı izleyebilirsiniz."


class EmptySearch(Conflict):
    code = "saved_search_empty"
    default_message = "Kaydetmek için önce en az bir arama ölçütü seçin."


class AbsurdSearch(Conflict):
    code = "saved_search_absurd"
    default_message = "Bu arama hiçbir malı bulamaz (ör. en düşük fiyat en yüksekten büyük); kaydedilmedi."
