"""Shared fixtures.

Real-data tests need the mirrored files. They come from the data directory
(``$DRUGTRENDS_DATA``, default ``data/raw``), fetched from the mirror
(``$DRUGTRENDS_MIRROR`` or ``../shared/data``) once per session. Without a
mirror they are skipped locally, but fail under CI (``CI=true``), where the
mirror is always present: a real-data test must never pass by being skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from drugtrends import paths

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _no_data(msg: str):
    if IN_CI:
        pytest.fail(f"{msg} (CI must have ../shared/data beside the clone)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The data directory with every mirrored dataset fetched and verified."""
    from drugtrends import fetch

    if paths.default_mirror() is None and not paths.data_dir().is_dir():
        _no_data("no data mirror (set DRUGTRENDS_MIRROR) and no data directory")
    fetch.fetch(None, quiet=True)
    return paths.data_dir()


@pytest.fixture(scope="session")
def nhanes_raw(data_dir) -> pd.DataFrame:
    """NHANESraw.csv as published (before any harmonisation)."""
    return pd.read_csv(data_dir / "nhanes_2009_2012" / "NHANESraw.csv", low_memory=False,
                       keep_default_na=False, na_values=[""])  # "None" is an answer (Depressed)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder with the committed R scripts and the numbers they printed."""
    return Path(__file__).parent / "reference"
