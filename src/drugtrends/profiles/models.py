"""Survey-weighted logistic regression of use on characteristics: :func:`adjusted_profile`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugtrends.errors import DesignError
from drugtrends.profiles.common import fmt, is_numeric, levels, mask_of, require_design
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, require_columns

__all__ = ["adjusted_profile"]


def adjusted_profile(design: SurveyDesign, outcome: str, covariates, *,
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
        ``covariate``, ``level``, ``term`` (R name, e.g. ``"sexfemale"``),
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
    design = require_design(design, "adjusted_profile")
    covs = as_list(covariates)
    data = design.data
    require_columns(data, [outcome] + covs, "column")
    if not covs:
        raise DesignError("give at least one covariate")
    fit = design.glm(f"{outcome} ~ " + " + ".join(covs), family=family)
    coef = fit.coef.copy()
    coef["covariate"], coef["level"], coef["reference"] = "", "", False
    mask = mask_of(design, data)
    used = mask & data[[outcome] + covs].notna().all(axis=1).to_numpy()
    rows = []
    if intercept:
        r = coef[coef.term == "(Intercept)"].copy()
        r["covariate"] = "(Intercept)"
        rows.append(r)
    for c in covs:
        rows += _covariate_rows(coef, fit, data, used, c, reference_rows)
    out = pd.concat(rows, ignore_index=True)
    out["df"], out["n"] = fit.df_resid, fit.n
    cols = ["covariate", "level", "term", "estimate", "se", "t", "p", "ci_low", "ci_high", "odds_ratio",
            "or_ci_low", "or_ci_high", "reference", "df", "n"]
    out["reference"] = out["reference"].astype(bool)
    return out[cols]


def _covariate_rows(coef: pd.DataFrame, fit, data: pd.DataFrame, used: np.ndarray, c: str,
                    reference_rows: bool) -> list[pd.DataFrame]:
    """Rows of one covariate: a reference row (odds ratio 1) then one row per other level."""
    rows = []
    terms = fit.term_columns.get(c) or fit.term_columns.get(f"C({c})") or []
    s = data[c]
    if is_numeric(s) and not isinstance(s.dtype, pd.CategoricalDtype):
        r = coef[coef.term.isin(terms)].copy()
        r["covariate"], r["level"] = c, "per unit"
        return [r]
    levs = [lv for lv in levels(s) if (s[used] == lv).any()]
    for i, lv in enumerate(levs):
        name = f"{c}{fmt(lv) if not isinstance(lv, (bool, np.bool_)) else str(lv).upper()}"
        if i == 0:
            if reference_rows:
                rows.append(pd.DataFrame([{"term": f"{c} (reference)", "estimate": 0.0, "odds_ratio": 1.0,
                                           "covariate": c, "level": fmt(lv), "reference": True}]))
            continue
        r = coef[coef.term == name].copy()
        if r.empty:
            r = coef[coef.term.isin(terms)].iloc[[i - 1]].copy()
        r["covariate"], r["level"] = c, fmt(lv)
        rows.append(r)
    return rows


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
