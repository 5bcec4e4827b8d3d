"""Answers in the user's language: every templated sentence of the planner has a German, French and
Spanish translation in the gettext catalogs, and figures are written the way each language writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from agent.i18n import LANGUAGES, catalog, translator

ROOT = Path(__file__).resolve().parents[2]


def _code_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "agent"), keywords={"t": None, "tn": (1, 2)}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_sentence_of_the_code_is_translated(lang: str) -> None:
    messages = _code_messages()
    assert len(messages) > 100
    cat = catalog(lang)
    assert cat is not None
    missing = sorted(m for m in messages if not (cat.get(m) and cat.get(m).string))
    assert missing == [], f"{lang}: untranslated {missing[:5]}"


def test_placeholders_survive_translation() -> None:
    for lang in ("de", "fr", "es"):
        t = translator(lang)
        text = t("Kept from earlier: {items}.", items="H100, 8+ GPUs")
        assert "H100, 8+ GPUs" in text and "{" not in text


def test_money_and_percent_in_each_language() -> None:
    assert translator("en").money(1234.5) == "$1,234.50"
    assert translator("de").money(1234.5) == "1.234,50\xa0$"
    assert translator("fr").percent(-3.14) == "-3,1 %"
    assert translator("es").number(72.0) == "72"


def test_plural_forms() -> None:
    t = translator("de")
    assert t.tn(
        "{n} offer matches {wanted}:", "{n} offers match {wanted}. The cheapest:", 1, wanted="H100"
    ) == ("1 Angebot passt zu H100:")
    assert t.tn(
        "{n} offer matches {wanted}:", "{n} offers match {wanted}. The cheapest:", 3, wanted="H100"
    ).startswith("3 Angebote passen")
