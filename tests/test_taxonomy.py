"""Tests of drugtrends.taxonomy against the sources' own codebooks and files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from _data import real_file

from drugtrends import taxonomy
from drugtrends.errors import UnknownVariableError


def _data_file(dataset: str, name: str) -> Path:
    """Verified data-dir copy (fetched from the mirror if missing)."""
    return real_file(dataset, name)


# ---------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------


def test_ids_unique_snake_case():
    ids = taxonomy.ids()
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def test_hierarchy_acyclic_and_parents_exist():
    t = taxonomy.all_substances()
    known = set(t["id"])
    for sid, parent in zip(t["id"], t["parent"]):
        if pd.notna(parent):
            assert parent in known, f"{sid}: parent {parent!r} is not a substance"
        # walking up terminates without revisiting (acyclic)
        seen = {sid}
        cur = parent
        while pd.notna(cur) and cur is not None:
            assert cur not in seen, f"cycle through {cur!r}"
            seen.add(cur)
            cur = taxonomy.get(cur).parent
    # level equals the number of ancestors
    assert (t["level"] == [len(taxonomy.ancestors(i)) for i in t["id"]]).all()


def test_every_substance_has_english_and_french_labels():
    t = taxonomy.all_substances()
    assert t["label_en"].str.strip().str.len().gt(0).all()
    assert t["label_fr"].str.strip().str.len().gt(0).all()


@pytest.mark.parametrize("sid, fr", [
    ("cocaine", "cocaïne"), ("crack", "crack"), ("cannabis", "cannabis"), ("heroin", "héroïne"),
    ("ketamine", "kétamine"), ("ecstasy", "MDMA/ecstasy"), ("amphetamines", "amphétamines"),
    ("methamphetamine", "méthamphétamine"), ("prescription_opioids", "opioïdes médicamenteux"),
    ("tranquillizers_sedatives", "tranquillisants/sédatifs"), ("nps", "nouveaux produits de synthèse"),
    ("lsd", "LSD"), ("alcohol", "alcool"), ("tobacco", "tabac"), ("mushrooms", "champignons hallucinogènes"),
])
def test_ofdt_french_labels(sid, fr):
    assert taxonomy.label(sid, "fr") == fr


def test_synthetic_opioids_french_label_uses_ofdt_term():
    assert taxonomy.label("synthetic_opioids", "fr").startswith("opioïdes de synthèse")
    assert taxonomy.label("fentanyl", "en").startswith("Fentanyl")


def test_hierarchy_facts():
    assert taxonomy.get("crack").parent == "cocaine"
    assert taxonomy.ancestors("fentanyl") == ["synthetic_opioids", "opioids"]
    assert taxonomy.ancestors("heroin") == ["opiates", "opioids"]
    assert taxonomy.is_a("methamphetamine", "amphetamines")
    assert taxonomy.is_a("methamphetamine", "psychostimulants")
    assert taxonomy.is_a("crack", "stimulants")
    assert not taxonomy.is_a("cocaine", "opioids")
    assert not taxonomy.is_a("opioids", "heroin")  # not upside down
    d = taxonomy.descendants("opioids")
    assert d[0] == "opioids" and {"heroin", "opium", "fentanyl", "methadone", "prescription_opioids"} <= set(d)
    assert "cocaine" not in d
    assert taxonomy.descendants("cocaine", include_self=False) == ["crack", "coca_paste"]
    assert taxonomy.descendants("benzodiazepines", include_self=False) == []


def test_unknown_id_lists_valid_ids():
    with pytest.raises(UnknownVariableError, match="cocaine") as exc:
        taxonomy.get("cocaïne")
    assert "Unknown substance id 'cocaïne'" in str(exc.value)
    with pytest.raises(UnknownVariableError):
        taxonomy.descendants("nope")
    with pytest.raises(ValueError):
        taxonomy.label("cocaine", "de")


def test_every_mapped_substance_exists():
    known = set(taxonomy.ids())
    for source in taxonomy.SOURCES:
        m = taxonomy.mapping(source)
        assert list(m.columns) == ["source", "code", "label", "substance", "note"]
        assert not m["code"].duplicated().any(), source
        bad = set(m["substance"].dropna()) - known
        assert not bad, f"{source}: unknown ids {bad}"


def test_unknown_source_and_code():
    with pytest.raises(UnknownVariableError, match="Valid sources"):
        taxonomy.from_source("espad", "x")
    with pytest.raises(UnknownVariableError, match="Known codes"):
        taxonomy.from_source("teds", 99)
    with pytest.raises(UnknownVariableError):
        taxonomy.from_source("uci", "Tea")


# ---------------------------------------------------------------------------
# TEDS: every SUB code and flag of the official codebook
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def teds_codebook() -> pd.DataFrame:
    return pd.read_csv(_data_file("teds_codebook", "teds_a_value_labels.csv"), dtype=str, keep_default_na=False)


def test_every_teds_sub_code_maps(teds_codebook):
    sub = teds_codebook[teds_codebook["code"].isin(["SUB1", "SUB2", "SUB3"])]
    assert len(sub) == 60  # 20 codes x 3 variables
    m = taxonomy.mapping("teds").set_index("code")
    for _, r in sub.iterrows():
        sid = taxonomy.from_source("teds", int(r["Value"]))  # must not raise
        label = r["2000-2021"].strip()
        if label:  # codebook label agrees with ours (code 1 'None' is blank in this CSV)
            assert m.loc[r["Value"], "label"].casefold() == label.casefold()
        if r["Value"] in ("-9", "1"):
            assert sid is None
        else:
            assert sid is not None


@pytest.mark.parametrize("code, sid", [
    (2, "alcohol"), (3, "cocaine"), (4, "cannabis"), (5, "heroin"), (6, "methadone"),
    (7, "prescription_opioids"), (10, "methamphetamine"), (13, "benzodiazepines"), (15, "barbiturates"),
    ("3", "cocaine"), (3.0, "cocaine"),
])
def test_teds_codes_meaning(code, sid):
    assert taxonomy.from_source("teds", code) == sid


def test_every_teds_flag_maps(teds_codebook):
    flags = sorted({c for c in teds_codebook["code"] if c.endswith("FLG")})
    assert len(flags) == 18
    for f in flags:
        assert taxonomy.from_source("teds", f) is not None, f
    assert taxonomy.from_source("teds", "COKEFLG") == "cocaine"
    assert taxonomy.from_source("teds", "MTHAMFLG") == "methamphetamine"


# ---------------------------------------------------------------------------
# UCI, NHANES, NSDUH
# ---------------------------------------------------------------------------


def test_every_uci_column_maps():
    with open(_data_file("uci_drug_consumption", "drug_consumption.data"), newline="") as fh:
        header = next(csv.reader(fh))
    substances = header[header.index("SensationSeeking") + 1:]
    assert len(substances) == 19
    mapped = {c: taxonomy.from_source("uci", c) for c in substances}
    assert all(v is not None for v in mapped.values())
    assert mapped["Meth"] == "methadone"  # UCI 'Meth' is methadone
    assert mapped["Coke"] == "cocaine" and mapped["Crack"] == "crack"
    assert mapped["Semer"] == "semeron" and mapped["LegalHigh"] == "nps" and mapped["Amyl"] == "poppers"
    assert set(taxonomy.mapping("uci")["code"]) == set(substances)


def test_nhanes_variables_map():
    with open(_data_file("nhanes_2009_2012", "NHANESraw.csv"), newline="") as fh:
        header = next(csv.reader(fh))
    for v in ("Marijuana", "RegularMarij", "HardDrugs", "AlcoholYear", "SmokeNow"):
        assert v in header
    assert taxonomy.from_source("nhanes", "Marijuana") == "cannabis"
    assert taxonomy.from_source("nhanes", "RegularMarij") == "cannabis"
    assert taxonomy.from_source("nhanes", "HardDrugs") == "cocaine_heroin_methamphetamine"
    assert taxonomy.get("cocaine_heroin_methamphetamine").label_fr == "cocaïne, héroïne ou méthamphétamine"


@pytest.mark.parametrize("var, sid", [
    ("IRMJRC", "cannabis"), ("MRJFLAG", "cannabis"), ("MRJMON", "cannabis"), ("IRCOCRC", "cocaine"),
    ("COCYR", "cocaine"), ("IRCRKRC", "crack"), ("IRHERRC", "heroin"), ("IRHALLUCREC", "hallucinogens"),
    ("IRLSDRC", "lsd"), ("IRKETMINREC", "ketamine"), ("IRECSTMOREC", "ecstasy"), ("IRMETHAMREC", "methamphetamine"),
    ("METHAMYR", "methamphetamine"), ("IRPNRNMREC", "prescription_opioids"), ("PNRNMYR", "prescription_opioids"),
    ("IRTRQNMREC", "tranquillizers"), ("IRSEDNMREC", "sedatives"), ("IRSTMNMREC", "prescription_stimulants"),
    ("IRALCRC", "alcohol"), ("IRCIGRC", "tobacco"), ("ILLYR", "illicit_drugs"), ("OPINMYR", "opioids"),
    ("mrj", "cannabis"),
])
def test_nsduh_variables(var, sid):
    assert taxonomy.from_source("nsduh", var) == sid


# ---------------------------------------------------------------------------
# UNODC and VSRR
# ---------------------------------------------------------------------------


def test_every_unodc_sheet_maps():
    import openpyxl

    expected = {
        "Cannabis": "cannabis", "Cocaine": "cocaine", "Amphetamines": "amphetamines", "Ecstasy": "ecstasy",
        "Prescription Stimulants": "prescription_stimulants", "Opioids": "opioids", "Opiates": "opiates",
        "Prescription opioids": "prescription_opioids", "Tranquillizers and sedatives": "tranquillizers_sedatives",
        "NPS": "nps",
    }
    for name in ("1.2_Prevalence_of_drug_use_in_the_general_population_national_data.xlsx",
                 "1.4_Prevalence_of_drug_use_in_the_youth_population_national_data_including_NPS.xlsx"):
        wb = openpyxl.load_workbook(_data_file("unodc_wdr2025", name), read_only=True)
        sheets = [s for s in wb.sheetnames if s != "Lookup"]
        wb.close()
        assert sheets
        for s in sheets:
            assert taxonomy.from_source("unodc", s) == expected[s]


def test_every_unodc_drug_group_maps():
    import openpyxl

    for name, col in (("2.1_Expert_perception_of_trend_changes_in_use_of_drugs_all_drugs.xlsx", 4),
                      ("7.1_Drug_seizures_2019-2023.xlsx", 3)):
        wb = openpyxl.load_workbook(_data_file("unodc_wdr2025", name), read_only=True)
        groups = set()
        for i, r in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
            if i >= 3 and len(r) > col and r[col] and r[2]:
                groups.add(r[col])
        wb.close()
        assert len(groups) >= 10
        for g in groups:
            taxonomy.from_source("unodc", g)  # must not raise
    assert taxonomy.from_source("unodc", "“Ecstasy”-type substances") == "ecstasy"
    assert taxonomy.from_source("unodc", "Precursors") is None


def test_every_vsrr_indicator_maps():
    with open(_data_file("cdc_vsrr", "VSRR_Provisional_Drug_Overdose_Death_Counts.csv"), newline="") as fh:
        indicators = {r["Indicator"] for r in csv.DictReader(fh)}
    assert len(indicators) == 12
    mapped = {i: taxonomy.from_source("vsrr", i) for i in indicators}
    assert mapped["Synthetic opioids, excl. methadone (T40.4)"] == "synthetic_opioids"
    assert mapped["Heroin (T40.1)"] == "heroin"
    assert mapped["Psychostimulants with abuse potential (T43.6)"] == "psychostimulants"
    assert mapped["Number of Drug Overdose Deaths"] == "all_drugs"
    assert mapped["Number of Deaths"] is None and mapped["Percent with drugs specified"] is None
    # each drug indicator's ICD-10 codes match the taxonomy's
    for ind, sid in mapped.items():
        codes = taxonomy.icd10_codes(ind)
        if codes and sid in ("heroin", "cocaine", "methadone", "synthetic_opioids", "psychostimulants"):
            assert taxonomy.get(sid).icd10 == codes[0]


def test_vsrr_matches_by_icd_codes_when_label_changes():
    assert taxonomy.from_source("vsrr", "Synthetic opioids, excluding methadone (T40.4)") == "synthetic_opioids"
    assert taxonomy.from_source("vsrr", "Opioids (T40.0-T40.4, T40.6)") == "opioids"


def test_icd10_expansion():
    assert taxonomy.icd10_codes("Opioids (T40.0-T40.4,T40.6)") == ["T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6"]
    assert taxonomy.icd10_codes("(T40.2, T40.3)") == ["T40.2", "T40.3"]
    assert taxonomy.icd10_codes("Number of Deaths") == []


def test_mappings_are_read_from_the_codebook_csvs():
    """The code tables live in data/codebooks/substance_codes_<source>.csv, not in Python."""
    folder = Path(__file__).resolve().parents[1] / "data" / "codebooks"
    files = sorted(folder.glob("substance_codes_*.csv"))
    assert {f.stem.removeprefix("substance_codes_") for f in files} == set(taxonomy.SOURCES)
    with open(folder / "substance_codes_uci.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(taxonomy.mapping("uci")) == len(rows)
    meth = next(r for r in rows if r["code"] == "Meth")
    assert taxonomy.from_source("uci", "Meth") == meth["substance"] == "methadone"
    # the mapping module holds no literal code table any more
    src = Path(taxonomy.__file__).read_text(encoding="utf-8")
    assert "_TEDS = (" not in src and "Cocaine/Crack" not in src


def test_label_refuses_unknown_language_with_input_error():
    from drugtrends.errors import InputError

    with pytest.raises(InputError, match="lang='de'"):
        taxonomy.label("cocaine", "de")
