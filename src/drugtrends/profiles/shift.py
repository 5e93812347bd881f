"""Change in the composition of a user group between two periods: :func:`profile_shift`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import DesignError
from drugtrends.profiles.common import classify, fmt, levels, mask_of
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, check_level, require_columns

__all__ = ["profile_shift", "two_periods"]


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
                       flag="period missing in the group")
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
            flag=";".join(f for f in (tab["flag"].iloc[i] and f"from: {tab['flag'].iloc[i]}",
                                      tab["flag"].iloc[j] and f"to: {tab['flag'].iloc[j]}") if f))
        rows.append(rec)
    return rows


def profile_shift(design: SurveyDesign, group: str, characteristics, period: str, periods=None, *,
                  group_value=1, continuous=None, by=None,
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
        As :func:`~drugtrends.profiles.profile_table`. ``df="design"`` uses the df of the design
        passed in for intervals and tests (R ``degf(des)``).

    Returns
    -------
    DataFrame
        ``by`` columns, ``group``, ``group_value``, ``characteristic``, ``level``,
        ``period_from``, ``period_to``, ``estimate_from``, ``estimate_to``,
        ``ci_low_from``, ``ci_high_from``, ``ci_low_to``, ``ci_high_to``,
        ``n_from``, ``n_to``, ``difference``, ``se``, ``cov_between``, ``t``,
        ``df``, ``p_value`` (t), ``p_normal``, ``ci_low``, ``ci_high`` (of the
        difference), ``suppressed_from``, ``suppressed_to``, ``flag``.

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
    by = as_list(by)
    require_columns(data, [group, period] + by, "column")
    check_level(level)
    kinds = classify(data, characteristics, continuous)
    gmask = (data[group] == group_value).to_numpy(dtype=bool, na_value=False) & mask_of(design, data)
    if not gmask.any():
        raise DesignError(f"no row has {group} == {group_value!r}: the user group is empty.")
    a, b = two_periods(levels(data.loc[gmask, period]), period, periods, f"users ({group} == {group_value!r})")
    dfv = float(design.df if df in ("design", "domain") else df)
    sub = design.subset(gmask)
    rows = []
    for char, kind in kinds:
        if kind == "categorical":
            tab, cov = sub.proportion(char, by=by + [period], ci=ci, df=df, reliability=reliability,
                                      return_cov=True)
            tab["level"] = tab["level"].map(fmt)
        else:
            tab, cov = sub.mean(char, by=by + [period], ci="t", df=df, reliability=None, return_cov=True)
            tab["level"] = "mean"
        tab = tab.reset_index(drop=True)
        for rec in _contrast_rows(tab, cov.to_numpy(), by + ["level"], period, a, b, dfv, level):
            rec.update(group=group, group_value=fmt(group_value), characteristic=char,
                       period_from=a, period_to=b)
            rows.append(rec)
    out = pd.DataFrame(rows)
    first = by + ["group", "group_value", "characteristic", "level", "period_from", "period_to"]
    return out[first + [c for c in out.columns if c not in first]]




def two_periods(present: list, period: str, periods, who: str) -> tuple:
    """The two periods compared: those given (each must be present) or the first and last present.

    Parameters
    ----------
    present : list
        Periods with data, sorted.
    period : str
        Period column (for messages).
    periods : (a, b) or None
        Asked for.
    who : str
        Whose periods, for messages (``"users (hd == 1)"``).

    Returns
    -------
    tuple
        ``(a, b)``.

    Examples
    --------
    >>> two_periods([2009, 2011, 2013], "year", None, "users")
    (2009, 2013)
    """
    if periods is None:
        if len(present) < 2:
            raise DesignError(f"{who} are found in {len(present)} period(s) of {period!r} ({present}); "
                              "a change needs two.")
        return present[0], present[-1]
    a, b = periods
    if a == b:
        raise DesignError(f"periods=({a!r}, {b!r}) compares {period} {a!r} with itself (difference 0, SE 0); "
                          f"give two different periods among {[fmt(x) for x in present]}.")
    for p in (a, b):
        if p not in present:
            raise DesignError(f"no data for {who} in {period} == {p!r}; periods with data: "
                              f"{[fmt(x) for x in present]}.")
    return a, b


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
