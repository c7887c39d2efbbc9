"""The folded search text of a lot: what people type, matched by Turkish rules.

People type `kadikoy` for Kadıköy, `ISTANBUL` for İstanbul, `sisli` for Şişli. Both the stored text and
the query go through the same `fold`: Turkish case rules first (I → ı, İ → i: Python's `lower()` alone
turns İ into "i̇" and I into "i"), then every Turkish letter to its plain Latin one (ı → i, ş → s, ğ → g,
ç → c, ö → o, ü → u, â/î/û → a/i/u), any other accent dropped, everything that is not a letter or a
digit a single space. Folding ı and i together is on purpose: people who type without Turkish letters
cannot tell them apart.

`lot_search_text` is kept on the lot row (`lots.search_text`) by a mapper hook (`auction.lots.models`),
so every insert and every ORM update of a lot refreshes it in the same flush; the indexes behind it (a
trigram GIN index on PostgreSQL, an FTS5 table kept by triggers on SQLite) follow the column. The title
comes first, so a word's position in the text ranks title matches before description matches
(`auction.watch.search`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from auction.lots.models import Lot

_TURKISH: Final = str.maketrans({"ı": "i", "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u",
                                 "â": "a", "î": "i", "û": "u"})
_NOT_WORD: Final = re.compile(r"[^0-9a-z]+")

# At most this many words of a query are used (each must match); more is not a search people make.
MAX_WORDS: Final = 8


def fold(text: str | None) -> str:
    """Lower case by Turkish rules, Turkish letters to Latin, accents and punctuation gone, one space."""
    if not text:
        return ""
    lowered = text.replace("İ", "i").replace("I", "ı").lower().translate(_TURKISH)
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()


def query_words(q: str) -> list[str]:
    """The distinct folded words of a query, in order, at most `MAX_WORDS`."""
    words: list[str] = []
    for word in fold(q).split():
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def lot_search_text(lot: Lot) -> str:
    """Title first, then the place, the parcel and the plate, then the description."""
    parts = [lot.title, lot.district, lot.province, lot.address, lot.location,
             f"ada {lot.ada}" if lot.ada else None, f"parsel {lot.parsel}" if lot.parsel else None,
             f"{lot.ada}/{lot.parsel}" if lot.ada and lot.parsel else None,
             lot.plate, (lot.plate or "").replace(" ", "") or None, lot.category, lot.description]
    return " ".join(f for f in (fold(p) for p in parts) if f)
