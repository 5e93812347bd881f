"""Tests of drugtrends.readers.vsrr on the real VSRR file (checked with the csv module)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from _data import real_file

from drugtrends.errors import DataNotFoundError, SchemaError, UnknownVariableError
from drugtrends.readers import vsrr

NAME = "VSRR_Provisional_Drug_Overdose_Death_Counts.csv"
HEADER = ("State,Year,Month,Period,Indicator,Data Value,Percent Complete,Percent Pending Investigation,"
          "State Name,Footnote,Footnote Symbol,Predicted Value")
FOOT2 = "Numbers may differ from published reports using final data. See Technical Notes."


def _data_file(name: str = NAME, dataset: str = "cdc_vsrr") -> Path:
    """Verified data-dir copy (fetched from the mirror if missing)."""
    return real_file(dataset, name)


@pytest.fixture(scope="module")
def raw_rows() -> list[dict]:
    with open(_data_file(), newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return vsrr.read_vsrr(_data_file())


def test_columns_and_row_count(df, raw_rows):
    assert list(df.columns) == vsrr.COLUMNS
    assert len(df) == len(raw_rows) == 13320


def test_us_synthetic_opioids_december_2017(df, raw_rows):
    raw = [r for r in raw_rows if r["State"] == "US" and r["Year"] == "2017" and r["Month"] == "December"
           and r["Indicator"] == "Synthetic opioids, excl. methadone (T40.4)"]
    assert len(raw) == 1
    got = df[(df.state == "US") & (df.date == pd.Timestamp("2017-12-31")) & (df.substance == "synthetic_opioids")]
    assert len(got) == 1
    assert got["reported"].item() == float(raw[0]["Data Value"].replace(",", "")) == 28659.0
    assert got["predicted"].item() == float(raw[0]["Predicted Value"].replace(",", "")) == 29461.0
    assert got["icd10"].item() == "T40.4" and got["measure"].item() == "deaths"
    assert (got["year"].item(), got["month"].item()) == (2017, 12)


def test_every_indicator_maps(df):
    assert df["indicator"].notna().all() and df["measure"].notna().all()
    drug = df[df.measure == "deaths"]
    assert drug["substance"].notna().all()
    assert df.loc[df.measure != "deaths", "substance"].isna().all()
    by = df.drop_duplicates("indicator").set_index(df.drop_duplicates("indicator")["indicator"].astype(str))
    assert by.loc["Number of Deaths", "measure"] == "deaths_all_causes"
    assert by.loc["Percent with drugs specified", "measure"] == "percent_specified"
    assert by.loc["Number of Drug Overdose Deaths", "substance"] == "all_drugs"
    assert by.loc["Opioids (T40.0-T40.4,T40.6)", "substance"] == "opioids"
    assert by.loc["Opioids (T40.0-T40.4,T40.6)", "icd10"] == "T40.0, T40.1, T40.2, T40.3, T40.4, T40.6"


def test_months_dates_and_uniqueness(df, raw_rows):
    assert df["month"].between(1, 12).all() and set(df["month"]) == set(range(1, 13))
    assert (df["date"] + pd.offsets.MonthEnd(0) == df["date"]).all()  # month ends
    assert (df["date"].dt.month == df["month"]).all() and (df["date"].dt.year == df["year"]).all()
    assert not df.duplicated(["state", "date", "indicator"]).any()
    # month names converted independently (strptime), row by row
    import datetime as dt

    expected = [dt.datetime.strptime(r["Month"], "%B").month for r in raw_rows]
    assert df["month"].tolist() == expected


def test_footnotes_and_flags(df, raw_rows):
    n_star = sum(r["Footnote Symbol"] == "*" for r in raw_rows)
    assert n_star == 2664
    assert df["underreported"].sum() == n_star
    assert set(df["footnote_symbol"].astype(str)) == set(vsrr.FOOTNOTE_SYMBOLS)
    for sym, text in vsrr.FOOTNOTE_SYMBOLS.items():  # documented meanings are the file's own
        assert set(df.loc[df.footnote_symbol == sym, "footnote"].astype(str)) == {text}
    assert not df["suppressed"].any()
    assert df["percent_complete"].between(99.5, 100).all()
    assert (df["percent_complete"] == 99.5).sum() == sum(r["Percent Complete"] == "99.5+" for r in raw_rows)


def test_us_series(df, raw_rows):
    s = vsrr.us_series(df, "synthetic_opioids")
    assert len(s) == 45  # January 2015 .. September 2018
    assert s["date"].is_monotonic_increasing and s["date"].is_unique
    assert (s["state"] == "US").all()
    raw = {(r["Year"], r["Month"]): float(r["Data Value"]) for r in raw_rows
           if r["State"] == "US" and r["Indicator"] == "Synthetic opioids, excl. methadone (T40.4)"}
    assert s["reported"].tolist()[0] == raw[("2015", "January")]
    assert s["reported"].tolist()[-1] == raw[("2018", "September")]
    assert len(vsrr.us_series(df, "all_drugs")) == 45
    assert len(vsrr.us_series(df, "percent_specified")) == 45
    with pytest.raises(UnknownVariableError, match="synthetic_opioids"):
        vsrr.us_series(df, "kratom")


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def _row(indicator="Heroin (T40.1)", value="1,234", month="March", state="NY", pred="1,300"):
    return f'{state},2018,{month},12 month-ending,"{indicator}","{value}",100,0.1,New York,{FOOT2},**,"{pred}"'


def test_thousands_separators(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\n" + _row() + "\n")
    d = vsrr.read_vsrr(f)
    assert d["reported"].item() == 1234.0 and d["predicted"].item() == 1300.0
    assert d["date"].item() == pd.Timestamp("2018-03-31")


def test_suppressed_value(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\n" + _row(value="", pred="") + "\n")
    d = vsrr.read_vsrr(f)
    assert d["suppressed"].item() and pd.isna(d["reported"].item())


def test_missing_column(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER.replace("Data Value", "Value") + "\n" + _row() + "\n")
    with pytest.raises(SchemaError, match="Data Value"):
        vsrr.read_vsrr(f)


def test_unknown_indicator_and_month(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\n" + _row(indicator="Kratom") + "\n")
    with pytest.raises(SchemaError, match="Kratom"):
        vsrr.read_vsrr(f)
    f.write_text(HEADER + "\n" + _row(month="Smarch") + "\n")
    with pytest.raises(SchemaError, match="Smarch"):
        vsrr.read_vsrr(f)


def test_non_numeric_value(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\n" + _row(value="n.a.") + "\n")
    with pytest.raises(SchemaError, match="Data Value"):
        vsrr.read_vsrr(f)


def test_duplicate_rows(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(HEADER + "\n" + _row() + "\n" + _row() + "\n")
    with pytest.raises(SchemaError, match=r"repeat the same \(state, month, indicator\).*lines \[2, 3\]"):
        vsrr.read_vsrr(f)


def test_empty_and_missing_file(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("")
    with pytest.raises(SchemaError, match="empty"):
        vsrr.read_vsrr(f)
    with pytest.raises(DataNotFoundError, match="cdc_vsrr"):
        vsrr.read_vsrr(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------
# 2025 edition (US rows) combined with the older snapshot: dt.load("cdc_vsrr")
# ---------------------------------------------------------------------------

NAME_2025 = "VSRR_Provisional_Drug_Overdose_Death_Counts_US_rows.csv"

#: 12-month-ending all-drug overdose deaths, US, reported / predicted, as published (mirror README).
HELD_OUT = {
    "2019-12-31": (71130, 72086),
    "2021-12-31": (107573, 109099),
    "2022-12-31": (109413, 110942),
    "2023-12-31": (106881, 108550),
    "2024-12-31": (80856, 81711),
    "2025-04-30": (73690, 76516),
}


@pytest.fixture(scope="module")
def combined() -> pd.DataFrame:
    from drugtrends import datasets

    _data_file(NAME_2025, "cdc_vsrr_2025")
    return datasets.load("cdc_vsrr")


def test_held_out_us_counts_load_exactly(combined):
    s = vsrr.us_series(combined, "all_drugs").set_index("date")
    for date, (rep, pred) in HELD_OUT.items():
        row = s.loc[pd.Timestamp(date)]
        assert (row["reported"], row["predicted"]) == (rep, pred), date  # exact: integers as published
        assert row["edition"] == "2025"
    assert s.index.min() == pd.Timestamp("2015-01-31") and s.index.max() == pd.Timestamp("2025-04-30")
    assert len(s) == 124 and s.index.is_unique


def test_editions_never_mix_for_a_place_and_month(combined, raw_rows):
    # the US comes wholly from the 2025 edition (1,488 rows = 12 indicators x 124 months) ...
    us = combined[combined.state == "US"]
    assert len(us) == 1488 and set(us["edition"].astype(str)) == {"2025"}
    # ... the states wholly from the older snapshot, unchanged (row count of the old file minus its US rows)
    n_old_us = sum(r["State"] == "US" for r in raw_rows)
    assert n_old_us == 540
    other = combined[combined.state != "US"]
    assert len(other) == len(raw_rows) - n_old_us and set(other["edition"].astype(str)) == {"2018"}
    assert combined.groupby(["state", "date"], observed=True)["edition"].nunique().max() == 1
    assert not combined.duplicated(["state", "date", "indicator"]).any()
    # an old-file state value is kept as published: NY synthetic opioids, December 2017
    raw = [r for r in raw_rows if r["State"] == "NY" and r["Year"] == "2017" and r["Month"] == "December"
           and r["Indicator"] == "Synthetic opioids, excl. methadone (T40.4)"]
    got = combined[(combined.state == "NY") & (combined.date == pd.Timestamp("2017-12-31"))
                   & (combined.substance == "synthetic_opioids")]
    assert got["reported"].item() == float(raw[0]["Data Value"].replace(",", ""))


def test_2025_edition_flags_and_status(combined):
    with open(_data_file(NAME_2025, "cdc_vsrr_2025"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1488
    n_star = sum(r["Footnote Symbol"] == "*" for r in rows)
    assert n_star == 192  # 12 indicators x 16 months (January 2024 - April 2025)
    us = combined[combined.state == "US"]
    assert int(us["underreported"].sum()) == n_star
    assert set(us.loc[us.underreported, "year"]) == {2024, 2025}
    assert not us.loc[us.year < 2024, "underreported"].any()
    # provisional, and a comparability group of its own: never one series with NCHS final rates
    assert set(combined["status"].astype(str)) == {"provisional"}
    assert combined["comparability_group"].astype(str).str.startswith("cdc_vsrr:provisional:").all()
    from drugtrends.readers import nchs

    assert nchs.STATUS == "final" and nchs.STATUS != vsrr.STATUS


def test_combine_editions_newest_wins_and_refuses_unlabelled(tmp_path):
    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    old.write_text(HEADER + "\n" + _row(state="US", value="10") + "\n" + _row(state="NY", value="5") + "\n")
    new.write_text(HEADER + "\n" + _row(state="US", value="12") + "\n")
    d = vsrr.read_vsrr_editions({"2018": old, "2025": new})
    assert d.set_index("state")["reported"].to_dict() == {"NY": 5.0, "US": 12.0}
    assert d.set_index("state")["edition"].astype(str).to_dict() == {"NY": "2018", "US": "2025"}
    with pytest.raises(SchemaError, match="edition label"):
        vsrr.combine_editions([vsrr.read_vsrr(old), vsrr.read_vsrr(new)])


def test_edited_2025_file_is_refused(tmp_path, monkeypatch):
    from _data import temp_data_dir

    from drugtrends import datasets, fetch
    from drugtrends.errors import IntegrityError

    temp_data_dir(tmp_path, monkeypatch, need="cdc_vsrr_2025/" + NAME_2025)
    fetch.ensure("cdc_vsrr_2025")
    p = fetch.dataset_file("cdc_vsrr_2025", NAME_2025)
    text = p.read_text()
    p.write_text(text.replace('"71,130"', '"71,131"', 1))  # one digit, same size
    assert p.stat().st_size == len(text.encode())
    with pytest.raises(IntegrityError, match="cdc_vsrr_2025"):
        datasets.load("cdc_vsrr")
