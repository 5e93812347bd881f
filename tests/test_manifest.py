"""data/manifest.yaml and drugtrends.manifest: contents, shape checks against the mirror, validation."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from drugtrends import paths
from drugtrends.errors import SchemaError, UnknownDatasetError
from drugtrends.manifest import DataFile, Dataset, Manifest, load_manifest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

MIRRORED = {
    "unodc_wdr2025": 4,
    "nhanes_2009_2012": 1,
    "uci_drug_consumption": 1,
    "cdc_vsrr": 1,
    "nchs_overdose_rates": 1,
    "teds_codebook": 2,
    "nhanes2_validation": 3,
    "cdc_vsrr_2025": 1,
    "euda_wastewater": 2,
    "fr_ssmsi_delinquance": 1,
    "fr_geo": 2,
    "nsduh_2022": 1,
    "teds_a_2017_sample": 1,
}
FETCH_ONLY = {"nsduh", "teds_a", "teds_d"}


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return load_manifest(paths.project_root() / "data" / "manifest.yaml") if paths.project_root() else load_manifest()


@pytest.fixture(scope="module")
def mirror() -> Path:
    root = paths.default_mirror()
    if root is None or not root.is_dir():
        if IN_CI:
            pytest.fail("no data mirror (../shared/data or DRUGTRENDS_MIRROR) under CI")
        pytest.skip("no data mirror (set DRUGTRENDS_MIRROR)")
    return root


# --------------------------------------------------------------------------- the real manifest


def test_every_dataset_id_is_there(manifest):
    assert set(manifest.ids) == set(MIRRORED) | FETCH_ONLY
    assert set(manifest.mirrored_ids) == set(MIRRORED)
    for ds_id, n in MIRRORED.items():
        assert len(manifest.get(ds_id).files) == n, ds_id


def test_contract_file_names_and_mirror_folders(manifest):
    assert manifest.get("nhanes_2009_2012").file().name == "NHANESraw.csv"
    assert manifest.get("uci_drug_consumption").file().name == "drug_consumption.data"
    assert manifest.get("cdc_vsrr").file().name == "VSRR_Provisional_Drug_Overdose_Death_Counts.csv"
    assert all(f.mirror_path.startswith("unodc_wdr2025/") for f in manifest.get("unodc_wdr2025").files)
    assert all(f.mirror_path.startswith("validation/") for f in manifest.get("nhanes2_validation").files)
    assert all(f.name.endswith(".xlsx") for f in manifest.get("unodc_wdr2025").files)
    assert {f.name[:3] for f in manifest.get("unodc_wdr2025").files} == {"1.2", "1.4", "2.1", "7.1"}


def test_every_dataset_is_documented(manifest):
    for ds in manifest:
        for key in ("title", "publisher", "landing_page", "licence", "citation"):
            assert getattr(ds, key).strip(), (ds.id, key)
        assert ds.landing_page.startswith("https://"), ds.id
        for f in ds.files:
            assert f.url and f.url.startswith("https://"), (ds.id, f.name)
            assert all(u.startswith("https://") for u in f.download_urls), (ds.id, f.name)


def test_mirrored_files_have_hash_size_and_shape(manifest):
    for ds_id in MIRRORED:
        for f in manifest.get(ds_id).files:
            assert f.sha256 and len(f.sha256) == 64
            assert f.size and f.size > 0
            if f.name.endswith(".xlsx"):
                assert f.rows is None and f.columns is None and f.sheets, f.name
            else:
                assert f.rows and f.columns, f.name


def test_fetch_only_years(manifest):
    years = sorted(f.year for f in manifest.get("nsduh").files)
    assert years == [2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023]
    for ds_id in FETCH_ONLY:
        ds = manifest.get(ds_id)
        assert ds.mirrored is False
        assert all(f.year for f in ds.files)
        assert all("samhsa.gov" in f.url for f in ds.files)
    assert manifest.get("nsduh").file_for_year(2019).name == "NSDUH_2019_tsv.zip"
    assert {f.year for f in manifest.get("teds_a").files} >= {2022, 2023}
    assert {f.year for f in manifest.get("teds_d").files} >= {2022, 2023}
    with pytest.raises(UnknownDatasetError, match="2020"):
        manifest.get("nsduh").file_for_year(2020)


def test_download_recipes_are_consistent(manifest):
    """Downloads that are not the file itself say how to get the file, and have a pinned source."""
    nh = manifest.get("nhanes_2009_2012").file()
    assert nh.convert == "rda_to_csv" and nh.url.endswith(".rda")
    for f in manifest.get("nhanes2_validation").files:
        assert f.archive_member and f.archive_member.endswith(f.name)
        assert f.download_sha256 is not None
    # snapshots that the official endpoint no longer serves are downloaded from a pinned copy
    for ds_id in ("uci_drug_consumption", "cdc_vsrr"):
        f = manifest.get(ds_id).file()
        assert f.download_url and f.download_url != f.url
        assert f.download_urls[0] == f.download_url


# --------------------------------------------------------------------------- against the mirror


@pytest.mark.realdata
def test_mirror_files_match_the_manifest(manifest, mirror):
    for ds_id in MIRRORED:
        for f in manifest.get(ds_id).files:
            p = mirror / f.mirror_path
            assert p.is_file(), p
            assert p.stat().st_size == f.size, p
            assert hashlib.sha256(p.read_bytes()).hexdigest() == f.sha256, p


@pytest.mark.realdata
def test_expected_shapes_match_the_mirror(manifest, mirror):
    for ds_id in MIRRORED:
        for f in manifest.get(ds_id).files:
            p = mirror / f.mirror_path
            if f.sheets:
                import openpyxl

                wb = openpyxl.load_workbook(p, read_only=True)
                got = [(ws.title, ws.max_row, ws.max_column) for ws in wb.worksheets]
                wb.close()
                assert got == [(s.name, s.rows, s.columns) for s in f.sheets], p
            elif p.suffix in (".json", ".geojson"):
                assert _json_shape(p) == (f.rows, f.columns), p
            elif p.suffix == ".Rdata":
                pyreadr = pytest.importorskip("pyreadr")
                (frame,) = pyreadr.read_r(str(p)).values()
                assert frame.shape == (f.rows, f.columns), p
            else:
                df = pd.read_csv(p, low_memory=False)
                assert df.shape == (f.rows, f.columns), p


def _json_shape(p: Path) -> tuple[int, int]:
    """(records, fields of a record) of the SSMSI JSON; (features, properties) of a GeoJSON."""
    import json

    doc = json.loads(p.read_text(encoding="utf-8"))
    recs = [f["properties"] for f in doc["features"]] if "features" in doc else doc["records"]
    return len(recs), len({k for r in recs for k in r})


@pytest.mark.realdata
def test_new_sources_documented_with_provenance(manifest):
    """Issue 21 sources: licence, landing page, and notes saying how each copy came to be."""
    assert "not a byte copy" in manifest.get("cdc_vsrr_2025").notes.lower()
    assert "blank values into 0" in manifest.get("fr_ssmsi_delinquance").notes
    assert "Licence Ouverte" in manifest.get("fr_ssmsi_delinquance").licence
    assert "CC BY 4.0" in manifest.get("euda_wastewater").licence
    assert manifest.resolve("fr_drug_offences") == "fr_ssmsi_delinquance"
    assert manifest.resolve("fr_departements") == "fr_geo"
    assert [f.rows for f in manifest.get("fr_geo").files] == [101, 96]


# --------------------------------------------------------------------------- API


def test_unknown_id_lists_valid_ids(manifest):
    with pytest.raises(UnknownDatasetError) as info:
        manifest.get("nhanes")
    msg = str(info.value)
    assert "'nhanes'" in msg
    for ds_id in manifest.ids:
        assert ds_id in msg
    with pytest.raises(UnknownDatasetError, match="Did you mean 'cdc_vsrr'"):
        manifest.get("cdc_vsr")
    assert isinstance(info.value, KeyError)  # usable as a KeyError too


def test_file_lookup(manifest):
    ds = manifest.get("teds_codebook")
    with pytest.raises(UnknownDatasetError, match="pass name="):
        ds.file()
    assert ds.file("teds_a_value_labels.csv").rows == 404
    with pytest.raises(UnknownDatasetError, match="teds_d_value_labels_by_year.csv"):
        ds.file("teds_d_value_labels.csv")


def test_dataclasses_are_frozen(manifest):
    ds = manifest.get("cdc_vsrr")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.files[0].sha256 = "0" * 64  # type: ignore[misc]
    with pytest.raises(TypeError):
        manifest.datasets["x"] = ds  # type: ignore[index]
    assert isinstance(ds, Dataset) and isinstance(ds.files[0], DataFile)


def test_manifest_env_variable(tmp_path, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(_minimal()))
    monkeypatch.setenv("DRUGTRENDS_MANIFEST", str(path))
    m = load_manifest()
    assert m.ids == ["demo"] and m.path == path


# --------------------------------------------------------------------------- validation


def _minimal() -> dict:
    return {
        "version": 1,
        "datasets": {
            "demo": {
                "title": "Demo", "publisher": "Us", "landing_page": "https://example.org",
                "licence": "CC0", "citation": "Us (2025).", "notes": None, "mirrored": True,
                "files": [{
                    "name": "a.csv", "url": "https://example.org/a.csv", "mirror_path": "demo/a.csv",
                    "sha256": "a" * 64, "size": 10, "rows": 1, "columns": 2,
                }],
            }
        },
    }


def _load(tmp_path: Path, data: dict | str) -> Manifest:
    path = tmp_path / "manifest.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return load_manifest(path)


def test_minimal_manifest_loads(tmp_path):
    m = _load(tmp_path, _minimal())
    f = m.get("demo").file()
    assert (f.name, f.size, f.rows, f.columns, f.sheets, f.alt_urls) == ("a.csv", 10, 1, 2, (), ())
    assert f.download_urls == ("https://example.org/a.csv",)


@pytest.mark.parametrize("key", ["title", "publisher", "landing_page", "licence", "citation", "notes", "mirrored", "files"])
def test_missing_dataset_key_names_dataset_and_key(tmp_path, key):
    data = _minimal()
    del data["datasets"]["demo"][key]
    with pytest.raises(SchemaError) as info:
        _load(tmp_path, data)
    assert "'demo'" in str(info.value) and repr(key) in str(info.value)


@pytest.mark.parametrize("key", ["name", "url", "mirror_path", "sha256", "size", "rows", "columns"])
def test_missing_file_key_names_dataset_and_key(tmp_path, key):
    data = _minimal()
    del data["datasets"]["demo"]["files"][0][key]
    with pytest.raises(SchemaError) as info:
        _load(tmp_path, data)
    assert "'demo'" in str(info.value) and repr(key) in str(info.value)


def _mutate(**changes):
    def apply(data):
        f = data["datasets"]["demo"]["files"][0]
        for k, v in changes.items():
            f[k] = v
        return data
    return apply


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (_mutate(sha256="xyz"), "64 hexadecimal"),
        (_mutate(sha256=None), "must be set for a mirrored dataset"),
        (_mutate(size=-1), "non-negative integer"),
        (_mutate(size="10"), "non-negative integer"),
        (_mutate(mirror_path="../etc/passwd"), "relative path"),
        (_mutate(mirror_path="/abs/a.csv"), "relative path"),
        (_mutate(name="sub/a.csv"), "plain file name"),
        (_mutate(convert="sas_to_csv"), "unknown conversion"),
        (_mutate(year=95), "four-digit year"),
        (_mutate(alt_urls="https://x"), "alt_urls"),
        (_mutate(colums=3), "unknown key"),
    ],
)
def test_bad_file_entries(tmp_path, mutate, match):
    with pytest.raises(SchemaError, match=match) as info:
        _load(tmp_path, mutate(_minimal()))
    assert "'demo'" in str(info.value)


def test_bad_dataset_entries(tmp_path):
    data = _minimal()
    data["datasets"]["Demo-1"] = data["datasets"].pop("demo")
    with pytest.raises(SchemaError, match="lower-case"):
        _load(tmp_path, data)

    data = _minimal()
    data["datasets"]["demo"]["mirrored"] = "yes"
    with pytest.raises(SchemaError, match="true or false"):
        _load(tmp_path, data)

    data = _minimal()
    data["datasets"]["demo"]["files"].append(copy.deepcopy(data["datasets"]["demo"]["files"][0]))
    with pytest.raises(SchemaError, match="duplicate"):
        _load(tmp_path, data)

    data = _minimal()
    data["datasets"]["demo"]["files"] = []
    with pytest.raises(SchemaError, match="non-empty list"):
        _load(tmp_path, data)

    data = _minimal()
    data["datasets"]["demo"]["homepage"] = "x"
    with pytest.raises(SchemaError, match="unknown key.*'homepage'"):
        _load(tmp_path, data)


def test_fetch_only_may_omit_hash(tmp_path):
    data = _minimal()
    data["datasets"]["demo"]["mirrored"] = False
    data["datasets"]["demo"]["files"][0].update(sha256=None, size=None, mirror_path=None, rows=None, columns=None)
    f = _load(tmp_path, data).get("demo").file()
    assert f.sha256 is None and not f.verifiable


def test_broken_or_missing_manifest(tmp_path):
    with pytest.raises(SchemaError, match="not valid YAML"):
        _load(tmp_path, "version: 1\ndatasets: {demo: [\n")
    with pytest.raises(SchemaError, match="'version'"):
        _load(tmp_path, "datasets: {}\n")
    with pytest.raises(SchemaError, match="manifest not found"):
        load_manifest(tmp_path / "nope.yaml")
    with pytest.raises(SchemaError, match="mapping"):
        _load(tmp_path, "- just\n- a list\n")


def test_sheets_parse(tmp_path):
    data = _minimal()
    data["datasets"]["demo"]["files"][0].update(rows=None, columns=None, sheets=[{"name": "S1", "rows": 3, "columns": 4}])
    f = _load(tmp_path, data).get("demo").file()
    assert f.sheets[0].name == "S1" and f.sheets[0].rows == 3
    data["datasets"]["demo"]["files"][0]["sheets"] = [{"rows": 3}]
    with pytest.raises(SchemaError, match="'name'"):
        _load(tmp_path, data)


def test_text_shapes_in_the_manifest_match_the_mirror(manifest):
    """The shape check at load (drugtrends.integrity) must never flag a good file."""
    from drugtrends import integrity, paths

    mirror = paths.default_mirror()
    if mirror is None:
        pytest.skip("no mirror")
    checked = 0
    for ds in manifest:
        for f in ds.files:
            sep = integrity.TEXT_SUFFIXES.get(Path(f.name).suffix.lower())
            if not ds.mirrored or sep is None or f.rows is None or not (mirror / f.mirror_path).is_file():
                continue
            assert integrity.text_shape(mirror / f.mirror_path, sep) == (f.rows, f.columns), f.name
            checked += 1
    assert checked >= 8
