"""Demo data for `esatis serve --demo`: one office, its staff, müdür, an admin, two bidders, two parties
(of the forklift's file, linked by auction/cases/demo.py), and a few files with lots. Idempotent: loading
twice changes nothing. Other domains add their demo content (sales, rounds, deposits) through
`DEMO_EXTENSIONS`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auction.aftersale.demo import load_demo_aftersale
from auction.bidder.demo import load_demo_papers
from auction.cases.demo import load_demo_parties
from auction.cases.schemas import CaseCreate
from auction.cases.service import create_case
from auction.lots.schemas import LotCreate
from auction.lots.service import create_lot
from auction.runtime import Runtime
from auction.sales.demo import load_demo_sales
from auction.users import service as users
from auction.users.models import Office, Role, User
from auction.users.principal import Principal

DEMO_OFFICE = "IST-12"
DEMO_PASSWORD = "esatis-demo-2026"  # noqa: S105 - printed on purpose; demo only


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    note: str


DEMO_LOGINS = [
    DemoLogin("staff", "personel@esatis.test", DEMO_PASSWORD, "Satış bürosu personeli (İstanbul 12. İcra)"),
    DemoLogin("manager", "mudur@esatis.test", DEMO_PASSWORD, "İcra müdürü (İstanbul 12. İcra)"),
    DemoLogin("admin", "admin@esatis.test", DEMO_PASSWORD, "Sistem yöneticisi"),
    DemoLogin("bidder", "alici1@esatis.test", DEMO_PASSWORD, "Alıcı 1"),
    DemoLogin("bidder", "alici2@esatis.test", DEMO_PASSWORD, "Alıcı 2"),
    DemoLogin("party", "vekil@esatis.test", DEMO_PASSWORD, "Alacaklı vekili (Anadolu Yedek Parça A.Ş., forklift)"),
    DemoLogin("party", "borclu@esatis.test", DEMO_PASSWORD, "Borçlu (Kaan Aydın, forklift)"),
]

_NAMES = {
    "personel@esatis.test": "Ayşe Demir",
    "mudur@esatis.test": "Hakan Öztürk",
    "admin@esatis.test": "Sistem Yöneticisi",
    "alici1@esatis.test": "Elif Kaya",
    "alici2@esatis.test": "Murat Şahin",
    "vekil@esatis.test": "Av. Zeynep Çelik",
    "borclu@esatis.test": "Kaan Aydın",
}

_CASES: list[tuple[CaseCreate, list[LotCreate]]] = [
    (
        CaseCreate(file_no="2026/1184 Esas", debtor="Mert Yılmaz", takip_type="haciz"),
        [
            LotCreate(kind="tasinmaz", use="konut", title="Kadıköy Fikirtepe'de 3+1 daire (95 m² net)",
                      description="Fikirtepe Mahallesi'nde, 2019 yapı ruhsatlı binanın 4. katında, 3+1, "
                                  "95 m² net kullanım alanlı mesken. Doğalgaz kombili, asansörlü. İçinde "
                                  "borçlu oturmaktadır.",
                      appraised_value=Decimal("2350000.00"), appraisal_date=date(2026, 9, 14),
                      province="İstanbul", district="Kadıköy", address="Fikirtepe Mah. Dumlupınar Sok. No: 12 D: 8",
                      ada="1234", parsel="56", net_area_m2=Decimal("95"), imar="Konut alanı",
                      permit_date=date(2019, 5, 10),
                      viewing_info="Cumartesi günleri 10:00–12:00 arasında, satış bürosundan randevu alarak "
                                   "(0216 555 12 12); borçlu içeride oturduğu için randevusuz gezme yapılmaz."),
            LotCreate(kind="tasinir", use="arac", title="2018 model Fiat Egea 1.4 Fire Easy (benzinli, manuel)",
                      description="142.000 km'de, beyaz renkli, sağ arka çamurlukta boya ve hafif göçük var. "
                                  "Yediemin otoparkında muhafaza altında.",
                      appraised_value=Decimal("640000.00"), appraisal_date=date(2026, 9, 20),
                      province="İstanbul", district="Ümraniye", category="Otomobil", plate="34 ABC 123",
                      location="Ümraniye Yediemin Otoparkı",
                      viewing_info="Hafta içi her gün 09:00–16:00 arasında Ümraniye Yediemin Otoparkı'nda; "
                                   "kimlik ibrazıyla, randevu gerekmez."),
        ],
    ),
    (
        CaseCreate(file_no="2026/2210 Esas", debtor="Deniz Tekstil Ltd. Şti.", takip_type="rehin"),
        [
            LotCreate(kind="tasinmaz", use="isyeri", title="Merter'de cadde üzeri dükkan (120 m²)",
                      description="Merter Tekstil Merkezi'nde, zemin kat ve asma katlı, 120 m² dükkan. "
                                  "Kiracılıdır; kira sözleşmesi dosyadadır.",
                      appraised_value=Decimal("6800000.00"), appraisal_date=date(2026, 8, 30),
                      province="İstanbul", district="Güngören", address="Merter Mah. Keresteciler Sitesi 4. Sok.",
                      ada="455", parsel="12", net_area_m2=Decimal("120"), imar="Ticaret alanı",
                      viewing_info="Salı ve perşembe 14:00–16:00; kiracının işyeri olduğundan satış bürosu "
                                   "görevlisiyle birlikte."),
            LotCreate(kind="tasinir", use="diger", title="Endüstriyel dikiş makineleri (12 adet)",
                      description="Juki marka, 2020–2022 arası üretim, çalışır durumda 12 adet düz dikiş makinesi.",
                      appraised_value=Decimal("360000.00"), appraisal_date=date(2026, 9, 2),
                      province="İstanbul", district="Güngören", category="Makine ve teçhizat",
                      location="Borçlunun işyeri (yediemin: şirket müdürü)"),
        ],
    ),
    (
        CaseCreate(file_no="2025/8841 Esas", debtor="Selin Arslan", takip_type="haciz"),
        [
            LotCreate(kind="tasinmaz", use="arsa", title="Çatalca'da tarla vasıflı taşınmaz (4.850 m²)",
                      description="Yazlık köyünde, yola cepheli, imar planı dışında tarla. Hisse değil, tamamı.",
                      appraised_value=Decimal("1900000.00"), appraisal_date=date(2026, 7, 22),
                      province="İstanbul", district="Çatalca", ada="112", parsel="7",
                      net_area_m2=Decimal("4850"), imar="İmar planı dışında (tarla)"),
        ],
    ),
]


@dataclass
class DemoResult:
    created: bool
    logins: list[DemoLogin] = field(default_factory=lambda: list(DEMO_LOGINS))


DemoExtension = Callable[[AsyncSession, Runtime, Principal], Awaitable[None]]
# What the domains add to the demo, in order: the auction engine puts four of the lots above on sale; after
# the award, a lot in each state from payment to distribution (auction/aftersale/demo.py); the parties
# of the forklift's file with their payout IBANs, so its cetvel can be paid out (auction/cases/demo.py).
# Last, the lots' papers: drawn photos for every lot, the appraisal report for the lots of the files above.
DEMO_EXTENSIONS: list[DemoExtension] = [
    load_demo_sales, load_demo_aftersale, load_demo_parties,
    partial(load_demo_papers, report_files=frozenset(c.file_no for c, _ in _CASES)),
]


async def load_demo(runtime: Runtime) -> DemoResult:
    async with runtime.db.session() as session:
        exists = await session.scalar(select(Office.id).where(Office.code == DEMO_OFFICE))
        if exists is not None:
            return DemoResult(created=False)
        await users.create_office(session, code=DEMO_OFFICE, name="İstanbul 12. İcra Dairesi", city="İstanbul",
                                  district="Kartal", sales_bureau_name="İstanbul Anadolu Satış İşlemleri Bürosu",
                                  iban="TR330006100519786457841326")
        for login in DEMO_LOGINS:
            role = Role(login.role)
            await users.create_user(session, email=login.email, password=login.password,
                                    full_name=_NAMES[login.email], role=role,
                                    office_code=DEMO_OFFICE if role in (Role.staff, Role.manager) else None,
                                    identity_verified=True)
        staff_user = await session.scalar(select(User).where(User.email == "personel@esatis.test"))
        assert staff_user is not None
        staff = users.principal_for(staff_user, via="cli")
        for case_data, lots in _CASES:
            case = await create_case(session, staff, case_data)
            for lot_data in lots:
                await create_lot(session, staff, case.id, lot_data)
        for extension in DEMO_EXTENSIONS:
            await extension(session, runtime, staff)
    return DemoResult(created=True)
