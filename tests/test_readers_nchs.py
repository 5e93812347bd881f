"""drugtrends.readers.nchs on the real NCHS table (data.cdc.gov 95ax-ymtc) and on small generated files."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from _data import real_file

from drugtrends.errors import SchemaError
from drugtrends.readers import nchs

NAME = "Drug_overdose_death_rates_by_drug_type_sex_age_race_hispanic_origin_US_1999_2018.csv"
HEADER = ["INDICATOR", "PANEL", "PANEL_NUM", "UNIT", "UNIT_NUM", "STUB_NAME", "STUB_NAME_NUM", "STUB_LABEL",
          "STUB_LABEL_NUM", "YEAR", "YEAR_NUM", "AGE", "AGE_NUM", "ESTIMATE", "FLAG"]
AA = "Deaths per 100,000 resident population, age-adjusted"


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    return nchs.read_overdose_rates(real_file("nchs_overdose_rates", NAME))


def test_shape_and_columns(rates):
    assert len(rates) > 6000 and len(rates) == 6228
    assert list(rates.columns) == nchs.COLUMNS
    assert set(rates["drug"].astype(str)) == {"all_drugs", "opioids", "heroin", "methadone",
                                              "natural_semisynthetic_opioids", "synthetic_opioids"}
    assert set(rates["rate_type"].astype(str)) == {"age_adjusted", "crude"}
    assert rates["year"].min() == 1999 and rates["year"].max() == 2018


def test_published_all_drug_rates(rates):
    s = rates[(rates.drug == "all_drugs") & (rates.rate_type == "age_adjusted") & (rates.group == "All persons")
              & (rates.age == "All ages")].set_index("year")["rate"]
    assert s.index.is_unique and len(s) == 20
    assert (s[1999], s[2017], s[2018]) == (6.1, 21.7, 20.7)


def test_no_duplicated_key_and_single_race_rows_kept(rates):
    key = ["drug", "rate_type", "group_type", "group", "age", "year"]
    assert not rates.duplicated(key).any()
    single = rates[rates.race_standard == "single"]
    assert len(single) == 108 and set(single["year"]) == {2018}
    # the same label published under both standards in 2018 is kept twice, told apart
    lab = "Male: Not Hispanic or Latino: White"
    both = rates[(rates.group == lab) & (rates.year == 2018) & (rates.drug == "all_drugs")
                 & (rates.rate_type == "age_adjusted")]
    assert sorted(both["race_standard"].astype(str)) == ["bridged", "single"]


def test_against_raw_csv(rates):
    # independent path: the csv module, no pandas parsing
    with open(real_file("nchs_overdose_rates", NAME), newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    assert len(raw) == len(rates)
    r = next(x for x in raw if x["PANEL"] == "Drug overdose deaths involving heroin" and x["UNIT"].endswith("crude")
             and x["STUB_LABEL"] == "Female: 25-34 years" and x["YEAR"] == "2016")
    got = rates[(rates.drug == "heroin") & (rates.rate_type == "crude") & (rates.group == "Female: 25-34 years")
                & (rates.year == 2016)]
    assert len(got) == 1 and got["rate"].item() == float(r["ESTIMATE"])
    assert got["sex"].item() == "Female" and got["group_type"].item() == "sex_age"
    flagged = sum(1 for x in raw if x["FLAG"].strip() == "*")
    assert int(rates["flag"].eq("*").sum()) == flagged == 1111


def _write(tmp_path, rows, header=HEADER, encoding="utf-8"):
    p = tmp_path / "rates.csv"
    with open(p, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return p


def _row(year="1999", estimate="6.1", panel="All drug overdose deaths", stub="Total", label="All persons"):
    return ["Drug overdose death rates", panel, "0", AA, "1", stub, "0", label, "0.1", year, "1", "All ages", "1.1",
            estimate, ""]


def test_duplicate_series_year_refused(tmp_path):
    p = _write(tmp_path, [_row(), _row()])
    with pytest.raises(SchemaError, match="repeat a series-year"):
        nchs.read_overdose_rates(p)


def test_unknown_panel_and_text_estimate_refused(tmp_path):
    with pytest.raises(SchemaError, match="unknown drug type 'Cannabis'"):
        nchs.read_overdose_rates(_write(tmp_path, [_row(panel="Cannabis")]))
    with pytest.raises(SchemaError, match="line 2.*'six'"):
        nchs.read_overdose_rates(_write(tmp_path, [_row(estimate="six")]))
    with pytest.raises(SchemaError, match="STUB_NAME"):
        nchs.read_overdose_rates(_write(tmp_path, [_row(stub="Region")]))


def test_utf16_and_missing_column(tmp_path):
    with pytest.raises(SchemaError, match="not UTF-8"):
        nchs.read_overdose_rates(_write(tmp_path, [_row()], encoding="utf-16"))
    with pytest.raises(SchemaError, match="missing column"):
        nchs.read_overdose_rates(_write(tmp_path, [r[:-1] for r in [_row()]], header=HEADER[:-1]))
