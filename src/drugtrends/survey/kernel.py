"""The one variance kernel: design structure, sufficient statistics, linearisation.

Every design-based estimate of drugtrends (means, proportions, totals, ratios,
the CDF values behind quantiles; in memory, on DuckDB / Arrow / Parquet, on
Spark, with replicate weights) is a smooth function of domain sums
``S[d, c] = sum_i w_i x_ic [i in d]``: the mean ``Sa / Sb`` with ``a = y`` and
``b = 1`` (rows with ``y`` observed), the ratio ``Sa / Sb`` with ``b`` the
denominator, the total ``Sa``. Whatever engine produced them, the sums arrive
here as :class:`Totals` (per domain x PSU pair) or :class:`ReplicateTotals`
(full-sample and replicate domain sums), and :func:`linearise` turns them into
estimates, variances (optionally the covariance), degrees of freedom and
design effects using the :class:`DesignStructure` of the design.

Taylor linearisation (R ``svyrecvar``, one stage, with replacement)::

    Z[u, d, j] = A[d, u, j] / Sb[d, j] - Sa[d, j] / Sb[d, j]^2 * B[d, u, j]   (mean, ratio)
    Z[u, d, j] = A[d, u, j]                                                    (total)
    V = sum_h f_h n_h / (n_h - 1) sum_{u in h} (Z_u - mean_h Z)^2

PSUs of a stratum without domain members have ``Z = 0`` and still count in
``n_h`` (R ``svyby`` / ``subset``). Lonely PSUs, FPC and the ``"average"`` rule
follow :mod:`drugtrends.survey.variance`. Replicate designs
(R ``svrVar``): ``V = scale sum_r rscales_r (theta_r - c)^2``.

Examples
--------
One domain, two strata of two PSUs, one 0/1 outcome, every weight 1:

>>> import numpy as np, pandas as pd
>>> st = DesignStructure(stratum_of_psu=np.array([0, 0, 1, 1]), n_h=np.array([2.0, 2.0]),
...                      f_h=np.ones(2), lonely_psu="fail", df=2.0)
>>> A = np.array([[1.0], [0.0], [1.0], [1.0]]); B = np.ones((4, 1))
>>> tot = Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None)
>>> est = linearise(tot, st)
>>> float(est.est[0, 0]), round(float(np.sqrt(est.var[0, 0])), 6)
(0.75, 0.25)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import DesignError
from ..validate import check_choice
from .ci import logit_replicate_se
from .variance import grouped_variance, replicate_variance, segsum, stratified_variance

__all__ = ["DesignStructure", "Outcome", "Totals", "ReplicateTotals", "Estimates", "linearise",
           "KINDS"]

#: Estimator kinds the kernel linearises.
KINDS = ("mean", "total", "ratio")


def _readonly(a: ArrayLike | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.asarray(a)
    if a.flags.writeable and a.base is None:
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class DesignStructure:
    """What the variance of a design needs to know, frozen.

    Parameters
    ----------
    stratum_of_psu : ndarray of int (n_psu,)
        Stratum code ``0..H-1`` of each PSU.
    n_h : ndarray (H,)
        Number of PSUs of each stratum in the whole design.
    f_h : ndarray (H,)
        Finite population correction ``1 - n_h / N_h`` (ones without FPC).
    lonely_psu : str
        One of :data:`drugtrends.survey.variance.LONELY_PSU_RULES` (``"none"``
        for replicate designs).
    df : float
        Design degrees of freedom (R ``degf()`` of the whole design).
    strata_labels : pandas.Index, optional
        Stratum values, in code order (for messages).
    psu : ndarray of int (n_rows,), optional
        PSU code of each row (in-memory designs; None when the rows live in a
        database).
    weights : ndarray (n_rows,), optional
        Full-sample weight of each row (in-memory designs).
    rep_weights : ndarray (n_rows, R), optional
        Replicate weights (replicate designs stored row by row).
    rep_factors, rep_cluster : ndarray (C, R) and ndarray of int (n_rows,), optional
        Replicate designs stored compactly: ``W[i, r] = weights[i] *
        rep_factors[rep_cluster[i], r]`` (see :meth:`replicate_weights`).
    scale, rscales, mse :
        Replicate variance multipliers and centring (R ``svrepdesign``).
    adjust_domain_lonely : bool
        Apply the lonely-PSU rule to strata where a single PSU holds the
        domain (R ``options(survey.adjust.domain.lonely=TRUE)``).

    Examples
    --------
    >>> import numpy as np
    >>> s = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    >>> s.n_psu, s.n_strata, s.is_replicate
    (4, 2, False)
    >>> s.variance(np.array([[1.0], [3.0], [2.0], [2.0]]))   # 2 * (1 + 1) + 0
    array([4.])
    """

    stratum_of_psu: np.ndarray
    n_h: np.ndarray
    f_h: np.ndarray
    lonely_psu: str
    df: float
    strata_labels: pd.Index = field(default_factory=lambda: pd.Index(["(all)"]))
    psu: np.ndarray | None = None
    weights: np.ndarray | None = None
    rep_weights: np.ndarray | None = None
    scale: float = 1.0
    rscales: np.ndarray | None = None
    mse: bool = False
    adjust_domain_lonely: bool = False
    rep_factors: np.ndarray | None = None
    rep_cluster: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("stratum_of_psu", "n_h", "f_h", "psu", "weights", "rep_weights", "rscales",
                     "rep_factors", "rep_cluster"):
            object.__setattr__(self, name, _readonly(getattr(self, name)))

    @property
    def n_replicates(self) -> int:
        """Number of replicates (0 for Taylor designs)."""
        if self.rep_factors is not None:
            return int(self.rep_factors.shape[1])
        return 0 if self.rep_weights is None else int(self.rep_weights.shape[1])

    def replicate_weights(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Replicate weights ``(n_rows, R)`` (of ``rows`` only when given), made from the
        factors when the design stores them compactly.

        Parameters
        ----------
        rows : numpy.ndarray, optional
            Row positions (or a boolean mask) to return; all rows when ``None``.

        Returns
        -------
        numpy.ndarray
            Float array, one column per replicate.

        Raises
        ------
        DesignError
            The design has no replicate weights.

        Examples
        --------
        >>> import numpy as np
        >>> s = DesignStructure(np.zeros(0, int), np.zeros(0), np.zeros(0), "none", 1.0,
        ...                     weights=np.array([1.0, 3.0]), rep_factors=np.array([[2.0, 0.0]]),
        ...                     rep_cluster=np.array([0, 0]))
        >>> s.replicate_weights().tolist()
        [[2.0, 0.0], [6.0, 0.0]]
        """
        sel: slice | np.ndarray = slice(None) if rows is None else rows
        if self.rep_factors is None:
            if self.rep_weights is None:
                raise DesignError("not a replicate design: it has no replicate weights")
            return np.asarray(self.rep_weights[sel])
        assert self.weights is not None and self.rep_cluster is not None   # set with rep_factors
        W: np.ndarray = self.weights[sel][:, None] * self.rep_factors[self.rep_cluster[sel]]
        return W

    @property
    def n_psu(self) -> int:
        """Number of PSUs of the whole design."""
        return len(self.stratum_of_psu)

    @property
    def n_strata(self) -> int:
        """Number of strata of the whole design."""
        return len(self.n_h)

    @property
    def is_replicate(self) -> bool:
        """True for replicate-weight designs."""
        return self.rep_weights is not None or self.rep_factors is not None

    def psu_totals(self, X: ArrayLike, rows: ArrayLike | None = None) -> np.ndarray:
        """Sums of row values per PSU: ``(n_psu, k)`` (rows outside ``rows`` add 0).

        Parameters
        ----------
        X : ndarray (n_rows,) or (n_rows, k)
            Row values (already weighted if they should be), finite.
        rows : ndarray of bool (n_rows,), optional
            Rows that contribute (default all).

        Returns
        -------
        ndarray (n_psu, k)

        Examples
        --------
        >>> import numpy as np
        >>> s = DesignStructure(np.array([0, 0]), np.array([2.0]), np.ones(1), "fail", 1.0,
        ...                     psu=np.array([0, 1, 1]))
        >>> s.psu_totals(np.array([1.0, 2.0, 4.0]), rows=np.array([True, True, False]))
        array([[1.],
               [2.]])
        """
        from .aggregate import psu_totals
        if self.psu is None:
            raise DesignError("psu_totals needs the rows in memory (structure without psu codes)")
        dom = np.zeros(len(self.psu), dtype=np.int64)
        if rows is not None:
            dom = np.where(np.asarray(rows, dtype=bool), 0, -1)
        T: np.ndarray = psu_totals(np.asarray(X, dtype=float), dom, 1, self.psu, self.n_psu)[0]
        return T

    def strata_present(self, rows: ArrayLike) -> np.ndarray:
        """Bool per stratum: does it hold a PSU with one of ``rows``?

        Parameters
        ----------
        rows : ndarray of bool (n_rows,)

        Returns
        -------
        ndarray of bool (n_strata,)

        Examples
        --------
        >>> import numpy as np
        >>> s = DesignStructure(np.array([0, 0, 1]), np.array([2.0, 1.0]), np.ones(2), "average", 0.0,
        ...                     psu=np.array([0, 1, 2]))
        >>> s.strata_present(np.array([True, False, False])).tolist()
        [True, False]
        """
        assert self.psu is not None, "strata_present needs the rows' PSU codes"
        out = np.zeros(self.n_strata, dtype=bool)
        out[self.stratum_of_psu[np.unique(self.psu[np.asarray(rows, dtype=bool)])]] = True
        return out

    def degf(self, rows: ArrayLike) -> int:
        """R ``degf()`` of the rows given (bool): PSUs minus strata among them.

        Parameters
        ----------
        rows : ndarray of bool (n_rows,)

        Returns
        -------
        int

        Examples
        --------
        >>> import numpy as np
        >>> s = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0,
        ...                     psu=np.array([0, 1, 2, 3]))
        >>> s.degf(np.array([True, True, True, False]))
        1
        """
        rows = np.asarray(rows, dtype=bool)
        if not rows.any():
            return 0
        assert self.psu is not None, "degf needs the rows' PSU codes"
        psus = np.unique(self.psu[rows])
        return int(len(psus) - len(np.unique(self.stratum_of_psu[psus])))

    def variance(self, Z: np.ndarray, present: np.ndarray | None = None, full: bool = False,
                 domain_lonely: np.ndarray | None = None) -> np.ndarray:
        """Stratified with-replacement variance of PSU totals ``Z`` (``(n_psu, m)``).

        See :func:`drugtrends.survey.variance.stratified_variance`; ``present``
        (bool, per stratum or ``(H, m)``) lists the strata holding the domain
        (``lonely_psu="average"`` only).

        Parameters
        ----------
        Z : ndarray (n_psu,) or (n_psu, m)
            PSU totals of influence values (0 for PSUs without domain members).
        present : ndarray of bool, optional
        full : bool, default False
            Return the ``(m, m)`` covariance instead of the ``m`` variances.
        domain_lonely : ndarray of bool (H, m), optional
            Strata where one PSU holds the domain (``adjust_domain_lonely``).

        Returns
        -------
        ndarray (m,) or (m, m)

        Examples
        --------
        >>> import numpy as np
        >>> s = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
        >>> s.variance(np.array([[1.0, 0], [3.0, 0], [2.0, 1], [2.0, 0]]), full=True)
        array([[4., 0.],
               [0., 1.]])
        """
        Z = np.asarray(Z, dtype=float)
        if Z.ndim == 1:
            Z = Z[:, None]
        if present is not None:
            present = np.asarray(present, dtype=bool)
            if present.ndim == 1:
                present = np.repeat(present[:, None], Z.shape[1], axis=1)
        return stratified_variance(Z, self.stratum_of_psu, self.n_h, self.f_h, self.lonely_psu,
                                   present, full=full, domain_lonely=domain_lonely)


@dataclass
class Outcome:
    """One estimated quantity's row values: ``y`` (float, NaN = missing).

    Parameters
    ----------
    variable : str
        The column.
    level : object
        The category (None for numeric outcomes).
    y : ndarray (n_rows,)
        Row values, NaN where missing.
    is_prop : bool
        Whether ``y`` is 0/1 (a proportion).

    Examples
    --------
    >>> import numpy as np
    >>> Outcome("y", None, np.array([0.0, 1.0]), True).variable
    'y'
    """
    variable: str
    level: object
    y: np.ndarray
    is_prop: bool


@dataclass
class Totals:
    """Sufficient statistics of one domain set, per (domain, PSU) pair with domain members.

    ``d``, ``u``: domain and PSU codes of the pairs; ``A`` (sum of ``w a``), ``B``
    (sum of ``w b``: weights of rows with the outcome observed, or the
    denominator of a ratio), ``N`` (rows with the outcome observed), ``P`` (of
    which with a positive weight), ``Q`` (sum of ``w a^2``; None for 0/1
    outcomes): ``(n_pairs, m)`` arrays (``B``, ``N``, ``P`` may be
    ``(n_pairs, 1)``, shared by all outcomes). ``keys``: one row per domain.
    ``R2`` (ratios, optional): ``(n_pairs, 4, m)`` sums of ``w``, ``w a^2``,
    ``w a b`` and ``w b^2`` over the rows with both values observed, for the
    design effect of a ratio (R ``svyratio(deff=TRUE)``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = Totals.from_dense(pd.DataFrame(index=[0]), *(np.ones((1, 2, 1)),) * 4)
    >>> t.d.tolist(), t.u.tolist()
    ([0, 0], [0, 1])

    Attributes
    ----------
    keys : DataFrame
        One row per domain.
    d, u : ndarray of int
        Domain and PSU codes of the (domain, PSU) pairs.
    A, B, N, P : ndarray
        Sums of ``w a``, of ``w b``, counts of rows observed and of those with a positive weight.
    Q : ndarray or None
        Sums of ``w a^2`` (None for 0/1 outcomes).
    R2 : ndarray or None
        Ratios only: sums for the design effect of a ratio.
    """
    keys: pd.DataFrame
    d: np.ndarray
    u: np.ndarray
    A: np.ndarray
    B: np.ndarray
    N: np.ndarray
    P: np.ndarray
    Q: np.ndarray | None
    R2: np.ndarray | None = None

    @classmethod
    def from_dense(cls, keys: pd.DataFrame, A: np.ndarray, B: np.ndarray, N: np.ndarray, P: np.ndarray,
                   Q: np.ndarray | None = None, members: np.ndarray | None = None) -> Totals:
        """From ``(D, U, m)`` arrays; pairs are those with ``members[d, u]`` (default ``N > 0``)."""
        d, u = np.nonzero((N > 0).any(axis=2) if members is None else members)
        return cls(keys, d, u, A[d, u], B[d, u], N[d, u], P[d, u], None if Q is None else Q[d, u])


@dataclass
class ReplicateTotals:
    """Domain sums of a replicate design: full-sample ``A``, ``B`` ``(D, m)``,
    replicate ``Ar``, ``Br`` ``(R, D, m)``, counts ``N``, ``P`` ``(D, m)``, and
    ``Q`` (sum of ``w a^2``, ``(D, m)``, None when not needed), ``df``
    (``(D, m)`` R ``degf()`` of each domain's subset design, None = the design's).

    Attributes
    ----------
    keys : DataFrame
        One row per domain.
    A, B : ndarray (D, m)
        Full-sample sums of ``w a`` and ``w b``.
    Ar, Br : ndarray (R, D, m)
        The same sums under each replicate's weights.
    N, P : ndarray (D, m)
        Rows observed, and those with a positive weight.
    Q : ndarray or None
        Sums of ``w a^2`` (None when not needed).
    df : ndarray or None
        R ``degf()`` of each domain's subset design (None: the design's).

    Examples
    --------
    The replicate pass makes them (``ReplicateDesign``); :func:`linearise` reads them:

    >>> import numpy as np, pandas as pd
    >>> z = np.ones((1, 1))
    >>> t = ReplicateTotals(pd.DataFrame(index=[0]), 3 * z, 4 * z, np.full((2, 1, 1), 3.0), np.full((2, 1, 1), 4.0),
    ...                     4 * z, 4 * z, None)
    >>> t.Ar.shape, float(t.A[0, 0] / t.B[0, 0])
    ((2, 1, 1), 0.75)
    """
    keys: pd.DataFrame
    A: np.ndarray
    B: np.ndarray
    Ar: np.ndarray
    Br: np.ndarray
    N: np.ndarray
    P: np.ndarray
    Q: np.ndarray | None
    df: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Estimates:
    """Point estimates and their linearisation for ``D`` domains x ``m`` outcomes.

    Attributes
    ----------
    keys : DataFrame
        One row per domain (the ``by`` columns).
    outcomes : list of Outcome
    est, var, n, npos, df, deff, s2 : ndarray (D, m)
    cov : ndarray (D*m, D*m) or None
    sw : ndarray (D, m) or None
    se_logit : ndarray (D, m) or None

    ``est``, ``var``, ``n`` (rows with the outcome observed), ``npos`` (of which
    with a positive weight), ``df``, ``deff``, ``s2`` (element variance used by
    the design effect and ``n_eff``): ``(D, m)``; ``cov``: ``(D*m, D*m)``
    (domain-major) when asked; ``sw``: domain sums of ``b`` (weights, or the
    ratio's denominator); ``keys``: one row per domain; ``outcomes``: the
    :class:`Outcome` list (set by the caller); ``se_logit``: for means on
    replicate designs, the replicate SE of ``logit(est)`` (R ``svyciprop``
    ``method="logit"``), None otherwise.

    Examples
    --------
    :func:`linearise` makes them from sufficient statistics (here the mean of
    ``y = 1, 0, 1, 1`` over 4 PSUs in 2 strata):

    >>> import numpy as np, pandas as pd
    >>> st = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    >>> A = np.array([[1.0], [0.0], [1.0], [1.0]]); B = np.ones((4, 1))
    >>> e = linearise(Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None), st)
    >>> type(e).__name__, e.est.shape, float(e.est[0, 0]), float(e.df[0, 0])
    ('Estimates', (1, 1), 0.75, 2.0)
    >>> round(float(np.sqrt(e.var[0, 0])), 4), int(e.n[0, 0])
    (0.25, 4)
    """
    keys: pd.DataFrame
    outcomes: list[Outcome] | None
    est: np.ndarray
    var: np.ndarray
    cov: np.ndarray | None
    n: np.ndarray
    npos: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    s2: np.ndarray
    sw: np.ndarray | None = None
    se_logit: np.ndarray | None = None


_segsum = segsum


def _check_kind(kind: str) -> None:
    check_choice(kind, "kind", KINDS)


def linearise(totals: Totals | ReplicateTotals, structure: DesignStructure, kind: str = "mean",
              df_rule: str | float = "domain",
              full_cov: bool = False) -> Estimates:
    """Estimates, variances, df and design effects from sufficient statistics.

    The numpy step shared by every engine and estimator. For a stratum ``h``
    with ``n_h`` PSUs of which ``k`` hold members of a domain, the ``n_h - k``
    others have influence total 0, so
    ``sum_u (Z_u - mean)^2 = sum_members (Z_u - mean)^2 + (n_h - k) mean^2``.

    Parameters
    ----------
    totals : Totals or ReplicateTotals
    structure : DesignStructure
    kind : {"mean", "total", "ratio"}
    df_rule : "domain" or float
        ``"domain"``: R ``degf()`` of the domain's subset design (PSUs minus
        strata among rows with the outcome observed and a positive weight;
        the design df for replicate designs); a number is used as given.
    full_cov : bool
        Also return the covariance of all ``D * m`` estimates.

    Returns
    -------
    Estimates
        ``outcomes`` left for the caller to set.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> st = DesignStructure(np.array([0, 0, 1, 1]), np.array([2.0, 2.0]), np.ones(2), "fail", 2.0)
    >>> A = np.array([[1.0], [0.0], [1.0], [1.0]]); B = np.ones((4, 1))
    >>> tot = Totals(pd.DataFrame(index=[0]), np.zeros(4, int), np.arange(4), A, B, B, B, None)
    >>> float(linearise(tot, st, "total").est[0, 0])
    3.0
    """
    _check_kind(kind)
    if isinstance(totals, ReplicateTotals):
        return _linearise_replicate(totals, structure, kind, df_rule, full_cov)
    return _linearise_taylor(totals, structure, kind, df_rule, full_cov)


def _sorted_pairs(tot: Totals, stratum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray, np.ndarray, np.ndarray,
                                                              np.ndarray | None, np.ndarray | None]:
    d, u = np.asarray(tot.d, dtype=np.int64), np.asarray(tot.u, dtype=np.int64)
    h = stratum[u]
    order = np.lexsort((u, h, d))
    if np.array_equal(order, np.arange(len(d))):
        return d, u, h, tot.A, tot.B, tot.N, tot.P, tot.Q, tot.R2
    return (d[order], u[order], h[order], tot.A[order], tot.B[order], tot.N[order], tot.P[order],
            None if tot.Q is None else tot.Q[order], None if tot.R2 is None else tot.R2[order])


def _linearise_taylor(tot: Totals, s: DesignStructure, kind: str, df_rule: str | float,
                      full_cov: bool) -> Estimates:
    D, m = len(tot.keys), tot.A.shape[1]
    n_h = np.asarray(s.n_h, dtype=float)
    H = len(n_h)
    d, u, h, A, B, N, P, Q, R2 = _sorted_pairs(tot, s.stratum_of_psu)
    npairs = len(d)
    dstarts = np.searchsorted(d, np.arange(D))
    Sa = _segsum(A, dstarts, D, npairs)
    Sb = np.broadcast_to(_segsum(B, dstarts, D, npairs), (D, m))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "total":
            est = Sa.copy()
            Z = np.array(A, dtype=float, copy=True)
        else:
            est = Sa / Sb
            Z = (1.0 / Sb)[d] * A + (-Sa / Sb**2)[d] * B
    if not np.isfinite(Z).all():
        Z = np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0)
    # (domain, stratum) groups of consecutive pairs
    gkey = d * H + h
    first = np.ones(npairs, dtype=bool)
    first[1:] = gkey[1:] != gkey[:-1]
    gstarts = np.flatnonzero(first)
    G = len(gstarts)
    g_d, g_h = d[gstarts], h[gstarts]
    g_dstarts = np.searchsorted(g_d, np.arange(D))
    present = np.broadcast_to(_segsum(N, gstarts, G, npairs) > 0, (G, m))
    dlonely = None
    if s.adjust_domain_lonely and s.lonely_psu in ("adjust", "average"):
        k_obs = _segsum(np.broadcast_to(N > 0, (npairs, m)).astype(float), gstarts, G, npairs)
        dlonely = (k_obs == 1) & (n_h[g_h] > 1)[:, None]
    if full_cov:
        var, cov = _taylor_cov(Z, d, u, D, m, s, present, g_d, g_h, dlonely)
    else:
        var, cov = _taylor_var(Z, gstarts, G, npairs, g_h, g_dstarts, D, n_h, s, present, dlonely), None
    n = np.array(np.broadcast_to(_segsum(N, dstarts, D, npairs), (D, m)))
    npos = np.array(np.broadcast_to(_segsum(P, dstarts, D, npairs), (D, m)))
    if df_rule == "domain":
        psu_has = (P > 0).astype(float)
        n_psu = _segsum(psu_has, dstarts, D, npairs)
        st_has = (_segsum(psu_has, gstarts, G, npairs) > 0).astype(float)
        df = np.array(np.broadcast_to(n_psu - _segsum(st_has, g_dstarts, D, G), (D, m)), dtype=float)
    else:
        df = np.full((D, m), float(df_rule))
    var = np.where(n > 0, var, np.nan)
    est = np.where(n > 0, est, np.nan)
    if kind == "ratio":
        s2 = np.full((D, m), np.nan)
        deff = s2 if R2 is None else _ratio_deff(_segsum(R2, dstarts, D, npairs), est, Sb, npos, var)
    else:
        Syy = Sa if Q is None else _segsum(Q, dstarts, D, npairs)
        s2, deff = _design_effect(Sa, Sb, Syy, npos, var, kind)
    return Estimates(tot.keys, None, est, var, cov, n, npos, df, deff, s2, np.array(Sb))


def _taylor_var(Z: np.ndarray, gstarts: np.ndarray, G: int, npairs: int, g_h: np.ndarray, g_dstarts: np.ndarray,
                D: int, n_h: np.ndarray, s: DesignStructure, present: np.ndarray,
                dlonely: np.ndarray | None) -> np.ndarray:
    """Per (domain, stratum) group: the centred sum of squares over all ``n_h`` PSUs (those
    without domain members have Z = 0) and the uncentred one, to the one variance routine
    :func:`drugtrends.survey.variance.grouped_variance`."""
    nh_g = n_h[g_h]
    sizes = np.diff(np.append(gstarts, npairs))
    g_of_pair = np.repeat(np.arange(G), sizes)
    mu = _segsum(Z, gstarts, G, npairs) / nh_g[:, None]
    c = Z - mu[g_of_pair]
    ss = _segsum(c * c, gstarts, G, npairs) + (nh_g - sizes)[:, None] * mu**2
    zz = _segsum(Z * Z, gstarts, G, npairs)
    return grouped_variance(ss, zz, nh_g, np.asarray(s.f_h, dtype=float)[g_h], s.lonely_psu, g_dstarts, D,
                            present, dlonely)


def _taylor_cov(Z: np.ndarray, d: np.ndarray, u: np.ndarray, D: int, m: int, s: DesignStructure, present: np.ndarray,
                g_d: np.ndarray, g_h: np.ndarray, dlonely: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Full covariance: the influence totals laid out densely ``(n_psu, D*m)``."""
    Zd = np.zeros((s.n_psu, D, m))
    Zd[u, d] = Z
    pres: np.ndarray | None = None
    dl: np.ndarray | None = None
    if s.lonely_psu == "average":
        pres = np.zeros((s.n_strata, D, m), dtype=bool)
        pres[g_h, g_d] = present
        pres = pres.reshape(s.n_strata, D * m)
    if dlonely is not None:
        dl = np.zeros((s.n_strata, D, m), dtype=bool)
        dl[g_h, g_d] = dlonely
        dl = dl.reshape(s.n_strata, D * m)
    V = s.variance(Zd.reshape(s.n_psu, D * m), pres, full=True, domain_lonely=dl)
    return np.diag(V).reshape(D, m), V


def _ratio_deff(M: np.ndarray, est: np.ndarray, Sb: np.ndarray, npos: np.ndarray, var: np.ndarray) -> np.ndarray:
    """R ``svyratio(deff=TRUE)``: ``Var(R) / Vsrs`` with ``r = (y - R x) / T_x`` over the domain,
    ``s^2 = n/(n-1) sum w r^2 / N``, ``Vsrs = s^2 N^2 (N - n)/(N n)`` (``N`` the weights, ``n``
    the rows with positive weight, both values observed)."""
    Nw, Saa, Sab, Sbb = M[:, 0], M[:, 1], M[:, 2], M[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        ssr = Saa - 2 * est * Sab + est**2 * Sbb
        s2 = npos / (npos - 1) * ssr / Sb**2 / Nw
        deff: np.ndarray = var / (s2 * Nw**2 * (Nw - npos) / (Nw * npos))
    return deff


def _design_effect(Sa: np.ndarray, Sb: np.ndarray, Syy: np.ndarray, npos: np.ndarray, var: np.ndarray,
                   kind: str) -> tuple[np.ndarray, np.ndarray]:
    """R ``svymean(deff=TRUE)``: ``Var / Vsrs``, ``Vsrs = s^2 (N - n)/(N n)`` (totals x N^2)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = Sa / Sb
        s2 = (Syy / Sb - mu**2) * npos / (npos - 1)
        if kind == "total":
            vsrs = s2 * Sb**2 * (Sb - npos) / (Sb * npos)
            s2 = s2 * Sb**2          # so that n_eff = s2 / Var for totals too
        else:
            vsrs = s2 * (Sb - npos) / (Sb * npos)
        deff = var / vsrs
    return s2, deff


def _linearise_replicate(t: ReplicateTotals, s: DesignStructure, kind: str, df_rule: str | float,
                         full_cov: bool) -> Estimates:
    D, m = t.A.shape
    R = t.Ar.shape[0]
    assert s.rscales is not None   # replicate structures always carry their rscales (check_rscales)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "total":
            est, est_r = np.array(t.A, dtype=float), np.array(t.Ar, dtype=float)
        else:
            est, est_r = t.A / t.B, t.Ar / t.Br
    V = replicate_variance(est_r.reshape(R, D * m), est.ravel(), s.scale, s.rscales, s.mse,
                           full=full_cov)
    var = (np.diag(V) if full_cov else V).reshape(D, m)
    if df_rule == "domain" and t.df is not None:
        df = np.array(t.df, dtype=float)
    else:
        df = np.full((D, m), float(s.df if df_rule in ("domain", "design") else df_rule))
    n, npos = t.N, t.P
    var = np.where(n > 0, var, np.nan)
    est = np.where(n > 0, est, np.nan)
    if kind == "ratio" or t.Q is None:
        s2 = deff = np.full((D, m), np.nan)
    else:   # R svymean.svyrep.design: n = rows of the domain
        s2, deff = _design_effect(t.A, t.B, t.Q, n, var, kind)
    se_logit = None
    if kind == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            se_logit = logit_replicate_se(est_r.reshape(R, D * m), est.ravel(), s.scale, s.rscales,
                                          s.mse).reshape(D, m)
    return Estimates(t.keys, None, est, var, V if full_cov else None, n, npos, df, deff, s2, t.B,
                     se_logit)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
