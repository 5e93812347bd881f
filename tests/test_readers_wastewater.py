"""drugtrends.readers.wastewater on the real EUDA/SCORE files (dt.load("euda_wastewater")).

References: figures published with the source (mirror README): Paris Seine Centre cocaine 206.3 (2011)
and 427.42 (2021), London cocaine 2013 710.65 mg/1000 inhabitants/day; 3,080 rows, 157 sites in 30
countries; and the raw CSV read with the csv module. Loads are copied, not computed: tolerance 0.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from _data import real_file

from drugtrends import datasets
from drugtrends.errors import IntegrityError, SchemaError
from drugtrends.readers import wastewater as ww

DATA = "ww-data-long-2023-05-02.csv"
SITES = "ww-sites-2023-05-02.csv"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    real_file("euda_wastewater", DATA)
    return datasets.load("euda_wastewater")


def _get(df, city, substance, year):
    r = df[(df.city == city) & (df.substance == substance) & (df.year == year)]
    assert len(r) == 1, (city, substance, year)
    return r.iloc[0]


@pytest.mark.parametrize("city,substance,year,published", [
    ("Paris Seine Centre", "cocaine", 2011, 206.3), ("Paris Seine Centre", "cocaine", 2021, 427.42),
    ("London", "cocaine", 2013, 710.65),
])
def test_published_loads(df, city, substance, year, published):
    r = _get(df, city, substance, year)
    assert r["daily_mean"] == published
    assert r["unit"] == "mg/1000 inhabitants/day" and r["indicator"] == "wastewater_load"


def test_shape_sites_and_taxonomy(df):
    assert list(df.columns) == ww.COLUMNS
    assert len(df) == 3080 and df["site_id"].nunique() == 157 and df["country"].nunique() == 30
    assert set(df["year"]) == set(range(2011, 2023))
    pairs = set(zip(df["metabolite"].astype(str), df["substance"].astype(str), strict=True))
    assert pairs == {("cocaine", "cocaine"), ("MDMA", "ecstasy"), ("cannabis", "cannabis"),
                     ("amphetamine", "amphetamine"), ("methamphetamine", "methamphetamine"),
                     ("ketamine", "ketamine")}
    assert set(df.loc[df.substance == "cocaine", "marker"].astype(str)) == {"benzoylecgonine"}
    assert set(df.loc[df.substance == "cannabis", "marker"].astype(str)) == {"THC-COOH"}
    assert set(df.loc[df.substance == "ketamine", "year"]) == {2022}
    assert set(df.loc[df.substance == "cannabis", "year"]) == {2011, 2012, 2013, 2018, 2019, 2020, 2021, 2022}
    from drugtrends import taxonomy

    for t in set(df["taxonomy_group"].astype(str)):
        assert t in taxonomy.ids()


def test_every_row_matches_the_csv(df):
    with open(real_file("euda_wastewater", DATA), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    got = df.set_index(["site_id", "year", "metabolite"])
    for r in rows[::37]:
        g = got.loc[(r["Site ID"], int(r["Year"]), r["Metabolite"])]
        assert g["daily_mean"] == float(r["Daily mean"])
        for col, name in (("weekday_mean", "Weekday mean"), ("weekend_mean", "Weekend mean")):
            assert (pd.isna(g[col]) and r[name] in ("", "NA")) or g[col] == float(r[name])
        assert g["n_days"] == sum(r[d] not in ("", "NA") for d in ww.WEEKDAYS)
    with open(real_file("euda_wastewater", SITES), newline="", encoding="utf-8") as fh:
        sites = {r["SiteID"]: r for r in csv.DictReader(fh)}
    gb = df[df.site_id == "GB002"].iloc[0]
    assert gb["population"] == int(float(sites["GB002"]["Population"]))
    assert gb["latitude"] == float(sites["GB002"]["Latitude"])


def test_each_site_is_its_own_series(df):
    paris = df[df.city.astype(str).str.startswith("Paris") & (df.substance == "cocaine")]
    assert set(paris["site_id"]) == {"FR005", "FR006"}
    assert paris.groupby("site_id")["comparability_group"].nunique().eq(1).all()
    assert paris["comparability_group"].nunique() == 2
    assert df.groupby("comparability_group", observed=True)["site_id"].nunique().eq(1).all()
    assert not df.duplicated(["comparability_group", "year"]).any()


def test_incomplete_weeks_flagged(df):
    assert ((df["n_days"] < 7) == (df["flag"] == "incomplete_week")).all()
    assert (df["flag"] == "incomplete_week").sum() == 198


# --------------------------------------------------------------------------- bad input

HEAD = ('"Year","Metabolite","Site ID","Country","City","Wednesday","Thursday","Friday","Saturday","Sunday",'
        '"Monday","Tuesday","Weekday mean","Weekend mean","Daily mean"')
SHEAD = '"SiteID","Country","City","Location","Latitude","Longitude","Population","Institution","Website"'
ROW = '2011,"cocaine","FR005","FR","Paris Seine Centre",1,2,3,4,5,6,7,3.5,4.5,4'
SROW = '"FR005","FR","Paris Seine Centre","Seine Centre","48.9","2.2",240000,"Lab","N/A"'


@pytest.mark.parametrize("row,srow,match", [
    (ROW.replace('"cocaine"', '"heroin"'), SROW, "Metabolite"),
    (ROW.replace("FR005", "FR009"), SROW, "Site ID"),
    (ROW.replace(",4.5,", ",n.a.,"), SROW, "'Weekend mean' = 'n.a.'"),
    (ROW.replace("Paris Seine Centre", "Lyon"), SROW, "'Lyon'"),
    (ROW + "\n" + ROW, SROW, "repeat"),
    (ROW[:-1] + "-4", SROW, "daily_mean"),
])
def test_bad_files(tmp_path, row, srow, match):
    (tmp_path / "d.csv").write_text(HEAD + "\n" + row + "\n")
    (tmp_path / "s.csv").write_text(SHEAD + "\n" + srow + "\n")
    with pytest.raises(SchemaError, match=match):
        ww.read_wastewater(tmp_path / "d.csv", tmp_path / "s.csv")


def test_edited_file_is_refused(tmp_path, monkeypatch):
    from _data import temp_data_dir

    from drugtrends import fetch

    temp_data_dir(tmp_path, monkeypatch, need="euda_wastewater/" + DATA)
    fetch.ensure("euda_wastewater")
    p = fetch.dataset_file("euda_wastewater", DATA)
    text = p.read_text(encoding="utf-8")
    assert "710.65" in text
    p.write_text(text.replace("710.65", "710.66", 1), encoding="utf-8")
    with pytest.raises(IntegrityError, match="euda_wastewater"):
        datasets.load("euda_wastewater")
