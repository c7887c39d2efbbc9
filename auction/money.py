"""Money: `Decimal` in Python, integer kuruş in the database, strings with two decimals in JSON.

Rule G-07 (docs/law/README.md): every computed amount is rounded half up to the kuruş once, where it is
computed; a legal floor (the minimum increment, A-33) is rounded *up*; pro-rata sharing uses the largest
remainder so that shares always add up exactly to what is shared.

Nothing here touches floats: a float cannot hold 0.10 exactly and SQLite's NUMERIC goes through float,
which is why the database stores kuruş as BIGINT.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

KURUS = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """A value that is not a valid amount of money (not a number, or finer than a kuruş)."""


def parse_money(value: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """Parse an input amount with 0–2 decimals ("1250000", "1250000.5", "1250000.50").

    Refuses floats (they are already inexact), more than two decimals and, unless allowed, negatives.
    """
    if isinstance(value, (bool, float)):
        raise MoneyError("amounts must be strings or integers, not floats")
    try:
        d = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not d.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyError(f"more than two decimals: {value!r}")
    if d < 0 and not allow_negative:
        raise MoneyError(f"negative amount: {value!r}")
    return d.quantize(KURUS)


def round_half_up(value: Decimal) -> Decimal:
    """Round to the kuruş, half up (G-07). Used once per computed amount."""
    return value.quantize(KURUS, rounding=ROUND_HALF_UP)


def round_up(value: Decimal) -> Decimal:
    """Round *up* to the kuruş: for legal minimums, so the system never accepts less than the law (A-33)."""
    return value.quantize(KURUS, rounding=ROUND_CEILING)


def round_down(value: Decimal) -> Decimal:
    return value.quantize(KURUS, rounding=ROUND_FLOOR)


def to_kurus(value: Decimal) -> int:
    """Exact conversion to integer kuruş; refuses anything finer than a kuruş."""
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{value} is not a whole number of kuruş")
    return int(scaled)


def from_kurus(kurus: int) -> Decimal:
    return (Decimal(kurus) / 100).quantize(KURUS)


def fmt(value: Decimal) -> str:
    """The JSON form: a string with exactly two decimals ("1250000.00")."""
    return str(value.quantize(KURUS))


def fmt_tr(value: Decimal, *, currency: bool = True) -> str:
    """Turkish display form: 1.250.000,50 TL."""
    q = value.quantize(KURUS)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = f"{sign}{'.'.join(groups)},{frac}"
    return f"{text} TL" if currency else text


def pro_rata(amount: Decimal, demands: Sequence[Decimal]) -> list[Decimal]:
    """Share `amount` among `demands` pro rata with the largest-remainder method.

    Each share is floor(amount × d_i / Σd) to the kuruş; the kuruş left over go one each to the largest
    fractional remainders, ties broken by input order (docs/law/distribution-contract.md, "Pro rata"). Computed in
    exact integer kuruş so the shares always add up to `amount`. A zero total demand shares nothing.
    """
    total_k = sum(to_kurus(d) for d in demands)
    amount_k = to_kurus(amount)
    if amount_k < 0 or any(d < 0 for d in demands):
        raise MoneyError("pro rata needs non-negative amounts")
    if total_k == 0:
        return [ZERO for _ in demands]
    floors: list[int] = []
    remainders: list[int] = []
    for d in demands:
        q, r = divmod(amount_k * to_kurus(d), total_k)
        floors.append(q)
        remainders.append(r)
    left = amount_k - sum(floors)
    # Largest remainder first; on equal remainders the earlier input wins (stable sort on -remainder).
    order = sorted(range(len(demands)), key=lambda i: -remainders[i])
    for i in order[:left]:
        floors[i] += 1
    return [from_kurus(k) for k in floors]


_ONES = ["", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz"]
_TENS = ["", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan"]
_SCALES = ["", "bin", "milyon", "milyar", "trilyon"]


def _three_digits_tr(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    parts = []
    if hundreds:
        parts.append("yüz" if hundreds == 1 else f"{_ONES[hundreds]} yüz")
    if tens:
        parts.append(_TENS[tens])
    if ones:
        parts.append(_ONES[ones])
    return " ".join(parts)


def integer_in_words_tr(n: int) -> str:
    if n == 0:
        return "sıfır"
    if n < 0:
        return "eksi " + integer_in_words_tr(-n)
    chunks: list[str] = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            if scale == 1 and group == 1:
                words = "bin"  # Turkish says "bin", never "bir bin"
            else:
                words = _three_digits_tr(group) + (f" {_SCALES[scale]}" if scale else "")
            chunks.insert(0, words)
        scale += 1
    return " ".join(chunks)


def amount_in_words_tr(value: Decimal) -> str:
    """"1250000.50" → "bir milyon iki yüz elli bin Türk lirası elli kuruş" (for the bid confirmation step)."""
    q = value.quantize(KURUS)
    lira = int(q)
    kurus = int((q - lira) * 100)
    text = f"{integer_in_words_tr(lira)} Türk lirası"
    if kurus:
        text += f" {integer_in_words_tr(kurus)} kuruş"
    return text


def integer_in_words_en(n: int) -> str:
    ones = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    scales = ["", "thousand", "million", "billion", "trillion"]
    if n == 0:
        return "zero"

    def three(k: int) -> str:
        h, r = divmod(k, 100)
        out = []
        if h:
            out.append(f"{ones[h]} hundred")
        if r >= 20:
            out.append(tens[r // 10] + (f"-{ones[r % 10]}" if r % 10 else ""))
        elif r:
            out.append(ones[r])
        return " ".join(out)

    chunks: list[str] = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            chunks.insert(0, three(group) + (f" {scales[scale]}" if scale else ""))
        scale += 1
    return " ".join(chunks)


def amount_in_words_en(value: Decimal) -> str:
    q = value.quantize(KURUS)
    lira = int(q)
    kurus = int((q - lira) * 100)
    text = f"{integer_in_words_en(lira)} Turkish lira"
    if kurus:
        text += f" and {integer_in_words_en(kurus)} kuruş"
    return text
