"""Analysis steps behind the trends report and the fact sheets, on the real mirrored data.

(The profiles and methods steps are tested in tests/test_reports_profiles.py.)

References are independent of the code under test: values read by hand from
the published files (UNODC annex 1.2 row for France, cocaine, 2023: best 2.7,
male 3.9, female 1.6, ages 18-64; 2017: 1.7, 18-64; 2014: 1.1, 15-64) and the
VSRR CSV read directly with pandas.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drugtrends import style  # noqa: E402
from drugtrends_reports import common, factsheet, overdose  # noqa: E402
from drugtrends_reports import trends as T  # noqa: E402

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def sel(data_dir):
    df, msg = common.try_load("unodc_prevalence")
    assert df is not None, msg
    return T.select_prevalence(df)


@pytest.fixture(scope="module")
def vsrr_raw(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "cdc_vsrr" / "VSRR_Provisional_Drug_Overdose_Death_Counts.csv")


@pytest.fixture(scope="module")
def us(data_dir):
    df, msg = common.try_load("cdc_vsrr")
    assert df is not None, msg
    return overdose.vsrr_us_series(df)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ------------------------------------------------------------------ UNODC


def test_france_cocaine_key_figure(sel):
    kf = T.key_figure(sel, "France", "cocaine")
    assert (kf.year, kf.age_group, kf.best, kf.male, kf.female) == (2023, "18-64", 2.7, 3.9, 1.6)
    assert T.key_sentence(kf) == ("In France, past-year cocaine use among 18-64 year olds was 2.7% in 2023 "
                                  "(men 3.9%, women 1.6%).")
    fr = T.key_sentence(kf, "fr")
    assert fr.startswith("En France, l'usage de cocaïne dans l'année parmi les 18-64 ans était de 2,7\u202f%")
    # 2017 ("cocaine salts and crack") and 2023 ("cocaine hydrochloride") are not one series (issue 23): no change
    assert "percentage point" not in T.change_sentence(sel, kf)


def test_france_cocaine_series_and_break(sel):
    fr = sel[(sel["country"] == "France") & (sel["substance"] == "cocaine")]
    assert fr["year"].tolist() == [2005, 2010, 2014, 2017, 2023]
    assert fr["best"].tolist() == pytest.approx([0.6, 0.88, 1.1, 1.7, 2.7])
    assert fr.loc[fr["year"] == 2017, ["low", "high"]].values.tolist() == [[1.6, 1.8]]
    b = T.comparability_breaks(sel)
    frb = b[(b["country"] == "France") & (b["substance"] == "cocaine")]
    assert frb[["year", "x", "old", "new", "code"]].values.tolist()[0] == [2017, 2015.5, "15-64", "18-64", "age_range"]
    assert frb[["year", "x", "code"]].values.tolist()[1] == [2023, 2020.0, "definition"]  # the scope change
    assert frb["reason"].iloc[0] == "age range changed (15-64 to 18-64)"


def test_selection_rules(sel):
    # one row per country, substance and year
    assert not sel.duplicated(["country", "substance", "year"]).any()
    # both UNODC spellings of the Netherlands are mapped to one country
    assert (sel["country"] == "Netherlands").any() and "Netherlands (Kingdom of the)" in set(sel["unodc_country"])
    # France, ecstasy, 2017 is published twice (15-64: 1.0; 18-64: 0.6); the latest comparability group wins
    e = sel[(sel["country"] == "France") & (sel["substance"] == "ecstasy") & (sel["year"] == 2017)]
    assert e[["age_group", "best"]].values.tolist() == [["18-64", 0.6]]
    assert set(sel["country"]) == set(T.COUNTRIES)
    assert set(sel["substance"]) == set(T.SUBSTANCES)
    # only survey prevalence: France's opioid rows are high-risk use estimates and stay out
    assert set(sel["indicator"]) == {"prevalence"} and set(sel["period"]) == {"past_year"}
    assert not ((sel["country"] == "France") & (sel["substance"] == "opioids")).any()


def test_prevalence_figure_and_table(sel):
    fig = T.prevalence_figure(sel, "cocaine", "en")
    vis = [a for a in fig.axes if a.get_visible()]
    assert len(vis) == len(T.COUNTRIES)
    assert style.get_source_note(fig).startswith("Source: UNODC")
    france = [a for a in vis if a.get_title(loc="left") == "France"][0]
    assert [ln.get_xdata()[0] for ln in france.lines if ln.get_gid() == "break"] == [2015.5, 2020.0]
    t = T.latest_table(sel, "cocaine")
    row = t.data[t.data["Country"] == "France"].iloc[0].tolist()
    assert row[:7] == ["France", "2023", "18-64", "2.7", "", "3.9", "1.6"]


# ------------------------------------------------------------------ VSRR


def test_vsrr_us_series_matches_csv(us, data_dir):
    """The US rows come from the 2025 edition (held out: Apr 2025 predicted 76,516; Dec 2019 72,086)."""
    raw = pd.read_csv(data_dir / "cdc_vsrr_2025" / "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv")
    for indicator, sub in overdose.VSRR_CLASSES.items():
        r = raw[raw["Indicator"] == indicator]
        last = r[(r["Year"] == 2025) & (r["Month"] == "April")]
        assert len(last) == 1
        expected = float(str(last["Predicted Value"].iloc[0]).replace(",", ""))
        got = us[(us["substance"] == sub)].sort_values("date").iloc[-1]
        assert got["deaths"] == expected and got["value_used"] == "predicted"
        assert (us["substance"] == sub).sum() == len(r)


def test_vsrr_latest_and_sentence(us):
    la = overdose.vsrr_latest(us).set_index("substance")
    assert la.loc["all_drugs", "last"] == 76516
    s = overdose.vsrr_sentence(overdose.vsrr_latest(us))
    assert "76,516" in s and "April 2025" in s and "January 2015" in s


def test_decimal_year_label():
    assert overdose.decimal_year_label(2015.0) == "2015-01"
    assert overdose.decimal_year_label(2018 + 8 / 12) == "2018-09"


# ------------------------------------------------------------------ missing data, factsheet


def test_missing_dataset_gives_message_not_exception(tmp_path, monkeypatch):
    # TEDS-A is fetch-only: not in the mirror, no network here -> a message with the fetch command
    monkeypatch.setenv("DRUGTRENDS_DATA", str(tmp_path))
    df, msg = common.try_load("teds_a", year=2021)
    assert df is None
    assert "teds_a" in msg and "drugtrends fetch teds_a" in msg
    df, msg = common.try_load("no_such_dataset")
    assert df is None and "no_such_dataset" in msg and "Traceback" not in msg
    assert common.note(msg).data.startswith("::: {.callout-warning}")


def test_fetch_command_maps_load_id_to_manifest_id():
    assert common.fetch_command("unodc_prevalence") == "drugtrends fetch unodc_wdr2025"
    assert common.fetch_command("cdc_vsrr") == "drugtrends fetch cdc_vsrr"


def test_factsheet_substances(data_dir):
    assert factsheet.check_substance(" COCAINE ").unodc == "cocaine"
    with pytest.raises(factsheet.UnknownSubstanceError, match="Valid substances: cocaine, crack, cannabis"):
        factsheet.check_substance("cocain")
    with pytest.raises(ValueError, match="Did you mean 'cocaine'"):
        factsheet.check_substance("cocain")
    uci, msg = common.try_load("uci_drug_consumption")
    assert uci is not None, msg
    pytest.importorskip("drugtrends.survey")
    res = factsheet.uci_profile(uci, factsheet.check_substance("cocaine"))
    # unweighted shares equal plain proportions of CL3+ ("used in last year") by age group
    ref = uci.groupby("Age", observed=True)["Coke_class"].apply(lambda c: (c >= 3).mean())
    got = res.set_index("Age")["estimate"]
    assert got.to_dict() == pytest.approx(ref.to_dict())
    assert got["18-24"] == pytest.approx((uci.loc[uci["Age"] == "18-24", "Coke_class"] >= 3).mean())
