"""drugtrends.readers.ssmsi on the real SSMSI départemental base (dt.load("fr_drug_offences")).

References: the national sums published with the mirror (README: trafficking 40,953 in 2016, 47,327 in
2019, 56,918 in 2025; use 177,781 in 2019, 290,859 in 2024 of which 196,653 by fixed fine; Paris
trafficking 2025: 5,469), recomputed here from the raw JSON records with the json module too. Exact
(integers): tolerance 0.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _data import real_file

from drugtrends import datasets
from drugtrends.errors import IntegrityError, SchemaError
from drugtrends.readers import ssmsi

NAME = "delinquance.json"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    real_file("fr_ssmsi_delinquance", NAME)
    return datasets.load("fr_drug_offences")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return json.loads(real_file("fr_ssmsi_delinquance", NAME).read_text(encoding="utf-8"))["records"]


def _national(df, offence, year):
    return int(df.loc[(df.offence == offence) & (df.year == year), "n_implicated"].sum())


@pytest.mark.parametrize("offence,year,published", [
    ("trafficking", 2016, 40953), ("trafficking", 2019, 47327), ("trafficking", 2025, 56918),
    ("use", 2019, 177781), ("use", 2024, 290859), ("use_fixed_fine", 2024, 196653),
])
def test_national_totals_as_published(df, offence, year, published):
    assert _national(df, offence, year) == published


def test_paris_trafficking_2025(df):
    r = df[(df.departement == "75") & (df.year == 2025) & (df.offence == "trafficking")]
    assert r["n_implicated"].item() == 5469 and r["departement_name"].item() == "Paris"
    assert r["region"].item() == "11" and r["region_name"].item() == "Île-de-France"


def test_shape_codes_and_names(df, records):
    assert list(df.columns) == ssmsi.COLUMNS
    assert len(df) == 101 * 4 * 10
    assert df["departement"].nunique() == 101 and df["departement_name"].notna().all()
    assert {"2A", "2B", "971", "976", "01"} <= set(df["departement"])
    assert set(df["year"]) == set(range(2016, 2026))
    assert set(df["indicator"].astype(str)) == {"police_recorded_offences"}
    assert set(df["unit"].astype(str)) == {"persons implicated"}
    # every count equals the raw record (json module), except the not-applicable fixed fines
    raw = {(r["codeDepartement"], r["annee"], r["indicateur"]): r["nombre"] for r in records
           if r["indicateur"] in ssmsi.OFFENCES}
    got = {(d, y, p): c for d, y, p, c in df[["departement", "year", "indicator_published", "n_implicated"]]
           .astype({"indicator_published": str}).itertuples(index=False)}
    assert got.keys() == raw.keys()
    diff = {k for k in raw if not (pd.isna(got[k]) or got[k] == raw[k])}
    assert not diff
    assert {k for k in raw if pd.isna(got[k])} == {k for k in raw if k[2] == "Usage de stupéfiants (AFD)"
                                                     and k[1] < 2020}


def test_fixed_fines_before_2020_are_missing_not_zero(df):
    afd = df[df.offence == "use_fixed_fine"]
    before = afd[afd.year < 2020]
    assert len(before) == 404 and before["n_implicated"].isna().all() and before["rate_per_1000"].isna().all()
    assert (before["flag"] == "not_applicable").all()
    y2020 = afd[afd.year == 2020]
    assert y2020["n_implicated"].notna().all() and (y2020["flag"] == "partial_year").all()
    # 2020 holds about four months of fixed fines: far fewer than 2021 nationally
    assert _national(df, "use_fixed_fine", 2020) < 0.5 * _national(df, "use_fixed_fine", 2021)


def test_use_series_break_in_2020_trafficking_continuous(df):
    paris = df[df.departement == "75"].set_index(["offence", "year"])
    assert paris.loc[("use", 2019), "comparability_group"] != paris.loc[("use", 2020), "comparability_group"]
    assert paris.loc[("use", 2020), "comparability_group"] == paris.loc[("use", 2025), "comparability_group"]
    assert paris.loc[("use", 2020), "break_code"] == "fixed_fine_2020"
    assert "fixed criminal fine" in paris.loc[("use", 2020), "break_reason"]
    assert paris.loc[("use_excl_fixed_fine", 2020), "break_code"] == "fixed_fine_2020"
    assert pd.isna(paris.loc[("use", 2021), "break_code"]) and pd.isna(paris.loc[("use", 2019), "break_code"])
    traf = df[df.offence == "trafficking"]
    assert traf["comparability_group"].nunique() == 1 and traf["break_code"].isna().all()
    assert set(traf["recording_regime"].astype(str)) == {"continuous"}
    assert paris.loc[("use", 2019), "recording_regime"] == "before_fixed_fine"
    assert paris.loc[("use", 2020), "recording_regime"] == "with_fixed_fine"
    assert set(df.loc[df.offence == "use_fixed_fine", "recording_regime"].astype(str)) == {"with_fixed_fine"}
    assert df["break_code"].notna().sum() == 101 * 2


def test_use_is_the_sum_of_its_parts(df):
    w = df.pivot(index=["departement", "year"], columns="offence", values="n_implicated").astype(float)
    assert ((w["use"] - w["use_fixed_fine"].fillna(0) - w["use_excl_fixed_fine"]).abs() == 0).all()


def test_rate_is_count_over_population(df):
    ok = df["n_implicated"].notna()
    rate = df.loc[ok, "n_implicated"].astype(float) / df.loc[ok, "population"].astype(float) * 1000
    assert (rate - df.loc[ok, "rate_per_1000"]).abs().max() < 1e-4  # published rates rounded to 1e-6 or so


# --------------------------------------------------------------------------- bad input


def _doc(tmp_path, mutate=None):
    recs = []
    for ind, n in (("Usage de stupéfiants", 12), ("Usage de stupéfiants (AFD)", 0),
                   ("Usage de stupéfiants (hors AFD)", 12), ("Trafic de stupéfiants", 5),
                   ("Homicides", 1)):
        recs.append({"codeDepartement": "48", "codeRegion": "76", "annee": 2021, "indicateur": ind,
                     "uniteDeCompte": "Mis en cause", "nombre": n, "tauxPourMille": n / 76.0,
                     "inseePop": 76000})
    if mutate:
        mutate(recs)
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"meta": {}, "records": recs}), encoding="utf-8")
    return p


def test_zero_after_2020_is_flagged_as_possibly_blank(tmp_path):
    d = ssmsi.read_drug_offences(_doc(tmp_path))
    r = d[d.offence == "use_fixed_fine"]
    assert r["n_implicated"].item() == 0 and r["flag"].item() == "zero_may_be_blank"
    assert "Homicides" not in set(d["indicator_published"].astype(str))


@pytest.mark.parametrize("mutate,match", [
    (lambda r: r[0].update(codeDepartement="99"), "codeDepartement"),
    (lambda r: r[0].update(nombre="n/a"), "'nombre' = 'n/a' is not a number"),
    (lambda r: r[0].update(nombre=13), "not the sum"),
    (lambda r: r.pop(3), "Trafic de stupéfiants"),
    (lambda r: r.append(dict(r[3])), "repeat"),
    (lambda r: r[0].update(uniteDeCompte="Victime"), "uniteDeCompte"),
    (lambda r: [x.pop("inseePop") for x in r], "inseePop"),
])
def test_bad_records_name_the_problem(tmp_path, mutate, match):
    with pytest.raises(SchemaError, match=match):
        ssmsi.read_drug_offences(_doc(tmp_path, mutate))


def test_not_json(tmp_path):
    p = tmp_path / "d.json"
    p.write_text("[1, 2")
    with pytest.raises(SchemaError, match="not the SSMSI JSON"):
        ssmsi.read_drug_offences(p)


def test_edited_file_is_refused(tmp_path, monkeypatch):
    from _data import temp_data_dir

    from drugtrends import fetch

    temp_data_dir(tmp_path, monkeypatch, need="fr_ssmsi_delinquance/" + NAME)
    fetch.ensure("fr_ssmsi_delinquance")
    p = fetch.dataset_file("fr_ssmsi_delinquance", NAME)
    b = p.read_bytes()
    i = b.index(b'"nombre":5469')
    p.write_bytes(b[:i] + b'"nombre":5470' + b[i + 13:])
    with pytest.raises(IntegrityError, match="fr_ssmsi_delinquance"):
        datasets.load("fr_drug_offences")
