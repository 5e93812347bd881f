"""drugtrends.readers.geo on the real france-geojson files (dt.load("fr_departements")).

References: the GeoJSON itself read with the json module (codes, names, feature count); INSEE's list of
départements (96 metropolitan incl. 2A/2B, 5 overseas: 971-974, 976); Paris's bounding box from the
coordinates in the file, and the country's extent (metropolitan France lies within 5W-10E, 41N-51.2N).
"""

from __future__ import annotations

import json

import pytest
from _data import real_file

from drugtrends import datasets
from drugtrends.errors import InputError, SchemaError
from drugtrends.readers import geo

gpd = pytest.importorskip("geopandas")
FULL = "departements-avec-outre-mer.geojson"
SIMPLE = "departements-version-simplifiee.geojson"


@pytest.fixture(scope="module")
def full():
    real_file("fr_geo", FULL)
    return datasets.load("fr_departements")


def test_full_file_one_row_per_departement(full):
    raw = json.loads(real_file("fr_geo", FULL).read_text(encoding="utf-8"))["features"]
    assert isinstance(full, gpd.GeoDataFrame) and list(full.columns) == geo.COLUMNS
    assert len(full) == len(raw) == 101 and full["code"].is_unique
    assert dict(zip(full["code"], full["name"], strict=True)) == {f["properties"]["code"]: f["properties"]["nom"]
                                                                  for f in raw}
    assert sorted(full.loc[full.overseas, "code"]) == ["971", "972", "973", "974", "976"]
    assert {"2A", "2B"} <= set(full["code"]) and "20" not in set(full["code"])
    assert full.crs.to_epsg() == 4326 and full.geometry.is_valid.all()
    assert full["code"].tolist()[:3] == ["01", "02", "03"] and full["code"].tolist()[-1] == "976"


def test_geometry_where_it_should_be(full):
    by = full.set_index("code")
    minx, miny, maxx, maxy = by.loc["75", "geometry"].bounds
    assert 2.2 < minx < maxx < 2.5 and 48.8 < miny < maxy < 48.95  # Paris
    metro = full[~full.overseas].total_bounds
    assert metro[0] > -5.5 and metro[2] < 10 and metro[1] > 41 and metro[3] < 51.2
    assert by.loc["974", "geometry"].centroid.y < -20  # La Réunion, southern hemisphere


def test_metropolitan_variant_and_join_with_offences(full):
    m = datasets.load("fr_departements", variant="metropolitan")
    assert len(m) == 96 and not m["overseas"].any()
    assert set(m["code"]) == set(full.loc[~full.overseas, "code"])
    offences = datasets.load("fr_drug_offences")
    assert set(offences["departement"]) == set(full["code"])  # one key for maps and data
    with pytest.raises(InputError, match="variant"):
        datasets.load("fr_departements", variant="outre-mer")


def _write(tmp_path, features):
    p = tmp_path / "d.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return p


def _feat(code="75", nom="Paris", props=None):
    sq = {"type": "Polygon", "coordinates": [[[2.2, 48.8], [2.4, 48.8], [2.4, 48.9], [2.2, 48.8]]]}
    return {"type": "Feature", "geometry": sq, "properties": props if props is not None else {"code": code, "nom": nom}}


@pytest.mark.parametrize("features,match", [
    ([_feat(code="99")], "unknown département code"),
    ([_feat(), _feat()], "more than once"),
    ([_feat(props={"code": "75"})], "nom"),
])
def test_bad_geojson(tmp_path, features, match):
    with pytest.raises(SchemaError, match=match):
        geo.read_departements(_write(tmp_path, features))


def test_not_geojson(tmp_path):
    p = tmp_path / "d.geojson"
    p.write_text("{not json")
    with pytest.raises(SchemaError, match="not a readable GeoJSON"):
        geo.read_departements(p)
