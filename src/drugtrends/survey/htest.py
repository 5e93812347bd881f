"""Frozen result of a design-based hypothesis test (R's ``htest`` / ``regTermTest``).

:class:`TestResult` is returned by :meth:`SurveyDesign.chisq
<drugtrends.survey.SurveyDesign.chisq>` and :meth:`SvyGLMResult.wald_test
<drugtrends.survey.glm.SvyGLMResult.wald_test>`. It is immutable, has a
one-row :meth:`~TestResult.to_frame`, and still supports the dict-style access
of earlier versions (``r["p"]``, ``"ddf" in r``, ``r.get("df")``); a field that
does not apply to the test (``None``) behaves as a missing key.

Also here: :func:`pfsum`, the p-value of a weighted sum of chi-squares over an
independent chi-square (R ``survey:::pFsum``, saddlepoint method), used by the
working likelihood-ratio test.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

__all__ = ["TestResult", "pfsum"]


@dataclass(frozen=True)
class TestResult:
    """One hypothesis test.

    Attributes
    ----------
    test : str
        What was tested (``"Rao-Scott F"``, ``"Wald"``, ``"LRT"``, ...).
    statistic : str
        Name of the statistic in ``value`` (``"F"``, ``"Chisq"``, ``"adjWald"``,
        ``"Wald"``, ``"LRT"``, ``"WorkingWald"``).
    value : float
        The test statistic.
    p : float
        p-value.
    ndf, ddf : float or None
        Numerator and denominator df of an F reference distribution.
    df : float or None
        df of a chi-square reference distribution.
    terms : tuple of str
        Model terms tested (GLM tests), else empty.
    details : dict
        Further numbers (``pearson``, ``adjusted_chisq``, ``delta_mean``,
        ``chisq``, ``F``, ``lambda``, ``table``, ...).

    Examples
    --------
    >>> r = TestResult("Rao-Scott", "F", 2.5, 0.12, ndf=1.0, ddf=30.0)
    >>> r["p"], "df" in r, r.get("df", "n/a")
    (0.12, False, 'n/a')
    >>> r.to_frame()[["statistic", "value", "ndf", "ddf", "p"]]
      statistic  value  ndf   ddf     p
    0         F    2.5  1.0  30.0  0.12
    """

    __test__ = False          # not a pytest test class

    test: str
    statistic: str
    value: float
    p: float
    ndf: float | None = None
    ddf: float | None = None
    df: float | None = None
    terms: tuple[Any, ...] = ()
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    # ---- dict-style access (results were dicts before) ---------------------------
    def _lookup(self, key: str) -> Any:
        names = {f.name for f in fields(self)}
        if key in names and key != "details":
            val = getattr(self, key)
            if val is None:
                raise KeyError(key)
            return list(val) if key == "terms" else val
        if key in self.details:
            return self.details[key]
        raise KeyError(key)

    def __getitem__(self, key: str) -> Any:
        return self._lookup(key)

    def __contains__(self, key: object) -> bool:
        try:
            self._lookup(str(key))
        except KeyError:
            return False
        return True

    def get(self, key: str, default: Any = None) -> Any:
        """``r[key]``, or ``default`` when the key does not apply.

        Parameters
        ----------
        key : str
        default : object

        Returns
        -------
        object

        Examples
        --------
        >>> TestResult("Wald", "F", 2.0, 0.2, ndf=1, ddf=9).get("df", "n/a")
        'n/a'
        """
        try:
            return self._lookup(key)
        except KeyError:
            return default

    def keys(self) -> list[str]:
        """Keys available through ``r[key]``.

        Returns
        -------
        list of str

        Examples
        --------
        >>> TestResult("Wald", "F", 2.0, 0.2, ndf=1, ddf=9).keys()
        ['test', 'statistic', 'value', 'p', 'ndf', 'ddf', 'terms']
        """
        base = [f.name for f in fields(self) if f.name != "details"]
        return [k for k in base if getattr(self, k) is not None] + list(self.details)

    def to_frame(self) -> pd.DataFrame:
        """The test as a one-row table.

        Returns
        -------
        DataFrame
            Columns ``test``, ``statistic``, ``value``, ``ndf``, ``ddf``, ``df``,
            ``p``, ``terms`` (NaN where a field does not apply).

        Examples
        --------
        >>> TestResult("Rao-Scott", "Chisq", 3.1, 0.08, df=1).to_frame()[["statistic", "df", "p"]]
          statistic   df     p
        0     Chisq  1.0  0.08
        """
        return pd.DataFrame([{
            "test": self.test, "statistic": self.statistic, "value": self.value,
            "ndf": np.nan if self.ndf is None else float(self.ndf),
            "ddf": np.nan if self.ddf is None else float(self.ddf),
            "df": np.nan if self.df is None else float(self.df),
            "p": self.p, "terms": " + ".join(self.terms)}])


def _saddle(x: float, lam: np.ndarray) -> float:
    """Upper tail of ``sum lam_i chi2_1`` at ``x`` by the saddlepoint (R ``survey:::saddle``)."""
    d = lam.max()
    lam = lam / d
    x = x / d

    def kprime(z: float) -> float:
        return float(np.sum(lam / (1 - 2 * z * lam)))

    lmin: float
    if (lam < 0).any():
        lmin = np.max(1 / (2 * lam[lam < 0])) * 0.99999
    elif x > lam.sum():
        lmin = -0.01
    else:
        lmin = -len(lam) / (2 * x)
    lmax = np.min(1 / (2 * lam[lam > 0])) * 0.99999
    z = optimize.brentq(lambda z: kprime(z) - x, lmin, lmax, xtol=1e-14, rtol=1e-15)
    k0 = -np.sum(np.log(1 - 2 * z * lam)) / 2
    kpp = 2 * np.sum(lam**2 / (1 - 2 * z * lam) ** 2)
    w = np.sign(z) * np.sqrt(2 * (z * x - k0))
    v = z * np.sqrt(kpp)
    if abs(z) < 1e-4:
        return np.nan
    return float(stats.norm.sf(w + np.log(v / w) / w))


def pfsum(x: float, a: ArrayLike, ddf: float = np.inf) -> float:
    """P(sum a_i chi2_1 / (chi2_ddf / ddf) > x): R ``survey:::pFsum(method="saddlepoint")``.

    Falls back to the Satterthwaite F approximation where the saddlepoint is
    undefined, as R does.

    Parameters
    ----------
    x : float
    a : array_like
        Weights (eigenvalues of the misspecification matrix).
    ddf : float
        Denominator df (``np.inf``: a weighted sum of chi-squares).

    Returns
    -------
    float

    Examples
    --------
    >>> round(pfsum(3.84, [1.0]), 4)   # saddlepoint for one chi-square(1) (exact: 0.0500)
    0.0517
    """
    a = np.atleast_1d(np.asarray(a, dtype=float))
    tr = a.mean()
    tr2 = np.mean(a**2) / tr**2
    scale, ndf = tr * tr2, len(a) / tr2
    if np.isinf(ddf):
        guess = float(stats.chi2.sf(x / scale, ndf))
        lam = a
    else:
        guess = float(stats.f.sf(x / ndf / scale, ndf, ddf))
        lam = np.concatenate([a, np.repeat(-x / ddf, int(ddf))])
    s = _saddle(0.0 if not np.isinf(ddf) else x, lam)
    return guess if np.isnan(s) else s


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
