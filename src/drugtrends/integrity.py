"""Integrity of the data files at load time: hash, size and shape against the manifest.

``drugtrends.fetch`` checks a file when it lands in the data directory; a file
edited afterwards (one value changed, same size) or truncated at a line
boundary would still be read. :func:`check_file` closes that gap and is called
before every read by :func:`drugtrends.datasets.load` (through
:func:`drugtrends.fetch.ensure`):

* small files (under :data:`LARGE_FILE` bytes: every mirrored file) are
  re-hashed (SHA-256) at every load;
* large files are re-hashed only when their size or modification time differ
  from those recorded in the provenance file at fetch time (a cheap check
  that still catches any edit made through the file system);
  ``drugtrends fetch --verify`` (``fetch(..., verify=True)``) re-hashes
  everything;
* the expected shape (data rows, columns of a delimited text file; records
  or features and fields of a JSON / GeoJSON file) is checked when the
  manifest gives it, so a truncated file is named as such;
* a changed file raises :class:`~drugtrends.errors.IntegrityError` naming the
  file, what differs, and the ``drugtrends fetch <id> --force`` command that
  restores it; nothing on disk is touched.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = p.write_text("a,b\\n1,2\\n3,4\\n")
>>> text_shape(p)
(2, 2)
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from drugtrends.errors import IntegrityError
from drugtrends.manifest import DataFile

__all__ = [
    "LARGE_FILE",
    "PROVENANCE_SUFFIX",
    "JSON_SUFFIXES",
    "TEXT_SUFFIXES",
    "check_file",
    "json_shape",
    "provenance_path",
    "read_provenance",
    "sha256_file",
    "text_shape",
]

#: Files at least this large are re-hashed only when size or mtime changed (or with verify).
LARGE_FILE = 64 * 1024 * 1024
#: Suffix of the provenance record written beside each fetched file.
PROVENANCE_SUFFIX = ".provenance.json"
#: Delimited text files whose shape (rows, columns) is checked against the manifest.
TEXT_SUFFIXES = {".csv": ",", ".data": ",", ".tsv": "\t", ".txt": "\t"}
#: JSON files whose shape (records or GeoJSON features, fields) is checked against the manifest.
JSON_SUFFIXES = {".json", ".geojson"}


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file, read in chunks.

    Parameters
    ----------
    path : str or PathLike
        The file.
    chunk_size : int
        Bytes read at a time.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:12]
    'e3b0c44298fc'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk_size), b""):
            h.update(block)
    return h.hexdigest()


def provenance_path(target: str | os.PathLike[str]) -> Path:
    """The provenance record beside a data file (``<file>.provenance.json``).

    Parameters
    ----------
    target : str or PathLike
        A data file.

    Examples
    --------
    >>> provenance_path("/data/nchs/rates.csv").name
    'rates.csv.provenance.json'
    """
    t = Path(target)
    return t.with_name(t.name + PROVENANCE_SUFFIX)


def read_provenance(target: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The provenance record of a data file, or None when absent or unreadable.

    Parameters
    ----------
    target : str or PathLike
        A data file.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> read_provenance(f) is None
    True
    >>> _ = provenance_path(f).write_text(json.dumps({"source": "mirror", "sha256": "abc"}))
    >>> read_provenance(f)["source"]
    'mirror'
    """
    try:
        return json.loads(provenance_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def text_shape(path: str | os.PathLike[str], sep: str = ",") -> tuple[int, int] | None:
    """``(data rows, columns)`` of a delimited text file; None when it is not readable text.

    Rows are records after the header line (quoted newlines respected).

    Parameters
    ----------
    path : str or PathLike
        A delimited text file.
    sep : str
        The delimiter.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text('year,note\\n2020,"two\\nlines"\\n2021,x\\n')
    >>> text_shape(p)
    (2, 2)
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, delimiter=sep)
            header = next(reader, None)
            if header is None:
                return 0, 0
            return sum(1 for _ in reader), len(header)
    except (UnicodeDecodeError, csv.Error, OSError):
        return None


def json_shape(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """``(records, fields)`` of a JSON ``{"records": [...]}`` file, ``(features, properties)`` of a GeoJSON.

    None when the file is not readable JSON of either kind.

    Parameters
    ----------
    path : str or PathLike
        A JSON or GeoJSON file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = p.write_text('{"records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}')
    >>> json_shape(p)
    (2, 2)
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        recs = [ft.get("properties") or {} for ft in doc["features"]] if "features" in doc else doc["records"]
        return len(recs), len({k for r in recs for k in r})
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _shape_note(f: DataFile, path: Path) -> str:
    sep = TEXT_SUFFIXES.get(path.suffix.lower())
    is_json = path.suffix.lower() in JSON_SUFFIXES
    if (sep is None and not is_json) or (f.rows is None and f.columns is None):
        return ""
    shape = json_shape(path) if is_json else text_shape(path, sep or ",")
    if shape is None:
        return " It is not readable JSON any more." if is_json else " It is not readable UTF-8 text any more."
    rows, cols = shape
    notes = []
    if f.rows is not None and rows != f.rows:
        notes.append(f"{rows:,} {'records' if is_json else 'data rows'} where the manifest expects {f.rows:,}"
                     + (" (truncated)" if rows < f.rows else ""))
    if f.columns is not None and cols != f.columns:
        notes.append(f"{cols} {'fields' if is_json else 'columns'} where the manifest expects {f.columns}")
    return (" It has " + " and ".join(notes) + ".") if notes else ""


def _refuse(dataset_id: str, path: Path, what: str) -> IntegrityError:
    return IntegrityError(
        f"{path}: {what} drugtrends refuses to read it. Run `drugtrends fetch {dataset_id} --force` to restore "
        f"the verified copy (or `drugtrends fetch --verify` to check every file)."
    )


def _remember_mtime(path: Path, prov: dict[str, Any] | None, st: os.stat_result) -> None:
    """Best effort: record size and mtime in the provenance file (skipped when not writable)."""
    if prov is None:
        return
    prov = {**prov, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        provenance_path(path).write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    except OSError:
        pass


def check_file(dataset_id: str, f: DataFile, path: str | os.PathLike[str], *, rehash: bool = False) -> bool:
    """Check a data-directory file against the manifest before it is read.

    Parameters
    ----------
    dataset_id : str
        Manifest dataset id (named in the message's fetch command).
    f : DataFile
        The manifest entry of the file.
    path : path-like
        The file in the data directory.
    rehash : bool, default False
        Always re-hash, whatever the size (``drugtrends fetch --verify``).

    Returns
    -------
    bool
        True when verified against a known SHA-256 (the manifest's, else the
        one recorded at fetch time); False when no hash is known anywhere
        (the caller fetches/adopts the file and warns).

    Raises
    ------
    IntegrityError
        Empty file, size, SHA-256 or shape differ from the manifest (or from
        the provenance record for files the manifest has no hash for).

    Examples
    --------
    >>> from drugtrends.manifest import load_manifest
    >>> from drugtrends.fetch import dataset_file
    >>> f = load_manifest().get("nchs_overdose_rates").file()
    >>> path = dataset_file("nchs_overdose_rates")
    >>> not path.is_file() or check_file("nchs_overdose_rates", f, path)   # True when present and verified
    True
    """
    p = Path(path)
    try:
        return _check(dataset_id, f, p, rehash)
    except (PermissionError, IsADirectoryError) as exc:
        raise IntegrityError(
            f"{p}: cannot be read ({exc.strerror}). Check its permissions (it must be a readable file), or run "
            f"`drugtrends fetch {dataset_id} --force` to fetch it again."
        ) from None


def _check(dataset_id: str, f: DataFile, p: Path, rehash: bool) -> bool:
    if p.exists() and not p.is_file():
        raise IsADirectoryError(21, "not a regular file", str(p))
    st = p.stat()
    label = f"{dataset_id}/{f.name}"
    if st.st_size == 0:
        raise _refuse(dataset_id, p, f"{label} is empty (0 bytes).")
    if f.size is not None and st.st_size != f.size:
        kind = "truncated" if st.st_size < f.size else "larger than the fetched file"
        raise _refuse(dataset_id, p, f"{label} has {st.st_size:,} bytes but the manifest expects {f.size:,} "
                                     f"({kind}).{_shape_note(f, p)}")
    prov = read_provenance(p)
    expected = f.sha256 or (prov or {}).get("sha256")
    if expected is None:
        return False
    unchanged = (prov is not None and prov.get("sha256") == expected and prov.get("size") == st.st_size
                 and prov.get("mtime_ns") == st.st_mtime_ns)
    if not rehash and st.st_size >= LARGE_FILE and unchanged:
        return True
    sha = sha256_file(p)
    if sha != expected:
        whose = "the manifest's" if f.sha256 else "the one recorded when it was fetched"
        raise _refuse(dataset_id, p, f"{label} changed since it was fetched: its SHA-256 {sha[:16]}... differs "
                                     f"from {whose} ({expected[:16]}...).{_shape_note(f, p)}")
    if st.st_size >= LARGE_FILE and not unchanged:
        _remember_mtime(p, prov, st)
    return True


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
