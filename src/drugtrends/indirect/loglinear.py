"""Log-linear capture-recapture models across 2-6 lists (see :mod:`drugtrends.indirect`)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from drugtrends._compat import arguments, renamed
from drugtrends.errors import EmptyDomainError, InputError, ModelWarning
from drugtrends.indirect._common import lognormal_ci
from drugtrends.indirect.heterogeneity import (
    RCAPTURE_MODELS,
    heterogeneity_columns,
    model_kind,
    model_name,
)
from drugtrends.validate import as_list, check_choice, check_level, require_columns, require_unique

__all__ = ["CR_COLUMNS", "all_two_way_models", "capture_recapture"]

#: Columns of :func:`capture_recapture` (after any covariate columns), in order.
CR_COLUMNS = ("model", "N", "n_observed", "n_unobserved", "se", "ci_low", "ci_high", "ci_method",
              "deviance", "df", "aic", "bic", "delta_aic", "n_params", "identifiable", "sparse",
              "boundary", "saturated", "notes")

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


def _parse_model(spec: object, lists: list) -> tuple[str, tuple[tuple[int, ...], ...], tuple]:
    """``"A:B + B:C"`` or ``"Mth Darroch + A:B"`` -> (name, hierarchical closure of the terms, (base, h)).

    ``base`` is ``"M0"``, ``"Mt"``, ``"Mh"`` or ``"Mth"`` and ``h`` a heterogeneity form of
    :data:`drugtrends.indirect.heterogeneity.HETEROGENEITY` (or ``None``).
    """
    text = str(spec).strip()
    pieces = [p.strip() for p in text.split("+")]
    het = model_kind(pieces[0]) if pieces else None
    if het is not None:
        pieces = pieces[1:]
    elif text in ("independence", ""):
        pieces = []
    het = het or ("Mt", None)
    gen = []
    for term in pieces:
        names = [t.strip() for t in term.split(":")]
        unknown = [t for t in names if t not in lists]
        if unknown or len(names) < 2 or len(set(names)) != len(names):
            raise InputError(f"model {spec!r}: term {term!r} is not an interaction of two or more "
                             f"different lists among {lists} (write e.g. '{lists[0]}:{lists[1]}'), nor a model "
                             f"name among {list(RCAPTURE_MODELS)} or 'independence'.")
        gen.append(tuple(sorted(lists.index(t) for t in names)))
    closure = {sub for g in gen for r in range(2, len(g) + 1) for sub in itertools.combinations(g, r)}
    terms = tuple(sorted(closure, key=lambda t: (len(t), t)))
    maximal = [t for t in terms if not any(set(t) < set(u) for u in terms)]
    inter = " + ".join(":".join(lists[i] for i in t) for t in maximal)
    base = model_name(*het)
    name = ("independence" if base == "Mt" else base) if not inter else (inter if base == "Mt" else f"{base} + {inter}")
    return name, terms, het


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


def _design(cells: np.ndarray, terms: tuple[tuple[int, ...], ...], het: tuple = ("Mt", None)) -> np.ndarray:
    """Log-linear design: intercept, list (Mt, Mth) or count (M0, Mh) columns, interactions, heterogeneity."""
    base, h = het
    nbcap = cells.sum(axis=1).astype(float)
    first = cells.T.astype(float) if base in ("Mt", "Mth") else [nbcap]
    cols = [np.ones(len(cells)), *first]
    cols += [np.prod(cells[:, list(t)], axis=1).astype(float) for t in terms]
    out = np.column_stack(cols)
    if h is not None:
        out = np.column_stack([out, heterogeneity_columns(nbcap, cells.shape[1], h)])
    return out


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


def _newton_chao(X: np.ndarray, y: np.ndarray, q: int, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit; while one of the last ``q`` (Chao eta) coefficients is < 0, drop the first such column, refit.

    Returns (coefficients of the first, full-design fit, fitted values of the last fit).
    """
    b_full, mu = _newton(X, y, beta)
    b = b_full
    while q > 0:
        neg = np.flatnonzero(b[-q:] < 0)
        if not len(neg):
            break
        j = X.shape[1] - q + int(neg[0])
        X, q = np.delete(X, j, axis=1), q - 1
        b, mu = _newton(X, y, np.delete(b, j))
    return b_full, mu


def _profile_ci(X: np.ndarray, y: np.ndarray, beta: np.ndarray, level: float,
                chao_q: int = 0, n0_hat: float | None = None) -> tuple[float, float, bool]:
    """Profile-likelihood interval for N (multinomial likelihood, Cormack 1992); (low, high, upper_found).

    With ``chao_q > 0``, ``X`` is the full design of a Chao lower-bound model whose last ``chao_q``
    columns are its eta columns and ``beta`` a start for it: at every N the eta fitted below 0
    are dropped as at the estimate (Rcapture's ``closedpCI.t`` calls ``Chao.neg`` in its profile);
    ``n0_hat``, the estimate of the unobserved count, then sets the search interval.
    """
    n = float(y.sum())
    Xc = np.vstack([X, np.eye(1, X.shape[1])])  # the unobserved history: intercept only
    state = {"beta": beta.copy()}

    def loglik(n0: float) -> float:
        yc = np.append(y, max(n0, 0.0))
        b, mu = _newton_chao(Xc, yc, chao_q, state["beta"]) if chao_q else _newton(Xc, yc, state["beta"])
        if np.all(np.isfinite(b)):
            state["beta"] = b
        big_n = n + n0
        return float(special.gammaln(big_n + 1) - special.gammaln(n0 + 1) + _xlogy_sum(yc, mu)
                     - _xlogy_sum(yc, np.full_like(mu, big_n)))

    n0p = float(math.exp(beta[0])) if n0_hat is None else n0_hat
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


def _glm(X: np.ndarray, y: np.ndarray) -> dict:
    """Poisson log-linear fit (statsmodels IRLS): coefficients, var(b0), fitted, log-likelihood, deviance."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12, maxiter=200)
    return {"b": np.asarray(fit.params), "vb0": float(np.asarray(fit.cov_params())[0, 0]),
            "mu": np.asarray(fit.fittedvalues), "conv": bool(fit.converged), "ll": float(fit.llf),
            "deviance": max(float(fit.deviance), 0.0)}


def _chao_nonnegative(X: np.ndarray, y: np.ndarray, q: int) -> tuple[np.ndarray, dict, int]:
    """Fit; while an ``eta`` of the last ``q`` columns is < 0, drop the first negative one and refit.

    Rcapture's ``closedp.t`` (``neg = TRUE``): Chao's lower bound needs every ``eta_j >= 0``
    (Rivest 2011). Returns (final design, fit, number of eta fixed at 0).
    """
    fit, dropped = _glm(X, y), 0
    while q > 0:
        eta = fit["b"][-q:]
        neg = np.flatnonzero(eta < 0)
        if not len(neg):
            break
        X = np.delete(X, X.shape[1] - q + neg[0], axis=1)
        q, dropped = q - 1, dropped + 1
        fit = _glm(X, y)
    return X, fit, dropped


def _fit_one(cells: np.ndarray, y: np.ndarray, name: str, terms: tuple, level: float, ci: bool,
             het: tuple = ("Mt", None)) -> dict:
    """Fit one log-linear model to one table; return a result row (see CR_COLUMNS)."""
    X = _design(cells, terms, het)
    n, m, p, k = float(y.sum()), len(y), X.shape[1], cells.shape[1]
    row = {"model": name, "n_observed": n, "n_params": p, "ci_method": "profile" if ci else "none"}
    no = {"identifiable": False, "sparse": False, "boundary": False, "saturated": False}
    if het[1] is not None and k < 3:
        return row | no | {"notes": f"not identifiable: heterogeneity models need at least 3 lists ({k} given)"}
    if p > m or np.linalg.matrix_rank(X) < p:
        return row | no | {"notes": f"not identifiable: {p} parameters for {m} observed histories (the "
                           "interaction of all lists cannot be estimated; drop a term)"}
    q = X.shape[1] - _design(cells, terms, (het[0], None)).shape[1] if het[1] == "chao" else 0
    X_full = X
    X, fit, dropped = _chao_nonnegative(X, y, q)
    p = X.shape[1]
    b, mu = fit["b"], fit["mu"]
    f0 = math.exp(b[0])
    notes = []
    # a Poisson2/Darroch/Gamma coefficient lives on its own scale (Gamma's tau is often > 20)
    coefs = b[1:-1] if het[1] in ("poisson", "darroch", "gamma") else b[1:]
    boundary = (not fit["conv"]) or bool(np.max(np.abs(coefs), initial=0.0) > _MAX_COEF) or bool(np.min(mu) < 1e-6)
    if boundary:
        notes.append("boundary estimate: a log-linear parameter is at (or heading to) infinity, usually "
                     "because an observed margin is 0; N is unreliable")
    if dropped:
        boundary = True
        notes.append(f"boundary: {dropped} of Chao's eta parameters fitted below 0 and fixed at 0 (as Rcapture "
                     "does); the lower bound is reached at the edge of the parameter space")
    sparse = bool(np.mean(mu < SPARSE_CELL) > 0.2 or np.min(mu) < 1.0)
    if sparse:
        notes.append(f"sparse table: {int(np.sum(mu < SPARSE_CELL))} of {m} fitted cells below "
                     f"{SPARSE_CELL:g}; the likelihood-based CI is more reliable than se")
    if m == p:
        notes.append("saturated: 0 degrees of freedom left, the model reproduces the table exactly; its fit "
                     "(deviance, AIC) cannot be judged and N rests on an untestable assumption")
    low = high = math.nan
    if ci:
        try:
            if q:  # Rcapture keeps every eta >= 0 along the profile too
                start = np.linalg.lstsq(X_full, np.log(y + 0.5), rcond=None)[0]
                low, high, found = _profile_ci(X_full, y, _newton(X_full, y, start)[0], level,
                                               chao_q=q, n0_hat=f0)
            else:
                low, high, found = _profile_ci(X, y, b, level)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            low = high = math.nan
            found = False
        if not found:
            boundary = True
            notes.append("profile-likelihood interval not found: the upper bound is not reached (the data do not "
                         "bound N from above) or the likelihood is flat")
    ll = fit["ll"]
    return row | {
        "N": n + f0, "n_unobserved": f0, "se": math.sqrt(f0 + f0 * f0 * fit["vb0"]), "ci_low": low,
        "ci_high": high, "deviance": fit["deviance"], "df": m - p, "aic": -2 * ll + 2 * p,
        "bic": -2 * ll + p * math.log(m), "n_params": p, "identifiable": True, "sparse": sparse,
        "boundary": boundary, "saturated": m == p, "notes": "; ".join(notes),
    }


def _stratum_total(rows: pd.DataFrame, level: float) -> dict:
    """Sum of one model's stratum estimates, log-normal CI on the unobserved part (Chao 1987)."""
    n, big_n = float(rows["n_observed"].sum()), float(rows["N"].sum())
    se = float(np.sqrt((rows["se"] ** 2).sum()))
    low, high = lognormal_ci(n, big_n, se, level)
    return {"model": rows["model"].iloc[0], "N": big_n, "n_observed": n, "n_unobserved": big_n - n, "se": se,
            "ci_low": low, "ci_high": high, "ci_method": "lognormal_sum", "deviance": rows["deviance"].sum(),
            "df": int(rows["df"].sum()), "aic": rows["aic"].sum(), "bic": math.nan,
            "n_params": int(rows["n_params"].sum()), "identifiable": bool(rows["identifiable"].all()),
            "sparse": bool(rows["sparse"].any()), "boundary": bool(rows["boundary"].any()),
            "saturated": bool(rows["saturated"].any()),
            "notes": "sum over strata; CI log-normal from the summed Poisson variances"}


def _model_specs(models: str | Sequence[str], lists: list) -> list:
    """``models`` argument -> unique list of (name, terms, (base, heterogeneity))."""
    if isinstance(models, str) and models == "heterogeneity":
        specs = list(RCAPTURE_MODELS)
    elif isinstance(models, str) and models == "all":
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
        rows = pd.DataFrame([_fit_one(cells, y, name, terms, level, ci, het) for name, terms, het in parsed])
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
    res = res.astype({"identifiable": bool, "sparse": bool, "boundary": bool, "saturated": bool})
    res["notes"] = res["notes"].fillna("")
    return _selection_notes(res, strata)


def _selection_notes(res: pd.DataFrame, strata: pd.Series) -> pd.DataFrame:
    """Say so when the lowest AIC of a stratum belongs to a saturated or boundary fit."""
    for _, idx in res.groupby(strata).groups.items():
        sub = res.loc[idx]
        if sub["aic"].notna().sum() < 2:
            continue
        best = sub["aic"].idxmin()
        why = [w for w, flag in (("saturated (df = 0)", res.at[best, "saturated"]),
                                 ("at a boundary", res.at[best, "boundary"])) if flag]
        if why:
            msg = (f"lowest AIC, but {' and '.join(why)}: do not select it on AIC alone; compare the "
                   "unsaturated, interior models")
            res.at[best, "notes"] = "; ".join(x for x in (res.at[best, "notes"], msg) if x)
    return res


def _ci_method(ci: object) -> str:
    """``ci=`` -> "profile" or "none"; a bool (the old spelling) still works with a FutureWarning."""
    if isinstance(ci, (bool, np.bool_)):
        new = "profile" if ci else None
        warnings.warn(f"capture_recapture(): ci={bool(ci)} is now written ci={new!r} (ci is a method name; "
                      "since 0.3, a bool goes in the next minor version).", FutureWarning, stacklevel=4)
        return "profile" if ci else "none"
    if ci is None:
        return "none"
    return str(check_choice(ci, "ci", ["profile", "none"]))


@arguments(renamed("df", "data"))
def capture_recapture(data: pd.DataFrame, lists: Sequence[str], count: str | None = "n",
                      models: str | Sequence[str] = "independence", covariates: str | Sequence[str] | None = None,
                      level: float = 0.95, ci: str | None = "profile") -> pd.DataFrame:
    """Number in a hidden population from 2-5 overlapping lists (log-linear models).

    Parameters
    ----------
    data : DataFrame
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
    ci : {"profile", "none"} or None, default "profile"
        ``"profile"``: profile-likelihood CI of ``N`` (about 50 small refits per model); ``"none"`` or
        ``None``: no interval (``ci_method = "none"``). ``True`` / ``False`` still work with a FutureWarning.

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
        A column is not in ``data``.

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

    Without the interval (faster when comparing many models):

    >>> capture_recapture(pd.DataFrame(rows), ["A", "B", "C"], ci=None)["ci_method"].tolist()
    ['none']
    """
    level = check_level(level)
    do_ci = _ci_method(ci) == "profile"
    lists = require_unique(lists, "lists")
    covs = require_unique([] if covariates is None else covariates, "covariates")  # as_list(None) == []
    if len(lists) < 2:
        raise InputError(f"capture_recapture(): lists={lists}: at least 2 lists are needed.")
    if len(lists) > 6:
        raise InputError(f"capture_recapture(): {len(lists)} lists; at most 6 are supported (2^k cells).")
    require_columns(data, [*lists, *covs] + ([count] if count is not None else []), what="column")
    parsed = _model_specs(models, lists)
    res = _fit_strata(data, lists, count, covs, parsed, level, do_ci)
    if res["boundary"].any():
        bad = res.loc[res["boundary"], "model"].unique().tolist()
        warnings.warn(f"capture_recapture(): boundary estimate(s) for model(s) {bad}: see the notes column.",
                      ModelWarning, stacklevel=2)
    return res


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
