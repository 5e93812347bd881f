"""Survey-weighted Kaplan-Meier curves with design-based standard errors, at full survey size.

``SurveyDesign.km(time, event, by=None)`` estimates the share still "surviving"
(not yet started using a drug, for age at first use) at every event time, as
R's ``svykm(Surv(time, event) ~ by, design, se = TRUE)`` and ``confint`` do:

* the curve is ``S(t) = exp(-H(t))`` with ``H`` the weighted Nelson-Aalen
  cumulative hazard ``H(t) = sum_{s <= t} d(s) / Y(s)`` (``d`` the weighted
  events at ``s``, ``Y`` the weighted number at risk); R's ``svykm`` returns
  this curve when ``se = TRUE`` (and the product-limit one otherwise;
  ``estimator="product_limit"`` gives that one, with the same variance of
  ``log S``);
* ``se_log`` is the design-based standard error of ``H(t) = -log S(t)``
  (R's ``varlog``): the variance of the PSU totals of the linearised values
  (Lin 2000, Biometrika 87:37-47; Williams 1995), with the strata, PSUs,
  FPC and lonely-PSU rule of the design (one variance routine,
  :meth:`~drugtrends.survey.kernel.DesignStructure.variance`);
* ``ci_low, ci_high = S exp(-/+ z se_log)``, the upper bound capped at 1
  (R ``confint.svykm``); ``se = S se_log`` (delta method).

R's ``km.stderr`` builds an ``n x (number of events)`` matrix of at-risk
indicators and the covariance of all those totals, so its memory grows with
the square of the sample (it cannot run on the 59,069 NSDUH 2022 respondents).
Here the linearised value of row ``i`` at event time ``t_k`` is

    ``z_i(t_k) = w_i [ delta_i 1(t_i <= t_k) / Y(t_i) - C(min(t_k, t_i)) ]``,
    ``C(u) = sum_{s <= u} d(s) / Y(s)^2``,

so its PSU totals for all ``K`` event times come from sums of the rows binned
by (PSU, rank of their time) and cumulative sums along time: memory
``O(n + n_psu K)``, time ``O(n log n + n_psu K)``.

Examples
--------
>>> import pandas as pd
>>> from drugtrends.survey import SurveyDesign
>>> d = pd.DataFrame({"age": [15, 16, 16, 18, 20, 25, 30, 40], "used": [1, 1, 0, 1, 1, 0, 1, 0],
...                   "w": [1.0, 2, 1, 1, 2, 1, 1, 1], "psu": [1, 2, 3, 4, 1, 2, 3, 4],
...                   "st": [1, 1, 2, 2, 1, 1, 2, 2]})
>>> r = SurveyDesign(d, weight="w", strata="st", psu="psu").km("age", "used")
>>> r[["time", "survival"]].round(4).values.tolist()
[[15.0, 0.9048], [16.0, 0.7245], [18.0, 0.6133], [20.0, 0.4111], [30.0, 0.2494]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EmptyDomainError, InputError
from ..validate import as_list, check_choice, check_level, require_columns

__all__ = ["KM_COLUMNS", "survey_km"]

#: Columns of :func:`survey_km` after the ``by`` columns.
KM_COLUMNS = ("time", "n_at_risk", "n_events", "survival", "se", "se_log", "ci_low", "ci_high")


def _numeric(df: pd.DataFrame, col: str, what: str) -> np.ndarray:
    x = df[col]
    if not (pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)):
        raise InputError(f"km(): {what} column {col!r} must be numeric (dtype {x.dtype}); convert it first.")
    return np.asarray(pd.to_numeric(x, errors="coerce").to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _curve(time: np.ndarray, event: np.ndarray, w: np.ndarray, psu: np.ndarray,
           n_psu: int) -> tuple[np.ndarray, ...]:
    """Nelson-Aalen curve and the PSU totals of its linearised values at every event time.

    All arrays are the domain's rows; returns (event times, H, Z (n_psu, K), n at risk, n events).
    """
    ev = event & (w > 0)
    tk = np.unique(time[ev])
    K = len(tk)
    r = np.searchsorted(tk, time, side="right")          # number of event times <= t_i (0..K)
    Y = np.cumsum(np.bincount(r, weights=w, minlength=K + 1)[::-1])[::-1][1:]   # sum w, r_i > k
    n_risk = np.cumsum(np.bincount(r, minlength=K + 1)[::-1])[::-1][1:]
    ki = r[ev] - 1
    d = np.bincount(ki, weights=w[ev], minlength=K)
    H = np.cumsum(d / Y)
    C = np.cumsum(d / Y ** 2)
    # first term: w_i / Y(t_i) for events, accumulated from their time on
    A = np.asarray(np.bincount(psu[ev] * K + ki, weights=w[ev] / Y[ki], minlength=n_psu * K),
                   dtype=float).reshape(n_psu, K)
    np.cumsum(A, axis=1, out=A)
    # second term: C(t_k) * (weight at risk at t_k) + sum of w_i C(t_i) over rows that left before t_k
    cell = psu * (K + 1) + r
    Wr = np.bincount(cell, weights=w, minlength=n_psu * (K + 1)).reshape(n_psu, K + 1)
    Z = A
    Z -= C[None, :] * np.cumsum(Wr[:, ::-1], axis=1)[:, ::-1][:, 1:]
    del Wr
    Cr = np.concatenate([[0.0], C])[r]
    G = np.bincount(cell, weights=w * Cr, minlength=n_psu * (K + 1)).reshape(n_psu, K + 1)
    Z -= np.cumsum(G, axis=1)[:, :K]
    return tk, H, d, Z, n_risk, np.bincount(ki, minlength=K)


def _domain_frame(design: Any, time_all: np.ndarray, event_all: np.ndarray, rows: np.ndarray, level: float,
                  estimator: str) -> pd.DataFrame:
    s = design.structure
    w = s.weights[rows]
    psu = s.psu[rows]
    tk, H, d, Z, n_risk, n_ev = _curve(time_all[rows], event_all[rows], w, psu, s.n_psu)
    if not len(tk):
        return pd.DataFrame(columns=list(KM_COLUMNS))
    present = np.zeros(s.n_strata, dtype=bool)
    present[s.stratum_of_psu[np.unique(psu[w > 0])]] = True
    var = s.variance(Z, present=present)
    se_log = np.sqrt(np.maximum(var, 0.0))
    if estimator == "product_limit":
        Y = d / np.diff(np.concatenate([[0.0], H]))
        surv = np.clip(np.cumprod(1 - d / Y), 0.0, 1.0)
    else:
        surv = np.exp(-H)
    z = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame({"time": tk, "n_at_risk": n_risk, "n_events": n_ev, "survival": surv, "se": surv * se_log,
                         "se_log": se_log, "ci_low": surv * np.exp(-z * se_log),
                         "ci_high": np.minimum(surv * np.exp(z * se_log), 1.0)})


def _by_groups(design: Any, keys: pd.DataFrame, by: list[str], t: np.ndarray, ev: np.ndarray, ok: np.ndarray,
               level: float, estimator: str) -> pd.DataFrame:
    """One curve per group of ``by`` (each a domain of the whole design), stacked."""
    out = []
    for key, idx in keys.groupby(by, observed=True, sort=True, dropna=True).indices.items():
        rows = np.zeros(len(t), dtype=bool)
        rows[np.flatnonzero(ok)[idx]] = True
        f = _domain_frame(design, t, ev, rows, level, estimator)
        for c, v in zip(by, key if isinstance(key, tuple) else (key,)):
            f.insert(by.index(c), c, v)
        out.append(f)
    return pd.concat(out, ignore_index=True)


def survey_km(design: Any, time: str, event: str, by: Any = None, level: float = 0.95, cumulative: bool = False,
              estimator: str = "nelson_aalen") -> pd.DataFrame:
    """Survey-weighted survival curve with design-based standard errors (see the module docstring).

    Parameters
    ----------
    design : SurveyDesign
        An in-memory Taylor-linearisation design (its rows, weights, strata, PSUs).
    time : str
        Column of the event or censoring time (age at first use for users,
        current age for never users).
    event : str
        Column, 1 (or True) when the event happened at ``time``, 0 when the
        row is censored there. Rows with a missing time or event are left out
        (a domain: their PSUs still count, as R's ``svykm``).
    by : str or sequence of str, optional
        One curve per group (a domain of the whole design).
    level : float, default 0.95
    cumulative : bool, default False
        Also return the complement ``cumulative = 1 - survival`` (the share
        who started by ``time``) and its interval ``cumulative_ci_low``,
        ``cumulative_ci_high``.
    estimator : {"nelson_aalen", "product_limit"}
        ``S = exp(-H)`` (R ``svykm(se = TRUE)``) or the product-limit curve
        (R ``svykm(se = FALSE)``); both with the standard error of ``H``.

    Returns
    -------
    DataFrame
        The ``by`` columns, then :data:`KM_COLUMNS`: ``time`` (each event
        time), ``n_at_risk`` and ``n_events`` (unweighted respondents),
        ``survival``, ``se``, ``se_log`` (standard error of ``-log S``),
        ``ci_low``, ``ci_high``; with ``cumulative=True`` three more columns.

    Raises
    ------
    InputError
        A replicate or database-backed design, a non-numeric column, an
        event not 0/1, a negative time.
    EmptyDomainError
        No event in the data.

    Notes
    -----
    The interval is R's ``confint.svykm``: log scale, normal quantile
    (not the design df). It always contains ``survival``. Reference:
    Lumley T (2010), Complex Surveys, ch. 9 and R ``survey::svykm``; the
    linearisation of the Nelson-Aalen estimator: Lin DY (2000), On fitting
    Cox's proportional hazards models to survey data, Biometrika 87:37-47.

    Examples
    --------
    Age at first use (``e = 1``) or current age of never users (``e = 0``):

    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": [1, 2, 3, 4, 5, 6], "st": [1, 1, 1, 2, 2, 2], "w": [1.0, 2, 1, 1, 2, 1],
    ...                   "t": [15, 18, 20, 16, 30, 25], "e": [1, 1, 0, 1, 0, 1]})
    >>> km = survey_km(SurveyDesign(d, weight="w", strata="st", psu="psu"), "t", "e")
    >>> km[["time", "n_at_risk", "n_events", "survival", "se"]].round(3).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[15.0, 6.0, 1.0, 0.882, 0.119], [16.0, 5.0, 1.0, 0.765, 0.179], [18.0, 4.0, 1.0, 0.548, 0.187],
     [25.0, 2.0, 1.0, 0.393, 0.224]]
    """
    level = check_level(level)
    check_choice(estimator, "estimator", ["nelson_aalen", "product_limit"])
    s = design.structure
    if s.is_replicate or s.psu is None or s.weights is None:
        raise InputError("km(): needs an in-memory Taylor design (SurveyDesign with strata/PSUs); replicate-"
                         "weight and database-backed designs are not supported yet.")
    by = as_list(by)
    data = design.data
    require_columns(data, [time, event, *by], what="column")
    t = _numeric(data, time, "time")
    e = _numeric(data, event, "event")
    ok = np.isfinite(t) & np.isfinite(e) & np.asarray(design.mask, dtype=bool)
    bad = ok & ~np.isin(e, [0.0, 1.0])
    if bad.any():
        raise InputError(f"km(): event column {event!r} must be 0 (censored) or 1 (event); found "
                         f"{np.unique(e[bad])[:5].tolist()}.")
    if (ok & (t < 0)).any():
        raise InputError(f"km(): time column {time!r} has negative values (min {np.nanmin(t[ok]):g}); times "
                         "(ages, durations) are >= 0.")
    ev = e == 1.0
    if not (ok & ev & (s.weights > 0)).any():
        raise EmptyDomainError(f"km(): no event ({event!r} = 1 with a positive weight) in the data.")
    res = (_by_groups(design, data[by].loc[ok], by, t, ev, ok, level, estimator) if by
           else _domain_frame(design, t, ev, ok, level, estimator))
    if cumulative:
        res["cumulative"] = 1 - res["survival"]
        res["cumulative_ci_low"] = 1 - res["ci_high"]
        res["cumulative_ci_high"] = 1 - res["ci_low"]
    return res


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
