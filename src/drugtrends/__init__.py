"""drugtrends: reproducible drug-use epidemiology in Python.

Import as ``import drugtrends as dt``. Every public submodule is reachable as
an attribute and loads on first use (``dt.survey``, ``dt.admissions``, ...):

* :mod:`drugtrends.datasets`  -- ``dt.load("nhanes_2009_2012")``: tidy, checked data;
* :mod:`drugtrends.fetch`     -- download or mirror data, verify SHA-256;
* :mod:`drugtrends.taxonomy`, :mod:`drugtrends.comparability` -- substance ids, labels, what is comparable;
* :mod:`drugtrends.survey`    -- ``dt.SurveyDesign``: design-based estimation;
* :mod:`drugtrends.trends`    -- changes, survey trend tests, joinpoint;
* :mod:`drugtrends.profiles`, :mod:`drugtrends.admissions` -- who the users are and how that shifts;
* :mod:`drugtrends.indirect`  -- capture-recapture and multiplier estimates of high-risk use;
* :mod:`drugtrends.tables`, :mod:`drugtrends.plots`, :mod:`drugtrends.style`, :mod:`drugtrends.i18n` -- output;
* :mod:`drugtrends.render`    -- render the Quarto reports, with or without Quarto;
* :mod:`drugtrends.validate`, :mod:`drugtrends.errors` -- argument checks and error classes.

``from drugtrends import *`` gives those modules and the shortcuts
``SurveyDesign``, ``load``, ``joinpoint``, ``profile_table`` and ``tutorials``
(``dt.tutorials("my-folder")`` copies the tutorial notebooks there).

Examples
--------
>>> import drugtrends as dt
>>> dt.errors.DrugtrendsError.__name__
'DrugtrendsError'
>>> "admissions" in dir(dt)
True
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

#: The package version (also ``drugtrends --version`` and the wheel's).
__version__ = "0.4.0"

#: public submodules (found on disk, so a new module is reachable without editing this file)
_SUBMODULES = frozenset(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and m.name != "cli"
)
_SHORTCUTS = {
    "SurveyDesign": ("drugtrends.survey", "SurveyDesign"),
    "load": ("drugtrends.datasets", "load"),
    "joinpoint": ("drugtrends.trends", "joinpoint"),
    "profile_table": ("drugtrends.profiles", "profile_table"),
    "tutorials": ("drugtrends._tutorials", "tutorials"),
}

__all__ = sorted(_SUBMODULES | set(_SHORTCUTS) | {"__version__"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or name == "cli":
        return importlib.import_module(f"drugtrends.{name}")
    if name in _SHORTCUTS:
        mod, attr = _SHORTCUTS[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'drugtrends' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
