"""Engines of the survey estimator: pandas (numpy grouped pass), DuckDB over pandas,
Arrow, Parquet and DuckDB relations give the same numbers, and the R ones.

References:
* R survey 4.1.1 ``svymean`` / ``svyby(..., svymean, deff=TRUE)`` on NHANES 2009-2012
  (``tests/reference/survey_nhanes.csv``): estimates, CIs and design effects to
  1e-8 relative, SEs to 1e-6, n and df exactly, for every engine;
* ``SurveyDesign.mean(..., by=...)`` (itself checked against R in
  ``test_survey_reference.py``) on synthetic data with missing outcomes,
  continuous outcomes, missing domain keys, zero weights, subsets, FPC and
  lonely PSUs: every engine to 1e-12 relative.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from reference.reference import load_reference, ref_value  # noqa: E402

from drugtrends.errors import DataNotFoundError, DesignError, UnknownVariableError  # noqa: E402
from drugtrends.survey import SurveyDesign  # noqa: E402
from drugtrends.survey import aggregate as agg  # noqa: E402
from drugtrends.survey.grouped import fast_domain_codes  # noqa: E402
from drugtrends.survey.results import BY_SET_COLUMN  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NUM = ["estimate", "se", "ci_low", "ci_high", "cv", "deff", "n_eff", "df"]


# --------------------------------------------------------------------------- synthetic data
def synthetic(n=3000, seed=1, n_strata=12):
    rng = np.random.default_rng(seed)
    st = rng.integers(1, n_strata + 1, n)
    df = pd.DataFrame({
        "st": st,
        "psu": rng.integers(1, 4, n),
        "w": rng.lognormal(3, 0.7, n),
        "yr": rng.choice([2019, 2020, 2021], n),
        "sex": pd.Categorical(rng.choice(["male", "female"], n), ["male", "female"]),
        "age": rng.choice(["12-17", "18-25", "26+"], n).astype(object),
    })
    df.loc[rng.random(n) < 0.03, "age"] = None           # missing domain key
    df.loc[rng.random(n) < 0.02, "w"] = 0.0               # zero weights stay in the design
    risk = 0.05 + 0.3 * (df.st % 3 == 0) + 0.1 * (df.sex == "male")
    for j in range(4):
        df[f"y{j}"] = (rng.random(n) < risk * (j + 1) / 4).astype(np.int8)
    df["ymiss"] = np.where(rng.random(n) < 0.1, np.nan, (rng.random(n) < risk).astype(float))
    df["x"] = rng.gamma(2.0, 3.0, n) + 2 * (df.st % 2)    # continuous
    df.loc[rng.random(n) < 0.05, "x"] = np.nan
    return df


OUTCOMES = ["y0", "y1", "y2", "y3", "ymiss", "x"]
SETS = [(), ("yr",), ("yr", "sex"), ("age",), ("yr", "age")]


def _norm(x) -> str:
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return repr(float(x))
    return str(x)


def assert_same(got: pd.DataFrame, want: pd.DataFrame, keys, rtol=1e-12):
    """Same rows (matched on keys + variable), numbers to rtol, counts and flags exactly."""
    g = got.reset_index(drop=True)
    w = want.reset_index(drop=True)
    assert len(g) == len(w), (len(g), len(w))
    on = [*keys, "variable"]
    gk = g[on].map(_norm).agg("|".join, axis=1)
    wk = w[on].map(_norm).agg("|".join, axis=1)
    g = g.set_index(gk).loc[wk.to_numpy()].reset_index(drop=True)
    for c in NUM:
        a, b = g[c].to_numpy(float), w[c].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=c)
        ok = ~np.isnan(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=1e-300, err_msg=c)
    assert (g["n"].to_numpy() == w["n"].to_numpy()).all()
    assert (g["suppressed"].to_numpy() == w["suppressed"].to_numpy()).all()
    assert (g["flag"].to_numpy() == w["flag"].to_numpy()).all()


@pytest.fixture(scope="module")
def syn():
    return synthetic()


@pytest.fixture(scope="module")
def syn_parquet(syn, tmp_path_factory):
    p = tmp_path_factory.mktemp("pq") / "syn.parquet"
    syn.to_parquet(p, row_group_size=500)
    return p


# --------------------------------------------------------------------------- building blocks
def _groupby_domain_codes(data, by, mask):
    """Reference: domain codes by ``pandas.groupby`` (sorted, missing -> -1, rows outside ``mask`` -> -1)."""
    grouped = data.loc[mask, by].groupby(by, sort=True, dropna=True, observed=True)
    g = grouped.ngroup().to_numpy(dtype=float, na_value=np.nan)
    codes = np.full(len(data), -1, dtype=np.int64)
    ok = ~np.isnan(g)
    codes[np.flatnonzero(mask)[ok]] = g[ok].astype(np.int64)
    return codes, grouped.size().index.to_frame(index=False)[by]


def test_fast_domain_codes_equals_domain_codes(syn):
    mask = syn.yr.to_numpy() != 2020
    for by in (["yr"], ["yr", "sex"], ["age"], ["sex", "age", "yr"]):
        c1, k1 = _groupby_domain_codes(syn, by, mask)
        c2, k2 = fast_domain_codes(syn, by, mask)
        np.testing.assert_array_equal(c1, c2)
        pd.testing.assert_frame_equal(k1.reset_index(drop=True), k2.reset_index(drop=True),
                                      check_dtype=False, check_categorical=False)


def test_grouped_psu_totals_equals_bincount():
    rng = np.random.default_rng(5)
    n, U = 500, 23
    psu = rng.integers(0, U, n)
    w = rng.random(n)
    X = rng.normal(size=(n, 3))
    sets = [(rng.integers(-1, 4, n), 4), (np.zeros(n, dtype=np.int64), 1)]
    res = agg.grouped_psu_totals(lambda r: X[r], w, psu, U, sets, max_block=64)
    for (codes, D), (T, _) in zip(sets, res):
        np.testing.assert_allclose(T, agg.psu_totals(X * w[:, None], codes, D, psu, U), rtol=1e-12,
                                   atol=1e-14)


# --------------------------------------------------------------------------- engines vs mean()
@pytest.mark.parametrize("engine", ["numpy", "duckdb"])
def test_grid_equals_mean_pandas(syn, engine):
    des = SurveyDesign(syn, weight="w", strata="st", psu="psu")
    g = des.grid(OUTCOMES, SETS, engine=engine)
    assert list(g.columns[:4]) == [BY_SET_COLUMN, "yr", "sex", "age"]
    for s in SETS:
        want = des.mean(OUTCOMES, by=list(s) or None)
        got = g[g[BY_SET_COLUMN] == "+".join(s)]
        assert_same(got, want, list(s))
        # same row order as mean()
        assert got.variable.tolist() == want.variable.tolist()


@pytest.mark.parametrize("engine", ["numpy", "duckdb"])
def test_grid_total_subset_df_design(syn, engine):
    des = SurveyDesign(syn, weight="w", strata="st", psu="psu").subset("yr != 2021")
    g = des.grid(OUTCOMES, [(), ("sex",)], kind="total", engine=engine)
    for s in [(), ("sex",)]:
        assert_same(g[g[BY_SET_COLUMN] == "+".join(s)], des.total(OUTCOMES, by=list(s) or None), list(s))
    g = des.grid(["y0", "ymiss"], [("age",)], df="design", ci="logit", engine=engine)
    assert_same(g, des.mean(["y0", "ymiss"], by="age", df="design", ci="logit"), ["age"])


@pytest.mark.parametrize("rule", ["adjust", "average", "remove"])
def test_grid_lonely_psu_and_fpc(rule):
    df = synthetic(800, seed=7)
    df.loc[df.st == 3, "psu"] = 1                          # stratum 3: one PSU
    df["fpc"] = 40
    for kw in ({}, {"fpc": "fpc"}):
        des = SurveyDesign(df, weight="w", strata="st", psu="psu", lonely_psu=rule, **kw)
        for engine in ("numpy", "duckdb"):
            g = des.grid(OUTCOMES, [(), ("yr", "sex")], engine=engine)
            for s in [(), ("yr", "sex")]:
                assert_same(g[g[BY_SET_COLUMN] == "+".join(s)], des.mean(OUTCOMES, by=list(s) or None),
                            list(s))
        rel = SurveyDesign.from_arrow(df, weight="w", strata="st", psu="psu", lonely_psu=rule, **kw)
        assert_same(rel.grid(OUTCOMES, [("yr", "sex")]).drop(columns=[BY_SET_COLUMN]),
                    des.mean(OUTCOMES, by=["yr", "sex"]), ["yr", "sex"])


def test_grid_tiny_psus_use_bincount_path():
    df = synthetic(400, seed=9)
    des = SurveyDesign(df, weight="w", strata="st")       # each row its own PSU
    g = des.grid(["y0", "ymiss", "x"], [(), ("sex",)])
    assert_same(g[g[BY_SET_COLUMN] == "sex"], des.mean(["y0", "ymiss", "x"], by="sex"), ["sex"])


def _relations(syn, syn_parquet):
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    rel = con.read_parquet(str(syn_parquet))
    return {
        "arrow": SurveyDesign.from_arrow(pa.Table.from_pandas(syn, preserve_index=False), "w", "st", "psu"),
        "parquet": SurveyDesign.from_parquet(syn_parquet, "w", "st", "psu"),
        "parquet_dir": SurveyDesign.from_parquet(syn_parquet.parent, "w", "st", "psu"),
        "duckdb": SurveyDesign.from_duckdb(rel, "w", "st", "psu", connection=con),
    }


def test_relation_designs_equal_pandas(syn, syn_parquet):
    des = SurveyDesign(syn, weight="w", strata="st", psu="psu")
    for name, rd in _relations(syn, syn_parquet).items():
        assert rd.df == des.df and rd.n == len(syn) and rd.structure.n_psu == des.structure.n_psu, name
        g = rd.grid(OUTCOMES, SETS)
        for s in SETS:
            got = g[g[BY_SET_COLUMN] == "+".join(s)].copy()
            want = des.mean(OUTCOMES, by=list(s) or None)
            assert_same(got, want, list(s))
        assert_same(rd.total(["y1", "x"], by="yr"), des.total(["y1", "x"], by="yr"), ["yr"])
        assert_same(rd.mean("ymiss", by=["sex"], ci="beta"), des.mean("ymiss", by="sex", ci="beta"), ["sex"])


def test_relation_design_errors(syn, tmp_path):
    p = tmp_path / "bad.parquet"
    bad = syn.copy()
    bad.loc[5, "w"] = -1.0
    bad.to_parquet(p)
    with pytest.raises(DesignError, match="negative"):
        SurveyDesign.from_parquet(p, "w", "st", "psu")
    with pytest.raises(DataNotFoundError, match="does not exist"):
        SurveyDesign.from_parquet(tmp_path / "nope.parquet", "w", "st", "psu")
    with pytest.raises(UnknownVariableError, match="wt"):
        SurveyDesign.from_arrow(syn, "wt", "st", "psu")
    with pytest.raises(DesignError, match="psu"):
        SurveyDesign.from_arrow(syn, "w", "st")
    rd = SurveyDesign.from_arrow(syn, "w", "st", "psu")
    with pytest.raises(UnknownVariableError, match="nosuch"):
        rd.mean("nosuch")
    with pytest.raises(UnknownVariableError, match="region"):
        rd.grid("y0", [("region",)])
    with pytest.raises(DesignError, match="to_pandas"):
        rd.quantile("x")
    assert_same(rd.to_pandas(["x", "sex"]).mean("x", by="sex"),
                SurveyDesign(syn, weight="w", strata="st", psu="psu").mean("x", by="sex"), ["sex"])
    one = syn.copy()
    one.loc[one.st == 2, "psu"] = 1
    with pytest.raises(DesignError, match="only one PSU"):
        SurveyDesign.from_arrow(one, "w", "st", "psu")


# --------------------------------------------------------------------------- R references (NHANES)
def _find(rel_data: str, rel_mirror: str) -> Path:
    import os
    cands = []
    if os.environ.get("DRUGTRENDS_DATA"):
        cands.append(Path(os.environ["DRUGTRENDS_DATA"]) / rel_data)
    cands += [ROOT / "data" / "raw" / rel_data, ROOT.parent / "shared" / "data" / rel_mirror]
    for c in cands:
        if c.is_file():
            return c
    pytest.skip(f"data file missing, tried {cands}")


@pytest.fixture(scope="module")
def nh():
    d = pd.read_csv(_find("nhanes_2009_2012/NHANESraw.csv", "nhanes_2009_2012/NHANESraw.csv"),
                    low_memory=False)

    def yn(s):
        return s.map({"Yes": 1.0, "No": 0.0}).astype(float)

    d["wt"] = d.WTINT2YR / 2
    d["mj"], d["regmj"], d["hd"] = yn(d.Marijuana), yn(d.RegularMarij), yn(d.HardDrugs)
    d["age_band"] = pd.cut(d.Age, [18, 30, 40, 50, 60], right=False,
                           labels=["18-29", "30-39", "40-49", "50-59"]).astype(object)
    d["sex"] = d["Gender"]  # the package's one sex column is `sex`; R's reference names it Gender (issue 25)
    return d[["wt", "SDMVSTRA", "SDMVPSU", "SurveyYr", "sex", "age_band", "mj", "regmj", "hd"]]


#: Our column -> R's name for it in tests/reference (R reads NHANESraw.csv itself).
R_NAMES = {"sex": "Gender"}
R_SETS = {"mean_overall": (), "mean_by_cycle_sex": ("SurveyYr", "sex"),
          "mean_by_age_band": ("age_band",), "mean_by_cycle": ("SurveyYr",)}


def _check_r(g: pd.DataFrame, ref):
    checked = 0
    for analysis, s in R_SETS.items():
        rows = g[g[BY_SET_COLUMN] == "+".join(s)]
        assert len(rows) == 3 * (len(rows[list(s)].drop_duplicates()) if s else 1)
        for _, row in rows.iterrows():
            dom = "&".join(f"{R_NAMES.get(b, b)}={row[b]}" for b in s)  # keyed, as R names the columns
            for st in ("estimate", "deff", "ci_low", "ci_high"):
                want = ref_value(ref, analysis, st, row.variable, dom)
                assert row[st] == pytest.approx(want, rel=1e-8), (analysis, dom, st)
            assert row.se == pytest.approx(ref_value(ref, analysis, "se", row.variable, dom), rel=1e-6)
            assert row.n == ref_value(ref, analysis, "n", row.variable, dom)
            checked += 1
    assert checked == 3 * (1 + 4 + 4 + 2)


@pytest.mark.realdata
def test_nhanes_all_engines_match_r(nh, tmp_path):
    import duckdb

    ref = load_reference("survey_nhanes")
    sets = list(R_SETS.values())
    des = SurveyDesign(nh, weight="wt", strata="SDMVSTRA", psu="SDMVPSU")
    path = tmp_path / "nh.parquet"
    nh.to_parquet(path)
    con = duckdb.connect()
    engines = {
        "numpy": des.grid(["mj", "regmj", "hd"], sets, df="design"),
        "duckdb-over-pandas": des.grid(["mj", "regmj", "hd"], sets, df="design", engine="duckdb"),
        "arrow": SurveyDesign.from_arrow(nh, "wt", "SDMVSTRA", "SDMVPSU").grid(
            ["mj", "regmj", "hd"], sets, df="design"),
        "parquet": SurveyDesign.from_parquet(path, "wt", "SDMVSTRA", "SDMVPSU").grid(
            ["mj", "regmj", "hd"], sets, df="design"),
        "duckdb": SurveyDesign.from_duckdb(con.read_parquet(str(path)), "wt", "SDMVSTRA", "SDMVPSU",
                                           connection=con).grid(["mj", "regmj", "hd"], sets, df="design"),
    }
    for g in engines.values():
        _check_r(g, ref)
    base = engines["numpy"]
    for g in engines.values():
        for s in sets:
            assert_same(g[g[BY_SET_COLUMN] == "+".join(s)], base[base[BY_SET_COLUMN] == "+".join(s)],
                        list(s))
