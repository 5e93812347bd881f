"""datasets.load / REGISTRY, and the NHANES II validation readers (real files)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _generate import make_nsduh, make_teds

from drugtrends import datasets
from drugtrends.errors import DataNotFoundError, FetchError, InputError, SchemaError, UnknownDatasetError
from drugtrends.readers.validation import read_nhanes2, read_nhanes2_replicates

CONTRACT_IDS = ["unodc_prevalence", "unodc_youth", "unodc_trend_perception", "unodc_seizures", "nhanes_2009_2012",
                "uci_drug_consumption", "cdc_vsrr", "nchs_overdose_rates", "teds_codebook", "nhanes2_validation",
                "nsduh", "teds_a", "teds_d", "fr_drug_offences", "fr_departements", "euda_wastewater"]


def test_registry_has_the_contract_ids():
    assert list(datasets.REGISTRY) == CONTRACT_IDS
    t = datasets.list_datasets()
    assert t["id"].tolist() == CONTRACT_IDS
    assert t.loc[t.fetch_only, "id"].tolist() == ["nsduh", "teds_a", "teds_d"]
    assert set(t.loc[t.id.str.startswith("unodc"), "manifest_id"]) == {"unodc_wdr2025"}


def test_registry_manifest_ids_and_files_exist_in_manifest():
    from drugtrends.manifest import load_manifest

    m = load_manifest()
    for load_id, e in datasets.REGISTRY.items():
        ds = m.get(e.manifest_id)
        for name in e.files or ():
            assert ds.file(name).name == name, load_id
        for other, name in e.also:
            assert m.get(other).file(name).name == name, load_id


@pytest.mark.parametrize("load_id", ["nhanes_2009_2012", "uci_drug_consumption", "teds_codebook", "nsduh",
                                     "teds_a", "teds_d", "nhanes2_validation",
                                     "cdc_vsrr", "fr_drug_offences", "fr_departements", "euda_wastewater"])
def test_own_readers_resolve(load_id):
    assert callable(datasets.resolve_reader(datasets.REGISTRY[load_id].reader))


def test_unknown_id_lists_valid_ids():
    with pytest.raises(UnknownDatasetError, match="Did you mean 'nsduh'.*Valid ids: unodc_prevalence") as e:
        datasets.load("nsduhh")
    assert isinstance(e.value, KeyError)


def test_fetch_only_needs_year():
    with pytest.raises(InputError, match="year="):
        datasets.load("teds_a")


def test_fetch_only_missing_says_what_to_run(monkeypatch):
    from drugtrends import fetch

    def no_network(*a, **k):
        raise FetchError("nsduh/NSDUH_2019_tsv.zip: not in the mirror and the download failed")

    monkeypatch.setattr(fetch, "ensure", no_network)
    with pytest.raises(DataNotFoundError, match=r"Run `drugtrends fetch nsduh`"):
        datasets.load("nsduh", year=2019)
    with pytest.raises(DataNotFoundError, match=r"drugtrends fetch teds_d"):
        datasets.load("teds_d", year=2021)


def test_fetch_only_unknown_year():
    with pytest.raises(UnknownDatasetError, match="no file for year 1990"):
        datasets.load("nsduh", year=1990)


def test_fetch_only_with_own_path(tmp_path):
    p = make_nsduh(tmp_path / "NSDUH_2019_Tab.txt", 200, year=2019, seed=5)
    df = datasets.load("nsduh", year=2019, path=p, columns=["IRMJRC"])
    assert len(df) == 200 and "cannabis_past_month" in df.columns
    with pytest.raises(InputError, match="year="):
        datasets.load("nsduh", path=p)
    with pytest.raises(DataNotFoundError, match="drugtrends fetch teds_a"):
        datasets.load("teds_a", path=tmp_path / "nope.csv")


def test_teds_with_own_path(tmp_path, data_dir):
    from drugtrends.readers.teds import read_teds_codebook

    cb = read_teds_codebook(data_dir / "teds_codebook/teds_a_value_labels.csv",
                            data_dir / "teds_codebook/teds_d_value_labels_by_year.csv")
    p = make_teds(tmp_path / "tedsa.csv", 300, "A", seed=3, year=2020, codebook=cb)
    df = datasets.load("teds_a", path=p, columns=["CASEID", "SUB1"])  # default codebook: fetched teds_codebook
    assert len(df) == 300 and df["SUB1"].dtype == "category"


def test_load_resolves_through_fetch(data_dir):
    uci = datasets.load("uci_drug_consumption")
    assert len(uci) == 1885
    nh = datasets.load("nhanes_2009_2012")
    assert nh.shape[0] == 20293
    cb = datasets.load("teds_codebook")
    assert set(cb["kind"]) == {"A", "D"}


# ---------------------------------------------------------------- NHANES II validation extracts

@pytest.fixture(scope="module")
def vdir(data_dir) -> Path:
    return data_dir / "nhanes2_validation"


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_nhanes2_against_csv(vdir):
    df = read_nhanes2(vdir / "nhanes2.csv")
    rows = _csv(vdir / "nhanes2.csv")
    assert len(df) == len(rows) == 10337
    assert df["finalwgt"].sum() == pytest.approx(sum(float(r["finalwgt"]) for r in rows))
    assert int(df["highlead"].isna().sum()) == sum(r["highlead"] == "" for r in rows)
    assert int(df["highbp"].sum()) == sum(r["highbp"] == "1" for r in rows)
    assert df["stratid"].nunique() == len({r["stratid"] for r in rows})
    assert df.groupby("stratid")["psuid"].nunique().eq(2).all()
    assert df["race_label"].value_counts().to_dict() == {
        lab: sum(r["race"] == code for r in rows) for code, lab in (("1", "White"), ("2", "Black"), ("3", "Other"))}
    pd.testing.assert_frame_equal(datasets.load("nhanes2_validation"), df)


@pytest.mark.parametrize("kind,name,n,k,ratios", [("brr", "nhanes2brr_subset.csv", 1347, 32, {0.0, 2.0}),
                                                 ("jk", "nhanes2jk_subset.csv", 887, 62, {0.0, 1.0, 2.0})])
def test_nhanes2_replicates(vdir, kind, name, n, k, ratios):
    df = read_nhanes2_replicates(vdir / name, kind)
    reps = df.attrs["replicate_weights"]
    assert len(df) == n and len(reps) == k
    assert reps[:2] == [f"{'brr' if kind == 'brr' else 'jkw'}_1", f"{'brr' if kind == 'brr' else 'jkw'}_2"]
    # BRR (Fay 0): each replicate weight is 0 or twice the full weight; JK2: 0, 1 or 2 times
    r = df[reps].div(df["finalwgt"], axis=0).round(6)
    assert set(np.unique(r.to_numpy())) == ratios
    pd.testing.assert_frame_equal(datasets.load("nhanes2_validation", replicates=kind), df)


def test_nhanes2_bad_inputs(vdir, tmp_path):
    with pytest.raises(SchemaError, match="no brr_<n>"):
        read_nhanes2_replicates(vdir / "nhanes2jk_subset.csv", "brr")
    text = (vdir / "nhanes2brr_subset.csv").read_text().replace("brr_7,", "brr_x,", 1)
    (tmp_path / "gap.csv").write_text(text)
    with pytest.raises(SchemaError, match=r"brr_\[7\] are missing"):
        read_nhanes2_replicates(tmp_path / "gap.csv", "brr")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(SchemaError, match="empty"):
        read_nhanes2(tmp_path / "e.csv")
    lines = (vdir / "nhanes2.csv").read_text().splitlines()
    (tmp_path / "m.csv").write_text("\n".join([lines[0].replace("psuid", "psu")] + lines[1:5]) + "\n")
    with pytest.raises(SchemaError, match="psuid"):
        read_nhanes2(tmp_path / "m.csv")
    (tmp_path / "t.csv").write_text("\n".join(lines[:20] + ["5,"]) + "\n")
    with pytest.raises(SchemaError, match="line 21"):
        read_nhanes2(tmp_path / "t.csv")
    (tmp_path / "c.csv").write_text("\n".join(lines[:3] + [lines[3].replace(",", ",9", 3)]) + "\n")
    with pytest.raises(SchemaError):
        read_nhanes2(tmp_path / "c.csv")


def test_one_id_scheme_between_load_and_fetch():
    from drugtrends.manifest import load_manifest

    m = load_manifest()
    for load_id, e in datasets.REGISTRY.items():
        assert m.resolve(load_id) == e.manifest_id == datasets.manifest_id(load_id)
        assert m.get(load_id).id == e.manifest_id
    assert set(m.get("unodc_wdr2025").load_ids) == {k for k, e in datasets.REGISTRY.items()
                                                     if e.manifest_id == "unodc_wdr2025"}
    ids = datasets.id_map()
    assert list(ids.columns) == ["load_id", "fetch_id", "fetch_only", "also_reads"]
    assert len(ids) == len(datasets.REGISTRY)
    assert ids.set_index("load_id")["also_reads"].to_dict()["cdc_vsrr"] == "cdc_vsrr_2025"


def test_design_specs_live_with_the_datasets():
    s = datasets.design_spec("nhanes_2009_2012")
    assert (s.weight, s.strata, s.psu, s.fpc, s.nest, s.lonely_psu) == ("wt", "SDMVSTRA", "SDMVPSU", None, True, None)
    assert "WTINT2YR / 2" in s.pooled_weight
    with pytest.raises(AttributeError):
        s.weight = "x"  # frozen
    assert [b.at for b in datasets.design_spec("nsduh").breaks] == [2002, 2015, 2020, 2021]
    assert datasets.design_spec("nhanes2_validation").weight == "finalwgt"
    with pytest.raises(UnknownDatasetError, match="no survey design"):
        datasets.design_spec("unodc_prevalence")


def test_design_spec_builds_the_nhanes_design():
    survey = pytest.importorskip("drugtrends.survey")
    frame = datasets.analysis_frame("nhanes_2009_2012")
    des = survey.SurveyDesign.from_spec(frame, datasets.design_spec("nhanes_2009_2012"))
    direct = survey.SurveyDesign(frame, weight="wt", strata="SDMVSTRA", psu="SDMVPSU", nest=True)
    a, b = des.mean("hd"), direct.mean("hd")
    assert abs(float(a.estimate[0]) - float(b.estimate[0])) < 1e-12 and abs(float(a.se[0]) - float(b.se[0])) < 1e-12
    # the weighted prevalence by hand
    ok = frame.hd.notna()
    assert abs(float(a.estimate[0]) - (frame.wt[ok] * frame.hd[ok]).sum() / frame.wt[ok].sum()) < 1e-12


# ---------------------------------------------------------------- registry: loaders, keywords, availability (issue 22)


def test_every_entry_carries_its_loader_no_id_branching():
    import inspect

    for load_id, e in datasets.REGISTRY.items():
        assert e.loader is None or callable(e.loader), load_id
    src = inspect.getsource(datasets.load)
    assert "dataset_id ==" not in src and "if dataset_id in" not in src
    # ids whose reading differs from "reader(first file)" say so through their own loader
    for load_id in ("cdc_vsrr", "teds_codebook", "nhanes2_validation", "nsduh", "teds_a", "teds_d",
                    "fr_departements", "euda_wastewater"):
        assert datasets.REGISTRY[load_id].loader is not None, load_id


@pytest.mark.parametrize("load_id,kwargs,match", [
    ("uci_drug_consumption", {"yaer": 2019}, "unknown keyword 'yaer'.*takes no keyword"),
    ("nsduh", {"yaer": 2019}, r"unknown keyword 'yaer'. Did you mean: 'year'\?"),
    ("cdc_vsrr", {"state": "NY"}, "unknown keyword 'state'"),
    ("teds_a", {"kind": "D", "year": 2021}, "unknown keyword 'kind'"),
    ("nsduh", {"year": "2019a"}, "year= must be a whole number.*'2019a'"),
    ("nsduh", {"year": 2019.5}, "year= must be a whole number.*2019.5"),
    ("teds_d", {"year": True}, "year= must be a whole number"),
    ("fr_departements", {"variant": "corsica"}, "variant='corsica' is not one of 'overseas', 'metropolitan'"),
    ("nhanes2_validation", {"replicates": "bootstrap"}, "replicates='bootstrap' is not one of 'brr', 'jk'"),
])
def test_wrong_keyword_or_year_is_an_input_error(load_id, kwargs, match):
    with pytest.raises(InputError, match=match):
        datasets.load(load_id, **kwargs)


def test_numeric_year_strings_are_accepted(monkeypatch):
    seen = {}

    def fake(entry, kwargs):
        seen.update(kwargs)
        return "read"

    entry = datasets.REGISTRY["nsduh"]
    monkeypatch.setitem(datasets.REGISTRY, "nsduh", dataclasses_replace(entry, loader=fake))
    assert datasets.load("nsduh", year="2019") == "read" and seen["year"] == 2019


def dataclasses_replace(entry, **kw):
    import dataclasses

    return dataclasses.replace(entry, **kw)


def test_availability_without_argument_lists_every_dataset():
    t = datasets.availability()
    assert list(t.columns) == ["load_id", "fetch_id", "fetch_only", "available", "reason"]
    assert t["load_id"].tolist() == list(datasets.REGISTRY)
    assert (t["available"] == (t["reason"] == "")).all()
    for _, r in t.iterrows():
        assert datasets.availability(r["load_id"]) == (None if r["available"] else r["reason"])


def test_new_sources_are_listed_and_mapped():
    t = datasets.list_datasets().set_index("id")
    assert "cdc_vsrr_2025/VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv" in t.loc["cdc_vsrr", "files"]
    m = datasets.id_map().set_index("load_id")["fetch_id"].to_dict()
    assert m["fr_drug_offences"] == "fr_ssmsi_delinquance" and m["fr_departements"] == "fr_geo"
    assert m["euda_wastewater"] == "euda_wastewater"
    assert datasets.manifest_id("cdc_vsrr_2025") == "cdc_vsrr_2025"


def test_fetching_cdc_vsrr_fetches_both_editions(tmp_path, monkeypatch):
    from _data import temp_data_dir

    from drugtrends import fetch

    d = temp_data_dir(tmp_path, monkeypatch, need="cdc_vsrr_2025/VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv")
    assert datasets.availability("cdc_vsrr") is None  # both copyable from the mirror
    got = fetch.fetch(["cdc_vsrr"], quiet=True)
    assert set(got) == {"cdc_vsrr", "cdc_vsrr_2025"}
    assert (d / "cdc_vsrr_2025" / "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv").is_file()
    monkeypatch.setenv("DRUGTRENDS_MIRROR", str(tmp_path / "no_mirror"))
    (d / "cdc_vsrr_2025" / "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv").unlink()
    assert "drugtrends fetch cdc_vsrr_2025" in datasets.availability("cdc_vsrr")
