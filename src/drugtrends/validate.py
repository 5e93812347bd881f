"""Argument checks shared by every layer: one place, one wording.

Each check raises a :mod:`drugtrends.errors` class whose message names what
was wrong (the column, the level, the value) and what to do, so library
exceptions (``KeyError: None``, ``LinAlgError``...) never reach the user.

Examples
--------
>>> import pandas as pd
>>> from drugtrends.validate import as_list, require_columns
>>> as_list("year"), as_list(None), as_list(("a", "b"))
(['year'], [], ['a', 'b'])
>>> require_columns(pd.DataFrame({"year": [1]}), ["yaer"], what="by column")
Traceback (most recent call last):
...
drugtrends.errors.UnknownVariableError: by column 'yaer' is not in the data (1 columns). Did you mean: 'year'?
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from drugtrends._compat import arguments, renamed
from drugtrends.errors import DrugtrendsError, InputError, InputTypeError, UnknownVariableError

__all__ = [
    "as_list",
    "check_level",
    "check_in_range",
    "check_choice",
    "check_type",
    "require_columns",
    "require_unique",
    "suggest",
]


def as_list(x: Any) -> list[Any]:
    """Return ``x`` as a list: ``None`` -> ``[]``, a scalar or string -> ``[x]``.

    Parameters
    ----------
    x : object
        ``None``, a scalar (string included) or a sequence.

    Returns
    -------
    list

    Examples
    --------
    >>> as_list("year"), as_list(None), as_list(("a", "b")), as_list(3)
    (['year'], [], ['a', 'b'], [3])
    """
    if x is None:
        return []
    if isinstance(x, (str, bytes)) or not isinstance(x, (Sequence, pd.Index, set, frozenset)):
        return [x]
    return list(x)


def suggest(name: object, candidates: Iterable[object], n: int = 5) -> str:
    """Return ``" Did you mean: 'a', 'b'?"`` for close matches, or ``""``.

    Parameters
    ----------
    name : object
        What the user typed.
    candidates : iterable
        The valid names.
    n : int
        At most this many suggestions.

    Examples
    --------
    >>> suggest("yaer", ["year", "sex", "weight"])
    " Did you mean: 'year'?"
    >>> suggest("zzz", ["year"])
    ''
    >>> suggest("Gender", ["year", "sex"])     # one spelling per concept: a synonym first
    " Did you mean: 'sex'?"
    """
    cands = [str(c) for c in candidates]
    close = [c for c in _SYNONYMS.get(str(name).lower(), ()) if c in cands]
    close += [c for c in difflib.get_close_matches(str(name), cands, n=n, cutoff=0.5) if c not in close]
    close += [c for c in cands if c.lower() == str(name).lower() and c not in close]
    return f" Did you mean: {', '.join(map(repr, close[:n]))}?" if close else ""


#: names users type for a concept the package spells one way (docs/ARCHITECTURE.md, "One vocabulary")
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "gender": ("sex",), "sexe": ("sex",), "female": ("sex",), "genre": ("sex",),
    "annee": ("year",), "année": ("year",), "yr": ("year",), "survey_year": ("year",),
    "weights": ("weight",), "wt": ("weight",), "poids": ("weight",),
    "flags": ("flag",), "count": ("n", "n_implicated"),
}


@arguments(renamed("df", "data"))
def require_columns(data: pd.DataFrame, columns: Iterable[object], what: str = "column",
                    where: str | None = None) -> None:
    """Raise :class:`~drugtrends.errors.UnknownVariableError` for the first absent column.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : iterable
        Column names; ``None`` is reported as a missing name, not looked up.
    what : str
        How the column is called in the message (``"weight column"``...).
    where : str, optional
        The data's name (a file path, a dataset id) for the message.

    Raises
    ------
    UnknownVariableError
        A column is absent (the message suggests close names).
    InputError
        The data has duplicated column names.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"year": [2020], "sex": ["f"]}), ["year", "sex"])
    >>> require_columns(pd.DataFrame({"year": [2020]}), ["weight"], what="weight column", where="my.csv")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownVariableError: weight column 'weight' is not in the data of my.csv (1 columns).
    """
    dup = data.columns[data.columns.duplicated()].unique().tolist()
    if dup:
        raise InputError(f"the data{f' ({where})' if where else ''} has duplicated column names "
                         f"{dup}: rename them (data.columns) before use.")
    for c in columns:
        if c is None:
            raise UnknownVariableError(f"{what} is None: give the name of a column of the data.")
        if c not in data.columns:
            src = f" of {where}" if where else ""
            raise UnknownVariableError(
                f"{what} {c!r} is not in the data{src} ({data.shape[1]} columns).{suggest(c, data.columns)}")


def require_unique(values: Iterable[object], what: str) -> list[Any]:
    """Return ``values`` as a list; raise :class:`InputError` when one repeats.

    Parameters
    ----------
    values : str or iterable
        Names (a single name is a one-element list).
    what : str
        What they are, for the message (``"by"``, ``"outcomes"``).

    Examples
    --------
    >>> require_unique(["sex", "age"], "by")
    ['sex', 'age']
    >>> require_unique(["sex", "sex"], "by")
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: by lists 'sex' twice (['sex', 'sex']): give each name once.
    """
    vals = as_list(values)
    seen: set[object] = set()
    dup = [v for v in vals if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
    if dup:
        raise InputError(f"{what} lists {dup[0]!r} twice ({vals}): give each name once.")
    return vals


def check_level(level: float, name: str = "level") -> float:
    """Check a confidence level is a probability in (0, 1): ``0.95``, not ``95``.

    Parameters
    ----------
    level : float
        The confidence level.
    name : str
        The argument's name, for the message.

    Returns
    -------
    float

    Examples
    --------
    >>> check_level(0.9)
    0.9
    >>> check_level(95)
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: level=95 must be strictly between 0 and 1 (did you mean 0.95?).
    """
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise InputError(f"{name}={level!r} is not a number: give a confidence level such as 0.95.") from None
    if not (0.0 < lv < 1.0) or math.isnan(lv):
        hint = f" (did you mean {lv / 100:g}?)" if 1.0 < lv < 100.0 else ""
        raise InputError(f"{name}={level!r} must be strictly between 0 and 1{hint}.")
    return lv


def check_in_range(value: float, name: str, low: float, high: float, *,
                   low_open: bool = False, high_open: bool = False, integer: bool = False) -> float:
    """Check ``low <= value <= high`` (bounds open when asked); return the value.

    Parameters
    ----------
    value : float
        The value to check.
    name : str
        The argument's name, for the message.
    low, high : float
        The bounds.
    low_open, high_open : bool
        Exclude the bound.
    integer : bool
        The value must be a whole number (returned as ``int``).

    Raises
    ------
    InputError
        Naming the argument, its value and the valid range.

    Examples
    --------
    >>> check_in_range(3.0, "max_joinpoints", 0, 9, integer=True)
    3
    >>> check_in_range(0, "n_permutations", 0, 1e6, low_open=True)
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: n_permutations=0 must be a number in (0, 1e+06].
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}={value!r} is not a number.") from None
    bad = (math.isnan(v) or (v <= low if low_open else v < low) or (v >= high if high_open else v > high)
           or (integer and v != int(v)))
    if bad:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        kind = "an integer" if integer else "a number"
        raise InputError(f"{name}={value!r} must be {kind} in {lo}{low:g}, {high:g}{hi}.")
    return int(v) if integer else v


def check_choice(value: object, name: str, choices: Iterable[object],
                 error: type[DrugtrendsError] = InputError) -> object:
    """Check ``value`` is one of ``choices``; the message lists them.

    The one way to check a choice argument (``method=``, ``kind=``, ``lang=``...).

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The argument's name, for the message.
    choices : iterable
        The valid values.
    error : type
        The :mod:`drugtrends.errors` class raised (``DesignError`` for a
        design argument such as ``lonely_psu``); default :class:`InputError`.

    Examples
    --------
    >>> check_choice("logit", "ci", ["wald", "logit"])
    'logit'
    >>> check_choice("logt", "ci", ["wald", "logit"])
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: ci='logt' is not one of 'wald', 'logit'. Did you mean: 'logit'?
    """
    opts = list(choices)
    if value not in opts:
        raise error(f"{name}={value!r} is not one of {', '.join(map(repr, opts))}.{suggest(value, opts, n=1)}")
    return value


def check_type(value: object, name: str, types: type | tuple[type, ...], hint: str = "") -> object:
    """Check ``value`` is an instance of ``types``; raise :class:`InputTypeError` (also a ``TypeError``).

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The argument's name, for the message.
    types : type or tuple of types
        The accepted types.
    hint : str
        What to pass instead (appended to the message).

    Examples
    --------
    >>> check_type(3, "n", int)
    3
    >>> check_type("3", "n", (int, float), hint="give a number")
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputTypeError: n must be int or float, not str: give a number.
    """
    if not isinstance(value, types):
        kinds = types if isinstance(types, tuple) else (types,)
        raise InputTypeError(f"{name} must be {' or '.join(t.__name__ for t in kinds)}, not "
                             f"{type(value).__name__}{': ' + hint if hint else ''}.")
    return value


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
