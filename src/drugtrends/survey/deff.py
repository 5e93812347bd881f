"""Design effect of a ratio (R ``svyratio(..., deff = TRUE)``).

R computes it as the design effect of the total of the linearised ratio
variable ``r_i = (y_i - R x_i) / X`` over the domain (``X`` = weighted total of
the denominator):

``deff = Var(R_hat) / Vsrs``, ``Vsrs = s2_r * N_w^2 * (N_w - n) / (N_w * n)``
(``replace=True``: ``s2_r * N_w^2 / n``), with ``s2_r = n/(n-1) * sum w r^2 / N_w``
(``r`` has weighted mean 0), ``n`` the domain rows with a positive weight and
both variables observed, ``N_w`` their weight sum. Taylor designs only (R's
``svyratio`` on replicate designs fails with ``deff = TRUE``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError
from ..validate import as_list, require_columns

__all__ = ["ratio_deff"]


def ratio_deff(design: Any, numerator: str, denominator: str, by: str | list[str] | None = None, *,
               replace: bool = False, **kw: Any) -> pd.DataFrame:
    """Ratio estimates with their design effect filled in (R ``svyratio(deff=TRUE)``).

    Parameters
    ----------
    design : SurveyDesign
        A Taylor-linearisation design (subset allowed).
    numerator, denominator : str
        One numerator and one denominator column.
    by : str or list of str, optional
        Domain columns (R ``svyby(..., svyratio, deff = TRUE)``).
    replace : bool
        With-replacement SRS reference (R ``deff = "replace"``).
    **kw
        Passed to :meth:`SurveyDesign.ratio` (``ci``, ``level``, ``df``).

    Returns
    -------
    DataFrame
        The table of :meth:`SurveyDesign.ratio` with ``deff`` computed.

    Examples
    --------
    >>> import pandas as pd
    >>> from drugtrends.survey import SurveyDesign
    >>> df = pd.DataFrame({"psu": range(6), "w": [1.0, 2, 1, 2, 1, 2], "a": [1, 2, 0, 4, 1, 3],
    ...                    "b": [2, 3, 1, 5, 2, 3]})
    >>> r = ratio_deff(SurveyDesign(df, "w", psu="psu"), "a", "b")
    >>> round(float(r.deff[0]), 6)   # high: SRS without replacement from N = 9
    3.189011
    """
    if design.is_replicate:
        raise DesignError("the design effect of a ratio is implemented for Taylor designs "
                          "(R svyratio fails with deff = TRUE on replicate designs).")
    by = as_list(by)
    data = design.data
    require_columns(data, [numerator, denominator, *by], "variable")
    out = design.ratio(numerator, denominator, by=by or None, **kw)   # deff: the kernel's (wor)
    if not replace:
        return out
    # with replacement: Vsrs loses the factor (N_w - n) / N_w, so deff gains it
    y = pd.to_numeric(data[numerator], errors="coerce").to_numpy(dtype=float)
    x = pd.to_numeric(data[denominator], errors="coerce").to_numpy(dtype=float)
    w = np.asarray(design.weights, dtype=float)
    keep = np.asarray(design.mask, dtype=bool) & ~np.isnan(y) & ~np.isnan(x)
    if by:
        keep &= data[by].notna().all(axis=1).to_numpy()
    frame = pd.DataFrame({"w": w, "pos": (w > 0).astype(float)})[keep]
    if by:
        frame = pd.concat([frame.reset_index(drop=True), data.loc[keep, by].reset_index(drop=True)], axis=1)
        sums = frame.groupby(by, observed=True).sum().reset_index()
        sums = out[by].merge(sums, on=by, how="left")
    else:
        sums = frame.sum().to_frame().T
    Nw, n = sums["w"].to_numpy(), sums["pos"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deff"] = out["deff"].to_numpy() * (Nw - n) / Nw
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
