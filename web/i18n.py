"""Turkish first, English switchable. Messages are keyed; a missing English text falls back to Turkish.

Pages call `t("nav.lots")` in templates; the language comes from the `lang` cookie (set by
`/lang/{code}`), else `tr`. Domain error messages are Turkish (they come from the services); English
pages show them with the machine code next to them.
"""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("tr", "en")
DEFAULT_LANG = "tr"

MESSAGES: dict[str, dict[str, str]] = {
    "site.name": {"tr": "e-Satış", "en": "e-Satış"},
    "site.tagline": {"tr": "İcra dairelerinin elektronik satış portalı",
                     "en": "Electronic auctions of the Turkish enforcement offices"},
    "nav.skip": {"tr": "Ana içeriğe geç", "en": "Skip to main content"},
    "nav.home": {"tr": "Ana sayfa", "en": "Home"},
    "nav.lots": {"tr": "Satıştaki mallar", "en": "Lots for sale"},
    "nav.login": {"tr": "Giriş yap", "en": "Sign in"},
    "nav.logout": {"tr": "Çıkış", "en": "Sign out"},
    "nav.register": {"tr": "Üye ol", "en": "Register"},
    "nav.account": {"tr": "Hesabım", "en": "My account"},
    "nav.office": {"tr": "Satış bürosu", "en": "Sales office"},
    "nav.language": {"tr": "Dil", "en": "Language"},
    "nav.main": {"tr": "Ana menü", "en": "Main menu"},
    "home.title": {"tr": "İcra satışları", "en": "Enforcement sales"},
    "home.intro": {
        "tr": "Haczedilen taşınmaz ve taşınırlar bu portalda açık artırmayla satılır. Teklif vermek için "
              "üye olun, ilgilendiğiniz malın teminatını yatırın ve artırma süresince teklif verin.",
        "en": "Seized real estate and movables are sold here by open auction. To bid, register, pay the "
              "deposit (teminat) for the lot and bid while the round is open.",
    },
    "home.latest": {"tr": "Son eklenen mallar", "en": "Latest lots"},
    "home.empty": {"tr": "Şu anda satışta mal yok.", "en": "No lots are for sale right now."},
    "lot.kind.tasinmaz": {"tr": "Taşınmaz", "en": "Real estate"},
    "lot.kind.tasinir": {"tr": "Taşınır", "en": "Movable"},
    "lot.appraised_value": {"tr": "Muhammen bedel", "en": "Appraised value"},
    "lot.location": {"tr": "Konum", "en": "Location"},
    "lot.office": {"tr": "İcra dairesi", "en": "Enforcement office"},
    "login.title": {"tr": "Giriş yap", "en": "Sign in"},
    "login.email": {"tr": "E-posta adresi", "en": "E-mail address"},
    "login.password": {"tr": "Parola", "en": "Password"},
    "login.submit": {"tr": "Giriş yap", "en": "Sign in"},
    "login.no_account": {"tr": "Hesabınız yok mu?", "en": "No account yet?"},
    "register.title": {"tr": "Üye ol", "en": "Register"},
    "register.full_name": {"tr": "Ad soyad", "en": "Full name"},
    "register.password_hint": {"tr": "En az 10 karakter; harf ve rakam içermeli.",
                               "en": "At least 10 characters, with letters and digits."},
    "register.submit": {"tr": "Üye ol", "en": "Register"},
    "register.done": {"tr": "Üyeliğiniz oluşturuldu. Şimdi giriş yapabilirsiniz.",
                      "en": "Your account was created. You can sign in now."},
    "error.title": {"tr": "Bir sorun oluştu", "en": "Something went wrong"},
    "error.back": {"tr": "Ana sayfaya dön", "en": "Back to the home page"},
    "error.code": {"tr": "Hata kodu", "en": "Error code"},
    "footer.clock": {"tr": "Sunucu saati", "en": "Server time"},
    "footer.law": {"tr": "Satışlar 2004 sayılı İcra ve İflas Kanunu'na göre yapılır.",
                   "en": "Sales follow the Enforcement and Bankruptcy Code (İİK, Law 2004)."},
}


def translator(lang: str) -> Callable[..., str]:
    lang = lang if lang in LANGS else DEFAULT_LANG

    def t(key: str, **kwargs: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        text = entry.get(lang) or entry[DEFAULT_LANG]
        return text.format(**kwargs) if kwargs else text

    return t


def add_messages(messages: dict[str, dict[str, str]]) -> None:
    """Domains with their own pages register their texts here at import time."""
    for key, value in messages.items():
        if key in MESSAGES and MESSAGES[key] != value:
            raise ValueError(f"i18n key {key!r} defined twice with different texts")
        MESSAGES[key] = value
