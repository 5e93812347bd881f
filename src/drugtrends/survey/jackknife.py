"""Jackknife replicate weights from a Taylor design's structure (R ``as.svrepdesign``).

Examples
--------
>>> import numpy as np
>>> from drugtrends.survey.kernel import DesignStructure
>>> s = DesignStructure(np.array([0, 0]), np.array([2.0]), np.ones(1), "fail", 1.0,
...                     psu=np.array([0, 1]), weights=np.ones(2))
>>> W, scale, rscales = jackknife_weights(s, "JKn")
>>> W.tolist(), scale, rscales.tolist()
([[0.0, 2.0], [2.0, 0.0]], None, [0.5, 0.5])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..errors import DesignError

if TYPE_CHECKING:
    from .kernel import DesignStructure

__all__ = ["jackknife_weights"]


def jackknife_weights(structure: DesignStructure, method: str = "JKn"
                      ) -> tuple[NDArray[np.float64], float | None, NDArray[np.float64] | None]:
    """Delete-one-PSU replicate weights.

    ``"JKn"``: one replicate per PSU; the PSU's weights are set to 0, the
    other PSUs of its stratum are multiplied by ``n_h/(n_h-1)``;
    ``rscales = (n_h-1)/n_h`` times the FPC factor. ``"JK1"`` (no strata):
    ``scale = (n-1)/n``.

    Parameters
    ----------
    structure : DesignStructure
        Of an in-memory Taylor design (row PSU codes and weights).
    method : {"JKn", "JK1"}

    Returns
    -------
    (W, scale, rscales)
        ``(n_rows, n_psu)`` replicate weights; ``scale`` (None for JKn = 1);
        ``rscales`` (None for JK1).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> d = pd.DataFrame({"psu": [1, 2, 3, 4], "st": [1, 1, 2, 2], "w": [1.0, 2, 1, 3]})
    >>> W, scale, rscales = jackknife_weights(SurveyDesign(d, weight="w", strata="st", psu="psu").structure)
    >>> W.tolist(), scale, rscales.tolist()
    ([[0.0, 2.0, 1.0, 1.0], [4.0, 0.0, 2.0, 2.0], [1.0, 1.0, 0.0, 2.0], [3.0, 3.0, 6.0, 0.0]], None, [0.5, 0.5, 0.5, 0.5])
    """
    s = structure
    if method not in ("JKn", "JK1"):
        raise DesignError(f"to_replicate(method={method!r}): use 'JKn' or 'JK1'")
    if (s.n_h < 2).any():
        h = int(np.flatnonzero(s.n_h < 2)[0])
        lab = s.strata_labels[h]
        lab = lab.item() if isinstance(lab, np.generic) else lab
        raise DesignError(f"stratum {lab!r} has one PSU: a jackknife replicate cannot be formed; "
                          "collapse strata first.")
    if method == "JK1" and s.n_strata > 1:
        raise DesignError("JK1 replicates are for unstratified designs; use method='JKn'.")
    if s.psu is None or s.weights is None:
        raise DesignError("jackknife replicates need the rows in memory (structure without psu codes)")
    U = s.n_psu
    st_row = s.stratum_of_psu[s.psu]
    nh = s.n_h[st_row]
    W = np.empty((len(s.psu), U))
    for u in range(U):
        factor = np.where(st_row == s.stratum_of_psu[u], nh / (nh - 1), 1.0)
        factor[s.psu == u] = 0.0
        W[:, u] = s.weights * factor
    if method == "JKn":
        nh_u = s.n_h[s.stratum_of_psu]
        return W, None, (nh_u - 1) / nh_u * s.f_h[s.stratum_of_psu]
    return W, (U - 1) / U, None


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
