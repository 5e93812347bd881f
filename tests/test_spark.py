"""The survey estimator on Apache Spark (local mode) gives the pandas / DuckDB numbers
and R's.

Skipped when pyspark or Java is missing: ``pip install "drugtrends[spark]"`` and a
Java 17+ runtime. References as in ``test_backends.py``: ``SurveyDesign.mean`` on
synthetic data with missing outcomes and keys (1e-11 relative: Spark adds in
another order), R survey 4.1.1 on NHANES 2009-2012 (1e-8 / 1e-6).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from drugtrends.survey.spark import spark_available  # noqa: E402

_OK, _WHY = spark_available()
pytestmark = pytest.mark.skipif(not _OK, reason=_WHY)

from reference.reference import load_reference  # noqa: E402
from test_backends import OUTCOMES, R_SETS, SETS, _check_r, assert_same, nh, synthetic  # noqa: E402,F401

from drugtrends.errors import DesignError, UnknownVariableError  # noqa: E402
from drugtrends.survey import SurveyDesign  # noqa: E402
from drugtrends.survey.results import BY_SET_COLUMN  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    import logging

    from drugtrends.survey.spark import local_session
    logging.getLogger("py4j").setLevel(logging.ERROR)
    s = local_session(cores=2)
    s.sparkContext.setLogLevel("ERROR")
    yield s


def test_spark_grid_equals_pandas(spark, tmp_path):
    from drugtrends.survey.spark import from_spark

    df = synthetic(2000, seed=4)
    des = SurveyDesign(df, weight="w", strata="st", psu="psu")
    path = tmp_path / "syn.parquet"
    df.to_parquet(path)
    for data in (df, str(path), spark.read.parquet(str(path))):
        sd = from_spark(data, "w", "st", "psu", spark=spark)
        assert sd.df == des.df and sd.structure.n_psu == des.structure.n_psu
        g = sd.grid(OUTCOMES, SETS)
        for s in SETS:
            assert_same(g[g[BY_SET_COLUMN] == "+".join(s)], des.mean(OUTCOMES, by=list(s) or None),
                        list(s), rtol=1e-11)
    assert_same(sd.total(["y0", "x"], by="sex"), des.total(["y0", "x"], by="sex"), ["sex"], rtol=1e-11)
    with pytest.raises(UnknownVariableError):
        sd.mean("nosuch")
    with pytest.raises(DesignError, match="to_pandas"):
        sd.glm("y0 ~ x")
    # categorical proportions and ratios also run in Spark (issue 15)
    assert_same(sd.proportion("age", by="yr"), des.proportion("age", by="yr"), ["yr", "level"], rtol=1e-11)
    assert_same(sd.ratio("x", "w", by="sex"), des.ratio("x", "w", by="sex"), ["sex"], rtol=1e-11)


@pytest.mark.realdata
def test_spark_nhanes_matches_r(spark, nh):  # noqa: F811
    from drugtrends.survey.spark import from_spark

    g = from_spark(nh, "wt", "SDMVSTRA", "SDMVPSU", spark=spark).grid(
        ["mj", "regmj", "hd"], list(R_SETS.values()), df="design")
    _check_r(g, load_reference("survey_nhanes"))
