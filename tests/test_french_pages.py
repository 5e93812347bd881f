"""Rendered French pages follow French typography and hold no English label (issue 23).

Scans every ``_output/*-fr.html`` already rendered (the project's before-stop
hook does the same check): the visible text (scripts, styles and code
removed) must have no ordinary space before ``%``, ``;``, ``:``, ``!`` or ``?``
nor inside « », and none of the English words that betray an untranslated
label. Skipped when no French page has been rendered.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from drugtrends.i18n.typography import bad_spaces

OUTPUT = Path(__file__).resolve().parent.parent / "_output"
#: English words or labels that never belong on a French page (whole words, case-sensitive).
ENGLISH = ("Source:", "Sources:", "Lifetime", "Women", "Men", "Key issues", "Table", "Suppressed", "suppressed",
           "the", "and", "with", "of", "per", "between", "Estimate", "Total", "Year", "Group",
           "Respondents", "million", "not available", "Teaching annex", "Notes", "Note:")


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles, code, tags or embedded images; entities decoded.

    Examples
    --------
    >>> visible_text("<style>a : b</style><p>Source&nbsp;: x</p><code>a : b</code>")
    'Source\\xa0: x'
    """
    page = re.sub(r"(?is)<(script|style|code|pre|svg|math)\b.*?</\1>", " ", page)
    # text marked as English (references cited as published) is not a French label
    page = re.sub(r'(?is)<(div|span)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page)
    page = re.sub(r"(?s)<[^>]+>", "\n", page)
    text = html.unescape(page)
    # a tag boundary (table cell, paragraph) is a line break, not a space typed before a sign
    text = re.sub(r"[ \t\r]*\n[ \t\r\n]*", "\n", text)
    return re.sub(r"[ \t\r]+", " ", text).strip()


def english_words(text: str) -> list[str]:
    """English words of :data:`ENGLISH` found in ``text`` (with context).

    Examples
    --------
    >>> english_words("Expérimentation de la cocaïne, Lifetime use")
    ['ïne, Lifetime use']
    """
    hits = []
    for w in ENGLISH:
        for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text):
            hits.append(text[max(0, m.start() - 5):m.end() + 4])
    return hits


PAGES = sorted(OUTPUT.glob("*-fr.html")) if OUTPUT.is_dir() else []


@pytest.mark.skipif(not PAGES, reason="no French page rendered in _output/")
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_french_page_typography(page):
    text = visible_text(page.read_text(encoding="utf-8"))
    assert bad_spaces(text) == []


@pytest.mark.skipif(not [p for p in PAGES if p.name in ("profiles-fr.html", "methods-fr.html")],
                    reason="profiles/methods not rendered in French")
@pytest.mark.parametrize("name", ["profiles-fr.html", "methods-fr.html"])
def test_no_english_label_on_french_page(name):
    page = OUTPUT / name
    if not page.exists():
        pytest.skip(f"{name} not rendered")
    text = visible_text(page.read_text(encoding="utf-8"))
    # the footer names software versions and the renderer, in English by nature
    text = text.split("drugtrends built-in renderer")[0]
    assert english_words(text) == []
