"""Comparable stretches, latest point, previous comparable point, change and break reasons of a series.

See :mod:`drugtrends.series` for the API overview.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import BreakError, InputError, UnknownVariableError
from drugtrends.series.keys import ComparabilityKey, KeySpec, comparability_keys, key_spec
from drugtrends.series.registry import Break, fmt_x, known_breaks
from drugtrends.validate import check_level

__all__ = ["Change", "Piece", "break_reasons", "change", "latest", "pieces", "previous_comparable"]



class Piece(NamedTuple):
    """One comparable stretch of a series: its key, first and last ``x``, and its rows (sorted by ``x``).

    Parameters
    ----------
    key : ComparabilityKey
        The key every row of the stretch shares.
    start, end : object
        First and last ``x``.
    data : DataFrame
        The rows, sorted by ``x``.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a", "b", "b"]})
    >>> [(p.start, p.end, len(p.data)) for p in pieces(d)]
    [(2014, 2014, 1), (2015, 2016, 2)]
    """

    key: ComparabilityKey
    start: Any
    end: Any
    data: pd.DataFrame


def _xvalues(data: pd.DataFrame, x: str) -> pd.Series:
    if x not in data.columns:
        raise UnknownVariableError(f"column {x!r} (x) is not in the data; columns: {list(data.columns)}.")
    col = data[x]
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    xv = pd.to_numeric(col, errors="coerce")
    bad = xv.isna() & col.notna()
    if bad.any():
        raise InputError(f"column {x!r} holds values that are neither numbers nor dates "
                         f"(e.g. {col[bad].iloc[0]!r}): give years as numbers or dates as datetimes.")
    return xv


def _cut_points(brks: Sequence[Break], dates: bool) -> list[Any]:
    cuts = [b.start() if dates else b.position() for b in brks]
    return sorted({c for c in cuts if c is not None})


def _domain(g: pd.DataFrame, brks: Sequence[Break], by: Sequence[str], key: tuple[Any, ...]) -> dict[str, Any]:
    """The series' values of every column a break is restricted to (constant columns only)."""
    dom = dict(zip(by, key))
    for b in brks:
        for col, _vals in (*b.affects, *b.domain):
            if col not in dom and col in g.columns and g[col].nunique(dropna=False) == 1:
                dom[col] = g[col].iloc[0]
    return dom


def _as_breaks(breaks: Iterable[Break | float] | Break | float | None, source: str | None) -> list[Break]:
    if breaks is None:
        return known_breaks(source) if source is not None else []
    items = [breaks] if isinstance(breaks, (Break, int, float)) else list(breaks)
    out = []
    for b in items:
        if isinstance(b, Break):
            out.append(b)
        elif isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b):
            out.append(Break(source or "series", b, "user-declared break"))
        else:
            raise InputError(f"breaks: {b!r} is neither a Break nor a year; give drugtrends.series.Break "
                             "objects or numbers.")
    return out


def _keyed(data: pd.DataFrame, x: str, by: str | Sequence[str] | None, spec: KeySpec | str | None,
           breaks: Iterable[Break | float] | Break | float | None, source: str | None
           ) -> tuple[pd.DataFrame, list[str], list[Break]]:
    """A slim frame on ``data``'s index, sorted by series and x: ``_pos`` (row position in ``data``), ``_x``,
    ``_series`` (group number), ``_key`` (registry cuts folded into the key) and the ``by`` columns.
    Rows without ``x`` are left out."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    byl = [by] if isinstance(by, str) else list(by or [])
    missing = [c for c in byl if c not in data.columns]
    if missing:
        raise UnknownVariableError(f"by: column(s) {missing} not in the data; columns: {list(data.columns)}.")
    brks = _as_breaks(breaks, source)
    extra = [c for b in brks for c, _ in (*b.affects, *b.domain) if c in data.columns and c not in byl]
    extra += [c for c in ("break_code",) if c in data.columns]
    d = data[list(dict.fromkeys([*byl, *extra]))].assign(_pos=np.arange(len(data)), _x=_xvalues(data, x),
                                                       _key=comparability_keys(data, spec))
    d = d.loc[d["_x"].notna()]
    d["_series"] = d.groupby(byl, sort=True, dropna=False, observed=True).ngroup() if byl else 0
    d = d.sort_values(["_series", "_x"], kind="stable")
    if not brks:
        return d, byl, brks
    dates = pd.api.types.is_datetime64_any_dtype(d["_x"])
    keys = d["_key"].tolist()
    for _, idx in d.groupby("_series", sort=False).indices.items():
        g = d.iloc[idx]
        first = tuple(g[c].iloc[0] for c in byl)
        cuts = _cut_points([b for b in brks if b.applies_to(_domain(g, brks, byl, first))], dates)
        if cuts:
            for i, v in zip(idx, g["_x"]):
                k = keys[i]
                keys[i] = ComparabilityKey(k.series, (*k.regime, ("_break", sum(c <= v for c in cuts))))
    d["_key"] = pd.Series(keys, index=d.index, dtype=object)
    return d, byl, brks


def _plain(v: Any) -> Any:
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"):
        return pd.Timestamp(v)
    f = float(v)
    return int(f) if f.is_integer() else f


def pieces(data: pd.DataFrame, x: str = "year", by: str | Sequence[str] | None = None,
           spec: KeySpec | str | None = None, breaks: Iterable[Break | float] | Break | float | None = None,
           source: str | None = None) -> list[Piece]:
    """Cut a series (or each series of ``by``) into comparable stretches.

    Parameters
    ----------
    data : DataFrame
        One row per ``x`` (or several, e.g. age groups, when the key tells
        them apart).
    x : str
        Time column (numbers or datetimes).
    by : str or sequence of str, optional
        Columns naming the series when ``data`` holds several.
    spec : KeySpec or str, optional
        The comparability key (default: :func:`key_spec`).
    breaks : Break, number or iterable of those, optional
        Registry or user breaks: each starts a new piece at ``x >= at`` (at
        ``date`` for a datetime ``x``) in the series it applies to.
    source : str, optional
        Take the registry breaks of this source (:func:`known_breaks`) when
        ``breaks`` is not given.

    Returns
    -------
    list of Piece
        ``(key, start, end, data)`` in order of series, then first ``x``.

    Examples
    --------
    >>> d = pd.DataFrame({"year": range(2012, 2024), "estimate": 0.1})
    >>> [(p.start, p.end) for p in pieces(d, source="nsduh")]  # no substance column: 2015 counts
    [(2012, 2014), (2015, 2019), (2020, 2020), (2021, 2023)]
    >>> [(p.start, p.end) for p in pieces(d.assign(substance="cannabis"), source="nsduh")]
    [(2012, 2019), (2020, 2020), (2021, 2023)]
    >>> g = pd.DataFrame({"year": [2014, 2015, 2016], "comparability_group": ["a", "b", "b"]})
    >>> [len(p.data) for p in pieces(g)]
    [1, 2]
    """
    d, _byl, _ = _keyed(data, x, by, spec, breaks, source)
    first: dict[tuple[int, ComparabilityKey], int] = {}
    for s_, k in zip(d["_series"], d["_key"]):
        first.setdefault((s_, k), len(first))
    piece_no = np.fromiter((first[(s_, k)] for s_, k in zip(d["_series"], d["_key"])), dtype=np.int64, count=len(d))
    order = np.argsort(piece_no, kind="stable")
    rows = data.iloc[d["_pos"].to_numpy()[order]]
    xs = d["_x"].to_numpy()[order]
    bounds = np.flatnonzero(np.diff(piece_no[order])) + 1
    out = []
    for (_, k), lo, hi in zip(first, [0, *bounds], [*bounds, len(order)]):
        out.append(Piece(k, _plain(xs[lo]), _plain(xs[hi - 1]), rows.iloc[lo:hi]))
    return out


def _has_key(d: pd.DataFrame, key: ComparabilityKey) -> np.ndarray:
    return np.fromiter((k == key for k in d["_key"]), dtype=bool, count=len(d))


def _one_series(d: pd.DataFrame, fn: str) -> None:
    names = {k.series for k in d["_key"]}
    if d["_series"].nunique() > 1 or len(names) > 1:
        shown = "; ".join(", ".join(f"{c}={v}" for c, v in n) for n in list(names)[:3])
        raise InputError(f"{fn}(): the data hold several series ({shown}...); give one "
                         "(filter, or use pieces(..., by=...)).")


def _row_at(d: pd.DataFrame, at: Any, x: str, fn: str) -> pd.Series:
    at_v = _xvalues(pd.DataFrame({x: [at]}), x).iloc[0] if not isinstance(at, pd.Timestamp) else at
    rows = d.loc[d["_x"] == at_v]
    if rows.empty:
        have = ", ".join(fmt_x(v) for v in dict.fromkeys(d["_x"]))
        raise InputError(f"{fn}(): no row with {x}={at!r}; the series has {x} {have}.")
    if len(rows) > 1:
        raise InputError(f"{fn}(): {len(rows)} rows with {x}={fmt_x(at_v)}; keep one row per {x} "
                         "(e.g. filter one age group) before asking for one point.")
    return rows.iloc[0]


def latest(data: pd.DataFrame, x: str = "year", by: str | Sequence[str] | None = None) -> pd.Series | pd.DataFrame:
    """The latest row of a series (a Series), or of each series of ``by`` (a DataFrame).

    Raises :class:`~drugtrends.errors.InputError` when the latest ``x`` has
    several rows in one series (filter first) or the data are empty.

    Parameters
    ----------
    data : DataFrame
        Rows of one or more series.
    x : str
        The time column.
    by : str or list of str, optional
        Columns that identify separate series (one latest row each).

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2019, 2023, 2021], "estimate": [1.0, 2.0, 3.0]})
    >>> int(latest(d)["year"])
    2023
    >>> m = pd.DataFrame({"c": ["FR", "FR", "ES"], "year": [2017, 2023, 2022], "estimate": [1.6, 2.7, 2.4]})
    >>> latest(m, by="c")[["c", "year"]].values.tolist()
    [['ES', 2022], ['FR', 2023]]
    """
    d, byl, _ = _keyed(data, x, by, None, None, None)
    if d.empty:
        raise InputError(f"latest(): the data have no row with a {x!r} value.")
    rows = [int(_row_at(g, g["_x"].iloc[-1], x, "latest")["_pos"]) for _, g in d.groupby("_series", sort=False)]
    if not byl:
        return data.iloc[rows[0]]
    return data.iloc[rows]


def previous_comparable(data: pd.DataFrame, at: Any = None, x: str = "year", spec: KeySpec | str | None = None,
                        breaks: Iterable[Break | float] | Break | float | None = None,
                        source: str | None = None) -> pd.Series | None:
    """The last row before ``at`` that is comparable with the row at ``at`` (``None`` if there is none).

    Parameters
    ----------
    data : DataFrame
        One series, one row per ``x``.
    at : x value, optional
        Default: the latest ``x``.
    x, spec, breaks, source
        As in :func:`pieces`.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2014, 2016, 2019, 2020, 2022], "estimate": [1, 2, 3, 4, 5]})
    >>> int(previous_comparable(d, 2019, source="nsduh")["year"])
    2016
    >>> previous_comparable(d, source="nsduh") is None
    True
    """
    d, _, _ = _keyed(data, x, None, spec, breaks, source)
    _one_series(d, "previous_comparable")
    if d.empty:
        raise InputError(f"previous_comparable(): the data have no row with a {x!r} value.")
    row = _row_at(d, d["_x"].iloc[-1] if at is None else at, x, "previous_comparable")
    before = _before(d, row)
    return None if before.empty else data.iloc[int(before["_pos"].iloc[-1])]


def _before(d: pd.DataFrame, row: pd.Series) -> pd.DataFrame:
    """Rows of ``d`` earlier than ``row`` and comparable with it."""
    return d.loc[(d["_x"] < row["_x"]).to_numpy() & _has_key(d, row["_key"])]


# --------------------------------------------------------------------------- change


@dataclass(frozen=True)
class Change:
    """The change between two comparable points of a series, with its test when the rows allow one.

    Attributes
    ----------
    a, b : x values
        Earlier and later point.
    estimate_a, estimate_b, difference : float
        ``difference = estimate_b - estimate_a``; ``relative`` is
        ``difference / estimate_a`` (``nan`` when ``estimate_a`` is 0).
    se, ci_low, ci_high, p_value : float
        Standard error of the difference (independent estimates:
        ``sqrt(se_a**2 + se_b**2)``), its ``level`` interval and two-sided
        p-value; ``nan`` when not tested.
    tested : bool
        The rows carried standard errors (or intervals) for both points.
    significant : bool or None
        ``p_value < 1 - level``; ``None`` when not tested.
    direction : {"up", "down", "stable"} or None
        ``up``/``down`` only for a significant change, ``stable`` for a
        tested non-significant one, ``None`` when not tested: text written
        from it cannot claim more than the test.
    method : str
        ``"z"``, ``"t"`` (``df`` given: smaller of the two) or ``""``.
    flag : tuple of str
        ``not_tested``, ``se_from_ci`` (standard errors derived from
        symmetric intervals), ``zero_se``, ``missing_estimate`` (a point has
        no value), ``suppressed_point`` (a row is marked ``suppressed``: the
        change rests on an estimate not reliable enough to publish). Named like
        the ``flag`` column of the tidy results; ``flags`` is its former name
        (FutureWarning).

    Examples
    --------
    >>> from drugtrends import series
    >>> d = pd.DataFrame({"year": [2019, 2022], "estimate": [0.10, 0.13], "se": [0.01, 0.01]})
    >>> c = series.change(d)
    >>> type(c).__name__, c.a, c.b, round(c.difference, 3), c.significant
    ('Change', 2019, 2022, 0.03, True)
    """

    a: Any
    b: Any
    estimate_a: float
    estimate_b: float
    difference: float
    relative: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    level: float
    tested: bool
    significant: bool | None
    direction: str | None
    method: str
    flag: tuple[str, ...] = ()

    @property
    def flags(self) -> tuple[str, ...]:
        """Former name of :attr:`flag` (FutureWarning; goes in the next minor version)."""
        warnings.warn("Change.flags is renamed Change.flag, like the 'flag' column of the tidy results "
                      "(since 0.4; flags goes in the next minor version).", FutureWarning, stacklevel=2)
        return self.flag


def _se_of(row: pd.Series, z: float) -> tuple[float, bool]:
    """(standard error, derived from the interval?) of a row; nan when it carries neither."""
    se = pd.to_numeric(pd.Series([row.get("se")]), errors="coerce").iloc[0]
    if pd.notna(se):
        return float(se), False
    lo, hi = (pd.to_numeric(pd.Series([row.get(c)]), errors="coerce").iloc[0] for c in ("ci_low", "ci_high"))
    if pd.notna(lo) and pd.notna(hi) and z > 0:
        return float(hi - lo) / (2 * z), True
    return math.nan, False


def _test(ea: float, eb: float, sa: float, sb: float, dfs: list[float], level: float
          ) -> tuple[float, float, float, float, str]:
    diff = eb - ea
    se = math.hypot(sa, sb)
    df = min(dfs) if dfs and all(math.isfinite(v) and v > 0 for v in dfs) else math.inf
    dist = stats.t(df) if math.isfinite(df) else stats.norm()
    q = float(dist.ppf(0.5 + level / 2))
    p = float(2 * dist.sf(abs(diff) / se))
    return se, diff - q * se, diff + q * se, p, "t" if math.isfinite(df) else "z"


def change(data: pd.DataFrame, a: Any = None, b: Any = None, x: str = "year", y: str = "estimate",
           level: float = 0.95, ci_level: float = 0.95, spec: KeySpec | str | None = None,
           breaks: Iterable[Break | float] | Break | float | None = None, source: str | None = None
           ) -> Change | None:
    """The change from ``a`` to ``b`` in one series, never across a break.

    Parameters
    ----------
    data : DataFrame
        One series, one row per ``x``, with ``y`` and, for a test, ``se`` (or
        ``ci_low``/``ci_high`` at ``ci_level``) and optionally ``df``.
    a, b : x values, optional
        Default ``b``: the latest ``x``; ``a``: :func:`previous_comparable`.
    x, y : str
        Time and value columns.
    level : float
        Level of the difference's interval; significance is ``p < 1 - level``.
    ci_level : float
        Level of the rows' intervals (when standard errors are derived from them).
    spec, breaks, source
        As in :func:`pieces`.

    Returns
    -------
    Change or None
        ``None`` when ``a`` is not given and no earlier comparable point exists.

    Raises
    ------
    BreakError
        ``a`` and ``b`` are not comparable (the message gives the reason codes).

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2017, 2023], "estimate": [1.6, 2.7], "ci_low": [1.4, 2.4], "ci_high": [1.8, 3.0]})
    >>> c = change(d)
    >>> c.direction, round(c.difference, 1), c.flag
    ('up', 1.1, ('se_from_ci',))
    >>> change(d[["year", "estimate"]]).direction is None  # published figures without intervals: not tested
    True
    """
    level = check_level(level)
    d, _, _ = _keyed(data, x, None, spec, breaks, source)
    _one_series(d, "change")
    if d.empty:
        raise InputError(f"change(): the data have no row with a {x!r} value.")
    if y not in data.columns:
        raise UnknownVariableError(f"change(): column {y!r} (y) is not in the data; columns: {list(data.columns)}.")
    rb = _row_at(d, d["_x"].iloc[-1] if b is None else b, x, "change")
    if a is None:
        before = _before(d, rb)
        if before.empty:
            return None
        ra = before.iloc[-1]
    else:
        ra = _row_at(d, a, x, "change")
    if ra["_x"] > rb["_x"]:
        raise InputError(f"change(): a={fmt_x(ra['_x'])} comes after b={fmt_x(rb['_x'])}; "
                         "give the earlier point first.")
    if ra["_key"] != rb["_key"]:
        codes = _reason_codes(ra, rb, key_spec(data, spec), _as_breaks(breaks, source))
        raise BreakError(f"change(): {fmt_x(ra['_x'])} and {fmt_x(rb['_x'])} are not comparable "
                         f"({', '.join(codes)}): compare points of one piece (drugtrends.series.pieces).")
    return _compare(ra, rb, data.iloc[int(ra["_pos"])], data.iloc[int(rb["_pos"])], y, level,
                    check_level(ci_level, "ci_level"))


def _compare(ra: pd.Series, rb: pd.Series, oa: pd.Series, ob: pd.Series, y: str, level: float,
             ci_level: float) -> Change:
    """The :class:`Change` from point ``ra`` to ``rb`` (keyed rows, already comparable; ``oa``/``ob``: data rows)."""
    ea, eb = (float(pd.to_numeric(pd.Series([r[y]]), errors="coerce").iloc[0]) for r in (oa, ob))
    z = float(stats.norm.ppf(0.5 + ci_level / 2))
    (sa, fa), (sb, fb) = _se_of(oa, z), _se_of(ob, z)
    flags = ["se_from_ci"] if fa or fb else []
    if any(bool(r.get("suppressed")) is True for r in (oa, ob) if not _missing(r.get("suppressed"))):
        flags.append("suppressed_point")  # one of the points is not reliable enough to publish
    diff = eb - ea
    rel = diff / ea if ea != 0 else math.nan
    nan = math.nan
    untestable = not (math.isfinite(ea) and math.isfinite(eb))
    if untestable or not (math.isfinite(sa) and math.isfinite(sb)) or not (sa > 0 or sb > 0):
        flags = ["not_tested", *flags] + (["missing_estimate"] if untestable else []) \
            + (["zero_se"] if sa == 0 and sb == 0 else [])
        return Change(_plain(ra["_x"]), _plain(rb["_x"]), ea, eb, diff, rel, nan, nan, nan, nan, level,
                      False, None, None, "", tuple(flags))
    dfs = [float(r["df"]) for r in (oa, ob) if "df" in r.index and pd.notna(r["df"])]
    se, lo, hi, p, method = _test(ea, eb, sa, sb, dfs if len(dfs) == 2 else [], level)
    sig = p < 1 - level
    direction = ("up" if diff > 0 else "down") if sig else "stable"
    return Change(_plain(ra["_x"]), _plain(rb["_x"]), ea, eb, diff, rel, se, lo, hi, p, level,
                  True, sig, direction, method, tuple(flags))


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- reasons


def _reason_codes(ra: Mapping[str, Any], rb: Mapping[str, Any], spec: KeySpec | None, brks: Sequence[Break]
                  ) -> list[str]:
    """Reason codes of the change of key from row ``ra`` to row ``rb``."""
    return [c for c, *_ in _reasons(ra, rb, spec, brks)] or ["unknown"]


def _reasons(ra: Mapping[str, Any], rb: Mapping[str, Any], spec: KeySpec | None, brks: Sequence[Break]
             ) -> list[tuple[str, str, Any, Any]]:
    """``(code, part, old, new)`` for each part of the key that changed between two rows."""
    out: list[tuple[str, str, Any, Any]] = []
    for part, old, new in ra["_key"].differences(rb["_key"]):
        if part == "_break":
            crossed = [b for b in brks if b.at is not None and _between(b, ra["_x"], rb["_x"])]
            out += [(b.code or "unknown", "break", _plain(ra["_x"]), _plain(rb["_x"])) for b in crossed]
        elif part == "comparability_group":
            code = rb.get("break_code")
            codes = str(code).split("+") if isinstance(code, str) and code else ["unknown"]
            out += [(c, part, old, new) for c in codes]
        else:
            out.append(((spec.code_of(part, old, new) if spec else part), part, old, new))
    return out


def _between(b: Break, xa: Any, xb: Any) -> bool:
    pos = b.start() if isinstance(xa, pd.Timestamp) else b.position()
    return pos is not None and xa < pos <= xb


def break_reasons(data: pd.DataFrame, x: str = "year", by: str | Sequence[str] | None = None,
                  spec: KeySpec | str | None = None,
                  breaks: Iterable[Break | float] | Break | float | None = None,
                  source: str | None = None) -> pd.DataFrame:
    """Why each break of a series happens: one row per reason, as codes (translate them when presenting).

    A break is recorded at the first row of every key after the first of its
    series, against the last row of the previous ``x`` (or the row just
    before it when two keys start at the same ``x``).

    Parameters
    ----------
    data : DataFrame
        Rows of one or more series.
    x : str
        The time column.
    by : str or list of str, optional
        Columns that identify separate series.
    spec : KeySpec or str, optional
        As for :func:`comparability_keys`.
    breaks : Break, float or iterable, optional
        Extra breaks (``Break`` objects or x positions).
    source : str, optional
        Registry source whose known breaks apply (``"nsduh"``...).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``x`` (first point of the new stretch),
        ``previous_x``, ``code`` (a key of :data:`REASONS` when known),
        ``part`` (which key column changed, or ``break`` for a registry
        break), ``old`` and ``new`` (its values).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "France", "substance": "cocaine", "indicator": "prevalence",
    ...     "period": "past_year", "year": [2014, 2017], "age_group": ["15-64", "18-64"], "definition": "-",
    ...     "method_basis": "HHS", "design_era": "all", "source_break": 0})
    >>> break_reasons(d)[["x", "previous_x", "code", "old", "new"]].values.tolist()
    [[2017, 2014, 'age_range', '15-64', '18-64']]
    >>> break_reasons(pd.DataFrame({"year": [2019, 2020, 2021]}), source="nsduh")["code"].tolist()
    ['nsduh_2020_mode', 'nsduh_2021_method']
    """
    d, byl, brks = _keyed(data, x, by, spec, breaks, source)
    sp = key_spec(data, spec)
    rows = []
    cols = [c for c in ("_x", "_key", "break_code", *byl) if c in d.columns]
    recs = d[cols].to_dict("records")
    for idx in d.groupby("_series", sort=False).indices.values():
        g = [recs[i] for i in idx]
        seen: set[ComparabilityKey] = set()
        for i, r in enumerate(g):
            if r["_key"] not in seen and seen:
                earlier = [j for j in range(i) if g[j]["_x"] < r["_x"]]
                prev = g[earlier[-1] if earlier else i - 1]  # same x when no earlier one (two groups)
                for code, part, old, new in _reasons(prev, r, sp, brks) or [("unknown", "", None, None)]:
                    rows.append({**{c: r[c] for c in byl}, "x": _plain(r["_x"]), "previous_x": _plain(prev["_x"]),
                                 "code": code, "part": part, "old": old, "new": new})
            seen.add(r["_key"])
    return pd.DataFrame(rows, columns=[*byl, "x", "previous_x", "code", "part", "old", "new"])


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
