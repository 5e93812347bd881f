"""Argument compatibility: renamed arguments with a FutureWarning, missing arguments as drugtrends errors.

:func:`arguments` wraps a public function so that

* an old argument name (``weights=``, ``alpha=``, ``year_col=``...) keeps
  working for one minor version: it is translated to the new name (with an
  optional value conversion, e.g. ``level = 1 - alpha``) and a
  :class:`FutureWarning` says what to write instead;
* a call that does not fit the signature (a required argument forgotten, an
  unknown keyword) raises :class:`~drugtrends.errors.InputError` naming the
  function, the problem and the full signature, instead of Python's bare
  ``TypeError``. ``InputError`` is a ``ValueError``; the original ``TypeError``
  is kept as its ``__cause__``.

The one vocabulary (docs/ARCHITECTURE.md): ``weight``, ``level`` (never
``alpha``), ``by``, ``data`` for frames (``df`` only for degrees of freedom),
``x`` / ``y`` for series, ``ci`` always a method name.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from drugtrends.errors import InputError

__all__ = ["KEYWORD_SYNONYMS", "arguments", "renamed"]


def renamed(old: str, new: str, convert: Callable[[Any], Any] | None = None, since: str | None = None) -> tuple:
    """One renamed argument for :func:`arguments`.

    Parameters
    ----------
    old, new : str
        Former and current names.
    convert : callable, optional
        Value conversion (``lambda a: 1 - a`` for ``alpha`` -> ``level``).
    since : str, optional
        Version that introduced ``new`` when it differs from the decorator's ``since``.

    Returns
    -------
    tuple
        ``(old, new, convert, since)``.

    Examples
    --------
    >>> renamed("weights", "weight")[:2]
    ('weights', 'weight')
    """
    return (old, new, convert, since)


#: keywords from other tools and what drugtrends calls them (one vocabulary: docs/ARCHITECTURE.md)
KEYWORD_SYNONYMS: Mapping[str, str] = {
    "alpha": "level (a confidence level: level=0.95 where alpha=0.05)",
    "conf_level": "level", "confidence": "level", "conf": "level",
    "weights": "weight", "wt": "weight", "groupby": "by", "group": "by", "groups": "by", "by_vars": "by",
    "df": "data (degrees of freedom are df= only in the estimators)", "frame": "data",
    "na_rm": "nothing: missing values leave the domain of each outcome, as R's na.rm = TRUE",
    "method": "ci (the interval method)", "year_col": "x", "year_column": "x",
}


def _keyword_hint(kwargs: Mapping[str, Any], sig: inspect.Signature) -> str:
    """`` Did you mean ...?`` for keywords the signature does not take."""
    import difflib

    names = [p for p in sig.parameters if p != "self"]
    hints = []
    for k in kwargs:
        if k in sig.parameters:
            continue
        if k in KEYWORD_SYNONYMS:
            hints.append(f"{k}= is {KEYWORD_SYNONYMS[k]}" if " " in KEYWORD_SYNONYMS[k]
                         else f"{k}= is {KEYWORD_SYNONYMS[k]}=")
        else:
            close = difflib.get_close_matches(k, names, n=2, cutoff=0.6)
            if close:
                hints.append(f"{k}= is probably {' or '.join(c + '=' for c in close)}")
    return (" " + "; ".join(hints) + ".") if hints else ""


def arguments(*renames: tuple, since: str = "0.3", label: str | None = None) -> Callable:
    """Decorator: old argument names with a FutureWarning; signature mismatches as InputError.

    Parameters
    ----------
    *renames : tuple
        :func:`renamed` entries.
    since : str
        Version that introduced the new names (the old ones go in the next minor version).
    label : str, optional
        How the function is named in messages (default: its qualified name), e.g.
        ``"des.mean"`` for a method.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> @arguments(renamed("alpha", "level", lambda a: 1 - a))
    ... def f(data, level=0.95):
    ...     return level
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     round(f(None, alpha=0.1), 2), w[0].category.__name__
    (0.9, 'FutureWarning')
    >>> f()
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: f(): missing a required argument: 'data'. Call it as f(data, level=0.95).
    """
    table: Mapping[str, tuple] = {r[0]: r for r in renames}

    def wrap(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        name = label or fn.__qualname__.replace(".__init__", "")
        plain = sig.replace(parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
                            return_annotation=inspect.Signature.empty)

        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old in [k for k in kwargs if k in table]:
                _, new, convert, when = table[old]
                if new in kwargs:
                    raise InputError(f"{name}(): {old}= and {new}= both given; {old}= is the old name of {new}=, "
                                     f"keep {new}= only.")
                value = kwargs.pop(old)
                kwargs[new] = convert(value) if convert is not None else value
                hint = f"{new}={kwargs[new]!r}" if convert is not None else f"{new}="
                warnings.warn(f"{name}(): {old}= is renamed {hint} (since {when or since}; {old}= goes in the next minor "
                              "version).", FutureWarning, stacklevel=2)
            try:
                sig.bind(*args, **kwargs)
            except TypeError as exc:
                shown = str(plain).replace("(self, ", "(").replace("(self)", "()")
                problem = str(exc)
                unknown = [k for k in kwargs if k not in sig.parameters]
                if unknown and not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
                    problem = f"got an unexpected keyword argument {unknown[0]!r}"   # before a missing one
                raise InputError(f"{name}(): {problem}.{_keyword_hint(kwargs, sig)} Call it as "
                                 f"{fn.__name__ if name == fn.__qualname__ else name}{shown}.") from exc
            return fn(*args, **kwargs)

        inner.__signature__ = sig  # type: ignore[attr-defined]
        return inner

    return wrap
