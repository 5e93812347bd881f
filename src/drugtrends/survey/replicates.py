"""Replicate weights built from a stratified cluster design (R ``as.svrepdesign``).

:func:`replicate_factors` returns, for ``method``:

``"BRR"`` / ``"Fay"``
    R ``survey::brrweights`` (``small="fail"``, ``large="split"``): strata in
    sorted (character) order, PSUs within a stratum in order of first appearance
    in the data; a stratum with 2k PSUs is split into k pseudo-strata of 2;
    replicate ``r`` multiplies the first PSU of pseudo-stratum ``s`` by
    ``2 - rho`` when ``H[s + 1, r] = 1`` and by ``rho`` otherwise (the second
    PSU the opposite), ``H`` the 0/1 Hadamard matrix of R ``survey::hadamard``
    (Sylvester type; sizes where R uses a Paley or stored 28/36 matrix need
    ``hadamard=``). ``scale = 1 / (R (1 - rho)^2)``, ``rscales = 1``. Any FPC is
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

import numpy as np
import pandas as pd

from ..errors import DesignError

__all__ = ["hadamard", "replicate_factors", "replicate_degf", "REPLICATE_BUILDERS"]

REPLICATE_BUILDERS = ("BRR", "Fay", "bootstrap")


def _sylvester(k: int) -> np.ndarray:
    H = np.ones((1, 1))
    while H.shape[0] < k:
        H = np.block([[H, H], [H, 1 - H]])
    return H


def hadamard(n: int) -> np.ndarray:
    """0/1 Hadamard matrix with more than ``n`` rows, as R ``survey::hadamard(n)``.

    Implemented for the sizes where R's choice is a Sylvester matrix (its stored
    4 x 4 and 16 x 16 matrices are Sylvester ones, doubled as needed); other
    sizes raise :class:`~drugtrends.errors.DesignError`.

    Examples
    --------
    >>> hadamard(31).shape, hadamard(3).shape, hadamard(14).shape
    ((32, 32), (4, 4), (16, 16))
    """
    sizes = np.array([4, 16, 28, 36])
    m = n - n % 4
    pre = np.flatnonzero((m < sizes) & (m + 4 >= sizes))
    if pre.size:
        k = int(sizes[pre.min()])
    elif (m < sizes).all():
        k = 4
    else:
        big = sizes * 2.0 ** np.maximum(0, np.ceil(np.log2((n + 1) / sizes)))
        best = int(np.argmin(big - n))
        k = int(big[best]) if big[best] - n <= 4 and sizes[best] in (4, 16) else -1
    if k not in (4, 16) and not (k > 0 and (k & (k - 1)) == 0):
        raise DesignError(f"BRR with {n} (pseudo-)strata: R uses a Paley or stored Hadamard matrix "
                          "here, which drugtrends does not reproduce; pass hadamard= (a 0/1 or "
                          f"-1/1 Hadamard matrix with more than {n} rows).")
    return _sylvester(k)


def _psu_table(strata, psu):
    """Per PSU (first-appearance order): row index, stratum label (str), row -> PSU."""
    s = pd.Series(np.asarray(strata)).astype(str).to_numpy()
    key = pd.Series(list(zip(s, np.asarray(psu))))
    codes, uniques = pd.factorize(key)
    first = np.array([np.flatnonzero(codes == c)[0] for c in range(len(uniques))]) \
        if len(uniques) < 2000 else pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    return codes, s[first], first


def _brr(strata, psu, rho, H=None):
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
        H = hadamard(upto)
    else:
        H = np.asarray(H, dtype=float)
        H = (H == H.max()).astype(float)
        if H.shape[0] < upto + 1:
            raise DesignError(f"hadamard= must have at least {upto + 1} rows (pseudo-strata + 1).")
    hp = H[1 + pstrat, :]                                    # (U, R) 1/0
    on = np.where(half[:, None] == 0, hp, 1 - hp)
    F_psu = on * (2 - rho) + (1 - on) * rho
    R = H.shape[1]
    return F_psu[codes], 1.0 / (R * (1 - rho) ** 2), np.ones(R)


def _bootstrap(strata, psu, replicates, seed):
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


def replicate_factors(strata, psu, method: str, *, rho: float = 0.0, replicates: int = 50,
                      seed=None, hadamard_matrix=None):
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
    if method == "Fay" and not (0 < rho < 1):
        raise DesignError(f"Fay's method needs 0 < rho < 1 (got rho={rho!r}; NHANES III uses 0.3).")
    if method == "bootstrap":
        if int(replicates) < 2:
            raise DesignError(f"replicates={replicates!r}: the bootstrap needs at least 2 replicates.")
        return _bootstrap(strata, psu, int(replicates), seed)
    return _brr(strata, psu, rho if method == "Fay" else 0.0, hadamard_matrix)


def replicate_degf(design) -> int:
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
    W = np.asarray(design.structure.rep_weights, dtype=float)[mask]
    return int(np.linalg.matrix_rank(W)) - 1 if len(W) else 0
