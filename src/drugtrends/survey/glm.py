"""Design-based generalised linear models (R ``svyglm``).

Point estimates: weighted maximum likelihood by IRLS exactly as R ``glm.fit``
(:mod:`.glmfit`; the weights' scale does not matter; ``epsilon`` and ``maxit``
as ``glm.control``).

Variance, Taylor-linearisation designs: the sandwich of R
``survey:::svy.varcoef``: influence values ``x_i w_i (y_i - mu_i) mu'(eta_i) /
V(mu_i)`` times ``A^{-1}``, ``A = X' diag(w mu'^2 / V) X`` (working weights of
the last IRLS iteration, as R), summed per PSU and passed to the stratified
with-replacement variance (domain rows only). Residual df
``degf(design) + 1 - p`` with ``degf`` counted on the complete-case rows.

Variance, replicate-weight designs (R ``svyglm.svyrep.design``): the model is
refitted on every replicate (weights ``w_r / sum(w_r)``, started at the
full-sample coefficients, same ``glm.control``) and the replicate coefficients
go through ``svrVar`` (scale, rscales, ``mse``). Residual df ``degf(design) + 1 - p``.

t statistics, p-values and Wald intervals use the residual df
(``summary.svyglm``, ``confint.svyglm``). :meth:`SvyGLMResult.wald_test` is
``regTermTest`` (``"Wald"``, ``"WorkingWald"``, ``"LRT"``).

Edge cases (issue 16), never a raw numpy error:

* an **unused factor level** in the (domain) rows is dropped, as R's
  ``model.frame(drop.unused.levels=TRUE)``;
* **aliased terms** (collinear predictors) get a NaN coefficient and
  ``aliased=True`` in ``coef`` and a :class:`~drugtrends.errors.ModelWarning`;
  df use the estimable coefficients (R: ``NA`` coefficient);
* **separation** in a binomial model (a coefficient whose MLE is infinite,
  checked by linear programming; R says nothing or "fitted probabilities
  numerically 0 or 1 occurred") gives a ``ModelWarning`` and the result is marked:
  ``separation=True``, ``coef.flag == "separation"`` on the terms involved;
  their estimates, SEs and p-values are not interpretable (the design-based SE
  of a diverging coefficient can be small). The linear programme runs when a
  fitted probability is within 1e-5 of 0 or 1 or IRLS did not converge (a
  separated model always gets there);
* IRLS **not converging** in ``maxit`` iterations warns (``converged=False``), as R.

Families: ``"gaussian"`` (identity), ``"binomial"`` / ``"quasibinomial"``
(logit), ``"poisson"`` / ``"quasipoisson"`` (log). Column names follow R
(``"(Intercept)"``, ``"sexfemale"``, ``"age_band30-39"``, ``"femaleTRUE"``).
Conventions that differ from R: an *ordered* pandas categorical is coded with
treatment dummies (R would use polynomial contrasts for an ordered factor).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DesignError, ModelWarning
from ..validate import check_choice
from . import glmfit, glmsummary
from .ci import t_quantile
from .glmfit import FAMILIES
from .htest import TestResult, pfsum
from .replicates import replicate_degf

__all__ = ["svyglm", "SvyGLMResult", "FAMILIES"]

_TESTS = ("Wald", "WorkingWald", "LRT")


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


@dataclass(frozen=True)
class SvyGLMResult:
    """Result of :func:`svyglm` (frozen).

    Attributes
    ----------
    coef : DataFrame
        ``term``, ``estimate``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high``,
        ``odds_ratio``, ``or_ci_low``, ``or_ci_high`` (binomial families, NaN
        otherwise), ``aliased`` (bool) and ``flag`` (``""``, ``"aliased"``,
        ``"separation"``).
    cov : DataFrame
        Design-based covariance of the estimable coefficients.
    df_resid : int
        ``degf + 1 - p`` (R ``svyglm``'s ``df.residual``; ``p`` estimable coefficients).
    n : int
        Rows used (domain, complete cases).
    family, formula : str
    level : float
    term_columns : dict
        Model term -> its coefficient names.
    converged : bool
    iterations : int
    deviance : float
        Deviance of the working model (weights scaled to mean 1, as R).
    separation : bool
    warnings : tuple of str
        Every warning issued while fitting.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "x": [0, 1, 2, 3, 4, 5],
    ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8]})
    >>> fit = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x")
    >>> fit.to_frame()[["term", "estimate"]].round(3)
              term  estimate
    0  (Intercept)     1.014
    1            x     1.994
    """

    coef: pd.DataFrame
    cov: pd.DataFrame
    df_resid: int
    n: int
    family: str
    formula: str
    level: float
    term_columns: dict[str, list[str]]
    converged: bool = True
    iterations: int = 0
    deviance: float = np.nan
    separation: bool = False
    warnings: tuple[str, ...] = ()
    _work: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: Categorical model term -> its levels in the rows fitted, reference (first) level first.
    term_levels: dict[str, list[Any]] = field(default_factory=dict, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table.

        Returns
        -------
        DataFrame
            A copy of :attr:`coef` (one row per coefficient).

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "y": [1.0, 2, 3, 4]})
        >>> SurveyDesign(df, "w", psu="psu").glm("y ~ 1").to_frame()[["term", "estimate"]]
                  term  estimate
        0  (Intercept)       2.5
        """
        return self.coef.copy()

    def summary(self) -> glmsummary.GLMSummary:
        """The coefficient table, dispersion and fit facts, as R ``summary(svyglm)``.

        Returns
        -------
        GLMSummary
            Prints as R does; ``to_frame()`` gives the table (:mod:`.glmsummary`).

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "y": [1.0, 2, 3, 4]})
        >>> SurveyDesign(df, "w", psu="psu").glm("y ~ 1").summary().df_resid
        3
        """
        return glmsummary.glm_summary(self)

    def __repr__(self) -> str:
        return glmsummary.glm_repr(self)

    def _columns(self, terms: str | list[str]) -> list[str]:
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
        est = self.coef.set_index("term")
        cols = [c for c in cols if not est.loc[c, "aliased"]]
        if not cols:
            raise DesignError(f"every coefficient of {terms} is aliased; nothing to test.")
        return cols

    def wald_test(self, terms: str | list[str], method: str = "Wald") -> TestResult:
        """Test that all coefficients of ``terms`` are 0 (R ``regTermTest``).

        Parameters
        ----------
        terms : str or list of str
            Model terms (``"age_band"``, ``"sex"``, ``"sex:age_band"``).
        method : {"Wald", "WorkingWald", "LRT"}
            ``"Wald"``: ``F = b' V^{-1} b / q`` on ``(q, df_resid)`` df.
            ``"LRT"``: Rao-Scott working likelihood ratio (Lumley and Scott
            2013): deviance difference of the working models without and with
            the terms (the reduced model refitted on the same rows), p-value
            from the weighted sum of chi-squares with weights the eigenvalues of
            ``V0^{-1} V`` (``V0`` model-based, ``V`` design-based), over
            ``chi2(df_resid)/df_resid`` (saddlepoint, R ``pFsum``).
            ``"WorkingWald"``: the same with ``b' V0^{-1} b`` as the statistic.
            Differs from R where a tested term has missing values: R's
            ``update()`` refits the reduced model on the rows complete for the
            *reduced* formula, so its deviances compare different samples;
            drugtrends always refits on the rows of the full model (what R
            gives on a design restricted to those rows). The statistic scales
            with the weights' normalisation (mean 1 over the design's rows, as
            R); the p-value does not.

        Returns
        -------
        TestResult
            ``value`` (F for Wald, the chi-square-type statistic otherwise),
            ``p``, ``ndf``/``ddf`` (Wald) or ``df``/``ddf`` (LRT), ``terms``;
            ``details``: ``chisq``, ``F`` and, for LRT/WorkingWald, ``lambda``.
            Dict-style access (``r["F"]``, ``r["ndf"]``) still works.

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "x": [0, 1, 2, 3, 4, 5, 6, 7],
        ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8, 13.1, 15.0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x").wald_test("x")
        >>> r["ndf"], r["ddf"], r.statistic
        (1, 6, 'F')
        """
        check_choice(method, "method", _TESTS, error=DesignError)
        terms = [terms] if isinstance(terms, str) else list(terms)
        cols = self._columns(terms)
        b = self.coef.set_index("term").loc[cols, "estimate"].to_numpy()
        V = self.cov.loc[cols, cols].to_numpy()
        q = len(cols)
        ddf = self.df_resid
        if method == "Wald":
            chisq = float(b @ np.linalg.solve(V, b))
            F = chisq / q
            p = float(stats.f.sf(F, q, ddf)) if ddf > 0 else np.nan
            return TestResult("Wald", "F", F, p, ndf=q, ddf=ddf, terms=tuple(terms),
                              details={"chisq": chisq, "F": F})
        return self._working_test(terms, cols, b, V, method)

    def _working_test(self, terms: str | list[str], cols: list[str], b: np.ndarray, V: np.ndarray,
                      method: str) -> TestResult:
        w = self._work
        names = list(self.cov.index)
        idx = [names.index(c) for c in cols]
        V0 = w["naive_cov"][np.ix_(idx, idx)]
        if method == "LRT":
            keep = [i for i in range(len(names)) if i not in idx]
            fit0 = glmfit.irls(w["X"][:, keep], w["y"], w["wn"], self.family,
                               w["epsilon"], w["maxit"])
            chisq = float(fit0.deviance - self.deviance)
        else:
            chisq = float(b @ np.linalg.solve(V0, b))
        lam = np.sort(np.linalg.eigvals(np.linalg.solve(V0, V)).real)[::-1]
        ddf = self.df_resid
        p = pfsum(chisq, lam, ddf if ddf > 0 else np.inf)
        return TestResult(method, method, chisq, p, df=len(cols), ddf=ddf, terms=tuple(terms),
                          details={"chisq": chisq, "lambda": lam.tolist()})


# --------------------------------------------------------------------------- design access
def _taylor_cov(design: Any, infl: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Stratified with-replacement covariance of the columns of ``infl`` (rows x p)."""
    s = design.structure
    T = s.psu_totals(infl, rows)
    present = None
    if s.lonely_psu == "average":
        present = np.repeat(np.asarray(s.strata_present(rows), dtype=bool)[:, None], infl.shape[1], axis=1)
    V: np.ndarray = s.variance(T, present=present, full=True)
    return V


def _replicate_parts(design: Any) -> tuple[np.ndarray, float, np.ndarray, bool]:
    """(replicate weights n x R, scale, rscales, mse) of a replicate design."""
    s = design.structure
    R = s.n_replicates
    rscales = np.ones(R) if s.rscales is None else np.asarray(s.rscales, dtype=float)
    return np.asarray(s.replicate_weights(), dtype=float), float(s.scale), rscales, bool(s.mse)


# --------------------------------------------------------------------------- fitting
def _model_matrices(design: Any, formula: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete-case domain rows -> (y frame, X frame) with unused levels dropped (R)."""
    import patsy

    data = design.data
    mask = np.asarray(design.mask, dtype=bool)
    names = set(re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", formula))
    used = [c for c in data.columns if str(c) in names]
    if not used:
        raise DesignError(f"formula {formula!r} names no column of the data; columns: "
                          f"{list(map(str, data.columns))[:20]}")
    frame = data.iloc[np.flatnonzero(mask)][used].copy()
    frame.index = np.flatnonzero(mask)
    for c in used:  # patsy understands object / categorical, not pandas' string dtype
        col = frame[c]
        if pd.api.types.is_string_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
            frame[c] = col.astype(object).where(col.notna(), None)
    frame = frame.dropna()
    for c in used:   # R model.frame(drop.unused.levels = TRUE)
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].cat.remove_unused_categories()
    if frame.empty:
        raise DesignError(f"no row of the (domain) design has every variable of {formula!r} "
                          "non-missing; nothing to fit.")
    try:
        yx: tuple[pd.DataFrame, pd.DataFrame] = patsy.dmatrices(formula, frame, NA_action="drop", return_type="dataframe")
        return yx
    except patsy.PatsyError as exc:
        raise DesignError(f"could not build the model matrix for {formula!r}: {exc}") from exc


def _replicate_cov(design: Any, X: np.ndarray, y: np.ndarray, rows: np.ndarray, beta0: np.ndarray, family: str,
                   epsilon: float, maxit: int, notes: list[str]) -> np.ndarray:
    W, scale, rscales, mse = _replicate_parts(design)
    R = W.shape[1]
    betas = np.full((R, X.shape[1]), np.nan)
    for r in range(R):
        wi = W[rows, r]
        try:
            betas[r] = glmfit.irls(X, y, wi / wi.sum(), family, epsilon, maxit, start=beta0).beta
        except DesignError:
            continue
    ok = np.isfinite(betas).all(axis=1)
    if not ok.all():
        notes.append(f"{int((~ok).sum())} replicates gave no estimate and were discarded (as R svrVar)")
    betas, rs = betas[ok], rscales[ok]
    centre = beta0 if mse else betas[rs > 0].mean(axis=0)
    dev = (betas - centre) * np.sqrt(rs)[:, None]
    V: np.ndarray = scale * dev.T @ dev
    return V


def _sandwich(design: Any, X: np.ndarray, y: np.ndarray, w: np.ndarray, wn: np.ndarray, rows: np.ndarray,
              fit: glmfit.IRLSFit, family: str) -> tuple[np.ndarray, int]:
    """R ``svy.varcoef``: influence values -> PSU totals -> stratified variance; residual df."""
    inv, dmu, _ = glmfit.family_functions(family)
    w_all = np.asarray(design.weights, dtype=float)
    eta = X @ fit.beta
    ww = fit.w_last * w / wn
    Ainv = np.linalg.inv((X.T * ww) @ X)
    infl = np.zeros((len(w_all), X.shape[1]))
    infl[rows] = (ww * (y - inv(eta)) / dmu(eta))[:, None] * X @ Ainv
    used = np.zeros(len(w_all), dtype=bool)
    used[rows] = True
    return _taylor_cov(design, infl, used), design.degf(used & (w_all > 0)) + 1 - X.shape[1]


def _check_fit(family: str, X: np.ndarray, y: np.ndarray, wn: np.ndarray, fit: glmfit.IRLSFit, names: list[str],
               notes: list[str]) -> list[int]:
    """Warnings for non-convergence and separation; returns separated columns."""
    if not fit.converged:
        notes.append(f"IRLS did not converge in {fit.iterations} iterations (R: 'glm.fit: "
                     "algorithm did not converge'); increase maxit= or check the model")
    sep: list[int] = []
    if family in ("binomial", "quasibinomial"):
        mu = glmfit.family_functions(family)[0](X @ fit.beta)
        # separation drives fitted probabilities of the separated rows towards 0 or 1:
        # the (linear-programming) check runs only then, so large data stay fast
        if not fit.converged or mu.min() < 1e-5 or mu.max() > 1 - 1e-5:
            sep = glmfit.separation_columns(X, y, wn)
        eps = 10 * np.finfo(float).eps
        if sep or (mu < eps).any() or (mu > 1 - eps).any():
            which = [names[j] for j in sep] or ["(fitted probabilities numerically 0 or 1)"]
            notes.append("perfect or quasi-complete separation: the maximum-likelihood estimate of "
                         f"{which} is infinite; their estimates, SEs, odds ratios and p-values are "
                         "not interpretable (merge sparse categories or use a penalised model)")
    return sep


def _coef_table(names: list[str], est_idx: list[int], beta: np.ndarray, V: np.ndarray, df_resid: int, level: float,
                family: str, aliased: list[int], sep: list[int]) -> pd.DataFrame:
    p_all = len(names)
    b = np.full(p_all, np.nan)
    se = np.full(p_all, np.nan)
    b[est_idx] = beta
    se[est_idx] = np.sqrt(np.diag(V))
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = b / se
    if df_resid > 0:
        pval = 2 * stats.t.sf(np.abs(tval), df_resid)
        q = float(t_quantile(level, df_resid))
        lo, hi = b - q * se, b + q * se
    else:
        pval = lo = hi = np.full(p_all, np.nan)
    coef = pd.DataFrame({"term": names, "estimate": b, "se": se, "t": tval, "p": pval,
                         "ci_low": lo, "ci_high": hi})
    if family in ("binomial", "quasibinomial"):
        coef["odds_ratio"], coef["or_ci_low"], coef["or_ci_high"] = np.exp(b), np.exp(lo), np.exp(hi)
    else:
        coef["odds_ratio"] = coef["or_ci_low"] = coef["or_ci_high"] = np.nan
    coef["aliased"] = [j in aliased for j in range(p_all)]
    sep_names = {est_idx[j] for j in sep}
    coef["flag"] = ["aliased" if j in aliased else ("separation" if j in sep_names else "")
                    for j in range(p_all)]
    return coef


def svyglm(design: Any, formula: str, family: str = "gaussian", level: float | None = None,
           epsilon: float = 1e-8, maxiter: int = 25, *, maxit: int | None = None) -> SvyGLMResult:
    """Fit a design-based GLM on a (subset) Taylor or replicate-weight design.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
    formula : str
        Patsy formula, e.g. ``"hd ~ sex + age_band + SurveyYr"``. Text and
        categorical columns are dummy-coded against their first level (levels
        unused in the rows fitted are dropped, as R).
    family : str
        One of :data:`FAMILIES`.
    level : float, optional
        Confidence level (design default).
    epsilon, maxiter : float, int
        IRLS convergence as R ``glm.control(epsilon, maxit)`` (relative
        deviance change; ``maxit=`` is accepted as an alias of ``maxiter``).
        The sandwich uses the working weights of the last iteration, as R.

    Returns
    -------
    SvyGLMResult

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0, 2, 1, 2, 1, 2, 1, 2],
    ...                    "g": list("aabbaabb"), "y": [0, 1, 1, 1, 0, 0, 1, 0]})
    >>> fit = svyglm(SurveyDesign(df, weight="w", psu="psu"), "y ~ g", family="binomial")
    >>> fit.coef.term.tolist(), fit.df_resid
    (['(Intercept)', 'gb'], 6)
    """
    maxit = maxiter if maxit is None else maxit
    if not (isinstance(maxit, (int, np.integer)) and maxit >= 1):
        raise DesignError(f"maxit={maxit!r} must be a positive integer (R glm.control(maxit=))")
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise DesignError(f"epsilon={epsilon!r} must be a positive number (R glm.control(epsilon=))")
    check_choice(family, "family", FAMILIES, error=DesignError)
    level = design.level if level is None else level
    yd, Xd = _model_matrices(design, formula)
    rows = Xd.index.to_numpy()
    X, y = Xd.to_numpy(dtype=float), yd.to_numpy(dtype=float)
    if y.shape[1] != 1:
        raise DesignError(f"the response of {formula!r} must be one numeric 0/1 or numeric column; "
                          f"got {list(yd.columns)} (recode it to 0/1 first)")
    y = y[:, 0]
    if family in ("binomial", "quasibinomial") and ((y < 0) | (y > 1)).any():
        raise DesignError(f"family={family!r} needs a response in [0, 1]; {yd.columns[0]!r} is not.")
    w_all = np.asarray(design.weights, dtype=float)
    w = w_all[rows]
    wn = w / w_all[np.asarray(design.mask, dtype=bool)].mean()   # R: weights / mean over the design
    names = [_rname(c) for c in Xd.columns]
    notes: list[str] = []
    aliased = glmfit.aliased_columns(X, wn)
    if aliased:
        notes.append(f"coefficients {[names[j] for j in aliased]} are aliased with earlier terms "
                     "(collinear predictors) and were dropped, as R does (NA coefficient)")
    est_idx = [j for j in range(X.shape[1]) if j not in aliased]
    Xe = X[:, est_idx]
    fit = glmfit.irls(Xe, y, wn, family, epsilon, maxit)
    sep = _check_fit(family, Xe, y, wn, fit, [names[j] for j in est_idx], notes)
    if design.is_replicate:
        V = _replicate_cov(design, Xe, y, rows, fit.beta, family, epsilon, maxit, notes)
        df_resid = replicate_degf(design) + 1 - len(est_idx)
    else:
        V, df_resid = _sandwich(design, Xe, y, w, wn, rows, fit, family)
    for msg in notes:
        warnings.warn(msg, ModelWarning, stacklevel=2)
    coef = _coef_table(names, est_idx, fit.beta, V, df_resid, level, family, aliased, sep)
    term_columns = {name: [names[i] for i in range(sl.start, sl.stop)]
                    for name, sl in Xd.design_info.term_name_slices.items()}
    en = [names[j] for j in est_idx]
    work = {"X": Xe, "y": y, "wn": wn, "epsilon": epsilon, "maxit": maxit,
            "naive_cov": np.linalg.inv((Xe.T * fit.w_last) @ Xe)}
    info = Xd.design_info
    term_levels = {t.name(): list(info.factor_infos[t.factors[0]].categories) for t in info.terms
                   if len(t.factors) == 1 and info.factor_infos[t.factors[0]].type == "categorical"}
    return SvyGLMResult(coef, pd.DataFrame(V, index=en, columns=en), int(df_resid), int(len(rows)),
                        family, formula, level, term_columns, fit.converged, fit.iterations,
                        fit.deviance, bool(sep), tuple(notes), work, term_levels=term_levels)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
