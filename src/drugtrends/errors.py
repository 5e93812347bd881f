"""Exceptions raised by drugtrends.

Every error a user can cause says *what* is wrong (file, column, row, value),
and *what to do*. All inherit from :class:`DrugtrendsError` so a notebook can
catch them in one place.

Examples
--------
>>> import drugtrends as dt
>>> try:
...     dt.load("no_such_dataset")
... except dt.errors.DrugtrendsError as exc:
...     print(type(exc).__name__, isinstance(exc, KeyError))
UnknownDatasetError True
>>> issubclass(dt.errors.InputError, ValueError), issubclass(dt.errors.ModelWarning, UserWarning)
(True, True)
"""

from __future__ import annotations

__all__ = [
    "DrugtrendsError", "DataNotFoundError", "ChecksumError", "FetchError", "SchemaError",
    "UnknownDatasetError", "UnknownVariableError", "DesignError", "BreakError", "RenderError",
    "InputError", "EmptyDomainError", "IntegrityError", "ModelWarning", "ReliabilityWarning",
    "NotWritableError", "InputTypeError",
]


class DrugtrendsError(Exception):
    """Base class of every drugtrends error."""


class DataNotFoundError(DrugtrendsError, FileNotFoundError):
    """A dataset file is missing from the data directory and could not be fetched."""


class ChecksumError(DrugtrendsError):
    """A downloaded or mirrored file does not have the SHA-256 the manifest expects."""


class FetchError(DrugtrendsError):
    """A dataset could not be downloaded or copied from a mirror."""


class SchemaError(DrugtrendsError, ValueError):
    """A file does not have the layout, columns or codes its reader expects."""


class UnknownDatasetError(DrugtrendsError, KeyError):
    """A dataset id is not in the manifest."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownVariableError(DrugtrendsError, KeyError):
    """A column named by the user is not in the data."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DesignError(DrugtrendsError, ValueError):
    """A survey design is invalid (weights, strata, PSUs, lonely PSUs, ...)."""


class BreakError(DrugtrendsError, ValueError):
    """A trend was asked across a break in series comparability."""


class RenderError(DrugtrendsError, RuntimeError):
    """A report could not be parsed, executed or converted."""


class InputError(DrugtrendsError, ValueError):
    """An argument is out of its valid range or of the wrong kind (``level=95``, ``q=1.5``, ...)."""


class EmptyDomainError(DrugtrendsError, ValueError):
    """A domain or subset has no rows (or no non-missing values) to estimate from."""


class IntegrityError(DrugtrendsError):
    """A data file changed after it was fetched (hash, size or shape differ from the manifest)."""


class ModelWarning(UserWarning):
    """A fitted model is unreliable: separation, aliased terms, non-convergence."""


class ReliabilityWarning(UserWarning):
    """An estimate is undefined or unreliable (zero or undefined variance, non-finite values)."""


class NotWritableError(DrugtrendsError, PermissionError):
    """A folder drugtrends must write to (data directory, output folder) cannot be written."""


class InputTypeError(InputError, TypeError):
    """An argument is of the wrong type (a DataFrame where a design is expected, ...).

    Also a :class:`TypeError` (and a :class:`ValueError`, through :class:`InputError`),
    so code catching the builtin keeps working.
    """


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
