"""One call from a dataset id to a tidy DataFrame: ``dt.datasets.load(id)``.

:data:`REGISTRY` maps each *load id* to the manifest dataset that holds its
file(s), the file name(s), the reader, a one-line description and its own
*loader*: the function that turns the verified files and the caller's
keywords into the reader call (no ``if dataset_id == ...`` branching). Load
ids may be finer than manifest ids (the four ``unodc_*`` tables share the
manifest dataset ``unodc_wdr2025``), and one load id may read files of
several manifest datasets (``cdc_vsrr`` reads the 2018 snapshot and the 2025
edition, :attr:`Entry.also`).

:func:`load` checks the keywords (an unknown keyword or a non-numeric
``year=`` raises :class:`~drugtrends.errors.InputError` naming it), resolves
the files with :func:`drugtrends.fetch.ensure` (copying from the mirror or
downloading what is missing, verifying checksums) and calls the entry's
loader. Fetch-only datasets (``nsduh``, ``teds_a``, ``teds_d``: too large for
the mirror) take ``year=`` or ``path=`` (your own copy); when the file is
neither present nor fetchable the error says which ``drugtrends fetch``
command to run. Every file is checked against the manifest before it is read
(:mod:`drugtrends.integrity`).

Datasets also declare what statistics need to know about them, so the
statistics layer never hard-codes a dataset: :func:`design_spec` gives the
survey design (:class:`DesignSpec`: weight, strata, PSU, pooled-weight rule,
known breaks) for ``SurveyDesign.from_spec``, :func:`analysis_frame` the frame
it refers to. :func:`id_map`, :func:`manifest_id` and :func:`availability`
tie load ids to ``drugtrends fetch`` ids.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from drugtrends.errors import DataNotFoundError, DrugtrendsError, InputError, IntegrityError, UnknownDatasetError
from drugtrends.series import Break, known_breaks

__all__ = ["DESIGNS", "DesignSpec", "Entry", "REGISTRY", "analysis_frame", "availability", "design_spec", "id_map",
           "load", "list_datasets", "manifest_id", "resolve_reader"]

#: A loader: ``loader(entry, kwargs)`` reads the dataset; it pops the keywords it handles from ``kwargs``
#: and passes the rest to the reader.
Loader = Callable[["Entry", dict[str, Any]], Any]


@dataclass(frozen=True)
class Entry:
    """One load id: where its files are, how to read them, and its own loader.

    Parameters
    ----------
    manifest_id : str
        Id of the dataset in the data manifest (what ``drugtrends.fetch``
        downloads and checks); several load ids may share one manifest id.
    files : tuple of str or None
        Names of the manifest files the reader needs, in the order it takes
        them; ``None`` when the file is chosen per call (by ``year=``).
    reader : str
        ``"module:function"`` of the reader, imported lazily by
        :func:`resolve_reader`.
    description : str
        One-line description shown by :func:`list_datasets`.
    fetch_only : bool, default False
        ``True`` for datasets that are not mirrored and must be fetched (or
        given with ``path=``) one year at a time (NSDUH, TEDS-A, TEDS-D).
    loader : callable or None, default None
        ``loader(entry, kwargs)``: reads the dataset (None: the reader on the
        first file, with the caller's keywords).
    keywords : tuple of str, default ()
        Keywords the loader itself takes (``year``, ``path``, ``replicates``,
        ``variant``), besides the reader's own optional parameters.
    binds : tuple of str, default ()
        Reader parameters the loader sets itself (not accepted from the caller).
    also : tuple of (str, str), default ()
        ``(manifest id, file name)`` of files from other manifest datasets
        that the loader also reads (fetched and verified the same way).

    Examples
    --------
    >>> REGISTRY["uci_drug_consumption"].files
    ('drug_consumption.data',)
    >>> REGISTRY["teds_a"].files is None, REGISTRY["teds_a"].fetch_only
    (True, True)
    >>> REGISTRY["cdc_vsrr"].also[0][0]
    'cdc_vsrr_2025'
    """

    manifest_id: str
    files: tuple[str, ...] | None  # None = chosen per call (by year)
    reader: str  # "module:function", imported lazily
    description: str
    fetch_only: bool = False
    loader: Loader | None = None
    keywords: tuple[str, ...] = ()
    binds: tuple[str, ...] = ()
    also: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- loaders


def _read_first(entry: Entry, kwargs: dict[str, Any]) -> Any:
    """The reader on the entry's first file."""
    return resolve_reader(entry.reader)(_paths(entry)[0], **kwargs)


def _read_all(entry: Entry, kwargs: dict[str, Any]) -> Any:
    """The reader on all the entry's files, in the order of :attr:`Entry.files`."""
    return resolve_reader(entry.reader)(*_paths(entry), **kwargs)


def _load_nhanes2(entry: Entry, kwargs: dict[str, Any]) -> Any:
    reps = kwargs.pop("replicates", None)
    files = dict(zip(entry.files or (), _paths(entry), strict=True))
    if reps is None:
        return resolve_reader(entry.reader)(files["nhanes2.csv"], **kwargs)
    from drugtrends.readers.validation import read_nhanes2_replicates
    from drugtrends.validate import check_choice

    kind = str(check_choice(str(reps).lower(), "replicates", ("brr", "jk")))  # returns its str argument
    return read_nhanes2_replicates(files[f"nhanes2{kind}_subset.csv"], kind, **kwargs)


def _load_vsrr(entry: Entry, kwargs: dict[str, Any]) -> Any:
    """Older snapshot (all states, to 2018) + 2025 edition (US rows): newest edition wins per place and month."""
    old, new = _paths(entry)
    return resolve_reader(entry.reader)({"2018": old, "2025": new}, **kwargs)


def _load_departements(entry: Entry, kwargs: dict[str, Any]) -> Any:
    from drugtrends.validate import check_choice

    variant = check_choice(kwargs.pop("variant", "overseas"), "variant", ("overseas", "metropolitan"))
    files = dict(zip(entry.files or (), _paths(entry), strict=True))
    name = ("departements-avec-outre-mer.geojson" if variant == "overseas"
            else "departements-version-simplifiee.geojson")
    return resolve_reader(entry.reader)(files[name], **kwargs)


def _fetch_only_path(entry: Entry, kwargs: dict[str, Any], load_id: str) -> tuple[Path, int | None]:
    year = kwargs.pop("year", None)
    path = kwargs.pop("path", None)
    if path is None:
        if year is None:
            raise InputError(f"load({load_id!r}) needs year= (or path= to your own copy of the file).")
        from drugtrends.manifest import load_manifest

        f = load_manifest().get(entry.manifest_id).file_for_year(year)
        return _ensure(entry, [f.name], year)[0], year
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: file not found. {_fetch_hint(entry.manifest_id, year)}")
    return path, year


#: NSDUH years read from a mirrored extract instead of the fetch-only tab-delimited bundle (issue 21):
#: year -> (manifest id, file). ``path=`` still reads your own full public-use file.
NSDUH_EXTRACTS: dict[int, tuple[str, str]] = {2022: ("nsduh_2022", "NSDUH_2022_final_dataset.Rdata")}


def _load_nsduh(entry: Entry, kwargs: dict[str, Any]) -> Any:
    if kwargs.get("path") is None and kwargs.get("year") in NSDUH_EXTRACTS:
        from drugtrends import fetch

        year = kwargs.pop("year")
        kwargs.pop("path", None)
        ds_id, name = NSDUH_EXTRACTS[year]
        return resolve_reader(entry.reader)(Path(fetch.ensure(ds_id, names=[name])[0]), year, **kwargs)
    path, year = _fetch_only_path(entry, kwargs, "nsduh")
    if year is None:
        raise InputError("load('nsduh', path=...) also needs year= (it decides the design variables).")
    return resolve_reader(entry.reader)(path, year, **kwargs)


def _teds_loader(kind: str) -> Loader:
    def load_teds(entry: Entry, kwargs: dict[str, Any]) -> Any:
        path, _ = _fetch_only_path(entry, kwargs, f"teds_{kind.lower()}")
        return resolve_reader(entry.reader)(path, kind, **kwargs)

    load_teds.__doc__ = f"TEDS-{kind}: one year's file (year=) or the caller's own copy (path=)."
    return load_teds


_YEAR_PATH = ("year", "path")

#: Every ``dt.load`` id -> its :class:`Entry` (files, reader, description).
REGISTRY: dict[str, Entry] = {
    "unodc_prevalence": Entry(
        "unodc_wdr2025", ("1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx",),
        "drugtrends.readers.unodc:read_prevalence",
        "UNODC WDR 2025 annex 1.2: annual prevalence of drug use, general population, by country/year/drug."),
    "unodc_youth": Entry(
        "unodc_wdr2025", ("1.4_Prevalence_of_drug_use_in_the_youth_population_national_data_including_NPS.xlsx",),
        "drugtrends.readers.unodc:read_youth",
        "UNODC WDR 2025 annex 1.4: prevalence of drug use among youth (school surveys), incl. NPS."),
    "unodc_trend_perception": Entry(
        "unodc_wdr2025", ("2.1_Expert_perception_of_trend_changes_in_use_of_drugs_all_drugs.xlsx",),
        "drugtrends.readers.unodc:read_trend_perception",
        "UNODC WDR 2025 annex 2.1: expert perception of trend changes in drug use."),
    "unodc_seizures": Entry(
        "unodc_wdr2025", ("7.1_Drug_seizures_2019-2023.xlsx",),
        "drugtrends.readers.unodc:read_seizures",
        "UNODC WDR 2025 annex 7.1: quantities of drugs seized, 2019-2023."),
    "nhanes_2009_2012": Entry(
        "nhanes_2009_2012", ("NHANESraw.csv",), "drugtrends.readers.nhanes:read_nhanes_harmonised",
        "NHANES 2009-10 and 2011-12 (20,293 respondents) with design, drug use and profile variables."),
    "uci_drug_consumption": Entry(
        "uci_drug_consumption", ("drug_consumption.data",), "drugtrends.readers.uci:read_uci",
        "UCI drug consumption (quantified): 1,885 respondents, personality scores, use of 18 substances."),
    "cdc_vsrr": Entry(
        "cdc_vsrr", ("VSRR_Provisional_Drug_Overdose_Death_Counts.csv",),
        "drugtrends.readers.vsrr:read_vsrr_editions",
        "CDC NCHS VSRR provisional drug overdose death counts (12-month ending): US to 2025-04 (2025 edition), "
        "states to 2018; status 'provisional', never joined with final NCHS rates.",
        loader=_load_vsrr,
        also=(("cdc_vsrr_2025", "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv"),)),
    "nchs_overdose_rates": Entry(
        "nchs_overdose_rates",
        ("Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv",),
        "drugtrends.readers.nchs:read_overdose_rates",
        "NCHS drug overdose death rates (age-adjusted and crude) by drug type, sex, age, race, US 1999-2018."),
    "teds_codebook": Entry(
        "teds_codebook", ("teds_a_value_labels.csv", "teds_d_value_labels_by_year.csv"),
        "drugtrends.readers.teds:read_teds_codebook",
        "TEDS-A and TEDS-D value labels (variable, code, label, years).", loader=_read_all),
    "nhanes2_validation": Entry(
        "nhanes2_validation", ("nhanes2.csv", "nhanes2brr_subset.csv", "nhanes2jk_subset.csv"),
        "drugtrends.readers.validation:read_nhanes2",
        "NHANES II (1976-80) extracts of the Stata manuals, to validate survey estimators "
        "(replicates='brr' or 'jk' for the replicate-weight subsets).",
        loader=_load_nhanes2, keywords=("replicates",)),
    "nsduh": Entry(
        "nsduh", None, "drugtrends.readers.nsduh:read_nsduh",
        "NSDUH public-use file of one year (year=), design harmonised, person columns (sex, age groups, race, "
        "education, income, county type), recency flags; 2022 = the mirrored public-use extract (lifetime use "
        "and ages at first use only).",
        fetch_only=True, loader=_load_nsduh, keywords=_YEAR_PATH,
        also=tuple(NSDUH_EXTRACTS.values())),  # availability() sees the mirrored 2022 extract
    "teds_a": Entry(
        "teds_a", None, "drugtrends.readers.teds:read_teds",
        "TEDS-A treatment admissions of one year (year=), labelled; chunksize= for bounded memory.",
        fetch_only=True, loader=_teds_loader("A"), keywords=_YEAR_PATH, binds=("kind",)),
    "teds_d": Entry(
        "teds_d", None, "drugtrends.readers.teds:read_teds",
        "TEDS-D treatment discharges of one year (year=), labelled; chunksize= for bounded memory.",
        fetch_only=True, loader=_teds_loader("D"), keywords=_YEAR_PATH, binds=("kind",)),
    "fr_drug_offences": Entry(
        "fr_ssmsi_delinquance", ("delinquance.json",), "drugtrends.readers.ssmsi:read_drug_offences",
        "France: police- and gendarmerie-recorded drug offences (persons implicated) by département, 2016-2025 "
        "(SSMSI): use, use by fixed fine (from Sept. 2020), use excl. fixed fine, trafficking."),
    "fr_departements": Entry(
        "fr_geo", ("departements-avec-outre-mer.geojson", "departements-version-simplifiee.geojson"),
        "drugtrends.readers.geo:read_departements",
        "France's départements (code, name, geometry) as a GeoDataFrame: 101 with overseas (default), or "
        "variant='metropolitan' for the 96 simplified metropolitan outlines.",
        loader=_load_departements, keywords=("variant",)),
    "euda_wastewater": Entry(
        "euda_wastewater", ("ww-data-long-2023-05-02.csv", "ww-sites-2023-05-02.csv"),
        "drugtrends.readers.wastewater:read_wastewater",
        "EU drugs agency / SCORE wastewater analysis 2011-2022: drug residue loads (mg/1000 inhabitants/day) "
        "by site, year and substance; each site its own series.", loader=_read_all),
}


def resolve_reader(spec: str) -> Callable[..., Any]:
    """Import ``"module:function"`` and return the function.

    Parameters
    ----------
    spec : str
        Dotted module path and function name separated by a colon, as in
        :attr:`Entry.reader`.

    Returns
    -------
    callable
        The function ``function`` of the imported module ``module``.

    Examples
    --------
    >>> resolve_reader("drugtrends.readers.uci:read_uci").__name__
    'read_uci'
    """
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _entry(dataset_id: str) -> Entry:
    try:
        return REGISTRY[dataset_id]
    except (KeyError, TypeError):
        import difflib

        close = difflib.get_close_matches(str(dataset_id), REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownDatasetError(
            f"unknown dataset id {dataset_id!r}.{hint} Valid ids: {', '.join(REGISTRY)}."
        ) from None


def _fetch_hint(manifest_id: str, year: int | None) -> str:
    return (f"Run `drugtrends fetch {manifest_id}` to download it (fetch-only: not in the project mirror), "
            f"or pass path= to read your own copy of the {year or ''} file.").replace("  ", " ")


def _ensure(entry: Entry, names: list[str] | None, year: int | None = None) -> list[Path]:
    from drugtrends import fetch

    try:
        return [Path(p) for p in fetch.ensure(entry.manifest_id, names=names)]
    except (UnknownDatasetError, IntegrityError):
        raise
    except DrugtrendsError as exc:
        if entry.fetch_only:
            raise DataNotFoundError(
                f"{entry.manifest_id} {year if year is not None else ''}: not in the data directory and it "
                f"could not be fetched ({exc}). {_fetch_hint(entry.manifest_id, year)}"
            ) from exc
        raise


def _paths(entry: Entry) -> list[Path]:
    """Verified data-directory paths of the entry's files, then of :attr:`Entry.also`, in order."""
    from drugtrends import fetch

    out = _ensure(entry, list(entry.files or ()))
    for ds_id, name in entry.also:
        out += [Path(p) for p in fetch.ensure(ds_id, names=[name])]
    return out


def _accepted(entry: Entry) -> set[str] | None:
    """Keywords ``load`` accepts for an entry (None: any, the reader takes ``**kwargs``)."""
    params = inspect.signature(resolve_reader(entry.reader)).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    own = {p.name for p in params if p.default is not inspect.Parameter.empty
           and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    return (own - set(entry.binds)) | set(entry.keywords)


def _check_kwargs(dataset_id: str, entry: Entry, kwargs: dict[str, Any]) -> None:
    """InputError for a keyword the dataset does not take, or a ``year=`` that is not a whole number."""
    accepted = _accepted(entry)
    if accepted is not None:
        wrong = sorted(set(kwargs) - accepted)
        if wrong:
            from drugtrends.validate import suggest

            hint = suggest(wrong[0], sorted(accepted)) if accepted else ""
            raise InputError(
                f"load({dataset_id!r}): unknown keyword {wrong[0]!r}.{hint} "
                + (f"It takes: {', '.join(sorted(accepted))}." if accepted else "It takes no keyword.")
            )
    if "year" in kwargs and kwargs["year"] is not None:
        y = kwargs["year"]
        if isinstance(y, str) and y.strip().isdigit():
            y = int(y.strip())
        if isinstance(y, bool) or not isinstance(y, numbers.Integral):
            raise InputError(f"load({dataset_id!r}): year= must be a whole number such as 2019, not {kwargs['year']!r}.")
        kwargs["year"] = int(y)


def load(dataset_id: str, **kwargs: Any) -> Any:
    """Return a dataset as a tidy DataFrame, fetching its files if needed.

    Parameters
    ----------
    dataset_id
        A load id of :data:`REGISTRY` (see :func:`list_datasets`).
    **kwargs
        The reader's own optional parameters, plus what the dataset's loader
        takes:

        * ``year`` (``nsduh``, ``teds_a``, ``teds_d``): which year's file (a
          whole number);
        * ``path`` (``nsduh``, ``teds_a``, ``teds_d``): read this file instead
          of the data directory's (``year`` still needed for NSDUH);
        * ``replicates`` (``nhanes2_validation``): ``"brr"`` or ``"jk"`` to
          load a replicate-weight subset instead of the full extract;
        * ``variant`` (``fr_departements``): ``"overseas"`` (default, 101
          départements) or ``"metropolitan"`` (96, simplified outlines).

    Returns
    -------
    pandas.DataFrame
        Whatever the reader returns (an iterator of DataFrames for TEDS with
        ``chunksize=``; a ``geopandas.GeoDataFrame`` for ``fr_departements``).

    Raises
    ------
    UnknownDatasetError
        Unknown id (the message lists the valid ids).
    InputError
        A keyword the dataset does not take, a ``year=`` that is not a whole
        number, a missing ``year=`` for a fetch-only dataset, or an invalid
        ``replicates=`` / ``variant=``.
    DataNotFoundError
        A fetch-only file is missing and cannot be fetched (the message gives
        the ``drugtrends fetch`` command).
    IntegrityError
        A file in the data directory changed since it was fetched (edited,
        truncated): see :mod:`drugtrends.integrity`.
    NotWritableError
        A missing file cannot be fetched because the data directory is not
        writable.
    SchemaError
        The reader cannot read the file (not UTF-8, corrupt workbook, ...).

    Examples
    --------
    >>> df = load("uci_drug_consumption")  # doctest: +SKIP
    >>> load("no_such_data")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownDatasetError: unknown dataset id 'no_such_data'. Valid ids: unodc_prevalence, ...
    >>> load("nsduh", year="twenty")
    Traceback (most recent call last):
    ...
    drugtrends.errors.InputError: load('nsduh'): year= must be a whole number such as 2019, not 'twenty'.
    """
    entry = _entry(dataset_id)
    _check_kwargs(dataset_id, entry, kwargs)
    return (entry.loader or _read_first)(entry, dict(kwargs))


def list_datasets() -> pd.DataFrame:
    """Return the load ids with their manifest id, files, reader and description.

    Returns
    -------
    pandas.DataFrame
        One row per entry of :data:`REGISTRY`, with columns ``id`` (the load
        id), ``manifest_id``, ``files`` (comma-separated file names, files of
        other manifest datasets as ``<manifest id>/<name>``, or ``"(one per
        year)"``), ``reader`` (``module.function``), ``fetch_only`` (bool) and
        ``description``.

    Examples
    --------
    >>> t = list_datasets()
    >>> t.loc[t.id == "nsduh", ["manifest_id", "fetch_only"]].values.tolist()
    [['nsduh', True]]
    """
    rows = [
        {"id": k, "manifest_id": e.manifest_id,
         "files": ", ".join([*e.files, *(f"{d}/{n}" for d, n in e.also)]) if e.files else "(one per year)",
         "reader": e.reader.replace(":", "."), "fetch_only": e.fetch_only, "description": e.description}
        for k, e in REGISTRY.items()
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- ids


def manifest_id(dataset_id: str) -> str:
    """The manifest (fetch) id of a load id; a manifest id is returned unchanged.

    Parameters
    ----------
    dataset_id : str
        A load id of :data:`REGISTRY` or a manifest id.

    Returns
    -------
    str
        What ``drugtrends fetch`` takes.

    Raises
    ------
    UnknownDatasetError
        Neither a load id nor a manifest id (the message lists both).

    Examples
    --------
    >>> manifest_id("unodc_seizures"), manifest_id("unodc_wdr2025"), manifest_id("cdc_vsrr")
    ('unodc_wdr2025', 'unodc_wdr2025', 'cdc_vsrr')
    """
    if dataset_id in REGISTRY:
        return REGISTRY[dataset_id].manifest_id
    if dataset_id in {e.manifest_id for e in REGISTRY.values()} | {d for e in REGISTRY.values() for d, _ in e.also}:
        return dataset_id
    _entry(dataset_id)  # raises with the valid ids
    raise AssertionError  # pragma: no cover


def id_map() -> pd.DataFrame:
    """The one id scheme shown to users: each ``dt.load`` id and the ``drugtrends fetch`` id it reads.

    ``drugtrends fetch`` accepts either id; :func:`manifest_id` resolves one.

    Returns
    -------
    pandas.DataFrame
        Columns ``load_id``, ``fetch_id``, ``fetch_only`` and ``also_reads``
        (other manifest datasets the load id reads, comma-separated; fetched
        with it; empty for most).

    Examples
    --------
    >>> m = id_map()
    >>> m.loc[m.load_id == "unodc_prevalence", "fetch_id"].item()
    'unodc_wdr2025'
    >>> m.loc[m.load_id == "cdc_vsrr", "also_reads"].item()
    'cdc_vsrr_2025'
    """
    return pd.DataFrame([{"load_id": k, "fetch_id": e.manifest_id, "fetch_only": e.fetch_only,
                          "also_reads": ", ".join(dict.fromkeys(d for d, _ in e.also))}
                         for k, e in REGISTRY.items()])


def availability(dataset_id: str | None = None) -> str | None | pd.DataFrame:
    """Whether ``dt.load(dataset_id)`` can run, without reading the data.

    Parameters
    ----------
    dataset_id : str or None, default None
        A load id; None lists every dataset.

    Returns
    -------
    str, None or pandas.DataFrame
        For one id: None when every file is present and verified, or can be
        copied from the mirror; else one sentence saying what is missing and
        the ``drugtrends fetch`` command (no path, no traceback). Fetch-only
        datasets are available when at least one year's file is present.
        Without an id: one row per load id with columns ``load_id``,
        ``fetch_id``, ``fetch_only``, ``available`` (bool) and ``reason``
        (the sentence, empty when available).

    Examples
    --------
    >>> availability("no_such_data")[:60]
    "unknown dataset id 'no_such_data'; valid ids: unodc_prevalen"
    >>> list(availability().columns)
    ['load_id', 'fetch_id', 'fetch_only', 'available', 'reason']
    """
    if dataset_id is None:
        rows = []
        for k, e in REGISTRY.items():
            why = availability(k)
            rows.append({"load_id": k, "fetch_id": e.manifest_id, "fetch_only": e.fetch_only,
                         "available": why is None, "reason": why or ""})
        return pd.DataFrame(rows)
    if not isinstance(dataset_id, str) or dataset_id not in REGISTRY:
        return f"unknown dataset id {dataset_id!r}; valid ids: {', '.join(REGISTRY)}."
    from drugtrends import fetch
    from drugtrends.manifest import load_manifest

    e = REGISTRY[dataset_id]
    m = load_manifest()
    ds = m.get(e.manifest_id)
    files = [(ds, ds.file(n)) for n in e.files] if e.files else [(ds, f) for f in ds.files]
    files += [(m.get(d), m.get(d).file(n)) for d, n in e.also]
    mirror = None
    try:
        mirror = fetch.resolve_mirror(None)
    except DrugtrendsError:
        pass
    ok = []
    for d, f in files:
        present = _present(d.id, f)
        if isinstance(present, str):
            return (f"The {dataset_id} data file {f.name} changed since it was fetched; run "
                    f"`drugtrends fetch {d.id} --force`.")
        ok.append(present or (mirror is not None and f.mirror_path is not None
                              and (mirror / f.mirror_path).is_file()))
    if (any(ok) if e.fetch_only else all(ok)):
        return None
    missing = sorted({d.id for (d, _), good in zip(files, ok, strict=True) if not good}) or [ds.id]
    return (f"The {dataset_id} data are not available here; run `drugtrends fetch {' '.join(missing)}`"
            + (" (fetch-only: not in the project mirror)." if e.fetch_only else "."))


def _present(ds_id: str, f: Any) -> bool | str:
    """True when the data-directory copy exists and verifies, False when absent, "changed" when it fails."""
    from drugtrends import paths
    from drugtrends.integrity import check_file

    target = paths.data_dir() / ds_id / f.name
    if not target.is_file():
        return False
    try:
        check_file(ds_id, f, target)
    except IntegrityError:
        return "changed"
    return True


# --------------------------------------------------------------------------- designs (issue 12)


@dataclass(frozen=True)
class DesignSpec:
    """The survey design a dataset declares (what ``SurveyDesign.from_spec`` takes).

    Attributes
    ----------
    weight, strata, psu : str or None
        Column names in :attr:`frame`.
    fpc : str or None
        Finite population correction column (None: with replacement).
    nest : bool
        PSU codes are nested in strata (numbered within stratum).
    lonely_psu : str or None
        Lonely-PSU rule (None = the engine's default, ``"fail"``).
    frame : str
        Which frame the names refer to (e.g. ``"readers.nhanes.analysis_frame"``,
        reached through :func:`analysis_frame`).
    pooled_weight : str
        How the weight is derived when cycles/years are pooled.
    breaks : tuple of drugtrends.series.Break
        Known comparability breaks of the survey: its entries of the one
        registry (:func:`drugtrends.series.known_breaks`; ``.at``, ``.reason``,
        ``.code``, ``.concerns(substance)``).
    notes : str
        Anything else a user must know.

    Examples
    --------
    >>> s = design_spec("nhanes_2009_2012")
    >>> s.weight, s.strata, s.psu, s.nest, s.fpc
    ('wt', 'SDMVSTRA', 'SDMVPSU', True, None)
    """

    weight: str
    strata: str | None
    psu: str | None
    fpc: str | None = None
    nest: bool = True
    lonely_psu: str | None = None
    frame: str = ""
    pooled_weight: str = ""
    breaks: tuple[Break, ...] = ()
    notes: str = ""


def _registry_breaks(dataset_id: str) -> tuple[Break, ...]:
    return tuple(known_breaks(dataset_id))


#: The design each survey dataset declares (load id -> DesignSpec).
DESIGNS: dict[str, DesignSpec] = {
    "nhanes_2009_2012": DesignSpec(
        "wt", "SDMVSTRA", "SDMVPSU", frame="analysis_frame('nhanes_2009_2012')",
        pooled_weight="wt = WTINT2YR / 2: two pooled two-year cycles (NCHS analytic guidelines); derived once in "
                      "readers.nhanes.analysis_frame",
        notes="Drug questions asked at ages 18-59 (marijuana) and 18-69 (HardDrugs): restrict to those ages. "
              "Interview weight (questionnaire variables); WTMEC2YR only for examination variables."),
    "nhanes2_validation": DesignSpec("finalwgt", "stratid", "psuid", frame="load('nhanes2_validation')",
                                     notes="NHANES II extract of the Stata manuals (31 strata, 2 PSUs each)."),
    "nsduh": DesignSpec(
        "weight", "strata", "psu", frame="load('nsduh', year=...)",
        pooled_weight="divide 'weight' (ANALWT_C / ANALWTQ1Q4_C / ANALWT2_C) by the number of years pooled; never "
                      "pool across a break",
        notes="Variance strata VESTR (VESTRQ1Q4_C in 2020, VESTR_C from 2021, e.g. 2022: ANALWT2_C, VESTR_C, "
              "VEREP) and replicates VEREP (PSUs nested in strata); the reader maps them to weight/strata/psu. "
              "2022 (load('nsduh', year=2022)) is the public-use extract: lifetime use and ages at first use only."),
}


def design_spec(dataset_id: str) -> DesignSpec:
    """The frozen design spec a dataset declares (for ``SurveyDesign.from_spec(df, spec)``).

    Parameters
    ----------
    dataset_id : str
        A load id with a survey design: ``nhanes_2009_2012``,
        ``nhanes2_validation``, ``nsduh``.

    Returns
    -------
    DesignSpec

    Raises
    ------
    UnknownDatasetError
        Unknown id, or a dataset without a survey design (the message lists
        those that have one).

    Examples
    --------
    >>> design_spec("nsduh").breaks[1].at
    2015
    >>> design_spec("cdc_vsrr")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownDatasetError: dataset 'cdc_vsrr' has no survey design; datasets with one: nhanes_2009_2012, nhanes2_validation, nsduh.
    """
    _entry(dataset_id)
    spec = DESIGNS.get(dataset_id)
    if spec is None:
        raise UnknownDatasetError(f"dataset {dataset_id!r} has no survey design; datasets with one: "
                                  f"{', '.join(DESIGNS)}.")
    if not spec.breaks and _registry_breaks(dataset_id):
        import dataclasses

        spec = dataclasses.replace(spec, breaks=_registry_breaks(dataset_id))
    return spec


def analysis_frame(dataset_id: str = "nhanes_2009_2012", **kwargs: Any) -> pd.DataFrame:
    """The analysis frame a dataset's :class:`DesignSpec` refers to (so reports never import readers).

    Parameters
    ----------
    dataset_id : str
        ``nhanes_2009_2012`` (the only dataset with a derived analysis frame).
    **kwargs
        Passed to :func:`load`.

    Returns
    -------
    pandas.DataFrame
        ``drugtrends.readers.nhanes.analysis_frame`` of the loaded data: the
        weight ``wt``, ``SDMVSTRA``, ``SDMVPSU``, outcomes ``mj``, ``regmj``,
        ``hd`` and the profile variables.

    Raises
    ------
    UnknownDatasetError
        Another id.

    Examples
    --------
    >>> f = analysis_frame("nhanes_2009_2012")  # doctest: +SKIP
    >>> f[["wt", "SDMVSTRA", "SDMVPSU", "hd"]].notna().all().tolist()  # doctest: +SKIP
    [True, True, True, False]
    >>> analysis_frame("uci_drug_consumption")
    Traceback (most recent call last):
    ...
    drugtrends.errors.UnknownDatasetError: analysis_frame(): no analysis frame for 'uci_drug_consumption'; use 'nhanes_2009_2012', or load() for the other datasets.
    """
    if dataset_id != "nhanes_2009_2012":
        raise UnknownDatasetError(f"analysis_frame(): no analysis frame for {dataset_id!r}; use "
                                  "'nhanes_2009_2012', or load() for the other datasets.")
    from drugtrends.readers.nhanes import analysis_frame as _frame

    return _frame(load(dataset_id, **kwargs))


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
