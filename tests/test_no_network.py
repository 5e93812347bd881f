"""Nothing in drugtrends reaches the network except `drugtrends fetch` (issue 24).

Every socket connection is refused (``socket.connect`` raises) while library
calls run: loading mirrored data, survey estimates, joinpoint, tables, and
DuckDB counting with a bad ``where=`` (which must not try to install the
``inet`` extension).
"""

from __future__ import annotations

import socket
import warnings

import numpy as np
import pandas as pd
import pytest

import drugtrends as dt


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    calls = []

    def refuse(self, address, *args, **kwargs):
        calls.append(address)
        raise NetworkUsed(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return calls


def test_the_guard_itself_refuses(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80), timeout=1)
    assert no_network == [("example.org", 80)]


def test_library_calls_run_offline(no_network, data_dir):
    frame = dt.datasets.analysis_frame("nhanes_2009_2012")
    des = dt.SurveyDesign.from_spec(frame, dt.datasets.design_spec("nhanes_2009_2012"))
    assert des.mean("hd")["estimate"].iloc[0] > 0
    fit = des.glm("hd ~ sex", family="binomial")
    assert "OR" in dt.tables.regression_table(fit).as_raw_html()
    d = dt.load("unodc_prevalence")
    assert len(d) > 0
    yrs = np.arange(2000, 2012)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = dt.joinpoint(pd.DataFrame({"year": yrs, "rate": 1.05 ** (yrs - 2000)}), max_joinpoints=0, method="bic")
    assert r.n_joinpoints == 0
    assert no_network == []


def test_duckdb_bad_where_does_not_install_extensions(no_network):
    from drugtrends.admissions import admissions_profile
    from drugtrends.errors import DrugtrendsError
    df = pd.DataFrame({"ADMYR": [2019, 2020], "SUB1": [5, 5], "EMPLOY": [1, 2]})
    with pytest.raises(DrugtrendsError) as info:
        # host() is a function of DuckDB's inet extension: autoinstall would download it. DuckDB's own HTTP
        # client does not go through Python's socket module, so its message is what tells.
        admissions_profile(df, by=["ADMYR"], characteristics=["EMPLOY"], where="host(CAST('1.2.3.4' AS INET)) = 'x'")
    msg = str(info.value)
    assert "not in the catalog" in msg and "automatically install" not in msg and "download" not in msg.lower()
    assert no_network == []
