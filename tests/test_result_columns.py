"""No result column hides behind a pandas attribute (issue 25, guardrails).

A student types ``r.flags`` and pandas answers with its own ``DataFrame.flags``
(``<Flags(allows_duplicate_labels=True)>``), not the column: the column is
``flag`` in every tidy frame the package returns. This file collects the frames
of the main public producers (survey estimates, contrasts, tests, GLMs,
profiles, the tables package, rate trends, capture-recapture, the readers of
the French offences and of wastewater) and checks

* the reliability column is ``flag`` where it was ``flags``, and ``flags`` is gone;
* no column is named like an attribute of :class:`pandas.DataFrame`
  (``hasattr(pd.DataFrame, name)``), every offender listed in the message,
  but the pairs of :data:`KNOWN` (each with its reason);

and that the checker fails on a toy frame with a ``flags`` column.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import drugtrends as dt
from drugtrends import series, tables
from drugtrends.profiles.summary import regression_frame, summary_frame
from drugtrends.readers import ssmsi
from drugtrends.readers import wastewater as ww
from drugtrends.survey import ESTIMATE_COLUMNS, SurveyDesign

#: (frame, column) pairs knowingly named like a DataFrame attribute; a new entry needs its reason here.
KNOWN: set[tuple[str, str]] = {
    # A display table's headers are the profile's group values, and profile_table's whole-population
    # column is the value "all" (include_all=True): a table to look at, not a frame read as t.data.<name>.
    ("tables.profile_table_gt.data", "all"),
    # Outside issue 25's rename (reported, not renamed): rate_trend's fitted table repeats the counts under the
    # name of its count= argument (df.count is DataFrame.count); capture_recapture's model table has a boolean
    # "sparse" beside "boundary" and "identifiable" (df.sparse is pandas' sparse accessor). Read them with [].
    ("rate_trend.fitted", "count"),
    ("capture_recapture", "sparse"),
}


def attribute_columns(frames: dict[str, pd.DataFrame], known: set[tuple[str, str]] = frozenset()
                      ) -> list[str]:
    """``"frame: column"`` for every column named like a ``pandas.DataFrame`` attribute (``df.<name>`` is not it)."""
    return [f"{name}: {col!r} (df.{col} is {type(getattr(pd.DataFrame, col)).__name__})"
            for name, fr in frames.items() for col in fr.columns
            if isinstance(col, str) and hasattr(pd.DataFrame, col) and (name, col) not in known]


# --------------------------------------------------------------------------- the frames


@pytest.fixture(scope="module")
def design() -> SurveyDesign:
    rng = np.random.default_rng(25)
    n = 160
    df = pd.DataFrame({
        "st": np.repeat([1, 2, 3, 4], n // 4),
        "psu": np.tile(np.repeat([1, 2, 3, 4], n // 16), 4),
        "w": rng.uniform(0.5, 3.0, n),
        "y": rng.integers(0, 2, n),
        "x": rng.normal(10, 2, n),
        "z": rng.uniform(1, 2, n),
        "sex": rng.choice(["f", "m"], n),
        "age": rng.choice(["18-25", "26-34", "35+"], n),
        "year": np.tile([2019, 2021], n // 2),
    })
    return SurveyDesign(df, weight="w", psu="psu", strata="st", nest=True)


def _ssmsi_file(tmp_path) -> object:
    recs = [{"codeDepartement": "48", "codeRegion": "76", "annee": year, "indicateur": ind,
             "uniteDeCompte": "Mis en cause", "nombre": n, "tauxPourMille": n / 76.0, "inseePop": 76000}
            for year in (2019, 2021)
            for ind, n in (("Usage de stupéfiants", 12), ("Usage de stupéfiants (AFD)", 0 if year < 2020 else 4),
                           ("Usage de stupéfiants (hors AFD)", 12 if year < 2020 else 8),
                           ("Trafic de stupéfiants", 5))]
    p = tmp_path / "delinquance.json"
    p.write_text(json.dumps({"meta": {}, "records": recs}), encoding="utf-8")
    return p


def _wastewater_files(tmp_path) -> tuple[object, object]:
    head = ('"Year","Metabolite","Site ID","Country","City","Wednesday","Thursday","Friday","Saturday","Sunday",'
            '"Monday","Tuesday","Weekday mean","Weekend mean","Daily mean"')
    rows = ['2011,"cocaine","FR005","FR","Paris Seine Centre",1,2,3,4,5,6,7,3.5,4.5,4',
            '2012,"cocaine","FR005","FR","Paris Seine Centre",1,2,3,4,,,,2,3,2.5']
    shead = '"SiteID","Country","City","Location","Latitude","Longitude","Population","Institution","Website"'
    srow = '"FR005","FR","Paris Seine Centre","Seine Centre","48.9","2.2",240000,"Lab","N/A"'
    (tmp_path / "d.csv").write_text(head + "\n" + "\n".join(rows) + "\n")
    (tmp_path / "s.csv").write_text(shead + "\n" + srow + "\n")
    return tmp_path / "d.csv", tmp_path / "s.csv"


@pytest.fixture(scope="module")
def frames(design, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Frame name -> frame, from every main public producer."""
    tmp = tmp_path_factory.mktemp("readers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # reliability warnings of small domains are not the point here
        out = {
            "mean(by)": design.mean(["y", "x"], by="sex"),
            "mean(categorical)": design.mean("age"),
            "proportion": design.proportion("y", by="age"),
            "total": design.total("y", by="sex"),
            "ratio": design.ratio("x", "z", by="sex"),
            "quantile": design.quantile("x", [0.25, 0.5], by="sex"),
            "grid": design.grid("y", [[], ["sex"]]),
            "difference": design.difference("y", "year"),
            "difference(pairs)": design.difference("y", "age", levels="pairs"),
            "contrast": design.contrast("y", "sex", {"m": 1, "f": -1}),
            "independent_difference": dt.survey.independent_difference(design.mean("y"), design.mean("y")),
            "chisq.to_frame()": design.chisq("y", "sex").to_frame(),
        }
        fit = design.glm("y ~ sex + x", family="binomial")
        out["glm.to_frame()"] = fit.to_frame()
        out["glm.coef"] = fit.coef
        prof = dt.profiles.profile_table(design, "y", ["sex", "age"])
        out["profile_table"] = prof
        out["profile_shift"] = dt.profiles.profile_shift(design, "y", ["sex"], "year")
        out["profiles.summary_frame"] = summary_frame(design, ["sex", "age", "x"], by="y")
        out["profiles.regression_frame"] = regression_frame(fit)
        est = design.mean("y", by="sex")
        out["tables.estimate_table.data"] = tables.estimate_table(est, "sex", source="test").data
        out["tables.summary_display"] = tables.summary_display(out["profiles.summary_frame"])
        out["tables.regression_display"] = tables.regression_display(regression_frame(fit))
        out["tables.profile_table_gt.data"] = tables.profile_table_gt(
            prof, columns="group_value", variable="characteristic", source="test").data
        rates = pd.DataFrame({"year": range(2015, 2021), "deaths": [50, 55, 61, 60, 70, 74], "pop": 1e6})
        rt = dt.trends.rate_trend(rates, "year", "deaths", "pop")
        out["rate_trend.table"], out["rate_trend.fitted"] = rt.table, rt.fitted
        hist = pd.DataFrame([(1, 1), (1, 0), (0, 1)], columns=["A", "B"]).assign(n=[20, 80, 60])
        out["capture_recapture"] = dt.indirect.capture_recapture(hist, ["A", "B"])
    out["read_drug_offences"] = ssmsi.read_drug_offences(_ssmsi_file(tmp))
    out["read_wastewater"] = ww.read_wastewater(*_wastewater_files(tmp))
    return out


#: Frames that carry the reliability / data-quality column (``flags`` before issue 25).
WITH_FLAG = ["mean(by)", "mean(categorical)", "proportion", "total", "ratio", "quantile", "grid", "difference",
             "difference(pairs)", "glm.coef", "profile_table", "profile_shift",
             "profiles.summary_frame", "profiles.regression_frame", "read_drug_offences", "read_wastewater"]


# --------------------------------------------------------------------------- the checks


def test_the_reliability_column_is_flag(frames):
    missing = [n for n in WITH_FLAG if "flag" not in frames[n].columns]
    left = [n for n, fr in frames.items() if "flags" in fr.columns]
    assert not missing and not left, f"no 'flag' column: {missing}; a 'flags' column still: {left}"
    assert ESTIMATE_COLUMNS[-1] == "flag" and "flags" not in ESTIMATE_COLUMNS
    assert list(ssmsi.COLUMNS).count("flag") == 1 and list(ww.COLUMNS).count("flag") == 1


def test_french_offences_count_is_n_implicated(frames):
    """``count`` was the column of persons implicated, but ``off.count`` is ``DataFrame.count``."""
    off = frames["read_drug_offences"]
    assert "count" not in off.columns and "count" not in ssmsi.COLUMNS
    assert off.n_implicated.dtype == "Int64" and off.loc[off.offence == "trafficking", "n_implicated"].tolist() == [5, 5]


def test_r_dot_flag_is_the_column(frames):
    r = frames["mean(by)"]
    pd.testing.assert_series_equal(r.flag, r["flag"])
    assert not isinstance(r.flags, pd.Series)   # pandas' own attribute, never a column of ours


def test_no_column_is_named_like_a_dataframe_attribute(frames):
    bad = attribute_columns(frames, KNOWN)
    assert not bad, "columns named like a pandas.DataFrame attribute (r.<name> is not the column):\n" + \
        "\n".join(bad)


def test_known_collisions_are_still_collisions(frames):
    """An entry of KNOWN that no longer collides is stale: remove it."""
    stale = [k for k in KNOWN if k[0] not in frames or k[1] not in frames[k[0]].columns]
    assert not stale, f"stale KNOWN entries: {stale}"


def test_the_checker_can_fail():
    toy = {"toy": pd.DataFrame({"estimate": [0.1], "flags": [""], "count": [3], "size": [1], "flag": [""]})}
    bad = attribute_columns(toy)
    assert [b.split(":")[1].strip().split()[0] for b in bad] == ["'flags'", "'count'", "'size'"]
    assert "df.flags is" in bad[0]
    assert attribute_columns(toy, {("toy", "flags"), ("toy", "count"), ("toy", "size")}) == []
    with pytest.raises(AssertionError, match="'flags'"):
        test_no_column_is_named_like_a_dataframe_attribute(toy)


# --------------------------------------------------------------------------- the former names


def test_former_names_warn():
    with pytest.warns(FutureWarning, match="FLAG"):
        assert tables.FLAGS == "flag"
    d = pd.DataFrame({"level": ["a", "b"], "estimate": [0.2, 0.3], "ci_low": [0.1, 0.2], "ci_high": [0.3, 0.4],
                      "n": [100, 10], "suppressed": [False, True], "reason": ["", "n_eff < 30"]})
    with pytest.warns(FutureWarning, match=r"flags= is renamed flag= \(since 0\.4"):
        old = tables.estimate_table(d, "level", source="s", flags="reason")
    assert old.as_markdown() == tables.estimate_table(d, "level", source="s", flag="reason").as_markdown()
    c = series.change(pd.DataFrame({"year": [2017, 2023], "estimate": [1.6, 2.7], "ci_low": [1.4, 2.4],
                                    "ci_high": [1.8, 3.0]}))
    assert c.flag == ("se_from_ci",)
    with pytest.warns(FutureWarning, match="Change.flag"):
        assert c.flags == c.flag
