"""Tests of independence for two-way tables (R ``svychisq``), Taylor and replicate designs.

Following R ``survey:::svychisq.survey.design`` / ``svychisq.svyrep.design``:

* cell proportions ``p`` of the ``r x c`` table among complete cases, with
  their design covariance ``V`` (domain estimation, rows kept in the design;
  on a replicate design the replicate covariance);
* Pearson ``X^2`` of the weighted table rescaled to ``N`` = number of rows of
  the (subset) design (R's ``svytable(Ntotal=N)``, rows with a missing
  variable included in ``N``);
* ``nu``: PSUs minus strata of the (subset) design's rows (Taylor), or
  ``degf(design)`` (replicate designs);
* ``C`` = interaction contrasts orthogonalised against the main effects,
  ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` with ``D = diag(p)``;
* ``"F"``: ``F = X^2 / tr(Delta)`` on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and
  ``d0 * nu`` df (Rao-Scott second order);
* ``"Chisq"``: statistic ``X^2`` (as R prints it), p-value from
  ``chi2((r-1)(c-1))`` at ``X^2 / mean(diag(Delta))`` (first order);
* ``"Wald"`` / ``"adjWald"``: design-based Wald test (Koch et al. 1975) of
  ``Y_ij = N_ij - N_i. N_.j / N_..`` = 0 for ``i, j >= 2`` with the covariance
  of the estimated totals through the Jacobian; ``Wald``: ``F = W / k`` on
  ``(k, nu)`` df; ``adjWald``: ``F = W (nu - k + 1) / (k nu)`` on
  ``(k, nu - k + 1)`` df, ``k = (r-1)(c-1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DesignError
from ..validate import check_choice, require_columns
from .htest import TestResult
from .kernel import Estimates, Outcome
from .replicates import replicate_degf

__all__ = ["svychisq", "STATISTICS", "ChisqResult"]

#: The ``statistic=`` choices of :func:`svychisq` (as R ``svychisq``).
STATISTICS = ("F", "Chisq", "adjWald", "Wald")

#: The result type of :func:`svychisq` (a :class:`~drugtrends.survey.htest.TestResult`).
ChisqResult = TestResult


# --------------------------------------------------------------------------- design access
def _outcome(variable: str, level: str | None, y: np.ndarray) -> Outcome:
    return Outcome(variable, level, y, True)


def _linearise(design: Any, outs: list[Outcome], kind: str) -> Estimates:
    est: Estimates = design.linearise(outs, None, kind, df_rule="design", full_cov=True)
    return est


def _nu(design: Any, mask: np.ndarray) -> float:
    """R: degf(design) for replicate designs, PSUs - strata of the subset's rows otherwise."""
    return float(replicate_degf(design)) if design.is_replicate else float(design.degf(mask))


# --------------------------------------------------------------------------- pieces
def _levels(s: pd.Series, mask: np.ndarray) -> list[Any]:
    sub = s[mask].dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(sub.unique())
        return [x for x in s.cat.categories if x in present]
    return sorted(sub.unique().tolist())


def _indicators(a: pd.Series, b: pd.Series, la: list[Any], lb: list[Any], miss: np.ndarray) -> list[Outcome]:
    """Cell indicators (rows fastest, R interaction()), then row and column indicators."""
    outs: list[Outcome] = []
    for j in range(len(lb)):
        for i in range(len(la)):
            y = ((a == la[i]) & (b == lb[j])).to_numpy(dtype=float, na_value=0.0)
            y[miss] = np.nan
            outs.append(_outcome(f"{la[i]}.{lb[j]}", None, y))
    return outs


def _margins(a: pd.Series, b: pd.Series, la: list[Any], lb: list[Any], miss: np.ndarray) -> list[Outcome]:
    outs: list[Outcome] = []
    for s, levs, tag in ((a, la, "row"), (b, lb, "col")):
        for lev in levs:
            y = (s == lev).to_numpy(dtype=float, na_value=0.0)
            y[miss] = np.nan
            outs.append(_outcome(f"{tag}:{lev}", None, y))
    one = np.ones(len(a))
    one[miss] = np.nan
    outs.append(_outcome("one", None, one))
    return outs


def _rao_scott(p: np.ndarray, V: np.ndarray, nr: int, nc: int, N: float) -> tuple[float, np.ndarray]:
    tab = p.reshape(nc, nr).T * N
    E = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / N
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum((tab - E) ** 2 / E))
    ri = np.tile(np.arange(nr), nc)
    ci_ = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(nr * nc)] + [(ri == i).astype(float) for i in range(1, nr)]
                         + [(ci_ == j).astype(float) for j in range(1, nc)])
    X12 = np.column_stack([((ri == i) & (ci_ == j)).astype(float)
                           for j in range(1, nc) for i in range(1, nr)])
    coef, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    C = X12 - X1 @ coef
    with np.errstate(divide="ignore"):
        iD = np.diag(np.where(p == 0, 0.0, 1.0 / p))
    Delta = np.linalg.solve(C.T @ (iD / N) @ C, C.T @ iD @ V @ iD @ C)
    return pearson, Delta


def _wald(design: Any, a: pd.Series, b: pd.Series, la: list[Any], lb: list[Any], miss: np.ndarray, nu: float,
          statistic: str) -> TestResult:
    nr, nc = len(la), len(lb)
    lin = _linearise(design, _indicators(a, b, la, lb, miss) + _margins(a, b, la, lb, miss), "total")
    t = lin.est[0]
    S = lin.cov
    assert S is not None   # full_cov=True
    cells, rt, ct, T = t[:nr * nc], t[nr * nc:nr * nc + nr], t[nr * nc + nr:-1], t[-1]
    ri = np.tile(np.arange(nr), nc)
    cj = np.repeat(np.arange(nc), nr)
    Y = cells - rt[ri] * ct[cj] / T
    J = np.zeros((nr * nc, len(t)))
    J[:, :nr * nc] = np.eye(nr * nc)
    J[np.arange(nr * nc), nr * nc + ri] = -ct[cj] / T
    J[np.arange(nr * nc), nr * nc + nr + cj] = -rt[ri] / T
    J[:, -1] = rt[ri] * ct[cj] / T**2
    Vy = J @ S @ J.T
    use = np.flatnonzero((ri >= 1) & (cj >= 1))
    try:
        W = float(Y[use] @ np.linalg.solve(Vy[np.ix_(use, use)], Y[use]))
    except np.linalg.LinAlgError as exc:
        raise DesignError("the Wald test's covariance matrix is singular (a table cell or margin "
                          "without variance); use statistic='F'.") from exc
    k = (nr - 1) * (nc - 1)
    if statistic == "Wald":
        F, ndf, ddf = W / k, k, nu
    else:
        F, ndf, ddf = W * (nu - k + 1) / (k * nu), k, nu - k + 1
    p = float(stats.f.sf(F, ndf, ddf)) if ddf > 0 else np.nan
    return TestResult("Design-based Wald test of association", statistic, float(F), p,
                      ndf=float(ndf), ddf=float(ddf), details={"wald": W})


#: A numeric (not categorical) table variable with more levels than this is refused as continuous.
MAX_NUMERIC_LEVELS = 20


def _check_not_continuous(name: str, s: pd.Series, k: int) -> None:
    """A numeric column with many distinct values is a measurement, not a category: refuse with a hint."""
    numeric = (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
               and not isinstance(s.dtype, pd.CategoricalDtype))
    if numeric and k > MAX_NUMERIC_LEVELS:
        raise DesignError(
            f"chisq: {name!r} is numeric with {k} distinct values: it looks continuous, and a {k}-level table "
            f"tests nothing useful. Cut it into bands first (e.g. pandas.cut(data[{name!r}], [18, 30, 40, 50, 60])) "
            f"or compare means (design.glm('{name} ~ group') / profile_table(continuous=[{name!r}])). "
            f"Numeric columns with at most {MAX_NUMERIC_LEVELS} values, or categorical dtype, are accepted.")


def svychisq(design: Any, row: str, col: str, statistic: str = "F") -> TestResult:
    """Rao-Scott corrected chi-square / F test, or a design-based Wald test.

    Parameters
    ----------
    design : SurveyDesign or ReplicateDesign
    row, col : str
        The two categorical variables.
    statistic : {"F", "Chisq", "adjWald", "Wald"}

    Returns
    -------
    TestResult
        ``statistic`` (name), ``value`` (F, or X^2 for ``"Chisq"``), ``ndf``
        and ``ddf`` (F-type) or ``df`` (``"Chisq"``), ``p``; ``details``:
        ``pearson`` (X^2), ``adjusted_chisq`` (X^2 / mean(delta)),
        ``delta_mean``, ``table`` (weighted cell proportions) for the
        Rao-Scott tests, ``wald`` (the Wald chi-square) for the Wald tests.
        Dict-style access (``r["value"]``, ``r["df"]``) works as before.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "a": list("xxyyxxyy"),
    ...                    "b": list("uvuvuuvv")})
    >>> r = svychisq(SurveyDesign(df, weight="w", psu="psu"), "a", "b", statistic="Chisq")
    >>> r["value"], r["df"], round(r["p"], 4)   # R: X-squared = 2, df = 1, p-value = 0.1859
    (2.0, 1, 0.1859)
    """
    check_choice(statistic, "statistic", STATISTICS, error=DesignError)
    data = design.data
    require_columns(data, [row, col], "table variable")
    mask = np.asarray(design.mask, dtype=bool)
    a, b = data[row], data[col]
    la, lb = _levels(a, mask), _levels(b, mask)
    nr, nc = len(la), len(lb)
    if nr < 2 or nc < 2:
        raise DesignError(f"a two-way table needs at least 2 levels each; {row!r} has {nr}, {col!r} has {nc}")
    for name, s, k in ((row, a, nr), (col, b, nc)):
        _check_not_continuous(name, s, k)
    miss = (a.isna() | b.isna()).to_numpy()
    nu = _nu(design, mask)
    if statistic in ("Wald", "adjWald"):
        return _wald(design, a, b, la, lb, miss, nu, statistic)
    lin = _linearise(design, _indicators(a, b, la, lb, miss), "mean")
    p, V = lin.est[0], lin.cov
    assert V is not None   # full_cov=True
    N = float(mask.sum())
    pearson, Delta = _rao_scott(p, V, nr, nc, N)
    tr = float(np.trace(Delta))
    d0 = tr**2 / float(np.trace(Delta @ Delta))
    k = (nr - 1) * (nc - 1)
    table = pd.DataFrame(p.reshape(nc, nr).T, index=pd.Index(la, name=row), columns=pd.Index(lb, name=col))
    details = {"pearson": pearson, "delta_mean": tr / k, "adjusted_chisq": pearson / (tr / k),
               "table": table}
    if statistic == "F":
        F = pearson / tr
        return TestResult("Pearson's X^2: Rao & Scott adjustment", "F", F,
                          float(stats.f.sf(F, d0, d0 * nu)), ndf=d0, ddf=d0 * nu, details=details)
    return TestResult("Pearson's X^2: Rao & Scott adjustment", "Chisq", pearson,
                      float(stats.chi2.sf(pearson / (tr / k), k)), df=k, details=details)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
