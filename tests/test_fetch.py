"""drugtrends.fetch and `drugtrends fetch`: mirror copies, downloads, verification, bad input.

Most tests build a fake mirror and a temporary manifest in ``tmp_path``
(``DRUGTRENDS_MANIFEST``, ``DRUGTRENDS_MIRROR``, ``DRUGTRENDS_DATA``). Downloads
go to a throw-away HTTP server on 127.0.0.1, never to the internet; every other
network access is blocked by the ``no_network`` fixture. One real-data test
fetches every mirrored dataset from ../shared/data and checks the hashes.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import sys
import threading
import types
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pooch
import pytest
import requests
import yaml
from typer.testing import CliRunner

from drugtrends import fetch as F
from drugtrends import paths
from drugtrends.cli import app
from drugtrends.errors import ChecksumError, DrugtrendsError, FetchError, UnknownDatasetError
from drugtrends.manifest import load_manifest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every path under ``root`` (files with their bytes, folders as b'<dir>')."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(root.rglob("*"))}


def leftovers(root: Path) -> list[str]:
    """Temporary files or folders a fetch must never leave behind."""
    return [str(p) for p in root.rglob("*") if p.name.endswith(".part") or p.name.startswith(".download-")]


# --------------------------------------------------------------------------- fixtures

ALPHA_A = b"id,value\n1,10\n2,20\n3,30\n"
ALPHA_B = b"just some text\n" * 50
BETA_C = b"x;y\n1;2\n"
GAMMA = b"g1,g2\n5,6\n"
DELTA = b"unknown hash, fetch-only\n"


class Env:
    """A fake project data world in tmp_path: mirror, data dir, manifest, and a local HTTP server."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str, served: Path) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch
        self.mirror = tmp_path / "mirror"
        self.data = tmp_path / "data"
        self.manifest_path = tmp_path / "manifest.yaml"
        self.base_url = base_url
        self.served = served  # folder the HTTP server serves
        for rel, content in {"alpha/a.csv": ALPHA_A, "alpha/b.txt": ALPHA_B, "beta/c.csv": BETA_C}.items():
            p = self.mirror / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)
        self.manifest = self.default_manifest()
        self.write_manifest()
        monkeypatch.setenv("DRUGTRENDS_MANIFEST", str(self.manifest_path))
        monkeypatch.setenv("DRUGTRENDS_MIRROR", str(self.mirror))
        monkeypatch.setenv("DRUGTRENDS_DATA", str(self.data))

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def serve(self, name: str, content: bytes) -> str:
        (self.served / name).write_bytes(content)
        return self.url(name)

    def default_manifest(self) -> dict:
        def entry(name, content, mirror_path, url=None, **kw):
            d = {"name": name, "url": url or f"https://data.example.org/{name}", "mirror_path": mirror_path,
                 "sha256": sha(content), "size": len(content), "rows": None, "columns": None}
            d.update(kw)
            return d

        def ds(files, mirrored=True):
            return {"title": "T", "publisher": "P", "landing_page": "https://example.org", "licence": "CC0",
                    "citation": "C", "notes": None, "mirrored": mirrored, "files": files}

        return {
            "version": 1,
            "datasets": {
                "alpha": ds([entry("a.csv", ALPHA_A, "alpha/a.csv", rows=3, columns=2),
                             entry("b.txt", ALPHA_B, "alpha/b.txt")]),
                "beta": ds([entry("c.csv", BETA_C, "beta/c.csv")]),
                "gamma": ds([entry("g.csv", GAMMA, "gamma/g.csv", url=self.url("g.csv"))], mirrored=False),
                "delta": ds([{"name": "d.txt", "url": self.url("d.txt"), "mirror_path": "delta/d.txt",
                              "sha256": None, "size": None, "rows": None, "columns": None}], mirrored=False),
            },
        }

    def write_manifest(self) -> None:
        self.manifest_path.write_text(yaml.safe_dump(self.manifest, sort_keys=False))

    def file_entry(self, ds_id: str, index: int = 0) -> dict:
        return self.manifest["datasets"][ds_id]["files"][index]


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    """A local HTTP server (127.0.0.1, random port) serving a temp folder."""
    root = tmp_path_factory.mktemp("served")
    handler = lambda *a, **kw: _Handler(*a, directory=str(root), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_network(monkeypatch):
    """Downloads to anything but the local test server fail like an offline machine."""
    real = pooch.retrieve

    def guarded(url, *args, **kwargs):
        if not url.startswith("http://127.0.0.1:"):
            raise requests.exceptions.ConnectionError(f"offline (test): {url}")
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pooch, "retrieve", guarded)


@pytest.fixture
def env(tmp_path, monkeypatch, http_server, no_network) -> Env:
    base_url, served = http_server
    for p in served.iterdir():
        p.unlink()
    return Env(tmp_path, monkeypatch, base_url, served)


# --------------------------------------------------------------------------- the real mirror


@pytest.mark.realdata
def test_fetch_copies_and_verifies_every_mirrored_dataset(tmp_path, monkeypatch, no_network):
    mirror = paths.default_mirror()
    if mirror is None or not mirror.is_dir():
        if IN_CI:
            pytest.fail("no data mirror (../shared/data or DRUGTRENDS_MIRROR) under CI")
        pytest.skip("no data mirror (set DRUGTRENDS_MIRROR)")
    monkeypatch.delenv("DRUGTRENDS_MANIFEST", raising=False)
    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path / "data"))
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in mirror.rglob("*") if p.is_file()}

    got = F.fetch(None, mirror=mirror, quiet=True)

    manifest = load_manifest()
    assert set(got) == set(manifest.mirrored_ids)
    for ds_id in manifest.mirrored_ids:
        ds = manifest.get(ds_id)
        assert [p.name for p in got[ds_id]] == ds.names
        for f, p in zip(ds.files, got[ds_id]):
            assert p == tmp_path / "data" / ds_id / f.name
            assert F.sha256_file(p) == f.sha256
            prov = F.read_provenance(p)
            assert prov["method"] == "mirror" and prov["sha256"] == f.sha256 and prov["size"] == f.size
            assert prov["source"] == str(mirror / f.mirror_path)
            assert prov["verified"] is True and prov["drugtrends_version"]
    # the mirror is never modified
    assert before == {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in mirror.rglob("*") if p.is_file()}
    # status sees everything verified; fetch-only datasets are absent
    st = F.status()
    assert st.loc[st.mirrored, "verified"].all()
    assert not st.loc[~st.mirrored, "present"].any()
    assert leftovers(tmp_path / "data") == []


# --------------------------------------------------------------------------- mirror copies


def test_fetch_default_is_every_mirrored_dataset(env):
    got = F.fetch(quiet=True)
    assert set(got) == {"alpha", "beta"}  # fetch-only gamma/delta only when named
    assert (env.data / "alpha" / "a.csv").read_bytes() == ALPHA_A
    assert (env.data / "beta" / "c.csv").read_bytes() == BETA_C
    prov = json.loads((env.data / "alpha" / "a.csv.provenance.json").read_text())
    assert {"source", "method", "fetched_at", "sha256", "size", "drugtrends_version"} <= set(prov)
    assert prov["method"] == "mirror" and prov["source"] == str(env.mirror / "alpha" / "a.csv")
    assert prov["sha256"] == sha(ALPHA_A) and prov["size"] == len(ALPHA_A)
    assert not (env.data / "gamma").exists()
    assert leftovers(env.data) == []


def test_files_are_readable_not_private(env):
    F.fetch(["beta"], quiet=True)
    for name in ("c.csv", "c.csv.provenance.json"):  # temp files start 0600; the result follows the umask
        assert (env.data / "beta" / name).stat().st_mode & 0o777 == F._file_mode()


def test_second_fetch_is_cheap(env, monkeypatch):
    F.fetch(["alpha"], quiet=True)

    def no_hashing(*a, **kw):
        raise AssertionError("present files must not be re-hashed")

    monkeypatch.setattr(F, "sha256_file", no_hashing)
    assert F.ensure("alpha") == [env.data / "alpha" / "a.csv", env.data / "alpha" / "b.txt"]
    F.fetch(["alpha"], quiet=True)


def test_mirror_argument_beats_environment(env, tmp_path):
    other = tmp_path / "other_mirror"
    (other / "beta").mkdir(parents=True)
    (other / "beta" / "c.csv").write_bytes(BETA_C)
    (env.mirror / "beta" / "c.csv").unlink()  # the env mirror would fail
    F.fetch(["beta"], mirror=other, quiet=True)
    assert F.read_provenance(env.data / "beta" / "c.csv")["source"] == str(other / "beta" / "c.csv")


def test_mirror_that_does_not_exist(env, tmp_path):
    with pytest.raises(FetchError, match="does not exist"):
        F.fetch(["beta"], mirror=tmp_path / "nowhere", quiet=True)


def test_local_copy_without_provenance_is_adopted_or_replaced(env):
    good = env.data / "beta" / "c.csv"
    good.parent.mkdir(parents=True)
    good.write_bytes(BETA_C)  # a correct file put there by hand
    F.fetch(["beta"], quiet=True)
    assert F.read_provenance(good)["method"] == "local"

    bad = env.data / "alpha" / "a.csv"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"id,value\n9,99\n9,99\n9,9\n")  # same size would not matter: wrong bytes
    F.fetch(["alpha"], quiet=True)
    assert bad.read_bytes() == ALPHA_A
    assert F.read_provenance(bad)["method"] == "mirror"


def test_status_and_dataset_file(env):
    st = F.status()
    assert list(st.columns[:6]) == ["id", "file", "mirrored", "present", "verified", "source"]
    assert not st.present.any()
    F.fetch(["alpha"], quiet=True)
    st = F.status().set_index(["id", "file"])
    assert st.loc[("alpha", "a.csv"), "verified"] and not st.loc[("beta", "c.csv"), "present"]
    (env.data / "alpha" / "a.csv").write_bytes(ALPHA_A[:-1] + b"9")  # tampered, same size
    assert not F.status(verify=True).set_index(["id", "file"]).loc[("alpha", "a.csv"), "verified"]

    assert F.dataset_file("beta") == env.data / "beta" / "c.csv"  # present or not
    assert F.dataset_file("alpha", "b.txt") == env.data / "alpha" / "b.txt"
    with pytest.raises(UnknownDatasetError, match="pass name="):
        F.dataset_file("alpha")
    with pytest.raises(UnknownDatasetError, match="Valid ids"):
        F.dataset_file("zeta")


def test_ensure_fetches_only_what_is_missing(env):
    paths_ = F.ensure("beta")
    assert paths_ == [env.data / "beta" / "c.csv"] and paths_[0].read_bytes() == BETA_C
    env.serve("g.csv", GAMMA)
    assert F.ensure("gamma", names=["g.csv"]) == [env.data / "gamma" / "g.csv"]
    assert F.read_provenance(env.data / "gamma" / "g.csv")["method"] == "download"


# --------------------------------------------------------------------------- bad input: mirror


def test_wrong_checksum_leaves_data_dir_untouched(env):
    env.file_entry("beta")["sha256"] = "0" * 64
    env.write_manifest()
    before = snapshot(env.data)
    with pytest.raises(ChecksumError) as info:
        F.fetch(["beta"], quiet=True)
    msg = str(info.value)
    assert "beta/c.csv" in msg and "SHA-256 mismatch" in msg and "0" * 64 in msg and sha(BETA_C) in msg
    assert "--mirror" in msg
    assert snapshot(env.data) == before == {}
    assert leftovers(env.tmp) == []


def test_truncated_file_in_mirror(env):
    (env.mirror / "alpha" / "b.txt").write_bytes(ALPHA_B[:100])
    with pytest.raises(ChecksumError, match=r"alpha/b.txt.*100 bytes.*750.*truncated"):
        F.fetch(["alpha"], quiet=True)
    assert not (env.data / "alpha" / "b.txt").exists()
    assert (env.data / "alpha" / "a.csv").read_bytes() == ALPHA_A  # the good sibling still arrives
    assert leftovers(env.data) == []


def test_corrupt_file_same_size(env):
    (env.mirror / "beta" / "c.csv").write_bytes(BETA_C.replace(b"1", b"7"))
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        F.fetch(["beta"], quiet=True)
    assert snapshot(env.data) == {}


def test_missing_file_in_mirror(env):
    (env.mirror / "beta" / "c.csv").unlink()
    with pytest.raises(FetchError) as info:
        F.fetch(["beta"], quiet=True)
    msg = str(info.value)
    assert "beta/c.csv" in msg and "not in the mirror" in msg and str(env.mirror / "beta" / "c.csv") in msg
    assert "https://data.example.org/c.csv" in msg and "--mirror" in msg and "DRUGTRENDS_MIRROR" in msg
    assert snapshot(env.data) == {}
    assert leftovers(env.tmp) == []


def test_empty_file_in_mirror(env):
    (env.mirror / "beta" / "c.csv").write_bytes(b"")
    with pytest.raises(ChecksumError, match=r"beta/c.csv.*empty \(0 bytes\)"):
        F.fetch(["beta"], quiet=True)
    assert snapshot(env.data) == {}


def test_unknown_dataset_id_fetches_nothing(env):
    with pytest.raises(UnknownDatasetError) as info:
        F.fetch(["alpha", "nsdhu"], quiet=True)
    msg = str(info.value)
    assert "'nsdhu'" in msg and all(i in msg for i in ("alpha", "beta", "gamma", "delta"))
    assert not env.data.exists()  # checked before anything is fetched


def test_force_refetch_keeps_good_file_when_new_one_is_bad(env):
    F.fetch(["alpha"], quiet=True)
    target = env.data / "alpha" / "a.csv"
    prov_before = (env.data / "alpha" / "a.csv.provenance.json").read_bytes()
    before = snapshot(env.data)
    (env.mirror / "alpha" / "a.csv").write_bytes(ALPHA_A.replace(b"30", b"31"))  # corrupt, same size
    with pytest.raises(ChecksumError):
        F.fetch(["alpha"], force=True, quiet=True)
    assert target.read_bytes() == ALPHA_A
    assert (env.data / "alpha" / "a.csv.provenance.json").read_bytes() == prov_before

    def no_mtime(snap):  # b.txt was re-fetched fine (same bytes): only its recorded mtime moves
        return {k: re.sub(rb'\s*"mtime_ns": \d+,?', b"", v) for k, v in snap.items()}

    assert no_mtime(snapshot(env.data)) == no_mtime(before)
    assert leftovers(env.data) == []
    # and a good re-fetch with force does replace it (new provenance)
    (env.mirror / "alpha" / "a.csv").write_bytes(ALPHA_A)
    F.fetch(["alpha"], force=True, quiet=True)
    assert target.read_bytes() == ALPHA_A


def test_several_failures_are_reported_together(env):
    (env.mirror / "alpha" / "a.csv").write_bytes(b"")
    (env.mirror / "beta" / "c.csv").unlink()
    with pytest.raises(FetchError) as info:
        F.fetch(quiet=True)
    msg = str(info.value)
    assert "2 files could not be fetched" in msg and "alpha/a.csv" in msg and "beta/c.csv" in msg
    assert (env.data / "alpha" / "b.txt").read_bytes() == ALPHA_B  # the rest still came


def test_mirror_is_never_modified(env):
    before = snapshot(env.mirror)
    F.fetch(["alpha", "beta"], quiet=True)
    F.fetch(["alpha", "beta"], force=True, quiet=True)
    assert snapshot(env.mirror) == before


@pytest.mark.parametrize("inside", ["", "raw"])
def test_data_dir_in_the_mirror_is_refused(env, monkeypatch, inside):
    monkeypatch.setenv("DRUGTRENDS_DATA", str(env.mirror / inside))
    before = snapshot(env.mirror)
    with pytest.raises(FetchError, match="never written to"):
        F.fetch(["alpha"], quiet=True)
    assert snapshot(env.mirror) == before


# --------------------------------------------------------------------------- downloads


def test_offline_without_mirror(env, monkeypatch):
    calls = []

    def offline(url, *a, **kw):
        calls.append(url)
        raise requests.exceptions.ConnectionError("Failed to establish a new connection")

    monkeypatch.setattr(pooch, "retrieve", offline)
    monkeypatch.delenv("DRUGTRENDS_MIRROR")
    monkeypatch.setattr(paths, "default_mirror", lambda explicit=None: None)  # no ../shared/data either
    with pytest.raises(FetchError) as info:
        F.fetch(["beta"], quiet=True)
    msg = str(info.value)
    assert "beta/c.csv" in msg and "https://data.example.org/c.csv" in msg
    assert "no mirror configured" in msg and "offline" in msg
    assert "--mirror PATH" in msg and "DRUGTRENDS_MIRROR" in msg
    assert calls == ["https://data.example.org/c.csv"]
    assert snapshot(env.data) == {} and leftovers(env.tmp) == []


def test_fetch_only_dataset_not_in_mirror_offline(env):
    env.file_entry("gamma")["url"] = "https://data.example.org/g.csv"
    env.write_manifest()
    with pytest.raises(FetchError, match=r"gamma/g.csv.*not in the mirror.*data.example.org/g.csv.*could not connect.*--mirror"):
        F.fetch(["gamma"], quiet=True)
    with pytest.raises(FetchError, match=r"gamma/g.csv: no mirror configured.*could not connect.*--mirror"):
        F.fetch(["gamma"], mirror="none", quiet=True)  # mirror "none": downloads only
    assert snapshot(env.data) == {}


def test_download_verifies_and_records_provenance(env):
    url = env.serve("g.csv", GAMMA)
    got = F.fetch(["gamma"], quiet=True)
    target = env.data / "gamma" / "g.csv"
    assert got == {"gamma": [target]} and target.read_bytes() == GAMMA
    prov = F.read_provenance(target)
    assert prov["method"] == "download" and prov["source"] == url and prov["verified"] is True
    assert leftovers(env.data) == []


def test_download_with_progress_bar(env, capsys):
    env.serve("g.csv", GAMMA * 1000)
    env.file_entry("gamma").update(sha256=sha(GAMMA * 1000), size=len(GAMMA) * 1000)
    env.write_manifest()
    F.fetch(["gamma"], quiet=False)
    out = capsys.readouterr().out
    assert "downloaded" in out and "gamma/g.csv" in out and "sha256 verified" in out


def test_download_with_wrong_checksum(env):
    env.serve("g.csv", b"g1,g2\n5,7\n")  # what the server now gives is not what the manifest pins
    with pytest.raises(ChecksumError) as info:
        F.fetch(["gamma"], quiet=True)
    msg = str(info.value)
    assert "gamma/g.csv" in msg and env.url("g.csv") in msg and sha(GAMMA) in msg and "--mirror" in msg
    assert snapshot(env.data) == {} and leftovers(env.tmp) == []


def test_http_error_then_alternative_url(env):
    entry = env.file_entry("gamma")
    entry["url"] = env.url("missing.csv")  # 404
    entry["alt_urls"] = [env.serve("g2.csv", GAMMA)]
    env.write_manifest()
    F.fetch(["gamma"], quiet=True)
    assert F.read_provenance(env.data / "gamma" / "g.csv")["source"] == env.url("g2.csv")

    entry["alt_urls"] = []
    env.write_manifest()
    with pytest.raises(FetchError, match=r"missing.csv \(HTTPError: 404"):
        F.fetch(["gamma"], force=True, quiet=True)
    assert (env.data / "gamma" / "g.csv").read_bytes() == GAMMA  # kept


def test_unknown_hash_warns_and_records_what_was_seen(env):
    env.serve("d.txt", DELTA)
    with pytest.warns(F.UnverifiedDataWarning, match=r"delta/d.txt: not verified.*" + sha(DELTA)):
        F.fetch(["delta"], quiet=True)
    prov = F.read_provenance(env.data / "delta" / "d.txt")
    assert prov["verified"] is False and prov["sha256"] == sha(DELTA) and prov["expected_sha256"] is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.fetch(["delta"], quiet=True)  # present: no second download, no second warning
    assert not F.status().set_index(["id", "file"]).loc[("delta", "d.txt"), "verified"]


def test_unknown_hash_empty_download_is_refused(env):
    env.serve("d.txt", b"")
    with pytest.raises(ChecksumError, match="empty"):
        F.fetch(["delta"], quiet=True)
    assert snapshot(env.data) == {}


def test_private_mirror_for_fetch_only_dataset(env):
    (env.mirror / "delta").mkdir()
    (env.mirror / "delta" / "d.txt").write_bytes(DELTA)
    with pytest.warns(F.UnverifiedDataWarning):
        F.fetch(["delta"], quiet=True)
    assert F.read_provenance(env.data / "delta" / "d.txt")["method"] == "mirror"


def _zip_bytes(tmp: Path, members: dict[str, bytes]) -> bytes:
    z = tmp / "bundle.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return z.read_bytes()


def test_archive_member_is_extracted_once_per_archive(env, monkeypatch):
    bundle = _zip_bytes(env.tmp, {"pkg/data/g.csv": GAMMA, "pkg/data/h.csv": BETA_C, "pkg/README": b"hi"})
    url = env.serve("bundle.whl", bundle)
    ds = env.manifest["datasets"]["gamma"]
    ds["files"] = [
        {"name": "g.csv", "url": url, "download_sha256": sha(bundle), "archive_member": "pkg/data/g.csv",
         "mirror_path": None, "sha256": sha(GAMMA), "size": len(GAMMA), "rows": 1, "columns": 2},
        {"name": "h.csv", "url": url, "download_sha256": sha(bundle), "archive_member": "pkg/data/h.csv",
         "mirror_path": None, "sha256": sha(BETA_C), "size": len(BETA_C), "rows": 1, "columns": 1},
    ]
    env.write_manifest()
    real = pooch.retrieve
    calls = []
    monkeypatch.setattr(pooch, "retrieve", lambda u, *a, **kw: calls.append(u) or real(u, *a, **kw))
    F.fetch(["gamma"], quiet=True)
    assert calls == [url]
    assert (env.data / "gamma" / "g.csv").read_bytes() == GAMMA
    assert (env.data / "gamma" / "h.csv").read_bytes() == BETA_C
    prov = F.read_provenance(env.data / "gamma" / "h.csv")
    assert prov["archive_member"] == "pkg/data/h.csv" and prov["download_sha256"] == sha(bundle)
    assert leftovers(env.data) == []

    # a member that is not there, and an archive that is not a zip
    ds["files"][0]["archive_member"] = "pkg/data/nope.csv"
    env.write_manifest()
    with pytest.raises(FetchError, match="no member 'pkg/data/nope.csv'.*pkg/data/g.csv"):
        F.fetch(["gamma"], force=True, quiet=True)
    ds["files"][0].update(archive_member="pkg/data/g.csv", download_sha256=None, url=env.serve("bad.whl", b"<html>"))
    env.write_manifest()
    with pytest.raises(ChecksumError, match="not a zip archive"):
        F.fetch(["gamma"], force=True, quiet=True)
    assert (env.data / "gamma" / "g.csv").read_bytes() == GAMMA
    assert leftovers(env.data) == []


def test_rda_conversion(env, monkeypatch):
    url = env.serve("demo.rda", b"RDX3 not really")
    csv = b"a,b\n1,x\n2,y\n"
    ds = env.manifest["datasets"]["gamma"]
    ds["files"] = [{"name": "demo.csv", "url": url, "convert": "rda_to_csv", "mirror_path": None,
                    "sha256": sha(csv), "size": len(csv), "rows": 2, "columns": 2}]
    env.write_manifest()

    monkeypatch.setitem(sys.modules, "pyreadr", None)  # not installed
    with pytest.raises(FetchError, match="pyreadr"):
        F.fetch(["gamma"], quiet=True)
    assert snapshot(env.data) == {}

    fake = types.ModuleType("pyreadr")
    fake.read_r = lambda path: {"demo": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})}
    monkeypatch.setitem(sys.modules, "pyreadr", fake)
    F.fetch(["gamma"], quiet=True)
    assert (env.data / "gamma" / "demo.csv").read_bytes() == csv
    assert F.read_provenance(env.data / "gamma" / "demo.csv")["convert"] == "rda_to_csv"


# --------------------------------------------------------------------------- CLI end to end

runner = CliRunner()


def test_cli_fetch_and_list(env):
    res = runner.invoke(app, ["fetch"])
    assert res.exit_code == 0, res.output
    assert "copied" in res.output and "alpha/a.csv" in res.output
    assert (env.data / "alpha" / "b.txt").read_bytes() == ALPHA_B
    assert (env.data / "beta" / "c.csv").read_bytes() == BETA_C

    res = runner.invoke(app, ["fetch", "--quiet"])
    assert res.exit_code == 0 and res.output.strip() == ""

    res = runner.invoke(app, ["fetch", "--list"])
    assert res.exit_code == 0, res.output
    for word in ("alpha", "beta", "gamma", "delta", "present", "verified"):
        assert word in res.output


def test_cli_explicit_mirror_and_force(env, tmp_path):
    other = tmp_path / "m2"
    (other / "beta").mkdir(parents=True)
    (other / "beta" / "c.csv").write_bytes(BETA_C)
    res = runner.invoke(app, ["fetch", "beta", "--mirror", str(other), "--force"])
    assert res.exit_code == 0, res.output
    assert F.read_provenance(env.data / "beta" / "c.csv")["source"] == str(other / "beta" / "c.csv")


def test_cli_errors(env):
    from drugtrends.cli import EXIT_ERROR

    res = runner.invoke(app, ["fetch", "nope"])
    assert res.exit_code == EXIT_ERROR
    assert "unknown dataset" in res.output and "alpha" in res.output

    (env.mirror / "beta" / "c.csv").write_bytes(b"")
    res = runner.invoke(app, ["fetch", "beta"])
    assert res.exit_code == EXIT_ERROR and "empty" in res.output
    assert not (env.data / "beta" / "c.csv").exists()


def test_errors_share_a_base_class():
    assert issubclass(ChecksumError, DrugtrendsError) and issubclass(FetchError, DrugtrendsError)
