"""Every text the bidder pages print exists in Turkish and in English."""

import re
from pathlib import Path

import web.pages  # noqa: F401 - registers every page's texts
from web.i18n import MESSAGES
from web.pages import aftersale_texts

ROOT = Path(__file__).resolve().parents[2] / "web"
PAGES = ["home.html", "_search_form.html", "_search_results.html", "_lot_card.html", "_watch_button.html",
         "staff/mektup.html", "lot", "account", "aftersale"]
# Keys built at run time from a fixed set of values.
DYNAMIC = {
    "account.tab.": ("overview", "bids", "deposits", "won", "watch", "notifications", "documents"),
    "lot.kind.": ("tasinmaz", "tasinir"), "lot.use.": ("konut", "isyeri", "arsa", "arac", "diger"),
    "search.sort.": ("ending", "newest", "price_asc", "price_desc"), "search.status.": ("upcoming", "open", "closed"),
    "phase.": ("none", "upcoming", "open", "closed"), "rstatus.": ("scheduled", "open", "closed", "cancelled"),
    "rresult.": ("above_threshold", "below_threshold", "no_bids"),
    "dstatus.": ("pending", "confirmed", "refunding", "refunded", "rejected", "forfeited", "applied"),
    "rfstatus.": ("held", "due", "done", "failed"), "mstatus.": ("submitted", "recorded", "rejected"),
    "dkind.": ("cash", "mektup"), "bidstate.": ("leading", "outbid", "ended"),
    "doc.kind.": ("kiymet_raporu", "sartname", "other"), "settle.kdv_source.": ("sartname", "derived"),
    "notif.pref.": ("round_opened", "closing_soon", "extended", "closed", "saved_search", "email_opt_in"),
    # After the award (web/pages/aftersale_texts.py).
    "after.status.": aftersale_texts.STATUSES, "after.step.": aftersale_texts.STEPS,
    "after.state.": aftersale_texts.STEP_STATES, "after.pay.err.": aftersale_texts.PAY_ERRORS,
    "after.pay.": ("due", "paid", "defaulted"), "after.fesih.": ("window", "none", "pending", "rejected"),
    "after.pay.phase.": ("price", "taxes"), "after.purpose.": ("price", "taxes"),
    "after.pstatus.": ("awaiting_code", "pending", "received", "cancelled", "refunding", "refunded"),
    "after.doc.": ("payment_receipt", "iptal_tutanagi", "kesinlesme_serhi", "tapu_yazisi", "teslim_tutanagi",
                   "tahliye_emri"),
    "staff.sale.mode.": ("tapu_letter_sent", "delivered", "ready"),
}


def _templates() -> list[Path]:
    out: list[Path] = []
    for name in PAGES:
        p = ROOT / "templates" / name
        out.extend(sorted(p.rglob("*.html")) if p.is_dir() else [p])
    return out


def test_every_key_exists_in_both_languages():
    missing = []
    for path in [*_templates(), *sorted((ROOT / "pages").glob("*.py"))]:
        for key in re.findall(r"""\bt\(["']([a-z_]+\.[a-z_.0-9]*)["']""", path.read_text()):
            if key == "err.":
                continue  # checked below against EXPLAINED
            keys = [key + v for v in DYNAMIC[key]] if key.endswith(".") else [key]
            for k in keys:
                entry = MESSAGES.get(k)
                if entry is None or not entry.get("tr") or not entry.get("en"):
                    missing.append(f"{path.name}: {k}")
    assert missing == []


def test_error_codes_explained_in_plain_words():
    from web.pages.common import EXPLAINED

    assert [c for c in EXPLAINED if "err." + c not in MESSAGES] == []


def test_no_inline_scripts_or_styles_in_the_templates():
    # CSP is default-src 'self': no inline script (JSON data blocks are not scripts), no style attribute.
    for path in [*_templates(), ROOT / "templates" / "base.html"]:
        html = path.read_text()
        assert " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html), path
        assert not re.search(r"\son[a-z]+=", html), path
