"""drugtrends: reproducible drug-use epidemiology in Python.

Import as ``import drugtrends as dt``. Submodules load lazily:

* :mod:`drugtrends.datasets`  -- ``dt.load("nhanes_2009_2012")``: tidy, checked data;
* :mod:`drugtrends.fetch`     -- download or mirror data, verify SHA-256;
* :mod:`drugtrends.taxonomy`  -- harmonised substance ids, labels (en/fr), hierarchy;
* :mod:`drugtrends.survey`    -- ``dt.SurveyDesign``: design-based estimation;
* :mod:`drugtrends.trends`    -- changes, survey trend tests, joinpoint;
* :mod:`drugtrends.profiles`  -- who the users are and how that shifts;
* :mod:`drugtrends.tables`, :mod:`drugtrends.plots` -- house-style output;
* :mod:`drugtrends.render`    -- render the Quarto reports, with or without Quarto.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "datasets", "fetch", "manifest", "taxonomy", "survey", "trends", "profiles",
    "tables", "plots", "render", "errors", "paths", "readers", "style", "harmonise",
}
_SHORTCUTS = {
    "SurveyDesign": ("drugtrends.survey", "SurveyDesign"),
    "load": ("drugtrends.datasets", "load"),
    "joinpoint": ("drugtrends.trends", "joinpoint"),
    "profile_table": ("drugtrends.profiles", "profile_table"),
}

__all__ = sorted(_SUBMODULES | set(_SHORTCUTS) | {"__version__"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"drugtrends.{name}")
    if name in _SHORTCUTS:
        mod, attr = _SHORTCUTS[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'drugtrends' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
