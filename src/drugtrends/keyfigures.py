"""The key-figures box of a report ("Key figures" / "Chiffres clés"), for HTML and PDF.

An observatory's report opens with its key figures (OFDT *Drogues et
addictions, chiffres clés*, NSDUH *highlights*): for each indicator the
latest value with its confidence interval (or published range), the year
and the population, and the direction of the change since the last
comparable estimate with its statistical significance.

Nothing here computes a statistic: the caller passes values, intervals,
the change and its significance as the statistics layer computed them
(:func:`drugtrends.series.change` gives all three: :meth:`KeyFigure.from_change`);
:class:`KeyFigures` only formats them for the locale (:mod:`drugtrends.i18n`)
and lays them out. The words cannot contradict the numbers: the direction is
derived from the change and its test (a given ``direction`` that contradicts
the sign of ``change`` is refused), "up"/"down" are written only for a
significant change, "no significant change" / « pas d'évolution
significative » for a tested non-significant one, and an untested change is
shown with its sign and "significance not tested", without a direction word
or arrow. Displayed in a notebook or a report it emits both
``text/html`` (a styled box) and ``text/markdown`` (a raw Typst block for
the PDF, never split across pages).

Examples
--------
>>> kf = KeyFigure("Past-year cocaine use", 2.7, year=2023, population="adults 18-64, France",
...                previous=1.6, previous_year=2017, change=1.1, significant=None)
>>> box = KeyFigures([kf], lang="en")
>>> "Key figures" in box.as_html() and "2.7%" in box.as_html()
True
>>> kf.change_text("en")
'1.6% in 2017 (+1.1 pp; significance not tested)'
>>> KeyFigure("x", 2.7, previous=1.6, previous_year=2017, change=1.1, significant=True).change_text("en")
'up from 1.6% in 2017 (+1.1 pp; statistically significant change)'
>>> KeyFigure("x", 2.7, previous=2.6, previous_year=2017, change=0.1, significant=False).change_text("fr")
"pas d'évolution significative depuis 2017 (2,6...+0,1 pt)"
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drugtrends import i18n
from drugtrends._compat import arguments, renamed
from drugtrends.errors import InputError
from drugtrends.validate import check_choice

if TYPE_CHECKING:
    from drugtrends.series import Change

__all__ = ["KeyFigure", "KeyFigures", "from_frame", "UNITS", "DIRECTIONS"]

#: How a value is written: ``percent`` (0-100 scale), ``number``, ``rate`` (per 100,000), ``tonnes``.
UNITS = ("percent", "number", "rate", "tonnes")
#: Directions of a change, as decided by the caller (statistics layer).
DIRECTIONS = ("up", "down", "stable")
_EMPTY_OPEN = re.compile(r"\([\s\u202f\xa0]*;[\s\u202f\xa0]*")  # "( ; x)" when the change is unknown
_EMPTY_CLOSE = re.compile(r"[\s\u202f\xa0]*;[\s\u202f\xa0]*\)")
_ARROWS = {"up": "\u25b2", "down": "\u25bc", "stable": "\u25b6"}


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: an indicator's latest value and its change (values as computed upstream).

    Parameters
    ----------
    label
        The indicator, in the report language ("Past-year cocaine use").
    value
        Latest value on the display scale (``2.7`` for 2.7 %).
    unit
        One of :data:`UNITS`.
    digits
        Decimals.
    low, high
        Interval of the value (display scale), or ``None``.
    interval
        ``"ci"`` (95 % confidence interval) or ``"range"`` (a published low-high range).
    year
        Year (or period) of the value.
    population
        Who the value describes ("adults aged 18-64, France").
    previous, previous_year
        The last comparable estimate and its year (``None``: no comparable estimate).
    change
        The change since ``previous`` (display units: percentage points for
        percentages, else the value's unit).
    direction
        ``"up"``, ``"down"`` or ``"stable"`` (:data:`DIRECTIONS`). Derived
        when ``change`` and ``significant`` are given (``up``/``down`` by the
        sign of a significant change, ``stable`` for a non-significant one,
        none for an untested one); a value contradicting the sign of
        ``change`` (or ``stable`` for a significant change) is refused.
    significant
        Whether the change is statistically significant; ``None`` when it was
        not or cannot be tested (published figures without standard errors).
    note
        A short remark shown under the figure (e.g. "convenience sample").
    change_sentence
        Text replacing the change line built from ``previous``/``change``/
        ``direction``/``significant`` (already translated), e.g. for a
        joinpoint trend.
    compare
        ``False`` for a figure that has no earlier value by nature (a count
        of files): no change line.

    Examples
    --------
    >>> kf = KeyFigure("Past-year cocaine use", 2.7, year=2023, previous=1.6, previous_year=2017,
    ...                change=1.1, significant=True)
    >>> kf.direction, kf.change_text("en")
    ('up', 'up from 1.6% in 2017 (+1.1 pp; statistically significant change)')
    >>> KeyFigure("x", 2.7, previous=1.6, change=1.1, direction="down", significant=True)
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: ...
    """

    label: str
    value: float
    unit: str = "percent"
    digits: int = 1
    low: float | None = None
    high: float | None = None
    interval: str = "ci"
    year: int | str | None = None
    population: str | None = None
    previous: float | None = None
    previous_year: int | str | None = None
    change: float | None = None
    direction: str | None = None
    significant: bool | None = None
    note: str | None = None
    change_sentence: str | None = None
    compare: bool = True

    def __post_init__(self) -> None:
        check_choice(self.unit, "KeyFigure unit", UNITS)
        if self.direction is not None:
            check_choice(self.direction, "KeyFigure direction", DIRECTIONS)
        check_choice(self.interval, "KeyFigure interval", ("ci", "range"))
        object.__setattr__(self, "direction", _derived_direction(self))

    @classmethod
    def from_series(cls, data: Any, label: str, y: str = "estimate", x: str = "year", low: str | None = "ci_low",
                    high: str | None = "ci_high", scale: float = 1.0, **kwargs: Any) -> KeyFigure:
        """The key figure of one published series: its latest value and the change since the last comparable one.

        The latest row, its interval, the previous comparable point and the
        tested change all come from :mod:`drugtrends.series` (never across a
        break), so the figure's words follow the numbers.

        Parameters
        ----------
        data : DataFrame
            One series, one row per ``x`` (see :func:`drugtrends.series.pieces`).
        label : str
            The indicator, in the report language.
        y, x : str
            Value and time columns.
        low, high : str or None
            Interval columns of ``y`` (``None``/absent: no interval).
        scale : float
            Display factor (100 for proportions shown as percentages).
        **kwargs
            Other :class:`KeyFigure` fields (``unit``, ``population``,
            ``interval="range"``...), and ``spec``/``breaks``/``source`` for
            :func:`drugtrends.series.change`.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"year": [2017, 2023], "estimate": [0.016, 0.027], "se": [0.001, 0.001],
        ...                   "ci_low": [0.014, 0.025], "ci_high": [0.018, 0.029]})
        >>> kf = KeyFigure.from_series(d, "Cocaine use", scale=100)
        >>> kf.value_text(), kf.year, kf.previous_year, kf.direction
        ('2.7%', 2023, 2017, 'up')
        """
        from drugtrends import series

        pick = {k: kwargs.pop(k) for k in ("spec", "breaks", "source") if k in kwargs}
        last = series.latest(data, x=x)
        ch = series.change(data, x=x, y=y, **pick)

        def bound(col: str | None) -> float | None:
            v = last.get(col) if col else None
            return None if v is None or v != v else float(v) * scale

        xv = last[x]
        try:
            year = int(xv) if float(xv).is_integer() else xv
        except (TypeError, ValueError):
            year = xv  # a date or a period label
        kwargs.setdefault("year", year)
        return cls.from_change(label, float(last[y]) * scale, ch, scale=scale, low=bound(low), high=bound(high),
                               **kwargs)

    @classmethod
    def from_change(cls, label: str, value: float, change: Change | None, scale: float = 1.0,
                    **kwargs: Any) -> KeyFigure:
        """A key figure whose change line comes from :func:`drugtrends.series.change`.

        Parameters
        ----------
        label, value
            As in :class:`KeyFigure` (``value`` on the display scale).
        change
            The :class:`drugtrends.series.Change` (``None``: no earlier
            comparable estimate).
        scale
            Display factor of the change's estimates (100 for proportions
            shown as percentages).
        **kwargs
            Other :class:`KeyFigure` fields (``low``, ``high``, ``year``...).

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends import series
        >>> d = pd.DataFrame({"year": [2019, 2022], "estimate": [0.10, 0.13], "se": [0.01, 0.01]})
        >>> kf = KeyFigure.from_change("Use", 13.0, series.change(d), scale=100)
        >>> kf.direction, kf.significant, round(kf.change, 1), kf.previous_year
        ('up', True, 3.0, 2019)
        """
        if change is None:
            return cls(label, value, **kwargs)
        return cls(label, value, previous=change.estimate_a * scale, previous_year=change.a,
                   change=change.difference * scale, significant=change.significant, **kwargs)

    def _fmt(self, v: float, lang: str) -> str:
        if self.unit == "percent":
            return i18n.fmt_percent(v, self.digits, lang)
        s = i18n.fmt_number(v, self.digits, lang)
        if self.unit == "tonnes":
            return i18n.t("tables.kf_tonnes", lang, value=s)
        if self.unit == "rate":
            return i18n.t("tables.kf_rate", lang, value=s)
        return s

    def value_text(self, lang: str = "en") -> str:
        """The latest value ("2.7%", "27.7 t").

        Parameters
        ----------
        lang
            ``"en"`` or ``"fr"``.

        Returns
        -------
        str

        Examples
        --------
        >>> KeyFigure("Seizures", 27.66, unit="tonnes").value_text("fr")
        '27,7 t'
        """
        return self._fmt(self.value, lang)

    def interval_text(self, lang: str = "en") -> str:
        """The interval ("95% CI 2.4–3.0" / "range 2.4–3.0"), empty without bounds.

        Parameters
        ----------
        lang
            ``"en"`` or ``"fr"``.

        Returns
        -------
        str

        Examples
        --------
        >>> KeyFigure("x", 2.7, low=2.4, high=3.0).interval_text("fr")
        'IC à 95...2,4–3,0'
        """
        ci = i18n.fmt_ci(self.low, self.high, self.digits, lang)
        if not ci:
            return ""
        return i18n.t("tables.kf_ci" if self.interval == "ci" else "tables.kf_range", lang, ci=ci)

    def context_text(self, lang: str = "en") -> str:
        """Year and population ("2023 · adults 18-64").

        Parameters
        ----------
        lang
            ``"en"`` or ``"fr"``.

        Returns
        -------
        str

        Examples
        --------
        >>> KeyFigure("x", 1.0, year=2023, population="adults").context_text()
        '2023 · adults'
        """
        return " · ".join(str(p) for p in (self.year, self.population) if p not in (None, ""))

    def change_text(self, lang: str = "en") -> str:
        """Direction and significance of the change since the last comparable estimate.

        Parameters
        ----------
        lang
            ``"en"`` or ``"fr"``.

        Returns
        -------
        str
            "No earlier comparable estimate" when there is none.

        Examples
        --------
        >>> KeyFigure("x", 2.7, previous=1.6, previous_year=2017, change=1.1, direction="up",
        ...           significant=True).change_text("fr")
        'en hausse par rapport à 1,6...% en 2017 (+1,1 pt...évolution statistiquement significative)'
        """
        if not self.compare:
            return ""
        if self.change_sentence:
            return self.change_sentence
        if self.previous is None:
            return i18n.t("tables.kf_no_previous", lang)
        if self.change is None:
            change = ""
        elif self.unit == "percent":
            change = i18n.t("tables.kf_pp", lang, value=i18n.fmt_signed(self.change, self.digits, lang))
        else:
            sign = i18n.fmt_signed(self.change, self.digits, lang)[0]
            change = sign + self._fmt(abs(self.change), lang)
        fields = {"previous": self._fmt(self.previous, lang), "previous_year": self.previous_year, "change": change}
        if self.significant is None or self.direction is None:
            text = i18n.t("tables.kf_change_untested", lang, **fields)
        elif self.significant and self.direction in ("up", "down"):
            text = i18n.t("tables.kf_change", lang, direction=i18n.t(f"common.direction.{self.direction}", lang),
                          significance=i18n.t("tables.kf_sig_yes", lang), **fields)
        else:
            text = i18n.t("tables.kf_no_change", lang, **fields)
        return _EMPTY_OPEN.sub("(", _EMPTY_CLOSE.sub(")", text))

    def arrow(self) -> str:
        """A triangle for a tested change (empty when untested or without a comparable estimate)."""
        if self.change_sentence:
            return _ARROWS.get(self.direction or "", "")
        return _ARROWS.get(self.direction or "", "") if self.previous is not None else ""


def _derived_direction(k: KeyFigure) -> str | None:
    """The direction the numbers support; refuses a given direction that contradicts them."""
    given, ch, sig = k.direction, k.change, k.significant
    if ch is None or (isinstance(ch, float) and math.isnan(ch)):
        if k.change_sentence:
            return given
        if sig is True and given == "stable":
            raise InputError(f"KeyFigure {k.label!r}: direction='stable' contradicts significant=True.")
        return (given if given in ("up", "down") else None) if sig else ("stable" if sig is False else None)
    if (given == "up" and ch < 0) or (given == "down" and ch > 0) or (given == "stable" and sig is True):
        raise InputError(f"KeyFigure {k.label!r}: direction={given!r} contradicts change={ch:+g} "
                         f"(significant={sig}); leave direction out, it is derived from the numbers.")
    if sig is True:
        if ch == 0:
            raise InputError(f"KeyFigure {k.label!r}: a change of 0 cannot be significant.")
        return "up" if ch > 0 else "down"
    if sig is False:
        return "stable"
    return None


def _typst_str(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


@arguments(renamed("df", "data"))
def from_frame(data, lang: str = "en"):
    """Key figures from a tidy frame, one row per figure (columns named as :class:`KeyFigure`'s fields).

    Unknown columns (``source``...) are ignored; missing values become ``None``.

    Parameters
    ----------
    data
        A DataFrame with at least ``label`` and ``value``.
    lang
        ``"en"`` or ``"fr"``.

    Returns
    -------
    KeyFigures

    Examples
    --------
    >>> import pandas as pd
    >>> box = from_frame(pd.DataFrame({"label": ["Seizures"], "value": [27.7], "unit": ["tonnes"],
    ...                                "year": ["2022"], "source": ["UNODC"]}))
    >>> box.items[0].value_text()
    '27.7 t'
    """
    import dataclasses

    names = {f.name for f in dataclasses.fields(KeyFigure)}
    items = []
    for rec in data.to_dict("records"):
        kw: dict[str, Any] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                              for k, v in rec.items() if k in names}
        kw = {k: v for k, v in kw.items() if v is not None or k in ("low", "high")}
        items.append(KeyFigure(**kw))
    return KeyFigures(items, lang=lang)


class KeyFigures:
    """A box of key figures, displayed as HTML (report pages) and as a Typst block (PDF).

    Parameters
    ----------
    items
        The :class:`KeyFigure` objects, most important first.
    lang
        ``"en"`` or ``"fr"``.
    title
        Heading inside the box (default "Key figures" / "Chiffres clés"); ``""``
        for none (when the report prints the heading itself).
    columns
        Figures per row.

    Examples
    --------
    >>> box = KeyFigures([KeyFigure("Past-month use", 1.2, year=2023)], lang="fr")
    >>> "Chiffres clés" in box.as_markdown() and "1,2" in box.as_markdown()
    True
    """

    def __init__(self, items: Sequence[KeyFigure], lang: str = "en", title: str | None = None, columns: int = 2):
        self.items = list(items)
        self.lang = i18n.check_lang(lang)
        self.title = i18n.t("common.key_figures", lang) if title is None else title
        self.columns = max(1, int(columns))

    def as_html(self) -> str:
        """The box as an HTML fragment with its own small stylesheet."""
        e = html.escape
        cards = []
        for k in self.items:
            parts = [f'<div class="kf-value">{e(k.value_text(self.lang))}</div>']
            if k.interval_text(self.lang):
                parts.append(f'<div class="kf-interval">{e(k.interval_text(self.lang))}</div>')
            parts.append(f'<div class="kf-label">{e(k.label)}</div>')
            if k.context_text(self.lang):
                parts.append(f'<div class="kf-context">{e(k.context_text(self.lang))}</div>')
            if k.change_text(self.lang):
                parts.append(f'<div class="kf-change">{e((k.arrow() + " ") if k.arrow() else "")}'
                             f'{e(k.change_text(self.lang))}</div>')
            if k.note:
                parts.append(f'<div class="kf-note">{e(k.note)}</div>')
            cards.append('<div class="kf-card">' + "".join(parts) + "</div>")
        head = f'<div class="kf-title">{e(self.title)}</div>' if self.title else ""
        css = ("<style>.key-figures{border-left:4px solid #0072B2;background:#F2F6FA;padding:.7em 1em;"
               "margin:1em 0}.kf-title{font-weight:bold;font-size:1.15em;margin-bottom:.4em}"
               f".kf-grid{{display:grid;grid-template-columns:repeat({self.columns},1fr);gap:.8em 1.2em}}"
               ".kf-value{font-size:1.7em;font-weight:bold;color:#0072B2;line-height:1.1}"
               ".kf-interval,.kf-context,.kf-change,.kf-note{font-size:.85em;color:#333}"
               ".kf-label{font-weight:600}.kf-note{font-style:italic}</style>")
        return (f'{css}<section class="key-figures" aria-label="{e(self.title or i18n.t("common.key_figures", self.lang))}">'
                f'{head}<div class="kf-grid">' + "".join(cards) + "</div></section>")

    def as_typst(self) -> str:
        """The box as Typst code (a shaded block that is never split across pages)."""
        cells = []
        for k in self.items:
            lines = [f'text(size: 15pt, weight: "bold", fill: rgb("#0072B2"), {_typst_str(k.value_text(self.lang))})']
            if k.interval_text(self.lang):
                lines.append(f"text(size: 8.5pt, {_typst_str(k.interval_text(self.lang))})")
            lines.append(f'text(weight: "bold", {_typst_str(k.label)})')
            if k.context_text(self.lang):
                lines.append(f'text(size: 8.5pt, fill: luma(70), {_typst_str(k.context_text(self.lang))})')
            arrow = (k.arrow() + " ") if k.arrow() else ""
            if k.change_text(self.lang):
                lines.append(f"text(size: 8.5pt, {_typst_str(arrow + k.change_text(self.lang))})")
            if k.note:
                lines.append(f'text(size: 8pt, style: "italic", {_typst_str(k.note)})')
            cells.append("stack(spacing: 3pt, " + ", ".join(lines) + ")")
        title = (f'text(size: 12pt, weight: "bold", {_typst_str(self.title)}), v(4pt), ' if self.title else "")
        return (f'#block(fill: rgb("#F2F6FA"), stroke: (left: 3pt + rgb("#0072B2")), inset: 9pt, width: 100%, '
                f'breakable: false)[#stack({title}grid(columns: {self.columns}, column-gutter: 12pt, '
                f'row-gutter: 10pt, ' + ", ".join(cells) + "))]")

    def as_markdown(self) -> str:
        """Markdown for the PDF path: the Typst block as a raw block."""
        return f"```{{=typst}}\n{self.as_typst()}\n```\n" if self.items else ""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/html": self.as_html(), "text/markdown": self.as_markdown(),
                "text/plain": "\n".join(f"{k.label}: {k.value_text(self.lang)}" for k in self.items)}


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
