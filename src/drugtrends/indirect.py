"""Indirect estimation of hidden populations: capture-recapture and multipliers.

Household surveys miss most people who use drugs in a high-risk way.
Observatories estimate their number from administrative sources instead:

* **capture-recapture** across 2-5 lists (treatment centres, harm-reduction
  services, police, hospitals): :func:`capture_recapture` fits log-linear
  Poisson models to the incomplete 2^k table of capture histories
  (Fienberg 1972; Cormack 1989) and :func:`chapman` / :func:`lincoln_petersen`
  give the two-list estimators;
* **benchmark-multiplier**: :func:`multiplier` divides a count of the
  population of interest in a register (treatment, deaths) by the share of
  that population found in the register, and combines several benchmarks;
* :func:`prevalence_per_1000` turns an estimate into a rate per 1,000 of the
  population aged 15-64, the way the EU drugs agency (EUDA, formerly EMCDDA)
  reports high-risk drug use.

Conventions (all checked against R in ``tests/reference/indirect_*``):

* Log-linear models use 0/1 dummy coding of the lists and an intercept; the
  abundance is ``N = n + exp(b0)`` with ``n`` the number observed and ``b0``
  the intercept (the expected count of the unobserved history 0...0), as R
  ``glm(family = poisson)`` and Rcapture (Baillargeon & Rivest 2007,
  J Stat Softw 19(5)) compute it. ``se`` is Rcapture's Poisson standard error
  ``sqrt(exp(b0) + exp(2 b0) var(b0))``.
* Confidence intervals for ``N`` are **profile-likelihood** intervals of the
  multinomial likelihood (Cormack 1992, Biometrics 48:567-576; the method of
  Rcapture's ``closedpCI.t``): for each candidate number unobserved ``n0`` the
  model is refitted to the table completed with ``n0``; the interval holds the
  ``N = n + n0`` whose profile log-likelihood is within ``chi2_1(level) / 2`` of
  its maximum. Rcapture searches ``n0`` on an integer grid and interpolates;
  drugtrends treats ``n0`` as continuous (``lgamma``) and solves for the bounds,
  which agree to within one unit.
* AIC is ``-2 loglik + 2 p`` (Poisson log-likelihood of the observed cells,
  as R's ``AIC(glm)``); BIC is ``-2 loglik + p log(2^k - 1)``, as R's
  ``BIC(glm)`` (the number of observed cells is the number of observations).

Examples
--------
>>> import pandas as pd
>>> from drugtrends.indirect import capture_recapture, chapman
>>> hist = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [167, 781, 254]})
>>> r = capture_recapture(hist, lists=["A", "B"])
>>> r.loc[0, "model"], round(float(r.loc[0, "N"]), 1), round(float(r.loc[0, "se"]), 1)
('independence', 2389.9, 130.4)
>>> round(float(chapman(948, 421, 167)["N"].iloc[0]), 1)
2382.8
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from drugtrends.errors import EmptyDomainError, InputError, ModelWarning
from drugtrends.validate import as_list, check_choice, check_level, require_columns, require_unique

__all__ = [
    "CR_COLUMNS",
    "all_two_way_models",
    "capture_recapture",
    "chapman",
    "lincoln_petersen",
    "multiplier",
    "prevalence_per_1000",
]

#: Columns of :func:`capture_recapture` (after any covariate columns), in order.
CR_COLUMNS = ("model", "N", "n_observed", "n_unobserved", "se", "ci_low", "ci_high", "ci_method",
              "deviance", "df", "aic", "bic", "delta_aic", "n_params", "identifiable", "sparse",
              "boundary", "notes")

#: A fitted cell below this count is "sparse" (Cochran's rule of thumb for chi-square tables).
SPARSE_CELL = 5.0
_MAX_COEF = 20.0  # |log-linear coefficient| beyond this is a parameter heading to infinity


# --------------------------------------------------------------------------- input checks


def _histories(df: pd.DataFrame, lists: list, count: str | None, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Check one frame of capture histories; return (all 2^k - 1 histories, their counts)."""
    if len(df) == 0:
        raise EmptyDomainError(f"{where}: no capture histories (0 rows).")
    k = len(lists)
    h = df[lists].apply(pd.to_numeric, errors="coerce")
    for c in lists:
        bad = df.loc[~h[c].isin([0, 1]), c]
        if len(bad):
            raise InputError(f"{where}: list column {c!r} must hold 0 (not on the list) or 1 (on the list); "
                             f"found {bad.unique()[:5].tolist()} in {len(bad)} row(s).")
    if count is None:
        y = np.ones(len(df))
    else:
        y = pd.to_numeric(df[count], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(y) | (y < 0) | (np.abs(y - np.round(y)) > 1e-9)
        if bad.any():
            vals = df.loc[bad, count].unique()[:5].tolist()
            raise InputError(f"{where}: count column {count!r} must hold non-negative whole numbers; "
                             f"found {vals} in {int(bad.sum())} row(s).")
    hv = h.to_numpy(int)
    zero = hv.sum(axis=1) == 0
    if zero.any():
        raise InputError(f"{where}: {int(zero.sum())} row(s) have the all-zero history (on no list): nobody "
                         "can be observed on no list; that cell is what capture_recapture estimates. Drop those "
                         "rows.")
    cells = np.array(list(itertools.product([1, 0], repeat=k))[:-1])  # Rcapture's order, 1...1 first
    code = hv @ (2 ** np.arange(k)[::-1])
    ycell = np.bincount(code, weights=y, minlength=2 ** k)
    ycell = ycell[cells @ (2 ** np.arange(k)[::-1])]
    if ycell.sum() <= 0:
        raise EmptyDomainError(f"{where}: every count is 0: nobody was observed.")
    empty = [c for c, tot in zip(lists, cells.T @ ycell) if tot == 0]
    if empty:
        raise InputError(f"{where}: nobody is on list(s) {empty}: an empty list carries no information on the "
                         "overlap; drop it from lists.")
    return cells, ycell


def _parse_model(spec: object, lists: list) -> tuple[str, tuple[tuple[int, ...], ...]]:
    """``"A:B + B:C"`` -> (canonical name, hierarchical closure of the interaction terms)."""
    text = str(spec).strip()
    if text in ("independence", "", "Mt"):
        return "independence", ()
    gen = []
    for term in text.split("+"):
        names = [t.strip() for t in term.split(":")]
        unknown = [t for t in names if t not in lists]
        if unknown or len(names) < 2 or len(set(names)) != len(names):
            raise InputError(f"model {spec!r}: term {term.strip()!r} is not an interaction of two or more "
                             f"different lists among {lists} (write e.g. '{lists[0]}:{lists[1]}'), or use "
                             "'independence'.")
        gen.append(tuple(sorted(lists.index(t) for t in names)))
    closure = {sub for g in gen for r in range(2, len(g) + 1) for sub in itertools.combinations(g, r)}
    terms = tuple(sorted(closure, key=lambda t: (len(t), t)))
    maximal = [t for t in terms if not any(set(t) < set(u) for u in terms)]
    name = " + ".join(":".join(lists[i] for i in t) for t in maximal)
    return name, terms


def all_two_way_models(lists: Sequence[str]) -> list[str]:
    """Every hierarchical log-linear model with main effects and two-way list interactions.

    Parameters
    ----------
    lists : sequence of str
        List (source) names.

    Returns
    -------
    list of str
        ``2^(k(k-1)/2)`` model formulas, from ``"independence"`` to all pairs.

    Examples
    --------
    >>> all_two_way_models(["A", "B", "C"])
    ['independence', 'A:B', 'A:C', 'B:C', 'A:B + A:C', 'A:B + B:C', 'A:C + B:C', 'A:B + A:C + B:C']
    """
    pairs = [f"{a}:{b}" for a, b in itertools.combinations(lists, 2)]
    out = ["independence"]
    for r in range(1, len(pairs) + 1):
        out += [" + ".join(c) for c in itertools.combinations(pairs, r)]
    return out


# --------------------------------------------------------------------------- fitting


def _design(cells: np.ndarray, terms: tuple[tuple[int, ...], ...]) -> np.ndarray:
    cols = [np.ones(len(cells)), *cells.T.astype(float)]
    cols += [np.prod(cells[:, list(t)], axis=1).astype(float) for t in terms]
    return np.column_stack(cols)


def _newton(X: np.ndarray, y: np.ndarray, beta: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Poisson log-linear MLE by Newton-Raphson with step halving from ``beta``; returns (beta, fitted)."""

    def ll(b: np.ndarray) -> float:
        eta = np.clip(X @ b, -700, 700)
        return float(y @ eta - np.exp(eta).sum())

    cur = ll(beta)
    for _ in range(200):
        mu = np.exp(np.clip(X @ beta, -700, 700))
        step = np.linalg.lstsq(X.T @ (mu[:, None] * X), X.T @ (y - mu), rcond=None)[0]
        for _ in range(30):
            new = ll(beta + step)
            if new >= cur - 1e-12 * abs(cur):
                break
            step = step / 2
        beta, cur = beta + step, new
        if np.max(np.abs(step)) < tol:
            break
    return beta, np.exp(np.clip(X @ beta, -700, 700))


def _xlogy_sum(y: np.ndarray, mu: np.ndarray) -> float:
    return float(np.sum(special.xlogy(y, mu)))


def _profile_ci(X: np.ndarray, y: np.ndarray, beta: np.ndarray, level: float) -> tuple[float, float, bool]:
    """Profile-likelihood interval for N (multinomial likelihood, Cormack 1992); (low, high, upper_found)."""
    n = float(y.sum())
    Xc = np.vstack([X, np.eye(1, X.shape[1])])  # the unobserved history: intercept only
    state = {"beta": beta.copy()}

    def loglik(n0: float) -> float:
        yc = np.append(y, max(n0, 0.0))
        b, mu = _newton(Xc, yc, state["beta"])
        if np.all(np.isfinite(b)):
            state["beta"] = b
        big_n = n + n0
        return float(special.gammaln(big_n + 1) - special.gammaln(n0 + 1) + _xlogy_sum(yc, mu)
                     - _xlogy_sum(yc, np.full_like(mu, big_n)))

    n0p = float(math.exp(beta[0]))
    hi0 = max(4.0 * n0p, n0p + 20.0)
    res = optimize.minimize_scalar(lambda t: -loglik(t), bounds=(0.0, hi0), method="bounded",
                                   options={"xatol": 1e-6 * max(1.0, n0p)})
    n0hat, lmax = float(res.x), -float(res.fun)
    cut = lmax - stats.chi2.ppf(level, 1) / 2
    f = lambda t: loglik(t) - cut  # noqa: E731
    state["beta"] = beta.copy()
    low = n if f(0.0) >= 0 else n + optimize.brentq(f, 0.0, n0hat, xtol=1e-8)
    hi = max(2.0 * n0hat, n0hat + 10.0)
    limit = 1e4 * (n + n0hat) + 1e6
    while f(hi) > 0:
        if hi > limit:
            return low, math.inf, False
        hi *= 2.0
    high = n + optimize.brentq(f, n0hat, hi, xtol=1e-8)
    return low, high, True


def _fit_one(cells: np.ndarray, y: np.ndarray, name: str, terms: tuple, level: float, ci: bool) -> dict:
    """Fit one log-linear model to one table; return a result row (see CR_COLUMNS)."""
    import statsmodels.api as sm

    X = _design(cells, terms)
    n, m, p = float(y.sum()), len(y), X.shape[1]
    row = {"model": name, "n_observed": n, "n_params": p, "ci_method": "profile" if ci else "none"}
    if p > m or np.linalg.matrix_rank(X) < p:
        return row | {"identifiable": False, "sparse": False, "boundary": False, "notes": f"not identifiable: {p} parameters for {m} observed "
                      "histories (the interaction of all lists cannot be estimated; drop a term)"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200)
    b = np.asarray(fit.params)
    vb0 = float(np.asarray(fit.cov_params())[0, 0])
    mu = np.asarray(fit.fittedvalues)
    conv = bool(fit.converged)
    f0 = math.exp(b[0])
    ll = float(fit.llf)
    notes = []
    boundary = (not conv) or bool(np.max(np.abs(b[1:])) > _MAX_COEF) or bool(np.min(mu) < 1e-6)
    if boundary:
        notes.append("boundary estimate: a log-linear parameter is at (or heading to) infinity, usually "
                     "because an observed margin is 0; N is unreliable")
    sparse = bool(np.mean(mu < SPARSE_CELL) > 0.2 or np.min(mu) < 1.0)
    if sparse:
        notes.append(f"sparse table: {int(np.sum(mu < SPARSE_CELL))} of {m} fitted cells below "
                     f"{SPARSE_CELL:g}; the likelihood-based CI is more reliable than se")
    low = high = math.nan
    if ci:
        low, high, found = _profile_ci(X, y, b, level)
        if not found:
            boundary = True
            notes.append("profile-likelihood upper bound not reached: the data do not bound N from above")
    return row | {
        "N": n + f0, "n_unobserved": f0, "se": math.sqrt(f0 + f0 * f0 * vb0), "ci_low": low, "ci_high": high,
        "deviance": max(float(fit.deviance), 0.0), "df": m - p, "aic": -2 * ll + 2 * p, "bic": -2 * ll + p * math.log(m),
        "identifiable": True, "sparse": sparse, "boundary": boundary, "notes": "; ".join(notes),
    }


def _stratum_total(rows: pd.DataFrame, level: float) -> dict:
    """Sum of one model's stratum estimates, log-normal CI on the unobserved part (Chao 1987)."""
    n, big_n = float(rows["n_observed"].sum()), float(rows["N"].sum())
    se = float(np.sqrt((rows["se"] ** 2).sum()))
    low, high = _lognormal_ci(n, big_n, se, level)
    return {"model": rows["model"].iloc[0], "N": big_n, "n_observed": n, "n_unobserved": big_n - n, "se": se,
            "ci_low": low, "ci_high": high, "ci_method": "lognormal_sum", "deviance": rows["deviance"].sum(),
            "df": int(rows["df"].sum()), "aic": rows["aic"].sum(), "bic": math.nan,
            "n_params": int(rows["n_params"].sum()), "identifiable": bool(rows["identifiable"].all()),
            "sparse": bool(rows["sparse"].any()), "boundary": bool(rows["boundary"].any()),
            "notes": "sum over strata; CI log-normal from the summed Poisson variances"}


def _model_specs(models: str | Sequence[str], lists: list) -> list:
    """``models`` argument -> unique list of (name, terms)."""
    if isinstance(models, str) and models == "all":
        if len(lists) > 5:
            raise InputError(f"capture_recapture(): models='all' with {len(lists)} lists means "
                             f"{2 ** (len(lists) * (len(lists) - 1) // 2):,} models; give the formulas to fit.")
        specs = all_two_way_models(lists)
    else:
        specs = as_list(models)
        if not specs:
            raise InputError("capture_recapture(): models is empty; give 'independence', 'all' or formulas.")
    return list(dict.fromkeys(_parse_model(s, lists) for s in specs))


def _fit_strata(df: pd.DataFrame, lists: list, count: str | None, covs: list, parsed: list, level: float,
                ci: bool) -> pd.DataFrame:
    """Fit every parsed model in every stratum; add the Total rows and ``delta_aic``."""
    groups = [((), df)] if not covs else list(df.groupby(covs, observed=True, sort=True, dropna=False))
    out = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        where = "capture_recapture()" + (f" stratum {dict(zip(covs, key))}" if covs else "")
        cells, y = _histories(g, lists, count, where)
        rows = pd.DataFrame([_fit_one(cells, y, name, terms, level, ci) for name, terms in parsed])
        for c, v in zip(covs, key):
            rows.insert(covs.index(c), c, v)
        out.append(rows)
    res = pd.concat(out, ignore_index=True).reindex(columns=[*covs, *CR_COLUMNS])
    if covs:
        tot = [_stratum_total(r, level) for _, r in res.groupby("model", sort=False)]
        tot_df = pd.DataFrame(tot).assign(**{c: "Total" for c in covs})
        res = pd.concat([res.astype({c: object for c in covs}), tot_df], ignore_index=True)
        res = res.reindex(columns=[*covs, *CR_COLUMNS])
    strata = res[covs].astype(str).agg("|".join, axis=1) if covs else pd.Series("", index=res.index)
    res["delta_aic"] = res["aic"] - res.groupby(strata)["aic"].transform("min")
    res = res.astype({"identifiable": bool, "sparse": bool, "boundary": bool})
    res["notes"] = res["notes"].fillna("")
    return res


def capture_recapture(df: pd.DataFrame, lists: Sequence[str], count: str | None = "n",
                      models: str | Sequence[str] = "independence", covariates: str | Sequence[str] | None = None,
                      level: float = 0.95, ci: bool = True) -> pd.DataFrame:
    """Number in a hidden population from 2-5 overlapping lists (log-linear models).

    Parameters
    ----------
    df : DataFrame
        One row per observed capture history: a 0/1 column per list (1 = on
        that list) and a ``count`` column. Rows with the same history (within
        a stratum) are added, so individual records work too (``count=None``).
        The all-zero history (on no list) is unobservable and refused.
    lists : sequence of str
        The list columns (at least 2).
    count : str or None, default "n"
        Number of people with the history; ``None`` counts each row once.
    models : {"independence", "all"} or sequence of str
        ``"independence"`` (lists independent: model Mt), ``"all"`` (every
        hierarchical model with two-way interactions, see
        :func:`all_two_way_models`) or formulas such as ``"A:B"`` or
        ``"A:B + B:C"`` (``"A:B:C"`` implies its two-way terms).
    covariates : str or sequence of str, optional
        Stratify: fit every model in each stratum (sex, age group, area), and
        add one ``Total`` row per model (the sum, with a log-normal CI from the
        summed variances: ``ci_method = "lognormal_sum"``).
    level : float, default 0.95
        Confidence level of the profile-likelihood interval.
    ci : bool, default True
        Compute the profile-likelihood CI (about 50 small refits per model).

    Returns
    -------
    DataFrame
        One row per (stratum and) model, columns: the covariates, then
        :data:`CR_COLUMNS`: ``model``, ``N`` (total including the unobserved),
        ``n_observed``, ``n_unobserved``, ``se`` (Poisson, as Rcapture),
        ``ci_low``, ``ci_high``, ``ci_method``, ``deviance``, ``df``,
        ``aic``, ``bic``, ``delta_aic`` (AIC minus the smallest AIC of the
        stratum), ``n_params``, ``identifiable``, ``sparse`` (more than 20 % of
        fitted cells below 5, or one below 1), ``boundary`` (a parameter at
        infinity, no convergence, or no upper CI bound), ``notes``.

    Raises
    ------
    InputError
        Fewer than 2 lists, a list column not 0/1, a negative or fractional
        count, an all-zero history, an unknown model term.
    UnknownVariableError
        A column is not in ``df``.

    Warns
    -----
    ModelWarning
        When a fitted model is a boundary estimate.

    Notes
    -----
    The models assume a closed population, no errors in record linkage and,
    beyond the interactions the model contains, independent lists and
    homogeneous catchability. The saturated model (interaction of all lists)
    is not identifiable and is reported with ``identifiable = False``.

    Examples
    --------
    Three independent lists, 10,000 people (noise-free counts):

    >>> import itertools
    >>> p = {"A": 0.5, "B": 0.2, "C": 0.4}
    >>> rows = [dict(A=a, B=b, C=c, n=10_000 * (0.5 if a else 0.5) * (0.2 if b else 0.8) * (0.4 if c else 0.6))
    ...         for a, b, c in itertools.product([1, 0], repeat=3) if a + b + c]
    >>> r = capture_recapture(pd.DataFrame(rows), lists=["A", "B", "C"], models="all")
    >>> best = r.sort_values("aic").iloc[0]
    >>> best["model"], round(float(best["N"]), 6), int(best["n_observed"])
    ('independence', 10000.0, 7600)
    >>> r.loc[r.model == "independence", ["ci_low", "ci_high"]].round(0).values.tolist()
    [[9828.0, 10179.0]]
    """
    level = check_level(level)
    lists = require_unique(lists, "lists")
    covs = require_unique(covariates, "covariates")
    if len(lists) < 2:
        raise InputError(f"capture_recapture(): lists={lists}: at least 2 lists are needed.")
    if len(lists) > 6:
        raise InputError(f"capture_recapture(): {len(lists)} lists; at most 6 are supported (2^k cells).")
    require_columns(df, [*lists, *covs] + ([count] if count is not None else []), what="column")
    parsed = _model_specs(models, lists)
    res = _fit_strata(df, lists, count, covs, parsed, level, ci)
    if res["boundary"].any():
        bad = res.loc[res["boundary"], "model"].unique().tolist()
        warnings.warn(f"capture_recapture(): boundary estimate(s) for model(s) {bad}: see the notes column.",
                      ModelWarning, stacklevel=2)
    return res


# --------------------------------------------------------------------------- two lists


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
    if mm > min(a, b):
        raise InputError(f"{fn}(): m={mm} people on both lists cannot exceed n1={a} or n2={b}.")
    return a, b, mm


def _lognormal_ci(n: float, big_n: float, se: float, level: float) -> tuple[float, float]:
    """Chao (1987) log-normal interval: ``n + f0 / C, n + f0 C`` with ``f0 = N - n``."""
    f0 = big_n - n
    if f0 <= 0 or not math.isfinite(se):
        return (big_n, big_n) if se == 0 else (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + level / 2)
    c = math.exp(z * math.sqrt(math.log1p(se * se / (f0 * f0))))
    return n + f0 / c, n + f0 * c


def _two_list_frame(big_n: float, var: float, n: int, level: float, ci: str, method: str) -> pd.DataFrame:
    se = math.sqrt(var)
    if ci == "normal":
        z = stats.norm.ppf(0.5 + level / 2)
        low, high = big_n - z * se, big_n + z * se
    else:
        low, high = _lognormal_ci(n, big_n, se, level)
    return pd.DataFrame([{"method": method, "N": big_n, "n_observed": n, "n_unobserved": big_n - n, "se": se,
                          "ci_low": low, "ci_high": high, "ci_method": ci}])


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
        ``ci_low``, ``ci_high``, ``ci_method``.

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
    return _two_list_frame(big_n, var, a + b - mm, level, ci, "chapman")


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


# --------------------------------------------------------------------------- multipliers


def _as_float_array(x: object, name: str, positive: bool = True) -> np.ndarray:
    try:
        a = np.atleast_1d(np.asarray(x, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"multiplier(): {name}={x!r} is not a number or a list of numbers.") from None
    if a.ndim != 1 or not np.all(np.isfinite(a)) or (positive and np.any(a <= 0)):
        raise InputError(f"multiplier(): {name}={x!r} must be finite and > 0.")
    return a


def _pairs(x: object, k: int, name: str) -> np.ndarray | None:
    """``(low, high)`` or a list of k of them -> array (k, 2), or None."""
    if x is None:
        return None
    a = np.asarray(x, dtype=float)
    if a.shape == (2,):
        a = np.tile(a, (k, 1)) if k == 1 else a[None, :]
    if a.shape != (k, 2) or not np.all(np.isfinite(a)) or np.any(a <= 0) or np.any(a[:, 0] > a[:, 1]):
        raise InputError(f"multiplier(): {name}={x!r} must be one (low, high) interval per benchmark "
                         f"({k}), with 0 < low <= high.")
    return a


def _multiplier_inputs(benchmark: object, proportion: object, proportion_ci: object, proportion_se: object,
                       benchmark_ci: object) -> tuple:
    """Check and align the multiplier inputs: (b, p, pci, pse, bci) arrays or None."""
    b = _as_float_array(benchmark, "benchmark")
    p = _as_float_array(proportion, "proportion")
    k = len(b)
    if len(p) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(p)} proportion(s); give one proportion each.")
    if np.any(p > 1):
        raise InputError(f"multiplier(): proportion={proportion!r} must be a share in (0, 1], not a percent.")
    if proportion_ci is not None and proportion_se is not None:
        raise InputError("multiplier(): give proportion_ci or proportion_se, not both.")
    pse = None if proportion_se is None else _as_float_array(proportion_se, "proportion_se")
    if pse is not None and len(pse) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(pse)} proportion_se value(s).")
    return b, p, _pairs(proportion_ci, k, "proportion_ci"), pse, _pairs(benchmark_ci, k, "benchmark_ci")


def multiplier(benchmark: float | Sequence[float], proportion: float | Sequence[float],
               proportion_ci: Sequence | None = None, proportion_se: float | Sequence[float] | None = None,
               benchmark_ci: Sequence | None = None, labels: Sequence[str] | None = None,
               level: float = 0.95, method: str = "auto") -> pd.DataFrame:
    """Benchmark-multiplier estimate ``N = benchmark / proportion``, one or several combined.

    Parameters
    ----------
    benchmark : float or sequence of float
        Count of the hidden population in a register (people in treatment,
        drug-related deaths, ...), one per benchmark.
    proportion : float or sequence of float
        Share of the hidden population found in that register (0 < p <= 1),
        from a survey of the population (e.g. share in treatment last year).
    proportion_ci, proportion_se : optional
        Uncertainty of the proportion: an interval ``(low, high)`` at
        ``level`` (one per benchmark), or a standard error. Give at most one.
    benchmark_ci : optional
        Interval ``(low, high)`` of the benchmark count when it is uncertain.
    labels : sequence of str, optional
        Names of the benchmarks (default ``benchmark 1``, ...).
    level : float, default 0.95
    method : {"auto", "delta", "endpoints"}
        ``"endpoints"``: the interval is ``(benchmark_low / proportion_high,
        benchmark_high / proportion_low)``, exact when only one of the two is
        uncertain (a decreasing transform of an interval), conservative when
        both are; ``"delta"``: delta method on the log scale,
        ``se(log N)^2 = se(log B)^2 + se(log p)^2`` with
        ``se(log x) = log(high / low) / (2 z)`` from an interval or
        ``se(p) / p`` from a standard error, CI ``N exp(+/- z se)``;
        ``"auto"``: endpoints when exactly one quantity is uncertain and given
        as an interval, delta otherwise.

    Returns
    -------
    DataFrame
        One row per benchmark: ``label``, ``benchmark``, ``proportion``,
        ``N``, ``se_log`` (standard error of ``log N``), ``ci_low``,
        ``ci_high``, ``ci_method``, ``q``, ``q_p``; with several benchmarks a
        last row ``combined``: the inverse-variance weighted mean of
        ``log N`` (weights ``1 / se_log^2``), its CI, and Cochran's
        heterogeneity statistic ``q`` with its chi-square p-value ``q_p``
        (a small ``q_p`` means the benchmarks disagree beyond chance).

    Examples
    --------
    >>> r = multiplier(12_000, 0.25, proportion_ci=(0.2, 0.3))
    >>> r[["N", "ci_low", "ci_high"]].round(0).values.tolist()
    [[48000.0, 40000.0, 60000.0]]
    >>> r = multiplier([12_000, 300], [0.25, 0.0066], proportion_se=[0.025, 0.001],
    ...                labels=["treatment", "deaths"])
    >>> r[["label", "N"]].round(0).values.tolist()
    [['treatment', 48000.0], ['deaths', 45455.0], ['combined', 47213.0]]
    """
    level = check_level(level)
    check_choice(method, "method", ["auto", "delta", "endpoints"])
    b, p, pci, pse, bci = _multiplier_inputs(benchmark, proportion, proportion_ci, proportion_se, benchmark_ci)
    k = len(b)
    labels = [f"benchmark {i + 1}" for i in range(k)] if labels is None else [str(x) for x in as_list(labels)]
    if len(labels) != k:
        raise InputError(f"multiplier(): {k} benchmark(s) but {len(labels)} label(s).")
    z = stats.norm.ppf(0.5 + level / 2)
    se_p = (np.log(pci[:, 1] / pci[:, 0]) / (2 * z) if pci is not None
            else pse / p if pse is not None else np.zeros(k))
    se_b = np.log(bci[:, 1] / bci[:, 0]) / (2 * z) if bci is not None else np.zeros(k)
    n = b / p
    se_log = np.sqrt(se_p ** 2 + se_b ** 2)
    one_interval = (pci is not None) != (bci is not None) and pse is None
    use_end = method == "endpoints" or (method == "auto" and one_interval)
    if use_end and pse is not None:
        raise InputError("multiplier(): method='endpoints' needs intervals (proportion_ci), not proportion_se.")
    if use_end:
        pl, ph = (pci[:, 0], pci[:, 1]) if pci is not None else (p, p)
        bl, bh = (bci[:, 0], bci[:, 1]) if bci is not None else (b, b)
        low, high = bl / ph, bh / pl
    else:
        low, high = n * np.exp(-z * se_log), n * np.exp(z * se_log)
    out = pd.DataFrame({"label": labels, "benchmark": b, "proportion": p, "N": n, "se_log": se_log,
                        "ci_low": low, "ci_high": high, "ci_method": "endpoints" if use_end else "delta_log",
                        "q": math.nan, "q_p": math.nan})
    if k > 1:
        out = pd.concat([out, pd.DataFrame([_combine(n, se_log, z)])], ignore_index=True)
    return out


def _combine(n: np.ndarray, se_log: np.ndarray, z: float) -> dict:
    """Inverse-variance weighted mean of log N over benchmarks, with Cochran's Q."""
    if np.any(se_log <= 0):
        raise InputError("multiplier(): combining benchmarks weights each by 1 / se(log N)^2; give "
                         "proportion_ci or proportion_se (or benchmark_ci) for every benchmark.")
    w = 1 / se_log ** 2
    est = float(np.sum(w * np.log(n)) / w.sum())
    se = float(1 / math.sqrt(w.sum()))
    q = float(np.sum(w * (np.log(n) - est) ** 2))
    return {"label": "combined", "benchmark": math.nan, "proportion": math.nan, "N": math.exp(est),
            "se_log": se, "ci_low": math.exp(est - z * se), "ci_high": math.exp(est + z * se),
            "ci_method": "inverse_variance_log", "q": q, "q_p": float(stats.chi2.sf(q, len(n) - 1))}


# --------------------------------------------------------------------------- rates


def prevalence_per_1000(N: float | pd.DataFrame, population: float, ci_low: float | None = None,
                        ci_high: float | None = None) -> pd.DataFrame:
    """Rate per 1,000 of the population (aged 15-64, as the EU drugs agency reports it).

    Parameters
    ----------
    N : float or DataFrame
        Estimated number of people; or a result of :func:`capture_recapture`,
        :func:`chapman`, :func:`multiplier` (its ``N``, ``ci_low`` and
        ``ci_high`` columns are used, row by row).
    population : float
        Population the rate refers to (for the EUDA indicator: residents aged
        15-64 of the area and year), taken as known without error.
    ci_low, ci_high : float, optional
        Interval of ``N`` when ``N`` is a number.

    Returns
    -------
    DataFrame
        The input rows (or one row) with ``population``, ``per_1000``,
        ``per_1000_ci_low``, ``per_1000_ci_high``.

    Examples
    --------
    >>> prevalence_per_1000(48_000, 40_000_000, 40_000, 60_000).round(2).values.tolist()
    [[48000.0, 40000.0, 60000.0, 40000000.0, 1.2, 1.0, 1.5]]
    """
    try:
        pop = float(population)
    except (TypeError, ValueError):
        raise InputError(f"prevalence_per_1000(): population={population!r} is not a number.") from None
    if not math.isfinite(pop) or pop <= 0:
        raise InputError(f"prevalence_per_1000(): population={population!r} must be > 0.")
    if isinstance(N, pd.DataFrame):
        require_columns(N, ["N"], what="estimate column")
        out = N.copy()
        for c in ("ci_low", "ci_high"):
            if c not in out:
                out[c] = math.nan
    else:
        out = pd.DataFrame([{"N": float(N), "ci_low": math.nan if ci_low is None else float(ci_low),
                             "ci_high": math.nan if ci_high is None else float(ci_high)}])
    if (out["N"] > pop).any():
        raise InputError(f"prevalence_per_1000(): N={out['N'].max():,.0f} exceeds population={pop:,.0f}: "
                         "check the population (residents aged 15-64, not thousands).")
    out["population"] = pop
    out["per_1000"] = 1000 * out["N"] / pop
    out["per_1000_ci_low"] = 1000 * out["ci_low"] / pop
    out["per_1000_ci_high"] = 1000 * out["ci_high"] / pop
    return out
