"""NSDUH reader on generated files in the public-use tab-delimited layout:
design variables by year, recency flags and special codes checked against an
independent csv-module reading; bad inputs."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _generate import make_nsduh

from drugtrends.errors import DataNotFoundError, InputError, SchemaError
from drugtrends.readers.nsduh import (
    RECENCY_RECODES,
    SUBSTANCES,
    comparability_group,
    design_variables,
    read_nsduh,
    special_code_kinds,
)
from drugtrends.readers.nsduh import TAXONOMY_IDS as NSDUH_TAXONOMY

TAXONOMY_IDS = ["cannabis", "cocaine", "crack", "heroin", "hallucinogens", "lsd", "methamphetamine", "inhalants",
                "pain_relievers_misuse", "tranquillizers_misuse", "stimulants_misuse", "sedatives_misuse"]


def _raw(path: Path) -> dict[str, list[str]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return {h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("nsduh")
    return {y: make_nsduh(d / f"NSDUH_{y}_Tab.txt", 1500, year=y, seed=y) for y in (2014, 2019, 2020, 2021, 2023)}


def test_design_table_matches_samhsa_names():
    assert design_variables(2015) == {"weight": "ANALWT_C", "strata": "VESTR", "psu": "VEREP"}
    assert design_variables(2019) == {"weight": "ANALWT_C", "strata": "VESTR", "psu": "VEREP"}
    assert design_variables(2020) == {"weight": "ANALWTQ1Q4_C", "strata": "VESTRQ1Q4_C", "psu": "VEREP"}
    assert design_variables(2021) == {"weight": "ANALWT2_C", "strata": "VESTR_C", "psu": "VEREP"}
    assert design_variables(2023) == design_variables(2021)
    assert [comparability_group(y) for y in (2013, 2014, 2015, 2019, 2020, 2021, 2024)] == \
        ["2002-2014", "2002-2014", "2015-2019", "2015-2019", "2020", "2021+", "2021+"]
    with pytest.raises(InputError, match="not covered"):
        design_variables(1999)


def test_substance_ids_follow_taxonomy():
    from drugtrends import taxonomy

    assert list(SUBSTANCES) == TAXONOMY_IDS
    # each 2015+ recode maps, in drugtrends.taxonomy, to the substance our flag prefix stands for
    for sub, names in RECENCY_RECODES.items():
        assert taxonomy.from_source("nsduh", names[0]) == NSDUH_TAXONOMY[sub], sub


def test_pre_2015_recode_names(files):
    df = read_nsduh(files[2014], 2014)
    raw = _raw(files[2014])
    assert "IRANLRC" in raw and "IRPNRNMREC" not in raw
    assert df.attrs["recency_recodes"]["pain_relievers_misuse"] == "IRANLRC"
    assert df.attrs["recency_recodes"]["stimulants_misuse"] == "IRSTMRC"
    np.testing.assert_array_equal(df["pain_relievers_misuse_past_year"].to_numpy(),
                                  np.isin(np.array(raw["IRANLRC"], dtype=int), [1, 2]).astype(float))


@pytest.mark.parametrize("year", [2014, 2019, 2020, 2021, 2023])
def test_design_mapped_by_year(files, year):
    df = read_nsduh(files[year], year)
    raw = _raw(files[year])
    dv = design_variables(year)
    np.testing.assert_array_equal(df["weight"].to_numpy(), np.array(raw[dv["weight"]], dtype=float))
    np.testing.assert_array_equal(df["strata"].to_numpy(), np.array(raw[dv["strata"]], dtype=int))
    np.testing.assert_array_equal(df["psu"].to_numpy(), np.array(raw[dv["psu"]], dtype=int))
    assert set(df["psu"]) == {1, 2}
    assert (df["year"] == year).all()
    assert set(df["comparability_group"].astype(str)) == {comparability_group(year)}
    assert df.attrs["design"] == dv


def test_recency_flags_against_csv(files):
    df = read_nsduh(files[2019], 2019)
    raw = _raw(files[2019])
    for sub, names in RECENCY_RECODES.items():
        codes = np.array(raw[names[0]], dtype=int)
        assert set(np.unique(codes)) <= {1, 2, 3, 9}
        np.testing.assert_array_equal(df[f"{sub}_lifetime"].to_numpy(), (codes != 9).astype(float))
        np.testing.assert_array_equal(df[f"{sub}_past_year"].to_numpy(), np.isin(codes, [1, 2]).astype(float))
        np.testing.assert_array_equal(df[f"{sub}_past_month"].to_numpy(), (codes == 1).astype(float))
    # the generator's cannabis shares (0.10, 0.07, 0.30, 0.53) come through
    assert df["cannabis_lifetime"].mean() == pytest.approx(0.47, abs=0.04)
    assert df["cannabis_past_month"].mean() == pytest.approx(0.10, abs=0.03)


def test_special_codes(files):
    df = read_nsduh(files[2019], 2019)
    raw = _raw(files[2019])
    days = np.array(raw["MJDAY30A"], dtype=int)
    specials = np.isin(days, [91, 93, 94, 97, 98])
    assert specials.any() and (days == 91).any() and (days == 93).any()
    assert df["MJDAY30A"].isna().sum() == specials.sum()
    assert df["MJDAY30A"].dropna().astype(int).tolist() == days[~specials].tolist()
    counts = {int(k): int(v) for k, v in zip(*np.unique(days[specials], return_counts=True))}
    assert df.attrs["special_codes"]["MJDAY30A"] == counts
    # three-digit item: 991 = never used -> NaN; real ages kept
    age = np.array(raw["IRMJAGE"], dtype=int)
    assert df["IRMJAGE"].isna().sum() == (age == 991).sum()
    # never used (91) coincides with IRMJRC = 9
    assert ((days == 91) == (np.array(raw["IRMJRC"], dtype=int) == 9)).all()
    # design variables, ids and recodes are never touched
    assert df["QUESTID2"].notna().all() and df["IRMJRC"].notna().all()
    kept = read_nsduh(files[2019], 2019, special_codes="keep")
    assert kept["MJDAY30A"].tolist() == days.tolist()


def test_special_code_kinds():
    s = pd.Series([1, 30, 85, 91, 93, 94, 97, 98, 99])
    assert special_code_kinds(s).astype(object).where(lambda x: x.notna(), None).tolist() == [
        None, None, "missing", "never_used", "not_in_period", "missing", "missing", "missing", "legitimate_skip"]
    # a day count 1-365 with 3-digit specials keeps 91-99 as real values
    s3 = pd.Series([91, 99, 365, 991, 993])
    assert special_code_kinds(s3).astype(object).where(lambda x: x.notna(), None).tolist() == [
        None, None, None, "never_used", "not_in_period"]


def test_columns_subset_and_zip(files, tmp_path):
    sub = read_nsduh(files[2021], 2021, columns=["irmjrc", "CATAG6"])
    assert {"QUESTID2", "ANALWT2_C", "VESTR_C", "VEREP", "IRMJRC", "CATAG6", "weight", "cannabis_past_year"} \
        <= set(sub.columns)
    assert "IRCOCRC" not in sub.columns and "cocaine_lifetime" not in sub.columns
    z = tmp_path / "NSDUH_2021_tsv.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(files[2021], "NSDUH_2021_Tab.txt")
    pd.testing.assert_frame_equal(read_nsduh(z, 2021, columns=["IRMJRC"]), read_nsduh(files[2021], 2021,
                                                                                      columns=["IRMJRC"]))


# ---------------------------------------------------------------- bad inputs

def test_wrong_year_names_expected_design(files):
    with pytest.raises(SchemaError, match=r"missing design variable\(s\) \['ANALWT_C', 'VESTR'\] expected for "
                                          r"NSDUH 2019.*Found \['ANALWT2_C', 'VESTR_C'\]"):
        read_nsduh(files[2021], 2019)


def test_bad_recency_code(files, tmp_path):
    text = files[2019].read_text().splitlines()
    header = text[0].split("\t")
    parts = text[7].split("\t")
    parts[header.index("IRCOCRC")] = "5"
    text[7] = "\t".join(parts)
    p = tmp_path / "bad.txt"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(SchemaError, match=r"column 'IRCOCRC', line 8: recency code 5"):
        read_nsduh(p, 2019)


def test_missing_requested_column(files):
    with pytest.raises(SchemaError, match="NOTAVAR"):
        read_nsduh(files[2019], 2019, columns=["NOTAVAR"])


def test_empty_truncated_and_wrong_delimiter(files, tmp_path):
    e = tmp_path / "e.txt"
    e.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        read_nsduh(e, 2019)
    text = files[2019].read_text()
    t = tmp_path / "t.txt"
    t.write_text(text[: len(text) - 25])
    with pytest.raises(SchemaError, match="truncated"):
        read_nsduh(t, 2019)
    c = tmp_path / "c.csv"
    c.write_text(text.replace("\t", ","))
    with pytest.raises(SchemaError, match="tab-delimited"):
        read_nsduh(c, 2019)
    h = tmp_path / "h.txt"
    h.write_text(text.splitlines()[0] + "\n")
    with pytest.raises(SchemaError, match="no data rows"):
        read_nsduh(h, 2019)
    with pytest.raises(DataNotFoundError, match="drugtrends fetch nsduh"):
        read_nsduh(tmp_path / "nope.txt", 2019)


def test_non_positive_weight(files, tmp_path):
    text = files[2019].read_text().splitlines()
    header = text[0].split("\t")
    parts = text[3].split("\t")
    parts[header.index("ANALWT_C")] = "0"
    text[3] = "\t".join(parts)
    p = tmp_path / "w.txt"
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(SchemaError, match="weight"):
        read_nsduh(p, 2019)
