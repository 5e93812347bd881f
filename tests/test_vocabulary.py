"""One vocabulary over every public signature (issue 25; docs/ARCHITECTURE.md).

``weight`` (not ``weights``), ``level`` (never ``alpha``), ``by``, ``data`` for
frames (``df`` only for degrees of freedom), ``x`` / ``y`` for series, ``ci``
always a method name (never a bool). Old names keep working for one minor
version through :mod:`drugtrends._compat` (FutureWarning).

``KNOWN`` lists the offenders left in modules this round did not rename; a new
offender anywhere fails the test (remove an entry when its module is renamed).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import numpy as np
import pandas as pd
import pytest

import drugtrends
from drugtrends.errors import InputError

#: Offenders still to rename, "module.function: parameter" (none left: a new one fails the test).
KNOWN: set[str] = set()

OLD_NAMES = {"alpha": "level", "weights": "weight", "year_col": "x", "year_column": "x"}


def _public_functions():
    """Every function and public method reachable as ``dt.<module>.<name>`` (a top-level module's or package's
    ``__all__``, or its public names), named by where it is defined. Engine modules of a package (``trends.jp_fit``)
    count only for what their package re-exports."""
    seen = set()
    for m in pkgutil.iter_modules(drugtrends.__path__):
        if m.name.startswith("_"):
            continue
        try:
            mod = importlib.import_module(f"drugtrends.{m.name}")
        except Exception:  # an optional extra or a module mid-edit: not a signature question
            continue
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for n in names:
            try:
                obj = getattr(mod, n)
            except Exception:
                continue
            if not str(getattr(obj, "__module__", "")).startswith("drugtrends") or id(obj) in seen:
                continue
            seen.add(id(obj))
            where = f"{obj.__module__}.{getattr(obj, '__qualname__', n)}"
            if inspect.isfunction(obj):
                yield where, obj
            elif inspect.isclass(obj):
                for k, v in vars(obj).items():
                    if inspect.isfunction(v) and not k.startswith("_"):
                        yield f"{where}.{k}", v


def _offences(name: str, fn) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    out = []
    for i, p in enumerate(params):
        if p.name in OLD_NAMES:
            out.append(f"{name}: {p.name}")
        if p.name == "df":
            ann = str(p.annotation)
            first = i == 0 or (i == 1 and params[0].name in ("self", "cls"))
            if "DataFrame" in ann or first:
                out.append(f"{name}: df")
        if p.name == "ci" and isinstance(p.default, bool):
            out.append(f"{name}: ci(bool)")
    return out


def test_every_public_signature_speaks_one_vocabulary():
    found = {o for name, fn in _public_functions() for o in _offences(name, fn)}
    new = sorted(found - KNOWN)
    assert not new, ("public signatures outside the vocabulary (weight, level, by, data, x/y, ci = method): "
                     + "; ".join(new))


def test_the_checker_catches_old_names():
    def f(df: pd.DataFrame, alpha: float = 0.05, weights=None, ci: bool = True):
        return df
    assert sorted(_offences("f", f)) == ["f: alpha", "f: ci(bool)", "f: df", "f: weights"]

    def g(data, df: float = 3.0):
        return data
    assert _offences("g", g) == []


def test_old_names_still_work_with_a_future_warning():
    from drugtrends.trends import joinpoint, rate_trend
    yrs = np.arange(2000, 2012)
    d = pd.DataFrame({"year": yrs, "rate": 2 * 1.05 ** (yrs - 2000) * (1 + 0.01 * np.sin(yrs))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        new = joinpoint(data=d, max_joinpoints=0, method="bic", level=0.9)
        with pytest.warns(FutureWarning, match=r"alpha= is renamed level=0\.9"):
            old = joinpoint(df=d, max_joinpoints=0, method="bic", alpha=0.1)
    pd.testing.assert_frame_equal(new.segments, old.segments)
    with pytest.raises(InputError, match="alpha= and level= both given"):
        joinpoint(d, alpha=0.1, level=0.9)
    c = pd.DataFrame({"year": yrs, "n": 100 + 5 * np.arange(12), "pop": 1e5})
    with pytest.warns(FutureWarning, match="df= is renamed data="):
        r = rate_trend(df=c, x="year", count="n", population="pop")
    assert r.table["apc"].iloc[0] == pytest.approx(rate_trend(c, "year", "n", "pop").table["apc"].iloc[0])


def test_profile_table_weights_is_weight():
    from drugtrends.profiles import profile_table
    d = pd.DataFrame({"use": [1, 1, 0, 0, 0, 1], "sex": list("fmfmfm"), "w": [1.0, 2, 1, 2, 1, 2]})
    with pytest.warns(FutureWarning, match="weights= is renamed weight="):
        a = profile_table(d, "use", ["sex"], weights="w")
    b = profile_table(d, "use", ["sex"], weight="w")
    pd.testing.assert_frame_equal(a, b)


def test_forgotten_required_arguments_are_drugtrends_errors():
    from drugtrends.survey import SurveyDesign
    d = pd.DataFrame({"w": [1.0, 2.0], "y": [0, 1]})
    with pytest.raises(InputError, match=r"SurveyDesign\(\): missing a required argument: 'weight'.*"
                                         r"SurveyDesign\(data, weight, strata=None"):
        SurveyDesign(d)
    from drugtrends.plots.bars import bar_ci
    with pytest.raises(InputError, match="missing a required argument: 'source'"):
        bar_ci(pd.DataFrame({"a": ["x"], "e": [1.0]}), "a", "e", title="t")


def test_plots_take_data_and_name_a_forgotten_source():
    import matplotlib.pyplot as plt

    from drugtrends.plots import joinpoint_plot, km_plot, small_multiples, trend_plot
    d = pd.DataFrame({"country": ["FR", "FR"], "year": [2017, 2023], "best": [1.7, 2.7]})
    with pytest.warns(FutureWarning, match="df= is renamed data="):
        fig = trend_plot(df=d, x="year", y="best", title="t", source="s")
    plt.close(fig)
    with pytest.warns(FutureWarning, match="df= is renamed data="):
        fig = small_multiples(df=d, facet="country", x="year", y="best", title="t", source="s")
    plt.close(fig)
    k = pd.DataFrame({"time": [15.0, 18], "survival": [0.9, 0.7], "ci_low": [0.85, 0.6], "ci_high": [0.95, 0.8]})
    with pytest.warns(FutureWarning, match="df= is renamed data="):
        fig = km_plot(df=k, title="t", source="s")
    plt.close(fig)
    for call in (lambda: trend_plot(d, "year", "best", title="t"),
                 lambda: small_multiples(d, "country", "year", "best", title="t"),
                 lambda: km_plot(k, title="t"),
                 lambda: joinpoint_plot(object(), title="t", ylabel="y")):
        with pytest.raises(InputError, match=r"missing a required argument: 'source'.*Call it as"):
            call()


def test_capture_recapture_ci_is_a_method_name():
    from drugtrends.indirect import capture_recapture
    h = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 1], "n": [167, 781, 254]})
    prof = capture_recapture(data=h, lists=["A", "B"])
    assert prof["ci_method"].iloc[0] == "profile" and prof["ci_low"].notna().all()
    none = capture_recapture(h, ["A", "B"], ci=None)
    assert none["ci_method"].iloc[0] == "none" and none["ci_low"].isna().all()
    pd.testing.assert_frame_equal(none, capture_recapture(h, ["A", "B"], ci="none"))
    with pytest.warns(FutureWarning, match=r"ci=True is now written ci='profile'"):
        pd.testing.assert_frame_equal(capture_recapture(h, ["A", "B"], ci=True), prof)
    with pytest.warns(FutureWarning, match=r"ci=False is now written ci=None"):
        pd.testing.assert_frame_equal(capture_recapture(h, ["A", "B"], ci=False), none)
    with pytest.warns(FutureWarning, match="df= is renamed data="):
        capture_recapture(df=h, lists=["A", "B"], ci=None)
    with pytest.raises(InputError, match="ci='wald' is not one of 'profile', 'none'"):
        capture_recapture(h, ["A", "B"], ci="wald")
