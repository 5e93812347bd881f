"""French typography of every French message: the non-breaking spaces French printing requires.

The rule followed is the *Lexique des règles typographiques en usage à
l'Imprimerie nationale* as the project applies it (``/work/shared/ANCHORS.md``):

* a narrow no-break space (U+202F) before ``;``, ``!``, ``?`` and ``%``, and as
  the thousands separator (Babel's ``fr_FR`` grouping symbol already is U+202F);
* a no-break space (U+00A0) before ``:``, inside guillemets (``« ... »``) and
  around ``=``, ``<``, ``>`` (so "n = 8 086" or "p < 0,001" never breaks);
* apostrophes: the catalogues use the straight apostrophe ``'`` throughout
  (one style, never mixed with ``’``).

Only an *existing* ordinary space is replaced (a ``?`` inside a URL is left
alone), and never inside inline math (``$...$``) or code (`````...`````)
spans: the catalogues are written with ordinary spaces, and
:func:`drugtrends.i18n.t` applies :func:`french_spaces` to every French
message after its placeholders are filled, so a contributor adding a key
cannot forget the rule. Text that does not come from the catalogue (e.g. a
string built in a report step) can be passed through :func:`french_spaces`
or checked with :func:`bad_spaces`.

This module imports nothing from drugtrends.
"""

from __future__ import annotations

import re

__all__ = ["NNBSP", "NBSP", "french_spaces", "bad_spaces", "typeset"]

#: Narrow no-break space (before ; ! ? %, thousands separator).
NNBSP = "\u202f"
#: No-break space (before :, inside « », around =).
NBSP = "\u00a0"

_SPACES = " \u00a0\u202f"
_RULES = (
    (re.compile(f"[{_SPACES}]+([;!?%])"), NNBSP + r"\1"),
    (re.compile(f"[{_SPACES}]+:"), NBSP + ":"),
    (re.compile(f"«[{_SPACES}]*"), "«" + NBSP),
    (re.compile(f"[{_SPACES}]*»"), NBSP + "»"),
    (re.compile(f"(?<=\\S)[{_SPACES}]+([=<>≤≥])[{_SPACES}]+(?=\\S)"), NBSP + r"\1" + NBSP),
    (re.compile("’"), "'"),
)
# inline math ($...$) and code (`...`) spans: never retypeset
_VERBATIM = re.compile(r"(\$[^$\n]+\$|`[^`\n]+`)")
# an ordinary space (or a tab) before a French high punctuation mark or the percent sign
_BAD = re.compile(r"[ \t]([;:!?%])|«[ \t]|[ \t]»")


def french_spaces(text: str) -> str:
    """``text`` with French non-breaking spaces (idempotent; non-strings are returned unchanged).

    Parameters
    ----------
    text
        A French message.

    Returns
    -------
    str

    Examples
    --------
    >>> french_spaces("IC à 95 % : 2,4–3,0 ; n = 8 086 !") == (
    ...     "IC à 95\\u202f%\\u00a0: 2,4–3,0\\u202f; n\\u00a0=\\u00a08 086\\u202f!")
    True
    >>> french_spaces("« drogues »") == "«\\u00a0drogues\\u00a0»"
    True
    >>> french_spaces("https://example.org/?q=1")
    'https://example.org/?q=1'
    >>> french_spaces("soit $N = n + f_1^2$ ; `a : b`") == "soit $N = n + f_1^2$\u202f; `a : b`"
    True
    """
    if not isinstance(text, str) or not text:
        return text
    parts = _VERBATIM.split(text)
    for i in range(0, len(parts), 2):  # even parts are prose; odd ones are math or code, left as written
        for pattern, repl in _RULES:
            parts[i] = pattern.sub(repl, parts[i])
    return "".join(parts)


def typeset(text: str, lang: str) -> str:
    """:func:`french_spaces` for French, ``text`` unchanged for other languages.

    Parameters
    ----------
    text : str
        A message in ``lang``.
    lang : {"en", "fr"}
        Its language.

    Examples
    --------
    >>> typeset("a : b", "en"), typeset("a : b", "fr") == "a\\u00a0: b"
    ('a : b', True)
    """
    return french_spaces(text) if lang == "fr" else text


def bad_spaces(text: str, context: int = 20) -> list[str]:
    """Places where an ordinary space stands before ``; : ! ? %`` or inside « » (for tests and checks).

    Parameters
    ----------
    text
        Plain text (HTML tags removed).
    context
        Characters shown on each side of a hit.

    Returns
    -------
    list of str
        One excerpt per hit (empty when the text follows the rule).

    Examples
    --------
    >>> bad_spaces("Source : SSMSI")
    ['Source : SSMSI']
    >>> bad_spaces(french_spaces("Source : SSMSI ; 5 %"))
    []
    """
    return [text[max(0, m.start() - context):m.end() + context] for m in _BAD.finditer(text)]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
