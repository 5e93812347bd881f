"""Rendered French pages follow French typography and hold no English label (issue 23).

Scans every ``_output/*-fr.html`` already rendered (the project's before-stop
hook does the same check): the visible text (scripts, styles and code
removed) must have no ordinary space before ``%``, ``;``, ``:``, ``!`` or ``?``
nor inside « », and none of the English words that betray an untranslated
label. The checks run on the pages rendered once per test session, in
``tests/test_reports.py`` (``test_french_typography_on_every_french_page``,
``test_no_english_label_on_french_profiles_and_methods``); this module holds
the text helpers and their own tests.
"""

from __future__ import annotations

import html
import re

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


def test_helpers_find_what_a_french_reader_would_object_to():
    from drugtrends.i18n.typography import bad_spaces

    page = "<p>Usage dans l'année : 2,7 % (n = 8 086)</p><style>x : y</style><code>a : b</code>"
    text = visible_text(page)
    assert "x : y" not in text and "a : b" not in text
    assert bad_spaces(text)  # ordinary spaces before ':' and '%' are caught
    good = visible_text("<p>Usage dans l'année\u00a0: 2,7\u202f% (n\u00a0=\u00a08\u202f086)</p>")
    assert bad_spaces(good) == []
    assert english_words("Lifetime use, hommes") == ["Lifetime use"]
    assert english_words("Expérimentation, femmes") == []
