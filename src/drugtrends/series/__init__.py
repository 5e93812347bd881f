"""Published series and their breaks: the one home of "what may be compared with what".

A *series* is one indicator followed over time (France x cocaine x past-year
prevalence; NSDUH cannabis lifetime use; police-recorded drug-use offences in
one département). A *break* is the first ``x`` (year, or date) from which the
series is no longer comparable with what came before. Everything that needs
to know about breaks -- readers annotating their tables, trend tests, plots,
tables, key figures and reports -- asks this module.

API (stable; the report package codes against it)
-------------------------------------------------
Types

* :class:`Break` -- frozen: ``source``, ``at`` (first year of the new regime),
  ``reason`` (English text), ``kind``, ``domain`` (group a data-found break
  belongs to), ``code`` (a key of :data:`REASONS`), ``affects`` (which values
  of which columns the break hits, e.g. ``(("offence", frozenset({"use",
  "use_excl_fixed_fine"})),)``), ``date`` (ISO date when the break falls
  within a year). ``b.applies_to({...})``, ``b.concerns(substance)``,
  ``b.label()``. ``trends.breaks.Break`` *is* this class.
* :class:`KeySpec` -- frozen: which columns name a series (``series``) and
  which must be equal for two rows to be comparable (``regime``).
  :data:`KEY_SPECS` holds one per dataset; :func:`key_spec` finds it.
* :class:`ComparabilityKey` -- frozen, hashable: one row's key
  (``series`` and ``regime`` as ``(column, value)`` pairs);
  ``a.comparable(b)``, ``a.differences(b)``. :func:`comparability_keys`
  computes them for a frame. No ``"|"`` string is ever split.
* :class:`Piece` -- a named tuple ``(key, start, end, data)``.
* :class:`Change` -- frozen: the difference between two comparable points
  with its test (``se``, ``ci_low``, ``ci_high``, ``p_value``, ``tested``,
  ``significant``, ``direction``) or ``tested=False`` and ``flag``
  ``"not_tested"``.

Registry

* :data:`REASONS` -- reason code -> English text (translations live in the
  message catalogue under ``common.break_code.<code>``; this module never
  translates).
* :data:`REGISTRY` -- every documented break: NSDUH 2002 / 2015 / 2020 /
  2021 design breaks, the CDC VSRR provisional/final status break, the
  French drug-use fixed fine of September 2020 (``fixed_fine_2020``,
  dataset ``fr_drug_offences``, offences ``use`` and
  ``use_excl_fixed_fine`` only, not trafficking).
* :func:`known_breaks` ``(source=None, **where)`` -- the registry entries of a
  source that apply to a domain (``known_breaks("nsduh", substance="cannabis")``).
* :data:`ERA_CODES` -- design era (as the readers write it) -> the code of
  the break that opened it.

Functions on a frame (one series, or several: ``by=`` names the series columns)

* :func:`pieces` ``(data, x="year", ...)`` -- comparable stretches;
* :func:`latest` ``(data, x="year")`` -- the latest row;
* :func:`previous_comparable` ``(data, at=None, x="year")`` -- the last
  earlier row comparable with the row at ``at`` (default: the latest);
* :func:`change` ``(data, a=None, b=None, x="year", y="estimate")`` -- the
  change between two comparable points (refused across a break with
  :class:`~drugtrends.errors.BreakError`);
* :func:`break_reasons` ``(data, x="year")`` -- one row per reason of each
  break: ``x``, ``previous_x``, ``code``, ``part``, ``old``, ``new``
  (codes, never translated text).

How a frame says what is comparable, in order of preference: the regime
columns of its :class:`KeySpec` (``spec=`` or :data:`KEY_SPECS` via
``data.attrs["dataset"]`` or matching columns); else its
``comparability_group`` column (an opaque id compared whole); else the
registry breaks given as ``breaks=`` (or ``source=`` + the frame's constant
columns).

Examples
--------
>>> import pandas as pd
>>> from drugtrends import series
>>> d = pd.DataFrame({"year": [2013, 2014, 2015, 2016], "estimate": [0.10, 0.11, 0.14, 0.16],
...                   "se": [0.005, 0.005, 0.005, 0.005]})
>>> br = series.known_breaks("nsduh", substance="methamphetamine")
>>> [(p.start, p.end) for p in series.pieces(d, breaks=br)][:2]
[(2013, 2014), (2015, 2016)]
>>> c = series.change(d, 2015, 2016, breaks=br)
>>> c.direction, round(c.difference, 2), c.significant
('up', 0.02, True)
>>> series.change(d, 2014, 2015, breaks=br)
Traceback (most recent call last):
...
drugtrends.errors.BreakError: change(): 2014 and 2015 are not comparable (nsduh_2015_redesign): ...
"""

from __future__ import annotations

from drugtrends.series.keys import KEY_SPECS, ComparabilityKey, KeySpec, comparability_keys, key_spec
from drugtrends.series.registry import (
    ERA_CODES,
    KINDS,
    NSDUH_2015_SUBSTANCES,
    REASONS,
    REGISTRY,
    Break,
    fmt_x,
    known_breaks,
)
from drugtrends.series.stretches import Change, Piece, break_reasons, change, latest, pieces, previous_comparable

__all__ = [
    "Break",
    "Change",
    "ComparabilityKey",
    "ERA_CODES",
    "KEY_SPECS",
    "KINDS",
    "KeySpec",
    "NSDUH_2015_SUBSTANCES",
    "Piece",
    "REASONS",
    "REGISTRY",
    "break_reasons",
    "change",
    "comparability_keys",
    "fmt_x",
    "key_spec",
    "known_breaks",
    "latest",
    "pieces",
    "previous_comparable",
]


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
