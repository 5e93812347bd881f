"""Load and validate the data manifest (``data/manifest.yaml``).

The manifest names every dataset drugtrends can fetch: where it comes from
(official URL, landing page), under which terms, how to cite it, and for
each file its SHA-256, size and expected shape. :func:`load_manifest` parses
the YAML, checks it strictly (a missing or misspelt key is a
:class:`~drugtrends.errors.SchemaError` naming the dataset and the key) and
returns frozen dataclasses:

* :class:`Manifest` -- all datasets; ``manifest.get(id)`` raises
  :class:`~drugtrends.errors.UnknownDatasetError` listing the valid ids;
* :class:`Dataset` -- one dataset id (= one folder in the data directory);
* :class:`DataFile` -- one file of a dataset.

``data/README.md`` documents every field.

Examples
--------
>>> from drugtrends.manifest import load_manifest
>>> m = load_manifest()
>>> m.get("cdc_vsrr").file().name
'VSRR_Provisional_Drug_Overdose_Death_Counts.csv'
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from drugtrends import paths
from drugtrends.errors import SchemaError, UnknownDatasetError

__all__ = [
    "CONVERSIONS",
    "DataFile",
    "Dataset",
    "Manifest",
    "Sheet",
    "load_manifest",
]

#: Conversions a file entry may ask for (``convert:``) when the download is
#: not the file itself. ``rda_to_csv``: read the R data file with ``pyreadr``
#: and write its single data frame with ``pandas.to_csv(index=False)``.
CONVERSIONS = frozenset({"rda_to_csv"})

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")

_DATASET_REQUIRED = ("title", "publisher", "landing_page", "licence", "citation", "notes", "mirrored", "files")
_DATASET_OPTIONAL: tuple[str, ...] = ("load_ids",)
_FILE_REQUIRED = ("name", "url", "mirror_path", "sha256", "size", "rows", "columns")
_FILE_OPTIONAL = (
    "download_url", "alt_urls", "download_sha256", "archive_member", "convert",
    "sheets", "year", "landing_page", "notes",
)


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a spreadsheet file: its name and used range (rows x columns).

    Attributes
    ----------
    name : str
        The worksheet's name.
    rows, columns : int or None
        Its used range (``None`` when unknown).

    Examples
    --------
    >>> sheet = load_manifest().get("unodc_wdr2025").files[0].sheets[0]
    >>> sheet.name, sheet.rows, sheet.columns
    ('Cannabis', 444, 15)
    """

    name: str
    rows: int | None
    columns: int | None


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, as named in the manifest.

    Attributes
    ----------
    name
        File name in ``<data_dir>/<dataset id>/``.
    url
        Official download URL (the publisher's).
    mirror_path
        Path of the file relative to the mirror root (``None``: never mirrored).
    sha256
        Expected SHA-256 of the file as stored (``None``: unknown, not verified).
    size
        Expected size in bytes (``None``: unknown).
    rows, columns
        Expected shape (data rows without the header line); ``None`` where not
        meaningful (spreadsheets: see :attr:`sheets`; archives).
    download_url
        Where ``drugtrends fetch`` downloads when the official URL does not
        serve these exact bytes (e.g. a frozen snapshot); default :attr:`url`.
    alt_urls
        Further URLs tried in order when the first download fails.
    download_sha256
        SHA-256 of what the download URL serves when it is not the file itself
        (an archive or an R data file); passed to pooch as ``known_hash``.
    archive_member
        Member to extract when the download is a zip archive.
    convert
        Conversion applied after download (see :data:`CONVERSIONS`).
    sheets
        Worksheets of a spreadsheet, in workbook order.
    year
        Survey / data year, for datasets with one file per year.
    landing_page
        Page describing this particular file, when it has one.
    notes
        Free text.

    Examples
    --------
    >>> f = load_manifest().get("nchs_overdose_rates").file()
    >>> f.rows, f.columns, f.verifiable, f.transformed
    (6228, 15, True, False)
    >>> f.download_urls[0].startswith("https://")
    True
    """

    name: str
    url: str | None
    mirror_path: str | None
    sha256: str | None
    size: int | None
    rows: int | None
    columns: int | None
    download_url: str | None = None
    alt_urls: tuple[str, ...] = ()
    download_sha256: str | None = None
    archive_member: str | None = None
    convert: str | None = None
    sheets: tuple[Sheet, ...] = ()
    year: int | None = None
    landing_page: str | None = None
    notes: str | None = None

    @property
    def download_urls(self) -> tuple[str, ...]:
        """URLs a download tries, in order (empty when the file cannot be downloaded)."""
        first = self.download_url or self.url
        urls = ([first] if first else []) + [u for u in self.alt_urls if u != first]
        return tuple(urls)

    @property
    def verifiable(self) -> bool:
        """True when the manifest knows the file's SHA-256."""
        return self.sha256 is not None

    @property
    def transformed(self) -> bool:
        """True when a download is not the file itself (archive member or conversion)."""
        return self.archive_member is not None or self.convert is not None


@dataclass(frozen=True)
class Dataset:
    """One dataset id: a folder of files in the data directory.

    Attributes
    ----------
    id, title, publisher, landing_page, licence, citation, notes : str
        As in ``data/manifest.yaml``.
    mirrored : bool
        In the project mirror (fetched by default).
    files : tuple of DataFile
    load_ids : tuple of str
        The ``dt.load`` ids that read this dataset's files.

    Examples
    --------
    >>> d = load_manifest().get("unodc_prevalence")   # a load id resolves to its manifest dataset
    >>> d.id, d.mirrored, len(d.files) > 1
    ('unodc_wdr2025', True, True)
    >>> d.file("nope.xlsx")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownDatasetError: dataset 'unodc_wdr2025' has no file 'nope.xlsx'. Files: ...
    """

    id: str
    title: str
    publisher: str
    landing_page: str
    licence: str
    citation: str
    notes: str
    mirrored: bool
    files: tuple[DataFile, ...]
    load_ids: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """File names, in manifest order."""
        return [f.name for f in self.files]

    def file(self, name: str | None = None) -> DataFile:
        """Return the file called ``name`` (optional when the dataset has one file).

        Raises
        ------
        UnknownDatasetError
            No such file, or ``name`` omitted for a dataset with several files.
        """
        if name is None:
            if len(self.files) == 1:
                return self.files[0]
            raise UnknownDatasetError(
                f"dataset {self.id!r} has {len(self.files)} files; pass name= one of: {', '.join(self.names)}"
            )
        for f in self.files:
            if f.name == name:
                return f
        hint = difflib.get_close_matches(name, self.names, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        raise UnknownDatasetError(
            f"dataset {self.id!r} has no file {name!r}.{did_you_mean} Files: {', '.join(self.names)}"
        )

    def file_for_year(self, year: int) -> DataFile:
        """Return the file whose ``year`` is ``year`` (NSDUH, TEDS-A, TEDS-D)."""
        for f in self.files:
            if f.year == year:
                return f
        years = sorted(f.year for f in self.files if f.year is not None)
        raise UnknownDatasetError(
            f"dataset {self.id!r} has no file for year {year}; years in the manifest: "
            f"{', '.join(map(str, years)) or 'none'}"
        )


@dataclass(frozen=True)
class Manifest:
    """Every dataset of ``data/manifest.yaml`` (read-only).

    Attributes
    ----------
    path : Path
        The YAML file read.
    version : int
        Its format version.
    datasets : mapping
        Dataset id -> :class:`Dataset`, in manifest order.

    Examples
    --------
    >>> m = load_manifest()
    >>> "nchs_overdose_rates" in m, m.resolve("unodc_prevalence"), set(m.mirrored_ids) <= set(m.ids)
    (True, 'unodc_wdr2025', True)
    >>> m.get("nchs_overdose_rats")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownDatasetError: unknown dataset 'nchs_overdose_rats'. Did you mean 'nchs_overdose_rates'? ...
    """

    path: Path
    version: int
    datasets: Mapping[str, Dataset] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        """Every dataset id, in manifest order."""
        return list(self.datasets)

    @property
    def mirrored_ids(self) -> list[str]:
        """Ids of the datasets in the project mirror (fetched by default)."""
        return [i for i, d in self.datasets.items() if d.mirrored]

    def resolve(self, dataset_id: str) -> str:
        """The manifest id of ``dataset_id``: itself, or the dataset whose ``load_ids`` list it.

        ``dt.load`` ids (``unodc_prevalence``) name the manifest dataset that
        holds their files (``unodc_wdr2025``); unknown ids are returned as given.
        """
        if dataset_id in self.datasets:
            return dataset_id
        for d in self.datasets.values():
            if dataset_id in d.load_ids:
                return d.id
        return dataset_id

    def get(self, dataset_id: str) -> Dataset:
        """Return the dataset ``dataset_id`` (a manifest id, or a load id listed in ``load_ids``).

        Raises
        ------
        UnknownDatasetError
            The id is not in the manifest; the message lists the valid ids.
        """
        try:
            return self.datasets[self.resolve(dataset_id)]
        except KeyError:
            pass
        hint = difflib.get_close_matches(str(dataset_id), self.ids, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        raise UnknownDatasetError(
            f"unknown dataset {dataset_id!r}.{did_you_mean} Valid ids: {', '.join(self.ids)} "
            f"(manifest: {self.path})"
        ) from None

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self.datasets

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self.datasets.values())

    def __len__(self) -> int:
        return len(self.datasets)


# --------------------------------------------------------------------------- loading

def load_manifest(path: str | os.PathLike[str] | None = None) -> Manifest:
    """Read and validate the manifest.

    Parameters
    ----------
    path
        YAML file; default :func:`drugtrends.paths.manifest_path`
        (``$DRUGTRENDS_MANIFEST``, else ``data/manifest.yaml``).

    Raises
    ------
    SchemaError
        The file is missing, is not valid YAML, or an entry lacks a key, has an
        unknown key or a value of the wrong kind (the message names the dataset,
        the file and the key).

    Examples
    --------
    >>> m = load_manifest()
    >>> type(m).__name__, len(m) > 10, m.path.name
    ('Manifest', True, 'manifest.yaml')
    """
    p = Path(path) if path is not None else paths.manifest_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SchemaError(f"{p}: manifest not found. Set DRUGTRENDS_MANIFEST or restore data/manifest.yaml.") from None
    return _read(str(p.resolve()), st.st_mtime_ns, st.st_size, str(p))


@functools.lru_cache(maxsize=1)
def _read(resolved: str, mtime_ns: int, size: int, shown: str) -> Manifest:
    """Parse the manifest once per (file, modification time, size): a memo, not shared state."""
    p = Path(shown)
    try:
        raw = yaml.safe_load(Path(resolved).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(f"{p}: not valid YAML: {exc}") from None
    return _parse(raw, p)


def _parse(raw: Any, path: Path) -> Manifest:
    if not isinstance(raw, dict):
        raise SchemaError(f"{path}: the manifest must be a mapping with keys 'version' and 'datasets'.")
    unknown = set(raw) - {"version", "datasets"}
    if unknown:
        raise SchemaError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected 'version' and 'datasets'.")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SchemaError(f"{path}: 'version' must be an integer (found {version!r}).")
    datasets_raw = raw.get("datasets")
    if datasets_raw is None:
        datasets_raw = {}
    if not isinstance(datasets_raw, dict):
        raise SchemaError(f"{path}: 'datasets' must be a mapping of dataset id -> entry.")
    datasets: dict[str, Dataset] = {}
    for ds_id, entry in datasets_raw.items():
        datasets[str(ds_id)] = _parse_dataset(str(ds_id), entry, path)
    return Manifest(path=path, version=version, datasets=MappingProxyType(datasets))


def _where(path: Path, ds_id: str, file: str | None = None) -> str:
    return f"{path}: dataset {ds_id!r}" + (f", file {file!r}" if file else "")


def _check_keys(entry: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...], where: str) -> None:
    missing = [k for k in required if k not in entry]
    if missing:
        raise SchemaError(f"{where}: missing key(s) {', '.join(repr(k) for k in missing)}.")
    unknown = sorted(set(entry) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join(required + optional)
        raise SchemaError(f"{where}: unknown key(s) {', '.join(repr(k) for k in unknown)}. Allowed keys: {allowed}.")


def _str(value: Any, key: str, where: str, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{where}: {key!r} must be a non-empty string (found {value!r}).")
    return value.strip() if key not in ("notes", "citation") else value.rstrip()


def _int(value: Any, key: str, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SchemaError(f"{where}: {key!r} must be a non-negative integer or null (found {value!r}).")
    return value


def _sha(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA_RE.match(value.strip().lower()):
        raise SchemaError(f"{where}: {key!r} must be 64 hexadecimal characters or null (found {value!r}).")
    return value.strip().lower()


def _relpath(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    s = _str(value, key, where)
    assert s is not None
    pure = Path(s)
    if pure.is_absolute() or ".." in pure.parts or "\\" in s:
        raise SchemaError(f"{where}: {key!r} must be a relative path inside the mirror without '..' (found {s!r}).")
    return s


def _parse_dataset(ds_id: str, entry: Any, path: Path) -> Dataset:
    where = _where(path, ds_id)
    if not _ID_RE.match(ds_id):
        raise SchemaError(f"{where}: a dataset id must be lower-case letters, digits and '_' (found {ds_id!r}).")
    if not isinstance(entry, dict):
        raise SchemaError(f"{where}: the entry must be a mapping (found {type(entry).__name__}).")
    _check_keys(entry, _DATASET_REQUIRED, _DATASET_OPTIONAL, where)
    mirrored = entry["mirrored"]
    if not isinstance(mirrored, bool):
        raise SchemaError(f"{where}: 'mirrored' must be true or false (found {mirrored!r}).")
    files_raw = entry["files"]
    if not isinstance(files_raw, list) or not files_raw:
        raise SchemaError(f"{where}: 'files' must be a non-empty list of file entries.")
    files = tuple(_parse_file(ds_id, i, f, mirrored, path) for i, f in enumerate(files_raw))
    names = [f.name for f in files]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SchemaError(f"{where}: duplicate file name(s) {dupes}.")
    notes = entry["notes"]
    return Dataset(
        id=ds_id,
        title=_str(entry["title"], "title", where),  # type: ignore[arg-type]
        publisher=_str(entry["publisher"], "publisher", where),  # type: ignore[arg-type]
        landing_page=_str(entry["landing_page"], "landing_page", where),  # type: ignore[arg-type]
        licence=_str(entry["licence"], "licence", where),  # type: ignore[arg-type]
        citation=_str(entry["citation"], "citation", where),  # type: ignore[arg-type]
        notes=(_str(notes, "notes", where, nullable=True) or ""),
        mirrored=mirrored,
        files=files,
        load_ids=_load_ids(entry.get("load_ids"), where),
    )


def _load_ids(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and _ID_RE.match(v) for v in value):
        raise SchemaError(f"{where}: 'load_ids' must be a list of dataset ids (found {value!r}).")
    return tuple(value)


def _parse_file(ds_id: str, index: int, entry: Any, mirrored: bool, path: Path) -> DataFile:
    label = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else f"#{index + 1}"
    where = _where(path, ds_id, label)
    if not isinstance(entry, dict):
        raise SchemaError(f"{where}: a file entry must be a mapping (found {type(entry).__name__}).")
    _check_keys(entry, _FILE_REQUIRED, _FILE_OPTIONAL, where)
    name = _str(entry["name"], "name", where)
    assert name is not None
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".") or name.endswith(".provenance.json"):
        raise SchemaError(f"{where}: 'name' must be a plain file name (found {name!r}).")
    sha = _sha(entry["sha256"], "sha256", where)
    size = _int(entry["size"], "size", where)
    mirror_path = _relpath(entry["mirror_path"], "mirror_path", where)
    if mirrored:
        for key, value in (("sha256", sha), ("size", size), ("mirror_path", mirror_path)):
            if value is None:
                raise SchemaError(f"{where}: {key!r} must be set for a mirrored dataset (mirror copies are always verified).")
    url = _str(entry["url"], "url", where, nullable=True)
    download_url = _str(entry.get("download_url"), "download_url", where, nullable=True)
    alt = entry.get("alt_urls") or []
    if not isinstance(alt, list) or not all(isinstance(u, str) and u.strip() for u in alt):
        raise SchemaError(f"{where}: 'alt_urls' must be a list of URLs.")
    convert = _str(entry.get("convert"), "convert", where, nullable=True)
    if convert is not None and convert not in CONVERSIONS:
        raise SchemaError(f"{where}: unknown conversion {convert!r}; known: {', '.join(sorted(CONVERSIONS))}.")
    sheets_raw = entry.get("sheets") or []
    if not isinstance(sheets_raw, list):
        raise SchemaError(f"{where}: 'sheets' must be a list of {{name, rows, columns}}.")
    sheets = []
    for s in sheets_raw:
        if not isinstance(s, dict):
            raise SchemaError(f"{where}: each sheet must be a mapping with keys name, rows, columns.")
        _check_keys(s, ("name",), ("rows", "columns"), f"{where}, sheet {s.get('name', '?')!r}")
        sheets.append(Sheet(
            name=str(s["name"]),
            rows=_int(s.get("rows"), "rows", where),
            columns=_int(s.get("columns"), "columns", where),
        ))
    year = entry.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100):
        raise SchemaError(f"{where}: 'year' must be a four-digit year (found {year!r}).")
    return DataFile(
        name=name,
        url=url,
        mirror_path=mirror_path,
        sha256=sha,
        size=size,
        rows=_int(entry["rows"], "rows", where),
        columns=_int(entry["columns"], "columns", where),
        download_url=download_url,
        alt_urls=tuple(u.strip() for u in alt),
        download_sha256=_sha(entry.get("download_sha256"), "download_sha256", where),
        archive_member=_str(entry.get("archive_member"), "archive_member", where, nullable=True),
        convert=convert,
        sheets=tuple(sheets),
        year=year,
        landing_page=_str(entry.get("landing_page"), "landing_page", where, nullable=True),
        notes=_str(entry.get("notes"), "notes", where, nullable=True),
    )


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
