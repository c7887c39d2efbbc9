"""Lots for the engine: the appraisal and its şikayet window (A-04, TM-01), photos and documents through
Storage."""

import io

from PIL import Image

from auction.lots.models import Lot
from tests.engine import local, z


async def test_appraisal_window_challenge_and_finality(env, manual_clock, runtime):
    manual_clock.set(local(2026, 1, 5, 10))
    lot = await env.lot(final=False)
    assert lot["status"] == "seized"
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/appraisal/service", headers=env.staff.headers,
                              json={"served_on": "2026-01-05"})
    assert r.status_code == 200, r.text
    # 7 days from service, G-05: ends Mon 12.01.2026 at 17:00.
    assert r.json()["appraisal_objection_until"] == z(local(2026, 1, 12, 17))
    assert r.json()["status"] == "appraisal_served"
    early = await env.client.post(f"/api/v1/lots/{lot['id']}/appraisal/final", headers=env.staff.headers,
                                  json={"basis": "window_expired"})
    assert (early.status_code, early.json()["error"]["code"]) == (409, "objection_window_open")
    ch = await env.client.post(f"/api/v1/lots/{lot['id']}/appraisal/challenge", headers=env.staff.headers,
                               json={"note": "Borçlu şikayet etti"})
    assert ch.json()["status"] == "appraisal_challenged"
    fin = await env.client.post(f"/api/v1/lots/{lot['id']}/appraisal/final", headers=env.staff.headers,
                                json={"basis": "court_decision", "appraised_value": "2500000.00"})
    assert fin.status_code == 200
    assert (fin.json()["status"], fin.json()["appraised_value"]) == ("appraised", "2500000.00")
    # TM-01 by the worker: a second lot whose window runs out with no complaint.
    other = await env.lot(final=False)
    await env.client.post(f"/api/v1/lots/{other['id']}/appraisal/service", headers=env.staff.headers,
                          json={"served_on": "2026-01-05"})
    manual_clock.set(local(2026, 1, 12, 17, 0, 1))
    await env.documents()
    async with runtime.db.session() as s:
        lot2 = await s.get(Lot, other["id"])
    assert lot2.status == "appraised"
    assert lot2.appraisal_final_basis == "window_expired"
    # The sale decision refuses an appraisal that is not final; staff may confirm it from the file.
    third = await env.lot(final=False)
    r = await env.client.post(f"/api/v1/lots/{third['id']}/sale", headers=env.staff.headers,
                              json={"first_round_start": z(local(2026, 2, 2, 14))})
    assert [p["code"] for p in r.json()["error"]["details"]["problems"]] == ["appraisal_not_final"]
    r = await env.client.post(f"/api/v1/lots/{third['id']}/appraisal/final", headers=env.staff.headers,
                              json={"basis": "staff_confirmed"})
    assert r.json()["appraisal_final_basis"] == "staff_confirmed"
    r = await env.client.post(f"/api/v1/lots/{third['id']}/sale", headers=env.staff.headers,
                              json={"first_round_start": z(local(2026, 2, 2, 14))})
    assert r.status_code == 201


def _jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x013B] = "Sahibi: Mert Yılmaz"  # Artist
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def test_photos_and_documents(env, manual_clock, make_actor):
    lot = await env.lot()
    raw = _jpeg_with_exif()
    assert b"Mert" in raw
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                              data={"kind": "photo", "title": "Salon"},
                              files={"file": ("salon.jpg", raw, "image/jpeg")})
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["public"] is True
    got = await env.client.get(f"/api/v1/lots/{lot['id']}/files/{photo['id']}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/jpeg"
    assert b"Mert" not in got.content  # metadata stripped: no personal data on a public photo
    assert Image.open(io.BytesIO(got.content)).size == (40, 30)
    pdf = b"%PDF-1.4\n%fake but starts right\n"
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                              data={"kind": "kiymet_raporu"}, files={"file": ("rapor.pdf", pdf, "application/pdf")})
    assert r.status_code == 201
    report = r.json()
    assert report["public"] is False
    assert (await env.client.get(f"/api/v1/lots/{lot['id']}/files/{report['id']}")).status_code == 404
    staff_get = await env.client.get(f"/api/v1/lots/{lot['id']}/files/{report['id']}", headers=env.staff.headers)
    assert staff_get.content == pdf
    public_list = (await env.client.get(f"/api/v1/lots/{lot['id']}/files")).json()
    assert [f["kind"] for f in public_list] == ["photo"]
    view = await env.get_lot(lot["id"])
    assert view["photos"] == [f"/api/v1/lots/{lot['id']}/files/{photo['id']}"]
    for kind, name, content, ctype, code in (
        ("photo", "x.gif", b"GIF89a....", "image/gif", "unsupported_media_type"),
        ("photo", "x.jpg", b"not an image", "image/jpeg", "image_unreadable"),
        ("photo", "x.png", raw, "image/png", "file_type_mismatch"),
        ("sartname", "x.pdf", b"<html>", "application/pdf", "file_type_mismatch"),
        ("sartname", "x.exe", b"MZ", "application/octet-stream", "unsupported_media_type"),
    ):
        r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                                  data={"kind": kind}, files={"file": (name, content, ctype)})
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), name
    bidder = await make_actor("bidder")
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=bidder.headers,
                              data={"kind": "photo"}, files={"file": ("a.jpg", raw, "image/jpeg")})
    assert r.status_code == 403


async def test_photo_size_limit(env, monkeypatch):
    from auction.rules.table import RuleRow, rulebook

    lot = await env.lot()
    original = rulebook().row

    def small(key, on, ruleset=None):
        row = original(key, on, ruleset)
        if key == "storage.photo.max_bytes":
            return RuleRow(key, 100, None, None, "", "", "PRODUCT", "A-23")
        return row

    monkeypatch.setattr(rulebook(), "row", small)
    r = await env.client.post(f"/api/v1/lots/{lot['id']}/files", headers=env.staff.headers,
                              data={"kind": "photo"}, files={"file": ("a.jpg", _jpeg_with_exif(), "image/jpeg")})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "file_too_large")
