"""The assistant's templated answers in the user's language: gettext catalogs read with Babel.

The offline planner writes every sentence through a :class:`Translator` (``t("...{n} offers...", n=3)``).
English is the source language; ``agent/locales/<lang>/LC_MESSAGES/assistant.po`` holds German, French and
Spanish. The catalogs are read once per process with Babel's ``read_po`` (no compiled ``.mo`` files to
keep in step). Placeholders are ``str.format`` fields, so a translation may reorder them.

To add a string: write it through ``t`` in the code, run
``pybabel extract -F agent/locales/babel.cfg -k t -k tn:1,2 -o agent/locales/assistant.pot agent`` and
``pybabel update -i agent/locales/assistant.pot -d agent/locales -D assistant``, then translate;
``tests/agent/test_i18n.py`` fails while a string of the code lacks a translation in any catalog.

Money is formatted for the locale with Babel (``$1,234.50`` in English, ``1.234,50 $`` in German);
prices are always US dollars, the catalog's currency.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "assistant"
LANGUAGES = ("en", "de", "fr", "es")
_BABEL_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


@cache
def catalog(lang: str) -> Catalog | None:
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return None
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


class Translator:
    """``t(msgid, **fields)``: the message in ``lang`` (English when it has no translation)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._catalog = catalog(self.lang) if self.lang != "en" else None
        self.locale = _BABEL_LOCALES[self.lang]
        # gettext's plural index from the catalog's Plural-Forms ("(n != 1)", "(n > 1)").
        self._plural = gettext.c2py(self._catalog.plural_expr) if self._catalog is not None else None

    def _lookup(self, msgid: str | tuple[str, str]) -> str | tuple[str, ...] | None:
        if self._catalog is None:
            return None
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = self._catalog.get(key)
        if message is None or not message.string or message.fuzzy:
            return None
        string = message.string
        return tuple(string) if isinstance(string, list | tuple) else str(string)

    def __call__(self, msgid: str, **fields: object) -> str:
        found = self._lookup(msgid)
        text = found if isinstance(found, str) else msgid
        return text.format(**fields) if fields else text

    def tn(self, singular: str, plural: str, n: float, **fields: object) -> str:
        """A message with a count: the plural form the language uses for ``n``."""
        found = self._lookup((singular, plural))
        if isinstance(found, tuple) and self._plural is not None:
            index = int(self._plural(int(n))) if n == int(n) else 1
            text = found[min(index, len(found) - 1)] or (singular if n == 1 else plural)
        else:
            text = singular if n == 1 else plural
        return text.format(n=n, **fields)

    def money(self, value: float) -> str:
        return str(format_currency(value, "USD", locale=self.locale, format_type="standard"))

    def number(self, value: float) -> str:
        return str(format_decimal(value, format="#,##0.##", locale=self.locale))

    def percent(self, value: float) -> str:
        """A signed percentage with one decimal: "+4.2%", "-3,1 %"."""
        sign = "+" if value >= 0 else "-"
        return (
            sign
            + str(format_decimal(abs(value), format="0.0", locale=self.locale))
            + (" %" if self.lang in ("de", "fr", "es") else "%")
        )


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)
