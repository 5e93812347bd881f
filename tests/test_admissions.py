"""drugtrends.admissions: TEDS-A admission profiles with DuckDB, checked against pandas."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _generate import make_teds  # noqa: E402

from drugtrends.admissions import BASIS, PRIMARY_SUBSTANCE_GROUPS, admissions_profile  # noqa: E402
from drugtrends.errors import DataNotFoundError, SchemaError, UnknownVariableError  # noqa: E402

CHARS = ["EMPLOY", "LIVARAG", "EDUC", "PSOURCE", "ROUTE1", "NOPRIOR"]
VARS = ["SUB1", "GENDER"] + CHARS
YEARS = (2020, 2022)   # two codebook label groups (2000-2021 and 2022)


@pytest.fixture(scope="module")
def codebook(data_dir):
    from drugtrends.readers.teds import read_teds_codebook

    root = data_dir / "teds_codebook"
    return read_teds_codebook(root / "teds_a_value_labels.csv", root / "teds_d_value_labels_by_year.csv")


@pytest.fixture(scope="module")
def teds(tmp_path_factory, codebook):
    """Two admission years in the official TEDS-A layout: CSVs, Parquet files, and the pandas frame."""
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    d = tmp_path_factory.mktemp("teds")
    (d / "pq").mkdir()
    frames = []
    for i, yr in enumerate(YEARS):
        csv = make_teds(d / f"tedsa_{yr}.csv", 4000, "A", seed=i, year=yr, missing_share=0.08,
                        codebook=codebook, variables=VARS)
        pq.write_table(pv.read_csv(csv), d / "pq" / f"tedsa_{yr}.parquet")
        frames.append(pd.read_csv(csv))
    return d, pd.concat(frames, ignore_index=True)


def _pandas_profile(df: pd.DataFrame, by: list[str], chars: list[str]) -> pd.DataFrame:
    """Independent computation with pandas groupby."""
    rows = []
    for c in chars:
        g = df.groupby(by + [c]).size().rename("n").reset_index().rename(columns={c: "code"})
        miss = g[g.code == -9].drop(columns="code").rename(columns={"n": "n_missing"})
        g = g[g.code != -9]
        tot = g.groupby(by).n.sum().rename("n_valid").reset_index()
        g = g.merge(tot, on=by).merge(miss, on=by, how="left").fillna({"n_missing": 0})
        g["estimate"] = g.n / g.n_valid
        g["characteristic"] = c
        rows.append(g)
    return pd.concat(rows, ignore_index=True)


def _check_against_pandas(res, exp, by):
    keys = by + ["characteristic", "code"]
    m = res.merge(exp, on=keys, how="outer", suffixes=("", "_pd"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    assert (m.n == m.n_pd).all()
    assert (m.n_valid == m.n_valid_pd).all()
    assert (m.n_missing == m.n_missing_pd).all()
    assert np.allclose(m.estimate, m.estimate_pd, rtol=0, atol=1e-15)


def test_parquet_glob_matches_pandas(teds, codebook):
    d, df = teds
    res = admissions_profile(str(d / "pq" / "*.parquet"), by=["ADMYR", "SUB1"], characteristics=CHARS,
                             codebook=codebook)
    assert len(res) > 0
    _check_against_pandas(res, _pandas_profile(df, ["ADMYR", "SUB1"], CHARS), ["ADMYR", "SUB1"])
    # shares of known values sum to 1 in every cell; missing excluded from the denominator
    s = res.groupby(["ADMYR", "SUB1", "characteristic"]).estimate.sum()
    assert np.allclose(s, 1.0, atol=1e-12)
    assert (res.n_total == res.n_valid + res.n_missing).all()
    assert (res.code != -9).all()
    assert (res.basis == BASIS).all() and "census" in BASIS


def test_directory_dataframe_and_csv_sources_agree(teds):
    d, df = teds
    a = admissions_profile(d / "pq", by=["ADMYR", "SUB1"], characteristics=CHARS)
    b = admissions_profile(df, by=["ADMYR", "SUB1"], characteristics=CHARS)
    c = pd.concat([admissions_profile(d / f"tedsa_{y}.csv", by=["ADMYR", "SUB1"], characteristics=CHARS)
                   for y in YEARS], ignore_index=True)
    cols = ["ADMYR", "SUB1", "characteristic", "code", "n", "n_valid", "n_missing", "estimate"]
    key = ["ADMYR", "SUB1", "characteristic", "code"]
    for other in (b, c):
        pd.testing.assert_frame_equal(a[cols].sort_values(key).reset_index(drop=True),
                                      other[cols].sort_values(key).reset_index(drop=True), check_dtype=False)


def test_year_specific_labels(teds, codebook):
    d, _ = teds
    res = admissions_profile(d / "pq", by=["ADMYR", "SUB1"], characteristics=["LIVARAG", "EMPLOY"],
                             codebook=codebook)
    liv = res[(res.characteristic == "LIVARAG") & (res.code == 1)]
    assert set(liv[liv.ADMYR == 2020].label) == {"Homeless"}
    assert set(liv[liv.ADMYR == 2022].label) == {"Experiencing Homelessness"}
    assert set(res[res.SUB1 == 5].SUB1_label) == {"Heroin"}
    assert set(res[(res.characteristic == "EMPLOY") & (res.code == 3)].label) == {"Unemployed"}
    assert res.label.notna().all()


def test_substance_groups_with_crack_proxy(teds):
    d, df = teds
    res = admissions_profile(d / "pq", by=["ADMYR", "substance_group"], characteristics=["EMPLOY", "NOPRIOR"],
                             groups=PRIMARY_SUBSTANCE_GROUPS)
    g = np.select([(df.SUB1 == 3) & (df.ROUTE1 == 2), (df.SUB1 == 3) & df.ROUTE1.isin([1, 3, 4, 5]),
                   df.SUB1 == 3, df.SUB1 == 5, df.SUB1 == 10], list(PRIMARY_SUBSTANCE_GROUPS), default="")
    sub = df.assign(substance_group=g)
    sub = sub[sub.substance_group != ""]
    _check_against_pandas(res, _pandas_profile(sub, ["ADMYR", "substance_group"], ["EMPLOY", "NOPRIOR"]),
                          ["ADMYR", "substance_group"])
    assert set(res.substance_group) == set(PRIMARY_SUBSTANCE_GROUPS)


def test_where_filter_and_all_missing_cell():
    df = pd.DataFrame({"ADMYR": [2019, 2019, 2020, 2020], "SUB1": [5, 5, 5, 5], "EMPLOY": [-9, -9, 1, 2]})
    res = admissions_profile(df, by=["ADMYR"], characteristics=["EMPLOY"])
    r19 = res[res.ADMYR == 2019]
    assert len(r19) == 1 and pd.isna(r19.code.iloc[0]) and np.isnan(r19.estimate.iloc[0])
    assert r19.n_missing.iloc[0] == 2 and r19.n_valid.iloc[0] == 0
    res = admissions_profile(df, by=["ADMYR"], characteristics=["EMPLOY"], where="ADMYR >= 2020")
    assert res.ADMYR.tolist() == [2020, 2020] and res.estimate.tolist() == [0.5, 0.5]


def test_bad_input_messages(teds, tmp_path):
    d, df = teds
    with pytest.raises(UnknownVariableError, match=r"no column\(s\) \['EMPLOYMENT'\]"):
        admissions_profile(d / "pq", by=["ADMYR"], characteristics=["EMPLOYMENT"])
    with pytest.raises(DataNotFoundError, match="does not exist"):
        admissions_profile(tmp_path / "nope.parquet")
    with pytest.raises(SchemaError, match="integer codes"):
        admissions_profile(df.assign(EMPLOY=df.EMPLOY.map(lambda x: f"code {x}")), by=["ADMYR"],
                           characteristics=["EMPLOY"])
