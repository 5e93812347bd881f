"""Shared input checks for readers: every failure names file, column, row and fix."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from drugtrends.errors import DataNotFoundError, SchemaError


def require_file(path: str | os.PathLike[str], dataset: str | None = None) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path`, or raise a helpful error.

    Raises
    ------
    DataNotFoundError
        The file does not exist (message says how to fetch it).
    SchemaError
        The file is empty.
    """
    p = Path(path)
    if not p.is_file():
        hint = f" Run `drugtrends fetch {dataset}` (or `make fetch`)." if dataset else ""
        raise DataNotFoundError(f"{p}: file not found.{hint}")
    if p.stat().st_size == 0:
        raise SchemaError(f"{p}: file is empty (0 bytes). Delete it and fetch it again with `drugtrends fetch --force`.")
    return p


def require_columns(df: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike[str], what: str = "") -> None:
    """Raise :class:`SchemaError` naming every expected column that is missing."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        where = f" ({what})" if what else ""
        shown = ", ".join(map(str, list(df.columns)[:15]))
        raise SchemaError(
            f"{path}{where}: missing column(s) {missing}. Columns found: {shown}"
            f"{' ...' if len(df.columns) > 15 else ''}. Is this the right file and version?"
        )


def check_codes(series: pd.Series, allowed: Iterable[object], path: str | os.PathLike[str],
                column: str | None = None, row_offset: int = 2) -> None:
    """Raise :class:`SchemaError` if ``series`` has values outside ``allowed`` (NaN allowed).

    ``row_offset`` converts the 0-based position into the file's line number
    (2 for a CSV with one header line).
    """
    allowed = set(allowed)
    bad = series.notna() & ~series.isin(allowed)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        vals = sorted(map(str, series[bad].unique()[:5]))
        col = column or series.name
        raise SchemaError(
            f"{path}: column {col!r} has {int(bad.sum())} value(s) outside the codebook, e.g. {vals} "
            f"(first at line {pos + row_offset}). Allowed: {sorted(map(str, allowed))[:20]}. "
            "Check the file's year/version against the codebook."
        )


def not_utf8(path: str | os.PathLike[str], exc: UnicodeDecodeError, dataset: str | None = None) -> SchemaError:
    """The SchemaError for a text file that is not UTF-8 (e.g. saved as UTF-16 by a spreadsheet program)."""
    bom = ""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
        bom = " (it starts with a UTF-16 byte-order mark)" if head in (b"\xff\xfe", b"\xfe\xff") else ""
    except OSError:
        pass
    fix = f"`drugtrends fetch {dataset} --force`" if dataset else "`drugtrends fetch --force`"
    return SchemaError(
        f"{path}: not UTF-8 text{bom}: byte {exc.start} cannot be decoded. Was it re-saved by another program? "
        f"Restore the original with {fix}, or save it as UTF-8 CSV."
    )


def import_pandera():
    """Import and return ``pandera.pandas``, silencing pyspark's pandas-3 warning.

    ``import pandera`` imports pyspark when it is installed (the optional
    ``spark`` extra), and pyspark warns on pandas >= 3 at import. That warning
    is about pyspark.pandas, which drugtrends does not use.
    """
    with _quiet_pyspark():
        import pandera.pandas as pa
    return pa


@contextlib.contextmanager
def _quiet_pyspark():
    """Silence pyspark's pandas-3 FutureWarning, raised when pandera imports it lazily."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
        yield


def validate(df: pd.DataFrame, schema, path: str | os.PathLike[str]) -> pd.DataFrame:
    """Validate ``df`` with a pandera schema; re-raise failures as :class:`SchemaError`.

    The message names the file, the column, the first failing row and the check.
    """
    import_pandera()
    import pandera.errors as pe

    try:
        with _quiet_pyspark():
            return schema.validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        fc = exc.failure_cases
        lines = []
        for _, r in fc.head(8).iterrows():
            lines.append(f"column {r.get('column')!r}, row {r.get('index')}: failed {r.get('check')} "
                         f"(value {r.get('failure_case')!r})")
        raise SchemaError(f"{path}: {len(fc)} schema failure(s):\n  " + "\n  ".join(lines)) from None
    except pe.SchemaError as exc:  # pragma: no cover - lazy=True raises SchemaErrors
        raise SchemaError(f"{path}: {exc}") from None
