"""The demo's papers: every demo lot gets photos the demo draws itself (no stock images, no personal data)
and, for the lots of the demo files, the kıymet takdir raporu the office publishes, personal data blacked
out. Uploaded through the same service staff use (`auction.lots.service.add_file`: photos re-encoded,
metadata stripped; documents checked to be PDFs), so the demo shows exactly what a real lot would."""

from __future__ import annotations

import asyncio
import io
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.bidder.papers import render
from auction.calendar import format_local
from auction.cases.models import Case
from auction.lots import service as lots
from auction.lots.models import Lot, LotFile, LotFileKind
from auction.money import fmt_tr
from auction.runtime import Runtime
from auction.sales import documents
from auction.storage import storage_for
from auction.users.models import Office
from auction.users.principal import Principal

W, H = 960, 640
_SKY = [((129, 183, 230), (214, 234, 248)), ((236, 160, 110), (250, 220, 180))]  # day, evening


def _picture(kind: str, use: str, variant: int, seed: int) -> bytes:
    """A simple drawing of the lot's kind (a building, a shop, a field, a car, machines): PNG bytes."""
    from PIL import Image, ImageDraw  # lazy: Pillow is only needed when drawing the demo pictures

    rng = random.Random(seed * 10 + variant)
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    top, bottom = _SKY[variant % 2]
    for y in range(H):
        f = y / H
        d.line([(0, y), (W, y)], fill=tuple(int(top[i] + (bottom[i] - top[i]) * f) for i in range(3)))
    ground = int(H * 0.72)
    d.rectangle([0, ground, W, H], fill=(120, 150, 95) if use == "arsa" else (150, 150, 150))
    if use == "konut":
        x0, floors = 200 + rng.randint(-120, 160), rng.randint(4, 7)
        facade = rng.choice([(225, 205, 170), (236, 236, 228), (205, 170, 150), (190, 205, 215)])
        d.rectangle([x0, ground - floors * 60, x0 + 420, ground], fill=facade, outline=(90, 80, 70), width=3)
        for fl in range(floors):
            for col in range(5):
                lit = (255, 230, 140) if variant and rng.random() < 0.4 else (120, 160, 200)
                x, y = x0 + 25 + col * 80, ground - (fl + 1) * 60 + 12
                d.rectangle([x, y, x + 50, y + 36], fill=lit, outline=(70, 70, 70))
        d.rectangle([x0 + 180, ground - 70, x0 + 240, ground], fill=(110, 70, 40))
    elif use == "isyeri":
        x0 = 180
        d.rectangle([x0, ground - 300, x0 + 600, ground], fill=(210, 210, 215), outline=(60, 60, 60), width=3)
        for i in range(12):
            d.rectangle([x0 + i * 50, ground - 300, x0 + i * 50 + 50, ground - 250],
                        fill=(200, 40, 40) if i % 2 == 0 else (245, 245, 245))
        d.rectangle([x0 + 40, ground - 220, x0 + 380, ground - 10], fill=(150, 190, 215), outline=(60, 60, 60))
        d.rectangle([x0 + 430, ground - 220, x0 + 560, ground], fill=(90, 90, 100))
    elif use == "arsa":
        for i in range(0, W, 60):
            d.line([(i, ground + 10), (i, ground - 40)], fill=(100, 70, 40), width=6)
        d.line([(0, ground - 25), (W, ground - 25)], fill=(100, 70, 40), width=3)
        for _ in range(6):
            x = rng.randint(40, W - 80)
            d.ellipse([x, ground - 160, x + 90, ground - 60], fill=(60, 120, 60))
            d.rectangle([x + 38, ground - 60, x + 52, ground], fill=(90, 60, 30))
    elif use == "arac":
        x0, y0 = 220, ground - 170
        d.rounded_rectangle([x0, y0 + 60, x0 + 520, y0 + 170], radius=30, fill=(240, 240, 240), outline=(50, 50, 50),
                            width=4)
        d.polygon([(x0 + 110, y0 + 60), (x0 + 180, y0), (x0 + 360, y0), (x0 + 430, y0 + 60)], fill=(240, 240, 240),
                  outline=(50, 50, 50))
        d.polygon([(x0 + 135, y0 + 58), (x0 + 190, y0 + 12), (x0 + 265, y0 + 12), (x0 + 265, y0 + 58)],
                  fill=(150, 190, 215))
        d.polygon([(x0 + 275, y0 + 58), (x0 + 275, y0 + 12), (x0 + 350, y0 + 12), (x0 + 405, y0 + 58)],
                  fill=(150, 190, 215))
        for cx in (x0 + 110, x0 + 410):
            d.ellipse([cx - 50, y0 + 130, cx + 50, y0 + 230], fill=(30, 30, 30))
            d.ellipse([cx - 22, y0 + 158, cx + 22, y0 + 202], fill=(170, 170, 170))
    else:
        for i in range(3 + variant):
            x = 120 + i * 190
            d.rectangle([x, ground - 110, x + 150, ground - 70], fill=(230, 230, 225), outline=(60, 60, 60), width=2)
            d.rectangle([x + 20, ground - 70, x + 130, ground], fill=(110, 110, 120))
            d.rectangle([x + 100, ground - 170, x + 125, ground - 110], fill=(60, 60, 70))
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


_CAPTIONS = {
    "konut": ("Binanın dış görünüşü", "Akşam, bina cephesi"),
    "isyeri": ("Dükkanın cadde cephesi", "Dükkan girişi"),
    "arsa": ("Taşınmazın yoldan görünüşü", "Parselin sınırı"),
    "arac": ("Aracın yandan görünüşü", "Yediemin otoparkında"),
    "diger": ("Makineler", "Makineler, yakın plan"),
}


def _report_pdf(lot: Lot, office: Office, file_no: str) -> bytes:
    html = render("kiymet_raporu.html", title="Kıymet takdir raporu", lot=lot, office=office, file_no=file_no,
                  value=fmt_tr(lot.appraised_value),
                  date=lot.appraisal_date.strftime("%d.%m.%Y") if lot.appraisal_date else "—",
                  area=documents.number_tr(lot.net_area_m2) if lot.net_area_m2 else None,
                  issued_at=format_local(lot.created_at))
    return documents.render_pdf(html)


async def load_demo_papers(session: AsyncSession, runtime: Runtime, staff: Principal, *,
                           report_files: frozenset[str] = frozenset()) -> None:
    """Photos for every lot of the staff's office that has none; the appraisal report for the lots of the
    files in `report_files` (rendering a PDF takes a moment: the demo publishes a few)."""
    storage = storage_for(runtime.settings)
    rows = (await session.execute(select(Lot).where(Lot.office_id == staff.office_id).order_by(Lot.id))).scalars()
    for lot in list(rows):
        has = await session.scalar(select(LotFile.id).where(LotFile.lot_id == lot.id).limit(1))
        if has is not None:
            continue
        for variant, caption in enumerate(_CAPTIONS.get(lot.use, _CAPTIONS["diger"])):
            data = await asyncio.to_thread(_picture, lot.kind, lot.use, variant, lot.id)
            await lots.add_file(session, storage, staff, lot.id, kind=LotFileKind.photo, title=caption, data=data,
                                content_type="image/png", public=True)
        case = await session.get(Case, lot.case_id)
        if case is not None and case.file_no in report_files:
            office = await session.get(Office, lot.office_id)
            assert office is not None
            pdf = await asyncio.to_thread(_report_pdf, lot, office, case.file_no)
            await lots.add_file(session, storage, staff, lot.id, kind=LotFileKind.kiymet_raporu,
                                title="Bilirkişi raporu (kişisel veriler karartılmıştır)", data=pdf,
                                content_type="application/pdf", public=True, redacted=True)  # drawn with ███
