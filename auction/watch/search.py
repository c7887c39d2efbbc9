"""Lot search for bidders: the published lots (a sale past its draft) by type, place, use, price, round,
status, closing soon; sorted and paged; with each lot's first photo.

The "current round" of a sale is what the lot page shows (`auction.sales.reads.current_round`): the
open round; while a round is ahead (announced, waiting for round 2) the next scheduled one; otherwise
the last one that ran. It is computed in SQL here so that round, status, price and closing-time filters
and the sort are done by the database, never on a page of already-fetched rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlencode

from sqlalchemy import Integer, Select, and_, bindparam, case, column, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from auction.lots.models import Lot, LotFile, LotFileKind
from auction.lots.searchtext import query_words
from auction.money import MoneyError, parse_typed_money
from auction.sales.models import Round, RoundStatus, Sale, SaleStatus
from auction.users.models import Office

KINDS: Final = ("tasinmaz", "tasinir")
USES: Final = ("konut", "isyeri", "arsa", "arac", "diger")
STATUSES: Final = ("upcoming", "open", "closed")
SORTS: Final = ("relevance", "ending", "newest", "price_asc", "price_desc")
Q_MAX: Final = 100  # characters of the search text kept; the page says when it cut more
PRICE_BASES: Final = ("current", "muhammen")
PER_PAGE: Final = 12
CLOSING_SOON: Final = timedelta(hours=24)

# Sale states in which a round is still ahead of the bidder (teminat can be paid, bids will come).
UPCOMING_STATES: Final = (SaleStatus.announced.value, SaleStatus.awaiting_round2.value,
                          SaleStatus.extension_scheduled.value)


def parse_amount_input(raw: str) -> Decimal | None:
    """An amount as people type it: "1.250.000", "1.250.000,50", "1250000.50", "1 250 000 TL". None when
    it is not an amount (the form says so); never a float. The grammar is `auction.money.parse_typed_money`."""
    if not raw.strip():
        return None
    try:
        return parse_typed_money(raw)
    except MoneyError:
        return None


@dataclass(frozen=True)
class SearchParams:
    """The search form. Every field is optional; unknown or malformed values are dropped, never an error
    (a shared link with a typo still shows lots)."""

    q: str = ""
    q_cut: bool = False  # the text typed was longer than Q_MAX and was cut
    kind: str = ""
    province: str = ""
    district: str = ""
    use: str = ""
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    price_basis: str = "current"
    round: int | None = None
    status: str = ""
    closing_soon: bool = False
    sort: str = "ending"
    page: int = 1

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SearchParams:
        def text(name: str, limit: int = 64) -> str:
            value = data.get(name)
            return value.strip()[:limit] if isinstance(value, str) else ""

        def choice(name: str, options: tuple[str, ...], default: str = "") -> str:
            value = text(name)
            return value if value in options else default

        def money(name: str) -> Decimal | None:
            return parse_amount_input(text(name, 32))

        def integer(name: str) -> int | None:
            raw = text(name, 6)
            return int(raw) if raw.isascii() and raw.isdigit() else None

        rnd = integer("round")
        page = integer("page") or 1
        raw_q = data.get("q")
        q_cut = isinstance(raw_q, str) and len(raw_q.strip()) > Q_MAX
        q = text("q", Q_MAX)
        # No sort (or an unknown one): by relevance when words were typed, closing soonest otherwise;
        # relevance without words is the same as closing soonest.
        default_sort = "relevance" if query_words(q) else "ending"
        sort = choice("sort", SORTS, default_sort)
        if sort == "relevance" and default_sort == "ending":
            sort = "ending"
        return cls(
            q=q, q_cut=q_cut, kind=choice("kind", KINDS), province=text("province"), district=text("district"),
            use=choice("use", USES), price_min=money("price_min"), price_max=money("price_max"),
            price_basis=choice("price_basis", PRICE_BASES, "current"), round=rnd if rnd in (1, 2) else None,
            status=choice("status", STATUSES), closing_soon=text("closing_soon") in ("1", "on", "true"),
            sort=sort, page=max(1, min(page, 10_000)),
        )

    def query_items(self, *, page: int | None = None, include_page: bool = True) -> list[tuple[str, str]]:
        """The non-default fields as query parameters, in a stable order (shareable, comparable URLs)."""
        items: list[tuple[str, str]] = []
        for name in ("q", "kind", "province", "district", "use"):
            value = getattr(self, name)
            if value:
                items.append((name, value))
        if self.price_min is not None:
            items.append(("price_min", str(self.price_min)))
        if self.price_max is not None:
            items.append(("price_max", str(self.price_max)))
        if (self.price_min is not None or self.price_max is not None) and self.price_basis != "current":
            items.append(("price_basis", self.price_basis))
        if self.round is not None:
            items.append(("round", str(self.round)))
        if self.status:
            items.append(("status", self.status))
        if self.closing_soon:
            items.append(("closing_soon", "1"))
        if self.sort != self.default_sort:
            items.append(("sort", self.sort))
        p = self.page if page is None else page
        if include_page and p > 1:
            items.append(("page", str(p)))
        return items

    @property
    def words(self) -> list[str]:
        """The folded words of `q`, each of which must match (auction.lots.searchtext)."""
        return query_words(self.q)

    @property
    def default_sort(self) -> str:
        """Ranked by relevance when words were typed, closing soonest otherwise."""
        return "relevance" if self.words else "ending"

    def problems(self) -> list[str]:
        """Why this search would find nothing by construction (shown, and never offered for saving)."""
        found: list[str] = []
        if self.q and not self.words:
            found.append("q_no_words")
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            found.append("price_range")
        if self.closing_soon and self.status in ("upcoming", "closed"):
            found.append("closing_soon_status")
        return found

    def can_be_saved(self) -> bool:
        """A saved search alerts on new lots: an empty one would alert on every lot, an absurd one never."""
        return self.is_filtered() and not self.problems() and (not self.q or bool(self.words))

    def query_string(self, **kw: Any) -> str:
        return urlencode(self.query_items(**kw))

    def criteria(self) -> dict[str, Any]:
        """What a saved search stores: the filters and the sort, not the page."""
        return dict(self.query_items(include_page=False))

    def is_filtered(self) -> bool:
        return bool(self.criteria())

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LotCard:
    lot_id: int
    title: str
    kind: str
    use: str
    province: str | None
    district: str | None
    office_name: str
    photo_id: int | None
    sale_id: int
    sale_status: str
    group: str  # upcoming | open | closed
    appraised_value: Decimal
    opening_price: Decimal | None
    current_price: Decimal | None
    teminat_amount: Decimal
    round_number: int | None
    round_status: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    bid_count: int
    extensions: int
    sale_created_at: datetime

    @property
    def price_now(self) -> Decimal | None:
        return self.current_price if self.current_price is not None else self.opening_price

    @property
    def photo_url(self) -> str | None:
        return f"/api/v1/lots/{self.lot_id}/files/{self.photo_id}" if self.photo_id is not None else None


@dataclass(frozen=True)
class SearchPage:
    params: SearchParams
    items: list[LotCard]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE
    facets: dict[str, list[str]] = field(default_factory=dict)

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def _current_round_id() -> Any:
    r = aliased(Round)
    open_r = (select(r.id).where(r.sale_id == Sale.id, r.status == RoundStatus.open.value)
              .order_by(r.number).limit(1).correlate(Sale).scalar_subquery())
    sched_r = (select(r.id).where(r.sale_id == Sale.id, r.status == RoundStatus.scheduled.value)
               .order_by(r.number).limit(1).correlate(Sale).scalar_subquery())
    done_r = (select(r.id).where(r.sale_id == Sale.id,
                                 r.status.in_([RoundStatus.closed.value, RoundStatus.cancelled.value]))
              .order_by(r.number.desc()).limit(1).correlate(Sale).scalar_subquery())
    return case(
        (Sale.status.in_([SaleStatus.announced.value, SaleStatus.awaiting_round2.value]),
         func.coalesce(open_r, sched_r, done_r)),
        else_=func.coalesce(open_r, done_r, sched_r))


def _group() -> Any:
    return case((Sale.status == SaleStatus.round_open.value, "open"),
                (Sale.status.in_(UPCOMING_STATES), "upcoming"), else_="closed")


def _latest_sales() -> Any:
    return select(Sale.lot_id.label("lot_id"), func.max(Sale.id).label("sale_id")).group_by(Sale.lot_id).subquery()


def _word_match(dialect: str, word: str) -> Any:
    """One folded word must occur in the lot's folded text. PostgreSQL: `LIKE '%word%'`, which the
    trigram GIN index serves. SQLite: the FTS5 trigram table for words of three letters or more (a
    shorter one cannot be a trigram query, and is a plain LIKE)."""
    like = "%" + word + "%"  # folded words are [0-9a-z] only: nothing to escape
    if dialect == "sqlite" and len(word) >= 3:
        fts = (text("SELECT rowid FROM lots_fts WHERE lots_fts MATCH :m")
               .bindparams(bindparam("m", '"' + word + '"', unique=True)).columns(column("rowid", Integer)))
        return Lot.id.in_(fts)
    return Lot.search_text.like(like)


def _rank(dialect: str, words: list[str]) -> Any:
    """Smaller is better: the sum of each word's first position in the folded text. The title comes
    first in it, then the place and parcel, then the description, so a title match outranks a match in
    the description, and a word at the start of the title outranks one at its end."""
    position = func.strpos if dialect == "postgresql" else func.instr
    total: Any = literal(0)
    for word in words:
        total = total + position(Lot.search_text, word)
    return total


def _base(now: datetime, params: SearchParams, dialect: str = "sqlite") -> tuple[Select[Any], Any, Any]:
    latest = _latest_sales()
    group = _group()
    price_now = func.coalesce(Round.current_price, Round.opening_price)
    photo = (select(func.min(LotFile.id)).where(LotFile.lot_id == Lot.id, LotFile.kind == LotFileKind.photo.value,
                                                LotFile.public.is_(True))
             .correlate(Lot).scalar_subquery())
    stmt = (
        select(Lot.id, Lot.title, Lot.kind, Lot.use, Lot.province, Lot.district, Office.name, photo.label("photo_id"),
               Sale.id, Sale.status, group.label("grp"), Sale.appraised_value, Round.opening_price,
               Round.current_price, Sale.teminat_amount, Round.number, Round.status, Round.starts_at, Round.ends_at,
               Round.bid_count, Round.extensions, Sale.created_at)
        .select_from(Lot)
        .join(latest, latest.c.lot_id == Lot.id)
        .join(Sale, Sale.id == latest.c.sale_id)
        .join(Office, Office.id == Lot.office_id)
        .outerjoin(Round, Round.id == _current_round_id())
        .where(Sale.status != SaleStatus.draft.value)
    )
    for word in params.words:
        stmt = stmt.where(_word_match(dialect, word))
    if params.q and not params.words:  # only punctuation typed: nothing can match it
        stmt = stmt.where(literal(False))
    if params.kind:
        stmt = stmt.where(Lot.kind == params.kind)
    if params.province:
        stmt = stmt.where(Lot.province == params.province)
    if params.district:
        stmt = stmt.where(Lot.district == params.district)
    if params.use:
        stmt = stmt.where(Lot.use == params.use)
    price_expr = Sale.appraised_value if params.price_basis == "muhammen" else price_now
    if params.price_min is not None:
        stmt = stmt.where(price_expr >= params.price_min)
    if params.price_max is not None:
        stmt = stmt.where(price_expr <= params.price_max)
    if params.round is not None:
        stmt = stmt.where(Round.number == params.round)
    if params.status:
        stmt = stmt.where(group == params.status)
    if params.closing_soon:
        stmt = stmt.where(Sale.status == SaleStatus.round_open.value, Round.ends_at <= now + CLOSING_SOON)
    return stmt, group, price_now


def _order(stmt: Select[Any], params: SearchParams, group: Any, price_now: Any, dialect: str) -> Select[Any]:
    if params.sort == "relevance" and params.words:
        return stmt.order_by(_rank(dialect, params.words).asc(), Sale.id.desc())
    if params.sort == "newest":
        return stmt.order_by(Sale.created_at.desc(), Sale.id.desc())
    if params.sort == "price_asc":
        return stmt.order_by(price_now.asc(), Sale.id.desc())
    if params.sort == "price_desc":
        return stmt.order_by(price_now.desc(), Sale.id.desc())
    # Closing soonest: running rounds by their (possibly extended) close, then the coming ones by their
    # start, then the finished ones, newest first.
    rank = case((group == "open", 0), (group == "upcoming", 1), else_=2)
    when = case((group == "open", Round.ends_at), (group == "upcoming", Round.starts_at), else_=None)
    return stmt.order_by(rank, when.asc(), Sale.id.desc())


def _card(row: Any) -> LotCard:
    return LotCard(
        lot_id=row[0], title=row[1], kind=row[2], use=row[3], province=row[4], district=row[5], office_name=row[6],
        photo_id=row[7], sale_id=row[8], sale_status=row[9], group=row[10], appraised_value=row[11],
        opening_price=row[12], current_price=row[13], teminat_amount=row[14], round_number=row[15],
        round_status=row[16], starts_at=row[17], ends_at=row[18], bid_count=row[19] or 0, extensions=row[20] or 0,
        sale_created_at=row[21])


async def facets(session: AsyncSession) -> dict[str, list[str]]:
    """The provinces and districts that have published lots (for the select boxes)."""
    latest = _latest_sales()
    base = (select(Lot.province, Lot.district).join(latest, latest.c.lot_id == Lot.id)
            .join(Sale, Sale.id == latest.c.sale_id).where(Sale.status != SaleStatus.draft.value))
    rows = (await session.execute(base.distinct())).all()
    provinces = sorted({p for p, _ in rows if p}, key=_tr_key)
    districts = sorted({d for _, d in rows if d}, key=_tr_key)
    return {"province": provinces, "district": districts}


_TR_ORDER = "aâbcçdefgğhıiîjklmnoöprsştuüûvyz"


def _tr_key(value: str) -> list[int]:
    """Turkish alphabetical order (ç after c, ı before i …), good enough for place names."""
    lower = value.replace("I", "ı").replace("İ", "i").lower()
    return [_TR_ORDER.index(ch) if ch in _TR_ORDER else 100 + ord(ch) for ch in lower]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def search(session: AsyncSession, params: SearchParams, now: datetime, *,
                 per_page: int = PER_PAGE, with_facets: bool = True) -> SearchPage:
    dialect = _dialect(session)
    stmt, group, price_now = _base(now, params, dialect)
    total = int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(params.page, pages)
    rows = (await session.execute(_order(stmt, params, group, price_now, dialect)
                                  .limit(per_page).offset((page - 1) * per_page))).all()
    return SearchPage(params=params, items=[_card(r) for r in rows], total=total, page=page, pages=pages,
                      per_page=per_page, facets=await facets(session) if with_facets else {})


async def matching_lot_ids(session: AsyncSession, params: SearchParams, now: datetime, *,
                           sale_ids: list[int]) -> list[int]:
    """Which of these sales' lots match the saved criteria (for saved-search alerts)."""
    if not sale_ids:
        return []
    stmt, _group_expr, _price = _base(now, params, _dialect(session))
    stmt = stmt.where(Sale.id.in_(sale_ids))
    rows = (await session.execute(stmt.with_only_columns(Lot.id).distinct())).all()
    return [int(r[0]) for r in rows]


async def cards_for_lots(session: AsyncSession, lot_ids: list[int], now: datetime) -> dict[int, LotCard]:
    """The cards of these lots (watchlist), whatever their state; lots with no published sale are left out."""
    if not lot_ids:
        return {}
    stmt, _g, _p = _base(now, SearchParams(), _dialect(session))
    rows = (await session.execute(stmt.where(and_(Lot.id.in_(lot_ids))))).all()
    return {c.lot_id: c for c in (_card(r) for r in rows)}
