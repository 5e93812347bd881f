"""Tests of drugtrends.readers.unodc on the real WDR 2025 annex files.

Spot checks read the raw cells with openpyxl at fixed positions (an
independent path from the reader's header detection).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _data import real_file

from drugtrends.errors import DataNotFoundError, SchemaError
from drugtrends.readers import unodc

F12 = "1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx"
F14 = "1.4_Prevalence_of_drug_use_in_the_youth_population_national_data_including_NPS.xlsx"
F21 = "2.1_Expert_perception_of_trend_changes_in_use_of_drugs_all_drugs.xlsx"
F71 = "7.1_Drug_seizures_2019-2023.xlsx"


def _data_file(name: str, dataset: str = "unodc_wdr2025") -> Path:
    """Verified data-dir copy (fetched from the mirror if missing)."""
    return real_file(dataset, name)


@pytest.fixture(scope="module")
def prev() -> pd.DataFrame:
    return unodc.read_prevalence(_data_file(F12))


@pytest.fixture(scope="module")
def youth() -> pd.DataFrame:
    return unodc.read_youth(_data_file(F14))


@pytest.fixture(scope="module")
def trends() -> pd.DataFrame:
    return unodc.read_trend_perception(_data_file(F21))


@pytest.fixture(scope="module")
def seizures() -> pd.DataFrame:
    return unodc.read_seizures(_data_file(F71))


def _raw_sheet(name: str, sheet: str) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(_data_file(name), read_only=True, data_only=True)
    rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    return rows


# ---------------------------------------------------------------------------
# 1.2 general population
# ---------------------------------------------------------------------------


def test_prevalence_columns_and_types(prev):
    assert list(prev.columns) == unodc.PREVALENCE_COLUMNS
    for c in ("region", "subregion", "country", "substance", "period", "age_group", "source", "sheet"):
        assert isinstance(prev[c].dtype, pd.CategoricalDtype), c
    for c in ("best", "low", "high", "male", "female"):
        assert prev[c].dtype == "float64"
    assert str(prev["year"].dtype) == "Int64" and str(prev["age_min"].dtype) == "Int64"
    assert prev["region"].notna().all() and prev["subregion"].notna().all()
    assert set(prev["region"].astype(str)) == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    assert set(prev["substance_group"].astype(str)) == {
        "cannabis", "cocaine", "amphetamines", "ecstasy", "prescription_stimulants", "opioids", "opiates",
        "prescription_opioids", "tranquillizers_sedatives", "nps"}
    other = prev.sheet != "NPS"
    same = prev.loc[other, "substance"].astype(str) == prev.loc[other, "substance_group"].astype(str)
    # only crack rows of the Cocaine sheet get a substance of their own outside the NPS sheet
    assert set(prev.loc[other].loc[~same, "substance"].astype(str)) <= {"crack", "coca_paste"}
    assert (~same).sum() <= 2
    # non-NPS sheets are annual prevalence, except rows whose notes give a 30-day recall
    month = other & (prev.period == "past_month")
    assert (prev.loc[other & ~month, "period"] == "past_year").all()
    assert prev.loc[month, "notes"].str.contains("(?i)30 days|past month|last month").all() and month.sum() >= 2
    assert set(prev.loc[prev.sheet == "NPS", "period"].astype(str)) == {"lifetime", "past_year", "past_month"}
    # no country name with stray spaces (e.g. 'United States of America ' in Opioids)
    assert (prev["country"].astype(str) == prev["country"].astype(str).str.strip()).all()


def test_france_cocaine_2023(prev):
    fr = prev[(prev.country == "France") & (prev.substance == "cocaine")]
    r = fr[fr.year == 2023]
    assert len(r) == 1
    r = r.iloc[0]
    assert r["best"] == 2.7 and r["male"] == 3.9 and r["female"] == 1.6
    assert r["age_group"] == "18-64" and r["age_min"] == 18 and r["age_max"] == 64
    assert r["period"] == "past_year"


def test_france_cocaine_series_and_age_break(prev):
    fr = prev[(prev.country == "France") & (prev.substance == "cocaine")].sort_values("year")
    assert fr["year"].tolist() == [2005, 2010, 2014, 2017, 2023]
    ages = dict(zip(fr["year"], fr["age_group"].astype(str)))
    assert ages[2005] == ages[2010] == ages[2014] == "15-64"
    assert ages[2023] == "18-64"
    assert set(ages.values()) == {"15-64", "18-64"}  # the comparability break is visible


def test_us_cannabis_against_raw_cells(prev):
    # 1.2 'Cannabis': B Region, C Sub-region, D Country, E Best, F Low, G High, H Male, I Female, J Year, K Age
    rows = _raw_sheet(F12, "Cannabis")
    raw = [r for r in rows if isinstance(r[3], str) and r[3].strip() == "United States of America" and r[9] == 2023]
    assert len(raw) == 1
    best, male, female, age = raw[0][4], raw[0][7], raw[0][8], raw[0][10]
    got = prev[(prev.country == "United States of America") & (prev.substance == "cannabis") & (prev.year == 2023)]
    assert len(got) == 1
    assert got["best"].item() == pytest.approx(best) and 26 < best < 27  # 26.38 %
    assert got["male"].item() == pytest.approx(male)
    assert got["female"].item() == pytest.approx(female)
    assert got["age_group"].item() == age.strip()


def test_row_counts_match_raw_cells(prev):
    # every raw row with a country and a numeric value in the value columns is one tidy row
    for sheet, value_cols in (("Cocaine", range(4, 9)), ("Tranquillizers and sedatives", range(4, 7))):
        rows = _raw_sheet(F12, sheet)
        n = sum(1 for r in rows[3:] if isinstance(r[3], str) and r[3].strip()
                and any(isinstance(r[j], (int, float)) for j in value_cols if j < len(r)))
        assert (prev.sheet == sheet).sum() == n, sheet


def test_tranquillizers_total_column_is_best(prev):
    # 'Tranquillizers and sedatives' has Total instead of Best: Algeria 2010, 12+: 0.59 (m 0.54, f 0.63)
    r = prev[(prev.sheet == "Tranquillizers and sedatives") & (prev.country == "Algeria")].iloc[0]
    assert (r["best"], r["male"], r["female"], r["year"]) == (0.59, 0.54, 0.63, 2010)
    assert r["age_min"] == 12 and pd.isna(r["age_max"])
    assert math.isnan(r["low"]) and math.isnan(r["high"])


def test_nps_sheet_two_row_header(prev):
    # 1.2 NPS row 7 (raw): United States, Synthetic cannabinoids, past year 1.1 (m 1.5, f 0.9), 2019, 19-30
    rows = _raw_sheet(F12, "NPS")
    raw = rows[6]
    assert raw[4] == "United States of America" and raw[9] == 1.1
    got = prev[(prev.sheet == "NPS") & (prev.row == 7)]
    assert got["period"].astype(str).tolist() == ["past_year"]
    g = got.iloc[0]
    assert (g["best"], g["male"], g["female"]) == (raw[9], raw[10], raw[11])
    assert g["drug_detail"] == "Synthetic cannabinoids: Synthetic cannabinoids"
    assert (g["age_min"], g["age_max"]) == (19, 30)


def test_year_ranges_use_end_year(prev):
    nz = prev[(prev.country == "New Zealand") & (prev.year_label == "2022/23")]
    assert len(nz) > 0 and (nz["year"] == 2023).all()


def test_implausible_values_flagged_not_dropped(prev):
    # Latvia opiates 2012: published low 0.5 > best 0.49 > high 0.36 -> kept, noted
    r = prev[(prev.country == "Latvia") & (prev.substance == "opiates") & (prev.year == 2012)].iloc[0]
    assert (r["best"], r["low"], r["high"]) == (0.49, 0.5, 0.36)
    assert "not ordered" in r["notes"]
    # 'new' in the NPS region column is not taken as a region
    assert "new" not in set(prev["region"].astype(str))


# ---------------------------------------------------------------------------
# 1.4 youth
# ---------------------------------------------------------------------------


def test_youth_long_form(youth):
    assert list(youth.columns) == unodc.PREVALENCE_COLUMNS
    assert set(youth["period"].astype(str)) == {"lifetime", "past_year", "past_month"}
    # Kenya cocaine, (SS) 15 - 16, 2016: lifetime 1.1, past month 0.2, no past-year value -> 2 rows
    k = youth[(youth.sheet == "Cocaine") & (youth.country == "Kenya") & (youth.year == 2016)]
    assert k.set_index(k["period"].astype(str))["best"].to_dict() == {"lifetime": 1.1, "past_month": 0.2}
    assert (k["age_min"] == 15).all() and (k["age_max"] == 16).all() and (k["method"] == "SS").all()
    assert set(youth.loc[youth.year.isna(), "year_label"]) == {"(blank)", "2106"}


def test_youth_nps_lifetime_against_raw_cells(youth):
    # 1.4 NPS row 7: Côte d'Ivoire, synthetic cannabinoids, 2017, 15-17;
    # H/I/J = lifetime all/male/female, K/L/M past year, N/O/P past month
    raw = _raw_sheet(F14, "NPS")[6]
    assert raw[3] == "Côte d' Ivoire"
    nps7 = (youth.sheet == "NPS") & (youth.row == 7)
    got = youth[nps7].set_index(youth.loc[nps7, "period"].astype(str))
    for period, j in (("lifetime", 7), ("past_year", 10), ("past_month", 13)):
        assert got.loc[period, "best"] == raw[j]
        assert got.loc[period, "male"] == raw[j + 1]
        assert got.loc[period, "female"] == raw[j + 2]
    assert got.loc["lifetime", "best"] == 1.2


def test_youth_markers_kept_in_notes(youth):
    # raw Ecstasy row 170: Hong Kong 2012, past month published as '@' (less than 0.005)
    assert _raw_sheet(F14, "Ecstasy")[169][7] == "@"
    hk = youth[(youth.sheet == "Ecstasy") & (youth.row == 170)]
    assert hk["country"].astype(str).tolist() == ["China, Hong Kong SAR"]
    assert hk["period"].astype(str).tolist() == ["past_month"] and np.isnan(hk["best"].item())
    assert "less than 0.005" in hk["notes"].item()
    # a value written with a decimal comma ('0,3') is read as 0.3
    rows = _raw_sheet(F14, "NPS")
    hits = [(i + 1, j) for i, r in enumerate(rows) for j, v in enumerate(r) if v == "0,3"]
    assert len(hits) == 1
    got = youth[(youth.sheet == "NPS") & (youth.row == hits[0][0])]
    assert (got[["best", "male", "female"]] == 0.3).any().any()


def test_youth_excel_date_age_cell(youth):
    b = youth[(youth.country == "Bahamas") & (youth.sheet == "Tranquillizers and sedatives") & (youth.row == 30)]
    assert set(b["age_group"].astype(str)) == {"10-17"}
    assert "Excel date" in b["notes"].iloc[0]


# ---------------------------------------------------------------------------
# 2.1 and 7.1
# ---------------------------------------------------------------------------


def test_trend_perception(trends):
    assert list(trends.columns) == unodc.TREND_COLUMNS
    assert trends["perception"].cat.ordered
    # raw row 4: Kenya 2023, ecstasy: overall small increase, 0-17 stable
    k = trends[trends.row == 4].set_index(trends.loc[trends.row == 4, "age_group"].astype(str))
    assert k.loc["overall", "score"] == 1 and k.loc["0-17", "score"] == 0
    assert k.loc["overall", "substance"] == "ecstasy"
    # every non-empty answer cell is one row: overall (2701) + 0-17 (1584) + 18-24 (1747) + 25+ (1643)
    rows = _raw_sheet(F21, "Trends")
    n = sum(1 for r in rows[3:] if r[2] for j in (6, 7, 8, 9) if r[j] is not None)
    assert len(trends) == n
    nk = trends[trends.perception.isna()]
    assert len(nk) == sum(1 for r in rows[3:] if r[2] and r[6] == "Not known")


def test_seizures_against_raw_cells(seizures):
    assert list(seizures.columns) == unodc.SEIZURE_COLUMNS
    rows = _raw_sheet(F71, "Seizures")
    # A Region .. F DrugName, G Reference year, H Kilograms
    raw = [r for r in rows[2:] if r[2] == "United States of America" and r[5] == "Cocaine hydrochloride" and r[6] == 2023]
    assert raw
    got = seizures[(seizures.country == "United States of America") & (seizures.drug_name == "Cocaine hydrochloride")
                   & (seizures.year == 2023)]
    assert got["kilograms"].sum() == pytest.approx(sum(r[7] for r in raw))
    assert (got["substance"] == "cocaine").all()
    com = seizures[seizures.row == 4].iloc[0]
    assert (com["country"], com["kilograms"], com["substance"]) == ("Comoros", 2263.0, "cannabis")
    assert len(seizures) == sum(1 for r in rows[2:] if r[2])
    assert seizures.loc[seizures.drug_group == "Precursors", "substance"].isna().all()
    tot = seizures[seizures.is_total]
    assert tot["drug_name"].astype(str).str.contains("otal").all() and len(tot) > 500


def test_seizure_scope_is_the_category_published(seizures):
    # issue 21: what each row covers, from its published drug name (raw cells read by openpyxl)
    rows = _raw_sheet(F71, "Seizures")
    want = {"Amphetamine": "amphetamine", "Methamphetamine": "methamphetamine", "Cocaine hydrochloride":
            "cocaine_hydrochloride", '"Crack" cocaine': "crack", "3,4-methylenedioxymethamphetamine (MDMA)": "mdma"}
    for name, scope in want.items():
        n_raw = sum(1 for r in rows[2:] if r[2] and r[5] == name)
        got = seizures.loc[seizures.drug_name == name, "scope"].astype(str)
        assert n_raw and len(got) == n_raw and (got == scope).all(), name
    ats = seizures[seizures.drug_subgroup.astype(str).str.startswith("Reported total ATS")]
    assert len(ats) and (ats["scope"] == "all_ats").all() and ats["is_total"].all()
    ecs = seizures[seizures.drug_name.astype(str).str.startswith('Total "ecstasy"')]
    assert len(ecs) and (ecs["scope"] == "all_ecstasy_type").all()
    fr = seizures[(seizures.country == "France") & (seizures.substance == "amphetamines")].set_index("year")
    assert fr.loc[2019, "scope"] == "amphetamine" and fr.loc[2020, "scope"] == "all_ats"


# ---------------------------------------------------------------------------
# parsers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, lo, hi", [
    ("15-64", 15, 64), ("15-64 ", 15, 64), ("12 -70", 12, 70), ("14+", 14, None), ("7+", 7, None),
    ("(SS) 15 - 16", 15, 16), (" (HHS) age 15 - 17", 15, 17), ("(SS) 13, 15, & 17", 13, 17),
    ("16, 19 and 21", 16, 21), ("10.-25", 10, 25), ("06 - 19", 6, 19), ("Below 18", None, 17),
    ("15 - 16 (Grade 10)", 15, 16), ("University students (19+)", 19, None), (15, 15, 15),
    ("(SS) Grade 10", None, None), ("Gardes 8, 10 and 12", None, None), ("8th Grade", None, None),
    ("2nd year of high school", None, None), ("Youth (undefined)", None, None), ("SS", None, None),
])
def test_parse_age_group(text, lo, hi):
    _label, amin, amax, _note = unodc.parse_age_group(text)
    assert (None if np.isnan(amin) else amin) == lo
    assert (None if np.isnan(amax) else amax) == hi


@pytest.mark.parametrize("value, year", [
    (2023, 2023), ("2015-16", 2016), ("2013/2014", 2014), ("2021 - 22", 2022), ("2019-2021", 2021),
    ("(blank)", None), ("2106", None), (None, None), ("1999/00", 2000),
])
def test_parse_year(value, year):
    y, _label, _note = unodc.parse_year(value)
    assert (None if np.isnan(y) else y) == year


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def _copy_sheets(src: Path, sheets: list[str], dst: Path, shift: int = 0, blank_header: str | None = None,
                 max_rows: int | None = None) -> Path:
    """Copy cell values of some sheets into a new workbook, optionally with ``shift`` extra rows on top."""
    import openpyxl

    wb_in = openpyxl.load_workbook(src, read_only=True, data_only=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s)
        for k in range(shift):
            ws.append([f"extra title row {k + 1}"])
        for r in wb_in[s].iter_rows(values_only=True, max_row=max_rows):
            r = list(r)
            if blank_header is not None:
                r = [None if v == blank_header else v for v in r]
            ws.append(r)
    wb_in.close()
    wb.save(dst)
    return dst


def test_shifted_header_reads_identically(tmp_path):
    src = _data_file(F12)
    sheets = ["Tranquillizers and sedatives", "NPS"]
    a = unodc.read_prevalence(_copy_sheets(src, sheets, tmp_path / "a.xlsx"))
    b = unodc.read_prevalence(_copy_sheets(src, sheets, tmp_path / "b.xlsx", shift=2))
    assert len(a) > 600
    assert (b["row"] - a["row"] == 2).all()
    pd.testing.assert_frame_equal(a.drop(columns="row"), b.drop(columns="row"))


def test_missing_column_names_column_and_sheet(tmp_path):
    f = _copy_sheets(_data_file(F12), ["Tranquillizers and sedatives"], tmp_path / "c.xlsx", blank_header="Year")
    with pytest.raises(SchemaError, match=r"Tranquillizers and sedatives.*missing column\(s\) \['year'\]"):
        unodc.read_prevalence(f)


def test_header_not_found_names_file_and_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Cocaine"
    wb.active.append(["just a title"])
    wb.active.append([1, 2, 3])
    f = tmp_path / "noheader.xlsx"
    wb.save(f)
    with pytest.raises(SchemaError, match=r"noheader\.xlsx \(sheet 'Cocaine'\): no header row"):
        unodc.read_prevalence(f)


def test_unknown_sheet(tmp_path):
    f = _copy_sheets(_data_file(F12), ["Cocaine"], tmp_path / "d.xlsx", max_rows=20)
    import openpyxl

    wb = openpyxl.load_workbook(f)
    wb["Cocaine"].title = "Kratom"
    wb.save(f)
    with pytest.raises(SchemaError, match="Kratom"):
        unodc.read_prevalence(f)


@pytest.mark.parametrize("reader", [unodc.read_prevalence, unodc.read_youth, unodc.read_trend_perception,
                                    unodc.read_seizures])
def test_corrupt_truncated_xlsx(tmp_path, reader):
    f = tmp_path / "truncated.xlsx"
    f.write_bytes(_data_file(F21).read_bytes()[:5000])
    with pytest.raises(SchemaError, match=r"truncated\.xlsx.*drugtrends fetch unodc_wdr2025 --force"):
        reader(f)


def test_text_file_renamed_xlsx(tmp_path):
    f = tmp_path / "page.xlsx"
    f.write_text("<html><body>404 Not Found</body></html>")
    with pytest.raises(SchemaError, match=r"page\.xlsx.*drugtrends fetch unodc_wdr2025 --force"):
        unodc.read_prevalence(f)


def test_empty_and_missing_file(tmp_path):
    f = tmp_path / "empty.xlsx"
    f.write_bytes(b"")
    with pytest.raises(SchemaError, match="empty"):
        unodc.read_prevalence(f)
    with pytest.raises(DataNotFoundError, match="unodc_wdr2025"):
        unodc.read_seizures(tmp_path / "missing.xlsx")


def test_seizures_missing_column(tmp_path):
    f = _copy_sheets(_data_file(F71), ["Seizures"], tmp_path / "s.xlsx", blank_header="Kilograms",
                     max_rows=30)
    with pytest.raises(SchemaError, match=r"Seizures.*kilograms"):
        unodc.read_seizures(f)
