"""Rao-Scott tests of independence for two-way tables (R ``svychisq``).

Following R ``survey:::svychisq.survey.design`` (statistics ``"F"`` and
``"Chisq"``):

* cell proportions ``p`` of the ``r x c`` table among complete cases, with
  their design covariance ``V`` (domain estimation, rows kept in the design);
* Pearson ``X^2`` of the weighted table rescaled to ``N`` = number of rows of
  the (subset) design (R's ``svytable(Ntotal=N)``, rows with a missing
  variable included in ``N``);
* ``C`` = interaction contrasts orthogonalised against the main effects,
  ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` with ``D = diag(p)``;
* ``"F"``: ``F = X^2 / tr(Delta)`` on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and
  ``d0 * nu`` df, ``nu`` = PSUs minus strata of the (subset) design's rows;
* ``"Chisq"``: statistic ``X^2`` (as R prints it), p-value from
  ``chi2((r-1)(c-1))`` at ``X^2 / mean(diag(Delta))``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DesignError
from .design import _Outcome, _check_columns

__all__ = ["svychisq"]


def svychisq(design, row: str, col: str, statistic: str = "F") -> dict:
    """Rao-Scott corrected chi-square / F test.

    Parameters
    ----------
    design : SurveyDesign
    row, col : str
        The two categorical variables.
    statistic : {"F", "Chisq"}

    Returns
    -------
    dict
        ``statistic`` (name), ``value`` (F or X^2), ``ndf``, ``ddf`` (F only,
        else ``df``), ``p``, ``pearson`` (X^2), ``adjusted_chisq``
        (X^2 / mean(delta)), ``delta_mean``, ``table`` (weighted cell
        proportions).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "a": list("xxyyxxyy"),
    ...                    "b": list("uvuvuuvv")})
    >>> r = SurveyDesign(df, weight="w", psu="psu").chisq("a", "b", statistic="Chisq")
    >>> r["value"], r["df"], round(r["p"], 4)   # R: X-squared = 2, df = 1, p-value = 0.1859
    (2.0, 1, 0.1859)
    """
    if statistic not in ("F", "Chisq"):
        raise DesignError(f"statistic={statistic!r}: use 'F' or 'Chisq'")
    if getattr(design, "_is_replicate", False):
        raise DesignError("chisq() is implemented for Taylor-linearisation designs only.")
    data = design.data
    _check_columns(data, [row, col], "table variable")
    mask = design._mask
    a, b = data[row], data[col]

    def levels(s):
        sub = s[mask].dropna()
        if isinstance(s.dtype, pd.CategoricalDtype):
            present = set(sub.unique())
            return [x for x in s.cat.categories if x in present]
        return sorted(sub.unique().tolist())

    la, lb = levels(a), levels(b)
    nr, nc = len(la), len(lb)
    if nr < 2 or nc < 2:
        raise DesignError(f"a two-way table needs at least 2 levels each; {row!r} has {nr}, {col!r} has {nc}")
    miss = (a.isna() | b.isna()).to_numpy()
    outs = []
    for j in range(nc):          # rows vary fastest, as R's interaction()
        for i in range(nr):
            y = ((a == la[i]) & (b == lb[j])).to_numpy(dtype=float, na_value=0.0)
            y[miss] = np.nan
            outs.append(_Outcome(f"{la[i]}.{lb[j]}", None, y, True))
    lin = design._linearise(outs, None, "mean", df_rule="design", full_cov=True)
    p = lin.est[0]
    V = lin.cov
    N = float(mask.sum())
    nu = design._degf(mask)
    # Pearson X^2 on the weighted table scaled to N
    tab = p.reshape(nc, nr).T * N
    E = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / N
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum((tab - E) ** 2 / E))
    # interaction contrasts orthogonal to main effects
    ri = np.tile(np.arange(nr), nc)
    ci_ = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(nr * nc)] + [(ri == i).astype(float) for i in range(1, nr)]
                         + [(ci_ == j).astype(float) for j in range(1, nc)])
    X12 = np.column_stack([((ri == i) & (ci_ == j)).astype(float)
                           for j in range(1, nc) for i in range(1, nr)])
    coef, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    C = X12 - X1 @ coef
    with np.errstate(divide="ignore"):
        idiag = np.where(p == 0, 0.0, 1.0 / p)
    iD = np.diag(idiag)
    denom = C.T @ (iD / N) @ C
    numr = C.T @ iD @ V @ iD @ C
    Delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(Delta))
    tr2 = float(np.trace(Delta @ Delta))
    d0 = tr**2 / tr2
    k = (nr - 1) * (nc - 1)
    table = pd.DataFrame(p.reshape(nc, nr).T, index=pd.Index(la, name=row), columns=pd.Index(lb, name=col))
    res = {"statistic": statistic, "pearson": pearson, "delta_mean": tr / k,
           "adjusted_chisq": pearson / (tr / k), "table": table}
    if statistic == "F":
        F = pearson / tr
        res.update(value=F, ndf=d0, ddf=d0 * nu, p=float(stats.f.sf(F, d0, d0 * nu)))
    else:
        res.update(value=pearson, df=k, p=float(stats.chi2.sf(pearson / (tr / k), k)))
    return res
