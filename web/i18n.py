"""Turkish first, English switchable. Messages are keyed; a missing English text falls back to Turkish.
The texts are data: `web/messages/<area>.toml` (site, common, search, lot, bidding, teminat, account,
staff …), read once at start-up.

Pages call `t("nav.lots")` in templates; the language comes from the `lang` cookie (set by
`/lang/{code}`), else `tr`. Domain error messages are Turkish (they come from the services); English
pages show them with the machine code next to them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

LANGS = ("tr", "en")
DEFAULT_LANG = "tr"

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


def load_messages(directory: Path = MESSAGES_DIR) -> dict[str, dict[str, str]]:
    """Every text of the pages, from the catalogue files (`web/messages/<area>.toml`, one per area): a key
    is a table with its `tr` text and, nearly always, its `en` text. A key in two files, or a language
    other than these two, is a mistake in the catalogue and stops the app."""
    messages: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as f:
            for key, texts in tomllib.load(f).items():
                if key in messages:
                    raise ValueError(f"i18n key {key!r} is in both {where[key]} and {path.name}")
                if not isinstance(texts, dict) or not set(texts) <= set(LANGS) or DEFAULT_LANG not in texts:
                    raise ValueError(f"i18n key {key!r} in {path.name}: needs `tr` (and `en`) texts only")
                messages[key] = {lang: str(text) for lang, text in texts.items()}
                where[key] = path.name
    return messages


# Loaded once, when the web app is imported.
MESSAGES: dict[str, dict[str, str]] = load_messages()


def translator(lang: str) -> Callable[..., str]:
    lang = lang if lang in LANGS else DEFAULT_LANG

    def t(key: str, **kwargs: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        text = entry.get(lang) or entry[DEFAULT_LANG]
        return text.format(**kwargs) if kwargs else text

    return t
