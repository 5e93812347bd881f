"""One vocabulary: every dataset the package loads has at most one sex column, spelled ``sex`` (issue 25).

NHANESraw.csv publishes sex twice (``Sex`` and ``Gender``), the UCI file as ``Gender`` and TEDS as
``GENDER``; the readers keep one column, ``sex``. Every dataset id of ``datasets.list_datasets()`` is
loaded (a new id without an entry in ``FETCH_ONLY`` fails ``test_every_dataset_id_is_checked``):
through ``dt.load`` from the mirror, or, for the fetch-only TEDS files (one year is gigabytes),
through the TEDS reader on the mirrored 2017 TEDS-A sample and ``dt.load("teds_d", path=)`` on a
generated TEDS-D file.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import drugtrends as dt

sys.path.insert(0, str(Path(__file__).parent))
from _data import real_file  # noqa: E402

from drugtrends.readers.teds import read_teds  # noqa: E402

pytestmark = pytest.mark.realdata

#: Lower-cased column names that mean sex.
SEX_NAMES = {"sex", "gender"}


def sex_problems(columns) -> list[str]:
    """What breaks the one-sex-column rule in ``columns`` (empty when at most one, spelled ``sex``)."""
    found = [str(c) for c in columns if str(c).lower() in SEX_NAMES]
    problems = []
    if len(found) > 1:
        problems.append(f"{len(found)} sex columns {found}: keep one, spelled 'sex'")
    problems += [f"column {c!r} means sex: spell it 'sex'" for c in found if c != "sex"]
    return problems


def _teds_d_file(tmp_path: Path) -> Path:
    from _generate import make_teds

    return make_teds(tmp_path / "tedsd_puf_2019.csv", 200, "D", seed=3, year=2019)


#: Fetch-only datasets (too large to mirror): how to load a small real-format file through dt.load.
FETCH_ONLY = {
    "nsduh": lambda tmp: dt.load("nsduh", year=2022),  # the mirrored 2022 public-use extract
    # the 2017 sample has no ADMYR column, and load(path=) passes no year: the reader, with year=2017
    "teds_a": lambda tmp: read_teds(real_file("teds_a_2017_sample", "ALL_TEDS_DATA_1.csv"), "A", year=2017),
    "teds_d": lambda tmp: dt.load("teds_d", path=_teds_d_file(tmp)),
}


def _ids() -> list[str]:
    return dt.datasets.list_datasets()["id"].tolist()


def _load(dataset_id: str, tmp_path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the TEDS sample's Census columns, announced as ignored
        if dataset_id in FETCH_ONLY:
            return FETCH_ONLY[dataset_id](tmp_path)
        return dt.load(dataset_id)


def test_every_dataset_id_is_checked():
    reg = dt.datasets.list_datasets().set_index("id")
    fetch_only = set(reg.index[reg["fetch_only"].astype(bool)])
    assert fetch_only == set(FETCH_ONLY), "a fetch-only dataset needs a small file in FETCH_ONLY"


@pytest.mark.parametrize("dataset_id", _ids())
def test_dataset_has_one_sex_column_spelled_sex(data_dir, tmp_path, dataset_id):
    df = _load(dataset_id, tmp_path)
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    assert sex_problems(df.columns) == [], dataset_id


def test_nhanes_analysis_frame_has_one_sex_column(data_dir):
    a = dt.datasets.analysis_frame("nhanes_2009_2012")
    assert sex_problems(a.columns) == []
    assert list(a["sex"].cat.categories) == ["male", "female"]


def test_nhanes_and_nsduh_spell_and_order_sex_alike(data_dir):
    nh = dt.load("nhanes_2009_2012")["sex"]
    ns = dt.load("nsduh", year=2022)["sex"]
    assert list(nh.cat.categories) == list(ns.cat.categories) == ["male", "female"]


def test_checker_fails_on_sex_and_gender():
    toy = pd.DataFrame({"Sex": ["female"], "Gender": ["female"], "age": [30]})
    problems = sex_problems(toy.columns)
    assert problems and "2 sex columns ['Sex', 'Gender']" in problems[0]
    assert sex_problems(pd.DataFrame({"GENDER": [1]}).columns) == ["column 'GENDER' means sex: spell it 'sex'"]
    assert sex_problems(pd.DataFrame({"sex": ["male"], "SexOrientation": ["x"], "sex_score": [0.1]}).columns) == []


@pytest.mark.parametrize("kind", ["A", "D"])
def test_teds_gender_is_read_as_sex(data_dir, tmp_path, kind):
    # the mirrored 2017 TEDS-A sample has no GENDER column: generated files in the official layout do
    from _generate import make_teds

    p = make_teds(tmp_path / f"teds{kind.lower()}_puf_2019.csv", 100, kind, seed=5, year=2019)
    df = dt.load(f"teds_{kind.lower()}", path=p)
    assert "sex" in df.columns and sex_problems(df.columns) == []
    assert set(df["sex"].dropna().astype(str)) <= {"Male", "Female"}
