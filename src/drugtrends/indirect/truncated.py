"""Population size from one source: how often each person was seen (zero-truncated counts).

A single register (treatment episodes, police contacts, needle-exchange
visits) counts how many times each person appears in a period: ``f1`` people
once, ``f2`` twice, ... The people seen 0 times are the hidden part
``f0``. Estimators from the smallest counts (the EU drugs agency's
methods for high-risk drug use list them beside capture-recapture):

* ``"chao"``: Chao's (1987) lower bound ``f0 = f1^2 / (2 f2)``, with
  Chao's variance ``f2 (r^4/4 + r^3 + r^2/2)``, ``r = f1 / f2``;
* ``"chao_bc"``: its bias-corrected form ``f0 = f1 (f1 - 1) / (2 (f2 + 1))``
  (Chao 1987; Chiu, Wang, Walther & Chao 2014, Biometrics 70:671-682), with
  variance ``f0 + f1 (2 f1 - 1)^2 / (4 (f2 + 1)^2) + f1^2 (f1 - 1)^2 f2 / (4 (f2 + 1)^4)``;
  defined when ``f2 = 0``;
* ``"zelterman"``: Zelterman's (1988) estimator ``N = n / (1 - exp(-lambda))``
  with ``lambda = 2 f2 / f1``, with Böhning's (2008) variance by conditioning
  ``n e^-l / (1 - e^-l)^2 + n^2 e^-2l l^2 (1/f1 + 1/f2) / (1 - e^-l)^4``.

Intervals are Chao's (1987) log-normal interval ``(n + f0 / C, n + f0 C)``,
``C = exp(z sqrt(log(1 + var / f0^2)))``: never below the number seen, and
always around the estimate.

References
----------
Chao A (1987). Estimating the population size for capture-recapture data with
unequal catchability. Biometrics 43:783-791. Zelterman D (1988). Robust
estimation in truncated discrete distributions with application to capture-
recapture experiments. J Stat Plan Inference 18:225-237. Böhning D (2008).
A simple variance formula for population size estimators by conditioning.
Stat Methodol 5:410-423. van der Heijden PGM, Bustami R, Cruyff MJLF,
Engbersen G, van Houwelingen HC (2003). Point and interval estimation of the
population size using the truncated Poisson regression model. Stat Model
3:305-322 (the illegal-immigrant counts of the example below).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from drugtrends.errors import InputError
from drugtrends.indirect._common import lognormal_ci
from drugtrends.validate import as_list, check_choice, check_level

__all__ = ["TRUNCATED_METHODS", "truncated_count"]

#: the single-source estimators of :func:`truncated_count`
TRUNCATED_METHODS = ("chao", "chao_bc", "zelterman")


def _frequencies(frequencies: object) -> dict[int, int]:
    """``{1: f1, 2: f2, ...}`` (or a Series, or a list ``[f1, f2, ...]``) -> checked dict."""
    if isinstance(frequencies, pd.Series):
        frequencies = frequencies.to_dict()
    if isinstance(frequencies, Sequence) and not isinstance(frequencies, str):
        frequencies = {i + 1: v for i, v in enumerate(frequencies)}
    if not isinstance(frequencies, Mapping) or not frequencies:
        raise InputError(f"truncated_count(): frequencies={frequencies!r} must be a mapping "
                         "{times seen: number of people}, e.g. {1: 1645, 2: 183, 3: 37}.")
    out: dict[int, int] = {}
    for k, v in frequencies.items():
        try:
            kk, vv = float(k), float(v)
        except (TypeError, ValueError):
            raise InputError(f"truncated_count(): {k!r}: {v!r} is not a number of times and a count.") from None
        if kk != int(kk) or kk < 1:
            raise InputError(f"truncated_count(): times seen {k!r} must be a whole number >= 1 (people seen "
                             "0 times are what is estimated).")
        if not math.isfinite(vv) or vv < 0 or vv != int(vv):
            raise InputError(f"truncated_count(): {v!r} people seen {k} time(s) must be a whole number >= 0.")
        out[int(kk)] = out.get(int(kk), 0) + int(vv)
    if sum(out.values()) == 0:
        raise InputError("truncated_count(): nobody was seen (every frequency is 0).")
    return out


def _chao(f1: int, f2: int, n: int) -> tuple[float, float, str]:
    if f2 == 0:
        return math.nan, math.nan, "f2 = 0 (nobody seen twice): Chao's lower bound is infinite; use 'chao_bc'"
    r = f1 / f2
    return n + f1 * f1 / (2 * f2), f2 * (r ** 4 / 4 + r ** 3 + r ** 2 / 2), ""


def _chao_bc(f1: int, f2: int, n: int) -> tuple[float, float, str]:
    f0 = f1 * (f1 - 1) / (2 * (f2 + 1))
    var = f0 + f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2) + f1 ** 2 * (f1 - 1) ** 2 * f2 / (4 * (f2 + 1) ** 4)
    return n + f0, var, ""


def _zelterman(f1: int, f2: int, n: int) -> tuple[float, float, str]:
    if f1 == 0 or f2 == 0:
        return math.nan, math.nan, (f"f{1 if f1 == 0 else 2} = 0: Zelterman's rate 2 f2 / f1 is 0 or undefined; "
                                    "no estimate")
    lam = 2 * f2 / f1
    g = math.exp(-lam)
    var = n * g / (1 - g) ** 2 + n * n * g * g * lam * lam * (1 / f1 + 1 / f2) / (1 - g) ** 4
    return n / (1 - g), var, ""


_ESTIMATORS = {"chao": _chao, "chao_bc": _chao_bc, "zelterman": _zelterman}


def truncated_count(frequencies: Mapping[int, int] | Sequence[int] | pd.Series,
                    methods: str | Sequence[str] = ("chao", "zelterman"), level: float = 0.95) -> pd.DataFrame:
    """Number in a hidden population from how many times each person was seen in one source.

    Parameters
    ----------
    frequencies : mapping, sequence or Series
        ``{1: f1, 2: f2, ...}``: the number of people seen exactly 1, 2, ...
        times (a list ``[f1, f2, ...]`` or a Series indexed by the count work
        too). Counts of 3 or more enter only through ``n``.
    methods : str or sequence of str, default ("chao", "zelterman")
        Among ``"chao"``, ``"chao_bc"``, ``"zelterman"`` (see the module notes).
    level : float, default 0.95
        Confidence level of the log-normal interval.

    Returns
    -------
    DataFrame
        One row per method, the columns of
        :func:`~drugtrends.indirect.capture_recapture` that apply: ``model``,
        ``N``, ``n_observed``, ``n_unobserved``, ``se``, ``ci_low``,
        ``ci_high``, ``ci_method`` (``"lognormal"``), then ``f1``, ``f2``,
        ``reliable`` and ``notes`` (why an estimate is missing or fragile).

    Raises
    ------
    InputError
        Frequencies that are not whole numbers >= 0, a count below 1, nobody
        seen, an unknown method.

    Notes
    -----
    Assumptions: a closed population over the period; every person's count
    is recorded without error (no duplicates, no missed links); Zelterman's
    estimator assumes the counts 1 and 2 follow a Poisson law locally
    (robust to heterogeneity elsewhere); Chao's is a lower bound when the
    rate of being seen varies between people (a mixture of Poisson laws) and
    is asymptotically unbiased when it does not. Both overestimate when many
    people are seen once and never again for a behavioural reason
    (one-inflation: Böhning, Kaskasamkul & van der Heijden 2019). A count of
    1 or 2 below 10 is flagged: the estimate then rests on a handful of people.

    Examples
    --------
    Illegal immigrants seen by the Dutch police (van der Heijden et al. 2003;
    Rcapture data ``ill``): Rcapture's ``closedpCI.0(ill, t = Inf, m = "Mh",
    h = "LB")`` prints 9273.5 (se 662.6), Chao's lower bound.

    >>> f = {1: 1645, 2: 183, 3: 37, 4: 13, 5: 1, 6: 1}
    >>> truncated_count(f)[["model", "N", "se"]].round(1).values.tolist()
    [['chao', 9273.5, 662.6], ['zelterman', 9424.6, 684.0]]
    """
    level = check_level(level)
    ms = as_list(methods)
    if not ms:
        raise InputError(f"truncated_count(): methods is empty; give some of {list(TRUNCATED_METHODS)}.")
    for m in ms:
        check_choice(m, "methods", list(TRUNCATED_METHODS))
    f = _frequencies(frequencies)
    n, f1, f2 = sum(f.values()), f.get(1, 0), f.get(2, 0)
    rows = []
    for m in dict.fromkeys(ms):
        big_n, var, note = _ESTIMATORS[m](f1, f2, n)
        low = high = se = math.nan
        if math.isfinite(big_n):
            se = math.sqrt(var)
            low, high = lognormal_ci(n, big_n, se, level)
            if min(f1, f2) < 10:
                note = (f"f1 = {f1}, f2 = {f2}: the estimate rests on fewer than 10 people seen once or twice; "
                        "read it as an order of magnitude")
        rows.append({"model": m, "N": big_n, "n_observed": float(n), "n_unobserved": big_n - n, "se": se,
                     "ci_low": low, "ci_high": high, "ci_method": "lognormal", "f1": f1, "f2": f2,
                     "reliable": not note, "notes": note})
    return pd.DataFrame(rows)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
