"""Tests of drugtrends.readers.vsrr on the real VSRR file (checked with the csv module)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from _data import real_file

from drugtrends import paths
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
