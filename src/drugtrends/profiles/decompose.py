"""Kitagawa decomposition of a change in prevalence: composition vs rate effects (:func:`decompose_change`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from drugtrends.errors import DesignError
from drugtrends.profiles.common import classify, fmt, levels, mask_of, require_design
from drugtrends.profiles.shift import two_periods
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, check_level, require_columns

__all__ = ["decompose_change"]


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


def decompose_change(design: SurveyDesign, outcome: str, composition, period: str, periods=None, *,
                     level: float = 0.95, return_detail: bool = False):
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
    design = require_design(design, "decompose_change")
    data = design.data
    comp = as_list(composition)
    require_columns(data, [outcome, period] + comp, "column")
    classify(data, comp, None)
    check_level(level)
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    base = mask_of(design, data)
    ok = base & ~np.isnan(y) & data[[period] + comp].notna().all(axis=1).to_numpy()
    a, b = two_periods(levels(data.loc[ok, period]), period, periods, "complete rows")
    sk, labels = _strata(data, comp, ok)
    _check_strata(data, sk, labels, comp, period, (a, b), ok)
    theta, V = _totals(design, data, y, ok, sk, labels, period, (a, b), base)
    K = len(labels)
    total, compo, rate, g_tot, g_c, g_r, detail = _kitagawa(theta, K)
    detail.insert(0, "stratum", labels)
    dfv = float(design.df)
    q = stats.t.ppf(0.5 + level / 2, dfv)
    rows = []
    for name, est, g in (("total", total, g_tot), ("composition", compo, g_c), ("rate", rate, g_r)):
        se = float(np.sqrt(max(g @ V @ g, 0.0)))
        t = est / se if se > 0 else np.nan
        rows.append({"component": name, "estimate": est, "se": se, "t": t, "df": dfv,
                     "p_value": float(2 * stats.t.sf(abs(t), dfv)) if np.isfinite(t) else np.nan,
                     "ci_low": est - q * se, "ci_high": est + q * se,
                     "share_of_total": est / total if total != 0 else np.nan})
    out = pd.DataFrame(rows)
    out["period_from"], out["period_to"] = a, b
    Ya, Ia, Yb, Ib = theta[:K], theta[K:2 * K], theta[2 * K:3 * K], theta[3 * K:]
    out["prevalence_from"], out["prevalence_to"] = Ya.sum() / Ia.sum(), Yb.sum() / Ib.sum()
    out["composition_by"] = " x ".join(comp)
    return (out, detail) if return_detail else out


def _strata(data: pd.DataFrame, comp: list[str], ok: np.ndarray) -> tuple[pd.Series, list[str]]:
    """Stratum label of each complete row (cross-classification of ``comp``) and the sorted labels."""
    strata = data.loc[ok, comp].astype(str).agg(" & ".join, axis=1) if len(comp) > 1 else \
        data.loc[ok, comp[0]].map(fmt)
    sk = pd.Series(pd.NA, index=data.index, dtype=object)
    sk[ok] = strata.to_numpy()
    labels = sorted(strata.unique().tolist())
    if not labels:
        raise DesignError("no stratum with data")
    return sk, labels


def _check_strata(data, sk, labels, comp, period, periods, ok) -> None:
    for lab in labels:
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        for p in periods:
            pm = (data[period] == p).to_numpy(dtype=bool, na_value=False)
            if not (ink & pm & ok).any():
                raise DesignError(
                    f"stratum {lab!r} of {comp} has no respondent in {period} == {p!r}: its rate is "
                    "undefined. Collapse categories (fewer levels) and try again.")


def _totals(design, data, y, ok, sk, labels, period, periods, base) -> tuple[np.ndarray, np.ndarray]:
    """The ``4K`` totals ``[Ya(K), Ia(K), Yb(K), Ib(K)]`` and their design covariance, in one call."""
    a, b = periods
    cols = {}
    for i, lab in enumerate(labels):
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        cols[f"_y{i}"] = np.where(ok, np.where(ink, y, 0.0), np.nan)
    for i, lab in enumerate(labels):
        ink = (sk == lab).to_numpy(dtype=bool, na_value=False)
        cols[f"_i{i}"] = np.where(ok, ink.astype(float), np.nan)
    pa = (data[period] == a).to_numpy(dtype=bool, na_value=False)
    pb = (data[period] == b).to_numpy(dtype=bool, na_value=False)
    des2 = SurveyDesign(data.assign(**cols), weight=design.weight, strata=design.strata, psu=design.psu,
                        fpc=design.fpc, nest=design.nest, lonely_psu=design.lonely_psu, level=design.level)
    des2 = des2.subset(base & (pa | pb))
    tab, cov = des2.total(list(cols), by=period, return_cov=True, reliability=None)
    tab = tab.reset_index(drop=True)
    order = [int(np.flatnonzero((tab[period] == p).to_numpy() & (tab["variable"] == nm).to_numpy())[0])
             for p in (a, b) for nm in cols]
    theta = tab["estimate"].to_numpy()[order]
    return theta, cov.to_numpy()[np.ix_(order, order)]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
