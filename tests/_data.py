"""Real data for tests: fetched from the mirror into the data dir, never read in place.

``real_file(dataset_id, name)`` returns the verified data-dir copy, fetching it
from the mirror (``$DRUGTRENDS_MIRROR`` or ``../shared/data``) first if needed.
Without a mirror the test is skipped locally but FAILS under CI (``CI=true``),
where the mirror is always present: a real-data test must never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def no_data(msg: str) -> None:
    """Skip locally, fail under CI."""
    if IN_CI:
        pytest.fail(f"{msg} (CI must have ../shared/data beside the clone)")
    pytest.skip(msg)


def real_file(dataset: str, name: str | None = None) -> Path:
    """Return the data-dir path of a mirrored file, fetching and verifying it if missing."""
    from drugtrends import fetch
    from drugtrends.errors import DrugtrendsError

    try:
        fetch.ensure(dataset)
    except DrugtrendsError as exc:
        no_data(f"{dataset}: {exc}")
    return fetch.dataset_file(dataset, name)


def temp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, need: str = "nhanes_2009_2012/NHANESraw.csv") -> Path:
    """An empty data directory under ``tmp_path`` fed from the real mirror (for tests that edit fetched files).

    The project's data/raw and the shared mirror are never touched: fetches copy
    from the mirror into this directory, and tests may then edit the copies.
    """
    from drugtrends import paths

    mirror = paths.default_mirror()
    if mirror is None or not (mirror / need).is_file():
        no_data("the data mirror (../shared/data) is not here")
    d = tmp_path / "data"
    monkeypatch.setenv("DRUGTRENDS_DATA", str(d))
    monkeypatch.setenv("DRUGTRENDS_MIRROR", str(mirror))
    return d
