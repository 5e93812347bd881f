"""Fetch the datasets of ``data/manifest.yaml`` into the data directory, verified.

Each file is copied from a *mirror* when one has it, else downloaded from its
URL with :mod:`pooch`; either way it lands in a temporary file beside its
target, its size and SHA-256 are checked against the manifest, and only then
is it renamed into place (:func:`drugtrends._io.atomic_path`). A bad file
therefore never replaces a good one and nothing half-written is left behind.

Layout::

    <data_dir>/<dataset id>/<file name>
    <data_dir>/<dataset id>/<file name>.provenance.json

The provenance file records ``source`` (mirror path or URL), ``method``
(``mirror``, ``download``, or ``local`` for a correct file found in place),
``fetched_at``, ``sha256``, ``size``, ``verified`` and ``drugtrends_version``.

Where things are:

* data directory: ``$DRUGTRENDS_DATA``, default ``data/raw`` (git-ignored);
* mirror: ``mirror=`` / ``--mirror``, else ``$DRUGTRENDS_MIRROR``, else
  ``../shared/data`` when it exists (:func:`drugtrends.paths.default_mirror`).
  ``none`` (or ``off``) turns the mirror off. The mirror is only ever read.

Examples
--------
>>> from drugtrends import fetch
>>> fetch.fetch(["cdc_vsrr"], quiet=True)  # doctest: +SKIP
{'cdc_vsrr': [PosixPath('.../data/raw/cdc_vsrr/VSRR_Provisional_Drug_Overdose_Death_Counts.csv')]}
>>> fetch.dataset_file("cdc_vsrr").name
'VSRR_Provisional_Drug_Overdose_Death_Counts.csv'
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pooch

from drugtrends import paths
from drugtrends._io import atomic_path, write_text_atomic
from drugtrends.errors import ChecksumError, DrugtrendsError, FetchError, IntegrityError, NotWritableError
from drugtrends.integrity import PROVENANCE_SUFFIX, check_file, provenance_path, read_provenance, sha256_file
from drugtrends.manifest import DataFile, Dataset, Manifest, load_manifest

__all__ = [
    "PROVENANCE_SUFFIX",
    "UnverifiedDataWarning",
    "dataset_file",
    "ensure",
    "fetch",
    "print_status",
    "provenance_path",
    "read_provenance",
    "resolve_mirror",
    "sha256_file",
    "status",
]

_MIRROR_OFF = {"none", "off", "no", "false", "0", "-"}
_MIRROR_HINT = "copy it from a mirror instead: `drugtrends fetch {id} --mirror PATH` (or set DRUGTRENDS_MIRROR=PATH)"
_TIMEOUT = 60  # seconds without data before a download gives up


def _file_mode() -> int:
    """Permission bits of a newly created file under the current umask (temp files start at 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


class UnverifiedDataWarning(UserWarning):
    """A file was fetched but the manifest has no SHA-256 to check it against."""


# --------------------------------------------------------------------------- small helpers


def _write_provenance(target: Path, record: dict[str, Any]) -> None:
    p = write_text_atomic(provenance_path(target), json.dumps(record, indent=2) + "\n")
    os.chmod(p, _file_mode())


def dataset_file(dataset_id: str, name: str | None = None) -> Path:
    """Return where a dataset file lives in the data directory (present or not).

    Parameters
    ----------
    dataset_id
        Manifest dataset id, e.g. ``"unodc_wdr2025"``.
    name
        File name; optional when the dataset has a single file.

    Raises
    ------
    UnknownDatasetError
        Unknown id or file name (the message lists the valid ones).

    Examples
    --------
    >>> p = dataset_file("nchs_overdose_rates")
    >>> p.parent.name, p.parent.parent == paths.data_dir()
    ('nchs_overdose_rates', True)
    """
    ds = load_manifest().get(dataset_id)
    return paths.data_dir() / ds.id / ds.file(name).name


def _human(n: int | None) -> str:
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _version() -> str:
    from drugtrends import __version__

    return __version__


def resolve_mirror(mirror: str | os.PathLike[str] | None) -> Path | None:
    """Mirror root to read from: argument > $DRUGTRENDS_MIRROR > ../shared/data; ``none`` turns it off.

    Parameters
    ----------
    mirror
        A mirror folder given by the user (``--mirror``), ``"none"`` (download
        only) or ``None`` (the environment, then ``../shared/data``).

    Returns
    -------
    Path or None

    Examples
    --------
    >>> import tempfile
    >>> resolve_mirror(tempfile.gettempdir()) == Path(tempfile.gettempdir()).resolve()
    True
    >>> resolve_mirror("none") is None
    True
    >>> resolve_mirror("/no/such/folder")
    Traceback (most recent call last):
    ...
    drugtrends.errors.FetchError: mirror folder /no/such/folder (from --mirror) does not exist or is not a folder.

    Raises
    ------
    FetchError
        An explicitly given mirror folder does not exist.
    """
    explicit = os.fspath(mirror) if mirror is not None and os.fspath(mirror) != "" else None
    env = os.environ.get("DRUGTRENDS_MIRROR") or None
    given, origin = (explicit, "--mirror") if explicit else (env, "DRUGTRENDS_MIRROR") if env else (None, None)
    if given is not None and given.strip().lower() in _MIRROR_OFF:
        return None
    root = paths.default_mirror(given)
    if given is not None and (root is None or not root.is_dir()):
        raise FetchError(f"mirror folder {root or given} (from {origin}) does not exist or is not a folder.")
    return root


_resolve_mirror = resolve_mirror

# --------------------------------------------------------------------------- progress bar


class _RichBar:
    """A tqdm-like progress bar on rich, handed to :class:`pooch.HTTPDownloader`."""

    def __init__(self, description: str, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold blue]{task.description}"), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=False,
        )
        self._description = description
        self._task: Any = None
        self._total: float | None = None

    @property
    def total(self) -> float | None:
        return self._total

    @total.setter
    def total(self, value: float | None) -> None:
        self._total = value or None  # 0 = unknown length (no Content-Length)
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=self._total)
        else:
            self._progress.update(self._task, total=self._total)

    def update(self, n: float) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=n)

    def reset(self) -> None:
        if self._task is not None:
            self._progress.reset(self._task, total=self._total)

    def close(self) -> None:
        if self._task is not None:
            if self._total is None:
                self._progress.update(self._task, total=self._progress.tasks[0].completed)
            self._progress.stop()


# --------------------------------------------------------------------------- the fetch session


class _Session:
    """One fetch run: mirror, options, console and the temporary download folders."""

    def __init__(self, manifest: Manifest, mirror: Path | None, force: bool, quiet: bool,
                 verify: bool = False) -> None:
        from rich.console import Console

        self.verify = verify
        self.manifest = manifest
        self.mirror = mirror
        self.force = force
        self.quiet = quiet
        self.console = Console(quiet=quiet, highlight=False, soft_wrap=True)
        self.data_dir = paths.data_dir()
        self._created: list[Path] = []  # folders this run created (removed again if left empty)
        self._download_dirs: dict[str, Path] = {}
        self._downloads: dict[tuple[str, str | None], Path] = {}
        self._failed_urls: dict[str, str] = {}  # url -> why (tried once per run)
        self.counts = {"present": 0, "copied": 0, "downloaded": 0}
        if mirror is not None:
            data, root = self.data_dir.resolve(), mirror.resolve()
            if data == root or root in data.parents:
                raise FetchError(
                    f"the data directory {self.data_dir} is the mirror {mirror} or inside it, and the mirror is "
                    "never written to: point DRUGTRENDS_DATA or --mirror elsewhere."
                )

    # ---- folders
    def _mkdir(self, folder: Path) -> None:
        missing = []
        p = folder
        while not p.exists():
            missing.append(p)
            p = p.parent
        folder.mkdir(parents=True, exist_ok=True)
        self._created.extend(reversed(missing))

    def close(self) -> None:
        for d in self._download_dirs.values():
            shutil.rmtree(d, ignore_errors=True)
        self._download_dirs.clear()
        self._downloads.clear()
        for folder in reversed(self._created):  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty

    # ---- per file
    def target(self, ds: Dataset, f: DataFile) -> Path:
        return self.data_dir / ds.id / f.name

    def fetch_file(self, ds: Dataset, f: DataFile) -> Path:
        try:
            return self._fetch_file(ds, f)
        except PermissionError as exc:
            raise NotWritableError(
                f"{ds.id}/{f.name}: cannot write to the data directory {self.data_dir} ({exc.strerror}: "
                f"{exc.filename}). Nothing was changed. Make it writable, or set DRUGTRENDS_DATA to a writable "
                f"folder and run `drugtrends fetch {ds.id}` again."
            ) from None
        except OSError as exc:  # a folder where the file should be, disk full, ...
            raise FetchError(
                f"{ds.id}/{f.name}: cannot write {self.target(ds, f)} ({exc.strerror or exc}). Nothing was "
                f"changed. Remove what is in the way (or free space) and run `drugtrends fetch {ds.id}` again."
            ) from None

    def _fetch_file(self, ds: Dataset, f: DataFile) -> Path:
        target = self.target(ds, f)
        label = f"{ds.id}/{f.name}"
        if not self.force and _is_current(ds, f, target, adopt=True, rehash=self.verify):
            self.counts["present"] += 1
            self.console.print(f"  [green]present[/]    {label}")
            return target
        self._mkdir(target.parent)
        src = self.mirror / f.mirror_path if self.mirror is not None and f.mirror_path else None
        if src is not None and src.is_file():
            self._install(ds, f, target, method="mirror", source=str(src),
                          produce=lambda tmp: shutil.copyfile(src, tmp))
            self.counts["copied"] += 1
            self.console.print(f"  [green]copied[/]     {label} ({_human(target.stat().st_size)}) from mirror{self._ok(f)}")
            return target
        if src is not None:
            why = f"not in the mirror (looked for {src})"
        elif self.mirror is None:
            why = "no mirror configured"
        else:
            why = "the manifest gives it no mirror path"
        url = self._download(ds, f, target, why)
        self.counts["downloaded"] += 1
        self.console.print(f"  [green]downloaded[/] {label} ({_human(target.stat().st_size)}) from {url}{self._ok(f)}")
        return target

    @staticmethod
    def _ok(f: DataFile) -> str:
        return ", sha256 verified" if f.sha256 else ", [yellow]sha256 not verified (unknown)[/]"

    def _install(self, ds: Dataset, f: DataFile, target: Path, *, method: str, source: str,
                 produce: Callable[[Path], Any], extra: dict[str, Any] | None = None) -> None:
        """Produce the file into a temporary path, verify it, rename it onto ``target``, record provenance."""
        with atomic_path(target) as tmp:
            produce(tmp)
            sha, size = _verify(ds, f, tmp, source)
            os.chmod(tmp, _file_mode())
        record = {
            "dataset": ds.id,
            "file": f.name,
            "source": source,
            "method": method,
            "fetched_at": _now(),
            "sha256": sha,
            "size": size,
            "verified": f.sha256 is not None,
            "expected_sha256": f.sha256,
            "url": f.url,
            "drugtrends_version": _version(),
        }
        record.update(extra or {})
        record["mtime_ns"] = target.stat().st_mtime_ns
        _write_provenance(target, record)
        if f.sha256 is None:
            _warn_unverified(ds, f, sha, source)

    # ---- downloads
    def _download_dir(self, ds: Dataset) -> Path:
        d = self._download_dirs.get(ds.id)
        if d is None:
            folder = self.data_dir / ds.id
            self._mkdir(folder)
            d = Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
            self._download_dirs[ds.id] = d
        return d

    def _retrieve(self, ds: Dataset, f: DataFile, url: str) -> Path:
        """Download ``url`` with pooch into this run's temporary folder (once per URL)."""
        known = f.download_sha256 if f.transformed else f.sha256
        key = (url, known)
        if key in self._downloads and self._downloads[key].is_file():
            return self._downloads[key]
        folder = self._download_dir(ds)
        fname = f"{len(self._downloads):03d}-{f.name}" + (".download" if f.transformed else "")
        bar: Any = False if self.quiet else _RichBar(f"{ds.id}/{f.name}", self.console)
        downloader = pooch.HTTPDownloader(progressbar=bar, timeout=_TIMEOUT)
        logger = pooch.get_logger()
        level = logger.level
        logger.setLevel("WARNING")  # we report downloads ourselves
        try:
            out = pooch.retrieve(url, known_hash=f"sha256:{known}" if known else None,
                                 fname=fname, path=folder, downloader=downloader)
        except ValueError as exc:
            if "hash" in str(exc).lower():
                raise ChecksumError(
                    f"{ds.id}/{f.name}: the file downloaded from {url} does not have the expected SHA-256 "
                    f"{known}; it was discarded and nothing in {self.data_dir} changed. The publisher may have "
                    f"revised the file: check it, update data/manifest.yaml, or {_MIRROR_HINT.format(id=ds.id)}."
                ) from None
            raise
        finally:
            logger.setLevel(level)
            if bar is not False:
                with contextlib.suppress(Exception):
                    bar.close()
        path = Path(out)
        self._downloads[key] = path
        return path

    def _download(self, ds: Dataset, f: DataFile, target: Path, why_not_mirror: str) -> str:
        label = f"{ds.id}/{f.name}"
        urls = f.download_urls
        if not urls:
            raise FetchError(f"{label}: {why_not_mirror}, and the manifest gives no URL to download it from; "
                             f"{_MIRROR_HINT.format(id=ds.id)}.")
        failures: list[str] = []
        for url in urls:
            if url in self._failed_urls:
                failures.append(f"{url} ({self._failed_urls[url]})")
                continue
            try:
                raw = self._retrieve(ds, f, url)
            except ChecksumError:
                raise
            except Exception as exc:  # network, HTTP status, disk: try the next URL
                if not _is_download_error(exc):
                    raise
                self._failed_urls[url] = _describe(exc)
                failures.append(f"{url} ({self._failed_urls[url]})")
                continue
            extra = {"download_sha256": sha256_file(raw) if f.transformed else None,
                     "archive_member": f.archive_member, "convert": f.convert}
            self._install(ds, f, target, method="download", source=url,
                          produce=partial(_produce, ds, f, raw, url=url),  # produce(tmp) -> _produce(.., tmp, url)
                          extra={k: v for k, v in extra.items() if v is not None})
            return url
        tried = "; ".join(failures)
        raise FetchError(
            f"could not fetch {label}: {why_not_mirror}, and the download failed from {tried}. "
            f"If this machine is offline, {_MIRROR_HINT.format(id=ds.id)}."
        )


def _describe(exc: BaseException) -> str:
    """A one-line reason for a failed download."""
    try:
        import requests

        if isinstance(exc, requests.exceptions.ConnectionError):
            return "could not connect: offline, or the host is unreachable"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {_TIMEOUT} s"
    except ImportError:  # pragma: no cover
        pass
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}{'...' if len(text) > 200 else ''}"


def _is_download_error(exc: BaseException) -> bool:
    try:
        import requests

        if isinstance(exc, requests.exceptions.RequestException):
            return True
    except ImportError:  # pragma: no cover - pooch depends on requests
        pass
    return isinstance(exc, (OSError, TimeoutError))


def _produce(ds: Dataset, f: DataFile, raw: Path, tmp: Path, url: str) -> None:
    """Turn a downloaded artefact into the file itself (extract a zip member, convert, or move)."""
    label = f"{ds.id}/{f.name}"
    if f.archive_member is not None:
        try:
            with zipfile.ZipFile(raw) as zf:
                names = zf.namelist()
                if f.archive_member not in names:
                    shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
                    raise FetchError(f"{label}: the archive downloaded from {url} has no member "
                                     f"{f.archive_member!r}; it holds: {shown}")
                with zf.open(f.archive_member) as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        except zipfile.BadZipFile:
            raise ChecksumError(f"{label}: what {url} served is not a zip archive (truncated or an error page).") from None
        return
    if f.convert == "rda_to_csv":
        _rda_to_csv(label, raw, tmp, Path(f.name).stem)
        return
    os.replace(raw, tmp)  # same folder tree: a rename, not a second copy


def _rda_to_csv(label: str, raw: Path, tmp: Path, object_name: str) -> None:
    try:
        import pyreadr  # type: ignore[import-not-found]
    except ImportError:
        raise FetchError(
            f"{label}: the official source is an R data file; converting it to CSV needs the optional "
            f"package pyreadr (`pip install pyreadr`). Or {_MIRROR_HINT.format(id=label.split('/')[0])}."
        ) from None
    frames = pyreadr.read_r(str(raw))
    if not frames:
        raise FetchError(f"{label}: the downloaded R data file holds no data frame.")
    df = frames.get(object_name, next(iter(frames.values())))
    df.to_csv(tmp, index=False)


def _verify(ds: Dataset, f: DataFile, path: Path, source: str) -> tuple[str, int]:
    """Check size and SHA-256 of ``path`` against the manifest; return (sha256, size)."""
    label = f"{ds.id}/{f.name}"
    size = path.stat().st_size
    if size == 0:
        raise ChecksumError(f"{label}: the file from {source} is empty (0 bytes); nothing was changed in the "
                            f"data directory. Repair the source or {_MIRROR_HINT.format(id=ds.id)}.")
    if f.size is not None and size != f.size:
        kind = "truncated" if size < f.size else "larger than expected"
        raise ChecksumError(
            f"{label}: the file from {source} has {size:,} bytes but the manifest expects {f.size:,} "
            f"({kind}: an incomplete copy or a different version). It was discarded and nothing was changed "
            f"in the data directory."
        )
    sha = sha256_file(path)
    if f.sha256 is not None and sha != f.sha256:
        raise ChecksumError(
            f"{label}: SHA-256 mismatch for the file from {source}: expected {f.sha256}, got {sha}. "
            f"It was discarded and nothing was changed in the data directory. The source is corrupt or a "
            f"different version; repair it, or {_MIRROR_HINT.format(id=ds.id)}."
        )
    return sha, size


def _warn_unverified(ds: Dataset, f: DataFile, sha: str, source: str) -> None:
    warnings.warn(
        UnverifiedDataWarning(
            f"{ds.id}/{f.name}: not verified: the manifest has no SHA-256 for it. Fetched from {source}; "
            f"its SHA-256 is {sha} (recorded in {f.name}{PROVENANCE_SUFFIX}). Add it to data/manifest.yaml "
            f"once you trust this copy."
        ),
        stacklevel=4,
    )


def _is_current(ds: Dataset, f: DataFile, target: Path, *, adopt: bool = False, rehash: bool = False) -> bool:
    """True when ``target`` is the manifest's file (:func:`drugtrends.integrity.check_file`).

    A changed file gives False (the caller fetches it again). When no SHA-256
    is known anywhere (manifest null, no provenance), ``adopt`` hashes the
    file once and gives it a provenance record (``method: local``).
    """
    if not target.is_file():
        return False
    try:
        verified = check_file(ds.id, f, target, rehash=rehash)
    except IntegrityError:
        return False
    if read_provenance(target) is not None:
        return verified
    if not adopt:
        return verified
    st = target.stat()
    sha = f.sha256 if verified else sha256_file(target)
    record = {
        "dataset": ds.id, "file": f.name, "source": str(target), "method": "local",
        "fetched_at": _now(), "sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
        "verified": verified, "expected_sha256": f.sha256, "url": f.url, "drugtrends_version": _version(),
    }
    with contextlib.suppress(OSError):
        _write_provenance(target, record)
    if not verified:
        assert sha is not None  # sha256_file's hash when not verified
        _warn_unverified(ds, f, sha, str(target))
    return True


@contextlib.contextmanager
def _session(manifest: Manifest, mirror: str | os.PathLike[str] | None, force: bool, quiet: bool,
             verify: bool = False) -> Iterator[_Session]:
    s = _Session(manifest, _resolve_mirror(mirror), force, quiet, verify)
    try:
        yield s
    finally:
        s.close()


def _raise_failures(failures: list[tuple[str, DrugtrendsError]]) -> None:
    if not failures:
        return
    if len(failures) == 1:
        raise failures[0][1]
    lines = "\n".join(f"  - {label}: {exc}" for label, exc in failures)
    raise FetchError(f"{len(failures)} files could not be fetched:\n{lines}")


# --------------------------------------------------------------------------- public API


def fetch(ids: Iterable[str] | str | None = None, mirror: str | os.PathLike[str] | None = None,
          force: bool = False, quiet: bool = False, verify: bool = False) -> dict[str, list[Path]]:
    """Copy or download datasets into the data directory and verify them.

    Parameters
    ----------
    ids
        Dataset ids: manifest ids, or the load ids of ``dt.load`` (resolved
        through the manifest's ``load_ids``, e.g. ``unodc_prevalence`` ->
        ``unodc_wdr2025``; ``cdc_vsrr`` also fetches ``cdc_vsrr_2025``, whose
        ``load_ids`` list it); ``None`` = every mirrored dataset (fetch-only
        datasets such as ``nsduh`` are fetched only when named).
    mirror
        Mirror folder to copy from; default ``$DRUGTRENDS_MIRROR``, else
        ``../shared/data`` when it exists; ``"none"`` downloads only.
    force
        Fetch again even when a verified copy is present (the present copy is
        kept if the new one fails verification).
    quiet
        Print nothing but warnings (no progress bars).
    verify
        Re-hash every present file, whatever its size (``drugtrends fetch
        --verify``); a file that changed since it was fetched is fetched again
        (the changed copy is replaced only by a verified one).

    Returns
    -------
    dict
        Dataset id -> local paths of its files.

    Raises
    ------
    UnknownDatasetError
        An id is not in the manifest (nothing is fetched).
    ChecksumError
        A copy or download does not have the manifest's size / SHA-256.
    FetchError
        A file is neither in the mirror nor downloadable (the message names the
        dataset, the URL and the ``--mirror`` option). When several files fail,
        one FetchError lists them all; every other file is still fetched.

    Examples
    --------
    >>> import hashlib, os, tempfile, yaml
    >>> world = Path(tempfile.mkdtemp()); data = b"year,deaths"   # a one-file manifest and mirror
    >>> (world / "mirror" / "toy").mkdir(parents=True); _ = (world / "mirror/toy/toy.csv").write_bytes(data)
    >>> entry = {"name": "toy.csv", "url": "https://example.org/toy.csv", "mirror_path": "toy/toy.csv",
    ...          "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "rows": None, "columns": None}
    >>> _ = (world / "manifest.yaml").write_text(yaml.safe_dump({"version": 1, "datasets": {"toy": {
    ...     "title": "Toy", "publisher": "P", "landing_page": "https://example.org", "licence": "CC0",
    ...     "citation": "C", "notes": None, "mirrored": True, "files": [entry]}}}))
    >>> saved = dict(os.environ)
    >>> os.environ.update(DRUGTRENDS_MANIFEST=str(world / "manifest.yaml"), DRUGTRENDS_MIRROR=str(world / "mirror"),
    ...                   DRUGTRENDS_DATA=str(world / "data"))
    >>> fetch("toy", quiet=True)
    {'toy': [PosixPath('.../data/toy/toy.csv')]}
    >>> status()[["id", "present", "verified", "method"]].values.tolist()
    [['toy', True, True, 'mirror']]
    >>> os.environ.clear(); os.environ.update(saved)
    """
    manifest = load_manifest()
    if isinstance(ids, str):
        ids = [ids]
    wanted = manifest.mirrored_ids if ids is None else list(dict.fromkeys(ids))
    # a load id may also read other manifest datasets that list it (cdc_vsrr -> cdc_vsrr_2025)
    wanted += [d.id for i in list(wanted) for d in manifest if i in d.load_ids and d.id != manifest.resolve(i)]
    datasets = list({d.id: d for d in (manifest.get(i) for i in wanted)}.values())  # unknown ids fail first
    result: dict[str, list[Path]] = {}
    failures: list[tuple[str, DrugtrendsError]] = []
    with _session(manifest, mirror, force, quiet, verify) as s:
        where = f"mirror {s.mirror}" if s.mirror is not None else "no mirror: downloads only"
        s.console.print(f"Fetching {len(datasets)} dataset(s) into {s.data_dir} ({where})")
        for ds in datasets:
            got: list[Path] = []
            for f in ds.files:
                try:
                    got.append(s.fetch_file(ds, f))
                except DrugtrendsError as exc:
                    failures.append((f"{ds.id}/{f.name}", exc))
                    s.console.print(f"  [red]failed[/]     {ds.id}/{f.name}")
            if len(got) == len(ds.files):
                result[ds.id] = got
        c = s.counts
        s.console.print(f"Done: {c['copied']} copied, {c['downloaded']} downloaded, {c['present']} already present"
                        + (f", [red]{len(failures)} failed[/]" if failures else "") + ".")
    _raise_failures(failures)
    return result


def ensure(dataset_id: str, mirror: str | os.PathLike[str] | None = None, *,
           names: Iterable[str] | None = None, force: bool = False) -> list[Path]:
    """Return the verified local paths of a dataset's files, fetching what is missing.

    Present files are checked first (:func:`drugtrends.integrity.check_file`:
    small files re-hashed, large ones by size + mtime + recorded hash); a file
    changed since it was fetched is refused, never silently replaced.

    Parameters
    ----------
    dataset_id
        Manifest dataset id.
    mirror
        As for :func:`fetch`.
    names
        Only these files of the dataset (e.g. one NSDUH year); default all.
    force
        Fetch again even if present.

    Raises
    ------
    IntegrityError
        A present file differs from the manifest (edited, truncated): the
        message names it and the ``drugtrends fetch <id> --force`` command.

    Examples
    --------
    >>> import hashlib, os, tempfile, yaml
    >>> world = Path(tempfile.mkdtemp()); data = b"year,deaths"   # a one-file manifest and mirror
    >>> (world / "mirror" / "toy").mkdir(parents=True); _ = (world / "mirror/toy/toy.csv").write_bytes(data)
    >>> entry = {"name": "toy.csv", "url": "https://example.org/toy.csv", "mirror_path": "toy/toy.csv",
    ...          "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "rows": None, "columns": None}
    >>> _ = (world / "manifest.yaml").write_text(yaml.safe_dump({"version": 1, "datasets": {"toy": {
    ...     "title": "Toy", "publisher": "P", "landing_page": "https://example.org", "licence": "CC0",
    ...     "citation": "C", "notes": None, "mirrored": True, "files": [entry]}}}))
    >>> saved = dict(os.environ)
    >>> os.environ.update(DRUGTRENDS_MANIFEST=str(world / "manifest.yaml"), DRUGTRENDS_MIRROR=str(world / "mirror"),
    ...                   DRUGTRENDS_DATA=str(world / "data"))
    >>> [p.name for p in ensure("toy")]           # copied from the mirror and verified
    ['toy.csv']
    >>> ensure("toy") == ensure("toy")             # present and verified: nothing to do
    True
    >>> os.environ.clear(); os.environ.update(saved)
    """
    manifest = load_manifest()
    ds = manifest.get(dataset_id)
    files = list(ds.files) if names is None else [ds.file(n) for n in names]
    root = paths.data_dir()
    targets = [root / ds.id / f.name for f in files]
    todo = []
    for f, t in zip(files, targets):
        if force or not t.is_file() or not check_file(ds.id, f, t):  # IntegrityError when changed
            todo.append(f)
    if not todo:
        return targets
    failures: list[tuple[str, DrugtrendsError]] = []
    with _session(manifest, mirror, force, quiet=True) as s:
        for f in todo:
            try:
                s.fetch_file(ds, f)
            except DrugtrendsError as exc:
                failures.append((f"{ds.id}/{f.name}", exc))
    _raise_failures(failures)
    return targets


def status(verify: bool = False) -> pd.DataFrame:
    """Local status of every manifest file (reads only; fetches nothing).

    Parameters
    ----------
    verify
        Re-hash every present file; otherwise small files are re-hashed and
        large ones checked by size + modification time against their
        provenance records (:func:`drugtrends.integrity.check_file`).

    Returns
    -------
    pandas.DataFrame
        One row per file: ``id``, ``file``, ``mirrored``, ``present``,
        ``verified`` (present and matches the manifest SHA-256), ``source``,
        ``method``, ``fetched_at``, ``size``, ``path``.

    Examples
    --------
    >>> s = status()
    >>> list(s.columns)
    ['id', 'file', 'mirrored', 'present', 'verified', 'source', 'method', 'fetched_at', 'size', 'path']
    >>> "nchs_overdose_rates" in set(s["id"])
    True
    """
    manifest = load_manifest()
    root = paths.data_dir()
    rows = []
    for ds in manifest:
        for f in ds.files:
            target = root / ds.id / f.name
            present = target.is_file()
            prov = read_provenance(target) if present else None
            size = target.stat().st_size if present else None
            verified = False
            if present and f.sha256 is not None:
                try:
                    verified = check_file(ds.id, f, target, rehash=verify)
                except IntegrityError:
                    verified = False
            rows.append({
                "id": ds.id,
                "file": f.name,
                "mirrored": ds.mirrored,
                "present": present,
                "verified": verified,
                "source": (prov or {}).get("source", ""),
                "method": (prov or {}).get("method", ""),
                "fetched_at": (prov or {}).get("fetched_at", ""),
                "size": size,
                "path": str(target),
            })
    columns = ["id", "file", "mirrored", "present", "verified", "source", "method", "fetched_at", "size", "path"]
    return pd.DataFrame(rows, columns=columns)


def print_status(verify: bool = False) -> None:
    """Print :func:`status` as a table (``drugtrends fetch --list [--verify]``).

    Parameters
    ----------
    verify
        Re-hash every present file (see :func:`status`).

    Examples
    --------
    >>> print_status()   # one row per file of the manifest, then the mirror and manifest in use
    drugtrends datasets (data dir: ...)...
    """
    from rich.console import Console
    from rich.table import Table

    df = status(verify=verify)
    manifest = load_manifest()
    try:
        mirror = _resolve_mirror(None)
    except FetchError as exc:
        mirror, mirror_note = None, f"invalid ({exc})"
    else:
        mirror_note = str(mirror) if mirror is not None else "none"
    table = Table(title=f"drugtrends datasets (data dir: {paths.data_dir()})",
                  caption=f"mirror: {mirror_note} | manifest: {manifest.path}")
    for col in ("id", "file", "present", "verified", "source"):
        table.add_column(col, overflow="fold")
    for row in df.itertuples(index=False):
        entry = manifest.get(row.id).file(row.file)
        sha_known = entry.sha256 is not None
        source = f"mirror:{entry.mirror_path}" if row.method == "mirror" and entry.mirror_path else row.source
        present = "[green]yes[/]" if row.present else "[dim]no[/]"
        if not row.present:
            verified = "" if row.mirrored else "[dim]fetch-only[/]"
        elif row.verified:
            verified = "[green]yes[/]"
        else:
            verified = "[red]no[/]" if sha_known else "[yellow]no sha256[/]"
        table.add_row(row.id, row.file, present, verified, source)
    Console().print(table)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
