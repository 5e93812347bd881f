"""NHANES readers: the harmonised file against an independent csv-module reading,
the official XPT layout against the harmonised file (real respondents written
in CDC codes, read back through pandas.read_sas), and bad inputs."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _generate import nhanes_official_from_harmonised, write_xport

from drugtrends import paths
from drugtrends.errors import DataNotFoundError, SchemaError
from drugtrends.readers.nhanes import analysis_frame, read_nhanes_harmonised, read_nhanes_official

NAME = "nhanes_2009_2012/NHANESraw.csv"


@pytest.fixture(scope="module")
def nhanes_path() -> Path:
    for root in (paths.data_dir(), paths.default_mirror()):
        if root is not None and (root / NAME).is_file():
            return root / NAME
    pytest.skip("NHANESraw.csv not in the data directory nor the mirror")


@pytest.fixture(scope="module")
def nh(nhanes_path) -> pd.DataFrame:
    return read_nhanes_harmonised(nhanes_path)


@pytest.fixture(scope="module")
def rows(nhanes_path) -> list[dict[str, str]]:
    with open(nhanes_path, newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- harmonised file, real data

def test_shape_and_cycles(nh, rows):
    assert nh.shape[0] == 20293 == len(rows)
    assert Counter(r["SurveyYr"] for r in rows) == {"2009_10": 10537, "2011_12": 9756}
    assert nh["cycle"].value_counts().to_dict() == {"2009_10": 10537, "2011_12": 9756}
    assert nh["ID"].tolist() == [int(r["ID"]) for r in rows]


@pytest.mark.parametrize("col,harm", [("Marijuana", "ever_marijuana"), ("RegularMarij", "regular_marijuana"),
                                      ("HardDrugs", "ever_hard_drugs")])
def test_drug_items_against_csv(nh, rows, col, harm):
    raw = Counter(r[col] for r in rows)
    assert set(raw) == {"Yes", "No", ""}
    got = nh[harm]
    assert got.dtype == "float64"
    assert int((got == 1).sum()) == raw["Yes"] and int((got == 0).sum()) == raw["No"]
    assert int(got.isna().sum()) == raw[""]
    assert nh[col].dtype == "boolean"
    assert int(nh[col].sum()) == raw["Yes"]


def test_marijuana_counts_known(nh):
    # 3,719 yes / 3,353 no / 13,221 not asked or missing (csv count, fixed here as a regression anchor)
    m = nh["ever_marijuana"]
    assert (int((m == 1).sum()), int((m == 0).sum()), int(m.isna().sum())) == (3719, 3353, 13221)


def test_eligible_ages(nh):
    asked_mj = nh["ever_marijuana"].notna()
    assert nh.loc[asked_mj, "age"].between(18, 59).all()
    asked_hd = nh["ever_hard_drugs"].notna()
    assert nh.loc[asked_hd, "age"].min() == 18 and nh.loc[asked_hd, "age"].max() == 69
    # regular use is asked of ever users only
    assert nh.loc[nh["regular_marijuana"].notna(), "ever_marijuana"].eq(1).all()


def test_literal_none_is_a_level_not_missing(nh, rows):
    # pandas.read_csv defaults would turn these 7,926 answers into NaN
    raw = Counter(r["Depressed"] for r in rows)
    assert raw["None"] == 7926
    assert nh["Depressed"].value_counts().to_dict() == {"None": raw["None"], "Several": raw["Several"],
                                                        "Most": raw["Most"]}
    assert int(nh["Depressed"].isna().sum()) == raw[""]
    assert list(nh["Depressed"].cat.categories) == ["None", "Several", "Most"] and nh["Depressed"].cat.ordered


def test_typed_columns(nh):
    assert nh["Education"].cat.ordered and nh["HHIncome"].cat.ordered
    assert nh["HHIncome"].cat.categories[0] == "0-4999" and nh["HHIncome"].cat.categories[-1] == "more 99999"
    assert nh["education"].cat.ordered and list(nh["education"].cat.categories)[-1] == "College Grad"
    for c in ("ID", "Age", "SDMVPSU", "SDMVSTRA", "strata", "psu", "age"):
        assert nh[c].dtype == "int64"
    assert list(nh["race_ethnicity"].cat.categories) == ["Mexican", "Hispanic", "White", "Black", "Other"]
    assert nh["income_to_poverty"].max() == 5.0


def test_one_sex_column(nh, rows):
    # NHANESraw publishes Sex and Gender (same values); the reader keeps only the harmonised sex (issue 25)
    assert [c for c in nh.columns if c.lower() in ("sex", "gender")] == ["sex"]
    assert nh.shape[1] == 79 - 2 + 13
    assert list(nh["sex"].cat.categories) == ["male", "female"]  # NSDUH's order (readers.nsduh_harmonise)
    assert nh["sex"].astype(str).tolist() == [r["Gender"] for r in rows] == [r["Sex"] for r in rows]


def test_design_variables_against_csv(nh, rows):
    w = np.array([float(r["WTINT2YR"]) for r in rows])
    np.testing.assert_array_equal(nh["wt_int"].to_numpy(), w)
    strata = Counter(int(r["SDMVSTRA"]) for r in rows)
    assert nh["strata"].value_counts().to_dict() == dict(strata)
    # PSUs nested in strata: every stratum has at least 2 PSUs
    assert nh.groupby("strata")["psu"].nunique().min() >= 2


def test_analysis_frame_contract(nh, rows, nhanes_path):
    a = analysis_frame(nh)
    w = np.array([float(r["WTINT2YR"]) for r in rows])
    np.testing.assert_allclose(a["wt"].to_numpy(), w / 2)
    assert a["wt"].sum() == pytest.approx(w.sum() / 2)
    ages = np.array([int(r["Age"]) for r in rows])
    expected = Counter(
        "18-29" if 18 <= x <= 29 else "30-39" if x <= 39 else "40-49" if x <= 49 else "50-59"
        for x in ages if 18 <= x <= 59
    )
    assert a["age_band"].value_counts().to_dict() == dict(expected)
    assert a["age_band"].cat.ordered and a["age_band"].isna().sum() == ((ages < 18) | (ages > 59)).sum()
    assert a["college"].isna().sum() == sum(r["Education"] == "" for r in rows) == 8535
    assert a["college"].sum() == sum(r["Education"] == "College Grad" for r in rows) == 2656
    assert a["female"].sum() == sum(r["Gender"] == "female" for r in rows)
    assert a["age50"].sum() == (ages >= 50).sum()
    # same result from NHANESraw read with plain pandas defaults (Yes/No strings)
    plain = pd.read_csv(nhanes_path, low_memory=False)
    b = analysis_frame(plain)
    for c in ("wt", "mj", "regmj", "hd", "female", "age50", "college"):
        np.testing.assert_array_equal(a[c].to_numpy(), b[c].to_numpy())
    pd.testing.assert_series_equal(a["age_band"], b["age_band"])


# ---------------------------------------------------------------- XPORT writer

def test_xport_roundtrip_through_pandas(tmp_path):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1e5, 300), rng.uniform(-1, 1, 300) * 1e-6, [1.0, -1.0, 16.0 ** -60, 7.2e75]])
    y = x.copy()
    y[::7] = np.nan
    df = pd.DataFrame({"X": x, "Y": y, "SEQN": np.arange(len(x), dtype=float)})
    p = write_xport(df, tmp_path / "T.XPT", "T")
    back = pd.read_sas(p, format="xport")
    assert list(back.columns) == ["X", "Y", "SEQN"]
    np.testing.assert_allclose(back["X"].to_numpy(), x, rtol=1e-15, atol=0)
    assert back["Y"].isna().sum() == np.isnan(y).sum()
    # SAS zero is all zero bytes; pandas decodes it as 16**-65 (the reader maps that back to 0)
    write_xport(pd.DataFrame({"Z": [0.0]}), tmp_path / "Z.XPT", "Z")
    assert pd.read_sas(tmp_path / "Z.XPT", format="xport")["Z"].iloc[0] == 16.0 ** -65


# ---------------------------------------------------------------- official layout vs harmonised

@pytest.fixture(scope="module")
def official(nh, tmp_path_factory):
    d = tmp_path_factory.mktemp("xpt")
    rng = np.random.default_rng(11)
    pick = np.sort(np.concatenate([
        rng.choice(np.flatnonzero((nh["cycle"] == c).to_numpy()), 300, replace=False) for c in ("2009_10", "2011_12")
    ]))
    sample = nh.iloc[pick]
    files = {}
    refused_all = {}
    for cyc, suffix in (("2009_10", "F"), ("2011_12", "G")):
        demo, duq, refused = nhanes_official_from_harmonised(sample[sample["cycle"] == cyc], seed=len(suffix))
        files[f"DEMO_{suffix}"] = write_xport(demo, d / f"DEMO_{suffix}.XPT", f"DEMO_{suffix}")
        files[f"DUQ_{suffix}"] = write_xport(duq, d / f"DUQ_{suffix}.XPT", f"DUQ_{suffix}")
        for k, v in refused.items():
            refused_all.setdefault(k, set()).update(v)
    return sample, files, refused_all


def test_official_matches_harmonised(official):
    sample, f, refused = official
    got = read_nhanes_official([f["DEMO_F"], f["DEMO_G"]], [f["DUQ_F"], f["DUQ_G"]])
    assert len(got) == len(sample)
    got = got.set_index("SEQN").loc[sample["ID"].to_numpy()]
    exp = sample.set_index("ID")
    assert (exp["income_to_poverty"] == 0).sum() > 0  # zeros survive the IBM round trip
    for c in ("strata", "psu", "age", "wt_int", "wt_mec", "income_to_poverty"):
        np.testing.assert_array_equal(got[c].to_numpy(), exp[c].to_numpy(), err_msg=c)
    for c in ("cycle", "sex", "race_ethnicity"):
        assert (got[c].astype(str).to_numpy() == exp[c].astype(str).to_numpy()).all(), c
    for c, var in (("ever_marijuana", "DUQ200"), ("ever_hard_drugs", "DUQ240"), ("education", "DMDEDUC2")):
        gone = got.index.isin(list(refused[var]))
        assert gone.sum() > 0
        assert got.loc[gone, c].isna().all(), f"{var} 7/9 must be NaN"
        a = got.loc[~gone, c].astype(object).where(got.loc[~gone, c].notna(), None).tolist()
        b = exp.loc[~gone, c].astype(object).where(exp.loc[~gone, c].notna(), None).tolist()
        assert a == b, c
    np.testing.assert_array_equal(got["regular_marijuana"].to_numpy(), exp["regular_marijuana"].to_numpy())
    assert got["education"].cat.ordered
    # drug-specific items: 0 when DUQ240 = No (skip), NaN when DUQ240 missing/refused
    no_hd = got["ever_hard_drugs"].eq(0)
    assert got.loc[no_hd, ["ever_cocaine", "ever_heroin", "ever_methamphetamine"]].eq(0).all().all()
    assert got.loc[got["ever_hard_drugs"].isna(), "ever_cocaine"].isna().all()
    yes = got["ever_hard_drugs"].eq(1)
    assert got.loc[yes, "ever_cocaine"].isin([0.0, 1.0]).all()


def test_official_single_cycle_paths(official):
    sample, f, _ = official
    got = read_nhanes_official(f["DEMO_F"], f["DUQ_F"])
    assert set(got["cycle"].astype(str)) == {"2009_10"}
    assert len(got) == int((sample["cycle"] == "2009_10").sum())


def test_official_unknown_code(tmp_path):
    demo = pd.DataFrame({"SEQN": [1.0, 2.0], "SDDSRVYR": [7.0, 7.0], "RIAGENDR": [1.0, 2.0],
                         "RIDAGEYR": [30.0, 40.0], "RIDRETH1": [3.0, 4.0], "DMDEDUC2": [3.0, 4.0],
                         "INDFMPIR": [1.0, 2.0], "WTINT2YR": [1.0, 1.0], "WTMEC2YR": [1.0, 1.0],
                         "SDMVPSU": [1.0, 2.0], "SDMVSTRA": [90.0, 90.0]})
    duq = pd.DataFrame({"SEQN": [1.0, 2.0], "DUQ200": [1.0, 3.0], "DUQ211": [1.0, np.nan], "DUQ240": [2.0, 2.0]})
    write_xport(demo, tmp_path / "DEMO_G.XPT", "DEMO_G")
    write_xport(duq, tmp_path / "DUQ_G.XPT", "DUQ_G")
    with pytest.raises(SchemaError, match=r"DUQ_G.XPT: column 'DUQ200', record 2 \(SEQN 2\): code 3"):
        read_nhanes_official(tmp_path / "DEMO_G.XPT", tmp_path / "DUQ_G.XPT")
    write_xport(duq.drop(columns="DUQ240"), tmp_path / "DUQ_G.XPT", "DUQ_G")
    with pytest.raises(SchemaError, match=r"missing variable\(s\) \['DUQ240'\]"):
        read_nhanes_official(tmp_path / "DEMO_G.XPT", tmp_path / "DUQ_G.XPT")


def test_official_not_xport(tmp_path):
    (tmp_path / "DEMO_F.XPT").write_text("SEQN,RIAGENDR\n1,2\n")
    (tmp_path / "DUQ_F.XPT").write_bytes(b"")
    with pytest.raises(SchemaError, match="SAS transport"):
        read_nhanes_official(tmp_path / "DEMO_F.XPT", tmp_path / "DUQ_F.XPT")
    with pytest.raises(SchemaError, match="empty"):
        read_nhanes_official(tmp_path / "DUQ_F.XPT", tmp_path / "DUQ_F.XPT")
    with pytest.raises(DataNotFoundError):
        read_nhanes_official(tmp_path / "nope.XPT", tmp_path / "DUQ_F.XPT")


# ---------------------------------------------------------------- harmonised file, bad inputs

def _small(nhanes_path, tmp_path, n=50, edit=None) -> Path:
    lines = nhanes_path.read_text().splitlines()[: n + 1]
    if edit:
        lines = edit(lines)
    p = tmp_path / "NHANESraw.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_unknown_level_names_column_line_value(nhanes_path, tmp_path):
    def edit(lines):
        lines[3] = lines[3].replace(",High School,", ",PhD,", 1) if ",High School," in lines[3] else \
            lines[3].replace(",male,", ",PhD,", 1)
        return lines
    p = _small(nhanes_path, tmp_path, edit=edit)
    with pytest.raises(SchemaError, match=r"line 4: value 'PhD'"):
        read_nhanes_harmonised(p)


def test_sex_and_gender_disagree_names_file_columns_line(nhanes_path, tmp_path):
    def edit(lines):
        cols = lines[0].split(",")
        parts = lines[5].split(",")
        i = cols.index("Gender")
        parts[i] = "female" if parts[i] == "male" else "male"
        lines[5] = ",".join(parts)
        return lines
    p = _small(nhanes_path, tmp_path, edit=edit)
    with pytest.raises(SchemaError, match=r"NHANESraw.csv: columns 'Sex' and 'Gender' disagree, first at line 6"):
        read_nhanes_harmonised(p)
    plain = pd.read_csv(p)
    with pytest.raises(SchemaError, match=r"analysis_frame: columns 'Sex' and 'Gender' disagree, first at row 4"):
        analysis_frame(plain)


def test_missing_column(nhanes_path, tmp_path):
    p = _small(nhanes_path, tmp_path, edit=lambda ls: [ls[0].replace("SDMVSTRA", "STRATA")] + ls[1:])
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['SDMVSTRA'\]"):
        read_nhanes_harmonised(p)


def test_empty_and_header_only(nhanes_path, tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        read_nhanes_harmonised(p)
    with pytest.raises(SchemaError, match="no data rows"):
        read_nhanes_harmonised(_small(nhanes_path, tmp_path, n=0))


def test_truncated(nhanes_path, tmp_path):
    p = _small(nhanes_path, tmp_path, edit=lambda ls: ls[:-1] + [ls[-1][:60]])
    with pytest.raises(SchemaError, match="line 51"):
        read_nhanes_harmonised(p)


def test_official_error_names_the_right_file(official, tmp_path):
    sample, f, _ = official
    demo_g = pd.read_sas(f["DEMO_G"], format="xport")
    demo_g.loc[4, "RIDRETH1"] = 6.0
    bad = write_xport(demo_g, tmp_path / "DEMO_G.XPT", "DEMO_G")
    with pytest.raises(SchemaError, match=r"DEMO_G.XPT: column 'RIDRETH1', record 5 \(SEQN \d+\): code 6"):
        read_nhanes_official([f["DEMO_F"], bad], [f["DUQ_F"], f["DUQ_G"]])


def test_official_without_duq211(official, tmp_path):
    sample, f, _ = official
    duq = pd.read_sas(f["DUQ_F"], format="xport").drop(columns="DUQ211")
    p = write_xport(duq, tmp_path / "DUQ_E.XPT", "DUQ_E")
    got = read_nhanes_official(f["DEMO_F"], p)
    assert got["regular_marijuana"].isna().all() and got["ever_marijuana"].notna().any()


def test_analysis_frame_levels_and_ages_asked(nh):
    a = analysis_frame(nh)
    assert list(a["Education"].cat.categories) == ["8th Grade", "9 - 11th Grade", "High School", "Some College",
                                                   "College Grad"] and a["Education"].cat.ordered
    assert [c for c in a.columns if c.lower() in ("sex", "gender")] == ["sex"]  # one sex column (issue 25)
    assert list(a["sex"].cat.categories) == ["male", "female"]
    assert (a["sex"].astype(str) == nh["sex"].astype(str)).all()
    assert set(a["Race1"].dropna().astype(str)) == {"Black", "Hispanic", "Mexican", "White", "Other"}
    # every age a drug question was answered is in a band of age_band_full
    asked = nh["HardDrugs"].notna() | nh["Marijuana"].notna()
    assert a.loc[asked.to_numpy(), "age_band_full"].notna().all()
    assert nh.loc[asked, "Age"].max() == 69
    # the 60-69 share of (weighted) hard-drug users, 2009-10 -> 2011-12: 4.7 % -> 9.9 % (issue 14)
    u = a[a.hd == 1]
    share = {cy: 100 * g.wt[g.age_band_full == "60-69"].sum() / g.wt.sum() for cy, g in u.groupby("SurveyYr",
                                                                                                   observed=True)}
    assert round(share["2009_10"], 1) == 4.7 and round(share["2011_12"], 1) == 9.9
    # the old band keeps its meaning (R references use it)
    assert a["age_band"].isna().equals(~a["Age"].between(18, 59))
