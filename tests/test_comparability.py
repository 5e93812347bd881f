"""Indicator semantics and comparability groups (issue 13), on the real UNODC annex and on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _data import real_file

from drugtrends import comparability as cmp
from drugtrends import taxonomy
from drugtrends.errors import UnknownVariableError
from drugtrends.readers import unodc

F12 = "1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx"
F14 = "1.4_Prevalence_of_drug_use_in_the_youth_population_national_data_including_NPS.xlsx"
US = "United States of America"


@pytest.fixture(scope="module")
def prev() -> pd.DataFrame:
    return unodc.read_prevalence(real_file("unodc_wdr2025", F12))


def _row(df, country, substance, year, period="past_year", **kw):
    r = df[(df.country == country) & (df.substance == substance) & (df.year == year) & (df.period == period)]
    for k, v in kw.items():
        r = r[r[k] == v]
    assert len(r) == 1, (country, substance, year, len(r))
    return r.iloc[0]


def _same_group(df, country, substance, y1, y2):
    return _row(df, country, substance, y1)["comparability_group"] == _row(df, country, substance, y2)[
        "comparability_group"]


# --------------------------------------------------------------------------- the bar


def test_france_ketamine_2023_is_ketamine(prev):
    r = _row(prev, "France", "ketamine", 2023)
    assert r["best"] == 0.6 and r["substance_group"] == "nps" and r["indicator"] == "prevalence"
    assert taxonomy.get("ketamine").parent == "nps"


def test_no_france_ketamine_or_synthetic_cannabinoid_row_left_as_nps(prev):
    fr = prev[prev.country == "France"]
    detail = fr["drug_detail"].astype(str).str.casefold()
    hit = detail.str.contains("ketamine: ketamine|synthetic cannabinoids: synthetic cannabinoids")
    assert hit.sum() >= 4
    assert not (fr.loc[hit, "substance"] == "nps").any()
    assert set(fr.loc[hit, "substance"].astype(str)) == {"ketamine", "synthetic_cannabinoids"}
    # every NPS-sheet row with a named substance has a specific id; 'nps' only for unspecified NPS
    nps_rows = prev[(prev.substance == "nps")]
    assert set(nps_rows["drug_detail"].astype(str)) <= {"Miscellaneous NPS: NPS", "nan"}


def test_us_nps_panel_mixes_mtf_and_15_64_in_separate_groups(prev):
    k = prev[(prev.country == US) & (prev.substance == "ketamine") & (prev.period == "past_year")]
    g2019 = set(k.loc[k.year == 2019, "comparability_group"])
    g2020 = set(k.loc[k.year == 2020, "comparability_group"])
    assert len(g2019) == 2 and not g2019 & g2020  # MTF 19-28 and 19-30 apart, and apart from 15-64


def test_france_opioids_high_risk_and_2020_past_month(prev):
    fr = prev[(prev.country == "France") & (prev.substance == "opioids")]
    assert len(fr) == 5 and (fr["indicator"] == "high_risk_use").all()
    assert _row(prev, "France", "opioids", 2020, "past_month")["best"] == pytest.approx(0.563)
    assert (fr.loc[fr.year != 2020, "period"] == "past_year").all()
    # never in one group with survey prevalence
    us = prev[(prev.country == US) & (prev.substance == "opioids")]
    assert (us["indicator"] == "prevalence").all()


@pytest.mark.parametrize("substance,y1,y2,same", [
    ("amphetamines", 2018, 2021, False),
    ("amphetamines", 2016, 2018, True),
    ("prescription_stimulants", 2014, 2015, False),
    ("cannabis", 2018, 2021, False),
    ("cannabis", 2016, 2018, True),
    ("cocaine", 2018, 2020, False),
    ("cocaine", 2020, 2021, False),
    ("cocaine", 2021, 2023, True),
])
def test_us_comparability_matches_nsduh(prev, substance, y1, y2, same):
    assert _same_group(prev, US, substance, y1, y2) is same


def test_france_cocaine_2017_2023_not_one_series(prev):
    # issue 21: scope is part of the key. 2017 "Cocaine salts and "crack" cocaine", 2023 "Cocaine hydrochloride"
    assert not _same_group(prev, "France", "cocaine", 2017, 2023)
    assert not _same_group(prev, "France", "cocaine", 2014, 2017)
    r = _row(prev, "France", "cocaine", 2017)
    assert r["break_code"] == "age_range" and "15-64 to 18-64" in r["break_reason"]
    r = _row(prev, "France", "cocaine", 2023)
    assert r["break_code"] == "definition"
    assert "hydrochloride only (no crack)" in r["break_reason"] and "includes crack cocaine" in r["break_reason"]
    assert r["definition"] == "cocaine_salts_only" and _row(prev, "France", "cocaine", 2017)["definition"] == "-"


def test_scope_splits_mdma_and_stated_cocaine_forms(prev):
    # France ecstasy 2023 says "MDMA": not all ecstasy-type substances (2017, same ages, says nothing)
    e = prev[(prev.country == "France") & (prev.substance == "ecstasy") & (prev.age_group == "18-64")]
    assert e["comparability_group"].nunique() == 2
    r = _row(prev, "France", "ecstasy", 2023)
    assert r["scope"] == "mdma_only" and r["break_code"] == "definition" and "MDMA only" in r["break_reason"]
    # Portugal 2017: the form follows a date ("Data refers to 2016/2017. Cocaine salts"); 2022 "Cocaine hydrochrolide"
    assert _row(prev, "Portugal", "cocaine", 2017)["scope"] == "cocaine_salts_only"
    assert _same_group(prev, "Portugal", "cocaine", 2017, 2022)
    assert not _same_group(prev, "Portugal", "cocaine", 2012, 2017)
    # "Including crack" restates the usual definition: Austria 2015 stays with 2008, 2022 (hydrochloride) does not
    assert _same_group(prev, "Austria", "cocaine", 2008, 2015)
    assert not _same_group(prev, "Austria", "cocaine", 2020, 2022)
    # no group mixes two stated cocaine forms
    c = prev[prev.substance == "cocaine"]
    forms = c["scope"].astype(str).str.extract(r"(cocaine_salts_only|includes_crack)")[0]
    assert (forms.groupby(c["comparability_group"]).nunique() <= 1).all()


def test_break_reasons_name_the_registry(prev):
    r = _row(prev, US, "prescription_stimulants", 2015)
    assert "nsduh_2015_redesign" in r["break_code"] and "2015" in r["break_reason"]
    r = _row(prev, US, "amphetamines", 2021)
    assert r["break_code"].split("+") == ["nsduh_2021_method", "definition"]
    assert "methamphetamine only" in r["break_reason"]
    assert _row(prev, US, "cannabis", 2020)["break_code"].startswith("nsduh_2020_mode")
    # 2020 stands alone
    g = _row(prev, US, "cannabis", 2020)["comparability_group"]
    assert (prev["comparability_group"] == g).sum() == 1
    # a break reason only on the first row of a group; every code is documented
    codes = {c for v in prev["break_code"].dropna() for c in v.split("+")}
    assert codes <= set(cmp.BREAK_CODES)
    assert prev.groupby("comparability_group", observed=True)["break_reason"].apply(lambda s: s.notna().sum()).max() == 1


def test_scope_flags_on_us_amphetamines(prev):
    assert "includes_prescription_stimulants" in _row(prev, US, "amphetamines", 2018)["scope"]
    assert _row(prev, US, "amphetamines", 2021)["scope"] == "methamphetamine_only"
    assert "includes_crack" in _row(prev, "France", "cocaine", 2017)["scope"]


def test_youth_has_the_same_semantics():
    y = unodc.read_youth(real_file("unodc_wdr2025", F14))
    assert list(y.columns) == unodc.PREVALENCE_COLUMNS
    assert y["comparability_group"].notna().all() and y["indicator"].notna().all()
    nps = y[y.substance_group == "nps"]
    assert len(nps) and (nps.substance != "nps").mean() > 0.5


# --------------------------------------------------------------------------- rules on small frames


def _frame(**cols):
    base = {"country": "X", "substance": "cannabis", "period": "past_year", "year": [2010, 2012],
            "age_group": "15-64", "method": "HHS", "source": "ARQ", "adjustment": None, "notes": None,
            "drug_detail": None}
    base.update(cols)
    return pd.DataFrame(base)


def test_note_declared_break_starts_a_new_group():
    d = cmp.annotate_prevalence(_frame(year=[2010, 2012, 2014],
                                       notes=[None, "Data not directly comparable to previous years.", None]))
    g = d["comparability_group"].tolist()
    assert g[0] != g[1] == g[2] and d["break_code"].tolist()[1] == "source_note"


def test_later_years_note_breaks_after_the_row():
    d = cmp.annotate_prevalence(_frame(year=[2007, 2012],
                                       notes=["Includes medical and non-medical use. Not comparable with data for "
                                              "later years", None], substance="tranquillizers_sedatives"))
    assert d["comparability_group"].nunique() == 2


def test_unspecified_old_method_takes_the_next_rows_method():
    d = cmp.annotate_prevalence(_frame(method=[None, "HHS"]))
    assert d["comparability_group"].nunique() == 1
    d = cmp.annotate_prevalence(_frame(method=["I", "HHS"]))
    assert d["indicator"].tolist() == ["high_risk_use", "prevalence"]


def test_adjustment_e_keeps_annual_period():
    d = cmp.annotate_prevalence(_frame(notes=["Past month use", "Past month use"], adjustment=[None, "e"]))
    assert d["period"].tolist() == ["past_month", "past_year"]


def test_annotate_names_missing_columns():
    with pytest.raises(UnknownVariableError, match="method"):
        cmp.annotate_prevalence(pd.DataFrame({"country": ["X"]}).assign(substance="c"))


def test_series_pieces_and_break_table(prev):
    us = prev[(prev.country == US) & (prev.substance == "amphetamines")]
    pieces = cmp.series_pieces(us)
    assert sum(len(p) for _, p in pieces) == len(us)
    bt = cmp.break_table(prev)
    assert {"break_reason", "comparability_group"} <= set(bt.columns) and bt["break_reason"].notna().all()


def test_nsduh_registry_concerns():
    assert [b.at for b in cmp.NSDUH_BREAKS] == [2002, 2015, 2020, 2021]
    assert cmp.nsduh_era(2014, "inhalants")[0] != cmp.nsduh_era(2015, "inhalants")[0]
    assert cmp.nsduh_era(2014, "cocaine")[0] == cmp.nsduh_era(2015, "cocaine")[0]


# --------------------------------------------------------------------------- seizures (7.1)


@pytest.fixture(scope="module")
def seizures() -> pd.DataFrame:
    return unodc.read_seizures(real_file("unodc_wdr2025", "7.1_Drug_seizures_2019-2023.xlsx"))


def test_france_cocaine_seizures_in_tonnes(seizures):
    fr = seizures[(seizures.country == "France") & (seizures.substance == "cocaine")].set_index("year")
    assert fr.loc[2022, "tonnes"] == pytest.approx(27.7) and fr.loc[2022, "kilograms"] == 27700
    t = cmp.seizure_totals(seizures)
    t = t[(t.country == "France") & (t.substance == "cocaine")].set_index("year")["tonnes"]
    assert [round(t[y], 1) for y in (2019, 2022, 2023)] == [14.6, 27.7, 23.2]
    kg = seizures["kilograms"].notna()
    assert np.allclose(seizures.loc[kg, "tonnes"] * 1000, seizures.loc[kg, "kilograms"], rtol=1e-12)


def test_seizure_series_never_mix_categories(seizures):
    t = cmp.seizure_totals(seizures)
    fr = t[t.country == "France"].set_index(["substance", "year"])
    # amphetamine alone (2019, 92 kg) vs all amphetamine-type stimulants (2020, reported total 697 kg)
    assert fr.loc[("amphetamines", 2019), "scope"] == "amphetamine"
    assert fr.loc[("amphetamines", 2020), "scope"] == "all_ats"
    assert fr.loc[("amphetamines", 2019), "kilograms"] == 92.0 and fr.loc[("amphetamines", 2020), "kilograms"] == 697.0
    assert fr.loc[("amphetamines", 2019), "comparability_group"] != fr.loc[("amphetamines", 2020), "comparability_group"]
    r = fr.loc[("amphetamines", 2020)]
    assert r["break_code"] == "scope" and "amphetamine only" in r["break_reason"] \
        and "all amphetamine-type stimulants" in r["break_reason"]
    assert fr.loc[("amphetamines", 2021), "comparability_group"] == r["comparability_group"]
    assert pd.isna(fr.loc[("amphetamines", 2021), "break_code"])
    # all ecstasy-type (2019-2022 totals) vs MDMA (2023)
    assert fr.loc[("ecstasy", 2023), "scope"] == "mdma" and fr.loc[("ecstasy", 2023), "break_code"] == "scope"
    assert fr.loc[("ecstasy", 2022), "scope"] == "all_ecstasy_type"
    # independent check: within a group, every year rests on the same published drug names
    rows = seizures.loc[seizures.substance.notna() & ~seizures.drug_name.isin(cmp.PLANT_MATERIAL)]
    names = {}
    same = str.maketrans({"“": None, "”": None, '"': None})  # one name with and without quotes: (“Spice”), (Spice)
    for (c, s, y), g in rows.groupby(["country", "substance", "year"], observed=True):
        tot = g.loc[g.is_total, "drug_name"].astype(str)
        names[(c, s, y)] = frozenset(n.translate(same) for n in (tot if len(tot) else g["drug_name"].astype(str)))
    t["_names"] = [names[(c, s, y)] for c, s, y in t[["country", "substance", "year"]].itertuples(index=False)]
    per_group = t.groupby("comparability_group")["_names"].nunique()
    assert (per_group == 1).all(), per_group[per_group > 1].head()


def test_seizure_totals_skip_plant_material_and_use_reported_totals(seizures):
    t = cmp.seizure_totals(seizures)
    assert set(t["basis"]) == {"reported_total", "sum_of_items"}
    leaf = seizures[seizures.drug_name == "Coca leaf"]
    c, y = leaf.iloc[0]["country"], leaf.iloc[0]["year"]
    items = seizures[(seizures.country == c) & (seizures.year == y) & (seizures.substance == "cocaine")
                     & (seizures.drug_name != "Coca leaf")]["kilograms"].sum()
    got = t[(t.country == c) & (t.year == y) & (t.substance == "cocaine")]["kilograms"]
    assert got.empty or got.item() == pytest.approx(items)
    assert "crack" in set(seizures["substance"].astype(str))
    assert taxonomy.get("crack").parent == "cocaine"


def test_trend_perception_marks_group_level_answers():
    t = unodc.read_trend_perception(real_file("unodc_wdr2025",
                                              "2.1_Expert_perception_of_trend_changes_in_use_of_drugs_all_drugs.xlsx"))
    fr = t[(t.country == "France") & (t.year == 2023) & (t.age_group == "overall")]
    g = fr[fr.drug_group.astype(str).str.contains("Ecstasy")]
    assert g["is_group"].sum() == 1 and (~g["is_group"]).sum() == 1  # the group answer and MDMA
    assert set(g["substance_group"].astype(str)) == {"ecstasy"}
    crack = fr[fr.substance == "crack"]
    assert len(crack) == 1 and not crack["is_group"].item() and crack["substance_group"].item() == "cocaine"
    assert t["perception"].cat.ordered and t["score"].between(-2, 2).all()


def test_youth_rows_named_by_their_notes():
    y = unodc.read_youth(real_file("unodc_wdr2025", F14))
    fr = y[(y.country == "France") & (y.substance_group == "cocaine") & (y.year == 2017) & (y.period == "lifetime")]
    assert sorted(zip(fr["substance"].astype(str), fr["best"])) == [("cocaine", 2.8), ("crack", 0.6)]
    assert fr["comparability_group"].nunique() == 2
    op = y[y.substance_group == "opioids"]
    assert {"heroin", "methadone", "opium"} <= set(op["substance_detail"].astype(str))
    assert (op["substance"] == "opioids").all()  # the sheet's substance, the narrower one in substance_detail
    # a methadone row never shares a group with a heroin row
    g = op.groupby("comparability_group", observed=True)["substance_detail"].nunique()
    assert (g == 1).all()
    assert "coca_paste" in set(y["substance"].astype(str)) and taxonomy.get("coca_paste").parent == "cocaine"


def test_sex_specific_rows_are_their_own_groups():
    d = cmp.annotate_prevalence(_frame(year=[2012, 2012], notes=["Heroin. Male.", "Heroin"], substance="opioids"))
    assert "males_only" in d["scope"].tolist()[0] and d["comparability_group"].nunique() == 2


def test_cocaine_forms_split_only_where_both_are_published():
    both = cmp.annotate_prevalence(_frame(substance="cocaine", year=[2012, 2012, 2014],
                                          notes=["Cocaine salts", None, "Cocaine salts"]))
    g = both["comparability_group"].tolist()
    assert g[0] != g[1] and g[0] == g[2]
    one = cmp.annotate_prevalence(_frame(substance="cocaine", year=[2012, 2014],
                                         notes=['Cocaine salts and "crack" cocaine', "Cocaine hydrochloride"]))
    assert one["comparability_group"].nunique() == 2  # issue 21: the stated scope is part of the key
    assert one["break_code"].tolist()[1] == "definition"
    same = cmp.annotate_prevalence(_frame(substance="cocaine", year=[2012, 2014],
                                          notes=["Does not include crack", "Cocaine hydrochloride"]))
    assert same["comparability_group"].nunique() == 1  # two wordings of salts only


def test_nsduh_registry_skips_school_surveys():
    assert cmp.design_era(US, "ARQ", None, "cocaine", 2016, (15, 16))[0] == "all"
    assert cmp.design_era(US, "Govt.", None, "amphetamines", 2012, (None, None))[0] == "all"
    assert cmp.design_era(US, "Monitoring the Future 2019", None, "ketamine", 2019, (19, 28))[0] == "all"
    assert cmp.design_era(US, "ARQ", "HHS", "cocaine", 2016, (12, 17))[0] == "nsduh_2002_2019"


def test_break_reason_compares_with_the_row_just_before():
    d = cmp.annotate_prevalence(_frame(substance="amphetamines", year=[2010, 2013, 2016, 2023],
                                       notes=[None, "Methamphetamine", None, "Drug category was changed in 2022"]))
    codes = d["break_code"].tolist()
    assert pd.isna(codes[0]) and codes[1] == "definition" and pd.isna(codes[2])
    assert codes[3] == "source_note"  # against 2016 (same definition), not against the 2013 group


def test_france_high_risk_opioid_series(prev):
    # 2015-2019 one series (problem opioid users, indirect); 2013 included some prescription opioids; 2020 is 30 days
    fr = prev[(prev.country == "France") & (prev.substance == "opioids") & (prev.period == "past_year")]
    g = dict(zip(fr["year"], fr["comparability_group"]))
    assert g[2015] == g[2018] == g[2019] != g[2013]
    assert (fr["substance_detail"] == "opioids").all()


def test_move_into_nsduh_is_a_change_of_survey(prev):
    r = _row(prev, US, "ketamine", 2020)
    assert r["break_code"].split("+")[0] == "survey" and "NSDUH" in r["break_reason"]
    assert "survey" in cmp.BREAK_CODES


def test_series_layer_reads_the_structured_key_and_agrees_with_break_code(prev):
    """The UNODC frame carries its key as columns; drugtrends.series finds the same breaks, as codes."""
    from drugtrends import series

    assert series.key_spec(prev) is series.KEY_SPECS["unodc_prevalence"]
    assert {"definition", "method_basis", "source_break"} <= set(prev.columns)
    fr = prev[(prev.country == "France") & (prev.substance == "cocaine") & (prev.period == "past_year")
              & (prev.indicator == "prevalence")]
    r = series.break_reasons(fr)
    assert not r.empty and set(r["code"]) <= set(series.REASONS)
    by = ["country", "substance", "indicator", "period"]
    got = series.break_reasons(prev, by=by)
    rows = prev.loc[prev["break_code"].notna() & prev["year"].notna()]
    want = {(*k, int(y), c) for *k, y, bc in rows[[*by, "year", "break_code"]].astype(object).itertuples(index=False)
            for c in str(bc).split("+")}
    have = {(*k, int(x), c) for *k, x, c in got[[*by, "x", "code"]].astype(object).itertuples(index=False)}
    missing = want - have
    assert len(want) > 500 and not missing, sorted(missing)[:5]


def test_deprecated_break_names_still_work():
    from drugtrends import series

    assert cmp.NSDUH_BREAKS == tuple(series.known_breaks("nsduh"))
    assert cmp.BREAK_CODES is series.REASONS
    assert all(isinstance(b, series.Break) for b in cmp.NSDUH_BREAKS)
    with pytest.warns(FutureWarning, match="drugtrends.series.Break"):
        b = cmp.KnownBreak("nsduh", 2015, "r", "nsduh_2015_redesign", frozenset({"lsd"}))
    assert isinstance(b, series.Break) and b.substances == frozenset({"lsd"})
