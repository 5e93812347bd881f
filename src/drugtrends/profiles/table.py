"""Profile ("Table 1") of a user group against non-users and everyone: :func:`profile_table`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from drugtrends._compat import arguments, renamed
from drugtrends.errors import DesignError
from drugtrends.profiles.common import (
    PROFILE_COLUMNS,
    by_keys,
    by_mask,
    classify,
    design_of,
    fmt,
    group_values,
    levels,
    mask_of,
    standardized_difference,
)
from drugtrends.profiles.unweighted import unweighted_block, unweighted_test
from drugtrends.profiles.weighted import weighted_block, weighted_test
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, check_choice, check_level, require_columns

__all__ = ["profile_table"]


@arguments(renamed("weights", "weight"))
def profile_table(design, group: str, characteristics, by=None, *,
                  continuous=None, group_values=None, labels: dict | None = None,
                  weight: str | None = None, ci: str = "t", df="design", level: float = 0.95,
                  reliability="nchs", test: str = "F", include_all: bool = True) -> pd.DataFrame:
    """Profile ("Table 1") of a user group against non-users and everyone.

    Parameters
    ----------
    design : SurveyDesign or DataFrame
        A design (weighted, design-based results) or a DataFrame: with
        ``weights=None`` it is treated as a convenience sample (unweighted
        shares with Wilson CIs, means with t CIs, Pearson chi-square and Welch t
        tests); with ``weights="col"`` a design with those weights only (no
        strata or clusters) is built.
    group : str
        Column defining the groups (e.g. ``"hd"`` 0/1). Rows with a missing
        group are left out of every column, including ``"all"``.
    characteristics : list of str
        Categorical characteristics (text, categorical, bool or numeric with at
        most 20 distinct values). Declared categories absent from the data are
        kept with a 0 share and the flag ``"empty level"``.
    by : str or list of str, optional
        Domains (e.g. ``"SurveyYr"``): one profile (and one test) per domain.
    continuous : list of str, optional
        Numeric characteristics summarised by their weighted mean and median
        (``level`` = ``"mean"`` / ``"median"``).
    group_values : list, optional
        Values of ``group`` to show, in order (default: all present, sorted).
    labels : dict, optional
        Display names of group values (``{1: "users", 0: "non-users"}``).
    weight : str, optional
        Weight column when ``design`` is a DataFrame.
    ci : str
        Interval for shares: ``"t"`` (Wald with t, default, as R ``confint``) or a
        proportion method of the survey engine (``"logit"``, ``"beta"``, ...).
    df : {"design", "domain"} or float
        Degrees of freedom of the intervals (default: the whole design's).
    level : float
    reliability : {"nchs", "nsduh", None}
        Suppression rule applied to shares (``suppressed`` / ``flag``).
    test : {"F", "Chisq"}
        Rao-Scott second-order F (default) or first-order chi-square.
    include_all : bool
        Add the ``group_value == "all"`` column.

    Returns
    -------
    DataFrame
        ``by`` columns, ``group``, ``group_value`` (str), ``characteristic``,
        ``kind``, ``level`` (str), ``estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``n`` (unweighted cell count), ``n_total`` (unweighted denominator),
        ``deff``, ``std_diff`` (group value vs the other group values, Austin
        2009; NaN on "all"), ``p_value`` (test of group x characteristic within
        the domain, repeated on every row of the characteristic), ``test``,
        ``statistic``, ``ndf``, ``ddf``, ``suppressed``, ``flag``, ``weighting``.

    Raises
    ------
    UnknownVariableError
        A column is not in the data.
    DesignError
        A numeric characteristic with more than 20 values passed as categorical,
        a group value with no row, a group or characteristic missing everywhere.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"use": [1, 1, 1, 0, 0, 0, 0, 0],
    ...                    "sex": list("ffmmmmff"), "age": [20, 30, 40, 50, 60, 70, 20, 30]})
    >>> t = profile_table(df, "use", ["sex"], continuous=["age"])
    >>> r = t[(t.group_value == "1") & (t.level == "f")].iloc[0]
    >>> round(float(r.estimate), 4), int(r.n), int(r.n_total)
    (0.6667, 2, 3)
    >>> t.weighting.unique().tolist()
    ['unweighted (convenience sample)']
    """
    weights = weight
    ctx = _context(design, group, characteristics, by, continuous, group_values, labels, weights, test, level,
                   include_all)
    parts = []
    for char, kind in ctx.kinds:
        ch = _Characteristic(ctx, char, kind)
        tests = _domain_tests(ctx, char, kind, test)
        for gv, gmask in ctx.columns:
            if ctx.des is not None:
                est = weighted_block(ctx.des.subset(gmask), char, kind, ctx.by, ch.levels, ci, df, reliability)
            else:
                est = unweighted_block(ctx.data, gmask, char, kind, ctx.by, ctx.keys, ch.levels, level)
            est = _complete(est, ctx, ch, gv)
            est = _cell_counts(est, ctx, ch, gmask)
            est["std_diff"] = _std_diffs(est, ctx, ch, gv, gmask)
            parts.append(_finish(est, ctx, ch, gv, tests))
    out = pd.concat(parts, ignore_index=True)
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "std_diff", "p_value", "statistic", "ndf", "ddf"):
        out[c] = out[c].astype(float)
    return out


@dataclass
class _Context:
    """What every block of one profile table shares."""

    des: SurveyDesign | None
    data: pd.DataFrame
    weighting: str
    group: str
    by: list
    kinds: list
    base: np.ndarray            # rows of the (subset) design
    in_group: np.ndarray        # base rows with a shown group value
    keys: pd.DataFrame          # by domains
    w: np.ndarray               # weights (1 without a design)
    dom_masks: dict
    gvals: list                 # group values shown
    columns: list               # (group value or "all", row mask)
    labels: dict


def _context(design, group, characteristics, by, continuous, gvalues, labels, weights, test, level,
             include_all) -> _Context:
    des, data, weighting = design_of(design, weights)
    by = as_list(by)
    require_columns(data, by, "by variable")
    kinds = classify(data, characteristics, continuous)
    base = mask_of(des, data)
    gvals = group_values(data, group, gvalues, base)
    check_choice(test, "test", ("F", "Chisq"))
    check_level(level)
    gcol = data[group]
    in_group = gcol.isin(gvals).to_numpy(dtype=bool) & base
    keys = by_keys(data, by, in_group)
    if len(keys) == 0:
        raise DesignError(f"no row has both a {group!r} value in {[fmt(v) for v in gvals]} and "
                          f"non-missing {by}: nothing to profile.")
    w = (pd.to_numeric(data[des.weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
         if des is not None else np.ones(len(data)))
    dom_masks = {tuple(key[c] for c in by): (by_mask(data, by, key) if by else np.ones(len(data), bool))
                 for _, key in keys.iterrows()}
    columns = [(v, (gcol == v).to_numpy(dtype=bool, na_value=False) & base) for v in gvals]
    if include_all:
        columns.append(("all", in_group))
    return _Context(des, data, weighting, group, by, kinds, base, in_group, keys, w, dom_masks, gvals, columns,
                    labels or {})


class _Characteristic:
    """One characteristic: its levels (as strings), formatted values, levels nobody has."""

    def __init__(self, ctx: _Context, char: str, kind: str):
        data = ctx.data
        self.name, self.kind = char, kind
        self.levels = levels(data[char]) if kind == "categorical" else ["mean", "median"]
        self.lev_str = [fmt(x) for x in self.levels]
        self.formatted: pd.Series | None = None
        self.empty_levels: list[str] = []
        if kind == "categorical":
            formatted = data[char].map(fmt).astype(object).where(data[char].notna(), None)
            self.formatted = formatted
            self.empty_levels = [lv for lv in self.lev_str if not (formatted[ctx.base] == lv).any()]
        self.notna = data[char].notna().to_numpy()
        if self.empty_levels:
            warnings.warn(f"characteristic {char!r}: level(s) {self.empty_levels} have no respondent; they are "
                          "shown with a 0 share and the flag 'empty level'.", stacklevel=3)


def _domain_tests(ctx: _Context, char: str, kind: str, test: str) -> pd.DataFrame:
    """The group x characteristic test, one per by-domain."""
    rows = []
    for _, key in ctx.keys.iterrows():
        dm = ctx.dom_masks[tuple(key[c] for c in ctx.by)] & ctx.base
        r = (weighted_test(ctx.des, dm, ctx.group, char, kind, test) if ctx.des is not None
             else unweighted_test(ctx.data, dm, ctx.group, ctx.gvals, char, kind))
        rows.append({**{c: key[c] for c in ctx.by}, **r})
    return pd.DataFrame(rows) if ctx.by else pd.DataFrame(rows).assign(_k=0)


def _complete(est: pd.DataFrame, ctx: _Context, ch: _Characteristic, gv) -> pd.DataFrame:
    """Every domain x every level, absent levels and empty domains explicit and flagged."""
    by = ctx.by
    grid = ctx.keys.merge(pd.DataFrame({"level": pd.Series(ch.lev_str, dtype=object)}), how="cross")
    est["level"] = est["level"].astype(object)
    est = grid.merge(est.drop(columns=[c for c in ("variable",) if c in est.columns]), on=by + ["level"], how="left")
    if by:
        dom_n = est.groupby(by, sort=False, dropna=False)["n_total"].transform("max")
    else:
        dom_n = pd.Series(est["n_total"].max(), index=est.index)
    dom_n = dom_n.fillna(0).to_numpy()
    empty_dom = dom_n == 0
    absent = est["estimate"].isna().to_numpy() & ~empty_dom
    if ch.kind == "categorical":
        est.loc[absent, "estimate"] = 0.0
        est.loc[absent, "flag"] = "no respondent in this level"
        est.loc[absent, "suppressed"] = False
        glob_empty = est["level"].isin(ch.empty_levels).to_numpy() & ~empty_dom
        est.loc[glob_empty, "flag"] = "empty level"
    est["n_total"] = dom_n
    est.loc[empty_dom, "flag"] = f"no {ctx.group} == {fmt(gv)} in domain" if gv != "all" else "empty domain"
    est.loc[empty_dom, "suppressed"] = True
    return est


def _cell_counts(est: pd.DataFrame, ctx: _Context, ch: _Characteristic, gmask: np.ndarray) -> pd.DataFrame:
    """Unweighted ``n`` of each cell; a level nobody in the cell has is flagged."""
    by = ctx.by
    rows = gmask & ch.notna
    if ch.kind == "categorical":
        assert ch.formatted is not None  # set for every categorical characteristic
        cnt = ctx.data.loc[rows, by + [ch.name]].assign(level=ch.formatted[rows].to_numpy())
        cnt = cnt.groupby(by + ["level"], observed=True).size().rename("n").reset_index()
        est = est.merge(cnt, on=by + ["level"], how="left")
        est["n"] = est["n"].fillna(0).astype("int64")
    else:
        est["n"] = est["n_total"]
    est["n_total"] = est["n_total"].astype("int64")
    est["n"] = est["n"].astype("int64")
    if ch.kind == "categorical":
        empty_dom = (est["n_total"] == 0).to_numpy()
        zero = (est["n"] == 0).to_numpy() & ~empty_dom & (est["flag"].fillna("") == "").to_numpy()
        est.loc[zero, "flag"] = "no respondent in this level"
    return est


def _std_diffs(est: pd.DataFrame, ctx: _Context, ch: _Characteristic, gv, gmask: np.ndarray) -> list[float]:
    """Standardised difference of this group value against the other group values, per row."""
    out = []
    w = ctx.w
    for _, r in est.iterrows():
        if gv == "all":
            out.append(np.nan)
            continue
        dm = ctx.base & ctx.dom_masks[tuple(r[c] for c in ctx.by)] & ch.notna
        g1 = dm & gmask
        g0 = dm & ctx.in_group & ~gmask
        if ch.kind == "categorical":
            x = (ch.formatted == r["level"]).to_numpy(dtype=float)
            out.append(standardized_difference(x[g1], x[g0], w[g1], w[g0], binary=True))
        elif r["level"] == "mean":
            x = ctx.data[ch.name].to_numpy(dtype=float, na_value=np.nan)
            out.append(standardized_difference(x[g1], x[g0], w[g1], w[g0], binary=False))
        else:
            out.append(np.nan)
    return out


def _finish(est: pd.DataFrame, ctx: _Context, ch: _Characteristic, gv, tests: pd.DataFrame) -> pd.DataFrame:
    est["group"] = ctx.group
    est["group_value"] = ctx.labels.get(gv, fmt(gv)) if gv != "all" else "all"
    est["characteristic"] = ch.name
    est["kind"] = ch.kind
    if ctx.by:
        est = est.merge(tests.drop(columns="_k", errors="ignore"), on=ctx.by, how="left")
    else:
        est = est.assign(**{k: tests.iloc[0][k] for k in ("test", "statistic", "ndf", "ddf", "p_value")})
    est["weighting"] = ctx.weighting
    est["suppressed"] = est["suppressed"].fillna(False).astype(bool)
    est["flag"] = est["flag"].fillna("").astype(str)
    return est[ctx.by + PROFILE_COLUMNS]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
