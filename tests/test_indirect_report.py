"""The trends report's high-risk-use section (drugtrends_reports.high_risk, issue 18).

Checked against the raw UNODC annex file read with plain pandas (not the
drugtrends reader): the French rows of table 1.2 estimated by indirect
methods (method ``I``), as percentages, become rates per 1,000 (x 10). The
worked example is checked against hand computations.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from drugtrends_reports import high_risk as hr


def _text(items) -> str:
    return "\n".join(i if isinstance(i, str) else i.as_markdown() for i in items)


@pytest.fixture(scope="module")
def prev(data_dir):
    import drugtrends as dt

    return dt.load("unodc_prevalence")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_missing_data_is_one_sentence_and_the_example_still_shows(lang):
    items = hr.section(None, lang)
    assert items[0].startswith("## ") and items[0].count("\n") == 0
    txt = _text(items)
    assert "unodc_prevalence" in txt and "drugtrends fetch" in txt
    assert "Traceback" not in txt and "/" not in items[2].replace("drugtrends fetch", "")
    assert ("Illustration" in txt) and txt.count("###") == 1


def test_illustration_numbers():
    cr = hr.illustration_capture_recapture()
    best = cr.iloc[0]
    assert best["model"] == "treatment:harm_reduction"
    assert best["n_observed"] == hr.ILLUSTRATION_HISTORIES["n"].sum() == 2675
    assert best["ci_low"] < 5000 < best["ci_high"]  # the population the illustration was drawn from
    indep = cr.set_index("model").loc["independence"]
    assert indep["N"] < best["N"] and indep["ci_high"] < 5000  # independence underestimates, as the text says
    # closed form of the T:H model: police independent of (T, H), so n(000) = n(001) * n(..0 with T or H) / ...
    h = hr.ILLUSTRATION_HISTORIES
    p1 = h[(h.police == 1) & ((h.treatment == 1) | (h.harm_reduction == 1))]["n"].sum()
    p0 = h[(h.police == 0)]["n"].sum()
    n001 = h[(h.treatment == 0) & (h.harm_reduction == 0) & (h.police == 1)]["n"].sum()
    assert best["n_unobserved"] == pytest.approx(n001 * p0 / p1, rel=1e-9)
    m = hr.illustration_multiplier().iloc[0]
    assert (m["N"], m["ci_low"], m["ci_high"]) == pytest.approx((48_000, 40_000, 60_000))
    assert (m["per_1000"], m["per_1000_ci_low"], m["per_1000_ci_high"]) == pytest.approx((1.2, 1.0, 1.5))


@pytest.mark.realdata
def test_france_rows_match_the_raw_annex(prev, data_dir):
    rows = hr.france_high_risk(prev)
    xlsx = data_dir / "unodc_wdr2025" / "1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx"
    expected = {}
    for sheet, sub in (("Opioids", "opioids"), ("Opiates", "opiates")):
        raw = pd.read_excel(xlsx, sheet_name=sheet, header=2)
        fr = raw[(raw["Country/Territory"] == "France") & (raw["Method"] == "I")]
        expected |= {(sub, int(y)): 10 * float(b) for y, b in zip(fr["Year"], fr["Best"])}
    assert len(expected) == 8
    got = {(s, int(y)): v for s, y, v in zip(rows["substance"], rows["year"], rows["per_1000"])}
    assert got == pytest.approx(expected)
    # never a survey prevalence: the French heroin household-survey rows (HHS 2017, 2023) are absent
    assert not ((rows["substance"] == "opiates") & rows["year"].isin([2017, 2023])).any()
    assert rows.loc[rows["year"] == 2020, "period"].tolist() == ["past_month"]  # "Last 30 days"
    r2019 = rows[(rows["substance"] == "opioids") & (rows["year"] == 2019)].iloc[0]
    assert (r2019["per_1000_low"], r2019["per_1000_high"]) == pytest.approx((4.94, 5.17))


@pytest.mark.realdata
@pytest.mark.parametrize("lang,rate,prev_rate,rng", [("en", "5.1", "4.8", "4.9–5.2"), ("fr", "5,1", "4,8", "4,9–5,2")])
def test_key_sentence_and_table(prev, lang, rate, prev_rate, rng):
    items = hr.section(prev, lang)
    key = items[2]
    assert f" {rate} " in key and "2019" in key and rng in key
    assert f"{prev_rate} " in key and "2018" in key  # same comparability group (2015 starts a new series)
    table = items[3]
    assert len(table.data) == 8
    txt = _text(items)
    # no survey prevalence word next to these numbers
    assert not re.search(r"prevalence of|past-year use among", txt)
    if lang == "fr":
        for english in ("Problem opioid use", "Past year", "Illustration with", "Treatment", "range ",
                        "UNODC Estimate", "EMCDDA", "Annual reports", "per 1,000"):
            assert english not in txt, english
    note_col = table.data.columns[-1]
    notes = table.data[note_col].tolist()
    assert [bool(n) for n in notes] == [False, True, False, False, True, False, False, False]
    assert notes[1] != notes[4]  # 2015: new series (definition changed); 2020: last 30 days


def test_heterogeneity_range_is_shown_beside_the_log_linear_estimate():
    """Issue 26: the chosen interactions refitted with Rcapture's four Mth heterogeneity forms."""
    best = hr.illustration_capture_recapture().iloc[0]
    het = hr.illustration_heterogeneity(best["model"])
    assert het["model"].tolist() == [f"{h} + treatment:harm_reduction" for h in hr.HETEROGENEITY_MODELS]
    assert het["usable"].all() and (het["df"] == 1).all()
    # heterogeneity adds to the unobserved part here, never below the log-linear estimate minus its CI
    assert (het["N"] > best["ci_low"]).all()
    for lang, low, high in (("en", "5,450", "5,553"), ("fr", "5\u202f450", "5\u202f553")):
        txt = _text(hr.section(None, lang))
        assert low in txt and high in txt and ("Rivest 2011" in txt)


def test_heterogeneity_sentence_leaves_out_flagged_models():
    from drugtrends import i18n

    T = i18n.bind("en")
    het = hr.illustration_heterogeneity("independence")  # Mth Chao (LB) fixes an eta at 0 on this table
    assert not het.set_index("model").loc["Mth Chao (LB)", "usable"]
    s = hr.heterogeneity_sentence(T, pd.Series({"N": 4097.0}), het)
    assert "1 model(s) fitted at a boundary" in s
    none = hr.heterogeneity_sentence(T, pd.Series({"N": 1.0}), het.assign(usable=False))
    assert none.startswith("Every heterogeneity model")
