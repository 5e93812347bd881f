"""Readable summaries of survey GLM fits (R ``summary.svyglm``) and their short repr.

:func:`glm_summary` builds a :class:`GLMSummary` from a
:class:`~drugtrends.survey.glm.SvyGLMResult`: the coefficient table
(estimate, SE, t, p with the residual df), the dispersion as R prints it and
the fit's facts. :func:`glm_repr` is the result's few-line repr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import glmfit

if TYPE_CHECKING:
    from .glm import SvyGLMResult

__all__ = ["GLMSummary", "glm_summary", "glm_repr"]

_LINKS = {"gaussian": "identity", "binomial": "logit", "quasibinomial": "logit", "poisson": "log",
          "quasipoisson": "log"}


@dataclass(frozen=True)
class GLMSummary:
    """What R's ``summary(svyglm)`` prints, as an object (frozen).

    Attributes
    ----------
    coefficients : DataFrame
        ``term`` (index), ``estimate``, ``se``, ``t``, ``p``.
    family, link, formula : str
    n, df_resid, iterations : int
    dispersion : float
        ``mean(w) sum(w r^2) / sum(w)`` with ``r = (y - mu) / sqrt(V(mu))`` and
        ``w`` the weights over their mean on the design's rows (R ``summary.svyglm``
        with ``residuals.svyglm``'s Pearson residuals, whose sampling weights are
        normalised over the rows fitted). Shown for information: the design-based
        SEs do not use it. On the NHANES quasibinomial model of
        ``tests/reference/survey_nhanes.R``: 1.38596 (R prints 1.386152; the
        0.01 % gap is not explained yet).
    converged : bool
    warnings : tuple of str

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "x": [0, 1, 2, 3, 4, 5],
    ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8]})
    >>> s = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x").summary()
    >>> s.coefficients.round(3).loc["x", ["estimate", "t"]].tolist(), s.df_resid
    ([1.994, 54.351], 4)
    """

    coefficients: pd.DataFrame
    family: str
    link: str
    formula: str
    n: int
    df_resid: int
    dispersion: float
    iterations: int
    converged: bool
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with ``term`` as a column.

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> import pandas as pd
        >>> from drugtrends.survey import SurveyDesign
        >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "y": [1.0, 2, 3, 4]})
        >>> SurveyDesign(df, "w", psu="psu").glm("y ~ 1").summary().to_frame().columns.tolist()
        ['term', 'estimate', 'se', 't', 'p']
        """
        return self.coefficients.reset_index()

    def __str__(self) -> str:
        tab = self.coefficients.rename(columns={"estimate": "Estimate", "se": "Std. Error", "t": "t value",
                                                "p": "Pr(>|t|)"})
        fmt = tab.copy()
        for c in ("Estimate", "Std. Error", "t value"):
            fmt[c] = [f"{v:.4g}" if np.isfinite(v) else "NA" for v in tab[c]]
        fmt["Pr(>|t|)"] = [("<2e-16" if v < 2e-16 else f"{v:.3g}") if np.isfinite(v) else "NA" for v in tab["Pr(>|t|)"]]
        fmt["sig"] = [_stars(v) for v in tab["Pr(>|t|)"]]
        fmt.index.name = None
        lines = [f"Survey-weighted GLM: {self.formula}   family: {self.family} (link: {self.link})",
                 f"n = {self.n:,}; residual df = {self.df_resid} (design df + 1 - coefficients)", "",
                 "Coefficients:", fmt.to_string(header=[*fmt.columns[:-1], ""]),
                 "---", "Signif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1", "",
                 f"(Dispersion parameter for {self.family} family taken to be {self.dispersion:.6g})",
                 f"Number of Fisher Scoring iterations: {self.iterations}"
                 + ("" if self.converged else " (did NOT converge)")]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    __repr__ = __str__


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def _dispersion(fit: SvyGLMResult) -> float:
    w = getattr(fit, "_work", {}) or {}
    if "X" not in w:
        return float("nan")
    beta = fit.coef.set_index("term").loc[list(fit.cov.index), "estimate"].to_numpy()
    inv, _, var = glmfit.family_functions(fit.family)
    mu = inv(w["X"] @ beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = (w["y"] - mu) ** 2 / var(mu)
    wn = w["wn"]   # weights over the mean of the design's rows (R's prior weights)
    # R's residuals.svyglm scales the Pearson residuals by prior / sampling weights, the sampling weights
    # normalised over the rows fitted: a factor mean(wn) on every squared residual
    return float(np.mean(wn) * np.nansum(wn * r2) / np.sum(wn))


def glm_summary(fit: SvyGLMResult) -> GLMSummary:
    """R ``summary.svyglm`` of a fit.

    Parameters
    ----------
    fit : SvyGLMResult

    Returns
    -------
    GLMSummary

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "y": [1.0, 2, 3, 4]})
    >>> glm_summary(SurveyDesign(df, "w", psu="psu").glm("y ~ 1")).dispersion
    1.25
    """
    coef = fit.coef.set_index("term")[["estimate", "se", "t", "p"]].copy()
    return GLMSummary(coef, fit.family, _LINKS.get(fit.family, ""), fit.formula, int(fit.n), int(fit.df_resid),
                      _dispersion(fit), int(fit.iterations), bool(fit.converged), tuple(fit.warnings))


def glm_repr(fit: SvyGLMResult) -> str:
    """A few lines saying what a fit is (the result's repr).

    Parameters
    ----------
    fit : SvyGLMResult

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "y": [1.0, 2, 3, 4]})
    >>> print(glm_repr(SurveyDesign(df, "w", psu="psu").glm("y ~ 1")))
    <SvyGLMResult: y ~ 1, gaussian (identity link); n = 4, residual df = 3, 1 coefficient>
      (Intercept)  2.5 (SE 0.645, p = 0.0305)
      .summary(): coefficient table as R summary(svyglm); .to_frame(): tidy frame
    """
    k = len(fit.coef)
    head = (f"<SvyGLMResult: {fit.formula}, {fit.family} ({_LINKS.get(fit.family, '')} link); "
            f"n = {fit.n:,}, residual df = {fit.df_resid}, {k} coefficient{'s' if k != 1 else ''}>")
    lines = [head]
    for _, r in fit.coef.head(6).iterrows():
        lines.append(f"  {r['term']}  {r['estimate']:.4g} (SE {r['se']:.3g}, p = {r['p']:.3g})")
    if k > 6:
        lines.append(f"  ... {k - 6} more")
    flags = [f for f in ("separation" if fit.separation else "", "" if fit.converged else "not converged") if f]
    if flags:
        lines.append("  flagged: " + ", ".join(flags))
    lines.append("  .summary(): coefficient table as R summary(svyglm); .to_frame(): tidy frame")
    return "\n".join(lines)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
