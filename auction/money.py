"""Money: `Decimal` in Python, integer kuruş in the database, strings with two decimals in JSON.

Rule G-07 (docs/law/README.md): every computed amount is rounded half up to the kuruş once, where it is
computed; a legal floor (the minimum increment, A-33) is rounded *up*; pro-rata sharing uses the largest
remainder so that shares always add up exactly to what is shared.

Nothing here touches floats: a float cannot hold 0.10 exactly and SQLite's NUMERIC goes through float,
which is why the database stores kuruş as BIGINT.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

KURUS = Decimal("0.01")
ZERO = Decimal("0.00")


# The largest amount any single input field accepts (ESATIS_MONEY_MAX, set at start-up by `configure`):
# far above any sale or claim, far below what a BIGINT of kuruş holds (9.2 × 10^16 TL), so no accepted
# input can overflow a column or a sum of a few of them.
DEFAULT_MAXIMUM = Decimal("999999999999.99")
_maximum = DEFAULT_MAXIMUM
# Longer input is refused before it is parsed (a 5,000-digit string must not cost a Decimal parse).
MAX_INPUT_LENGTH = 32
# The only form a wire amount may take: ASCII digits, an optional point and one or two decimals. No sign
# (negatives only where allowed), no exponent ("1e9"), no "_" ("1_000"), no other scripts ("١٢٣", "１２３").
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
_SHAPE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


class MoneyError(ValueError):
    """A value that is not a valid amount of money; `code` says why (a machine code for the 422)."""

    def __init__(self, message: str, code: str = "money_invalid") -> None:
        super().__init__(message)
        self.code = code


def configure(*, maximum: Decimal) -> None:
    """Set the largest accepted input amount (from ESATIS_MONEY_MAX, once at start-up)."""
    global _maximum
    _maximum = maximum


def input_maximum() -> Decimal:
    return _maximum


def parse_money(value: str | int | Decimal, *, allow_negative: bool = False,
                maximum: Decimal | None = None) -> Decimal:
    """Parse an input amount with 0–2 decimals ("1250000", "1250000.5", "1250000.50").

    Strict, because it is where money enters: a string must be ASCII digits with an optional point and at
    most two decimals (no exponent, sign, "_", spaces inside or other scripts); floats are refused (they
    are already inexact); negatives only with `allow_negative`; nothing above `maximum` (by default the
    configured ESATIS_MONEY_MAX; a `Decimal` is our own value and only checked for its form). Every
    refusal is a `MoneyError` with a code (`money_float`, `money_not_a_number`, `money_too_many_decimals`,
    `money_negative`, `money_too_large`), never a `decimal` exception.
    """
    limit = _maximum if maximum is None else maximum
    if isinstance(value, (bool, float)):
        raise MoneyError("amounts must be strings or integers, not floats", "money_float")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_INPUT_LENGTH:
            raise MoneyError(f"not an amount (longer than {MAX_INPUT_LENGTH} characters)", "money_too_large")
        if not _PLAIN.fullmatch(text):
            if _SHAPE.fullmatch(text):
                raise MoneyError(f"more than two decimals: {value!r}", "money_too_many_decimals")
            raise MoneyError(f"not an amount: {value!r}", "money_not_a_number")
        d = Decimal(text)
    elif isinstance(value, int):
        if abs(value) > 10 ** MAX_INPUT_LENGTH:
            raise MoneyError("amount too large", "money_too_large")
        d = Decimal(value)
    elif isinstance(value, Decimal):
        d = value
        if not d.is_finite():
            raise MoneyError(f"not an amount: {value!r}", "money_not_a_number")
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise MoneyError(f"more than two decimals: {value!r}", "money_too_many_decimals")
    else:
        raise MoneyError(f"not an amount: {value!r}", "money_not_a_number")
    if d < 0 and not allow_negative:
        raise MoneyError(f"negative amount: {value!r}", "money_negative")
    # A Decimal comes from our own code (a stored amount, a figure read back into an output schema), not
    # from a client: the per-field input maximum is for what arrives from outside.
    if not isinstance(value, Decimal) and abs(d) > limit:
        raise MoneyError(f"amount above the maximum {fmt(limit)}", "money_too_large")
    return d.quantize(KURUS)


_TYPED_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]{1,2})?", re.ASCII)  # 1.250.000,50
_TYPED_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}", re.ASCII)  # 1250000,50


def parse_typed_money(raw: str, *, maximum: Decimal | None = None) -> Decimal:
    """An amount as people type it in a form: Turkish grouping and decimal comma ("1.250.000",
    "1.250.000,50", "1250000,5") or the plain form ("1250000.50"), with spaces, "TL" or "₺" around it.
    ASCII digits only; anything else (an exponent, "_", other scripts, loose grouping such as "1.25.0")
    is a `MoneyError`, like every refusal of `parse_money`."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    for sign in ("TL", "₺"):
        text = text.removesuffix(sign).removeprefix(sign)
    if len(text) > MAX_INPUT_LENGTH:
        raise MoneyError(f"not an amount (longer than {MAX_INPUT_LENGTH} characters)", "money_too_large")
    if _TYPED_GROUPED.fullmatch(text) or _TYPED_COMMA.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    return parse_money(text, maximum=maximum)


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
