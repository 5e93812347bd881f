"""Design columns of a data frame -> checked weights and the frozen design structure.

Every check names the column, the row and what to do (missing or negative
weights, missing strata or PSUs, PSU ids not nested in strata, FPC values,
strata with a single PSU under ``lonely_psu="fail"``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"st": [1, 1, 2], "p": [1, 2, 1]})
>>> design_structure(df, np.ones(3), "st", "p", None, True, "fail")   # doctest: +ELLIPSIS
Traceback (most recent call last):
...
drugtrends.errors.DesignError: stratum 2 of column 'st' has only one PSU: its variance cannot be estimated. ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import DesignError
from .kernel import DesignStructure

__all__ = ["check_weights", "design_structure", "lonely_psu_error", "check_rho", "check_rscales",
           "replicate_columns", "replicate_values", "check_key_types"]


def _py(x: Any) -> Any:
    """numpy scalar -> Python scalar (readable in messages)."""
    return x.item() if isinstance(x, np.generic) else x


def _first_bad(data: pd.DataFrame, bad: np.ndarray) -> tuple[int, Any]:
    pos = int(np.flatnonzero(bad)[0])
    return pos, _py(data.index[pos])


def lonely_psu_error(labels: Sequence[Any], strata: str | None) -> DesignError:
    """The error for strata with a single PSU under ``lonely_psu="fail"``, naming them and the rules.

    Parameters
    ----------
    labels : sequence
        Labels of the strata with one PSU.
    strata : str or list of str
        The strata column(s), for the message.

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


def check_weights(data: pd.DataFrame, weight: str | None) -> np.ndarray:
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
        w: np.ndarray = pd.to_numeric(col, errors="raise").to_numpy(dtype=float, na_value=np.nan)
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


def _codes(data: pd.DataFrame, col: str, what: str) -> tuple[np.ndarray, Any]:
    s = data[col]
    if s.isna().any():
        pos, lab = _first_bad(data, s.isna().to_numpy())
        raise DesignError(f"{what} column {col!r} has a missing value at row {lab!r} "
                          f"(position {pos}); every row needs a {'stratum' if what == 'strata' else what}.")
    check_key_types(data, col, what)
    codes: np.ndarray
    try:
        codes, uniques = pd.factorize(s, sort=True)
        return codes, uniques
    except TypeError:
        raise DesignError(f"{what} column {col!r} holds values that cannot be ordered: convert it to "
                          "one type.") from None


def check_key_types(data: pd.DataFrame, col: str, what: str) -> None:
    """Refuse a strata / PSU column that mixes text and numbers: 1 and "1" would be two
    strata in memory and one in a database; every engine refuses it the same way.

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    col : str
        The strata or PSU column.
    what : str
        ``"strata"`` or ``"PSU"``, for the message.

    Examples
    --------
    >>> check_key_types(pd.DataFrame({"st": [1, 2]}), "st", "strata")
    >>> check_key_types(pd.DataFrame({"st": [1, "1"]}), "st", "strata")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drugtrends.errors.DesignError: strata column 'st' mixes text and numbers (text '1' at row 1): ...
    """
    s = data[col]
    if s.dtype != object:
        return
    kinds = {isinstance(x, (str, bytes)) for x in s.dropna().unique()}
    if len(kinds) > 1:   # 1 and "1" would be two strata / PSUs: refuse, never guess
        pos, lab = _first_bad(data, s.map(lambda x: isinstance(x, (str, bytes))).to_numpy(dtype=bool))
        raise DesignError(f"{what} column {col!r} mixes text and numbers (text {s.iloc[pos]!r} at "
                          f"row {lab!r}): 1 and '1' would count as two. Convert the column to one "
                          f"type first (df[{col!r}].astype(str) or pd.to_numeric).")


def _check_nested(psu: str, s_codes: np.ndarray, s_uni: Any, p_codes: np.ndarray, p_uni: Any) -> None:
    per_psu = pd.Series(s_codes).groupby(p_codes).nunique()
    if (per_psu > 1).any():
        bad = _py(p_uni[int(per_psu.index[np.argmax(per_psu.to_numpy() > 1)])])
        strs = sorted({_py(x) for x in s_uni[s_codes[p_codes == np.flatnonzero(p_uni == bad)[0]]]})
        raise DesignError(
            f"PSU id {bad!r} of column {psu!r} occurs in several strata ({strs[:5]}): "
            "PSU ids are not nested in strata. If PSU ids are only unique within a "
            "stratum (as NHANES SDMVPSU), use nest=True.")


def _fpc_factor(data: pd.DataFrame, fpc: str, s_codes: np.ndarray, s_uni: Any, n_h: np.ndarray) -> np.ndarray:
    v = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(v).any() or (v <= 0).any():
        pos, lab = _first_bad(data, np.isnan(v) | (v <= 0))
        raise DesignError(f"fpc column {fpc!r} has a missing or non-positive value at row {lab!r}.")
    per = pd.Series(v).groupby(s_codes)
    if (per.nunique() > 1).any():
        h = int(per.nunique().index[np.argmax(per.nunique().to_numpy() > 1)])
        raise DesignError(f"fpc column {fpc!r} is not constant within stratum {_py(s_uni[h])!r}.")
    val: np.ndarray = per.first().reindex(range(len(n_h))).to_numpy()
    if (v <= 1).all():
        return 1.0 - val  # sampling fractions
    if (val < n_h).any():
        h = int(np.flatnonzero(val < n_h)[0])
        raise DesignError(f"fpc column {fpc!r}: stratum {_py(s_uni[h])!r} has "
                          f"{int(n_h[h])} sampled PSUs but a population of {val[h]:g}.")
    factor: np.ndarray = (val - n_h) / val
    return factor


def design_structure(data: pd.DataFrame, w: np.ndarray, strata: str | None, psu: str | None, fpc: str | None,
                     nest: bool, lonely_psu: str, adjust_domain_lonely: bool = False) -> DesignStructure:
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


# --------------------------------------------------------------------------- replicate specifications
def check_rho(rho: Any, method: str = "Fay") -> float:
    """Fay's coefficient: a number with 0 < rho < 1 (``replicate()`` and ``to_replicate()`` alike).

    Parameters
    ----------
    rho : float
        The coefficient given.
    method : str
        The replicate method, for the message.

    Examples
    --------
    >>> check_rho(0.3)
    0.3
    >>> check_rho(1.0)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drugtrends.errors.DesignError: Fay's method needs 0 < rho < 1 (got rho=1.0; ...
    """
    if rho is None:
        raise DesignError(f"method={method!r} needs rho= (e.g. 0.3 for NHANES III, 0.5 for MEPS).")
    try:
        v = float(rho)
    except (TypeError, ValueError):
        raise DesignError(f"rho={rho!r} is not a number; Fay's method needs 0 < rho < 1.") from None
    if not 0 < v < 1:
        raise DesignError(f"Fay's method needs 0 < rho < 1 (got rho={rho!r}; NHANES III uses 0.3): "
                          "rho = 1 divides the variance by zero, rho = 0 is BRR.")
    return v


def check_rscales(rscales: ArrayLike | None, R: int) -> np.ndarray:
    """Per-replicate multipliers: one number (used for every replicate) or ``R`` finite,
    non-negative numbers.

    Parameters
    ----------
    rscales : float or array_like
        One multiplier, or one per replicate.
    R : int
        Number of replicates.

    Examples
    --------
    >>> check_rscales(None, 2).tolist(), check_rscales(0.5, 2).tolist()
    ([1.0, 1.0], [0.5, 0.5])
    >>> check_rscales([1, 2, 3], 2)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drugtrends.errors.DesignError: rscales has 3 values but there are 2 replicate weight columns: ...
    """
    if rscales is None:
        return np.ones(R)
    try:
        v = np.asarray(rscales, dtype=float)
    except (TypeError, ValueError):
        raise DesignError(f"rscales={rscales!r} is not numeric.") from None
    if v.ndim == 0:
        v = np.full(R, float(v))
    if v.ndim != 1 or len(v) != R:
        raise DesignError(f"rscales has {v.size} values but there are {R} replicate weight columns: "
                          "give one value per replicate (or a single number).")
    if not np.isfinite(v).all() or (v < 0).any():
        raise DesignError("rscales must be finite and >= 0.")
    return v.copy()


def replicate_columns(data: pd.DataFrame, rep_weights: str | Sequence[str], weight: str | None = None) -> list[Any]:
    """The replicate weight columns: a list, or every column starting with a prefix
    (never the full-sample weight itself: ACS ``PWGTP`` / ``PWGTP1..80``).

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    rep_weights : str or list of str
        Column names, or a prefix (``"PWGTP"``) as a string.
    weight : str, optional
        The full-sample weight column (never taken as a replicate).

    Examples
    --------
    >>> df = pd.DataFrame({"PWGTP": [1.0], "PWGTP1": [2.0], "PWGTP2": [0.0]})
    >>> replicate_columns(df, "PWGTP", "PWGTP")
    ['PWGTP1', 'PWGTP2']
    """
    from ..errors import UnknownVariableError
    from ..validate import require_columns
    if isinstance(rep_weights, str):
        cols = [c for c in data.columns if str(c).startswith(rep_weights) and c != weight]
        if not cols:
            raise UnknownVariableError(f"no column starts with the replicate-weight prefix {rep_weights!r}"
                                       + (f" (other than the weight {weight!r})" if weight else "") + ".")
        return cols
    cols = list(rep_weights)
    require_columns(data, cols, "replicate weight column")
    if weight is not None and weight in cols:
        raise DesignError(f"the full-sample weight {weight!r} is also listed as a replicate weight: "
                          "drop it from rep_weights.")
    if len(set(cols)) != len(cols):
        raise DesignError("a replicate weight column is listed twice.")
    return cols


def replicate_values(data: pd.DataFrame, col: Any) -> np.ndarray:
    """One replicate weight column as floats; missing, infinite or non-numeric values raise
    DesignError naming the column and row (negative values are allowed: calibrated
    replicate weights such as the ACS's may be negative).

    Parameters
    ----------
    data : DataFrame
        The survey rows.
    col : str
        A replicate weight column.

    Examples
    --------
    >>> replicate_values(pd.DataFrame({"r1": [1, 2]}), "r1").tolist()
    [1.0, 2.0]
    """
    s = data[col]
    if not pd.api.types.is_numeric_dtype(s):
        s = pd.to_numeric(s, errors="coerce")
    v: np.ndarray
    if s.dtype == np.float64:
        v = s.to_numpy()               # a view: no copy of the replicate columns
    else:
        v = s.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(v)
    if bad.any():
        pos, lab = _first_bad(data, bad)
        what = "missing" if np.isnan(v[pos]) else "infinite"
        raise DesignError(f"replicate weight {col!r} is {what} at row {lab!r} (position {pos}; "
                          f"{int(bad.sum())} such values in the column): every replicate weight must be "
                          "a finite number.")
    return v


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
