"""Two-list estimators: Chapman and Lincoln-Petersen, with Chao's (1987) log-normal interval."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from drugtrends.errors import InputError
from drugtrends.indirect._common import lognormal_ci
from drugtrends.validate import check_choice, check_level

__all__ = ["chapman", "lincoln_petersen"]


def _two_list_args(n1: float, n2: float, m: float, fn: str) -> tuple[int, int, int]:
    vals = []
    for name, v in (("n1", n1), ("n2", n2), ("m", m)):
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{fn}(): {name}={v!r} is not a number.") from None
        if not math.isfinite(fv) or fv < 0 or fv != int(fv):
            raise InputError(f"{fn}(): {name}={v!r} must be a non-negative whole number.")
        vals.append(int(fv))
    a, b, mm = vals
    if min(a, b) == 0:
        raise InputError(f"{fn}(): n1={a}, n2={b}: a list with nobody on it carries no information on the "
                         "overlap, so no population size can be estimated; check the counts.")
    if mm > min(a, b):
        raise InputError(f"{fn}(): m={mm} people on both lists cannot exceed n1={a} or n2={b}.")
    return a, b, mm


#: note of a two-list estimate with nobody on both lists
NO_RECAPTURE = ("no recapture (m = 0): nobody is on both lists, so the overlap carries no information and N "
                "rests on the +1 corrections of the formula; do not publish it")


def _two_list_frame(big_n: float, var: float, n: int, level: float, ci: str, method: str,
                    m: int = 1) -> pd.DataFrame:
    se = math.sqrt(var)
    if ci == "normal":
        z = stats.norm.ppf(0.5 + level / 2)
        low, high = big_n - z * se, big_n + z * se
    else:
        low, high = lognormal_ci(n, big_n, se, level)
    notes = NO_RECAPTURE if m == 0 else ""
    return pd.DataFrame([{"method": method, "N": big_n, "n_observed": n, "n_unobserved": big_n - n, "se": se,
                          "ci_low": low, "ci_high": high, "ci_method": ci, "reliable": not notes,
                          "notes": notes}])


def chapman(n1: int, n2: int, m: int, level: float = 0.95, ci: str = "lognormal") -> pd.DataFrame:
    """Chapman's nearly unbiased two-list estimator, ``(n1 + 1)(n2 + 1) / (m + 1) - 1``.

    Parameters
    ----------
    n1, n2 : int
        Number of people on list 1 and on list 2.
    m : int
        Number on both lists (may be 0).
    level : float, default 0.95
    ci : {"lognormal", "normal"}
        ``"lognormal"`` (Chao 1987, Biometrics 43:783-791): ``n + f0 / C`` to
        ``n + f0 C`` with ``f0 = N - n``, ``n = n1 + n2 - m`` and
        ``C = exp(z sqrt(log(1 + var / f0^2)))``, never below the number
        observed; ``"normal"``: ``N +/- z se``.

    Returns
    -------
    DataFrame
        One row: ``method``, ``N``, ``n_observed``, ``n_unobserved``, ``se``,
        ``ci_low``, ``ci_high``, ``ci_method``, ``reliable`` (False when
        nobody is on both lists, ``m = 0``) and ``notes`` (why).

    Raises
    ------
    InputError
        A count that is not a non-negative whole number, ``m > min(n1, n2)``,
        or an empty list (``n1 = 0`` or ``n2 = 0``: nothing to estimate from).

    Notes
    -----
    Variance (Seber 1970; Seber 1982, The Estimation of Animal Abundance,
    p. 60; Wittes 1972): ``(n1+1)(n2+1)(n1-m)(n2-m) / ((m+1)^2 (m+2))``.
    Equal to Rcapture's bias-corrected model Mt with two lists
    (``closedp.bc``).

    Examples
    --------
    >>> r = chapman(500, 400, 100)
    >>> float(r["N"].iloc[0]) == 501 * 401 / 101 - 1
    True
    >>> r[["N", "se", "ci_low", "ci_high"]].round(1).values.tolist()
    [[1988.1, 152.2, 1725.2, 2325.7]]
    """
    level = check_level(level)
    check_choice(ci, "ci", ["lognormal", "normal"])
    a, b, mm = _two_list_args(n1, n2, m, "chapman")
    big_n = (a + 1) * (b + 1) / (mm + 1) - 1
    var = (a + 1) * (b + 1) * (a - mm) * (b - mm) / ((mm + 1) ** 2 * (mm + 2))
    return _two_list_frame(big_n, var, a + b - mm, level, ci, "chapman", mm)


def lincoln_petersen(n1: int, n2: int, m: int, level: float = 0.95, ci: str = "lognormal") -> pd.DataFrame:
    """Lincoln-Petersen two-list estimator ``n1 n2 / m`` (the MLE of the independence model).

    Parameters
    ----------
    n1, n2 : int
        Number of people on list 1 and on list 2.
    m : int
        Number on both lists (> 0; with ``m = 0`` use :func:`chapman`).
    level : float, default 0.95
    ci : {"lognormal", "normal"}
        As in :func:`chapman`.

    Returns
    -------
    DataFrame
        One row, the columns of :func:`chapman`.

    Notes
    -----
    Large-sample variance ``n1 n2 (n1 - m)(n2 - m) / m^3`` (Seber 1982,
    p. 60), equal to the Poisson standard error of the two-list
    independence log-linear model (Rcapture's model Mt). The estimator is
    biased upwards in small samples: prefer :func:`chapman` when ``m`` is
    small.

    Examples
    --------
    Seber (1982, p. 107): 948 and 421 marked, 167 on both lists.

    >>> lincoln_petersen(948, 421, 167)[["N", "se"]].round(1).values.tolist()
    [[2389.9, 130.4]]
    """
    level = check_level(level)
    check_choice(ci, "ci", ["lognormal", "normal"])
    a, b, mm = _two_list_args(n1, n2, m, "lincoln_petersen")
    if mm == 0:
        raise InputError("lincoln_petersen(): m=0 (nobody on both lists) makes n1 n2 / m infinite; "
                         "use chapman(), which is defined for m = 0.")
    big_n = a * b / mm
    var = a * b * (a - mm) * (b - mm) / mm ** 3
    return _two_list_frame(big_n, var, a + b - mm, level, ci, "lincoln_petersen")


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
