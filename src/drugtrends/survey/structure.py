"""Design columns of a data frame -> checked weights and the frozen design structure.

Every check names the column, the row and what to do (missing or negative
weights, missing strata or PSUs, PSU ids not nested in strata, FPC values,
strata with a single PSU under ``lonely_psu="fail"``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"st": [1, 1, 2], "p": [1, 2, 1]})
>>> design_structure(df, np.ones(3), "st", "p", None, True, "fail")
Traceback (most recent call last):
...
drugtrends.errors.DesignError: stratum 2 of column 'st' has only one PSU: its variance cannot be estimated. Choose a rule with lonely_psu='remove', 'certainty', 'adjust' or 'average' (as R options(survey.lonely.psu)), or collapse strata.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DesignError
from .kernel import DesignStructure

__all__ = ["check_weights", "design_structure", "lonely_psu_error"]


def _py(x):
    """numpy scalar -> Python scalar (readable in messages)."""
    return x.item() if isinstance(x, np.generic) else x


def _first_bad(data: pd.DataFrame, bad: np.ndarray):
    pos = int(np.flatnonzero(bad)[0])
    return pos, _py(data.index[pos])


def lonely_psu_error(labels, strata) -> DesignError:
    """The error for strata with a single PSU under ``lonely_psu="fail"``, naming them and the rules.

    Examples
    --------
    >>> print(lonely_psu_error([7], "st"))   # doctest: +ELLIPSIS
    stratum 7 of column 'st' has only one PSU: its variance cannot be estimated. Choose ...
    """
    labs = [_py(x) for x in labels]
    return DesignError(
        f"stratum {labs[0]!r} of column {strata!r} has only one PSU"
        + (f" (also {labs[1:]})" if len(labs) > 1 else "")
        + ": its variance cannot be estimated. Choose a rule with lonely_psu="
        "'remove', 'certainty', 'adjust' or 'average' (as R options(survey.lonely.psu)), "
        "or collapse strata.")


def check_weights(data: pd.DataFrame, weight) -> np.ndarray:
    """Weights as floats; missing, negative, infinite or all-zero weights raise DesignError.

    Parameters
    ----------
    data : DataFrame
    weight : str
        The weight column (None is an error).

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> import pandas as pd
    >>> check_weights(pd.DataFrame({"w": [1, 2]}), "w").tolist()
    [1.0, 2.0]
    """
    if weight is None:
        raise DesignError("weight is None: give the name of the sampling weight column "
                          "(SurveyDesign(df, weight='WTINT2YR', ...)).")
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
    if len(w) and not (w > 0).any():
        raise DesignError(f"every weight of column {weight!r} is 0: no estimate can be formed. "
                          "Check the weight column.")
    return w


def _codes(data, col, what):
    s = data[col]
    if s.isna().any():
        pos, lab = _first_bad(data, s.isna().to_numpy())
        raise DesignError(f"{what} column {col!r} has a missing value at row {lab!r} "
                          f"(position {pos}); every row needs a {'stratum' if what == 'strata' else what}.")
    return pd.factorize(s, sort=True)


def _check_nested(psu, s_codes, s_uni, p_codes, p_uni):
    per_psu = pd.Series(s_codes).groupby(p_codes).nunique()
    if (per_psu > 1).any():
        bad = _py(p_uni[int(per_psu.index[np.argmax(per_psu.to_numpy() > 1)])])
        strs = sorted({_py(x) for x in s_uni[s_codes[p_codes == np.flatnonzero(p_uni == bad)[0]]]})
        raise DesignError(
            f"PSU id {bad!r} of column {psu!r} occurs in several strata ({strs[:5]}): "
            "PSU ids are not nested in strata. If PSU ids are only unique within a "
            "stratum (as NHANES SDMVPSU), use nest=True.")


def _fpc_factor(data, fpc, s_codes, s_uni, n_h) -> np.ndarray:
    v = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(v).any() or (v <= 0).any():
        pos, lab = _first_bad(data, np.isnan(v) | (v <= 0))
        raise DesignError(f"fpc column {fpc!r} has a missing or non-positive value at row {lab!r}.")
    per = pd.Series(v).groupby(s_codes)
    if (per.nunique() > 1).any():
        h = int(per.nunique().index[np.argmax(per.nunique().to_numpy() > 1)])
        raise DesignError(f"fpc column {fpc!r} is not constant within stratum {_py(s_uni[h])!r}.")
    val = per.first().reindex(range(len(n_h))).to_numpy()
    if (v <= 1).all():
        return 1.0 - val  # sampling fractions
    if (val < n_h).any():
        h = int(np.flatnonzero(val < n_h)[0])
        raise DesignError(f"fpc column {fpc!r}: stratum {_py(s_uni[h])!r} has "
                          f"{int(n_h[h])} sampled PSUs but a population of {val[h]:g}.")
    return (val - n_h) / val


def design_structure(data, w, strata, psu, fpc, nest, lonely_psu,
                     adjust_domain_lonely=False) -> DesignStructure:
    """The :class:`~drugtrends.survey.kernel.DesignStructure` of a data frame's design columns.

    Parameters
    ----------
    data : DataFrame
    w : ndarray
        Checked weights (:func:`check_weights`).
    strata, psu, fpc : str or None
        Column names.
    nest : bool
        PSU ids unique only within strata.
    lonely_psu : str
        Lonely-PSU rule; ``"fail"`` raises for strata with one PSU.
    adjust_domain_lonely : bool

    Returns
    -------
    DesignStructure

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"st": [1, 1, 2, 2], "p": [1, 2, 1, 2]})
    >>> s = design_structure(df, np.ones(4), "st", "p", None, True, "fail")
    >>> s.n_psu, s.n_strata, s.df
    (4, 2, 2.0)
    """
    n = len(data)
    if strata is not None:
        s_codes, s_uni = _codes(data, strata, "strata")
    else:
        s_codes, s_uni = np.zeros(n, dtype=np.int64), pd.Index(["(all)"])
    if psu is not None:
        p_codes, p_uni = _codes(data, psu, "PSU")
        if not nest and strata is not None:
            _check_nested(psu, s_codes, s_uni, p_codes, p_uni)
    else:
        p_codes, p_uni = np.arange(n, dtype=np.int64), pd.RangeIndex(n)
    combo = s_codes.astype(np.int64) * (len(p_uni) + 1) + p_codes
    psu_codes, combo_uni = pd.factorize(combo, sort=True)
    psu_codes = psu_codes.astype(np.int64)
    stratum_of_psu = (combo_uni // (len(p_uni) + 1)).astype(np.int64)
    n_h = np.bincount(stratum_of_psu, minlength=len(s_uni)).astype(float)
    f_h = _fpc_factor(data, fpc, s_codes, s_uni, n_h) if fpc is not None else np.ones(len(s_uni))
    lonely = np.flatnonzero(n_h == 1)
    if lonely.size and lonely_psu == "fail":
        raise lonely_psu_error([s_uni[i] for i in lonely[:10]], strata)
    pos = w > 0
    psus = np.unique(psu_codes[pos])
    df = float(len(psus) - len(np.unique(stratum_of_psu[psus]))) if pos.any() else 0.0
    return DesignStructure(stratum_of_psu, n_h, f_h, lonely_psu, df, s_uni, psu=psu_codes, weights=w,
                           adjust_domain_lonely=adjust_domain_lonely)
