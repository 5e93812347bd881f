"""Heterogeneous catchability in log-linear capture-recapture models (models Mh and Mth).

People who use drugs are not all equally likely to be seen: frequent users
meet every service. Rivest and Baillargeon's log-linear models (Rcapture,
``closedp.t``) account for it by adding to the design of model M0 (one
capture probability) or Mt (one per list) columns that depend only on the
number of lists ``w`` a history is on:

==========================  =============================================  =======================
name (Rcapture)             heterogeneity column(s) of a history on w lists  source
==========================  =============================================  =======================
``Mh/Mth Chao (LB)``        ``(w - j + 1)+`` for ``j = 3 .. t``              Chao (1987)
``Mh/Mth Poisson2``         ``2^w - 1``                                     Rivest & Baillargeon (2007)
``Mh/Mth Darroch``          ``w^2 / 2``                                     Darroch et al. (1993)
``Mh/Mth Gamma3.5``         ``-log(3.5 + w) + log(3.5)``                     Rivest & Baillargeon (2007)
==========================  =============================================  =======================

with ``t`` the number of lists. In the Chao lower-bound models every
coefficient ``eta_j`` must be >= 0; a negative one is set to 0 (its column
dropped, the model refitted, the first negative one first) as Rcapture's
``closedp.t`` does with ``neg = TRUE``: such a fit is at the boundary of the
parameter space and is flagged.

References
----------
Baillargeon S, Rivest L-P (2007). Rcapture: loglinear models for
capture-recapture in R. J Stat Softw 19(5). Rivest L-P (2011). A lower bound
model for multiple record systems estimation with heterogeneous catchability.
Int J Biostat 7(1):23. Chao A (1987). Biometrics 43:783-791. Darroch JN,
Fienberg SE, Glonek GFV, Junker BW (1993). JASA 88:1137-1148.

Examples
--------
>>> import numpy as np
>>> w = np.array([3.0, 2.0, 1.0])
>>> heterogeneity_columns(w, 3, "darroch").ravel().tolist()
[4.5, 2.0, 0.5]
>>> model_kind("Mth Chao (LB)"), model_name("Mh", "gamma")
(('Mth', 'chao'), 'Mh Gamma3.5')
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["HETEROGENEITY", "RCAPTURE_MODELS", "heterogeneity_columns", "model_kind", "model_name"]

#: heterogeneity form -> the suffix of its Rcapture model name
HETEROGENEITY = {"chao": "Chao (LB)", "poisson": "Poisson2", "darroch": "Darroch", "gamma": "Gamma3.5"}

#: Rcapture's ``closedp.t`` model names (log-linear ones, in its order) -> (base model, heterogeneity form)
RCAPTURE_MODELS = {
    "M0": ("M0", None), "Mt": ("Mt", None),
    **{f"Mh {v}": ("Mh", k) for k, v in HETEROGENEITY.items()},
    **{f"Mth {v}": ("Mth", k) for k, v in HETEROGENEITY.items()},
}

_GAMMA_THETA = 3.5
_POISSON_THETA = 2.0


def model_kind(name: str) -> tuple[str, str | None] | None:
    """Rcapture model name -> ``(base, heterogeneity)``; ``None`` when ``name`` is not one.

    Case and spaces are ignored (``"mth darroch"`` is ``"Mth Darroch"``).

    Parameters
    ----------
    name : str
        A model name as Rcapture writes it (``"Mth Darroch"``).

    Examples
    --------
    >>> model_kind("mth darroch"), model_kind("M0"), model_kind("xyz")
    (('Mth', 'darroch'), ('M0', None), None)
    """
    key = " ".join(str(name).split()).lower()
    for k, v in RCAPTURE_MODELS.items():
        if k.lower() == key:
            return v
    return None


def model_name(base: str, h: str | None) -> str:
    """``("Mth", "chao")`` -> ``"Mth Chao (LB)"`` (Rcapture's label).

    Parameters
    ----------
    base : str
        ``"M0"``, ``"Mt"``, ``"Mh"`` or ``"Mth"``.
    h : str or None
        The heterogeneity form (``None`` for M0 and Mt).

    Examples
    --------
    >>> model_name("Mth", "chao"), model_name("Mh", "poisson")
    ('Mth Chao (LB)', 'Mh Poisson2')
    """
    return base if h is None else f"{base} {HETEROGENEITY[h]}"


def heterogeneity_columns(nbcap: np.ndarray, t: int, h: str) -> np.ndarray:
    """Design columns of heterogeneity form ``h`` for histories on ``nbcap`` of ``t`` lists.

    Parameters
    ----------
    nbcap : array of float
        Number of lists each history is on (1 .. t).
    t : int
        Number of lists (at least 3 for a heterogeneity model to be identifiable).
    h : {"chao", "poisson", "darroch", "gamma"}

    Returns
    -------
    ndarray, shape (len(nbcap), q)
        ``q = t - 2`` columns for ``"chao"``, one otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> heterogeneity_columns(np.array([1.0, 2, 3]), 3, "poisson").ravel().tolist()   # 2**k - 1
    [1.0, 3.0, 7.0]
    >>> heterogeneity_columns(np.array([1.0, 2, 3]), 3, "chao").ravel().tolist()
    [0.0, 0.0, 1.0]
    """
    w = np.asarray(nbcap, dtype=float)
    if h == "chao":
        return np.column_stack([np.maximum(w - j + 1, 0.0) for j in range(3, t + 1)]) if t >= 3 \
            else np.zeros((len(w), 0))
    if h == "poisson":
        return (_POISSON_THETA ** w - 1)[:, None]
    if h == "darroch":
        return (w ** 2 / 2)[:, None]
    return (-np.log(_GAMMA_THETA + w) + math.log(_GAMMA_THETA))[:, None]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
