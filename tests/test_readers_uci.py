"""UCI drug consumption reader: real file against the published counts and an
independent csv-module reading; bad inputs fail loudly."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from drugtrends import paths
from drugtrends.errors import DataNotFoundError, SchemaError
from drugtrends.readers.uci import SUBSTANCES, USAGE_LABELS, quantified_scores, read_uci

NAME = "uci_drug_consumption/drug_consumption.data"


@pytest.fixture(scope="module")
def uci_path() -> Path:
    for root in (paths.data_dir(), paths.default_mirror()):
        if root is not None and (root / NAME).is_file():
            return root / NAME
    pytest.skip("UCI file not in the data directory nor the mirror")


@pytest.fixture(scope="module")
def uci(uci_path) -> pd.DataFrame:
    return read_uci(uci_path)


@pytest.fixture(scope="module")
def rows(uci_path) -> list[dict[str, str]]:
    with open(uci_path, newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- real data

def test_shape_and_ids(uci, rows):
    assert len(uci) == 1885 == len(rows)
    assert uci["ID"].tolist() == [int(r["ID"]) for r in rows]


# Counts published with the dataset (UCI dataset 373 page; Fehrman et al. 2017, Table 1)
PUBLISHED = {
    "Age": {"18-24": 643, "25-34": 481, "35-44": 356, "45-54": 294, "55-64": 93, "65+": 18},
    "sex": {"Female": 942, "Male": 943},  # published as Gender; read_uci names it sex (issue 25)
    "Country": {"Australia": 54, "Canada": 87, "New Zealand": 5, "Other": 118, "Republic of Ireland": 20,
                "UK": 1044, "USA": 557},
    "Ethnicity": {"Asian": 26, "Black": 33, "Mixed-Black/Asian": 3, "Mixed-White/Asian": 20,
                  "Mixed-White/Black": 20, "Other": 63, "White": 1720},
}


@pytest.mark.parametrize("col", list(PUBLISHED))
def test_demographic_counts_match_publication(uci, col):
    assert uci[col].value_counts().to_dict() == PUBLISHED[col]


def test_education_counts_match_codebook_and_raw_scores(uci, rows):
    table = quantified_scores()
    edu = table[table.variable == "Education"]
    expected = dict(zip(edu.category, edu.n_documented))
    assert uci["Education"].value_counts().to_dict() == expected
    # independent: count raw scores as text, map through the documented table
    raw = Counter(round(float(r["Education"]), 5) for r in rows)
    by_score = {round(s, 5): c for s, c in zip(edu.score, edu.category)}
    assert {by_score[k]: v for k, v in raw.items()} == expected
    assert uci["Education"].cat.ordered and uci["Age"].cat.ordered
    assert list(uci["Age"].cat.categories) == ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]


def test_codebook_counts_sum_to_sample():
    t = quantified_scores()
    assert (t.groupby("variable").n_documented.sum() == 1885).all()


def test_cannabis_classes_and_flags(uci, rows):
    # published class counts for cannabis (UCI page): CL0..CL6
    published = [413, 207, 266, 211, 140, 185, 463]
    assert uci["Cannabis"].value_counts(sort=False).tolist() == published
    assert uci["Cannabis"].cat.ordered
    assert list(uci["Cannabis"].cat.categories) == list(USAGE_LABELS.values())
    assert uci["cannabis_ever"].sum() == 1885 - 413
    assert uci["cannabis_decade"].sum() == 1885 - 413 - 207
    assert uci["cannabis_year"].sum() == 211 + 140 + 185 + 463
    assert uci["cannabis_month"].sum() == 140 + 185 + 463


@pytest.mark.parametrize("sub", SUBSTANCES)
def test_every_substance_against_csv_module(uci, rows, sub):
    raw_name = {"Ecstasy": "Ecstacy"}.get(sub, sub)
    classes = np.array([int(r[raw_name][2:]) for r in rows])
    assert (uci[f"{sub}_class"].to_numpy() == classes).all()
    for flag, k in (("ever", 1), ("decade", 2), ("year", 3), ("month", 4)):
        assert (uci[f"{sub.lower()}_{flag}"].to_numpy() == (classes >= k)).all()
        assert uci[f"{sub.lower()}_{flag}"].dtype == bool


def test_semer_overclaimers(uci):
    # Semeron is fictitious: the authors report 8 respondents claiming use
    assert int(uci["semer_ever"].sum()) == 8


def test_personality_scores_unchanged(uci, rows):
    for col in ("Nscore", "Escore", "Oscore", "Ascore", "Cscore", "Impulsiveness", "SensationSeeking"):
        assert uci[col].dtype == "float64"
        np.testing.assert_array_equal(uci[col].to_numpy(), np.array([float(r[col]) for r in rows]))


def test_headerless_original_layout(uci_path, uci, tmp_path):
    lines = uci_path.read_text().splitlines()[1:]
    p = tmp_path / "drug_consumption.data"
    p.write_text("\n".join(lines) + "\n")
    pd.testing.assert_frame_equal(read_uci(p), uci)


# ---------------------------------------------------------------- bad inputs

def _write(tmp_path, text, name="bad.data"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_unknown_score_names_column_line_value(uci_path, tmp_path):
    lines = uci_path.read_text().splitlines()
    parts = lines[5].split(",")
    parts[4] = "0.77777"  # Country
    lines[5] = ",".join(parts)
    p = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"'Country', line 6: score '0.77777'"):
        read_uci(p)


def test_score_within_tolerance_is_accepted(tmp_path):
    row = "1,0.49790,0.48246,-0.05921,0.96082,0.12600," + ",".join(["0.1"] * 7) + "," + ",".join(["CL0"] * 19)
    assert read_uci(_write(tmp_path, row + "\n"))["Age"].iloc[0] == "35-44"
    row2 = row.replace("0.49790", "0.49810", 1)  # 2.2e-4 away: outside the 1e-4 tolerance
    with pytest.raises(SchemaError, match="'Age'"):
        read_uci(_write(tmp_path, row2 + "\n", "b2.data"))


def test_bad_usage_class(uci_path, tmp_path):
    text = uci_path.read_text().replace(",CL6,", ",CL7,", 1)
    with pytest.raises(SchemaError, match="CL7"):
        read_uci(_write(tmp_path, text))


def test_missing_column(uci_path, tmp_path):
    text = uci_path.read_text().replace("Nscore", "Nscore_x", 1)
    with pytest.raises(SchemaError, match="missing column"):
        read_uci(_write(tmp_path, text))


def test_empty_file(tmp_path):
    with pytest.raises(SchemaError, match="empty"):
        read_uci(_write(tmp_path, ""))


def test_truncated_file(uci_path, tmp_path):
    text = uci_path.read_text()
    with pytest.raises(SchemaError):
        read_uci(_write(tmp_path, text[: len(text) - 40]))


def test_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="drugtrends fetch uci_drug_consumption"):
        read_uci(tmp_path / "nope.data")
