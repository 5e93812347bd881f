"""Survey designs and the design-based estimators (Taylor linearisation).

One validated design object; every estimator is a smooth function ``f`` of
domain sums ``S[d, c] = sum_i w_i x_ic [i in d]`` (mean ``Sy/Sw``, total ``Sy``,
ratio ``Snum/Sden``). The engine

1. builds the row contributions ``x_ic`` for all outcomes at once (0 outside
   the domain or where the outcome is missing: rows are never dropped);
2. sums them per domain x PSU in one grouped pass
   (:func:`drugtrends.survey._aggregate.psu_totals`, replaceable by a database);
3. linearises: PSU totals of influence values ``Z = sum_c df/dS_c * T_c``;
4. computes the stratified with-replacement variance from ``Z``
   (:mod:`drugtrends.survey._variance`), or, for replicate designs, recomputes
   ``f`` with each set of replicate weights.

Conventions (checked against R ``survey`` 4.1.1, see ``tests/test_survey_*.py``)
--------------------------------------------------------------------------------
* Domains: like R ``svyby(..., design)`` / ``subset(design, ...)``: PSUs without
  domain members keep a zero total and still count in ``n_h``.
* Degrees of freedom (``df`` column): by default ``df="domain"``, R's
  ``degf()`` of the subset design that ``svyby`` hands to ``svyciprop``: the
  number of PSUs minus the number of strata among the rows of the domain with
  a non-missing outcome and a positive weight. ``df="design"`` uses the
  design's ``#PSU - #strata`` (``SurveyDesign.df``: for a subset design, R's
  ``degf(subset(design, ...))``); a number is used as given; ``np.inf`` gives
  normal intervals.
* Design effect: R ``svymean(deff=TRUE)``: ``Var / Vsrs`` with
  ``Vsrs = s^2 (N - n)/(N n)``, ``s^2`` the weighted variance times ``n/(n-1)``,
  ``n`` the rows with positive weight, ``N`` the sum of weights (domain).
  Totals: ``Vsrs = s^2 N^2 (N - n)/(N n)``.
* Effective sample size (``n_eff``): for proportions (0/1 outcomes, category
  levels) ``p(1-p) / SE^2`` as in the NCHS standards (Parker et al. 2017); for
  other means ``s^2 / SE^2`` with ``s^2`` as above (totals: ``s^2 N^2 / SE^2``);
  NaN for ratios; not capped at ``n`` (the NCHS rule caps it where it applies).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import DesignError, UnknownVariableError
from . import _aggregate as agg
from ._variance import LONELY_PSU_RULES, replicate_variance, stratified_variance
from .ci import PROPORTION_METHODS, mean_ci, proportion_ci, t_quantile
from .reliability import apply_rule

__all__ = ["SurveyDesign", "ReplicateDesign", "REPLICATE_METHODS"]

REPLICATE_METHODS = ("BRR", "Fay", "JK1", "JKn", "bootstrap")
_CI_CHOICES = ("t", "normal", *PROPORTION_METHODS)


# --------------------------------------------------------------------------- helpers
def _check_columns(data: pd.DataFrame, cols: Sequence[str], what: str = "column") -> None:
    for c in cols:
        if c not in data.columns:
            close = difflib.get_close_matches(str(c), [str(x) for x in data.columns], n=5, cutoff=0.5)
            hint = f" Did you mean: {', '.join(map(repr, close))}?" if close else ""
            raise UnknownVariableError(
                f"{what} {c!r} is not in the data ({data.shape[1]} columns).{hint}")


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        return [x]
    return list(x)


def _py(x):
    """numpy scalar -> Python scalar (readable in messages)."""
    return x.item() if isinstance(x, np.generic) else x


def _first_bad(data: pd.DataFrame, bad: np.ndarray):
    pos = int(np.flatnonzero(bad)[0])
    return pos, _py(data.index[pos])


@dataclass
class _Outcome:
    variable: str
    level: object  # None for numeric outcomes
    y: np.ndarray  # float, NaN = missing
    is_prop: bool


@dataclass
class _Linear:
    """Point estimates and their linearisation for D domains x m estimates."""
    keys: pd.DataFrame
    outcomes: list
    est: np.ndarray                # (D, m)
    var: np.ndarray                # (D, m)
    cov: np.ndarray | None         # (D*m, D*m), domain-major
    n: np.ndarray                  # (D, m) rows with non-missing outcome
    npos: np.ndarray               # (D, m) of which positive weight
    df: np.ndarray                 # (D, m)
    deff: np.ndarray               # (D, m)
    s2: np.ndarray                 # (D, m) weighted variance (n/(n-1))


class _Columns:
    """Row contributions of the outcomes, built one column at a time (no n x m copies)."""

    def __init__(self, outcomes, den, indom, kind):
        self.outcomes, self.den, self.indom, self.kind = outcomes, den, indom, kind

    def ok(self, j) -> np.ndarray:
        ok = self.indom & ~np.isnan(self.outcomes[j].y)
        if self.den is not None:
            ok &= ~np.isnan(self.den[j].y)
        return ok

    def a(self, j) -> np.ndarray:
        return np.where(self.ok(j), self.outcomes[j].y, 0.0)

    def b(self, j) -> np.ndarray:
        if self.kind == "ratio":
            return np.where(self.ok(j), self.den[j].y, 0.0)
        return self.ok(j).astype(float)

    def matrix(self) -> np.ndarray:
        """``(n, 2m)`` unweighted contributions ``[a_1..a_m, b_1..b_m]``."""
        m = len(self.outcomes)
        return np.column_stack([self.a(j) for j in range(m)] + [self.b(j) for j in range(m)])


# --------------------------------------------------------------------------- design
class SurveyDesign:
    """A stratified cluster sample design (Taylor linearisation).

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Not copied: do not modify it afterwards.
    weight : str
        Sampling weight column. Missing or negative weights raise
        :class:`~drugtrends.errors.DesignError`; zero weights are allowed (the
        row stays in the design, contributes nothing, and is not counted in the
        design df nor in the ``n`` of the design effect, as in R).
    strata : str, optional
        Stratum column (no strata when omitted).
    psu : str, optional
        PSU (first-stage cluster) column; each row is its own PSU when omitted.
    fpc : str, optional
        Finite population correction per stratum: the population number of
        PSUs (values > 1) or the sampling fraction (all values <= 1), constant
        within a stratum (R ``svydesign(fpc=)``).
    nest : bool, default True
        PSU ids are only unique within strata (R ``nest=TRUE``). With
        ``nest=False`` a PSU id found in two strata is an error.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        What to do with strata that have a single PSU (R
        ``options(survey.lonely.psu=)``, stored on the design).
    reliability : {None, "nchs", "nsduh"}, default None
        Default suppression rule of the estimators (see
        :mod:`drugtrends.survey.reliability`); ``None`` suppresses nothing.
    level : float, default 0.95
        Default confidence level.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
    ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
    ...                    "g": list("abababab")})
    >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
    >>> des
    SurveyDesign(n=8, strata=2, psu=4, df=2, lonely_psu='fail')
    >>> r = des.mean("y")
    >>> round(float(r.estimate[0]), 4), round(float(r.se[0]), 4)   # R: 0.66667, SE 0.162
    (0.6667, 0.162)
    """

    _is_replicate = False

    def __init__(self, data: pd.DataFrame, weight: str, strata: str | None = None,
                 psu: str | None = None, fpc: str | None = None, nest: bool = True,
                 lonely_psu: str = "fail", reliability: str | None = None,
                 level: float = 0.95):
        if not isinstance(data, pd.DataFrame):
            raise DesignError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if lonely_psu not in LONELY_PSU_RULES:
            raise DesignError(f"lonely_psu={lonely_psu!r} is not one of {LONELY_PSU_RULES}")
        if reliability not in (None, "nchs", "nsduh"):
            raise DesignError(f"reliability={reliability!r}: use 'nchs', 'nsduh' or None")
        _check_columns(data, [c for c in (weight, strata, psu, fpc) if c is not None], "design column")
        self.data = data
        self.weight, self.strata, self.psu, self.fpc = weight, strata, psu, fpc
        self.nest = nest
        self.lonely_psu = lonely_psu
        self.reliability = reliability
        self.level = level
        n = len(data)
        self._w = self._check_weights(data, weight)
        # strata and PSUs -> integer codes
        if strata is not None:
            s = data[strata]
            if s.isna().any():
                pos, lab = _first_bad(data, s.isna().to_numpy())
                raise DesignError(f"strata column {strata!r} has a missing value at row {lab!r} "
                                  f"(position {pos}); every row needs a stratum.")
            s_codes, s_uni = pd.factorize(s, sort=True)
        else:
            s_codes, s_uni = np.zeros(n, dtype=np.int64), pd.Index(["(all)"])
        if psu is not None:
            p = data[psu]
            if p.isna().any():
                pos, lab = _first_bad(data, p.isna().to_numpy())
                raise DesignError(f"PSU column {psu!r} has a missing value at row {lab!r} "
                                  f"(position {pos}); every row needs a PSU.")
            p_codes, p_uni = pd.factorize(p, sort=True)
            if not nest and strata is not None:
                per_psu = pd.Series(s_codes).groupby(p_codes).nunique()
                if (per_psu > 1).any():
                    bad = _py(p_uni[int(per_psu.index[np.argmax(per_psu.to_numpy() > 1)])])
                    strs = sorted({_py(x) for x in s_uni[s_codes[p_codes == np.flatnonzero(p_uni == bad)[0]]]})
                    raise DesignError(
                        f"PSU id {bad!r} of column {psu!r} occurs in several strata ({strs[:5]}): "
                        "PSU ids are not nested in strata. If PSU ids are only unique within a "
                        "stratum (as NHANES SDMVPSU), use nest=True.")
        else:
            p_codes, p_uni = np.arange(n, dtype=np.int64), pd.RangeIndex(n)
        combo = s_codes.astype(np.int64) * (len(p_uni) + 1) + p_codes
        self._psu, combo_uni = pd.factorize(combo, sort=True)
        self._psu = self._psu.astype(np.int64)
        self._n_psu = len(combo_uni)
        self._stratum_of_psu = (combo_uni // (len(p_uni) + 1)).astype(np.int64)
        self._strata_labels = s_uni
        self._n_strata = len(s_uni)
        self._n_h = np.bincount(self._stratum_of_psu, minlength=self._n_strata).astype(float)
        self._f_h = self._fpc(data, fpc, s_codes) if fpc is not None else np.ones(self._n_strata)
        lonely = np.flatnonzero(self._n_h == 1)
        if lonely.size and lonely_psu == "fail":
            labs = [_py(s_uni[i]) for i in lonely[:10]]
            raise DesignError(
                f"stratum {labs[0]!r} of column {strata!r} has only one PSU"
                + (f" (also {labs[1:]})" if len(labs) > 1 else "")
                + ": its variance cannot be estimated. Choose a rule with lonely_psu="
                "'remove', 'certainty', 'adjust' or 'average' (as R options(survey.lonely.psu)), "
                "or collapse strata.")
        self._mask = np.ones(n, dtype=bool)
        pos = self._w > 0
        self._df_design = self._degf(pos)

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _check_weights(data: pd.DataFrame, weight: str) -> np.ndarray:
        col = data[weight]
        try:
            w = pd.to_numeric(col, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise DesignError(f"weight column {weight!r} is not numeric ({col.dtype}).") from exc
        bad = np.isnan(w)
        if bad.any():
            pos, lab = _first_bad(data, bad)
            raise DesignError(f"weight column {weight!r} has a missing value at row {lab!r} "
                              f"(position {pos}; {int(bad.sum())} missing in all). Drop those rows "
                              "or give them a weight.")
        bad = w < 0
        if bad.any():
            pos, lab = _first_bad(data, bad)
            raise DesignError(f"weight column {weight!r} has a negative value {w[pos]:g} at row "
                              f"{lab!r} (position {pos}); weights must be >= 0.")
        if not np.isfinite(w).all():
            pos, lab = _first_bad(data, ~np.isfinite(w))
            raise DesignError(f"weight column {weight!r} has an infinite value at row {lab!r}.")
        return w

    def _fpc(self, data, fpc, s_codes) -> np.ndarray:
        v = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(v).any() or (v <= 0).any():
            pos, lab = _first_bad(data, np.isnan(v) | (v <= 0))
            raise DesignError(f"fpc column {fpc!r} has a missing or non-positive value at row {lab!r}.")
        per = pd.Series(v).groupby(s_codes)
        if (per.nunique() > 1).any():
            h = int(per.nunique().index[np.argmax(per.nunique().to_numpy() > 1)])
            raise DesignError(f"fpc column {fpc!r} is not constant within stratum "
                              f"{_py(self._strata_labels[h])!r}.")
        val = per.first().reindex(range(self._n_strata)).to_numpy()
        if (v <= 1).all():
            f = 1.0 - val  # sampling fractions
        else:
            if (val < self._n_h).any():
                h = int(np.flatnonzero(val < self._n_h)[0])
                raise DesignError(f"fpc column {fpc!r}: stratum {_py(self._strata_labels[h])!r} has "
                                  f"{int(self._n_h[h])} sampled PSUs but a population of {val[h]:g}.")
            f = (val - self._n_h) / val
        return f

    def _degf(self, rows: np.ndarray) -> int:
        """R ``degf()``: PSUs minus strata among ``rows`` (bool)."""
        if not rows.any():
            return 0
        psus = np.unique(self._psu[rows])
        return int(len(psus) - len(np.unique(self._stratum_of_psu[psus])))

    def __repr__(self) -> str:
        sub = "" if self._mask.all() else f", subset={int(self._mask.sum())}"
        return (f"{type(self).__name__}(n={len(self.data)}, strata={self._n_strata}, "
                f"psu={self._n_psu}, df={self.df}, lonely_psu={self.lonely_psu!r}{sub})")

    # ------------------------------------------------------------------ basics
    @property
    def df(self) -> int:
        """Design degrees of freedom of the (subset) design, as R ``degf()``."""
        return self._degf(self._mask & (self._w > 0))

    @property
    def n(self) -> int:
        """Rows in the (subset) design."""
        return int(self._mask.sum())

    @property
    def mask(self) -> np.ndarray:
        """Boolean array over ``data``: True for rows inside the (subset) design.

        Rows outside keep their place in the design (they contribute zeros to
        the variance), exactly as R ``subset()`` on a survey design.
        """
        return self._mask.copy()

    def _copy(self) -> "SurveyDesign":
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def subset(self, mask_or_query) -> "SurveyDesign":
        """Restrict estimation to a domain, keeping the whole design (R ``subset()``).

        Rows outside the domain stay in the design with zero contributions, so
        the variance still uses every PSU of every stratum.

        Parameters
        ----------
        mask_or_query : str or array_like of bool
            A :meth:`pandas.DataFrame.eval` expression or a boolean mask with one
            value per row of the data, in row order (a Series is used by
            position, not by index). Missing values count as False.

        Returns
        -------
        SurveyDesign

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 1, 1], "y": [1, 2, 3, 4],
        ...                    "g": ["a", "a", "b", "b"]})
        >>> des = SurveyDesign(df, weight="w", psu="psu")
        >>> float(des.subset("g == 'a'").mean("y").estimate[0])
        1.5
        """
        if isinstance(mask_or_query, str):
            try:
                m = self.data.eval(mask_or_query)
            except Exception as exc:  # pandas raises many types here
                raise DesignError(f"could not evaluate subset query {mask_or_query!r}: {exc}") from exc
        else:
            m = mask_or_query
        m = pd.Series(m).to_numpy(dtype=object) if not isinstance(m, np.ndarray) else m
        if len(m) != len(self.data):
            raise DesignError(f"subset mask has {len(m)} values, the data has {len(self.data)} rows.")
        m = pd.array(m, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        new = self._copy()
        new._mask = self._mask & m
        return new

    # ------------------------------------------------------------------ outcomes
    def _outcomes(self, variables, categorical: bool = False) -> list[_Outcome]:
        variables = _as_list(variables)
        if not variables:
            raise DesignError("give at least one outcome variable")
        _check_columns(self.data, variables, "outcome")
        out: list[_Outcome] = []
        for v in variables:
            col = self.data[v]
            numeric = pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype)
            if pd.api.types.is_bool_dtype(col):
                numeric = True
            if numeric and not categorical:
                y = col.to_numpy(dtype=float, na_value=np.nan)
                vals = y[self._mask & ~np.isnan(y)]
                out.append(_Outcome(v, None, y, bool(np.all((vals == 0.0) | (vals == 1.0)))))
                continue
            sub = col[self._mask]
            if isinstance(col.dtype, pd.CategoricalDtype):
                present = set(sub.dropna().unique())
                levels = [x for x in col.cat.categories if x in present]
            else:
                levels = sorted(sub.dropna().unique().tolist())
            miss = col.isna().to_numpy()
            for lev in levels:
                y = (col == lev).to_numpy(dtype=float, na_value=0.0)
                y[miss] = np.nan
                out.append(_Outcome(v, lev, y, True))
            if not levels:
                out.append(_Outcome(v, None, np.full(len(col), np.nan), True))
        return out

    def _domains(self, by) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
        by = _as_list(by)
        _check_columns(self.data, by, "by variable")
        codes, keys = agg.domain_codes(self.data, by, self._mask)
        return codes, keys, by

    # ------------------------------------------------------------------ engine
    def _linearise(self, outcomes: list[_Outcome], by, kind: str, *, df_rule="domain",
                   full_cov: bool = False, den: list[_Outcome] | None = None) -> _Linear:
        """Estimates and variances for ``kind`` in {"mean", "total", "ratio"}.

        The estimate ``j`` in domain ``d`` is ``f(S_a[d, j], S_b[d, j])`` with
        ``S_a``, ``S_b`` domain sums of ``w * a_j`` and ``w * b_j``: ``a_j`` the
        outcome (0 outside the domain or where missing), ``b_j`` the domain
        indicator (mean, total) or the denominator (ratio).
        """
        dom, keys, _ = self._domains(by)
        D, m = len(keys), len(outcomes)
        cols = _Columns(outcomes, den, dom >= 0, kind)

        def f(S):  # S (..., D, 2m) -> (..., D, m)
            a, b = S[..., :m], S[..., m:]
            with np.errstate(divide="ignore", invalid="ignore"):
                return a if kind == "total" else a / b

        def grad(S):  # derivatives wrt (a, b), each (D, m)
            a, b = S[:, :m], S[:, m:]
            with np.errstate(divide="ignore", invalid="ignore"):
                if kind == "total":
                    return np.ones_like(a), np.zeros_like(a)
                return 1.0 / b, -a / b**2

        res = self._variance(cols, f, grad, dom, D, m, full_cov, df_rule, kind)
        res.keys, res.outcomes = keys, outcomes
        return res

    def _variance(self, cols, f, grad, dom, D, m, full_cov, df_rule, kind) -> _Linear:
        w = self._w
        U = self._n_psu
        wpos = w > 0
        moments = kind != "ratio"
        # one grouped pass over the rows: 5m (ratio: 4m) columns, streamed one at a time
        stream = [lambda j: w * cols.a(j), lambda j: w * cols.b(j),
                  lambda j: cols.ok(j).astype(float), lambda j: (cols.ok(j) & wpos).astype(float)]
        if moments:
            stream.append(lambda j: w * cols.a(j) ** 2)
        T = agg.psu_totals((g(j) for g in stream for j in range(m)), dom, D, self._psu, U,
                           k=len(stream) * m)
        c = 2 * m
        Tx, Tn, Tp = T[:, :, :c], T[:, :, c:c + m], T[:, :, c + m:c + 2 * m]
        S = Tx.sum(axis=1)
        est = f(S)
        ga, gb = grad(S)
        # influence PSU totals: Z[u, d, j] (empty domains: inf * 0 -> set to 0 below)
        with np.errstate(invalid="ignore"):
            Z = ga[:, None, :] * Tx[:, :, :m] + gb[:, None, :] * Tx[:, :, m:2 * m]
        Z = np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0)
        Zf = Z.transpose(1, 0, 2).reshape(U, D * m)
        # strata holding domain rows (for lonely_psu="average")
        present = None
        if self.lonely_psu == "average":
            pres = np.zeros((self._n_strata, D, m))
            np.add.at(pres, self._stratum_of_psu, Tn.transpose(1, 0, 2))
            present = pres.reshape(self._n_strata, D * m) > 0
        V = stratified_variance(Zf, self._stratum_of_psu, self._n_h, self._f_h,
                                self.lonely_psu, present, full=full_cov)
        var = (np.diag(V) if full_cov else V).reshape(D, m)
        n = Tn.sum(axis=1)
        npos = Tp.sum(axis=1)
        # degrees of freedom
        if df_rule == "domain":
            psu_has = Tp > 0                                     # (D, U, m)
            n_psu = psu_has.sum(axis=1)
            st = np.zeros((self._n_strata, D, m))
            np.add.at(st, self._stratum_of_psu, psu_has.transpose(1, 0, 2).astype(float))
            df = (n_psu - (st > 0).sum(axis=0)).astype(float)
        elif df_rule == "design":
            df = np.full((D, m), float(self.df))
        else:
            df = np.full((D, m), float(df_rule))
        var = np.where(n > 0, var, np.nan)
        est = np.where(n > 0, est, np.nan)
        s2, deff = self._deff(T, S, c, m, est, var, npos, kind, moments)
        return _Linear(None, None, est, var, V if full_cov else None, n, npos, df, deff, s2)

    def _deff(self, T, S, c, m, est, var, npos, kind, have_moments):
        if not have_moments:
            nanm = np.full(est.shape, np.nan)
            return nanm, nanm
        Syy = T[:, :, c + 2 * m:c + 3 * m].sum(axis=1)
        Sw = S[:, m:2 * m]
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = S[:, :m] / Sw
            s2 = (Syy / Sw - mu**2) * npos / (npos - 1)
            if kind == "total":
                vsrs = s2 * Sw**2 * (Sw - npos) / (Sw * npos)
                s2 = s2 * Sw**2          # so that n_eff = s2 / Var for totals too
            else:
                vsrs = s2 * (Sw - npos) / (Sw * npos)
            deff = var / vsrs
        return s2, deff

    # ------------------------------------------------------------------ table
    def _table(self, lin: _Linear, ci: str, level: float | None, reliability, by_cols,
               estimate_kind: str) -> pd.DataFrame:
        level = self.level if level is None else level
        reliability = self.reliability if reliability == "design" else reliability
        D, m = lin.est.shape
        est, se = lin.est.ravel(), np.sqrt(lin.var).ravel()
        n, df = lin.n.ravel(), lin.df.ravel()
        is_prop = np.tile([o.is_prop for o in lin.outcomes], D)
        if ci not in _CI_CHOICES:
            raise DesignError(f"ci={ci!r} is not one of {_CI_CHOICES}")
        if ci in PROPORTION_METHODS:
            if estimate_kind != "mean" or not all(o.is_prop for o in lin.outcomes):
                bad = [o.variable for o in lin.outcomes if not o.is_prop]
                raise DesignError(
                    f"ci={ci!r} is a proportion interval but outcome(s) {sorted(set(bad)) or '(ratio/total)'} "
                    "are not 0/1 proportions; recode them to 0/1 or use ci='t'.")
            lo, hi = proportion_ci(est, se, df, n, method=ci, level=level)
        else:
            lo, hi = mean_ci(est, se, np.inf if ci == "normal" else df, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se / est
            s2 = np.where(is_prop & (estimate_kind == "mean"), est * (1 - est), lin.s2.ravel())
            n_eff = s2 / se**2
        empty = n == 0
        suppressed, flags = apply_rule(reliability, est, se, n, df, is_prop & (estimate_kind == "mean"),
                                       empty, level)
        keys = lin.keys.loc[lin.keys.index.repeat(m)].reset_index(drop=True) if by_cols else \
            pd.DataFrame(index=range(D * m))
        out = keys.copy()
        out["variable"] = [o.variable for o in lin.outcomes] * D
        if any(o.level is not None for o in lin.outcomes):
            out["level"] = [("" if o.level is None else o.level) for o in lin.outcomes] * D
        out["estimate"] = est
        out["se"] = se
        out["ci_low"] = lo
        out["ci_high"] = hi
        out["cv"] = cv
        out["deff"] = lin.deff.ravel()
        out["n"] = n.astype(np.int64)
        out["n_eff"] = n_eff
        out["df"] = df
        out["suppressed"] = suppressed
        out["flags"] = flags
        return out

    def _finish(self, out, lin, return_cov):
        if not return_cov:
            return out
        cov = pd.DataFrame(lin.cov, index=out.index, columns=out.index)
        return out, cov

    # ------------------------------------------------------------------ public estimators
    def mean(self, variables, by=None, *, ci: str = "t", level: float | None = None,
             df="domain", reliability="design", return_cov: bool = False):
        """Weighted mean(s) with design-based SEs, for all domains at once.

        Parameters
        ----------
        variables : str or list of str
            Outcome column(s). Numeric columns give one row each (a 0/1 column is
            a proportion); text / categorical columns give one row per level
            (``level`` column). Missing outcomes leave the domain, not the design.
        by : str or list of str, optional
            Domain columns (R ``svyby``). Rows with a missing ``by`` value belong
            to no domain but stay in the design.
        ci : {"t", "normal", "wald", "logit", "xlogit", "beta", "korn_graubard"}
            Interval: ``"t"`` (estimate -/+ t_df SE, the default), ``"normal"``,
            or a proportion method of :func:`drugtrends.survey.ci.proportion_ci`
            (outcomes must be 0/1 or categorical, else DesignError).
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule (see the module docstring).
        reliability : {"design", "nchs", "nsduh", None}
            Suppression rule; ``"design"`` uses the design's default.
        return_cov : bool
            Also return the covariance matrix of all estimates (DataFrame indexed
            like the result), for contrasts.

        Returns
        -------
        DataFrame
            ``by`` columns, ``variable``, (``level``), ``estimate``, ``se``,
            ``ci_low``, ``ci_high``, ``cv``, ``deff``, ``n``, ``n_eff``, ``df``,
            ``suppressed``, ``flags``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
        ...                    "g": list("abababab")})
        >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
        >>> des.mean("y", by="g")[["g", "estimate", "se", "n"]].round(4)   # R svyby: SE 0.3239, 0
           g  estimate      se  n
        0  a    0.6667  0.3239  4
        1  b    0.6667  0.0000  4
        """
        outs = self._outcomes(variables)
        lin = self._linearise(outs, by, "mean", df_rule=df, full_cov=return_cov)
        out = self._table(lin, ci, level, reliability, _as_list(by), "mean")
        return self._finish(out, lin, return_cov)

    def proportion(self, variable, by=None, *, ci: str = "logit", level: float | None = None,
                   df="domain", reliability="design", return_cov: bool = False):
        """Proportions of each level of a categorical variable.

        Like :meth:`mean` with the variable treated as categorical (also when
        numeric); the default interval is R ``svyciprop``'s logit interval.

        Parameters
        ----------
        variable : str or list of str
            Column(s) whose levels are counted; each level gives one row
            (``level`` column). Missing values leave the domain, not the design.
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"logit", "xlogit", "beta", "korn_graubard", "wald", "t", "normal"}
            Interval; default ``"logit"`` (see
            :func:`drugtrends.survey.ci.proportion_ci`).
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        reliability : {"design", "nchs", "nsduh", None}
            Suppression rule; ``"design"`` uses the design's default.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            The columns of :meth:`mean` (``by`` columns, ``variable``,
            ``level``, ``estimate`` = proportion, ``se``, ``ci_low``,
            ``ci_high``, ``cv``, ``deff``, ``n``, ``n_eff``, ``df``,
            ``suppressed``, ``flags``); with ``return_cov=True`` also the
            covariance matrix indexed like the table.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "r": list("aabbbc")})
        >>> SurveyDesign(df, weight="w", psu="psu").proportion("r")[["level", "estimate"]]
          level  estimate
        0     a  0.333333
        1     b  0.500000
        2     c  0.166667
        """
        outs = self._outcomes(variable, categorical=True)
        lin = self._linearise(outs, by, "mean", df_rule=df, full_cov=return_cov)
        out = self._table(lin, ci, level, reliability, _as_list(by), "mean")
        return self._finish(out, lin, return_cov)

    def prop_ci(self, variables, by=None, *, method: str = "logit", level: float | None = None,
                df="domain", reliability="design"):
        """Proportion(s) of 0/1 outcomes with a proportion CI (R ``svyciprop``).

        Same as ``mean(variables, by, ci=method, ...)``.

        Parameters
        ----------
        variables : str or list of str
            0/1 outcome column(s) (or categorical columns, one row per level);
            another numeric column raises :class:`~drugtrends.errors.DesignError`.
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        method : {"logit", "xlogit", "beta", "korn_graubard", "wald", "t", "normal"}
            Interval method of :func:`drugtrends.survey.ci.proportion_ci`
            (default ``"logit"``, R ``svyciprop``'s default).
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        reliability : {"design", "nchs", "nsduh", None}
            Suppression rule; ``"design"`` uses the design's default.

        Returns
        -------
        DataFrame
            The columns of :meth:`mean`, with ``ci_low``/``ci_high`` from
            ``method``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [0, 0, 1, 0, 1, 0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").prop_ci("y", method="beta")
        >>> round(float(r.estimate[0]), 4), round(float(r.ci_low[0]), 4)   # R: 0.03124263
        (0.3333, 0.0312)
        """
        return self.mean(variables, by, ci=method, level=level, df=df, reliability=reliability)

    def total(self, variables, by=None, *, ci: str = "t", level: float | None = None,
              df="domain", reliability=None, return_cov: bool = False):
        """Weighted total(s) (R ``svytotal``), same columns as :meth:`mean`.

        Parameters
        ----------
        variables : str or list of str
            Outcome column(s), as :meth:`mean` (text columns give one total
            per level).
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"t", "normal"}
            ``estimate -/+ t_df SE`` (default) or the normal quantile; other
            values raise :class:`~drugtrends.errors.DesignError`.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        reliability : {"design", "nchs", "nsduh", None}, default None
            Suppression rule; by default nothing is suppressed.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            ``by`` columns, ``variable``, (``level``), ``estimate`` (weighted
            total), ``se``, ``ci_low``, ``ci_high``, ``cv``, ``deff``, ``n``,
            ``n_eff``, ``df``, ``suppressed``, ``flags``; with
            ``return_cov=True`` also the covariance matrix.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(4), "w": [10.0] * 4, "y": [0, 1, 1, 0]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").total("y")
        >>> float(r.estimate[0]), round(float(r.se[0]), 4)
        (20.0, 11.547)
        """
        outs = self._outcomes(variables)
        lin = self._linearise(outs, by, "total", df_rule=df, full_cov=return_cov)
        out = self._table(lin, _t_or_normal(ci, "total"), level, reliability, _as_list(by), "total")
        return self._finish(out, lin, return_cov)

    def ratio(self, numerator, denominator, by=None, *, ci: str = "t", level: float | None = None,
              df="domain", return_cov: bool = False):
        """Ratio(s) of totals ``sum(w num) / sum(w den)`` (R ``svyratio``).

        Rows where the numerator or the denominator is missing leave the domain.
        ``deff`` is NaN for ratios.

        Parameters
        ----------
        numerator : str or list of str
            Numerator column(s).
        denominator : str or list of str
            One denominator column for all numerators, or one per numerator
            (else :class:`~drugtrends.errors.DesignError`).
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        ci : {"t", "normal"}
            Interval, as :meth:`total`.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.
        return_cov : bool, default False
            Also return the covariance matrix of all estimates.

        Returns
        -------
        DataFrame or (DataFrame, DataFrame)
            The columns of :meth:`mean` with a ``denominator`` column after
            ``variable``; no suppression rule is applied. With
            ``return_cov=True`` also the covariance matrix.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(4), "w": [1.0] * 4, "a": [1, 2, 3, 4], "b": [2, 2, 2, 2]})
        >>> float(SurveyDesign(df, weight="w", psu="psu").ratio("a", "b").estimate[0])
        1.25
        """
        nums = self._outcomes(numerator)
        dens = self._outcomes(denominator)
        if len(dens) == 1 and len(nums) > 1:
            dens = dens * len(nums)
        if len(dens) != len(nums):
            raise DesignError("give one denominator, or one per numerator")
        for o in nums:
            o.is_prop = False
        lin = self._linearise(nums, by, "ratio", df_rule=df, full_cov=return_cov, den=dens)
        out = self._table(lin, _t_or_normal(ci, "ratio"), level, None, _as_list(by), "ratio")
        out.insert(out.columns.get_loc("variable") + 1, "denominator", [d.variable for d in dens] * len(lin.keys))
        return self._finish(out, lin, return_cov)

    def quantile(self, variable, q=(0.5,), by=None, *, level: float | None = None, df="domain"):
        """Quantiles with Woodruff intervals (R ``svyquantile``, ``qrule="math"``,
        ``interval.type="mean"``).

        The interval for the CDF at the estimated quantile is ``F -/+ t_df SE(F)``
        (SE from the design, domain rows only), mapped back through the
        weighted quantile function; ``se = (high - low) / (2 t_df)``.

        Parameters
        ----------
        variable : str or list of str
            Numeric outcome column(s); missing values leave the domain.
        q : float or sequence of float, default (0.5,)
            Quantile probabilities in [0, 1].
        by : str or list of str, optional
            Domain columns, as :meth:`mean`.
        level : float, optional
            Confidence level (design default 0.95).
        df : {"domain", "design"} or float
            Degrees of freedom rule, as :meth:`mean`.

        Returns
        -------
        DataFrame with ``by`` columns, ``variable``, ``prob`` (the quantile probability), ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``n``, ``df``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "x": [5, 1, 4, 2, 8, 7, 3, 6]})
        >>> SurveyDesign(df, weight="w", psu="psu").quantile("x", q=[0.5]).estimate.tolist()
        [4.0]
        """
        level = self.level if level is None else level
        qs = [float(x) for x in _as_list(q)]
        dom, keys, by_cols = self._domains(by)
        D, Q = len(keys), len(qs)
        frames = []
        for var in _as_list(variable):
            _check_columns(self.data, [var], "outcome")
            col = self.data[var]
            if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                raise DesignError(f"quantile() needs a numeric outcome; {var!r} is {col.dtype}.")
            x = col.to_numpy(dtype=float, na_value=np.nan)
            ok = (dom >= 0) & ~np.isnan(x)
            # sort once by (domain, x): each domain is a contiguous, sorted slice
            idx = np.flatnonzero(ok)
            idx = idx[np.lexsort((x[idx], dom[idx]))]
            bounds = np.searchsorted(dom[idx], np.arange(D + 1))
            slices = [(x[idx[bounds[d]:bounds[d + 1]]], self._w[idx[bounds[d]:bounds[d + 1]]])
                      for d in range(D)]
            qhat = np.array([[_qrule_sorted(xs, ws, p) for p in qs] for xs, ws in slices]).reshape(D, Q)
            # CDF at the quantile: one linearisation pass for all domains and probabilities
            row_q = np.where(ok[:, None], qhat[np.where(dom >= 0, dom, 0)], np.nan)
            outs = [_Outcome(var, p, np.where(ok, x <= row_q[:, k], np.nan), True)
                    for k, p in enumerate(qs)]
            lin = self._linearise(outs, by, "mean", df_rule=df)
            dfv = lin.df
            if df == "domain" and not self._is_replicate:
                # R: degf() of the subset design (rows with a non-missing outcome)
                dfv = np.repeat(lin.df[:, :1], Q, axis=1)
            tq = t_quantile(level, dfv)
            se_f = np.sqrt(lin.var)
            plo, phi = lin.est - tq * se_f, lin.est + tq * se_f
            lo = np.full((D, Q), np.nan)
            hi = np.full((D, Q), np.nan)
            for d, (xs, ws) in enumerate(slices):
                for k in range(Q):
                    if xs.size and np.isfinite(plo[d, k]) and plo[d, k] >= 0:
                        lo[d, k] = _qrule_sorted(xs, ws, plo[d, k])
                    if xs.size and np.isfinite(phi[d, k]) and phi[d, k] <= 1:
                        hi[d, k] = _qrule_sorted(xs, ws, phi[d, k])
            fr = (keys.loc[keys.index.repeat(Q)].reset_index(drop=True) if by_cols
                  else pd.DataFrame(index=range(D * Q)))
            fr["variable"] = var
            fr["prob"] = qs * D
            fr["estimate"] = np.where(lin.n.ravel() > 0, qhat.ravel(), np.nan)
            fr["se"] = ((hi - lo) / (2 * tq)).ravel()
            fr["ci_low"], fr["ci_high"] = lo.ravel(), hi.ravel()
            fr["n"] = lin.n.ravel().astype(np.int64)
            fr["df"] = dfv.ravel()
            frames.append(fr)
        return pd.concat(frames, ignore_index=True)

    # ------------------------------------------------------------------ other analyses
    def glm(self, formula: str, family: str = "gaussian"):
        """Design-based generalised linear model (R ``svyglm``); see :mod:`drugtrends.survey.glm`.

        Parameters
        ----------
        formula : str
            Patsy formula, e.g. ``"y ~ x + g"``; text and categorical columns
            are dummy-coded against their first level.
        family : str, default "gaussian"
            One of :data:`drugtrends.survey.glm.FAMILIES`.

        Returns
        -------
        drugtrends.survey.glm.SvyGLMResult
            Coefficient table (``coef``), covariance (``cov``), residual df
            and rows used.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "x": [0, 1, 2, 3, 4, 5],
        ...                    "y": [1.0, 2.9, 5.1, 7.0, 9.2, 10.8]})
        >>> fit = SurveyDesign(df, weight="w", psu="psu").glm("y ~ x")
        >>> fit.coef.term.tolist()
        ['(Intercept)', 'x']
        """
        from .glm import svyglm
        return svyglm(self, formula, family)

    def chisq(self, row: str, col: str, statistic: str = "F"):
        """Rao-Scott test of independence of a two-way table (R ``svychisq``).

        See :func:`drugtrends.survey.chisq.svychisq`.

        Parameters
        ----------
        row, col : str
            The two categorical columns.
        statistic : {"F", "Chisq"}, default "F"
            Second-order Rao-Scott F test or first-order corrected chi-square.

        Returns
        -------
        dict
            ``statistic``, ``value``, ``ndf`` and ``ddf`` (F) or ``df``
            (Chisq), ``p``, ``pearson``, ``adjusted_chisq``, ``delta_mean``,
            ``table`` (weighted cell proportions).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(8), "w": [1.0] * 8, "a": list("xxyyxxyy"),
        ...                    "b": list("uvuvuuvv")})
        >>> r = SurveyDesign(df, weight="w", psu="psu").chisq("a", "b")
        >>> round(r["value"], 4), r["ndf"], r["ddf"], round(r["p"], 4)   # R: F = 1.75, ndf = 1, ddf = 7
        (1.75, 1.0, 7.0, 0.2275)
        """
        from .chisq import svychisq
        return svychisq(self, row, col, statistic)

    def contrast(self, variable, by, coef, **kw):
        """Linear combination of domain means (R ``svycontrast`` on ``svyby``);
        see :func:`drugtrends.survey.contrast.contrast`.

        Parameters
        ----------
        variable : str
            Numeric outcome (0/1 for a proportion).
        by : str or list of str
            Domain columns.
        coef : dict or sequence
            Coefficients by domain: a dict keyed by domain value (tuple for
            several ``by`` columns; missing domains get 0), or one per domain
            in domain order.
        **kw
            ``level`` and ``ci_df`` of :func:`drugtrends.survey.contrast.contrast`.

        Returns
        -------
        DataFrame
            One row: ``variable``, ``estimate``, ``se``, ``t``, ``df``, ``p``,
            ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [1, 0, 1, 1, 1, 0],
        ...                    "g": list("aaabbb")})
        >>> r = SurveyDesign(df, weight="w", psu="psu").contrast("y", "g", {"b": 1, "a": -1})
        >>> round(float(r.estimate[0]), 6)
        0.0
        """
        from .contrast import contrast
        return contrast(self, variable, by, coef, **kw)

    def difference(self, variable, between, by=None, **kw):
        """Difference (and relative change) between two levels of ``between``;
        see :func:`drugtrends.survey.contrast.difference`.

        Parameters
        ----------
        variable : str
            Numeric outcome (0/1 for a proportion).
        between : str
            Column whose two levels are compared (``to - from``).
        by : str or list of str, optional
            Further grouping (one difference per group).
        **kw
            ``levels`` (the two levels; default first and last present),
            ``level`` and ``ci_df`` of
            :func:`drugtrends.survey.contrast.difference`.

        Returns
        -------
        DataFrame
            ``by`` columns, ``variable``, ``from``, ``to``, ``estimate_from``,
            ``estimate_to``, ``estimate`` (difference), ``se``, ``t``, ``df``,
            ``p``, ``ci_low``, ``ci_high``, ``relative_change``,
            ``relative_se``, ``relative_ci_low``, ``relative_ci_high``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"psu": range(6), "w": [1.0] * 6, "y": [1, 0, 0, 1, 1, 0],
        ...                    "yr": [1, 1, 1, 2, 2, 2]})
        >>> r = SurveyDesign(df, weight="w", psu="psu").difference("y", between="yr")
        >>> round(float(r.estimate[0]), 4)
        0.3333
        """
        from .contrast import difference
        return difference(self, variable, between, by, **kw)

    # ------------------------------------------------------------------ many domain sets, other engines
    def grid(self, variables, by_sets=None, *, kind: str = "mean", ci: str = "t",
             level: float | None = None, df="domain", reliability="design",
             engine: str = "numpy") -> pd.DataFrame:
        """Means (or totals) of many outcomes for many domain sets in one grouped pass.

        The whole prevalence table of a survey (every outcome by year, year x
        sex, year x age group, ...) at once: one pass over the rows builds the
        domain x PSU sums of every domain set, then the linearisation runs on
        those small arrays. See :func:`drugtrends.survey.backends.grid`.

        Parameters
        ----------
        variables : str or list of str
            Numeric outcome columns (0/1 or continuous).
        by_sets : list of (str or list of str)
            Domain sets; ``()`` is the whole population.
        kind : {"mean", "total"}
        ci, level, df, reliability :
            As :meth:`mean`.
        engine : {"numpy", "duckdb"}
            Grouped pass in memory (default) or as one DuckDB ``GROUPING SETS``
            query over the same rows (same results to rounding).

        Returns
        -------
        DataFrame
            ``by_set`` (``"year+sex"``, ``""`` for the whole population), the
            ``by`` columns, then the columns of :meth:`mean`; within a set the
            rows equal ``mean(variables, by=set)``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"st": [1, 1, 1, 1, 2, 2, 2, 2], "psu": [1, 1, 2, 2, 1, 1, 2, 2],
        ...                    "w": [1.0, 2, 1, 2, 1, 1, 3, 1], "y": [0, 1, 1, 1, 0, 0, 1, 0],
        ...                    "g": list("abababab")})
        >>> des = SurveyDesign(df, weight="w", strata="st", psu="psu")
        >>> des.grid("y", [(), "g"])[["by_set", "g", "estimate", "se"]].round(4)
          by_set    g  estimate      se
        0         NaN    0.6667  0.1620
        1      g    a    0.6667  0.3239
        2      g    b    0.6667  0.0000
        """
        from .backends import grid
        return grid(self, variables, by_sets, kind=kind, ci=ci, level=level, df=df,
                    reliability=reliability, engine=engine)

    @classmethod
    def from_parquet(cls, path, weight: str, strata: str | None = None, psu: str | None = None, *,
                     fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
                     level: float = 0.95, connection=None):
        """A design over Parquet file(s), computed by DuckDB without loading the rows.

        Parameters
        ----------
        path : str, Path, list of paths, glob or directory
            Parquet file(s); a directory is read recursively (``**/*.parquet``).
        weight, strata, psu, fpc, lonely_psu, reliability, level :
            As :class:`SurveyDesign` (``psu`` is required).
        connection : duckdb.DuckDBPyConnection, optional
            Connection to run on (e.g. with ``SET memory_limit``).

        Returns
        -------
        drugtrends.survey.backends.RelationDesign
            Supports ``mean``, ``total``, ``prop_ci`` and ``grid``; ``to_pandas()``
            for the rest.

        Examples
        --------
        >>> import pandas as pd, tempfile, os
        >>> df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
        >>> path = os.path.join(tempfile.mkdtemp(), "s.parquet"); df.to_parquet(path)
        >>> float(SurveyDesign.from_parquet(path, weight="w", psu="psu").mean("y").estimate[0])
        0.5
        """
        from .backends import DuckDBEngine, RelationDesign
        return RelationDesign(DuckDBEngine.for_data(path, connection), weight, strata, psu, fpc=fpc,
                              lonely_psu=lonely_psu, reliability=reliability, level=level)

    @classmethod
    def from_arrow(cls, table, weight: str, strata: str | None = None, psu: str | None = None, *,
                   fpc: str | None = None, lonely_psu: str = "fail", reliability: str | None = None,
                   level: float = 0.95, connection=None):
        """A design over a pyarrow Table (or a pandas DataFrame) scanned in place by DuckDB.

        Parameters
        ----------
        table : pyarrow.Table or DataFrame
            The rows, one per respondent.
        weight, strata, psu, fpc, lonely_psu, reliability, level :
            As :class:`SurveyDesign` (``psu`` is required).
        connection : duckdb.DuckDBPyConnection, optional
            Connection to run on (a new in-memory one by default).

        Returns
        -------
        drugtrends.survey.backends.RelationDesign
            As :meth:`from_parquet`.

        Examples
        --------
        >>> import pyarrow as pa
        >>> t = pa.table({"psu": [1, 2, 3, 4], "w": [1.0, 1, 2, 2], "y": [0, 1, 1, 0]})
        >>> float(SurveyDesign.from_arrow(t, weight="w", psu="psu").mean("y").estimate[0])
        0.5
        """
        from .backends import DuckDBEngine, RelationDesign
        return RelationDesign(DuckDBEngine.for_data(table, connection), weight, strata, psu, fpc=fpc,
                              lonely_psu=lonely_psu, reliability=reliability, level=level)

    @classmethod
    def from_duckdb(cls, relation, weight: str, strata: str | None = None, psu: str | None = None, *,
                    connection, fpc: str | None = None, lonely_psu: str = "fail",
                    reliability: str | None = None, level: float = 0.95):
        """A design over a DuckDB relation (table, view or query) on ``connection``.

        Parameters
        ----------
        relation : duckdb.DuckDBPyRelation
            The rows, one per respondent.
        weight, strata, psu :
            As :class:`SurveyDesign` (``psu`` is required).
        connection : duckdb.DuckDBPyConnection
            The connection the relation belongs to (keyword-only, required).
        fpc, lonely_psu, reliability, level :
            As :class:`SurveyDesign`.

        Returns
        -------
        drugtrends.survey.backends.RelationDesign
            As :meth:`from_parquet`.

        Examples
        --------
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> rel = con.sql("SELECT i AS psu, 1.0 AS w, i % 2 AS y FROM range(1, 5) t(i)")
        >>> float(SurveyDesign.from_duckdb(rel, "w", psu="psu", connection=con).mean("y").estimate[0])
        0.5
        """
        from .backends import DuckDBEngine, RelationDesign
        return RelationDesign(DuckDBEngine.for_data(relation, connection), weight, strata, psu, fpc=fpc,
                              lonely_psu=lonely_psu, reliability=reliability, level=level)

    # ------------------------------------------------------------------ replicate designs
    def to_replicate(self, method: str = "JKn", mse: bool = False) -> "ReplicateDesign":
        """Jackknife replicate weights built from this design (R ``as.svrepdesign``).

        ``"JKn"``: one replicate per PSU; the PSU's weights are set to 0, the
        other PSUs of its stratum are multiplied by ``n_h/(n_h-1)``;
        ``rscales = (n_h-1)/n_h`` (times the FPC factor), ``scale = 1``.
        ``"JK1"`` (no strata): delete one PSU at a time, others times
        ``n/(n-1)``, ``scale = (n-1)/n``.

        Parameters
        ----------
        method : {"JKn", "JK1"}, default "JKn"
            Jackknife type; ``"JK1"`` only for designs without strata. Every
            stratum needs at least two PSUs.
        mse : bool, default False
            Centre the replicate variance at the full-sample estimate (True)
            or at the mean of the replicates (False, R's default).

        Returns
        -------
        ReplicateDesign
            One replicate weight column per PSU (``__rep0``, ...); the data,
            domain mask, reliability rule and level of this design carried over.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"st": [1, 1, 2, 2], "psu": [1, 2, 1, 2], "w": [1.0] * 4,
        ...                    "y": [1.0, 2, 3, 5]})
        >>> rep = SurveyDesign(df, "w", "st", "psu").to_replicate("JKn")
        >>> round(float(rep.mean("y").se[0]), 4)
        0.559
        """
        if method not in ("JKn", "JK1"):
            raise DesignError(f"to_replicate(method={method!r}): use 'JKn' or 'JK1'")
        if (self._n_h < 2).any():
            h = int(np.flatnonzero(self._n_h < 2)[0])
            raise DesignError(f"stratum {_py(self._strata_labels[h])!r} has one PSU: a jackknife "
                              "replicate cannot be formed; collapse strata first.")
        if method == "JK1" and self._n_strata > 1:
            raise DesignError("JK1 replicates are for unstratified designs; use method='JKn'.")
        U = self._n_psu
        st_row = self._stratum_of_psu[self._psu]
        nh = self._n_h[st_row]
        W = np.empty((len(self.data), U))
        for u in range(U):
            factor = np.where(st_row == self._stratum_of_psu[u], nh / (nh - 1), 1.0)
            factor[self._psu == u] = 0.0
            W[:, u] = self._w * factor
        cols = [f"__rep{u}" for u in range(U)]
        data = pd.concat([self.data[[self.weight]].reset_index(drop=True),
                          pd.DataFrame(W, columns=cols)], axis=1)
        nh_u = self._n_h[self._stratum_of_psu]
        if method == "JKn":
            rscales = (nh_u - 1) / nh_u * self._f_h[self._stratum_of_psu]
            rep = ReplicateDesign(data, self.weight, cols, "JKn", rscales=rscales, mse=mse,
                                  reliability=self.reliability, level=self.level)
        else:
            rep = ReplicateDesign(data, self.weight, cols, "JK1", scale=(U - 1) / U, mse=mse,
                                  reliability=self.reliability, level=self.level)
        rep.data = self.data
        rep._mask = self._mask.copy()
        return rep

    @classmethod
    def replicate(cls, data: pd.DataFrame, weight: str, rep_weights, method: str = "BRR", *,
                  rho: float | None = None, scale: float | None = None, rscales=None,
                  mse: bool = False, reliability: str | None = None,
                  level: float = 0.95) -> "ReplicateDesign":
        """A replicate-weight design (R ``svrepdesign``, combined weights).

        Parameters
        ----------
        data : DataFrame
        weight : str
            Full-sample weight column.
        rep_weights : str or list of str
            Replicate weight columns, or a prefix (every column starting with it).
        method : {"BRR", "Fay", "JK1", "JKn", "bootstrap"}
            Variance multipliers as R: BRR ``1/R``; Fay ``1/(R (1-rho)^2)``;
            JK1 ``(R-1)/R`` unless ``scale`` is given; JKn ``scale=1`` with
            ``rscales`` required; bootstrap ``1/(R-1)``.
        rho : float
            Fay coefficient (required for Fay).
        scale, rscales :
            Override the overall multiplier / per-replicate multipliers.
        mse : bool
            Centre at the full-sample estimate (True) or the replicate mean
            (False, R's default).

        Returns
        -------
        ReplicateDesign

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"w": [1.0, 1, 1, 1], "y": [1.0, 2, 3, 4],
        ...                    "r1": [2.0, 0, 1, 1], "r2": [0.0, 2, 1, 1],
        ...                    "r3": [1.0, 1, 2, 0], "r4": [1.0, 1, 0, 2]})
        >>> des = SurveyDesign.replicate(df, "w", "r", method="JK1")   # scale (R-1)/R = 3/4
        >>> round(float(des.mean("y").se[0]), 4)   # R svrepdesign(type="JK1", scale=3/4): 0.4330127
        0.433
        """
        return ReplicateDesign(data, weight, rep_weights, method, rho=rho, scale=scale,
                               rscales=rscales, mse=mse, reliability=reliability, level=level)


def _t_or_normal(ci: str, what: str) -> str:
    if ci not in ("t", "normal"):
        raise DesignError(f"ci={ci!r}: a {what} takes ci='t' or ci='normal' "
                          "(proportion intervals are for means of 0/1 outcomes).")
    return ci


def _qrule_sorted(xs: np.ndarray, ws: np.ndarray, p: float) -> float:
    """R ``survey:::qrule_math`` on values sorted ascending: the lower weighted
    quantile, no interpolation (zero weights ignored)."""
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


# --------------------------------------------------------------------------- replicate design
class ReplicateDesign(SurveyDesign):
    """Replicate-weight design; same estimators as :class:`SurveyDesign`
    (mean, total, ratio, proportion, prop_ci, subset, contrasts).

    ``df`` is R's ``degf()`` for replicate designs: the rank of the replicate
    weight matrix minus 1, for every domain. Design effects follow R's
    ``svymean.svyrep.design``: ``Vsrs = s^2 (N - n) / (N n)`` with ``n`` the rows
    of the domain.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, with the full-sample and replicate weights.
    weight : str
        Full-sample weight column.
    rep_weights : str or list of str
        Replicate weight columns, or a prefix (every column starting with it).
    method : {"BRR", "Fay", "JK1", "JKn", "bootstrap"}, default "BRR"
        Variance multiplier, as :meth:`SurveyDesign.replicate`.
    rho : float, optional
        Fay coefficient (required for ``"Fay"``).
    scale : float, optional
        Overall variance multiplier, overriding the method's.
    rscales : float or array, optional
        Per-replicate multipliers (required for ``"JKn"``).
    mse : bool, default False
        Centre at the full-sample estimate (True) or the replicate mean (False).
    reliability : {None, "nchs", "nsduh"}, default None
        Default suppression rule.
    level : float, default 0.95
        Default confidence level.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 1, 1, 1], "y": [1.0, 2, 3, 4],
    ...                    "r1": [2.0, 2, 0, 0], "r2": [0.0, 0, 2, 2]})
    >>> des = SurveyDesign.replicate(df, "w", ["r1", "r2"], method="BRR")
    >>> float(des.mean("y").se[0])
    1.0
    """

    _is_replicate = True

    def __init__(self, data, weight, rep_weights, method="BRR", *, rho=None, scale=None,
                 rscales=None, mse=False, reliability=None, level=0.95):
        if not isinstance(data, pd.DataFrame):
            raise DesignError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if method not in REPLICATE_METHODS:
            raise DesignError(f"method={method!r} is not one of {REPLICATE_METHODS}")
        _check_columns(data, [weight], "weight column")
        if isinstance(rep_weights, str):
            cols = [c for c in data.columns if str(c).startswith(rep_weights)]
            if not cols:
                raise UnknownVariableError(f"no column starts with the replicate-weight prefix {rep_weights!r}.")
        else:
            cols = list(rep_weights)
            _check_columns(data, cols, "replicate weight column")
        self.data = data
        self.weight, self.strata, self.psu, self.fpc = weight, None, None, None
        self.rep_weights = cols
        self.method = method
        self.lonely_psu = "none"
        self.reliability = reliability
        self.level = level
        self._w = self._check_weights(data, weight)
        W = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(W).any():
            r, c = np.argwhere(np.isnan(W))[0]
            raise DesignError(f"replicate weight {cols[c]!r} is missing at row {data.index[r]!r}.")
        self._W = W
        R = W.shape[1]
        if method == "BRR":
            sc = 1.0 / R
        elif method == "Fay":
            if rho is None:
                raise DesignError("method='Fay' needs rho= (e.g. 0.5 for NHANES III / MEPS).")
            sc = 1.0 / (R * (1 - rho) ** 2)
        elif method == "JK1":
            sc = (R - 1) / R if scale is None else scale
        elif method == "JKn":
            if rscales is None:
                raise DesignError("method='JKn' needs rscales= ((n_h - 1)/n_h for each replicate).")
            sc = 1.0 if scale is None else scale
        else:
            sc = 1.0 / (R - 1) if scale is None else scale
        if scale is not None and method not in ("BRR", "Fay"):
            sc = scale
        self._scale = float(sc)
        self._rscales = np.ones(R) if rscales is None else np.broadcast_to(
            np.asarray(rscales, dtype=float), (R,)).copy()
        self.mse = mse
        self._mask = np.ones(len(data), dtype=bool)
        self._df_design = int(np.linalg.matrix_rank(W) - 1)

    @property
    def df(self) -> int:
        return self._df_design

    def __repr__(self) -> str:
        return (f"ReplicateDesign(n={len(self.data)}, method={self.method!r}, "
                f"replicates={self._W.shape[1]}, df={self._df_design})")

    def _variance(self, cols, f, grad, dom, D, m, full_cov, df_rule, kind) -> _Linear:
        w = self._w
        X = cols.matrix()
        counts = np.column_stack([cols.ok(j) for j in range(m)]
                                 + [cols.ok(j) & (w > 0) for j in range(m)]).astype(float)
        moments = (X[:, :m], None) if kind != "ratio" else None
        S = agg.domain_sums(X * w[:, None], dom, D)
        est = f(S)
        # replicate domain sums: rows sorted by domain once, one small product per domain
        idx = np.flatnonzero(dom >= 0)
        idx = idx[np.argsort(dom[idx], kind="stable")]
        bounds = np.searchsorted(dom[idx], np.arange(D + 1))
        R = self._W.shape[1]
        Sr = np.zeros((R, D, X.shape[1]))
        for d in range(D):
            rows = idx[bounds[d]:bounds[d + 1]]
            Sr[:, d, :] = self._W[rows].T @ X[rows]
        est_r = f(Sr)                                           # (R, D, m)
        V = replicate_variance(est_r.reshape(R, D * m), est.ravel(), self._scale, self._rscales,
                               self.mse, full=full_cov)
        var = (np.diag(V) if full_cov else V).reshape(D, m)
        cnt = agg.domain_sums(counts, dom, D)
        n, npos = cnt[:, :m], cnt[:, m:]
        if df_rule in ("domain", "design"):
            df = np.full((D, m), float(self._df_design))
        else:
            df = np.full((D, m), float(df_rule))
        var = np.where(n > 0, var, np.nan)
        est = np.where(n > 0, est, np.nan)
        if moments is not None:
            Syy = agg.domain_sums(moments[0] ** 2 * w[:, None], dom, D)
            Sw = S[:, m:2 * m]
            with np.errstate(divide="ignore", invalid="ignore"):
                mu = S[:, :m] / Sw
                s2 = (Syy / Sw - mu**2) * n / (n - 1)
                vsrs = s2 * (Sw - n) / (Sw * n)
                if kind == "total":
                    vsrs = vsrs * Sw**2
                    s2 = s2 * Sw**2
                deff = var / vsrs
        else:
            s2 = deff = np.full((D, m), np.nan)
        return _Linear(None, None, est, var, V if full_cov else None, n, npos, df, deff, s2)
