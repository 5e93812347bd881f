"""NSDUH 2022 public-use extract (real file, from the mirror) and the harmonised NSDUH columns.

References, independent of the reader:
* the mirror README's weighted lifetime prevalences (computed from the
  age-at-first-use columns: cannabis 46.94 %, cocaine 15.07 %, crack 3.69 %,
  heroin 2.40 %, methamphetamine 5.90 %; weights summing to 282.0 million),
  checked to the printed 2 decimals (tolerance 0.005 percentage point);
* a plain pyreadr reading of the file decoded by hand here (991 = never used);
* SAMHSA: the 2022 NSDUH interviewed 71,369 respondents aged 12 or older
  (2022 NSDUH small area estimation guide, samhsa.gov rpt44483); the public-use
  file keeps a subsample (59,069): the PUF is not the full sample, so its
  weighted estimates are not SAMHSA's published ones to the decimal. The
  population totals implied by SAMHSA's 2022 national report (counts and
  percentages of past-year marijuana use, by age group) are checked within
  the rounding of the printed numbers. SAMHSA's 2022 lifetime-use tables
  (detailed table 1.1B) could not be consulted offline: no lifetime figure of
  SAMHSA's is checked here.
Generated tab-delimited files (tests/_generate.make_nsduh) check that the
official layout gives the same harmonised columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _data import real_file
from _generate import make_nsduh

from drugtrends.errors import InputError, SchemaError
from drugtrends.readers.nsduh import EXTRACT_2022_NOTES, read_nsduh, read_nsduh_extract
from drugtrends.readers.nsduh_harmonise import AGE_GROUPS, first_use_columns, person_columns

README = {"cannabis": 46.94, "cocaine": 15.07, "crack": 3.69, "heroin": 2.40, "methamphetamine": 5.90}
HARMONISED = ["sex", "age_group", "age_samhsa", "age_50plus", "race_ethnicity", "education", "income",
              "county_type"]


@pytest.fixture(scope="module")
def path():
    return real_file("nsduh_2022", "NSDUH_2022_final_dataset.Rdata")


@pytest.fixture(scope="module")
def df(path):
    return read_nsduh(path, 2022)


@pytest.fixture(scope="module")
def raw(path):
    import pyreadr

    return next(iter(pyreadr.read_r(str(path)).values()))


def test_shape_design_and_weights(df):
    assert len(df) == 59_069
    assert df.attrs["design"] == {"weight": "ANALWT2_C", "strata": "VESTR_C", "psu": "VEREP"}
    assert df["weight"].sum() == pytest.approx(282.0e6, rel=5e-4)
    assert df["strata"].nunique() == 50 and set(df["psu"]) == {1, 2}
    assert (df["year"] == 2022).all() and set(df["comparability_group"].astype(str)) == {"2021+"}
    # no past-year / past-month column: the extract has lifetime and onset only
    assert not [c for c in df.columns if c.endswith(("_past_year", "_past_month"))]
    assert "no past-year or past-month use" in EXTRACT_2022_NOTES
    # the uploader's derived columns stay out
    assert not [c for c in df.columns if c.startswith("EVER_") or "przed" in c or c.endswith("_IMP")
                or c in ("RLGINF", "MED", "NMD", "HDG", "ETHNIC")]


def test_weighted_lifetime_prevalence_matches_readme_with_design(df):
    import drugtrends as dt

    design = dt.SurveyDesign.from_spec(df, dt.datasets.design_spec("nsduh"))
    est = design.proportion([f"ever_{s}" for s in README])
    got = est[est["level"] == 1.0].set_index("variable")
    for s, pct in README.items():
        row = got.loc[f"ever_{s}"]
        assert 100 * row["estimate"] == pytest.approx(pct, abs=0.005), s
        assert row["ci_low"] < row["estimate"] < row["ci_high"], s
        assert row["df"] == 50  # 100 PSUs - 50 strata


def test_decoding_against_plain_reading(df, raw):
    w = raw["ANALWT2_C"].to_numpy()
    for name, sub in [("MRJ", "cannabis"), ("ALC", "alcohol"), ("HAL", "hallucinogens"), ("FSM", "cigarettes")]:
        v = raw[name].to_numpy()
        np.testing.assert_array_equal(df[f"ever_{sub}"].to_numpy(), (v != 991).astype(float))
        ages = df[f"age_first_{sub}"].to_numpy()
        np.testing.assert_array_equal(np.isnan(ages), v == 991)
        np.testing.assert_array_equal(ages[v != 991], v[v != 991])
    # misuse: 993 = misused, first misuse over 12 months ago (age not asked), 999 = never misused
    pnk = raw["PNK"].to_numpy()
    np.testing.assert_array_equal(df["ever_pain_relievers_misuse"].to_numpy(), (pnk != 999).astype(float))
    assert df.loc[pnk == 993, "age_first_pain_relievers_misuse"].isna().all()
    # daily smoking: 991 never used cigarettes, 993 never daily
    esm = raw["ESM"].to_numpy()
    np.testing.assert_array_equal(df["ever_daily_cigarettes"].to_numpy(), (esm < 900).astype(float))
    # weighted cannabis share by hand
    assert 100 * (w * (raw["MRJ"].to_numpy() != 991)).sum() / w.sum() == pytest.approx(46.94, abs=0.005)
    # lifetime flags shared with the tab-delimited years
    np.testing.assert_array_equal(df["cocaine_lifetime"].to_numpy(), df["ever_cocaine"].to_numpy())


def test_person_columns_against_codes(df, raw):
    assert list(df["age_group"].cat.categories) == list(AGE_GROUPS)
    age3 = raw["AGEPRC"].astype(int).to_numpy()
    assert df["age_group"].astype(str).tolist() == [AGE_GROUPS[a - 1] for a in age3]
    assert (df["age_samhsa"].astype(str).to_numpy() == np.where(age3 <= 3, "12-17",
                                                                  np.where(age3 <= 6, "18-25", "26+"))).all()
    assert (df["age_50plus"].to_numpy() == (age3 >= 10)).all()
    assert df["sex"].astype(str).tolist() == ["male" if g == "1" else "female" for g in raw["GENDER"].astype(str)]
    eth = raw["ETHNIC"].astype(int).to_numpy()
    assert (df["race_ethnicity"].astype(str).to_numpy() == np.array(["White", "Black", "Hispanic", "Other"])[eth - 1]).all()
    # education: missing exactly for the 12-17 year olds (EDUHIGHCAT 5)
    educ = raw["EDUCAT"].astype(int).to_numpy()
    assert (df["education"].isna().to_numpy() == (educ == 5)).all()
    assert ((educ == 5) == (age3 <= 3)).all()
    assert df["county_type"].value_counts().to_dict() == {"Small metro": 30609, "Large metro": 25723, "Nonmetro": 2737}


def test_population_totals_match_samhsa_2022_report(df):
    """SAMHSA's 2022 national report (Key Substance Use and Mental Health Indicators, HHS PEP23-07-01-006):
    past-year marijuana use 22.0 % = 61.9 million people 12+; 11.5 % = 2.9 million aged 12-17; 38.2 % = 13.3
    million aged 18-25; 20.6 % = 45.7 million aged 26+. Each pair implies a population total, known to within
    the rounding of both printed numbers (bounds below); the PUF weights must fall inside: they are calibrated
    to the same population although the PUF keeps 59,069 of the 71,369 respondents (SAMHSA 2022 SAE guide)."""
    published = {None: (61.9, 22.0), "12-17": (2.9, 11.5), "18-25": (13.3, 38.2), "26+": (45.7, 20.6)}
    for group, (millions, pct) in published.items():
        lo = (millions - 0.05) / ((pct + 0.05) / 100) * 1e6
        hi = (millions + 0.05) / ((pct - 0.05) / 100) * 1e6
        w = df["weight"] if group is None else df.loc[df["age_samhsa"] == group, "weight"]
        assert lo <= w.sum() <= hi, (group, lo, w.sum(), hi)


def test_load_2022_reads_the_extract():
    import drugtrends as dt

    real_file("nsduh_2022", "NSDUH_2022_final_dataset.Rdata")
    d = dt.load("nsduh", year=2022)
    assert len(d) == 59_069 and "ever_cannabis" in d.columns
    assert "VESTR_C" in dt.datasets.design_spec("nsduh").notes
    # the profiles report declares nsduh: it is available through the mirrored extract
    assert dt.datasets.availability("nsduh") is None


def test_harmonised_columns_same_in_tab_layout(tmp_path, df):
    p = make_nsduh(tmp_path / "NSDUH_2021_Tab.txt", 400, year=2021, seed=3)
    tab = read_nsduh(p, 2021)
    raw = pd.read_csv(p, sep="\t")
    assert set(HARMONISED) <= set(tab.columns)
    for c in HARMONISED:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            assert list(tab[c].cat.categories) == list(df[c].cat.categories), c
    race = {1: "White", 2: "Black", 3: "Other", 4: "Other", 5: "Other", 6: "Other", 7: "Hispanic"}
    assert tab["race_ethnicity"].astype(str).tolist() == [race[v] for v in raw["NEWRACE2"]]
    # ages at first use decoded before the special codes are blanked
    np.testing.assert_array_equal(tab["ever_cannabis"].to_numpy(), (raw["IRMJAGE"] != 991).to_numpy(float))
    np.testing.assert_array_equal(tab["ever_cannabis"].to_numpy(), tab["cannabis_lifetime"].to_numpy())
    np.testing.assert_array_equal(tab["ever_cocaine"].to_numpy(), tab["cocaine_lifetime"].to_numpy())
    pnr = raw["IRPNRNMAGE"].to_numpy()
    np.testing.assert_array_equal(tab["ever_pain_relievers_misuse"].to_numpy(), (pnr != 999).astype(float))
    np.testing.assert_array_equal(tab["ever_pain_relievers_misuse"].to_numpy(),
                                  tab["pain_relievers_misuse_lifetime"].to_numpy())
    # a substance with a recency recode but no age variable read still gets ever_
    np.testing.assert_array_equal(tab["ever_heroin"].to_numpy(), tab["heroin_lifetime"].to_numpy())


# ---------------------------------------------------------------- bad inputs

def test_bad_codes_named():
    with pytest.raises(SchemaError, match=r"column 'AGE3', row 2: value 12 is not a AGE3 code"):
        person_columns(pd.DataFrame({"AGE3": [1, 12]}), "f.txt")
    with pytest.raises(SchemaError, match=r"column 'IRMJAGE', row 1: value 994 is not an age"):
        first_use_columns(pd.DataFrame({"IRMJAGE": [994, 15]}), "f.txt")


def test_extract_errors(tmp_path, path):
    with pytest.raises(InputError, match="2022"):
        read_nsduh_extract(path, 2021)
    bad = tmp_path / "x.Rdata"
    bad.write_bytes(b"not an R file")
    with pytest.raises(SchemaError, match="cannot read it as an R data file"):
        read_nsduh_extract(bad)
    import pyreadr

    other = tmp_path / "other.Rdata"
    pyreadr.write_rdata(str(other), pd.DataFrame({"VEREP": [1.0], "ANALWT2_C": [2.0]}), df_name="d")
    with pytest.raises(SchemaError, match=r"column\(s\) \['VESTR_C'"):
        read_nsduh_extract(other)


def test_every_first_use_substance_maps_to_the_taxonomy():
    from drugtrends import taxonomy
    from drugtrends.readers.nsduh import TAXONOMY_IDS
    from drugtrends.readers.nsduh_harmonise import first_use_table

    subs = first_use_table()["substance"].tolist()
    assert len(subs) == 14 and len(set(subs)) == 14
    for s in subs:
        assert TAXONOMY_IDS[s] in taxonomy.ids(), s
    assert TAXONOMY_IDS["cigarettes"] == "tobacco" and TAXONOMY_IDS["pain_relievers_misuse"] == "prescription_opioids"


def test_an_edited_extract_is_refused(tmp_path, monkeypatch):
    from _data import temp_data_dir

    import drugtrends as dt
    from drugtrends.errors import IntegrityError

    d = temp_data_dir(tmp_path, monkeypatch, need="nsduh_2022/NSDUH_2022_final_dataset.Rdata")
    assert len(dt.load("nsduh", year=2022)) == 59_069  # copied from the mirror into the temporary data dir
    f = d / "nsduh_2022" / "NSDUH_2022_final_dataset.Rdata"
    data = bytearray(f.read_bytes())
    data[-10] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="NSDUH_2022_final_dataset.Rdata"):
        dt.load("nsduh", year=2022)
