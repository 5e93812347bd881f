"""Replicate weights built from a stratified cluster design (R ``as.svrepdesign``).

:func:`replicate_factors` returns, for ``method``:

``"BRR"`` / ``"Fay"``
    R ``survey::brrweights`` (``small="fail"``, ``large="split"``): strata in
    sorted (character) order, PSUs within a stratum in order of first appearance
    in the data; a stratum with 2k PSUs is split into k pseudo-strata of 2;
    replicate ``r`` multiplies the first PSU of pseudo-stratum ``s`` by
    ``2 - rho`` when ``H[s + 1, r] = 1`` and by ``rho`` otherwise (the second
    PSU the opposite), ``H`` the 0/1 Hadamard matrix of R ``survey::hadamard``
    (Sylvester and Paley types; the sizes where R uses its stored 28 x 28 or
    36 x 36 matrix need ``hadamard_matrix=``). ``scale = 1 / (R (1 - rho)^2)``, ``rscales = 1``. Any FPC is
    dropped (R warns and does the same). ``"BRR"`` is ``rho = 0``.
``"bootstrap"``
    R ``survey::bootweights`` (Rao-Wu with ``n_h`` draws): in each stratum
    ``n_h`` PSUs drawn with replacement, a PSU's factor is the number of times
    it is drawn; ``scale = m / ((m - 1) (R - 1))`` with ``m`` the harmonic mean
    of PSUs per stratum. Random: reproducible with ``seed`` (NumPy's generator,
    so the draws differ from R's ``sample()``).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"st": [1, 1, 2, 2], "psu": [1, 2, 1, 2], "w": [1.0] * 4})
>>> F, scale, rscales = replicate_factors(df["st"], df["psu"], "BRR")
>>> F.tolist(), scale
([[2.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 2.0], [2.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 2.0]], 0.25)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import DesignError

__all__ = ["hadamard", "replicate_factors", "replicate_degf", "REPLICATE_BUILDERS"]

#: Replicate weights :func:`replicate_factors` can build.
REPLICATE_BUILDERS = ("BRR", "Fay", "bootstrap")


def _sylvester(k: int) -> np.ndarray:
    H = np.ones((1, 1))
    while H.shape[0] < k:
        H = np.block([[H, H], [H, 1 - H]])
    return H


def _primes_3mod4(limit: int = 7919) -> np.ndarray:
    sieve = np.ones(limit + 1, dtype=bool)
    sieve[:2] = False
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = False
    pr = np.flatnonzero(sieve)
    out: np.ndarray = pr[pr % 4 == 3]
    return out


_SMALL_PRIMES = _primes_3mod4()


def _paley_prime(p: int) -> np.ndarray:
    """Paley construction of order ``p + 1`` (``p`` prime, ``p = 3 mod 4``), 0/1 coded as R."""
    i = np.arange(p)
    m = (i[:, None] + i[None, :]) % p
    residues = {0, 1} | {(k * k) % p for k in range(2, (p - 1) // 2 + 1)}
    m = np.where(np.isin(m, list(residues)), 0.0, 1.0)
    out = np.ones((p + 1, p + 1))
    out[1:, 1:] = m
    return out


def _paley(n: int, nmax: int) -> np.ndarray | None:
    """R ``survey:::paley(n, nmax)`` (prime chosen from ``n``), or None."""
    nceil = nn = n + 4 - (n % 4)
    if (n % 4) + 4 == (n % 8):
        while nn % 8 == 0:
            nn //= 2
        if nn - 1 in _SMALL_PRIMES:
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = np.block([[m, m], [m, 1 - m]])
                nn *= 2
            return m
    if n > _SMALL_PRIMES.max():
        return None
    p = int(_SMALL_PRIMES[_SMALL_PRIMES >= n].min())
    if p + 1 > nceil + 4 and nceil + 4 < nmax:
        return _paley(nceil + 3, 2 * (nceil + 3))
    if p > nmax:
        return None
    return _paley_prime(p)


def hadamard(n: int) -> np.ndarray:
    """0/1 Hadamard matrix with more than ``n`` rows, as R ``survey::hadamard(n)``.

    R's choice reproduced: its stored 4 x 4 and 16 x 16 matrices (Sylvester
    ones), Sylvester doubling, and Paley's construction; the sizes where R uses
    its stored 28 x 28 or 36 x 36 matrices raise
    :class:`~drugtrends.errors.DesignError` (pass ``hadamard_matrix=``).

    Parameters
    ----------
    n : int
        The matrix has more than ``n`` rows (``n`` = number of strata for BRR).

    Examples
    --------
    >>> hadamard(31).shape, hadamard(3).shape, hadamard(8).shape, hadamard(40).shape
    ((32, 32), (4, 4), (12, 12), (44, 44))
    """
    sizes = np.array([4, 16, 28, 36])
    m = n - n % 4
    pre = np.flatnonzero((m < sizes) & (m + 4 >= sizes))
    base = None
    if pre.size:
        base, doubles = int(sizes[pre.min()]), 0
    elif (m < sizes).all():
        base, doubles = 4, 0
    else:
        big = sizes * 2.0 ** np.maximum(0, np.ceil(np.log2((n + 1) / sizes)))
        best = int(np.argmin(big - n))
        if big[best] - n > 4:
            H = _paley(n, int(big[best]))
            if H is not None:
                return H
        base, doubles = int(sizes[best]), int(np.ceil(np.log2(big[best] / sizes[best])))
    if base not in (4, 16):
        raise DesignError(f"BRR with {n} (pseudo-)strata: R uses its stored {base} x {base} Hadamard "
                          "matrix here, which drugtrends does not reproduce; pass hadamard_matrix= "
                          f"(a 0/1 or -1/1 Hadamard matrix with more than {n} rows).")
    return _sylvester(base * 2**doubles)


def _psu_table(strata: ArrayLike, psu: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per PSU (first-appearance order): row index, stratum label (str), row -> PSU."""
    st = pd.Series(np.asarray(strata))
    if pd.api.types.is_float_dtype(st) and np.isfinite(st).all() and (st == np.round(st)).all():
        st = st.astype(np.int64)            # R's as.character(2) is "2", not "2.0"
    s = st.astype(str).to_numpy()
    key = pd.Series(list(zip(s, np.asarray(psu))))
    codes, uniques = pd.factorize(key)
    first = np.array([np.flatnonzero(codes == c)[0] for c in range(len(uniques))]) \
        if len(uniques) < 2000 else pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    return codes, s[first], first


def _brr(strata: ArrayLike, psu: ArrayLike, rho: float, H: ArrayLike | None = None
         ) -> tuple[np.ndarray, float, np.ndarray]:
    codes, sunq, first = _psu_table(strata, psu)
    labels, ssize = np.unique(sunq, return_counts=True)
    if (ssize < 2).any():
        raise DesignError(f"stratum {labels[ssize < 2][0]!r} has one PSU: BRR needs 2 per stratum "
                          "(R brrweights small='fail'); collapse strata first.")
    if ((ssize > 2) & (ssize % 2 == 1)).any():
        bad = labels[(ssize > 2) & (ssize % 2 == 1)][0]
        raise DesignError(f"stratum {bad!r} has an odd number (>2) of PSUs: BRR cannot split it into "
                          "pairs (R: \"Can't split with odd numbers of PSUs in a stratum\"); use "
                          "method='JKn' or 'bootstrap', or regroup PSUs.")
    oo = np.lexsort((first, sunq))
    U = len(sunq)
    half = np.zeros(U, dtype=int)          # 0: first of its pair, 1: second
    pstrat = np.zeros(U, dtype=int)
    upto = 0
    for group in (labels[ssize > 2], labels[ssize == 2]):   # R: large strata, then pairs
        for lab in group:
            members = oo[sunq[oo] == lab]
            half[members] = np.arange(len(members)) % 2
            pstrat[members] = upto + np.arange(len(members)) // 2
            upto += len(members) // 2
    if H is None:
        Hm = hadamard(upto)
    else:
        Hm = np.asarray(H, dtype=float)
        Hm = (Hm == Hm.max()).astype(float)
        if Hm.shape[0] < upto + 1:
            raise DesignError(f"hadamard= must have at least {upto + 1} rows (pseudo-strata + 1).")
    hp = Hm[1 + pstrat, :]                                   # (U, R) 1/0
    on = np.where(half[:, None] == 0, hp, 1 - hp)
    F_psu = on * (2 - rho) + (1 - on) * rho
    R = Hm.shape[1]
    return F_psu[codes], 1.0 / (R * (1 - rho) ** 2), np.ones(R)


def _bootstrap(strata: ArrayLike, psu: ArrayLike, replicates: int, seed: Any
               ) -> tuple[np.ndarray, float | np.floating[Any], np.ndarray]:
    codes, sunq, first = _psu_table(strata, psu)
    rng = np.random.default_rng(seed)
    F_psu = np.zeros((len(sunq), replicates))
    labels, ssize = np.unique(sunq, return_counts=True)
    for lab in labels:
        members = np.flatnonzero(sunq == lab)
        draws = rng.integers(0, len(members), size=(replicates, len(members)))
        counts = np.zeros((replicates, len(members)))
        np.add.at(counts, (np.arange(replicates)[:, None], draws), 1.0)
        F_psu[members, :] = counts.T
    m = 1.0 / np.mean(1.0 / ssize)
    if m <= 1:
        raise DesignError("bootstrap replicates need strata with at least 2 PSUs on average.")
    return F_psu[codes], m / ((m - 1) * (replicates - 1)), np.ones(replicates)


def replicate_factors(strata: ArrayLike, psu: ArrayLike, method: str, *, rho: float = 0.0, replicates: int = 50,
                      seed: Any = None, hadamard_matrix: ArrayLike | None = None
                      ) -> tuple[np.ndarray, float | np.floating[Any], np.ndarray]:
    """Replicate weight factors (rows x replicates) of a stratified cluster design.

    Parameters
    ----------
    strata, psu : array_like
        Stratum and PSU of every row (PSU ids may repeat across strata: nested).
    method : {"BRR", "Fay", "bootstrap"}
    rho : float
        Fay coefficient (``"Fay"``; 0 < rho < 1).
    replicates : int
        Number of bootstrap replicates.
    seed : int or numpy Generator, optional
        Bootstrap seed.
    hadamard_matrix : array_like, optional
        Hadamard matrix for BRR/Fay (R ``hadamard.matrix=``).

    Returns
    -------
    factors : ndarray (n_rows, R)
        Multiply the full-sample weights by these to get replicate weights.
    scale : float
    rscales : ndarray (R,)

    Examples
    --------
    >>> F, scale, _ = replicate_factors([1, 1, 2, 2], [1, 2, 1, 2], "Fay", rho=0.5)
    >>> F[:, 0].tolist(), round(scale, 6)   # replicate 1: first PSUs x 1.5, second x 0.5
    ([1.5, 0.5, 1.5, 0.5], 1.0)
    """
    if method not in REPLICATE_BUILDERS:
        raise DesignError(f"method={method!r}: replicate_factors builds {REPLICATE_BUILDERS}")
    if method == "Fay":
        from .structure import check_rho
        rho = check_rho(rho)
    if method == "bootstrap":
        if int(replicates) < 2:
            raise DesignError(f"replicates={replicates!r}: the bootstrap needs at least 2 replicates.")
        return _bootstrap(strata, psu, int(replicates), seed)
    return _brr(strata, psu, rho if method == "Fay" else 0.0, hadamard_matrix)


def replicate_degf(design: Any) -> int:
    """R ``degf()`` of a (subset) replicate design: rank of its rows' replicate weights - 1.

    R's ``subset()`` of a ``svrepdesign`` drops the other rows and recomputes
    ``degf`` from the remaining replicate weights (e.g. NHANES II BRR, race 2: 30
    instead of 31).

    Parameters
    ----------
    design : ReplicateDesign

    Returns
    -------
    int

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"w": [1.0] * 4, "r1": [2.0, 0, 1, 1], "r2": [0.0, 2, 1, 1],
    ...                    "r3": [1.0, 1, 2, 0]})
    >>> d = SurveyDesign.replicate(df, "w", "r", method="JK1")
    >>> replicate_degf(d), replicate_degf(d.subset([True, True, False, False]))
    (2, 1)
    """
    mask = np.asarray(design.mask, dtype=bool)
    if mask.all():
        return int(design.df)
    W = np.asarray(design.structure.replicate_weights(mask), dtype=float)
    return int(np.linalg.matrix_rank(W)) - 1 if len(W) else 0


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
