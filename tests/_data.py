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
