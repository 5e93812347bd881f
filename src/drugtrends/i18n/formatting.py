"""Locale formatting with Babel: numbers, percentages, intervals, dates, matplotlib ticks.

See :mod:`drugtrends.i18n`.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from typing import Any

from drugtrends.errors import InputError
from drugtrends.i18n.catalogues import BABEL_LOCALES, DEFAULT_LANG, check_lang, has, level, t

__all__ = [
    "fmt_number", "fmt_percent", "fmt_ci", "fmt_estimate", "fmt_date", "fmt_signed", "join_words",
    "tick_formatter", "LocaleFormatter", "bind", "Translator", "tn",
]


# --------------------------------------------------------------------------- formatting


#: Above this magnitude a number is written in scientific notation (``1E300``), never 300 digits.
LARGEST_PLAIN = 1e15


def _missing(value: Any) -> bool:
    if value is None or str(value) in ("<NA>", "NaT", "nan", "NaN"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def _real(value: Any, what: str = "value") -> float:
    """``value`` as a float, or :class:`InputError` (text, dates and other objects are not numbers)."""
    if isinstance(value, (str, bytes)):
        raise InputError(f"cannot format the text {value!r} as a number; pass a number (convert it first "
                         "with float() if it holds one).")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"cannot format {what} {value!r} ({type(value).__name__}) as a number.") from None


def _pattern(digits: int, grouping: bool = True) -> str:
    base = "#,##0" if grouping else "0"
    return base + ("." + "0" * digits if digits > 0 else "")


def fmt_number(value: Any, digits: int = 0, lang: str = DEFAULT_LANG, *, grouping: bool = True,
               na: str | None = None) -> str:
    """A number for the locale: ``69,894`` / ``69 894``, ``2.7`` / ``2,7``.

    Parameters
    ----------
    value
        Number (missing gives ``na``).
    digits
        Decimals (fixed).
    lang
        ``"en"`` or ``"fr"``.
    grouping
        Group thousands.
    na
        Text for a missing value (default: the catalogue's ``common.na``).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(69894), fmt_number(69894, lang="fr") == "69\\u202f894"
    ('69,894', True)
    >>> fmt_number(2.6999, 1, "fr")
    '2,7'
    >>> fmt_number(1e300), fmt_number(None)
    ('1E300', 'n/a')

    Text (``"12"``, ``"abc"``) is refused with :class:`~drugtrends.errors.InputError`; ``None``,
    NaN, ``pd.NA`` and ``NaT`` give ``na``; magnitudes of ``1e15`` and more are written in
    scientific notation.
    """
    from babel.numbers import format_decimal

    check_lang(lang)
    if _missing(value):
        return t("common.na", lang) if na is None else na
    v = _real(value)
    if math.isinf(v):
        return ("-" if v < 0 else "") + "∞"
    if abs(v) >= LARGEST_PLAIN:
        from babel.numbers import format_scientific

        return format_scientific(v, format="0.###E0", locale=BABEL_LOCALES[lang])
    return format_decimal(round(v, digits) + 0.0, format=_pattern(digits, grouping), locale=BABEL_LOCALES[lang],
                          decimal_quantization=True)


def fmt_percent(value: Any, digits: int = 1, lang: str = DEFAULT_LANG, *, scale: float = 1.0,
                na: str | None = None, signed: bool = False) -> str:
    """A percentage for the locale: ``2.7%`` / ``2,7 %`` (value on the 0-100 scale, or 0-1 with ``scale=100``).

    Parameters
    ----------
    value
        Percentage (``2.7`` for 2.7 %).
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.
    scale
        Multiplier applied first (``100`` for proportions).
    na
        Text for a missing value.
    signed
        Write the sign (``+5.0%``, ``−3.0%``), for changes.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_percent(2.7), fmt_percent(0.027, lang="fr", scale=100) == "2,7\\u202f%"
    ('2.7%', True)
    >>> fmt_percent(-3.04, signed=True)
    '−3.0%'
    """
    if signed and not _missing(value):
        v = round(_real(value) * scale, digits)
        return fmt_signed(v, digits, lang)[0] + fmt_percent(abs(v), digits, lang)
    from babel.numbers import format_percent

    check_lang(lang)
    if _missing(value):
        return t("common.na", lang) if na is None else na
    v = round(_real(value) * scale, digits) / 100.0
    if abs(v) * 100 >= LARGEST_PLAIN:
        return fmt_number(v * 100, digits, lang) + ("\u202f%" if lang == "fr" else "%")
    pat = _pattern(digits) + ("\u202f%" if lang == "fr" else "%")
    return format_percent(v + 0.0, format=pat, locale=BABEL_LOCALES[lang], decimal_quantization=True)


def fmt_signed(value: Any, digits: int = 1, lang: str = DEFAULT_LANG) -> str:
    """A signed number (``+1.0`` / ``−0,4``), for changes.

    Parameters
    ----------
    value
        Number.
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_signed(1.0), fmt_signed(-0.44, 1, "fr")
    ('+1.0', '−0,4')
    """
    if _missing(value):
        return fmt_number(value, digits, lang)
    v = round(_real(value), digits)
    s = fmt_number(abs(v), digits, lang)
    return ("+" if v > 0 else "−" if v < 0 else "±") + s


def fmt_ci(low: Any, high: Any, digits: int = 1, lang: str = DEFAULT_LANG, *, scale: float = 1.0,
           percent: bool = False) -> str:
    """An interval ``2.4–3.0`` / ``2,4–3,0`` (the same in prose and tables); empty if a bound is missing.

    A negative bound makes the dash ambiguous: the interval is then written
    ``-1.2 to 3.4`` / ``-1,2 à 3,4``.

    Parameters
    ----------
    low, high
        Bounds.
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.
    scale
        Multiplier (``100`` for proportions).
    percent
        Append the percent sign after the upper bound (``2.4–3.0%``).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_ci(2.44, 3.01), fmt_ci(-1.2, 3.4, lang="fr")
    ('2.4–3.0', '-1,2 à 3,4')
    >>> fmt_ci(0.024, 0.030, lang="fr", scale=100, percent=True) == "2,4–3,0\\u202f%"
    True

    A lower bound above the upper one is refused (:class:`~drugtrends.errors.InputError`).
    """
    if _missing(low) or _missing(high):
        return ""
    lo, hi = round(_real(low, "low") * scale, digits) + 0.0, round(_real(high, "high") * scale, digits) + 0.0
    if _real(low) > _real(high):
        raise InputError(f"interval bounds in the wrong order: low {low!r} > high {high!r}; an interval "
                         "is written low first (swap them, or check the computation).")
    neg = lo < 0 or hi < 0
    sep = t("common.ci_to", lang) if neg else "–"
    s = f"{fmt_number(lo, digits, lang)}{sep}{fmt_number(hi, digits, lang)}"
    if percent:
        s += "\u202f%" if lang == "fr" else "%"
    return s


def fmt_estimate(estimate: Any, low: Any = None, high: Any = None, digits: int = 1, lang: str = DEFAULT_LANG,
                 *, scale: float = 1.0, percent: bool = True, interval: str = "ci") -> str:
    """Estimate with its interval for prose: ``2.7% (95% CI 2.4–3.0)`` / ``2,7 % (IC à 95 % : 2,4–3,0)``.

    Parameters
    ----------
    estimate, low, high
        Values (bounds may be missing: the interval is then left out).
    digits
        Decimals.
    lang
        ``"en"`` or ``"fr"``.
    scale
        Multiplier (``100`` for proportions).
    percent
        Format as a percentage.
    interval
        ``"ci"`` (95% confidence interval) or ``"range"`` (a published low-high
        range, which is not a CI).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_estimate(0.027, 0.024, 0.030, scale=100)
    '2.7% (95% CI 2.4–3.0)'
    >>> fmt_estimate(2.7, lang="fr") == "2,7\\u202f%"
    True
    """
    if not (_missing(estimate) or _missing(low) or _missing(high)):
        e, lo, hi = _real(estimate), _real(low, "low"), _real(high, "high")
        tol = 1e-9 * max(1.0, abs(e))
        if not lo - tol <= e <= hi + tol:
            raise InputError(f"estimate {estimate!r} lies outside its interval [{low!r}, {high!r}]: "
                             "an interval must contain its estimate (check the computation).")
    est = (fmt_percent(estimate, digits, lang, scale=scale) if percent
           else fmt_number(float(estimate) * scale if not _missing(estimate) else estimate, digits, lang))
    ci = fmt_ci(low, high, digits, lang, scale=scale)
    if not ci:
        return est
    key = "common.est_with_ci" if interval == "ci" else "common.est_with_range"
    return t(key, lang, estimate=est, ci=ci)


def fmt_date(value: Any, lang: str = DEFAULT_LANG, fmt: str = "month_year") -> str:
    """A date for the locale: ``December 2023`` / ``décembre 2023``.

    Parameters
    ----------
    value
        Date, datetime or pandas Timestamp.
    lang
        ``"en"`` or ``"fr"``.
    fmt
        ``"month_year"``, ``"long"`` (``1 December 2023`` / ``1 décembre 2023``),
        ``"short"`` (ISO date) or a Babel/CLDR pattern.

    Returns
    -------
    str

    Examples
    --------
    >>> import datetime
    >>> fmt_date(datetime.date(2023, 12, 31), "fr")
    'décembre 2023'
    >>> fmt_date(datetime.date(2023, 12, 31), "en", "long")
    'December 31, 2023'

    A missing value gives the catalogue's ``common.na``; anything else that is not a date is
    refused with :class:`~drugtrends.errors.InputError`.
    """
    from babel.dates import format_date

    check_lang(lang)
    if _missing(value):
        return t("common.na", lang)
    if not isinstance(value, (_dt.date, _dt.datetime)) and not hasattr(value, "to_pydatetime"):
        raise InputError(f"fmt_date needs a date, datetime or pandas Timestamp, not {value!r} "
                         f"({type(value).__name__}); parse it first (pandas.to_datetime).")
    d = value.date() if isinstance(value, _dt.datetime) or hasattr(value, "to_pydatetime") else value
    if hasattr(d, "date") and callable(d.date):
        d = d.date()
    if fmt == "short":
        return d.isoformat()
    pattern = {"month_year": "MMMM y"}.get(fmt, fmt)
    return format_date(d, format=pattern, locale=BABEL_LOCALES[lang])


def tn(key: str, count: float, lang: str = DEFAULT_LANG, **values: Any) -> str:
    """Plural-aware message: ``key.one`` or ``key.other`` by ``count`` (French: 0 and 1 are singular).

    ``count`` is available to the message as ``{count}`` (formatted for the locale).

    Parameters
    ----------
    key
        Dotted key of a mapping with ``one`` and ``other``.
    count
        The number deciding the form.
    lang
        ``"en"`` or ``"fr"``.
    **values
        Other placeholders.

    Returns
    -------
    str

    Examples
    --------
    >>> tn("plots.n_suppressed", 1, "en")
    '1 estimate suppressed (unreliable), not shown'
    >>> tn("plots.n_suppressed", 2, "fr")
    '2 estimations non diffusées (non fiables), non représentées'
    """
    check_lang(lang)
    one = abs(count) < 2 if lang == "fr" else count == 1
    values.setdefault("count", fmt_number(count, lang=lang))
    return t(f"{key}.{'one' if one else 'other'}", lang, **values)


def join_words(items: Iterable[Any], lang: str = DEFAULT_LANG) -> str:
    """Join words as prose: ``a, b and c`` / ``a, b et c``.

    Parameters
    ----------
    items
        Words.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str

    Examples
    --------
    >>> join_words(["France", "Spain", "Italy"], "fr")
    'France, Spain et Italy'
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("common.and", lang) + items[-1]


# --------------------------------------------------------------------------- matplotlib


try:  # matplotlib is a dependency, but keep this module importable without it
    from matplotlib.ticker import Formatter as _MplFormatter
except ImportError:  # pragma: no cover
    _MplFormatter = object  # type: ignore[misc,assignment]


class LocaleFormatter(_MplFormatter):
    """Matplotlib tick formatter: decimal comma and thousands separator of the locale.

    All ticks of an axis get the same number of decimals (the fewest that
    show every tick exactly, at most ``max_digits``), so an axis never shows
    ``3.0`` beside ``0.75``.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.
    digits
        Fixed decimals; ``None`` chooses them from the ticks.
    percent
        Append a percent sign to each tick.
    max_digits
        Upper bound when choosing decimals.

    Examples
    --------
    >>> f = LocaleFormatter("fr")
    >>> f.format_ticks([0, 0.25, 0.5, 0.75, 3.0])
    ['0,00', '0,25', '0,50', '0,75', '3,00']
    >>> LocaleFormatter("fr").format_ticks([0, 20000, 40000]) == ['0', '20\\u202f000', '40\\u202f000']
    True
    """

    def __init__(self, lang: str = DEFAULT_LANG, digits: int | None = None, percent: bool = False,
                 max_digits: int = 3):
        self.lang = check_lang(lang)
        self.digits = digits
        self.percent = percent
        self.max_digits = max_digits
        self._auto = 0

    def _digits_for(self, values: Iterable[float]) -> int:
        vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
        for d in range(self.max_digits + 1):
            if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in vals):
                return d
        return self.max_digits

    def _fmt(self, x: float, d: int) -> str:
        s = fmt_number(x, d, self.lang)
        if s.startswith("-"):
            s = "−" + s[1:]
        if self.percent:
            s += "\u202f%" if self.lang == "fr" else "%"
        return s

    def format_ticks(self, values):  # noqa: D401 - matplotlib API
        d = self.digits if self.digits is not None else self._digits_for(values)
        self._auto = d
        return [self._fmt(v, d) for v in values]

    def __call__(self, x, pos=None):
        d = self.digits if self.digits is not None else self._digits_for([x])
        return self._fmt(x, d)


def tick_formatter(lang: str = DEFAULT_LANG, digits: int | None = None, percent: bool = False) -> LocaleFormatter:
    """A :class:`LocaleFormatter` for ``ax.yaxis.set_major_formatter(...)``.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.
    digits
        Fixed decimals, or ``None`` for the fewest that show every tick.
    percent
        Append ``%`` to each tick (leave it out when the axis label says "(%)").

    Returns
    -------
    LocaleFormatter

    Examples
    --------
    >>> tick_formatter("fr").format_ticks([0.5, 1.0, 1.5])
    ['0,5', '1,0', '1,5']
    """
    return LocaleFormatter(lang, digits, percent)


# --------------------------------------------------------------------------- bound helper


class Translator:
    """The catalogue and formatters bound to one language (``T = bind(lang)``).

    Parameters
    ----------
    lang : {"en", "fr"}
        The language.

    Examples
    --------
    >>> T = bind("fr")
    >>> T("common.year"), T.pct(2.7) == "2,7\\u202f%", T.num(69894) == "69\\u202f894"
    ('Année', True, True)
    """

    def __init__(self, lang: str = DEFAULT_LANG):
        self.lang = check_lang(lang)

    def __call__(self, key: str, **values: Any) -> str:
        return t(key, self.lang, **values)

    def n(self, key: str, count: float, **values: Any) -> str:
        """Plural-aware message (:func:`tn`)."""
        return tn(key, count, self.lang, **values)

    def has(self, key: str) -> bool:
        """Whether the key exists (:func:`has`)."""
        return has(key, self.lang)

    def num(self, value: Any, digits: int = 0, **kw: Any) -> str:
        """:func:`fmt_number` in this language."""
        return fmt_number(value, digits, self.lang, **kw)

    def pct(self, value: Any, digits: int = 1, **kw: Any) -> str:
        """:func:`fmt_percent` in this language."""
        return fmt_percent(value, digits, self.lang, **kw)

    def ci(self, low: Any, high: Any, digits: int = 1, **kw: Any) -> str:
        """:func:`fmt_ci` in this language."""
        return fmt_ci(low, high, digits, self.lang, **kw)

    def est(self, estimate: Any, low: Any = None, high: Any = None, digits: int = 1, **kw: Any) -> str:
        """:func:`fmt_estimate` in this language."""
        return fmt_estimate(estimate, low, high, digits, self.lang, **kw)

    def signed(self, value: Any, digits: int = 1) -> str:
        """:func:`fmt_signed` in this language."""
        return fmt_signed(value, digits, self.lang)

    def date(self, value: Any, fmt: str = "month_year") -> str:
        """:func:`fmt_date` in this language."""
        return fmt_date(value, self.lang, fmt)

    def level(self, variable: str, value: Any, default: Any = None) -> str:
        """:func:`level` in this language."""
        return level(variable, value, self.lang, default)

    def join(self, items: Iterable[Any]) -> str:
        """:func:`join_words` in this language."""
        return join_words(items, self.lang)

    def ticks(self, digits: int | None = None, percent: bool = False) -> LocaleFormatter:
        """:func:`tick_formatter` in this language."""
        return tick_formatter(self.lang, digits, percent)


def bind(lang: str = DEFAULT_LANG) -> Translator:
    """Bind the catalogue and formatters to one language.

    Parameters
    ----------
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    Translator

    Examples
    --------
    >>> bind("en")("common.year")
    'Year'
    """
    return Translator(lang)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
