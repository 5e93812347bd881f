"""Design-based quantiles with Woodruff intervals (R ``svyquantile``, ``qrule="math"``).

The estimate is the lower weighted quantile (no interpolation); the interval
for the CDF at the estimate, ``F -/+ t_df SE(F)``, comes from the same grouped
pass as every mean (the CDF is the mean of ``x <= q`` in the domain) and is
mapped back through the weighted quantile function; ``se = (high - low) / (2 t_df)``.

Examples
--------
>>> import numpy as np
>>> qrule_sorted(np.array([1.0, 2, 3, 4]), np.ones(4), 0.5)
2.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import InputError
from ..validate import as_list, check_in_range, check_level, require_columns
from .ci import t_quantile
from .grouped import domain_keys
from .kernel import Outcome

__all__ = ["qrule_sorted", "survey_quantile"]

_F = NDArray[np.float64]   # float arrays (a type alias)


def qrule_sorted(xs: np.ndarray, ws: np.ndarray, p: float) -> float:
    """R ``survey:::qrule_math`` on values sorted ascending: the lower weighted
    quantile, no interpolation (zero weights ignored).

    Parameters
    ----------
    xs : ndarray
        Values, sorted ascending.
    ws : ndarray
        Their weights.
    p : float
        The probability (0.5: the median).

    Examples
    --------
    >>> import numpy as np
    >>> qrule_sorted(np.array([1.0, 2, 3]), np.array([1.0, 0, 1]), 0.5)
    1.0
    """
    keep = ws != 0
    xs, ws = xs[keep], ws[keep]
    if xs.size == 0:
        return np.nan
    cw = np.cumsum(ws)
    tot = cw[-1]
    pos = int(np.searchsorted(cw, p * tot, side="right")) - 1   # last cw <= p * tot
    if pos < 0:
        return float(xs[0])
    nxt = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cw[pos] / tot
    return float(xs[pos] if wlow == 0 else xs[nxt])


def _slices(x: _F, w: _F, dom: NDArray[np.int64], ok: NDArray[np.bool_], D: int) -> list[tuple[_F, _F]]:
    """Per domain, the sorted values and their weights (one sort by (domain, x))."""
    idx = np.flatnonzero(ok)
    idx = idx[np.lexsort((x[idx], dom[idx]))]
    bounds = np.searchsorted(dom[idx], np.arange(D + 1))
    return [(x[idx[bounds[d]:bounds[d + 1]]], w[idx[bounds[d]:bounds[d + 1]]]) for d in range(D)]


def _numeric(design: Any, var: str) -> _F:
    col = design.data[var]
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise InputError(f"quantile() needs a numeric outcome; {var!r} is {col.dtype}.")
    x: _F = col.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(x[design.mask]).any():
        raise InputError(f"outcome {var!r} has infinite values: set them to NaN or fix them.")
    return x


def _one_variable(design: Any, var: str, qs: list[float], dom: NDArray[np.int64], keys: pd.DataFrame,
                  by_cols: list[str], level: float, df: Any) -> pd.DataFrame:
    D, Q = len(keys), len(qs)
    w = design.structure.weights
    x = _numeric(design, var)
    ok = (dom >= 0) & ~np.isnan(x)
    slices = _slices(x, w, dom, ok, D)
    qhat = np.array([[qrule_sorted(xs, ws, p) for p in qs] for xs, ws in slices]).reshape(D, Q)
    # CDF at the quantile: one grouped pass for all domains and probabilities
    row_q = np.where(ok[:, None], qhat[np.where(dom >= 0, dom, 0)], np.nan)
    outs = [Outcome(var, p, np.where(ok, x <= row_q[:, k], np.nan), True) for k, p in enumerate(qs)]
    lin = design.linearise(outs, by_cols, "mean", df_rule=df)
    dfv = lin.df
    if df == "domain" and not design.is_replicate:
        dfv = np.repeat(lin.df[:, :1], Q, axis=1)   # R: degf() of the subset design
    tq = t_quantile(level, dfv)
    se_f = np.sqrt(lin.var)
    plo, phi = lin.est - tq * se_f, lin.est + tq * se_f
    lo, hi = np.full((D, Q), np.nan), np.full((D, Q), np.nan)
    for d, (xs, ws) in enumerate(slices):
        for k in range(Q):
            if xs.size and np.isfinite(plo[d, k]) and plo[d, k] >= 0:
                lo[d, k] = qrule_sorted(xs, ws, plo[d, k])
            if xs.size and np.isfinite(phi[d, k]) and phi[d, k] <= 1:
                hi[d, k] = qrule_sorted(xs, ws, phi[d, k])
    fr = (keys.loc[keys.index.repeat(Q)].reset_index(drop=True) if by_cols
          else pd.DataFrame(index=range(D * Q)))
    fr["variable"] = var
    fr["prob"] = qs * D
    fr["estimate"] = np.where(lin.n.ravel() > 0, qhat.ravel(), np.nan)
    fr["se"] = ((hi - lo) / (2 * tq)).ravel()
    fr["ci_low"], fr["ci_high"] = lo.ravel(), hi.ravel()
    fr["n"] = lin.n.ravel().astype(np.int64)
    fr["df"] = dfv.ravel()
    fr["suppressed"], fr["flag"] = _quantile_flags(slices, qs, fr)
    return fr


def _quantile_flags(slices: list[tuple[_F, _F]], qs: list[float], fr: pd.DataFrame
                    ) -> tuple[NDArray[np.bool_], list[str]]:
    """Quantiles whose interval says nothing (issue 24): a domain whose values are all
    equal (se 0, a zero-width interval that only reflects the lack of variation), ``q``
    of 0 or 1 (the minimum / maximum: Woodruff's interval is undefined), an empty
    domain or an interval that could not be formed. Flags joined by ``;``."""
    flags = []
    for xs, ws in slices:
        obs = xs[ws != 0]
        const = obs.size > 0 and bool(obs.min() == obs.max())
        for p in qs:
            f = []
            if obs.size == 0:
                f.append("empty domain")
            else:
                if const:
                    f.append("all values equal: no measurable variation")
                if p in (0.0, 1.0):
                    f.append(f"q={p:g} is the {'minimum' if p == 0 else 'maximum'}: no Woodruff interval")
            flags.append(f)
    no_ci = (fr["ci_low"].isna() | fr["ci_high"].isna()).to_numpy()
    for i in np.flatnonzero(no_ci):
        if not flags[i]:
            flags[i].append("interval could not be formed")
    return np.array([bool(f) for f in flags]), [";".join(f) for f in flags]


def survey_quantile(design: Any, variable: str | Sequence[str], q: float | Sequence[float] = (0.5,),
                    by: str | Sequence[str] | None = None, *, level: float | None = None,
                    df: str | float = "domain") -> pd.DataFrame:
    """Quantiles of numeric outcomes by domain (see :meth:`SurveyDesign.quantile`).

    Parameters
    ----------
    design : SurveyDesign
        An in-memory design.
    variable : str or list of str
        Numeric outcome column(s).
    q : float or sequence of float
        Probabilities.
    by : str or list of str, optional
        Domain columns.
    level : float, optional
        Confidence level; default the design's.
    df : "domain" or float
        Degrees of freedom of the Woodruff interval (as in :func:`~drugtrends.survey.kernel.linearise`).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "x": [5, 1, 4, 2, 8, 7, 3, 6]})
    >>> survey_quantile(SurveyDesign(df, weight="w", psu="psu"), "x", q=[0.5]).estimate.tolist()
    [4.0]
    """
    level = check_level(design.level if level is None else level)
    qs = [check_in_range(x, "q", 0.0, 1.0) for x in as_list(q)]
    if not qs:
        raise InputError("q is empty: give quantile probabilities in [0, 1], e.g. q=[0.5].")
    by_cols = as_list(by)
    dom, keys = domain_keys(design.data, by_cols, design.mask)
    variables = as_list(variable)
    require_columns(design.data, variables, "outcome")
    frames = [_one_variable(design, v, qs, dom, keys, by_cols, level, df) for v in variables]
    return pd.concat(frames, ignore_index=True)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
