"""Natural mistakes with keywords and column names (issue 25): a drugtrends error that says the fix.

A student types the keyword another tool uses (``alpha=`` from statsmodels,
``weights=``, ``groupby=``), misspells one (``levl=``), or asks for a column
under the name another dataset used (``Gender`` where the package spells the
one sex column ``sex``). Each gives an InputError / UnknownVariableError (a
``ValueError``, never Python's bare ``TypeError``) naming the right spelling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drugtrends.errors import InputError, UnknownVariableError
from drugtrends.survey import SurveyDesign
from drugtrends.survey.design import GUARDED_METHODS


@pytest.fixture(scope="module")
def des():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"psu": np.arange(40) % 8, "st": np.arange(40) % 4, "w": rng.uniform(1, 2, 40),
                       "y": rng.integers(0, 2, 40), "sex": rng.choice(["female", "male"], 40),
                       "year": 2020 + np.arange(40) % 2})
    return SurveyDesign(df, weight="w", strata="st", psu="psu", nest=True)


@pytest.mark.parametrize("kwargs, says", [
    ({"alpha": 0.05}, "level=0.95 where alpha=0.05"),
    ({"conf_level": 0.9}, "is level="),
    ({"groupby": "sex"}, "groupby= is by="),
    ({"levl": 0.9}, "probably level="),
    ({"na_rm": True}, "na.rm = TRUE"),
])
def test_unknown_keyword_names_the_right_one(des, kwargs, says):
    with pytest.raises(InputError, match="des.mean") as e:
        des.mean("y", **kwargs)
    assert says in str(e.value) and "Call it as des.mean(variables, by=None" in str(e.value)
    assert isinstance(e.value.__cause__, TypeError)


def test_forgotten_argument_is_an_input_error(des):
    with pytest.raises(InputError, match="missing a required argument: 'variables'"):
        des.mean()
    with pytest.raises(InputError, match="weights= is weight="):
        SurveyDesign(pd.DataFrame({"w": [1.0]}), weights="w")


@pytest.mark.parametrize("name", GUARDED_METHODS)
def test_every_guarded_method_refuses_an_unknown_keyword(des, name):
    with pytest.raises(InputError, match=f"des.{name}\\(\\): (got an unexpected keyword argument 'bogus_kw'|missing)"):
        getattr(des, name)(bogus_kw=1)


@pytest.mark.parametrize("call", [
    lambda d: d.difference("y", between="sex", bogus_kw=1),
    lambda d: d.contrast("y", by="sex", coef={"female": 1, "male": -1}, bogus_kw=1),
    lambda d: d.mean("y", by="sex", bogus_kw=1),
])
def test_unknown_keyword_reaches_an_input_error_through_kw(des, call):
    with pytest.raises(InputError, match="unexpected keyword argument 'bogus_kw'"):
        call(des)


@pytest.mark.parametrize("typed, want", [("Gender", "'sex'"), ("Sex", "'sex'"), ("annee", "'year'"),
                                         ("yaer", "'year'")])
def test_column_synonyms_and_case_suggested(des, typed, want):
    with pytest.raises(UnknownVariableError, match="Did you mean") as e:
        des.mean("y", by=typed)
    assert want in str(e.value)


def test_hints_do_not_invent(des):
    with pytest.raises(UnknownVariableError) as e:
        des.mean("y", by="zzzz")
    assert "Did you mean" not in str(e.value)
    with pytest.raises(InputError) as e:
        des.mean("y", qqqqq=1)
    assert "probably" not in str(e.value)


def test_same_hints_on_the_duckdb_arrow_engine(des):
    """The same bad input gets the same answer in memory and on DuckDB over Arrow."""
    import pyarrow as pa

    from drugtrends.survey.relation import from_arrow

    rel = from_arrow(pa.Table.from_pandas(des.data), "w", "st", "psu")
    for d in (des, rel):
        with pytest.raises(InputError, match="alpha= is level"):
            d.mean("y", alpha=0.05)
        with pytest.raises(UnknownVariableError, match="Did you mean: 'sex'"):
            d.mean("y", by="Gender")
