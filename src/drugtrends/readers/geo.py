"""France's départements as a GeoDataFrame (IGN Admin Express via france-geojson).

Conventions of :func:`read_departements`
----------------------------------------
* one row per département: ``code`` (INSEE code as a string: ``"01"``,
  ``"2A"``, ``"971"``), ``name`` (as published, ``nom``), ``region`` and
  ``region_name`` (``data/codebooks/fr_departements.csv``), ``overseas``
  (bool) and ``geometry`` (polygons, WGS 84 longitude/latitude,
  ``EPSG:4326``);
* the file with the overseas départements has 101 rows, the simplified
  metropolitan one 96; rows are sorted by code (metropolitan first);
* the codes are the keys of ``dt.load("fr_drug_offences")["departement"]``,
  so ``geo.merge(offences, left_on="code", right_on="departement")`` joins
  them.

Reading needs ``geopandas`` (a dependency of drugtrends), the library a
map-making Python user expects: the result plots with ``.plot(column=...)``.
"""

from __future__ import annotations

import os

from drugtrends.errors import SchemaError
from drugtrends.readers._checks import require_file

__all__ = ["read_departements", "COLUMNS", "CRS"]

DATASET = "fr_geo"
#: Columns of the GeoDataFrame, in order.
COLUMNS = ["code", "name", "region", "region_name", "overseas", "geometry"]
#: Coordinate reference system of the GeoJSON files (RFC 7946: WGS 84).
CRS = "EPSG:4326"
_REFETCH = f"Re-fetch it with `drugtrends fetch {DATASET} --force`."


def _sort_key(code: str) -> tuple[bool, str]:
    return len(code) > 2, code.replace("2A", "20a").replace("2B", "20b")


def read_departements(path: str | os.PathLike[str]):
    """Read a départements GeoJSON into a :class:`geopandas.GeoDataFrame`.

    Parameters
    ----------
    path : str or path-like
        ``departements-avec-outre-mer.geojson`` (101 départements) or
        ``departements-version-simplifiee.geojson`` (96 metropolitan),
        features with properties ``code`` and ``nom``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS`, one row per département, CRS :data:`CRS`.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    SchemaError
        Not a readable GeoJSON, properties ``code``/``nom`` missing, an
        unknown or repeated code, or an empty/invalid geometry.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> sq = {"type": "Polygon", "coordinates": [[[2.2, 48.8], [2.4, 48.8], [2.4, 48.9], [2.2, 48.8]]]}
    >>> doc = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": sq, "properties": {"code": "75", "nom": "Paris"}}]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.geojson"
    >>> _ = p.write_text(json.dumps(doc))
    >>> g = read_departements(p)
    >>> g[["code", "name", "region_name", "overseas"]].values.tolist(), g.crs.to_string()
    ([['75', 'Paris', 'Île-de-France', False]], 'EPSG:4326')
    """
    import geopandas as gpd

    from drugtrends.readers.ssmsi import departements_codebook

    p = require_file(path, dataset=DATASET)
    try:
        raw = gpd.read_file(p)
    except Exception as exc:  # pyogrio raises its own DataSourceError / ValueError kinds
        raise SchemaError(f"{p}: not a readable GeoJSON ({type(exc).__name__}: {exc}). {_REFETCH}") from None
    missing = [c for c in ("code", "nom") if c not in raw.columns]
    if missing:
        raise SchemaError(f"{p}: features lack the propert(y/ies) {missing}; found "
                          f"{[c for c in raw.columns if c != 'geometry']}. {_REFETCH}")
    code = raw["code"].astype(str).str.strip()
    cb = departements_codebook().set_index("code")
    bad = sorted(set(code) - set(cb.index))
    if bad:
        raise SchemaError(f"{p}: property 'code' has unknown département code(s) {bad[:5]}; expected INSEE codes "
                          f"such as '01', '2A', '971'. {_REFETCH}")
    dup = sorted(code[code.duplicated()].unique())
    if dup:
        raise SchemaError(f"{p}: département code(s) {dup[:5]} appear more than once. {_REFETCH}")
    geom = raw.geometry
    if geom.isna().any() or geom.is_empty.any():
        i = int((geom.isna() | geom.is_empty).to_numpy().nonzero()[0][0])
        raise SchemaError(f"{p}: département {code.iloc[i]} has an empty geometry. {_REFETCH}")
    out = gpd.GeoDataFrame({
        "code": code.to_numpy(),
        "name": raw["nom"].astype(str).str.strip().to_numpy(),
        "region": code.map(cb["region_code"]).to_numpy(),
        "region_name": code.map(cb["region_name"]).to_numpy(),
        "overseas": code.map(cb["overseas"]).astype(bool).to_numpy(),
    }, geometry=geom.to_numpy(), crs=raw.crs or CRS)
    out = out.iloc[sorted(range(len(out)), key=lambda i: _sort_key(out["code"].iloc[i]))].reset_index(drop=True)
    return out[COLUMNS]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
