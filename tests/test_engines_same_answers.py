"""The same bad and edge inputs through every engine give the same outcome (issue 24).

Engines: the in-memory :class:`SurveyDesign`, DuckDB over a DataFrame / Arrow
table (``from_arrow``), DuckDB over a Parquet file (``from_parquet``), and
Spark (a few cases only: a Spark session is slow; skipped without pyspark /
Java). Each case asserts either the same numbers on every engine or the same
drugtrends error class on every engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq
import pytest

from drugtrends.errors import DesignError, DrugtrendsError, ReliabilityWarning
from drugtrends.survey import SurveyDesign
from drugtrends.survey.relation import from_arrow, from_parquet


def base(n=200, seed=5):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"st": np.repeat(np.arange(10), n // 10), "psu": np.tile([1, 2], n // 2),
                         "w": rng.uniform(1, 3, n), "y": rng.normal(10, 2, n),
                         "b": (rng.random(n) < 0.3).astype(float), "g": rng.integers(1, 3, n)})


def memory(df, **kw):
    return SurveyDesign(df, "w", "st", "psu", **kw)


def arrow(df, **kw):
    return from_arrow(pa.Table.from_pandas(df, preserve_index=False), "w", "st", "psu", **kw)


def parquet(df, tmp_path, **kw):
    p = tmp_path / "d.parquet"
    df.to_parquet(p, index=False)
    return from_parquet(p, "w", "st", "psu", **kw)


def engines(df, tmp_path):
    return {"memory": lambda: memory(df), "arrow": lambda: arrow(df), "parquet": lambda: parquet(df, tmp_path)}


def outcome(df, tmp_path, call):
    """{engine: result frame or the error class} for ``call(design)``."""
    out = {}
    for name, make in engines(df, tmp_path).items():
        try:
            out[name] = call(make())
        except DrugtrendsError as exc:
            out[name] = type(exc)
    return out


def assert_same_numbers(res, cols=("estimate", "se", "n", "df")):
    frames = list(res.values())
    assert all(isinstance(f, pd.DataFrame) for f in frames), res
    for f in frames[1:]:
        for c in cols:
            np.testing.assert_allclose(f[c].to_numpy(float), frames[0][c].to_numpy(float), rtol=1e-10,
                                       err_msg=c)


def test_float_nan_stored_as_a_value_is_missing_on_every_engine(tmp_path):
    df = base()
    df.loc[[3, 50, 77], "y"] = np.nan
    res = outcome(df, tmp_path, lambda d: d.mean(["y", "b"], by="g"))
    assert_same_numbers(res)
    r = res["parquet"]
    ok = df.y.notna()
    want = np.average(df.y[ok & (df.g == 1)], weights=df.w[ok & (df.g == 1)])
    assert r.estimate[0] == pytest.approx(want, rel=1e-12)
    assert r.n.sum() - r[r.variable == "b"].n.sum() == ok.sum()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_bad_weights_refused_alike(tmp_path, bad):
    df = base()
    df.loc[7, "w"] = bad
    res = outcome(df, tmp_path, lambda d: d.mean("y"))
    assert set(res.values()) == {DesignError}, res


def test_missing_by_values_are_reported_not_silently_dropped(tmp_path):
    df = base()
    g = df.g.astype(float)
    g[[1, 2]] = np.nan
    df["g"] = g
    with pytest.warns(UserWarning, match="2 rows"):
        r = memory(df).mean("y", by="g")
    assert r.n.sum() == len(df) - 2


def nan_as_value(df, col, null_rows=()):
    """Arrow table of ``df`` whose float column ``col`` keeps NaN as a value (not a null);
    ``null_rows`` are nulls."""
    t = pa.Table.from_pandas(df, preserve_index=False)
    mask = np.zeros(len(df), bool)
    mask[list(null_rows)] = True
    return t.set_column(t.schema.get_field_index(col), col, pa.array(df[col].to_numpy(float), mask=mask))


@pytest.mark.parametrize("missing", ["none", "nan", "null_and_nan"])
def test_missing_by_values_same_rows_and_warning_on_every_engine(tmp_path, missing):
    """None, a NaN stored as a value, or both (SQL makes them two groups): no row for them, the
    same numbers and the same warning with their count on every engine."""
    df = base()
    g = df.g.astype(object if missing == "none" else float)
    g[[1, 2]] = None if missing == "none" else np.nan
    df["g"] = g
    if missing == "none":
        table = pa.Table.from_pandas(df, preserve_index=False)
    else:
        table = nan_as_value(df, "g", null_rows=[2] if missing == "null_and_nan" else ())
        assert pa.compute.sum(pa.compute.is_nan(table["g"])).as_py() >= 1
    pq.write_table(table, tmp_path / "d.parquet")
    makes = {"memory": lambda: memory(df), "dataframe": lambda: from_arrow(df, "w", "st", "psu"),
             "arrow": lambda: from_arrow(table, "w", "st", "psu"),
             "parquet": lambda: from_parquet(tmp_path / "d.parquet", "w", "st", "psu")}
    res, msgs = {}, {}
    for name, make in makes.items():
        with pytest.warns(ReliabilityWarning) as rec:
            res[name] = make().mean(["y", "b"], by="g")
        msgs[name] = [str(w.message) for w in rec if issubclass(w.category, ReliabilityWarning)]
    assert_same_numbers(res)
    assert msgs["memory"][0].startswith("2 rows") and len(msgs["memory"]) == 1
    assert all(m == msgs["memory"] for m in msgs.values()), msgs
    for r in res.values():
        assert r.g.astype(float).tolist() == [1.0, 1.0, 2.0, 2.0]   # no row for the missing ones


def test_strata_1_and_text_1_are_never_two_strata():
    df = base()
    df["st"] = df.st.astype(object)
    df.loc[df.st == 1, "st"] = "1"
    df.loc[df.index[df.st == "1"][:3], "st"] = 1
    with pytest.raises(DesignError, match="mixes text and numbers"):
        memory(df)


def test_shuffled_index_mask_is_aligned_or_refused():
    df = base()
    des = memory(df)
    shuffled = df.sample(frac=1, random_state=1)
    want = des.subset((df.g == 1).to_numpy()).mean("y")
    got = des.subset(shuffled.g == 1).mean("y")           # same labels, other order: by label
    assert got.estimate[0] == pytest.approx(want.estimate[0], rel=1e-12)
    dup = df.set_axis(np.zeros(len(df), dtype=int))       # non-unique index
    ddes = memory(dup)
    with pytest.raises(DesignError, match="index"):
        ddes.subset(pd.Series((df.g == 1).to_numpy(), index=np.arange(len(df))))


# ----------------------------------------------------------------------- replicate specifications
def rep_frame():
    df = base(40)
    rng = np.random.default_rng(2)
    for r in range(1, 5):
        df[f"w{r}"] = df.w * rng.choice([0.5, 1.5], len(df))
    return df


def test_prefix_matching_the_main_weight_is_not_a_replicate():
    df = rep_frame()
    des = SurveyDesign.replicate(df, "w", "w", method="Fay", rho=0.5)
    assert des.rep_weights == ["w1", "w2", "w3", "w4"]


@pytest.mark.parametrize("rho", [1.5, 1.0, 0.0, -0.2, "x"])
def test_fay_rho_outside_0_1_refused_by_replicate_and_to_replicate(rho):
    df = rep_frame()
    with pytest.raises(DesignError, match="rho"):
        SurveyDesign.replicate(df, "w", ["w1", "w2", "w3", "w4"], method="Fay", rho=rho)
    with pytest.raises(DesignError, match="rho"):
        memory(base()).to_replicate("Fay", rho=rho)


def test_rscales_of_the_wrong_length_and_infinite_replicate_weights_refused():
    df = rep_frame()
    cols = ["w1", "w2", "w3", "w4"]
    with pytest.raises(DesignError, match="rscales has 3 values"):
        SurveyDesign.replicate(df, "w", cols, method="JKn", rscales=[1, 1, 1])
    df.loc[4, "w2"] = np.inf
    with pytest.raises(DesignError, match="'w2' is infinite"):
        SurveyDesign.replicate(df, "w", cols, method="BRR")


def test_replicate_factors_equal_row_level_replicate_weights(monkeypatch):
    """Compact factor storage (issue 27) gives the row-level numbers to 1e-12."""
    from drugtrends.survey import design as design_mod
    df = base(400)
    df.loc[[5, 9], "b"] = np.nan
    rep = memory(df).to_replicate("JKn")
    assert rep.structure.rep_factors is not None and rep.structure.rep_weights is None
    fast = rep.mean(["y", "b"], by="g")
    sub = rep.subset((df.g == 2).to_numpy()).mean(["y", "b"])
    monkeypatch.setattr(design_mod, "factor_table", lambda w, cols: None)
    slow_rep = memory(df).to_replicate("JKn")
    assert slow_rep.structure.rep_weights is not None
    slow = slow_rep.mean(["y", "b"], by="g")
    for c in ("estimate", "se", "df", "n", "deff"):
        np.testing.assert_allclose(fast[c].to_numpy(float), slow[c].to_numpy(float), rtol=1e-12)
    np.testing.assert_allclose(sub.se, slow_rep.subset((df.g == 2).to_numpy()).mean(["y", "b"]).se,
                               rtol=1e-12)
    assert rep.df == slow_rep.df


# ----------------------------------------------------------------------- Spark (few: slow)
def test_spark_same_missing_value_and_weight_semantics(tmp_path):
    from drugtrends.survey.spark import spark_available
    ok, why = spark_available()
    if not ok:
        pytest.skip(why)
    from drugtrends.survey.spark import from_spark, local_session
    spark = local_session(cores=1)
    df = base()
    df.loc[[3, 50], "y"] = np.nan
    p = tmp_path / "s.parquet"
    df.to_parquet(p, index=False)
    got = from_spark(str(p), "w", "st", "psu", spark=spark).mean("y", by="g")
    want = memory(df).mean("y", by="g")
    np.testing.assert_allclose(got.estimate, want.estimate, rtol=1e-10)
    df["g"] = df.g.astype(float)
    df.loc[[1, 2], "g"] = np.nan
    pq.write_table(nan_as_value(df, "g", null_rows=[2]), p)   # a NaN stored as a value and a null
    said = "^2 rows of the design have a missing value in by"
    with pytest.warns(ReliabilityWarning, match=said):
        got = from_spark(str(p), "w", "st", "psu", spark=spark).mean("y", by="g")
    with pytest.warns(ReliabilityWarning, match=said):
        want = memory(df).mean("y", by="g")
    for c in ("g", "estimate", "se", "n"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-10)
    df.loc[7, "w"] = np.nan
    df.to_parquet(p, index=False)
    with pytest.raises(DesignError):
        from_spark(str(p), "w", "st", "psu", spark=spark)


# ----------------------------------------------------------------------- edge results flagged
def test_quantile_of_a_constant_and_q_0_1_are_flagged_not_reliable():
    df = base()
    df["c"] = 7.0
    des = memory(df)
    r = des.quantile("c", q=[0.5])
    assert r.suppressed[0] and "all values equal" in r["flag"][0]
    r = des.quantile("y", q=[0, 0.5, 1])
    assert r.suppressed.tolist() == [True, False, True]
    flags = r["flag"].tolist()
    assert "minimum" in flags[0] and "maximum" in flags[2] and flags[1] == ""
    assert r.ci_low[1] <= r.estimate[1] <= r.ci_high[1]


def test_strata_1_and_text_1_refused_alike_in_duckdb():
    df = base()
    df["st"] = df.st.astype(object)
    df.loc[df.st == 1, "st"] = "1"
    df.loc[df.index[df.st == "1"][:3], "st"] = 1
    with pytest.raises(DesignError, match="mixes text and numbers"):
        from_arrow(df, "w", "st", "psu")
