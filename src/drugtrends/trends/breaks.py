"""Breaks in series comparability: a registry of known ones, detection, splitting.

A *break* marks the first value of ``x`` (usually the year) from which a series
is no longer comparable with what came before: a questionnaire redesign, a
change of survey mode, a change of the population covered (age range), or a
change of data status (provisional versus final counts). Trend functions in
:mod:`drugtrends.trends` refuse to estimate across a break
(:class:`~drugtrends.errors.BreakError`) unless told ``allow_breaks=True``;
:func:`split_at_breaks` cuts a series into comparable pieces instead.

Known breaks (:data:`KNOWN_BREAKS`)
-----------------------------------
:class:`Break` *is* :class:`drugtrends.series.Break` (the one break type) and
the entries come from the one registry (:data:`drugtrends.series.REGISTRY`,
which also says which substances or offences each break concerns); tables
annotated by the data layer carry a ``comparability_group`` column, turned
into breaks by :func:`group_breaks`. New code should use
:mod:`drugtrends.series` (``pieces``, ``change``, ``break_reasons``).

* NSDUH 2015: questionnaire redesign (SAMHSA, *2015 NSDUH: Summary of the
  Effects of the 2015 NSDUH Questionnaire Redesign*); several series (e.g.
  prescription drug misuse, methamphetamine, inhalants) start afresh in 2015.
* NSDUH 2020: data collection moved to a multimode (web + in-person) design
  in Q4 2020; SAMHSA states 2020 estimates are comparable with no other year,
  and 2021 onward (multimode) are not comparable with 2019 and earlier. Two
  breaks therefore: at 2020 and at 2021.
* CDC VSRR: provisional 12-month-ending counts are not comparable with final
  counts (the status changes when the final file for a year is closed);
  recorded with ``at=None`` and ``kind="status"``: detect it from the data with
  :func:`detect_definition_breaks` on the status column.
* UNODC World Drug Report annex 1.2: national series whose age range or
  reference period changes (France's cocaine series from 15-64 to 18-64) are
  found in the data by :func:`detect_definition_breaks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from drugtrends._compat import arguments, renamed
from drugtrends.errors import BreakError, UnknownVariableError
from drugtrends.series import Break, fmt_x, known_breaks

__all__ = [
    "Break",
    "KNOWN_BREAKS",
    "as_breaks",
    "fmt_x",
    "breaks_for",
    "check_no_breaks",
    "detect_definition_breaks",
    "group_breaks",
    "split_at_breaks",
]


#: Breaks known from the data producers' documentation that trend functions check by default: the
#: registry entries (:data:`drugtrends.series.REGISTRY`) of NSDUH from 2015 and of CDC VSRR.
KNOWN_BREAKS: tuple[Break, ...] = (
    *(b for b in known_breaks("nsduh") if b.at is not None and b.at >= 2015),
    *known_breaks("cdc_vsrr"),
)


def breaks_for(series: str) -> list[Break]:
    """Known breaks registered for ``series`` (empty list if none).

    Parameters
    ----------
    series : str
        Series or dataset id, compared exactly with :attr:`Break.series` of
        :data:`KNOWN_BREAKS` (e.g. ``"nsduh"``, ``"cdc_vsrr"``).

    Returns
    -------
    list of Break
        The known breaks of that series, in the order of :data:`KNOWN_BREAKS`.

    Examples
    --------
    >>> [b.at for b in breaks_for("nsduh")]
    [2015, 2020, 2021]
    >>> breaks_for("no_such_series")
    []
    """
    return [b for b in KNOWN_BREAKS if b.series == series]


def as_breaks(breaks: Iterable[Break | float] | Break | float | None, series: str = "series") -> list[Break]:
    """Normalise breaks given as Break objects or numbers to a list of :class:`Break`.

    Parameters
    ----------
    breaks : Break, number, iterable of those, or None
        Numbers become user-declared breaks at that x.
    series : str
        Series id given to user-declared breaks.

    Returns
    -------
    list of Break
        Empty for ``None``.

    Examples
    --------
    >>> [b.label() for b in as_breaks([2015, Break("s", 2020, "mode")], series="x")]
    ['x 2015: user-declared break', 's 2020: mode']
    """
    if breaks is None:
        return []
    if isinstance(breaks, (Break, int, float)):
        breaks = [breaks]
    out = []
    for b in breaks:
        if isinstance(b, Break):
            out.append(b)
        else:
            out.append(Break(series, float(b), "user-declared break", "other"))
    return out



def _crossing(xmin: float, xmax: float, breaks: Sequence[Break]) -> list[Break]:
    """Breaks with data on both sides in [xmin, xmax]."""
    return [b for b in breaks if b.at is not None and xmin < float(b.at) <= xmax]


def check_no_breaks(x: Iterable[float], breaks: Iterable[Break | float] | None,
                    what: str = "trend", allow_breaks: bool = False) -> list[Break]:
    """Raise :class:`BreakError` if the ``x`` values straddle a break.

    Parameters
    ----------
    x : iterable of float
        The x values (years) the estimate uses.
    breaks : iterable of Break or float, or None
        Breaks to check (numbers are treated as user-declared breaks).
    what : str
        Name of the calling estimate, used in the message.
    allow_breaks : bool
        If True, never raise: return the crossed breaks so results carry them.

    Returns
    -------
    list of Break
        The breaks crossed (empty if none).

    Examples
    --------
    >>> check_no_breaks([2012, 2013, 2014], breaks_for("nsduh"))
    []
    >>> check_no_breaks([2014, 2016], breaks_for("nsduh"), allow_breaks=True)[0].at
    2015
    >>> check_no_breaks([2014, 2016], breaks_for("nsduh"))
    Traceback (most recent call last):
    ...
    drugtrends.errors.BreakError: trend: the x values 2014 to 2016 cross a comparability break: nsduh 2015: ...
    """
    xs = pd.to_numeric(pd.Series(list(x)), errors="coerce").dropna()
    bl = as_breaks(breaks)
    if xs.empty:
        return []
    crossed = _crossing(float(xs.min()), float(xs.max()), bl)
    if crossed and not allow_breaks:
        names = "; ".join(b.label() for b in crossed)
        raise BreakError(
            f"{what}: the x values {fmt_x(xs.min())} to {fmt_x(xs.max())} cross a comparability "
            f"break: {names}. Estimate each side separately (drugtrends.trends.split_at_breaks), "
            "or pass allow_breaks=True to override if you know the measure is unaffected."
        )
    return crossed


@arguments(renamed("df", "data"))
def split_at_breaks(data: pd.DataFrame, breaks: Iterable[Break | float] | None, x: str = "year",
                    ) -> list[tuple[str, pd.DataFrame]]:
    """Cut a series into pieces that are comparable within themselves.

    Parameters
    ----------
    data : DataFrame
        The series (one row per ``x`` value, or several per group).
    breaks : iterable of Break or float, or None
        Breaks; each starts a new piece at ``x >= at``. Breaks with ``at=None``
        are ignored here (detect them with :func:`detect_definition_breaks`).
    x : str
        Column holding the time variable.

    Returns
    -------
    list of (label, DataFrame)
        Pieces in time order; the label is ``"start-end"`` of the x values kept.
        Empty pieces are dropped.

    Examples
    --------
    >>> d = pd.DataFrame({"year": range(2012, 2024), "p": 0.1})
    >>> [lab for lab, _ in split_at_breaks(d, breaks_for("nsduh"))]
    ['2012-2014', '2015-2019', '2020', '2021-2023']
    """
    if x not in data.columns:
        raise UnknownVariableError(f"split_at_breaks(): column {x!r} not in the data; columns: {list(data.columns)}")
    cuts = sorted({float(b.at) for b in as_breaks(breaks) if b.at is not None})
    xv = pd.to_numeric(data[x], errors="coerce")
    edges = [-float("inf"), *cuts, float("inf")]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        piece = data.loc[(xv >= lo) & (xv < hi)]
        if piece.empty:
            continue
        a, b = fmt_x(pd.to_numeric(piece[x]).min()), fmt_x(pd.to_numeric(piece[x]).max())
        out.append((a if a == b else f"{a}-{b}", piece))
    return out


@arguments(renamed("df", "data"))
def detect_definition_breaks(data: pd.DataFrame, x: str = "year", by: Sequence[str] | str | None = None,
                             definition: Sequence[str] | str = ("age_group", "period"),
                             series: str = "series") -> list[Break]:
    """Find breaks where a series' definition (age range, period, status) changes.

    Within each group of ``by``, rows are sorted by ``x``; a break is recorded
    at the first ``x`` whose ``definition`` columns differ from the previous
    row's (missing values compare equal to each other).

    Parameters
    ----------
    data : DataFrame
        Long data, e.g. UNODC annex 1.2 rows (country, substance, year, age
        range, value).
    x : str
        Time column.
    by : str or sequence of str, optional
        Columns identifying one series (e.g. ``["country", "substance"]``).
    definition : str or sequence of str
        Columns whose change breaks comparability (e.g. ``["age_group"]``).
    series : str
        Series id written into each :class:`Break`.

    Returns
    -------
    list of Break
        One per change, with ``kind="definition"`` and ``domain`` set to the
        group; the reason names the old and new definition.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "year": [2010, 2014, 2017, 2023],
    ...                   "age_group": ["15-64", "15-64", "18-64", "18-64"]})
    >>> [b.label() for b in detect_definition_breaks(d, by="country", definition="age_group",
    ...                                              series="cocaine")]
    ['cocaine [country=France] 2017: age_group changed from 15-64 to 18-64']
    """
    by = [by] if isinstance(by, str) else list(by or [])
    definition = [definition] if isinstance(definition, str) else list(definition)
    missing = [c for c in [x, *by, *definition] if c not in data.columns]
    if missing:
        raise UnknownVariableError(
            f"detect_definition_breaks(): column(s) {missing} not in the data; columns: {list(data.columns)}")
    d = data[[x, *by, *definition]].copy()
    d["_x"] = pd.to_numeric(d[x], errors="coerce")
    d = d.sort_values([*by, "_x"], kind="stable")
    groups = d.groupby(by, sort=False, dropna=False) if by else [((), d)]
    out: list[Break] = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        dom = tuple(zip(by, key))
        prev = None
        for _, row in g.iterrows():
            cur = tuple("<NA>" if pd.isna(row[c]) else str(row[c]) for c in definition)
            if prev is not None and cur != prev:
                changes = [f"{c} changed from {a} to {b}" for c, a, b in zip(definition, prev, cur) if a != b]
                xv = float(row["_x"])
                out.append(Break(series, int(xv) if xv.is_integer() else xv, "; ".join(changes),
                                 "definition", dom))
            prev = cur
    return out


def group_breaks(df: pd.DataFrame, x: str = "year", by: Sequence[str] | str | None = None,
                 group: str = "comparability_group", reason: str = "break_reason",
                 series: str = "series") -> list[Break]:
    """Breaks from a table annotated by the data layer (``comparability_group``).

    A break is recorded at the first ``x`` of every comparability group after
    the first one of its series (``by``), with the data layer's
    ``break_reason`` when the table has it.

    Parameters
    ----------
    df : DataFrame
        E.g. ``dt.load("unodc_prevalence")`` rows of one or several series.
    x : str
        Time column.
    by : str or sequence of str, optional
        Columns identifying one series (e.g. ``["country", "substance",
        "indicator", "period"]``).
    group, reason : str
        Group and reason columns.
    series : str
        Series id written into each :class:`Break`.

    Returns
    -------
    list of Break
        ``kind="definition"``, ``domain`` = the series' ``by`` values.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a", "b", "b"],
    ...                   "break_reason": [None, "NSDUH 2015 redesign", None]})
    >>> [b.label() for b in group_breaks(d, series="us")]
    ['us 2015: NSDUH 2015 redesign']
    """
    by = [by] if isinstance(by, str) else list(by or [])
    missing = [c for c in [x, group, *by] if c not in df.columns]
    if missing:
        raise UnknownVariableError(
            f"group_breaks(): column(s) {missing} not in the data; columns: {list(df.columns)}")
    d = df.assign(_x=pd.to_numeric(df[x], errors="coerce")).sort_values([*by, "_x"], kind="stable")
    groups = d.groupby(by, sort=False, dropna=False, observed=True) if by else [((), d)]
    out: list[Break] = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        firsts = g.drop_duplicates(group)
        for _, row in firsts.iloc[1:].iterrows():
            why = row[reason] if reason in g.columns and pd.notna(row[reason]) else f"{group} changed to {row[group]}"
            xv = float(row["_x"])
            out.append(Break(series, int(xv) if xv.is_integer() else xv, str(why), "definition",
                             tuple(zip(by, key))))
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
