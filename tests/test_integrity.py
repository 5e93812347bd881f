"""Data integrity at load (issue 16): edited, truncated, unreadable or unwritable data give clear errors.

Real files are copied from the mirror into a temporary data directory (never the
shared originals, never the project's data/raw); each test asserts the error
class, the message, and that nothing on disk changed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from _data import temp_data_dir

import drugtrends as dt
from drugtrends import datasets, fetch, integrity
from drugtrends.errors import IntegrityError, NotWritableError, SchemaError, UnknownDatasetError

NHANES = "nhanes_2009_2012/NHANESraw.csv"
UCI = "uci_drug_consumption/drug_consumption.data"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def data(tmp_path, monkeypatch) -> Path:
    return temp_data_dir(tmp_path, monkeypatch, NHANES)


def _edit_same_size(p: Path, old: bytes, new: bytes) -> None:
    b = p.read_bytes()
    assert len(old) == len(new) and old in b
    p.chmod(0o644)
    p.write_bytes(b.replace(old, new, 1))


def _cut_rows(p: Path, keep: int) -> None:
    lines = p.read_bytes().splitlines(keepends=True)
    p.chmod(0o644)
    p.write_bytes(b"".join(lines[: keep + 1]))


def test_value_edited_in_place_is_refused(data):
    fetch.fetch(["uci_drug_consumption"], quiet=True)
    p = data / UCI
    _edit_same_size(p, b"CL6", b"CL5")
    before = snapshot(data)
    with pytest.raises(IntegrityError) as info:
        dt.load("uci_drug_consumption")
    msg = str(info.value)
    assert "drug_consumption.data" in msg and "changed since it was fetched" in msg
    assert "drugtrends fetch uci_drug_consumption --force" in msg
    assert snapshot(data) == before  # refused, not silently repaired
    assert not fetch.status().set_index("file").loc["drug_consumption.data", "verified"]
    assert datasets.availability("uci_drug_consumption").startswith("The uci_drug_consumption data file")
    # the fetch command named in the message restores it
    fetch.fetch(["uci_drug_consumption"], force=True, quiet=True)
    assert len(dt.load("uci_drug_consumption")) == 1885


@pytest.mark.parametrize("rel,dataset,keep,expected", [
    (NHANES, "nhanes_2009_2012", 4999, "20,293"),
    (UCI, "uci_drug_consumption", 899, "1,885"),
])
def test_truncated_at_a_line_boundary_is_refused(data, rel, dataset, keep, expected):
    fetch.fetch([dataset], quiet=True)
    p = data / rel
    _cut_rows(p, keep)
    before = snapshot(data)
    with pytest.raises(IntegrityError) as info:
        dt.load(dataset)
    msg = str(info.value)
    assert f"{keep:,} data rows where the manifest expects {expected} (truncated)" in msg
    assert f"drugtrends fetch {dataset} --force" in msg and p.name in msg
    assert snapshot(data) == before


def test_large_files_use_size_mtime_and_verify_rehashes(data, monkeypatch):
    monkeypatch.setattr(integrity, "LARGE_FILE", 0)  # treat every file as large
    fetch.fetch(["uci_drug_consumption"], quiet=True)
    p = data / UCI
    assert "mtime_ns" in fetch.read_provenance(p)
    st = p.stat()
    _edit_same_size(p, b"CL6", b"CL5")
    with pytest.raises(IntegrityError):  # mtime moved: re-hashed at load
        dt.load("uci_drug_consumption")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # an edit that hides its mtime ...
    assert fetch.ensure("uci_drug_consumption")  # ... passes the cheap check (documented)
    assert not fetch.status(verify=True).set_index("file").loc["drug_consumption.data", "verified"]
    fetch.fetch(["uci_drug_consumption"], verify=True, quiet=True)  # --verify re-hashes and restores
    assert fetch.sha256_file(p) == fetch.read_provenance(p)["sha256"]


def test_read_only_data_directory(data):
    data.mkdir(parents=True)
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(data, os.W_OK):  # root ignores permission bits: ask as an unprivileged user
            _read_only_as_nobody()
            return
        with pytest.raises(NotWritableError) as info:
            dt.load("uci_drug_consumption")
        msg = str(info.value)
        assert "cannot write to the data directory" in msg and "DRUGTRENDS_DATA" in msg
        assert "Traceback" not in msg
        assert list(data.iterdir()) == []
    finally:
        data.chmod(0o755)


def _read_only_as_nobody() -> None:
    """The same refusal, for real: a child process running as uid 65534 (``setpriv``, util-linux)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to test a read-only directory as root"
    ro = Path(tempfile.mkdtemp(prefix="drugtrends-ro-", dir="/tmp"))
    try:
        ro.chmod(0o555)  # owned by root: uid 65534 can read, not write
        code = ("import drugtrends as dt\n"
                "from drugtrends.errors import NotWritableError\n"
                "try:\n    dt.load('uci_drug_consumption')\n"
                "except NotWritableError as e:\n    print('REFUSED', e)\n")
        env = {**os.environ, "DRUGTRENDS_DATA": str(ro), "HOME": str(ro)}
        out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                              sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             timeout=300, cwd=str(ro))
        assert out.stdout.startswith("REFUSED"), out.stdout + out.stderr
        assert "cannot write to the data directory" in out.stdout and "DRUGTRENDS_DATA" in out.stdout
        assert "Traceback" not in out.stdout + out.stderr
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)
        shutil.rmtree(ro, ignore_errors=True)


def test_read_only_data_directory_simulated(data, monkeypatch):
    # root ignores permission bits: simulate the refusal the OS gives a normal user
    import drugtrends._io as io

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied", str(data / "uci_drug_consumption"))

    monkeypatch.setattr(fetch, "atomic_path", deny)
    with pytest.raises(NotWritableError, match="cannot write to the data directory .*Permission denied"):
        dt.load("uci_drug_consumption")
    assert io.atomic_path is not deny
    assert not (data / UCI).exists() and not list(data.rglob("*.part"))


def test_unknown_dataset_id_everywhere():
    with pytest.raises(UnknownDatasetError, match="unknown dataset id 'nhanes'.*Valid ids"):
        dt.load("nhanes")
    with pytest.raises(UnknownDatasetError, match="unknown dataset 'nope'"):
        fetch.fetch(["nope"], quiet=True)
    assert "unknown dataset id" in datasets.availability("nope")
    assert datasets.manifest_id("unodc_youth") == "unodc_wdr2025"
    with pytest.raises(UnknownDatasetError):
        datasets.manifest_id("nope")


# --------------------------------------------------------------------------- unreadable files, every reader


def _utf16(tmp_path, text: str, name: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-16")
    return p


@pytest.mark.parametrize("reader,header,name", [
    ("drugtrends.readers.uci:read_uci", "ID,Age,Gender\n1,0.5,0.4\n", "drug_consumption.data"),
    ("drugtrends.readers.vsrr:read_vsrr", "State,Year,Month\nUS,2017,December\n", "vsrr.csv"),
    ("drugtrends.readers.nhanes:read_nhanes_harmonised", "ID,SurveyYr\n1,2009_10\n", "NHANESraw.csv"),
    ("drugtrends.readers.nchs:read_overdose_rates", "INDICATOR,PANEL\nx,y\n", "rates.csv"),
    ("drugtrends.readers.validation:read_nhanes2", "stratid,psuid\n1,1\n", "nhanes2.csv"),
])
def test_utf16_file_gives_schema_error(tmp_path, reader, header, name):
    p = _utf16(tmp_path, header, name)
    before = p.read_bytes()
    with pytest.raises(SchemaError) as info:
        datasets.resolve_reader(reader)(p)
    assert str(p) in str(info.value)
    assert p.read_bytes() == before


def test_corrupt_xlsx_gives_schema_error(tmp_path):
    from drugtrends.readers import unodc

    p = tmp_path / "1.2.xlsx"
    p.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(SchemaError, match="not a readable .xlsx workbook.*drugtrends fetch unodc_wdr2025"):
        unodc.read_prevalence(p)


def test_unreadable_file_and_folder_in_the_way(data):
    fetch.fetch(["uci_drug_consumption"], quiet=True)
    p = data / UCI
    if os.geteuid() != 0:
        p.chmod(0)
        try:
            with pytest.raises(IntegrityError, match="cannot be read .*permissions"):
                dt.load("uci_drug_consumption")
        finally:
            p.chmod(0o644)
    p.unlink()
    p.mkdir()  # a folder where the file should be
    before = snapshot(data)
    with pytest.raises(IntegrityError, match="cannot be read"):
        integrity.check_file("uci_drug_consumption", fetch.load_manifest().get("uci_drug_consumption").file(), p)
    from drugtrends.errors import FetchError

    with pytest.raises(FetchError, match="cannot write .*Remove what is in the way"):
        dt.load("uci_drug_consumption")
    assert snapshot(data) == before and not list(data.rglob("*.part"))


def test_json_source_edited_or_cut_is_refused_with_its_shape(tmp_path, monkeypatch):
    """A new JSON source (SSMSI offences): one record removed -> refused, message counts the records."""
    import json

    temp_data_dir(tmp_path, monkeypatch, need="fr_ssmsi_delinquance/delinquance.json")
    fetch.ensure("fr_ssmsi_delinquance")
    p = fetch.dataset_file("fr_ssmsi_delinquance", "delinquance.json")
    doc = json.loads(p.read_text(encoding="utf-8"))
    doc["records"] = doc["records"][:-1]
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(IntegrityError, match=r"18,179 records where the manifest expects 18,180 \(truncated\)"):
        datasets.load("fr_drug_offences")
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(IntegrityError, match="not readable JSON any more"):
        datasets.load("fr_drug_offences")
