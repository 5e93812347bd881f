"""EU drugs agency / SCORE wastewater analysis: drug residue loads by site and year (2011-2022).

Two files of the EUDA (EMCDDA) source data, release of 2023-05-02:
``ww-data-long-<date>.csv`` (``Year, Metabolite, Site ID, Country, City``,
one column per weekday, ``Weekday mean, Weekend mean, Daily mean``) and
``ww-sites-<date>.csv`` (``SiteID, Country, City, Location, Latitude,
Longitude, Population, Institution, Website``).

Conventions of :func:`read_wastewater`
--------------------------------------
* one row per site x year x substance; ``site_id`` (``"FR005"``), ``city``,
  ``country`` (ISO 3166 alpha-2 as published: ``GB``, ``FR``), ``location``
  (the treatment plant), ``population`` (people served by the plant),
  ``latitude``, ``longitude`` come from the sites file;
* ``metabolite`` is the published ``Metabolite``; ``substance`` its
  drug-taxonomy id and ``marker`` the residue measured
  (``data/codebooks/wastewater_metabolites.csv``): benzoylecgonine ->
  ``cocaine``, MDMA -> ``ecstasy``, THC-COOH -> ``cannabis``, plus
  ``amphetamine`` (amphetamine alone, a narrower scope than the UNODC
  ``amphetamines`` group, given in ``taxonomy_group``), ``methamphetamine``
  and ``ketamine``;
* ``daily_mean``, ``weekday_mean``, ``weekend_mean`` are loads in
  milligrams per 1,000 inhabitants per day (``unit``), as published (means
  over the sampled days of one week); ``n_days`` counts the weekdays with a
  value (flag ``incomplete_week`` when fewer than 7);
* ``indicator = "wastewater_load"``; ``comparability_group`` is
  ``euda_ww:<site_id>:<substance>``: **a site's series is comparable only
  with itself** (catchment, sampling week and laboratory differ between
  sites; two plants of one city, such as Paris Seine Centre and Paris South
  Suburbs, are two series). Loads are population-normalised, so levels of
  different sites may be shown side by side, not pooled into one trend.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import check_codes, not_utf8, require_columns, require_file, validate

__all__ = ["read_wastewater", "metabolite_codebook", "COLUMNS", "UNIT", "WEEKDAYS"]

DATASET = "euda_wastewater"
#: Unit of every load.
UNIT = "mg/1000 inhabitants/day"
#: Weekday columns of the data file, in file order.
WEEKDAYS = ["Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday"]
#: Columns of the tidy table, in order.
COLUMNS = ["site_id", "city", "country", "location", "year", "substance", "metabolite", "marker", "taxonomy_group",
           "daily_mean", "weekday_mean", "weekend_mean", "n_days", "unit", "population", "latitude", "longitude",
           "indicator", "comparability_group", "flag"]
_DATA = ["Year", "Metabolite", "Site ID", "Country", "City", *WEEKDAYS, "Weekday mean", "Weekend mean", "Daily mean"]
_SITES = ["SiteID", "Country", "City", "Location", "Latitude", "Longitude", "Population"]
_REFETCH = f"Re-fetch it with `drugtrends fetch {DATASET} --force`."


def metabolite_codebook() -> pd.DataFrame:
    """Published metabolite -> ``substance``, ``taxonomy_group``, ``marker`` and ``scope``.

    Examples
    --------
    >>> metabolite_codebook().set_index("metabolite").loc[["cocaine", "MDMA"], "substance"].tolist()
    ['cocaine', 'ecstasy']
    """
    here = Path(__file__).resolve()
    for folder in (here.parents[3] / "data" / "codebooks", here.parents[1] / "codebooks"):
        p = folder / "wastewater_metabolites.csv"
        if p.is_file():
            return pd.read_csv(p, dtype=str, keep_default_na=False)
    raise SchemaError("wastewater_metabolites.csv codebook not found (data/codebooks): reinstall drugtrends.")


def _csv(p: Path, need: list[str], what: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    except UnicodeDecodeError as exc:
        raise not_utf8(p, exc, DATASET) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{p}: not a readable CSV ({exc}). {_REFETCH}") from None
    require_columns(raw, need, p, what)
    return raw


def _num(p: Path, raw: pd.DataFrame, col: str, key: str) -> pd.Series:
    t = raw[col].str.strip().replace({"": None, "NA": None})
    out = pd.to_numeric(t, errors="coerce")
    bad = out.isna() & t.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"{p}, line {i + 2} ({raw[key].iloc[i]}): column {col!r} = {raw[col].iloc[i]!r} is not a "
                          f"number. {_REFETCH}")
    return out.astype("float64")


def _sites(path: Path) -> pd.DataFrame:
    raw = _csv(path, _SITES, "wastewater sites")
    dup = raw["SiteID"][raw["SiteID"].duplicated()]
    if len(dup):
        raise SchemaError(f"{path}: SiteID {dup.iloc[0]!r} appears more than once. {_REFETCH}")
    out = pd.DataFrame({"site_id": raw["SiteID"].str.strip(), "location": raw["Location"].str.strip()
                        .replace({"": None, "NA": None}), "city_site": raw["City"].str.strip(),
                        "country_site": raw["Country"].str.strip()})
    for col, name in (("Latitude", "latitude"), ("Longitude", "longitude"), ("Population", "population")):
        out[name] = _num(path, raw, col, "SiteID")
    return out


def read_wastewater(data_path: str | os.PathLike[str], sites_path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the wastewater loads and their sites into one tidy table.

    Parameters
    ----------
    data_path : str or path-like
        ``ww-data-long-2023-05-02.csv``.
    sites_path : str or path-like
        ``ww-sites-2023-05-02.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per site x year x substance, sorted
        by site, substance and year (see the module docstring).

    Raises
    ------
    DataNotFoundError
        A file does not exist.
    SchemaError
        A column missing, a non-numeric load, an unknown metabolite, a site
        of the data file absent from the sites file (or with another city or
        country), a repeated site x year x metabolite, or a negative load.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "data.csv").write_text(
    ...     '"Year","Metabolite","Site ID","Country","City","Wednesday","Thursday","Friday","Saturday","Sunday",'
    ...     '"Monday","Tuesday","Weekday mean","Weekend mean","Daily mean"\\n'
    ...     '2011,"cocaine","FR005","FR","Paris Seine Centre",1,2,3,4,5,6,7,3.5,4.5,4\\n')
    >>> _ = (d / "sites.csv").write_text(
    ...     '"SiteID","Country","City","Location","Latitude","Longitude","Population","Institution","Website"\\n'
    ...     '"FR005","FR","Paris Seine Centre","Seine Centre","48.9","2.2",240000,"Lab","N/A"\\n')
    >>> read_wastewater(d / "data.csv", d / "sites.csv")[["site_id", "year", "substance", "daily_mean", "unit"]]
      site_id  year substance  daily_mean                     unit
    0   FR005  2011   cocaine         4.0  mg/1000 inhabitants/day
    """
    p = require_file(data_path, dataset=DATASET)
    ps = require_file(sites_path, dataset=DATASET)
    raw = _csv(p, _DATA, "wastewater loads")
    sites = _sites(ps)
    cb = metabolite_codebook().set_index("metabolite")
    metab = raw["Metabolite"].str.strip()
    check_codes(metab, cb.index, p, "Metabolite")
    site = raw["Site ID"].str.strip()
    check_codes(site, sites["site_id"], p, "Site ID")
    year = _num(p, raw, "Year", "Site ID")
    days = pd.DataFrame({d: _num(p, raw, d, "Site ID") for d in WEEKDAYS})
    df = pd.DataFrame({
        "site_id": site, "city": raw["City"].str.strip(), "country": raw["Country"].str.strip(),
        "year": year.astype("int64"), "metabolite": metab,
        "substance": metab.map(cb["substance"]), "marker": metab.map(cb["marker"]),
        "taxonomy_group": metab.map(cb["taxonomy_group"]),
        "daily_mean": _num(p, raw, "Daily mean", "Site ID"), "weekday_mean": _num(p, raw, "Weekday mean", "Site ID"),
        "weekend_mean": _num(p, raw, "Weekend mean", "Site ID"), "n_days": days.notna().sum(axis=1).astype("int64"),
        "unit": UNIT, "indicator": "wastewater_load",
    })
    df = df.merge(sites, on="site_id", how="left", validate="many_to_one")
    clash = (df["city"] != df["city_site"]) | (df["country"] != df["country_site"])
    if clash.any():
        r = df[clash].iloc[0]
        raise SchemaError(f"{p}: site {r['site_id']} is {r['city']!r} ({r['country']}) here but {r['city_site']!r} "
                          f"({r['country_site']}) in {ps.name}. {_REFETCH}")
    dup = df.duplicated(["site_id", "year", "metabolite"], keep=False)
    if dup.any():
        r = df[dup].iloc[0]
        raise SchemaError(f"{p}: {int(dup.sum())} rows repeat (site, year, metabolite), e.g. ({r['site_id']}, "
                          f"{r['year']}, {r['metabolite']!r}). {_REFETCH}")
    df["comparability_group"] = "euda_ww:" + df["site_id"] + ":" + df["substance"]
    df["flag"] = np.where(df["n_days"] < len(WEEKDAYS), "incomplete_week", "")
    df["population"] = pd.array(df["population"].round(), dtype="Int64")
    df = df.sort_values(["site_id", "substance", "year"], kind="stable").reset_index(drop=True)[COLUMNS]
    for col in ("city", "country", "substance", "metabolite", "marker", "taxonomy_group", "unit", "indicator"):
        df[col] = df[col].astype("category")
    return validate(df, _schema(), p)


def _schema():
    from drugtrends.readers._checks import import_pandera

    pa = import_pandera()
    load = pa.Column("float64", pa.Check.ge(0), nullable=True)
    return pa.DataFrameSchema(
        {
            "site_id": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}\d{3}$")),
            "year": pa.Column("int64", pa.Check.in_range(2011, 2100)),
            "daily_mean": pa.Column("float64", pa.Check.ge(0), nullable=False),
            "weekday_mean": load,
            "weekend_mean": load,
            "n_days": pa.Column("int64", pa.Check.in_range(0, 7)),
            "latitude": pa.Column("float64", pa.Check.in_range(-90, 90)),
            "longitude": pa.Column("float64", pa.Check.in_range(-180, 180)),
            "population": pa.Column("Int64", pa.Check.gt(0)),
        },
        unique=["site_id", "year", "metabolite"],
        strict=False,
    )


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
