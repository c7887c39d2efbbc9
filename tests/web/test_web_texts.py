"""Every text the pages print exists in Turkish and in English: every key a template, the web code or the
page scripts use is in the catalogue (`web/messages/*.toml`), with both languages."""

import re
from pathlib import Path

import pytest

from auction.desk.queue import KINDS as DESK_KINDS
from web.i18n import LANGS, MESSAGES, load_messages
from web.pages.aftersale import PAY_ERRORS
from web.pages.desk_files import DONE as FILE_DONE
from web.pages.desk_records import FIELDS as RECORD_FIELDS
from web.pages.desk_records import PROBLEMS as RECORD_PROBLEMS
from web.pages.desk_sale import DECISIONS, DONE

ROOT = Path(__file__).resolve().parents[2] / "web"
# Keys built at run time from a fixed set of values.
DYNAMIC = {
    "account.tab.": ("overview", "bids", "deposits", "won", "watch", "notifications", "documents", "profile"),
    "lot.kind.": ("tasinmaz", "tasinir"), "lot.use.": ("konut", "isyeri", "arsa", "arac", "diger"),
    "search.sort.": ("ending", "newest", "price_asc", "price_desc"), "search.status.": ("upcoming", "open", "closed"),
    "phase.": ("none", "upcoming", "open", "closed"), "rstatus.": ("scheduled", "open", "closed", "cancelled"),
    "rresult.": ("above_threshold", "below_threshold", "no_bids"),
    "dstatus.": ("pending", "confirmed", "refunding", "refunded", "rejected", "forfeited", "applied"),
    "rfstatus.": ("held", "due", "done", "failed"), "mstatus.": ("submitted", "recorded", "rejected"),
    "dkind.": ("cash", "mektup"), "bidstate.": ("leading", "outbid", "ended"),
    "doc.kind.": ("kiymet_raporu", "sartname", "other"), "settle.kdv_source.": ("sartname", "derived"),
    "notif.pref.": ("round_opened", "closing_soon", "extended", "closed", "saved_search", "email_opt_in"),
    "chan.lang.": ("tr", "en"), "unsub.channel.": ("email", "sms"), "wh.status.": ("active", "disabled"),
    "wh.reason.": ("manual", "gone"), "wh.circuit.": ("closed", "open", "half_open"),
    "wh.dstatus.": ("pending", "sending", "succeeded", "failed"),
    "wh.event.": ("sale.scheduled", "round.opened", "round.extended", "round.closed", "sale.won", "sale.failed",
                  "deposit.confirmed", "deposit.refunded", "payment.due", "payment.received", "payment.defaulted",
                  "sale.finalised", "distribution.ready", "payout.sent"),
    "wh.outcome.": ("success", "http_error", "gone", "redirect", "timeout", "connection_error", "refused",
                    "unresolvable", "invalid_url"),
    # After the award (web/messages/aftersale.toml).
    "after.status.": ("awarded", "awaiting_finality_check", "final", "handover", "distributing", "closed", "failed",
                      "cancelled", "annulled", "awaiting_round2", "announced", "round_open", "round_closed",
                      "extension_scheduled"),
    "after.step.": ("award", "payment", "fesih", "finality", "taxes", "handover", "distribution", "end"),
    "after.state.": ("done", "current", "waiting", "failed", "skipped"), "after.pay.err.": PAY_ERRORS,
    "after.pay.": ("due", "paid", "defaulted"), "after.fesih.": ("window", "none", "pending", "rejected"),
    "after.pay.phase.": ("price", "taxes"), "after.purpose.": ("price", "taxes"),
    "after.pstatus.": ("awaiting_code", "pending", "received", "cancelled", "refunding", "refunded"),
    "after.doc.": ("payment_receipt", "iptal_tutanagi", "kesinlesme_serhi", "tapu_yazisi", "teslim_tutanagi",
                   "tahliye_emri", "durdurma_tutanagi"),
    "staff.sale.mode.": ("tapu_letter_sent", "delivered", "ready"),
    "after.default.refund_state.": ("due", "done", "failed"),  # PaymentRefund.status
    # auction.settlement.statement.Line.text
    "after.line.": ("price", "teminat_credit", "paid", "price_due", "damga", "tax_paid", "taxes_due", "taxes_later",
                    "tapu", "defaulted"),
    # The cetvel of a sale (web/messages/cetvel.toml).
    "cetvel.status.": ("draft", "served", "partly_final", "final", "paid"),
    "cetvel.reason.": ("handover", "on_demand"),
    "cetvel.kind.": ("deduction", "creditor", "harc", "surplus"),
    "cetvel.lstate.": ("open", "final", "disputed", "reserved", "held", "paid", "paid_against_guarantee"),
    "cetvel.okind.": ("itiraz", "sikayet"), "cetvel.ostatus.": ("pending", "upheld", "rejected"),
    "cetvel.pstatus.": ("prepared", "approved", "sent", "cancelled", "recalled"), "cetvel.channel.": ("eft", "harc"),
    "cetvel.gstatus.": ("held", "released", "called"), "cetvel.reserved.": ("made_final", "lifted"),
    "cetvel.no_action.": ("served", "paid"), "cetvel.cert.": ("aciz_vesikasi", "rehin_acigi_belgesi"),
    # Issue 17: why a search finds nothing by construction (auction.watch.search.SearchParams.problems).
    "search.problem.": ("q_no_words", "price_range", "closing_soon_status"),
    # The staff desk (web/messages/desk.toml).
    "desk.kind.": tuple(DESK_KINDS),
    "desk.role.": ("staff", "manager"), "desk.done.": DONE, "desk.decision.": DECISIONS,
    "desk.decision.confirm.": DECISIONS, "desk.people.link.": ("invite", "reset"),
    "desk.people.role.": ("staff", "manager", "admin", "party"), "desk.link.title.": ("invite", "reset"),
    "desk.files.done.": FILE_DONE,
    # A lot's claim records on the file page (web/messages/records.toml).
    "desk.rec.kind.": ("haciz", "ihtiyati_haciz", "kamu_haczi", "takipsiz"),
    "desk.rec.imputation.": ("tbk100", "orantili"), "desk.rec.tax.": ("emlak_vergisi", "mtv"),
    "desk.rec.rate_kind.": ("sabit", "kanuni"), "desk.rec.field.": RECORD_FIELDS,
    "desk.rec.problem.": RECORD_PROBLEMS,
    "desk.capacity.": ("borclu", "borclu_vekili", "alacakli", "alacakli_vekili"),
    "safahat.": ("file_opened", "lot_added", "appraisal_served", "appraisal_challenged", "appraisal_final",
                 "sale_decided", "ilan", "round_scheduled", "round_opened", "round_closed", "tutanak_posted",
                 "payment_due", "paid", "fesih_window_closed", "final", "taxes_paid", "handed_over", "distribution",
                 "sale_failed", "sale_annulled", "sale_cancelled"),
}
PREFIXES = {k.split(".", 1)[0] for k in MESSAGES}
# A key in Python or JavaScript: a quoted dotted name whose first part is one of the catalogue's.
QUOTED_KEY = re.compile(r"""["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
NOT_KEYS = (".html", ".css", ".js", ".json", ".pdf", ".toml", ".svg")


def _expand(key: str) -> list[str]:
    return [key + v for v in DYNAMIC[key]] if key.endswith(".") else [key]


def used_keys() -> list[tuple[str, str]]:
    """(where, key) for every message key the web layer uses."""
    out: list[tuple[str, str]] = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for key in re.findall(r"""\bt\(["']([a-z_]+\.[a-z_.0-9]*)["']""", path.read_text()):
            if key != "err.":  # checked below against EXPLAINED
                out += [(str(path.relative_to(ROOT)), k) for k in _expand(key)]
    code = [*sorted(ROOT.rglob("*.py")), *sorted((ROOT / "static" / "js").glob("*.js"))]
    for path in code:
        for key in QUOTED_KEY.findall(path.read_text()):
            if key.split(".", 1)[0] in PREFIXES and not key.endswith(NOT_KEYS):
                out.append((str(path.relative_to(ROOT)), key))
    return out


def test_every_key_exists_in_both_languages():
    keys = used_keys()
    assert len({k for _, k in keys}) > 400  # the walk sees the templates, the code and the scripts
    missing = sorted({f"{where}: {k}" for where, k in keys
                      if not all(MESSAGES.get(k, {}).get(lang) for lang in LANGS)})
    assert missing == []


def test_every_catalogue_entry_has_both_languages():
    assert [k for k, texts in MESSAGES.items() if not all(texts.get(lang) for lang in LANGS)] == []


def test_error_codes_explained_in_plain_words():
    from web.pages.common import EXPLAINED

    assert [c for c in EXPLAINED if "err." + c not in MESSAGES] == []


def test_a_key_in_two_catalogue_files_stops_the_app(tmp_path):
    (tmp_path / "a.toml").write_text('["x.y"]\ntr = "bir"\nen = "one"\n')
    (tmp_path / "b.toml").write_text('["x.y"]\ntr = "iki"\nen = "two"\n')
    with pytest.raises(ValueError, match=r"x\.y.*a\.toml.*b\.toml"):
        load_messages(tmp_path)
    (tmp_path / "b.toml").write_text('["x.z"]\nde = "zwei"\n')
    with pytest.raises(ValueError, match=r"x\.z"):
        load_messages(tmp_path)


def test_no_inline_scripts_or_styles_in_the_templates():
    # CSP is default-src 'self': no inline script (JSON data blocks are not scripts), no style attribute.
    for path in sorted((ROOT / "templates").rglob("*.html")):
        html = path.read_text()
        assert " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html), path
        assert not re.search(r"\son[a-z]+=", html), path
