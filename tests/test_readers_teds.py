"""TEDS readers: the real codebook tables against a csv-module reading; generated
TEDS-A/TEDS-D files (codes drawn from the real codebook) labelled against an
independent lookup; chunked reading, Parquet conversion, bad inputs."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from _generate import make_teds

from drugtrends import paths
from drugtrends.errors import InputError, SchemaError
from drugtrends.readers.teds import read_teds, read_teds_codebook, teds_label_group, teds_to_parquet


@pytest.fixture(scope="module")
def cb_paths() -> tuple[Path, Path]:
    for root in (paths.data_dir(), paths.default_mirror()):
        if root is None:
            continue
        a, d = root / "teds_codebook/teds_a_value_labels.csv", root / "teds_codebook/teds_d_value_labels_by_year.csv"
        if a.is_file() and d.is_file():
            return a, d
    pytest.skip("TEDS codebook not in the data directory nor the mirror")


@pytest.fixture(scope="module")
def cb(cb_paths) -> pd.DataFrame:
    return read_teds_codebook(*cb_paths)


def _lookup_a(path_a: Path) -> dict[tuple[str, int, str], str]:
    """Independent TEDS-A lookup (variable, code, group) -> label from the raw csv."""
    out = {}
    with open(path_a, newline="") as fh:
        for r in csv.DictReader(fh):
            if not r["Value"]:
                continue
            for g in ("2000-2021", "2022"):
                lab = r[g] or ("None" if not r["2000-2021"] and not r["2022"] and r["code"] != "ADMYR" else "")
                if lab:
                    out[(r["code"], int(r["Value"]), g)] = lab
    return out


# ---------------------------------------------------------------- codebook

def test_codebook_a_against_csv(cb, cb_paths):
    ref = _lookup_a(cb_paths[0])
    a = cb[cb.kind == "A"]
    got = {(v, c, g): lab for v, c, g, lab in zip(a.variable, a.code, a.years, a.label)}
    assert got == ref
    assert a.groupby("years").size().to_dict() == {"2000-2021": 402, "2022": 377}


def test_codebook_known_values(cb):
    a = cb[cb.kind == "A"].set_index(["variable", "code", "years"])["label"]
    assert a[("SUB1", 1, "2000-2021")] == "None"  # restored: upstream read "None" as missing
    assert a[("SUB1", 5, "2022")] == "Heroin"
    assert a[("GENDER", -9, "2000-2021")].startswith("Missing")
    assert ("STFIPS", 10, "2022") not in a.index and a[("STFIPS", 10, "2000-2021")] == "Delaware"
    assert a[("LIVARAG", 1, "2000-2021")] == "Homeless" and a[("LIVARAG", 1, "2022")] == "Experiencing Homelessness"
    d = cb[cb.kind == "D"].set_index(["variable", "code", "years"])["label"]
    assert d[("AGE", 7, "2006-2014")] == "30-34 years" and d[("AGE", 7, "2019")] == "35-39 years"
    assert d[("DISYR", 2012, "2006-2014")] == "2012"
    assert not cb.duplicated(["kind", "variable", "code", "years"]).any()


def test_codebook_d_against_csv(cb, cb_paths):
    with open(cb_paths[1], newline="") as fh:
        raw = list(csv.DictReader(fh))
    expect = Counter()
    seen = set()
    for r in raw:
        if r["code"] == "X" or r["field"] in ("DISYR", "NUMSUBS"):
            continue
        for g in ("2006-2014", "2015", "2016", "2017", "2018", "2019"):
            key = (r["field"], int(r["code"]), g)
            if r[g] and key not in seen:
                seen.add(key)
                expect[g] += 1
    d = cb[(cb.kind == "D") & ~cb.variable.isin(["DISYR", "NUMSUBS"])]
    assert d.groupby("years").size().to_dict() == dict(expect)


def test_label_groups():
    assert [teds_label_group("A", y) for y in (2000, 2021, 2022, 2024)] == ["2000-2021"] * 2 + ["2022"] * 2
    assert [teds_label_group("D", y) for y in (2006, 2014, 2015, 2019, 2021)] == \
        ["2006-2014", "2006-2014", "2015", "2019", "2019"]


# ---------------------------------------------------------------- microdata

@pytest.fixture(scope="module")
def teds_a_2019(cb, tmp_path_factory) -> Path:
    return make_teds(tmp_path_factory.mktemp("teds") / "tedsa_puf_2019.csv", 3000, "A", seed=1, year=2019,
                     codebook=cb)


def _raw_codes(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], np.array(rows[1:], dtype="int64")
    return {h: body[:, i] for i, h in enumerate(header)}


def test_teds_a_labels_against_independent_lookup(teds_a_2019, cb, cb_paths):
    df = read_teds(teds_a_2019, "A", codebook=cb)
    raw = _raw_codes(teds_a_2019)
    ref = _lookup_a(cb_paths[0])
    assert len(df) == 3000 and df["CASEID"].tolist() == raw["CASEID"].tolist()
    assert (df["ADMYR"] == 2019).all() and df["ADMYR"].dtype == "int64"
    checked = 0
    for col in ("AGE", "GENDER", "RACE", "ETHNIC", "EDUC", "EMPLOY", "LIVARAG", "PSOURCE", "SUB1", "ROUTE1",
                "FREQ1", "FRSTUSE1", "NOPRIOR", "STFIPS", "SERVICES"):
        codes = raw[col]
        expected = [None if c == -9 else ref[(col, int(c), "2000-2021")] for c in codes]
        out = {"GENDER": "sex"}.get(col, col)  # read_teds names GENDER `sex` (issue 25: one sex column)
        got = df[out].astype(object).where(df[out].notna(), None).tolist()
        assert got == expected, col
        assert int(df[out].isna().sum()) == int((codes == -9).sum())
        checked += 1
    assert checked == 15
    assert df["AGE"].cat.ordered and list(df["AGE"].cat.categories)[:2] == ["12-14 Years", "15-17 Years"]
    assert not df["SUB1"].cat.ordered


def test_teds_a_2022_uses_2022_labels(cb, tmp_path):
    p = make_teds(tmp_path / "tedsa_puf_2022.csv", 400, "A", seed=2, year=2022, codebook=cb,
                  variables=["LIVARAG", "STFIPS"])
    df = read_teds(p, "A", codebook=cb)
    raw = _raw_codes(p)
    assert set(df.loc[raw["LIVARAG"] == 1, "LIVARAG"].astype(str)) == {"Experiencing Homelessness"}
    assert "Delaware" not in set(df["STFIPS"].dropna().astype(str))
    # the 2022 codebook has no Delaware (STFIPS 10): such a row is an error in a 2022 file
    lines = p.read_text().splitlines()
    lines[5] = lines[5].split(",")[0] + ",2022," + lines[5].split(",")[2] + ",10"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"column 'STFIPS', line 6: code 10 is not in the TEDS-A codebook for 2022"):
        read_teds(p, "A", codebook=cb)


def test_teds_d_by_year(cb, tmp_path):
    for year, age7 in ((2012, "30-34 years"), (2017, "35-39 years")):
        p = make_teds(tmp_path / f"tedsd_{year}.csv", 800, "D", seed=year, year=year, codebook=cb)
        df = read_teds(p, "D", codebook=cb)
        raw = _raw_codes(p)
        assert (df["DISYR"] == year).all()
        assert set(df.loc[raw["AGE"] == 7, "AGE"].astype(str)) == {age7}
        assert not df["AGE"].cat.ordered  # AGE labels differ across TEDS-D years: not a common scale
        assert int(df["SUB1"].isna().sum()) == int((raw["SUB1"] == -9).sum())


def test_columns_and_chunks(teds_a_2019, cb):
    full = read_teds(teds_a_2019, "A", codebook=cb)
    sub = read_teds(teds_a_2019, "A", columns=["CASEID", "SUB1", "AGE"], codebook=cb)
    assert list(sub.columns) == ["CASEID", "SUB1", "AGE"]
    pd.testing.assert_frame_equal(sub, full[["CASEID", "SUB1", "AGE"]])
    chunks = list(read_teds(teds_a_2019, "A", chunksize=700, codebook=cb, block_size=1 << 14))
    assert [len(c) for c in chunks] == [700, 700, 700, 700, 200]
    pd.testing.assert_frame_equal(pd.concat(chunks), full)


def test_labels_false_keeps_codes(teds_a_2019, cb):
    df = read_teds(teds_a_2019, "A", columns=["GENDER"], labels=False, codebook=cb)
    raw = _raw_codes(teds_a_2019)["GENDER"]
    assert list(df.columns) == ["sex"]  # the file's GENDER, the package's one sex column (issue 25)
    assert df["sex"].dtype == "Int32"
    assert df["sex"].isna().sum() == (raw == -9).sum()
    assert df["sex"].dropna().astype(int).tolist() == raw[raw != -9].tolist()
    pd.testing.assert_frame_equal(read_teds(teds_a_2019, "A", columns=["sex"], labels=False, codebook=cb), df)


def test_zip_bundle(teds_a_2019, cb, tmp_path):
    z = tmp_path / "tedsa_puf_2019_csv.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(teds_a_2019, "tedsa_puf_2019.csv")
    pd.testing.assert_frame_equal(read_teds(z, "A", columns=["CASEID", "SUB1"], codebook=cb),
                                  read_teds(teds_a_2019, "A", columns=["CASEID", "SUB1"], codebook=cb))


def test_to_parquet(teds_a_2019, cb, tmp_path):
    out = teds_to_parquet(teds_a_2019, tmp_path / "a.parquet", "A", codebook=cb, block_size=1 << 14)
    t = pq.read_table(out)
    raw = _raw_codes(teds_a_2019)
    assert t.num_rows == 3000
    for col in ("CASEID", "SUB1", "STFIPS"):
        assert t.column(col).to_numpy().tolist() == raw[col].tolist()
    assert str(t.schema.field("CASEID").type) == "int64" and str(t.schema.field("SUB1").type) == "int32"
    import duckdb

    n = duckdb.sql(f"select count(*) from read_parquet('{out}') where SUB1 = 5").fetchall()[0][0]
    assert n == int((raw["SUB1"] == 5).sum())


def test_to_parquet_is_atomic_on_error(teds_a_2019, cb, tmp_path):
    lines = teds_a_2019.read_text().splitlines()
    cols = lines[0].split(",")
    parts = lines[2500].split(",")
    parts[cols.index("SUB1")] = "77"
    lines[2500] = ",".join(parts)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"column 'SUB1', line 2501: code 77"):
        teds_to_parquet(bad, tmp_path / "out" / "bad.parquet", "A", codebook=cb, block_size=1 << 14)
    assert not (tmp_path / "out" / "bad.parquet").exists()
    assert list((tmp_path / "out").iterdir()) == []


# ---------------------------------------------------------------- bad inputs

def test_unknown_code_names_column_line_value(teds_a_2019, cb, tmp_path):
    lines = teds_a_2019.read_text().splitlines()
    cols = lines[0].split(",")
    parts = lines[10].split(",")
    parts[cols.index("GENDER")] = "3"
    lines[10] = ",".join(parts)
    p = tmp_path / "x.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"column 'GENDER', line 11: code 3 is not in the TEDS-A codebook"):
        read_teds(p, "A", codebook=cb)


def test_missing_column(teds_a_2019, cb):
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['SUB9'\]"):
        read_teds(teds_a_2019, "A", columns=["SUB9"], codebook=cb)


def test_empty_header_only_truncated(teds_a_2019, cb, tmp_path):
    e = tmp_path / "e.csv"
    e.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        read_teds(e, "A", codebook=cb)
    h = tmp_path / "h.csv"
    h.write_text(teds_a_2019.read_text().splitlines()[0] + "\n")
    with pytest.raises(SchemaError, match="no data rows"):
        read_teds(h, "A", codebook=cb)
    text = teds_a_2019.read_text()
    t = tmp_path / "t.csv"
    t.write_text(text[: len(text) - 37])
    with pytest.raises(SchemaError, match="truncated|Expected"):
        read_teds(t, "A", codebook=cb)


def test_non_integer_value(cb, tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("CASEID,ADMYR,GENDER\n1,2019,2\n2,2019,F\n")
    with pytest.raises(SchemaError):
        read_teds(p, "A", codebook=cb)


def test_bad_kind(teds_a_2019):
    with pytest.raises(InputError, match="kind"):
        read_teds(teds_a_2019, "X")


def test_codebook_bad_inputs(cb_paths, tmp_path):
    a_text = cb_paths[0].read_text()
    (tmp_path / "m.csv").write_text(a_text.replace("2000-2021", "labels", 1))
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['2000-2021'\]"):
        read_teds_codebook(tmp_path / "m.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(SchemaError, match="empty"):
        read_teds_codebook(tmp_path / "e.csv")
    (tmp_path / "c.csv").write_text(a_text.replace("GENDER,2,", "GENDER,two,", 1))
    with pytest.raises(SchemaError, match=r"column 'Value', line \d+: code 'two' is not an integer"):
        read_teds_codebook(tmp_path / "c.csv")
    (tmp_path / "h.csv").write_text(a_text.splitlines()[0] + "\n")
    with pytest.raises(SchemaError, match="no rows"):
        read_teds_codebook(tmp_path / "h.csv")
    with pytest.raises(InputError, match="path_a"):
        read_teds_codebook()


# ---------------------------------------------------------------- real TEDS-A 2017 records (issue 21)
# teds_a_2017_sample/ALL_TEDS_DATA_1.csv: 425 lines of the real 2017 public-use file as written by pandas
# (codes as floats: 2.0), merged by its uploader with Census columns; the last 9 lines carry no TEDS value.

@pytest.fixture(scope="module")
def real_2017():
    from _data import real_file

    return real_file("teds_a_2017_sample", "ALL_TEDS_DATA_1.csv")


def _plain_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_real_2017_float_codes_decode_like_ints(real_2017, cb, cb_paths, tmp_path):
    with pytest.warns(UserWarning, match=r"25 column\(s\) that are not TEDS variables were ignored.*9 row\(s\)"):
        df = read_teds(real_2017, "A", year=2017, codebook=cb)
    header, rows = _plain_rows(real_2017)
    teds = header[header.index("CASEID"):header.index("STUSAB")] + ["ARRESTS"]
    assert list(df.columns) == teds and len(df) == 416
    assert "STATE_NAME" in df.attrs["ignored_columns"] and "POPESTIMATE2017" in df.attrs["ignored_columns"]
    assert df.attrs["blank_rows_dropped"] == 9
    # independent decoding: csv module + the raw codebook csv, float text -> int by hand
    lookup = _lookup_a(cb_paths[0])
    records = [r for r in rows if r[header.index("CASEID")]]
    assert len(records) == 416
    for var in ("STFIPS", "SUB1", "SUB2", "ROUTE1", "FREQ1", "FRSTUSE1", "AGE", "EDUC", "SERVICES", "ARRESTS"):
        i = header.index(var)
        want = [None if int(float(r[i])) == -9 else lookup[(var, int(float(r[i])), "2000-2021")] for r in records]
        got = df[var].astype(object).where(df[var].notna(), None).tolist()
        assert got == want, var
    assert df["CASEID"].tolist() == [int(float(r[header.index("CASEID")])) for r in records]
    assert df["CASEID"].astype(str).str.startswith("2017").all()  # 2017 admissions
    # held-out counts of the sample's primary substance
    assert df["SUB1"].value_counts().head(4).to_dict() == {
        "Methamphetamine/Speed": 130, "Heroin": 93, "Alcohol": 69, "Marijuana/Hashish": 67}
    # the same records written with integer codes read identically (floats decode like ints)
    ints = tmp_path / "ints.csv"
    with open(ints, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(teds)
        for r in records:
            w.writerow([str(int(float(r[header.index(c)]))) for c in teds])
    pd.testing.assert_frame_equal(read_teds(ints, "A", year=2017, codebook=cb).reset_index(drop=True),
                                  df.reset_index(drop=True), check_like=False)


def test_real_2017_columns_and_labels_false(real_2017, cb):
    with pytest.warns(UserWarning, match=r"9 row\(s\) with every TEDS column empty"):
        sub = read_teds(real_2017, "A", columns=["CASEID", "SUB1", "FRSTUSE1"], year=2017, labels=False,
                        codebook=cb)
    assert sub.attrs["ignored_columns"] == [] and len(sub) == 416
    assert sub["SUB1"].dtype == "Int32" and set(sub["SUB1"].dropna()) <= set(range(1, 20))


def test_non_whole_float_code(cb, tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("CASEID,ADMYR,SUB1\n1.0,2019.0,4.0\n2.0,2019.0,4.5\n")
    with pytest.raises(SchemaError, match=r"column 'SUB1', line 3: 4.5 is not a whole-number TEDS code"):
        read_teds(p, "A", codebook=cb)
    q = tmp_path / "g.csv"
    q.write_text("CASEID,ADMYR,SUB1\n1.0,2019.0,4.0\n2.0,,4.0\n")
    with pytest.raises(SchemaError, match=r"line 3: empty year"):
        read_teds(q, "A", codebook=cb)
