"""Shared pieces of the profile functions: result constants, level handling, domains, designs.

Not part of the public API (import from :mod:`drugtrends.profiles`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from drugtrends.errors import DesignError
from drugtrends.survey import SurveyDesign
from drugtrends.validate import as_list, require_columns

__all__: list[str] = []  # internal to drugtrends.profiles (import from there)

#: ``weighting`` column value of design-based results.
WEIGHTED = "design-weighted"
#: ``weighting`` column value of unweighted results (convenience samples).
UNWEIGHTED = "unweighted (convenience sample)"
#: A numeric column with more distinct values than this is refused as categorical.
MAX_CATEGORICAL_LEVELS = 20
#: Columns of :func:`~drugtrends.profiles.profile_table` after the ``by`` columns.
PROFILE_COLUMNS = ["group", "group_value", "characteristic", "kind", "level", "estimate", "se",
                   "ci_low", "ci_high", "n", "n_total", "deff", "std_diff", "p_value", "test",
                   "statistic", "ndf", "ddf", "suppressed", "flag", "weighting"]


def fmt(v) -> str:
    """Display string of a group value / level (1.0 -> "1", True -> "True")."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    return str(v)


def is_numeric(s: pd.Series) -> bool:
    """Numeric, not bool, not categorical."""
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            and not isinstance(s.dtype, pd.CategoricalDtype))


def levels(s: pd.Series) -> list:
    """All levels of a categorical characteristic (declared categories kept, in order)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist())


def _check_categorical(data: pd.DataFrame, c: str) -> None:
    s = data[c]
    if is_numeric(s):
        k = s.nunique(dropna=True)
        if k > MAX_CATEGORICAL_LEVELS:
            raise DesignError(
                f"characteristic {c!r} is numeric with {k} distinct values: it looks continuous, "
                f"not categorical (limit {MAX_CATEGORICAL_LEVELS} levels). Pass it as "
                f"continuous=[{c!r}] (weighted mean and median) or cut it into bands first "
                "(pandas.cut).")


def classify(data: pd.DataFrame, characteristics, continuous) -> list[tuple[str, str]]:
    """[(column, "categorical" | "continuous")] with clear errors for bad choices."""
    cat, cont = as_list(characteristics), as_list(continuous)
    if not cat and not cont:
        raise DesignError("give at least one characteristic (characteristics=[...] or continuous=[...])")
    require_columns(data, cat + cont, "characteristic")
    both = set(cat) & set(cont)
    if both:
        raise DesignError(f"{sorted(both)} given both as categorical and as continuous; choose one.")
    out = []
    for c in cat:
        _check_categorical(data, c)
        if data[c].notna().sum() == 0:
            raise DesignError(f"characteristic {c!r} is missing for every row; drop it from the table.")
        out.append((c, "categorical"))
    for c in cont:
        s = data[c]
        if not is_numeric(s):
            raise DesignError(
                f"continuous characteristic {c!r} has dtype {s.dtype}, not numeric; pass it in "
                "characteristics=[...] (categorical) instead, or convert it with pandas.to_numeric.")
        if s.notna().sum() == 0:
            raise DesignError(f"characteristic {c!r} is missing for every row; drop it from the table.")
        out.append((c, "continuous"))
    return out


def group_values(data: pd.DataFrame, group: str, values, mask: np.ndarray | None = None) -> list:
    """The group values to show: those given (each must have a row) or all present, sorted."""
    require_columns(data, [group], "group variable")
    col = data[group] if mask is None or mask.all() else data.loc[mask, group]
    present = [v for v in levels(col) if (col == v).any()]
    if not present:
        raise DesignError(f"group variable {group!r} is missing for every row: no users or non-users "
                          "to profile.")
    if values is None:
        return present
    out = []
    for v in as_list(values):
        if not (col == v).any():
            raise DesignError(
                f"no row has {group} == {v!r}: this group is empty (values present: "
                f"{[fmt(x) for x in present]}). Check the group value or the data subset.")
        out.append(v)
    return out


def by_keys(data: pd.DataFrame, by: list[str], mask: np.ndarray) -> pd.DataFrame:
    """The ``by`` domains present among ``mask`` rows, sorted (one empty key without ``by``)."""
    if not by:
        return pd.DataFrame(index=range(1))
    return (data.loc[mask, by].dropna().drop_duplicates().sort_values(by).reset_index(drop=True))


def by_mask(data: pd.DataFrame, by: list[str], key) -> np.ndarray:
    """Rows of one ``by`` domain."""
    m = np.ones(len(data), dtype=bool)
    for c in by:
        m &= (data[c] == key[c]).to_numpy(dtype=bool, na_value=False)
    return m


def design_of(data_or_design, weights, strata=None, psu=None):
    """(design or None, data, weighting label)."""
    if isinstance(data_or_design, SurveyDesign):
        if weights is not None:
            raise DesignError("weights= is for a plain DataFrame; a SurveyDesign already has its weights.")
        return data_or_design, data_or_design.data, WEIGHTED
    if not isinstance(data_or_design, pd.DataFrame):
        raise DesignError(f"expected a SurveyDesign or a pandas DataFrame, got {type(data_or_design).__name__}")
    if weights is None:
        return None, data_or_design, UNWEIGHTED
    require_columns(data_or_design, [weights], "weight column")
    return SurveyDesign(data_or_design, weight=weights, strata=strata, psu=psu), data_or_design, WEIGHTED


def mask_of(design: SurveyDesign | None, data: pd.DataFrame) -> np.ndarray:
    """The rows of a (subset) design; every row without a design."""
    if design is None:
        return np.ones(len(data), dtype=bool)
    return design.mask


def require_design(design, what: str) -> SurveyDesign:
    """``design`` if it is a SurveyDesign, else a DesignError saying ``what`` needs one."""
    if not isinstance(design, SurveyDesign):
        raise DesignError(f"{what} needs a SurveyDesign.")
    return design


def weighted_var(x: np.ndarray, w: np.ndarray) -> float:
    """Austin (2009) weighted variance ``sum w / ((sum w)^2 - sum w^2) * sum w (x - m)^2``."""
    sw = w.sum()
    if sw <= 0 or len(x) < 2:
        return np.nan
    m = np.sum(w * x) / sw
    den = sw**2 - np.sum(w**2)
    return float(sw / den * np.sum(w * (x - m) ** 2)) if den > 0 else np.nan


def standardized_difference(x1, x0, w1=None, w0=None, binary: bool | None = None) -> float:
    """Standardised difference between two groups (Austin 2009), weighted or not.

    Binary ``x``: ``(p1 - p0) / sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2)``;
    continuous: ``(m1 - m0) / sqrt((s1^2 + s0^2) / 2)`` with the weighted
    variance of Austin (2009) (the usual sample variance when unweighted).

    Parameters
    ----------
    x1, x0 : array_like
        Values in group 1 and group 0 (NaN dropped).
    w1, w0 : array_like, optional
        Weights (default 1).
    binary : bool, optional
        Treat ``x`` as 0/1 (default: when all values are 0 or 1).

    Returns
    -------
    float (NaN when a group is empty or both variances are 0)

    Examples
    --------
    >>> round(standardized_difference([1, 1, 0, 0], [1, 0, 0, 0]), 4)
    0.5345
    >>> round(standardized_difference([1.0, 2, 3], [2.0, 3, 4]), 4)
    -1.0
    """
    x1, x0 = np.asarray(x1, dtype=float), np.asarray(x0, dtype=float)
    w1 = np.ones_like(x1) if w1 is None else np.asarray(w1, dtype=float)
    w0 = np.ones_like(x0) if w0 is None else np.asarray(w0, dtype=float)
    k1, k0 = ~np.isnan(x1), ~np.isnan(x0)
    x1, w1, x0, w0 = x1[k1], w1[k1], x0[k0], w0[k0]
    if w1.sum() <= 0 or w0.sum() <= 0:
        return np.nan
    if binary is None:
        binary = bool(np.isin(np.concatenate([x1, x0]), (0.0, 1.0)).all())
    m1, m0 = np.sum(w1 * x1) / w1.sum(), np.sum(w0 * x0) / w0.sum()
    if binary:
        v = (m1 * (1 - m1) + m0 * (1 - m0)) / 2
    else:
        v = (weighted_var(x1, w1) + weighted_var(x0, w0)) / 2
    return float((m1 - m0) / np.sqrt(v)) if v > 0 else np.nan


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
