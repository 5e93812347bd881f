"""Design-based generalised linear models (R ``svyglm``).

Point estimates: weighted maximum likelihood by IRLS/Newton (the weights'
scale does not matter). Variance: the design-based sandwich of R
``survey:::svy.varcoef``: influence values ``x_i w_i (y_i - mu_i) mu'(eta_i) /
V(mu_i)`` times ``A^{-1}``, ``A = X' diag(w mu'^2 / V) X``, summed per PSU and
passed to the stratified with-replacement variance (domain rows only; the rest
of the design contributes zeros). Residual df: ``degf(design) + 1 - p`` with
``degf`` counted on the complete-case rows of the (subset) design, as R.
t statistics, p-values and Wald intervals use that df (``summary.svyglm``,
``confint.svyglm``). :meth:`SvyGLMResult.wald_test` is ``regTermTest``
(``method="Wald"``): ``F = b' V^{-1} b / q`` on ``(q, df_resid)`` df.

Families: ``"gaussian"`` (identity), ``"binomial"`` / ``"quasibinomial"``
(logit), ``"poisson"`` / ``"quasipoisson"`` (log). Column names follow R
(``"(Intercept)"``, ``"Gendermale"``, ``"age_band30-39"``, ``"femaleTRUE"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DesignError
from . import _aggregate as agg
from ._variance import stratified_variance
from .ci import t_quantile

__all__ = ["svyglm", "SvyGLMResult", "FAMILIES"]

FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson")


def _family(name: str):
    if name == "gaussian":
        return (lambda e: e), (lambda e: np.ones_like(e)), (lambda mu: np.ones_like(mu))
    if name in ("binomial", "quasibinomial"):
        def inv(e):
            return 1 / (1 + np.exp(-e))
        return inv, (lambda e: inv(e) * (1 - inv(e))), (lambda mu: mu * (1 - mu))
    if name in ("poisson", "quasipoisson"):
        return np.exp, np.exp, (lambda mu: mu)
    raise DesignError(f"family={name!r} is not one of {FAMILIES}")


def _rname(col: str) -> str:
    if col == "Intercept":
        return "(Intercept)"
    m = re.match(r"^(.*)\[T\.(.*)\]$", col)
    if not m:
        return col
    base, lev = m.group(1), m.group(2)
    cm = re.match(r"^C\((\w+)\)$", base)
    if cm:
        base = cm.group(1)
    lev = {"True": "TRUE", "False": "FALSE"}.get(lev, lev)
    return f"{base}{lev}"


@dataclass
class SvyGLMResult:
    """Result of :func:`svyglm`.

    Attributes
    ----------
    coef : DataFrame
        ``term``, ``estimate``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high``,
        ``odds_ratio``, ``or_ci_low``, ``or_ci_high`` (odds ratios for binomial
        families, NaN otherwise).
    cov : DataFrame
        Design-based covariance of the coefficients.
    df_resid : int
        ``degf + 1 - p`` (R ``svyglm``'s ``df.residual``).
    n : int
        Rows used (domain, complete cases).
    """

    coef: pd.DataFrame
    cov: pd.DataFrame
    df_resid: int
    n: int
    family: str
    formula: str
    level: float
    term_columns: dict

    def wald_test(self, terms) -> dict:
        """Wald F test that all coefficients of ``terms`` are 0 (R ``regTermTest``).

        Parameters
        ----------
        terms : str or list of str
            Model terms (``"age_band"``, ``"Gender"``, ``"Gender:age_band"``).

        Returns
        -------
        dict with ``terms``, ``F``, ``ndf``, ``ddf``, ``p``, ``chisq``.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "x": [0, 1, 2, 3, 4, 5, 6, 7],
        ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8, 13.1, 15.0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x").wald_test("x")
        >>> r["ndf"], r["ddf"]
        (1, 6)
        """
        terms = [terms] if isinstance(terms, str) else list(terms)
        cols: list[str] = []
        for t in terms:
            key = t if t in self.term_columns else None
            if key is None:
                for k in self.term_columns:
                    if re.sub(r"C\((\w+)\)", r"\1", k) == t:
                        key = k
            if key is None:
                raise DesignError(f"term {t!r} is not in the model; terms: {list(self.term_columns)}")
            cols += self.term_columns[key]
        b = self.coef.set_index("term").loc[cols, "estimate"].to_numpy()
        V = self.cov.loc[cols, cols].to_numpy()
        chisq = float(b @ np.linalg.solve(V, b))
        q = len(cols)
        F = chisq / q
        p = float(stats.f.sf(F, q, self.df_resid)) if self.df_resid > 0 else np.nan
        return {"terms": terms, "F": F, "ndf": q, "ddf": self.df_resid, "p": p, "chisq": chisq}


def _dev(y, mu, wt, family):
    with np.errstate(divide="ignore", invalid="ignore"):
        if family in ("binomial", "quasibinomial"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
            return float(np.sum(2 * wt * (a + b)))
        if family in ("poisson", "quasipoisson"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            return float(np.sum(2 * wt * (a - (y - mu))))
        return float(np.sum(wt * (y - mu) ** 2))


def _irls_r(X, y, wn, family, inv, dmu, varf, epsilon, maxiter):
    """IRLS as R ``glm.fit`` (start ``mustart``, stop when the relative change of
    the deviance is below ``epsilon``). Returns the coefficients and the working
    weights of the last iteration (which R's ``svyglm`` sandwich uses)."""
    if family in ("binomial", "quasibinomial"):
        mu = (wn * y + 0.5) / (wn + 1)
        eta = np.log(mu / (1 - mu))
    elif family in ("poisson", "quasipoisson"):
        mu = y + 0.1
        eta = np.log(mu)
    else:
        mu = y.copy()
        eta = mu.copy()
    devold = _dev(y, mu, wn, family)
    beta = np.zeros(X.shape[1])
    W = wn
    for _ in range(maxiter):
        d = dmu(eta)
        z = eta + (y - mu) / d
        W = wn * d**2 / varf(mu)
        XtW = X.T * W
        beta = np.linalg.solve(XtW @ X, XtW @ z)
        eta = X @ beta
        mu = inv(eta)
        dev = _dev(y, mu, wn, family)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            break
        devold = dev
    else:
        raise DesignError(f"the GLM did not converge in {maxiter} iterations "
                          "(separation or a degenerate model?)")
    return beta, W


def svyglm(design, formula: str, family: str = "gaussian", level: float | None = None,
           epsilon: float = 1e-8, maxiter: int = 25) -> SvyGLMResult:
    """Fit a design-based GLM on a (subset) :class:`~drugtrends.survey.SurveyDesign`.

    Parameters
    ----------
    design : SurveyDesign
    formula : str
        Patsy formula, e.g. ``"hd ~ Gender + age_band + SurveyYr"``. Text and
        categorical columns are dummy-coded against their first level.
    family : str
        One of :data:`FAMILIES`.
    level : float, optional
        Confidence level (design default).
    epsilon, maxiter :
        IRLS convergence as R ``glm.control`` (relative deviance change).
        The sandwich uses the working weights of the last iteration, as R does,
        so results agree with R to rounding; a smaller ``epsilon`` converges
        further (SEs then differ from R's in about the 5th digit).

    Returns
    -------
    SvyGLMResult

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                    "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> fit = SurveyDesign(df, weight="w", psu="psu").glm("y ~ g", family="binomial")
    >>> fit.coef.term.tolist(), fit.df_resid
    (['(Intercept)', 'gb'], 6)
    """
    import patsy

    if getattr(design, "_is_replicate", False):
        raise DesignError("glm() is implemented for Taylor-linearisation designs only.")
    level = design.level if level is None else level
    inv, dmu, varf = _family(family)
    data = design.data
    mask = design._mask
    names = set(re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", formula))
    used = [c for c in data.columns if str(c) in names]
    if not used:
        raise DesignError(f"formula {formula!r} names no column of the data")
    frame = data.loc[mask, used].copy()
    for c in used:  # patsy understands object / categorical, not pandas' string dtype
        if pd.api.types.is_string_dtype(frame[c]) and not isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    frame.index = np.flatnonzero(mask)
    try:
        yd, Xd = patsy.dmatrices(formula, frame, NA_action="drop", return_type="dataframe")
    except patsy.PatsyError as exc:
        raise DesignError(f"could not build the model matrix for {formula!r}: {exc}") from exc
    rows = Xd.index.to_numpy()
    X = Xd.to_numpy(dtype=float)
    y = yd.to_numpy(dtype=float)
    if y.shape[1] != 1:
        raise DesignError(f"the response of {formula!r} must be one numeric 0/1 or numeric column; "
                          f"got {list(yd.columns)} (recode it to 0/1 first)")
    y = y[:, 0]
    if family in ("binomial", "quasibinomial") and ((y < 0) | (y > 1)).any():
        raise DesignError(f"family={family!r} needs a response in [0, 1]; {yd.columns[0]!r} is not.")
    w = design._w[rows]
    wn = w / design._w[mask].mean()       # R svyglm: weights / mean over the design's rows
    p = X.shape[1]
    beta, w_last = _irls_r(X, y, wn, family, inv, dmu, varf, epsilon, maxiter)
    eta = X @ beta
    mu, d = inv(eta), dmu(eta)
    # R: sandwich from the glm object: working weights and (X'WX)^-1 of the last
    # IRLS iteration, working residuals at the final coefficients
    A = (X.T * (w_last * w / wn)) @ X
    Ainv = np.linalg.inv(A)
    infl = ((w_last * w / wn) * (y - mu) / d)[:, None] * X @ Ainv
    n_all = len(data)
    full = np.zeros((n_all, p))
    full[rows] = infl
    dom = np.full(n_all, -1, dtype=np.int64)
    dom[rows] = 0
    T = agg.psu_totals(full, dom, 1, design._psu, design._n_psu)[0]
    present = None
    if design.lonely_psu == "average":
        st = np.zeros(design._n_strata, dtype=bool)
        st[design._stratum_of_psu[np.unique(design._psu[rows])]] = True
        present = np.repeat(st[:, None], p, axis=1)
    V = stratified_variance(T, design._stratum_of_psu, design._n_h, design._f_h,
                            design.lonely_psu, present, full=True)
    used_rows = np.zeros(n_all, dtype=bool)
    used_rows[rows] = True
    df_resid = design._degf(used_rows & (design._w > 0)) + 1 - p
    se = np.sqrt(np.diag(V))
    tval = beta / se
    terms = [_rname(c) for c in Xd.columns]
    if df_resid > 0:
        pval = 2 * stats.t.sf(np.abs(tval), df_resid)
        q = float(t_quantile(level, df_resid))
        lo, hi = beta - q * se, beta + q * se
    else:
        pval = lo = hi = np.full(p, np.nan)
    coef = pd.DataFrame({"term": terms, "estimate": beta, "se": se, "t": tval, "p": pval,
                         "ci_low": lo, "ci_high": hi})
    if family in ("binomial", "quasibinomial"):
        coef["odds_ratio"], coef["or_ci_low"], coef["or_ci_high"] = np.exp(beta), np.exp(lo), np.exp(hi)
    else:
        coef["odds_ratio"] = coef["or_ci_low"] = coef["or_ci_high"] = np.nan
    term_columns = {name: [terms[i] for i in range(sl.start, sl.stop)]
                    for name, sl in Xd.design_info.term_name_slices.items()}
    cov = pd.DataFrame(V, index=terms, columns=terms)
    return SvyGLMResult(coef, cov, int(df_resid), int(len(rows)), family, formula, level, term_columns)
