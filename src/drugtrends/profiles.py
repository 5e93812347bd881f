"""Who the users are: profile tables, profile shifts, decomposition, adjusted odds ratios.

Statistics layer: takes DataFrames or :class:`~drugtrends.survey.SurveyDesign`
objects, never reads files, never draws.

* :func:`profile_table` -- "Table 1": for each value of a user group (users,
  non-users) and for everyone (``group_value = "all"``), the weighted share of
  each level of each categorical characteristic (or the weighted mean and
  median of a continuous one) with CIs, the unweighted ``n``, a Rao-Scott test
  of group x characteristic, standardised differences (Austin 2009) and the
  survey engine's suppression flags. With a plain DataFrame and
  ``weights=None`` the same table is computed for a convenience sample
  (unweighted, Pearson chi-square / Welch t tests, ``weighting`` column says so).
* :func:`profile_shift` -- change in the composition of a user group between
  two periods, with design-based tests (SE from the covariance of the two
  domain estimates): the data a dumbbell figure needs.
* :func:`decompose_change` -- Kitagawa (1955) decomposition of a change in
  prevalence into a composition effect and a rate effect (symmetric weights),
  with linearised SEs.
* :func:`adjusted_profile` -- survey-weighted logistic regression of use on
  characteristics: odds ratios with CIs (forest-plot data).
* Applied helpers: :func:`nhanes_design`, :func:`nhanes_profiles`,
  :func:`nhanes_composition_shift`, :func:`uci_profiles`.

Conventions
-----------
* Shares are on the 0-1 scale. ``n`` is the unweighted number of respondents
  in the cell (group x level x ``by`` domain); ``n_total`` the unweighted
  denominator (respondents of the group/domain with a non-missing characteristic).
* The ``"all"`` column is everyone whose group value is shown (by default
  everyone with a non-missing group variable), so it is the union of the other columns.
* Intervals default to Wald ``estimate -/+ t SE`` with the degrees of freedom of
  the whole design (``df="design"``), as R ``confint(svyby(...), df = degf(des))``.
* Rao-Scott tests are computed within each ``by`` domain on the design
  restricted to that domain (R ``svychisq(~g + x, subset(des, by == v))``).

References
----------
Austin PC (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples.
*Statistics in Medicine* 28:3083-3107 (standardised differences; weighted
variance ``sum(w)/(sum(w)^2 - sum(w^2)) * sum(w (x - m)^2)``).
Kitagawa EM (1955). Components of a difference between two rates. *JASA*
50:1168-1194.
Rao JNK, Scott AJ (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Annals of Statistics* 12:46-60.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DesignError, UnknownVariableError
from .survey import SurveyDesign

__all__ = [
    "WEIGHTED", "UNWEIGHTED", "MAX_CATEGORICAL_LEVELS", "profile_table", "profile_shift",
    "decompose_change", "adjusted_profile", "standardized_difference", "nhanes_design",
    "nhanes_profiles", "nhanes_composition_shift", "uci_profiles",
]

#: ``weighting`` column value of design-based results.
WEIGHTED = "design-weighted"
#: ``weighting`` column value of unweighted results (convenience samples).
UNWEIGHTED = "unweighted (convenience sample)"
#: A numeric column with more distinct values than this is refused as categorical.
MAX_CATEGORICAL_LEVELS = 20

_PROFILE_COLUMNS = ["group", "group_value", "characteristic", "kind", "level", "estimate", "se",
                    "ci_low", "ci_high", "n", "n_total", "deff", "std_diff", "p_value", "test",
                    "statistic", "ndf", "ddf", "suppressed", "flags", "weighting"]


# --------------------------------------------------------------------------- helpers
def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        return [x]
    return list(x)


def _fmt(v) -> str:
    """Display string of a group value / level (1.0 -> "1", True -> "True")."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _require(data: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    for c in cols:
        if c not in data.columns:
            close = difflib.get_close_matches(str(c), [str(x) for x in data.columns], n=3)
            hint = f" Did you mean {close}?" if close else ""
            raise UnknownVariableError(
                f"{what} {c!r} is not a column of the data ({len(data.columns)} columns).{hint}")


def _is_numeric(s: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and not isinstance(s.dtype, pd.CategoricalDtype))


def _levels(s: pd.Series) -> list:
    """All levels of a categorical characteristic (declared categories kept, in order)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist())


def _classify(data: pd.DataFrame, characteristics, continuous) -> list[tuple[str, str]]:
    """[(column, "categorical" | "continuous")] with clear errors for bad choices."""
    cat, cont = _as_list(characteristics), _as_list(continuous)
    if not cat and not cont:
        raise DesignError("give at least one characteristic (characteristics=[...] or continuous=[...])")
    _require(data, cat + cont, "characteristic")
    both = set(cat) & set(cont)
    if both:
        raise DesignError(f"{sorted(both)} given both as categorical and as continuous; choose one.")
    out = []
    for c in cat:
        s = data[c]
        if _is_numeric(s):
            k = s.nunique(dropna=True)
            if k > MAX_CATEGORICAL_LEVELS:
                raise DesignError(
                    f"characteristic {c!r} is numeric with {k} distinct values: it looks continuous, "
                    f"not categorical (limit {MAX_CATEGORICAL_LEVELS} levels). Pass it as "
                    f"continuous=[{c!r}] (weighted mean and median) or cut it into bands first "
                    "(pandas.cut).")
        if s.notna().sum() == 0:
            raise DesignError(f"characteristic {c!r} is missing for every row; drop it from the table.")
        out.append((c, "categorical"))
    for c in cont:
        s = data[c]
        if not _is_numeric(s):
            raise DesignError(
                f"continuous characteristic {c!r} has dtype {s.dtype}, not numeric; pass it in "
                "characteristics=[...] (categorical) instead, or convert it with pandas.to_numeric.")
        if s.notna().sum() == 0:
            raise DesignError(f"characteristic {c!r} is missing for every row; drop it from the table.")
        out.append((c, "continuous"))
    return out


def _group_values(data: pd.DataFrame, group: str, group_values, mask: np.ndarray | None = None) -> list:
    _require(data, [group], "group variable")
    col = data[group] if mask is None or mask.all() else data.loc[mask, group]
    present = _levels(col)
    present = [v for v in present if (col == v).any()]
    if not present:
        raise DesignError(f"group variable {group!r} is missing for every row: no users or non-users "
                          "to profile.")
    if group_values is None:
        return present
    out = []
    for v in _as_list(group_values):
        if not (col == v).any():
            raise DesignError(
                f"no row has {group} == {v!r}: this group is empty (values present: "
                f"{[_fmt(x) for x in present]}). Check the group value or the data subset.")
        out.append(v)
    return out


def _by_keys(data: pd.DataFrame, by: list[str], mask: np.ndarray) -> pd.DataFrame:
    if not by:
        return pd.DataFrame(index=range(1))
    return (data.loc[mask, by].dropna().drop_duplicates().sort_values(by).reset_index(drop=True))


def _by_mask(data: pd.DataFrame, by: list[str], key) -> np.ndarray:
    m = np.ones(len(data), dtype=bool)
    for c in by:
        m &= (data[c] == key[c]).to_numpy(dtype=bool, na_value=False)
    return m


def _weighted_var(x: np.ndarray, w: np.ndarray) -> float:
    """Austin (2009) weighted variance ``sum w / ((sum w)^2 - sum w^2) * sum w (x - m)^2``."""
    sw = w.sum()
    if sw <= 0 or len(x) < 2:
        return np.nan
    m = np.sum(w * x) / sw
    den = sw**2 - np.sum(w**2)
    return float(sw / den * np.sum(w * (x - m) ** 2)) if den > 0 else np.nan


def standardized_difference(x1, x0, w1=None, w0=None, binary: bool | None = None) -> float:
    """Standardised difference between two groups (Austin 2009), weighted or not.

    Binary ``x``: ``(p1 - p0) / sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2)``;
    continuous: ``(m1 - m0) / sqrt((s1^2 + s0^2) / 2)`` with the weighted
    variance of Austin (2009) (the usual sample variance when unweighted).

    Parameters
    ----------
    x1, x0 : array_like
        Values in group 1 and group 0 (NaN dropped).
    w1, w0 : array_like, optional
        Weights (default 1).
    binary : bool, optional
        Treat ``x`` as 0/1 (default: when all values are 0 or 1).

    Returns
    -------
    float (NaN when a group is empty or both variances are 0)

    Examples
    --------
    >>> round(standardized_difference([1, 1, 0, 0], [1, 0, 0, 0]), 4)
    0.5345
    >>> round(standardized_difference([1.0, 2, 3], [2.0, 3, 4]), 4)
    -1.0
    """
    x1, x0 = np.asarray(x1, dtype=float), np.asarray(x0, dtype=float)
    w1 = np.ones_like(x1) if w1 is None else np.asarray(w1, dtype=float)
    w0 = np.ones_like(x0) if w0 is None else np.asarray(w0, dtype=float)
    k1, k0 = ~np.isnan(x1), ~np.isnan(x0)
    x1, w1, x0, w0 = x1[k1], w1[k1], x0[k0], w0[k0]
    if w1.sum() <= 0 or w0.sum() <= 0:
        return np.nan
    if binary is None:
        binary = bool(np.isin(np.concatenate([x1, x0]), (0.0, 1.0)).all())
    m1, m0 = np.sum(w1 * x1) / w1.sum(), np.sum(w0 * x0) / w0.sum()
    if binary:
        v = (m1 * (1 - m1) + m0 * (1 - m0)) / 2
    else:
        v = (_weighted_var(x1, w1) + _weighted_var(x0, w0)) / 2
    return float((m1 - m0) / np.sqrt(v)) if v > 0 else np.nan


def _design_of(data_or_design, weights, strata=None, psu=None):
    """(design or None, data, weighting label)."""
    if isinstance(data_or_design, SurveyDesign):
        if weights is not None:
            raise DesignError("weights= is for a plain DataFrame; a SurveyDesign already has its weights.")
        return data_or_design, data_or_design.data, WEIGHTED
    if not isinstance(data_or_design, pd.DataFrame):
        raise DesignError(f"expected a SurveyDesign or a pandas DataFrame, got {type(data_or_design).__name__}")
    if weights is None:
        return None, data_or_design, UNWEIGHTED
    _require(data_or_design, [weights], "weight column")
    return SurveyDesign(data_or_design, weight=weights, strata=strata, psu=psu), data_or_design, WEIGHTED


def _mask_of(design: SurveyDesign | None, data: pd.DataFrame) -> np.ndarray:
    # the rows of a subset design
    if design is None:
        return np.ones(len(data), dtype=bool)
    return design.mask


# --------------------------------------------------------------------------- estimation (weighted)
def _weighted_block(sub: SurveyDesign, char: str, kind: str, by: list[str], levels: list,
                    ci: str, df, reliability) -> pd.DataFrame:
    """Estimates for one group value: by columns, level, estimate, se, ci, n_total, deff, flags."""
    if kind == "categorical":
        t = sub.proportion(char, by=by or None, ci=ci, df=df, reliability=reliability)
        if "level" not in t.columns:      # no level present in this group at all
            t = t.iloc[0:0].assign(level=pd.Series(dtype=object))
        t = t.rename(columns={"n": "n_total"})
        t["level"] = t["level"].map(_fmt)
        return t
    parts = []
    m = sub.mean(char, by=by or None, ci="t", df=df, reliability=None).rename(columns={"n": "n_total"})
    m["level"] = "mean"
    m["flags"] = ""          # reliability rules are for proportions; nothing to flag
    parts.append(m)
    q = sub.quantile(char, q=[0.5], by=by or None, df=df)
    q = q.rename(columns={"n": "n_total"}).drop(columns="prob")
    q["level"] = "median"
    q["deff"] = np.nan
    q["suppressed"] = q["n_total"] == 0
    q["flags"] = np.where(q["n_total"] == 0, "empty domain", "")
    parts.append(q)
    return pd.concat(parts, ignore_index=True)


def _weighted_test(design: SurveyDesign, dmask: np.ndarray, group: str, char: str, kind: str,
                   test_stat: str) -> dict:
    """Rao-Scott (categorical) or design-based Wald F (continuous) within a by-domain."""
    sub = design.subset(dmask)
    try:
        if kind == "categorical":
            r = sub.chisq(group, char, statistic=test_stat)
            if test_stat == "F":
                return {"test": "Rao-Scott F", "statistic": r["value"], "ndf": r["ndf"],
                        "ddf": r["ddf"], "p_value": r["p"]}
            # statistic: Pearson X^2 as R prints it; p from X^2 / mean generalised deff
            return {"test": "Rao-Scott chi-square", "statistic": r["pearson"],
                    "ndf": float(r["df"]), "ddf": np.inf, "p_value": r["p"]}
        fit = sub.glm(f"{char} ~ C({group})", family="gaussian")
        w = fit.wald_test(group)
        return {"test": "design-based Wald F", "statistic": w["F"], "ndf": float(w["ndf"]),
                "ddf": float(w["ddf"]), "p_value": w["p"]}
    except (DesignError, np.linalg.LinAlgError, ValueError, KeyError) as exc:
        return {"test": f"not computed: {exc}", "statistic": np.nan, "ndf": np.nan, "ddf": np.nan,
                "p_value": np.nan}


# --------------------------------------------------------------------------- estimation (unweighted)
def _wilson(k, n, level):
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        den = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


def _median_ci(x: np.ndarray, level: float):
    """Distribution-free CI of the median from binomial order statistics (>= level coverage)."""
    x = np.sort(x)
    n = len(x)
    if n == 0:
        return np.nan, np.nan
    a = (1 - level) / 2
    lo = int(stats.binom.ppf(a, n, 0.5))            # x_(lo) with 1-based lo, lo >= 0
    hi = int(n - lo + 1)
    if lo < 1 or hi > n:
        return x[0], x[-1]
    return float(x[lo - 1]), float(x[hi - 1])


def _unweighted_block(data: pd.DataFrame, gmask: np.ndarray, char: str, kind: str, by: list[str],
                      keys: pd.DataFrame, levels: list, level: float) -> pd.DataFrame:
    rows = []
    for _, key in keys.iterrows():
        dm = gmask & (_by_mask(data, by, key) if by else True)
        x = data.loc[dm, char]
        x = x[x.notna()]
        n = len(x)
        rec0 = {c: key[c] for c in by}
        if kind == "categorical":
            sx = x.map(_fmt)
            for lev in levels:
                k = int((sx == _fmt(lev)).sum())
                p = k / n if n else np.nan
                se = np.sqrt(p * (1 - p) / n) if n else np.nan
                lo, hi = _wilson(k, n, level) if n else (np.nan, np.nan)
                rows.append({**rec0, "level": _fmt(lev), "estimate": p, "se": se, "ci_low": lo,
                             "ci_high": hi, "n_total": n, "deff": np.nan,
                             "suppressed": n == 0, "flags": "" if n else "empty domain"})
        else:
            v = x.to_numpy(dtype=float)
            mean = v.mean() if n else np.nan
            se = v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            q = stats.t.ppf(0.5 + level / 2, n - 1) if n > 1 else np.nan
            rows.append({**rec0, "level": "mean", "estimate": mean, "se": se, "ci_low": mean - q * se,
                         "ci_high": mean + q * se, "n_total": n, "deff": np.nan,
                         "suppressed": n == 0, "flags": "" if n else "empty domain"})
            lo, hi = _median_ci(v, level)
            rows.append({**rec0, "level": "median", "estimate": float(np.median(v)) if n else np.nan,
                         "se": np.nan, "ci_low": lo, "ci_high": hi, "n_total": n, "deff": np.nan,
                         "suppressed": n == 0, "flags": "" if n else "empty domain"})
    return pd.DataFrame(rows)


def _unweighted_test(data: pd.DataFrame, dmask: np.ndarray, group: str, gvals: list, char: str,
                     kind: str) -> dict:
    d = data.loc[dmask, [group, char]].dropna()
    d = d[d[group].isin(gvals)]
    try:
        if kind == "categorical":
            tab = pd.crosstab(d[group].map(_fmt), d[char].map(_fmt))
            tab = tab.loc[tab.sum(axis=1) > 0, tab.sum(axis=0) > 0]
            if tab.shape[0] < 2 or tab.shape[1] < 2:
                raise ValueError(f"table {group} x {char} has fewer than 2 non-empty rows or columns")
            chi2, p, dof, _ = stats.chi2_contingency(tab.to_numpy(), correction=False)
            return {"test": "Pearson chi-square", "statistic": float(chi2), "ndf": float(dof),
                    "ddf": np.inf, "p_value": float(p)}
        samples = [d.loc[d[group] == g, char].to_numpy(dtype=float) for g in gvals]
        samples = [s for s in samples if len(s)]
        if len(samples) < 2 or any(len(s) < 2 for s in samples):
            raise ValueError("each group needs at least 2 values")
        if len(samples) == 2:
            r = stats.ttest_ind(samples[0], samples[1], equal_var=False)
            return {"test": "Welch t", "statistic": float(r.statistic), "ndf": float(r.df),
                    "ddf": np.nan, "p_value": float(r.pvalue)}
        r = stats.f_oneway(*samples)
        k, n = len(samples), sum(len(s) for s in samples)
        return {"test": "one-way ANOVA F", "statistic": float(r.statistic), "ndf": float(k - 1),
                "ddf": float(n - k), "p_value": float(r.pvalue)}
    except ValueError as exc:
        return {"test": f"not computed: {exc}", "statistic": np.nan, "ndf": np.nan, "ddf": np.nan,
                "p_value": np.nan}


# --------------------------------------------------------------------------- profile table
def profile_table(design, group: str = "hd", characteristics=("Gender", "age_band"), by=None, *,
                  continuous=None, group_values=None, labels: dict | None = None,
                  weights: str | None = None, ci: str = "t", df="design", level: float = 0.95,
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
    weights : str, optional
        Weight column when ``design`` is a DataFrame.
    ci : str
        Interval for shares: ``"t"`` (Wald with t, default, as R ``confint``) or a
        proportion method of the survey engine (``"logit"``, ``"beta"``, ...).
    df : {"design", "domain"} or float
        Degrees of freedom of the intervals (default: the whole design's).
    level : float
    reliability : {"nchs", "nsduh", None}
        Suppression rule applied to shares (``suppressed`` / ``flags``).
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
        ``statistic``, ``ndf``, ``ddf``, ``suppressed``, ``flags``, ``weighting``.

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
    des, data, weighting = _design_of(design, weights)
    by = _as_list(by)
    _require(data, by, "by variable")
    kinds = _classify(data, characteristics, continuous)
    base = _mask_of(des, data)
    gvals = _group_values(data, group, group_values, base)
    if test not in ("F", "Chisq"):
        raise DesignError(f"test={test!r}: use 'F' (Rao-Scott F) or 'Chisq'")
    labels = labels or {}
    gcol = data[group]
    in_group = gcol.isin(gvals).to_numpy(dtype=bool) & base
    keys = _by_keys(data, by, in_group)
    if len(keys) == 0:
        raise DesignError(f"no row has both a {group!r} value in {[_fmt(v) for v in gvals]} and "
                          f"non-missing {by}: nothing to profile.")
    w = (pd.to_numeric(data[des.weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
         if des is not None else np.ones(len(data)))
    dom_masks = {tuple(key[c] for c in by): (_by_mask(data, by, key) if by else np.ones(len(data), bool))
                 for _, key in keys.iterrows()}
    cols_out = []
    columns = [(v, (gcol == v).to_numpy(dtype=bool, na_value=False) & base) for v in gvals]
    if include_all:
        columns.append(("all", in_group))
    for char, kind in kinds:
        levels = _levels(data[char]) if kind == "categorical" else ["mean", "median"]
        lev_str = [_fmt(x) for x in levels]
        fmt_char = (data[char].map(_fmt).astype(object).where(data[char].notna(), None)
                    if kind == "categorical" else None)
        empty_levels = ([lv for lv in lev_str if not (fmt_char[base] == lv).any()]
                        if kind == "categorical" else [])
        if empty_levels:
            warnings.warn(f"characteristic {char!r}: level(s) {empty_levels} have no respondent; they are "
                          "shown with a 0 share and the flag 'empty level'.", stacklevel=2)
        # tests, one per by-domain
        tests = []
        for _, key in keys.iterrows():
            dm = dom_masks[tuple(key[c] for c in by)] & base
            r = (_weighted_test(des, dm, group, char, kind, test) if des is not None
                 else _unweighted_test(data, dm, group, gvals, char, kind))
            tests.append({**{c: key[c] for c in by}, **r})
        tests = pd.DataFrame(tests) if by else pd.DataFrame(tests).assign(_k=0)
        for gv, gmask in columns:
            if des is not None:
                est = _weighted_block(des.subset(gmask), char, kind, by, levels, ci, df, reliability)
            else:
                est = _unweighted_block(data, gmask, char, kind, by, keys, levels, level)
            # complete grid: every domain x every level (absent levels / empty domains explicit)
            grid = keys.merge(pd.DataFrame({"level": pd.Series(lev_str, dtype=object)}), how="cross")
            est["level"] = est["level"].astype(object)
            est = grid.merge(est.drop(columns=[c for c in ("variable",) if c in est.columns]),
                             on=by + ["level"], how="left")
            if by:
                dom_n = est.groupby(by, sort=False, dropna=False)["n_total"].transform("max")
            else:
                dom_n = pd.Series(est["n_total"].max(), index=est.index)
            dom_n = dom_n.fillna(0).to_numpy()
            empty_dom = dom_n == 0
            absent = est["estimate"].isna().to_numpy() & ~empty_dom
            if kind == "categorical":
                est.loc[absent, "estimate"] = 0.0
                est.loc[absent, "flags"] = "no respondent in this level"
                est.loc[absent, "suppressed"] = False
                glob_empty = est["level"].isin(empty_levels).to_numpy() & ~empty_dom
                est.loc[glob_empty, "flags"] = "empty level"
            est["n_total"] = dom_n
            est.loc[empty_dom, "flags"] = (f"no {group} == {_fmt(gv)} in domain" if gv != "all"
                                           else "empty domain")
            est.loc[empty_dom, "suppressed"] = True
            # cell counts
            sub = data.loc[gmask & data[char].notna().to_numpy(), by + [char]]
            if kind == "categorical":
                cnt = sub.assign(level=fmt_char[gmask & data[char].notna().to_numpy()].to_numpy())
                cnt = cnt.groupby(by + ["level"], observed=True).size()
                cnt = cnt.rename("n").reset_index()
                est = est.merge(cnt, on=by + ["level"], how="left")
                est["n"] = est["n"].fillna(0).astype("int64")
            else:
                est["n"] = est["n_total"]
            est["n_total"] = est["n_total"].astype("int64")
            est["n"] = est["n"].astype("int64")
            if kind == "categorical":
                zero = (est["n"] == 0).to_numpy() & ~empty_dom & (est["flags"].fillna("") == "").to_numpy()
                est.loc[zero, "flags"] = "no respondent in this level"
            # standardised differences: this group value vs the other group values
            sd = []
            notna_char = data[char].notna().to_numpy()
            for _, r in est.iterrows():
                if gv == "all":
                    sd.append(np.nan)
                    continue
                dm = base & dom_masks[tuple(r[c] for c in by)] & notna_char
                g1 = dm & gmask
                g0 = dm & in_group & ~gmask
                if kind == "categorical":
                    x = (fmt_char == r["level"]).to_numpy(dtype=float)
                    sd.append(standardized_difference(x[g1], x[g0], w[g1], w[g0], binary=True))
                elif r["level"] == "mean":
                    x = data[char].to_numpy(dtype=float, na_value=np.nan)
                    sd.append(standardized_difference(x[g1], x[g0], w[g1], w[g0], binary=False))
                else:
                    sd.append(np.nan)
            est["std_diff"] = sd
            est["group"] = group
            est["group_value"] = labels.get(gv, _fmt(gv)) if gv != "all" else "all"
            est["characteristic"] = char
            est["kind"] = kind
            est = est.merge(tests.drop(columns="_k", errors="ignore"), on=by, how="left") if by else \
                est.assign(**{k: tests.iloc[0][k] for k in ("test", "statistic", "ndf", "ddf", "p_value")})
            est["weighting"] = weighting
            est["suppressed"] = est["suppressed"].fillna(False).astype(bool)
            est["flags"] = est["flags"].fillna("").astype(str)
            cols_out.append(est[by + _PROFILE_COLUMNS])
    out = pd.concat(cols_out, ignore_index=True)
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "std_diff", "p_value", "statistic",
              "ndf", "ddf"):
        out[c] = out[c].astype(float)
    return out


# --------------------------------------------------------------------------- profile shift
def _contrast_rows(tab: pd.DataFrame, cov: np.ndarray, keycols: list[str], period: str, a, b,
                   df: float, level: float) -> list[dict]:
    rows = []
    q = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else stats.norm.ppf(0.5 + level / 2)
    for key, idx in tab.groupby(keycols if len(keycols) > 1 else keycols[0], sort=False,
                                dropna=False).groups.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = tab.loc[idx]
        ia, ib = sub.index[sub[period] == a], sub.index[sub[period] == b]
        rec = dict(zip(keycols, key))
        if len(ia) != 1 or len(ib) != 1:
            rec.update(estimate_from=np.nan, estimate_to=np.nan, difference=np.nan, se=np.nan,
                       flags="period missing in the group")
            rows.append(rec)
            continue
        i, j = tab.index.get_loc(ia[0]), tab.index.get_loc(ib[0])
        ea, eb = tab["estimate"].iloc[i], tab["estimate"].iloc[j]
        va, vb, cab = cov[i, i], cov[j, j], cov[i, j]
        d = eb - ea
        se = float(np.sqrt(max(va + vb - 2 * cab, 0.0)))
        t = d / se if se > 0 else np.nan
        rec.update(
            estimate_from=ea, estimate_to=eb, ci_low_from=tab["ci_low"].iloc[i],
            ci_high_from=tab["ci_high"].iloc[i], ci_low_to=tab["ci_low"].iloc[j],
            ci_high_to=tab["ci_high"].iloc[j], n_from=int(tab["n"].iloc[i]), n_to=int(tab["n"].iloc[j]),
            difference=d, se=se, cov_between=cab, t=t, df=df,
            p_value=float(2 * stats.t.sf(abs(t), df)) if np.isfinite(t) else np.nan,
            p_normal=float(2 * stats.norm.sf(abs(t))) if np.isfinite(t) else np.nan,
            ci_low=d - q * se, ci_high=d + q * se,
            suppressed_from=bool(tab["suppressed"].iloc[i]), suppressed_to=bool(tab["suppressed"].iloc[j]),
            flags=";".join(f for f in (tab["flags"].iloc[i] and f"from: {tab['flags'].iloc[i]}",
                                       tab["flags"].iloc[j] and f"to: {tab['flags'].iloc[j]}") if f))
        rows.append(rec)
    return rows


def profile_shift(design: SurveyDesign, group: str = "hd", characteristics=("female", "age50"),
                  period: str = "SurveyYr", periods=None, *, group_value=1, continuous=None, by=None,
                  ci: str = "t", df="design", level: float = 0.95, reliability="nchs") -> pd.DataFrame:
    """Change in the composition of a user group between two periods.

    For each level of each characteristic, the share among ``group ==
    group_value`` in period ``a`` and in period ``b``, their difference ``b -
    a`` with SE ``sqrt(Va + Vb - 2 Cab)`` from the design covariance of the two
    domain estimates (R ``svycontrast(svyby(..., covmat = TRUE), c(-1, 1))``), a
    t test on the design df and the normal p-value. Rows carry both period
    estimates and CIs: the data of a dumbbell figure.

    Parameters
    ----------
    design : SurveyDesign
    group : str
        User-group column.
    characteristics : list of str
        Categorical characteristics (0/1 indicators such as ``female`` give
        levels ``"0"`` and ``"1"``: the share of women is level ``"1"``).
    period : str
        Period column (e.g. ``"SurveyYr"``).
    periods : (a, b), optional
        The two periods compared (default: first and last present among users).
    group_value : default 1
        Value of ``group`` defining the users.
    continuous : list of str, optional
        Numeric characteristics (change in the weighted mean).
    by : str or list of str, optional
        Further domains (one shift per domain).
    ci, df, level, reliability :
        As :func:`profile_table`. ``df="design"`` uses the df of the design
        passed in for intervals and tests (R ``degf(des)``).

    Returns
    -------
    DataFrame
        ``by`` columns, ``group``, ``group_value``, ``characteristic``, ``level``,
        ``period_from``, ``period_to``, ``estimate_from``, ``estimate_to``,
        ``ci_low_from``, ``ci_high_from``, ``ci_low_to``, ``ci_high_to``,
        ``n_from``, ``n_to``, ``difference``, ``se``, ``cov_between``, ``t``,
        ``df``, ``p_value`` (t), ``p_normal``, ``ci_low``, ``ci_high`` (of the
        difference), ``suppressed_from``, ``suppressed_to``, ``flags``.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "use": [1] * 8,
    ...                    "female": [1, 0, 0, 0, 1, 1, 0, 1], "yr": [1, 1, 1, 1, 2, 2, 2, 2]})
    >>> s = profile_shift(SurveyDesign(df, "w", psu="psu"), "use", ["female"], "yr")
    >>> s[s.level == "1"][["estimate_from", "estimate_to", "difference"]].values.tolist()
    [[0.25, 0.75, 0.5]]
    """
    if not isinstance(design, SurveyDesign):
        raise DesignError("profile_shift needs a SurveyDesign (design-based change); for a convenience "
                          "sample compare two profile_table(df, weights=None) results instead.")
    data = design.data
    by = _as_list(by)
    _require(data, [group, period] + by, "column")
    kinds = _classify(data, characteristics, continuous)
    gmask = (data[group] == group_value).to_numpy(dtype=bool, na_value=False) & _mask_of(design, data)
    if not gmask.any():
        raise DesignError(f"no row has {group} == {group_value!r}: the user group is empty.")
    present = _levels(data.loc[gmask, period])
    if periods is None:
        if len(present) < 2:
            raise DesignError(f"users ({group} == {group_value!r}) are found in {len(present)} period(s) of "
                              f"{period!r} ({present}); a shift needs two.")
        periods = (present[0], present[-1])
    a, b = periods
    for p in (a, b):
        if p not in present:
            raise DesignError(f"no user ({group} == {group_value!r}) in {period} == {p!r}; periods with "
                              f"users: {[_fmt(x) for x in present]}.")
    dfv = float(design.df if df in ("design", "domain") else df)
    sub = design.subset(gmask)
    rows = []
    for char, kind in kinds:
        if kind == "categorical":
            tab, cov = sub.proportion(char, by=by + [period], ci=ci, df=df, reliability=reliability,
                                      return_cov=True)
            tab["level"] = tab["level"].map(_fmt)
        else:
            tab, cov = sub.mean(char, by=by + [period], ci="t", df=df, reliability=None, return_cov=True)
            tab["level"] = "mean"
        tab = tab.reset_index(drop=True)
        for rec in _contrast_rows(tab, cov.to_numpy(), by + ["level"], period, a, b, dfv, level):
            rec.update(group=group, group_value=_fmt(group_value), characteristic=char,
                       period_from=a, period_to=b)
            rows.append(rec)
    out = pd.DataFrame(rows)
    first = by + ["group", "group_value", "characteristic", "level", "period_from", "period_to"]
    return out[first + [c for c in out.columns if c not in first]]


# --------------------------------------------------------------------------- decomposition
def _kitagawa(theta: np.ndarray, K: int):
    """Components and gradients from totals ``theta = [Ya(K), Ia(K), Yb(K), Ib(K)]``."""
    Ya, Ia, Yb, Ib = theta[:K], theta[K:2 * K], theta[2 * K:3 * K], theta[3 * K:]
    Na, Nb = Ia.sum(), Ib.sum()
    ca, cb = Ia / Na, Ib / Nb
    ra, rb = Ya / Ia, Yb / Ib
    dc, dr = cb - ca, rb - ra
    mr, mc = (ra + rb) / 2, (ca + cb) / 2
    comp = float(np.sum(dc * mr))
    rate = float(np.sum(dr * mc))
    total = float(Yb.sum() / Nb - Ya.sum() / Na)
    # gradients
    gC = np.zeros(4 * K)
    gR = np.zeros(4 * K)
    gC[:K] = dc / (2 * Ia)                                       # dC/dYa
    gC[2 * K:3 * K] = dc / (2 * Ib)                              # dC/dYb
    gC[K:2 * K] = -(mr - np.sum(ca * mr)) / Na - dc * ra / (2 * Ia)
    gC[3 * K:] = (mr - np.sum(cb * mr)) / Nb - dc * rb / (2 * Ib)
    gR[:K] = -mc / Ia
    gR[2 * K:3 * K] = mc / Ib
    gR[K:2 * K] = mc * ra / Ia + (dr - np.sum(dr * ca)) / (2 * Na)
    gR[3 * K:] = -mc * rb / Ib + (dr - np.sum(dr * cb)) / (2 * Nb)
    detail = pd.DataFrame({"share_from": ca, "share_to": cb, "rate_from": ra, "rate_to": rb,
                           "composition_effect": dc * mr, "rate_effect": dr * mc})
    return total, comp, rate, gC + gR, gC, gR, detail


def decompose_change(design: SurveyDesign, outcome: str = "hd", composition=("Gender", "age_band"),
                     period: str = "SurveyYr", periods=None, *, level: float = 0.95,
                     return_detail: bool = False):
    """Kitagawa decomposition of a change in prevalence: composition vs rate effects.

    With strata ``k`` = the cross-classification of ``composition``, population
    shares ``c_tk`` and prevalences ``r_tk`` in periods ``a`` and ``b``:
    ``P_b - P_a = sum_k (c_bk - c_ak)(r_ak + r_bk)/2`` (composition effect) ``+
    sum_k (r_bk - r_ak)(c_ak + c_bk)/2`` (rate effect), exactly (Kitagawa 1955,
    symmetric weights). Rows with a missing outcome, period or composition
    variable are left out (the prevalence is among the complete cases).

    SEs by linearisation: all ``4K`` weighted totals (outcome and count per
    stratum and period) are estimated in one call with their full design
    covariance ``V``; ``SE = sqrt(g' V g)`` with ``g`` the analytic gradient of
    each component. Tests are t tests on the design df.

    Parameters
    ----------
    design : SurveyDesign
    outcome : str
        0/1 (or numeric) outcome.
    composition : list of str
        Categorical variables defining the strata.
    period : str
    periods : (a, b), optional
        Default: first and last period present.
    level : float
    return_detail : bool
        Also return the per-stratum table (shares, rates, contributions).

    Returns
    -------
    DataFrame (and the detail table when ``return_detail``)
        One row per ``component`` (``"total"``, ``"composition"``, ``"rate"``):
        ``estimate``, ``se``, ``t``, ``df``, ``p_value``, ``ci_low``,
        ``ci_high``, ``share_of_total``; plus ``period_from``, ``period_to``,
        ``prevalence_from``, ``prevalence_to``.

    Raises
    ------
    DesignError
        A stratum empty in one of the two periods (its rate is undefined:
        collapse categories), fewer than two periods.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(12), "w": [1.0] * 12,
    ...     "y":   [1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0],
    ...     "sex": list("ffmmmm") + list("ffffmm"), "yr": [1] * 6 + [2] * 6})
    >>> r = decompose_change(SurveyDesign(df, "w", psu="psu"), "y", ["sex"], "yr")
    >>> r.set_index("component").estimate.round(4).to_dict()
    {'total': 0.1667, 'composition': 0.0417, 'rate': 0.125}
    """
    if not isinstance(design, SurveyDesign):
        raise DesignError("decompose_change needs a SurveyDesign.")
    data = design.data
    comp = _as_list(composition)
    _require(data, [outcome, period] + comp, "column")
    _classify(data, comp, None)
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    base = _mask_of(design, data)
    ok = base & ~np.isnan(y) & data[[period] + comp].notna().all(axis=1).to_numpy()
    present = _levels(data.loc[ok, period])
    if periods is None:
        if len(present) < 2:
            raise DesignError(f"{period!r} has {len(present)} period(s) with data; a change needs two.")
        periods = (present[0], present[-1])
    a, b = periods
    for p in (a, b):
        if p not in present:
            raise DesignError(f"no complete row in {period} == {p!r}; periods present: {present}.")
    strata = data.loc[ok, comp].astype(str).agg(" & ".join, axis=1) if len(comp) > 1 else \
        data.loc[ok, comp[0]].map(_fmt)
    sk = pd.Series(pd.NA, index=data.index, dtype=object)
    sk[ok] = strata.to_numpy()
    labels = sorted(strata.unique().tolist())
    K = len(labels)
    if K < 1:
        raise DesignError("no stratum with data")
    pa = (data[period] == a).to_numpy(dtype=bool, na_value=False)
    pb = (data[period] == b).to_numpy(dtype=bool, na_value=False)
    for lab in labels:
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        for p, pm in ((a, pa), (b, pb)):
            if not (ink & pm & ok).any():
                raise DesignError(
                    f"stratum {lab!r} of {comp} has no respondent in {period} == {p!r}: its rate is "
                    "undefined. Collapse categories (fewer levels) and try again.")
    cols = {}
    for i, lab in enumerate(labels):
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        cols[f"_y{i}"] = np.where(ok, np.where(ink, y, 0.0), np.nan)
    for i, lab in enumerate(labels):
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        cols[f"_i{i}"] = np.where(ok, ink.astype(float), np.nan)
    aug = data.assign(**cols)
    des2 = SurveyDesign(aug, weight=design.weight, strata=design.strata, psu=design.psu, fpc=design.fpc,
                        nest=design.nest, lonely_psu=design.lonely_psu, level=design.level)
    des2 = des2.subset(base & (pa | pb))
    tab, cov = des2.total(list(cols), by=period, return_cov=True, reliability=None)
    tab = tab.reset_index(drop=True)
    names = list(cols)
    order = []
    for p in (a, b):
        for nm in names:
            order.append(int(np.flatnonzero((tab[period] == p).to_numpy() & (tab["variable"] == nm).to_numpy())[0]))
    theta = tab["estimate"].to_numpy()[order]
    V = cov.to_numpy()[np.ix_(order, order)]
    total, compo, rate, g_tot, g_c, g_r = _kitagawa(theta, K)[:6]
    detail = _kitagawa(theta, K)[6]
    detail.insert(0, "stratum", labels)
    dfv = float(design.df)
    q = stats.t.ppf(0.5 + level / 2, dfv)
    rows = []
    Ya, Ia, Yb, Ib = theta[:K], theta[K:2 * K], theta[2 * K:3 * K], theta[3 * K:]
    for name, est, g in (("total", total, g_tot), ("composition", compo, g_c), ("rate", rate, g_r)):
        se = float(np.sqrt(max(g @ V @ g, 0.0)))
        t = est / se if se > 0 else np.nan
        rows.append({"component": name, "estimate": est, "se": se, "t": t, "df": dfv,
                     "p_value": float(2 * stats.t.sf(abs(t), dfv)) if np.isfinite(t) else np.nan,
                     "ci_low": est - q * se, "ci_high": est + q * se,
                     "share_of_total": est / total if total != 0 else np.nan})
    out = pd.DataFrame(rows)
    out["period_from"], out["period_to"] = a, b
    out["prevalence_from"], out["prevalence_to"] = Ya.sum() / Ia.sum(), Yb.sum() / Ib.sum()
    out["composition_by"] = " x ".join(comp)
    return (out, detail) if return_detail else out


# --------------------------------------------------------------------------- adjusted profile
def adjusted_profile(design: SurveyDesign, outcome: str = "hd", covariates=("Gender", "age_band"), *,
                     family: str = "quasibinomial", reference_rows: bool = True,
                     intercept: bool = False) -> pd.DataFrame:
    """Survey-weighted logistic regression of use on characteristics (forest-plot data).

    Fits ``outcome ~ cov1 + cov2 + ...`` with R ``svyglm`` conventions
    (quasibinomial, design-based sandwich SEs, t on ``degf + 1 - p`` df, Wald
    CIs exponentiated). Rows with a missing variable are left out.

    Parameters
    ----------
    design : SurveyDesign
    outcome : str
        0/1 use indicator.
    covariates : list of str
        Characteristics (categorical columns are dummy-coded against their first
        level; numeric columns enter linearly).
    family : str
        ``"quasibinomial"`` (default) or ``"binomial"`` (same estimates and SEs).
    reference_rows : bool
        Add a row per reference level (odds ratio 1, no CI), as forest plots show.
    intercept : bool
        Keep the intercept row.

    Returns
    -------
    DataFrame
        ``covariate``, ``level``, ``term`` (R name, e.g. ``"Gendermale"``),
        ``estimate`` (log odds ratio), ``se``, ``t``, ``p``, ``ci_low``,
        ``ci_high``, ``odds_ratio``, ``or_ci_low``, ``or_ci_high``,
        ``reference`` (bool), ``df`` (residual df), ``n`` (rows used).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                    "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> r = adjusted_profile(SurveyDesign(df, "w", psu="psu"), "y", ["g"])
    >>> r[["covariate", "level", "reference"]].values.tolist()
    [['g', 'a', True], ['g', 'b', False]]
    """
    if not isinstance(design, SurveyDesign):
        raise DesignError("adjusted_profile needs a SurveyDesign.")
    covs = _as_list(covariates)
    data = design.data
    _require(data, [outcome] + covs, "column")
    if not covs:
        raise DesignError("give at least one covariate")
    fit = design.glm(f"{outcome} ~ " + " + ".join(covs), family=family)
    coef = fit.coef.copy()
    coef["covariate"], coef["level"], coef["reference"] = "", "", False
    mask = _mask_of(design, data)
    used = mask & data[[outcome] + covs].notna().all(axis=1).to_numpy()
    rows = []
    if intercept:
        r = coef[coef.term == "(Intercept)"].copy()
        r["covariate"] = "(Intercept)"
        rows.append(r)
    for c in covs:
        terms = fit.term_columns.get(c) or fit.term_columns.get(f"C({c})") or []
        s = data[c]
        if _is_numeric(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            r = coef[coef.term.isin(terms)].copy()
            r["covariate"], r["level"] = c, "per unit"
            rows.append(r)
            continue
        levs = [lv for lv in _levels(s) if (s[used] == lv).any()]
        for i, lv in enumerate(levs):
            name = f"{c}{_fmt(lv) if not isinstance(lv, (bool, np.bool_)) else str(lv).upper()}"
            if i == 0:
                if reference_rows:
                    rows.append(pd.DataFrame([{"term": f"{c} (reference)", "estimate": 0.0, "odds_ratio": 1.0,
                                               "covariate": c, "level": _fmt(lv), "reference": True}]))
                continue
            r = coef[coef.term == name].copy()
            if r.empty:
                r = coef[coef.term.isin(terms)].iloc[[i - 1]].copy()
            r["covariate"], r["level"] = c, _fmt(lv)
            rows.append(r)
    out = pd.concat(rows, ignore_index=True)
    out["df"], out["n"] = fit.df_resid, fit.n
    cols = ["covariate", "level", "term", "estimate", "se", "t", "p", "ci_low", "ci_high", "odds_ratio",
            "or_ci_low", "or_ci_high", "reference", "df", "n"]
    out["reference"] = out["reference"].astype(bool)
    return out[cols]


# --------------------------------------------------------------------------- applied: NHANES
def nhanes_design(frame: pd.DataFrame, **kw) -> SurveyDesign:
    """The NHANES 2009-2012 design on an analysis frame (``readers.nhanes.analysis_frame``).

    ``SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True)``;
    extra keywords go to :class:`~drugtrends.survey.SurveyDesign`.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame with the columns ``wt`` (combined weight),
        ``SDMVSTRA`` (masked variance stratum) and ``SDMVPSU`` (masked PSU);
        a missing one raises an error naming it.
    **kw
        Further :class:`~drugtrends.survey.SurveyDesign` arguments
        (``lonely_psu``, ``reliability``, ``level``, ...).

    Returns
    -------
    SurveyDesign
        Stratified cluster design with PSUs nested in strata.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 4, "SDMVSTRA": [1, 1, 2, 2], "SDMVPSU": [1, 2, 1, 2]})
    >>> nhanes_design(f).df
    2
    """
    _require(frame, ["wt", "SDMVSTRA", "SDMVPSU"], "NHANES design column")
    return SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True, **kw)


def nhanes_profiles(frame: pd.DataFrame, groups=("hd", "regmj"),
                    characteristics=("Gender", "age_band", "Race1", "Education"),
                    continuous=("Age",), by="SurveyYr", **kw) -> pd.DataFrame:
    """Profiles of ever hard-drug users and regular marijuana users, by NHANES cycle.

    One :func:`profile_table` per group (``group_value`` "users" / "non-users" /
    "all"), stacked.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame (``drugtrends.readers.nhanes.analysis_frame``).
    groups : list of str
        0/1 user columns.
    characteristics, continuous, by :
        As :func:`profile_table`.
    **kw :
        Passed to :func:`profile_table`.

    Returns
    -------
    DataFrame (columns of :func:`profile_table`)

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 8, "SDMVSTRA": [1] * 4 + [2] * 4, "SDMVPSU": [1, 2] * 4,
    ...                   "hd": [1, 0, 1, 0, 0, 1, 0, 0], "Gender": list("mfmfmfmf"),
    ...                   "Age": [20, 30, 40, 50, 25, 35, 45, 55]})
    >>> t = nhanes_profiles(f, ["hd"], ["Gender"], continuous=["Age"], by=None)
    >>> sorted(t.group_value.unique())
    ['all', 'non-users', 'users']
    """
    des = nhanes_design(frame)
    out = [profile_table(des, g, list(characteristics), by=by, continuous=list(continuous or []),
                         group_values=[1, 0], labels={1: "users", 0: "non-users"}, **kw)
           for g in groups]
    return pd.concat(out, ignore_index=True)


def nhanes_composition_shift(frame: pd.DataFrame, groups=("hd", "regmj"),
                             characteristics=("female", "age50", "college"),
                             periods=("2009_10", "2011_12"), **kw) -> pd.DataFrame:
    """Change in the composition of NHANES user groups between the two cycles.

    Shares of women, people aged 50+ and college graduates among users (level
    ``"1"`` of the 0/1 indicators), 2011-12 minus 2009-10, via
    :func:`profile_shift` (design df for tests). Only level ``"1"`` rows are returned.

    Parameters
    ----------
    frame : DataFrame
        NHANES analysis frame (``drugtrends.readers.nhanes.analysis_frame``)
        with the design columns of :func:`nhanes_design` and ``SurveyYr``.
    groups : sequence of str, default ("hd", "regmj")
        0/1 user-group columns (ever hard drugs, regular marijuana); users are
        the rows equal to 1.
    characteristics : sequence of str, default ("female", "age50", "college")
        0/1 indicator columns whose share among users is compared.
    periods : (str, str), default ("2009_10", "2011_12")
        The two ``SurveyYr`` values compared (difference = second - first).
    **kw
        Passed to :func:`profile_shift` (``ci``, ``df``, ``level``,
        ``reliability``, ``by``...).

    Returns
    -------
    DataFrame
        The columns of :func:`profile_shift` (``group``, ``characteristic``,
        ``level`` = ``"1"``, ``period_from``, ``period_to``,
        ``estimate_from``, ``estimate_to``, ``difference``, ``se``, ``t``,
        ``df``, ``p_value``, ``ci_low``, ``ci_high``, ...), one row per group
        and characteristic.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"wt": [1.0] * 8, "SDMVSTRA": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                   "SDMVPSU": [1, 2] * 4, "hd": [1] * 8, "female": [1, 0, 0, 0, 1, 1, 0, 1],
    ...                   "SurveyYr": ["2009_10"] * 4 + ["2011_12"] * 4})
    >>> nhanes_composition_shift(f, ["hd"], ["female"]).difference.tolist()
    [0.5]
    """
    des = nhanes_design(frame)
    out = [profile_shift(des, g, list(characteristics), "SurveyYr", periods, **kw) for g in groups]
    out = pd.concat(out, ignore_index=True)
    return out[out.level == "1"].reset_index(drop=True)


# --------------------------------------------------------------------------- applied: UCI
#: UCI substances profiled by default (column names of ``readers.uci.read_uci``).
UCI_SUBSTANCES = ("Crack", "Heroin", "Coke", "Ketamine", "LegalHigh")
#: Personality scores of the UCI file.
UCI_PERSONALITY = ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking")


def uci_profiles(df: pd.DataFrame, substances=UCI_SUBSTANCES, recency: str = "decade",
                 characteristics=("Age", "Gender", "Education"), continuous=UCI_PERSONALITY,
                 **kw) -> pd.DataFrame:
    """Profiles of users vs non-users of each substance in the UCI drug consumption survey.

    An online convenience sample (Fehrman et al. 2017): every output row has
    ``weighting == "unweighted (convenience sample)"``; shares describe the
    respondents, not a population. Users of a substance: the
    ``<substance>_<recency>`` flag of ``readers.uci.read_uci`` (default
    ``decade``: used in the last decade, the authors' user definition).

    Parameters
    ----------
    df : DataFrame
        Output of ``drugtrends.readers.uci.read_uci``.
    substances : list of str
        Usage columns (``"Crack"``, ``"Heroin"``, ``"Coke"``, ...).
    recency : {"ever", "decade", "year", "month"}
    characteristics, continuous :
        As :func:`profile_table`.
    **kw :
        Passed to :func:`profile_table`.

    Returns
    -------
    DataFrame: a ``substance`` column, then the columns of :func:`profile_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"crack_decade": [True, False, False, True], "Gender": list("MFFM"),
    ...                    "Nscore": [0.5, -0.1, 0.2, 1.0]})
    >>> t = uci_profiles(df, ["Crack"], characteristics=["Gender"], continuous=["Nscore"])
    >>> t.weighting.unique().tolist(), sorted(t.group_value.unique())
    (['unweighted (convenience sample)'], ['all', 'non-users', 'users'])
    """
    if recency not in ("ever", "decade", "year", "month"):
        raise DesignError(f"recency={recency!r}: use 'ever', 'decade', 'year' or 'month'")
    out = []
    for s in _as_list(substances):
        col = f"{str(s).lower()}_{recency}"
        _require(df, [col], "use flag")
        t = profile_table(df, col, list(characteristics), continuous=list(continuous or []), weights=None,
                          group_values=[True, False], labels={True: "users", False: "non-users"}, **kw)
        t.insert(0, "substance", s)
        out.append(t)
    return pd.concat(out, ignore_index=True)
