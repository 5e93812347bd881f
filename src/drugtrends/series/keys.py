"""Comparability keys: which columns name a series and which must match (see :mod:`drugtrends.series`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from drugtrends.errors import InputError, UnknownVariableError
from drugtrends.series.registry import ERA_CODES, REASONS

__all__ = ["ComparabilityKey", "KEY_SPECS", "KeySpec", "comparability_keys", "is_missing", "key_spec"]



@dataclass(frozen=True)
class KeySpec:
    """Which columns name a series and which must be equal for two rows to be comparable.

    Parameters
    ----------
    series : tuple of str
        Columns naming one series (``country``, ``substance``...).
    regime : tuple of str
        Columns whose values must be equal between comparable rows (age range,
        definition, method, design era...). A change of any of them is a break.
    codes : tuple of (column, code) pairs
        The reason code of a change of each regime column (``("age_group",
        "age_range")``); a column not listed gives code ``column`` unless its
        new value is a design era (:data:`ERA_CODES`) or a registry code.

    Examples
    --------
    >>> KEY_SPECS["unodc_prevalence"].series
    ('country', 'substance', 'indicator', 'period')
    """

    series: tuple[str, ...]
    regime: tuple[str, ...]
    codes: tuple[tuple[str, str], ...] = ()

    def code_of(self, column: str, old: object, new: object) -> str:
        """The reason code of a change of ``column`` from ``old`` to ``new``.

        A change of ``design_era`` between two NSDUH eras is the break that
        opened the new era (:data:`ERA_CODES`); into or out of NSDUH it is a
        change of ``survey``.

        Examples
        --------
        >>> s = KEY_SPECS["unodc_prevalence"]
        >>> s.code_of("age_group", "15-64", "18-64"), s.code_of("design_era", "nsduh_2020", "nsduh_2021_on")
        ('age_range', 'nsduh_2021_method')
        >>> s.code_of("design_era", "all", "nsduh_2020")
        'survey'
        """
        if column == "design_era":
            both = all(str(v).startswith(("nsduh", "nhsda")) for v in (old, new))
            return ERA_CODES.get(str(new), "unknown") if both else "survey"
        if str(new) in REASONS:
            return str(new)
        return dict(self.codes).get(column, column)


_UNODC_SPEC = KeySpec(("country", "substance", "indicator", "period"),
                      ("design_era", "source_break", "age_group", "definition", "method_basis"),
                      (("age_group", "age_range"), ("definition", "definition"), ("method_basis", "method"),
                       ("source_break", "source_note")))

#: Key of each dataset whose rows are published series (readers register theirs here).
KEY_SPECS: dict[str, KeySpec] = {
    "unodc_prevalence": _UNODC_SPEC,
    "unodc_youth": _UNODC_SPEC,
    "fr_drug_offences": KeySpec(("departement", "offence"), ("recording_regime",),
                                (("recording_regime", "fixed_fine_2020"),)),
    "euda_wastewater": KeySpec(("site_id", "substance"), ()),
}


@dataclass(frozen=True)
class ComparabilityKey:
    """One row's comparability key: two rows are comparable when their keys are equal.

    Parameters
    ----------
    series : tuple of (column, value) pairs
        What identifies the series (country, substance, indicator...).
    regime : tuple of (column, value) pairs
        What must also be equal for two rows to be compared (age range, method...).

    Examples
    --------
    >>> a = ComparabilityKey((("country", "France"),), (("age_group", "15-64"),))
    >>> b = ComparabilityKey((("country", "France"),), (("age_group", "18-64"),))
    >>> a.comparable(b), a.differences(b)
    (False, (('age_group', '15-64', '18-64'),))
    """

    series: tuple[tuple[str, Any], ...]
    regime: tuple[tuple[str, Any], ...]

    def comparable(self, other: ComparabilityKey) -> bool:
        """True when both rows belong to one series and one regime."""
        return self == other

    def differences(self, other: ComparabilityKey) -> tuple[tuple[str, Any, Any], ...]:
        """``(column, old, new)`` for every regime column that differs (series columns too if they do)."""
        a, b = dict(self.series + self.regime), dict(other.series + other.regime)
        return tuple((k, a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b]) if not _same(a.get(k), b.get(k)))


def _same(a: object, b: object) -> bool:
    na, nb = is_missing(a), is_missing(b)
    return (na and nb) or (not na and not nb and a == b)


def is_missing(v: object) -> bool:
    """True for None, NaN, NaT and pd.NA (False for anything pandas cannot test).

    Parameters
    ----------
    v : object
        Any value.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing("x"), is_missing([1])
    (True, True, True, False, False)
    """
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def key_spec(data: pd.DataFrame, spec: KeySpec | str | None = None) -> KeySpec | None:
    """The :class:`KeySpec` of a frame: given, named, from ``data.attrs["dataset"]``, or by its columns.

    Returns ``None`` when none fits (the frame's ``comparability_group`` or
    registry breaks are used instead).

    Parameters
    ----------
    data : DataFrame
        Rows of one or more series.
    spec : KeySpec or str, optional
        A key spec (returned as is) or the dataset id of one (a key of :data:`KEY_SPECS`).

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2020], "departement": ["75"], "offence": ["use"], "recording_regime": ["afd"]})
    >>> key_spec(d) is KEY_SPECS["fr_drug_offences"]
    True
    """
    if isinstance(spec, KeySpec):
        return spec
    if isinstance(spec, str):
        if spec not in KEY_SPECS:
            raise InputError(f"spec={spec!r} is not a registered key; known: {', '.join(KEY_SPECS)}.")
        return KEY_SPECS[spec]
    named = data.attrs.get("dataset") if hasattr(data, "attrs") else None
    if isinstance(named, str) and named in KEY_SPECS:
        return KEY_SPECS[named]
    for s in KEY_SPECS.values():
        if s.regime and set(s.series) | set(s.regime) <= set(data.columns):
            return s
    return None


def comparability_keys(data: pd.DataFrame, spec: KeySpec | str | None = None) -> pd.Series:
    """The :class:`ComparabilityKey` of every row (object Series aligned on ``data``).

    Without a key spec, the key's regime is the ``comparability_group``
    column (compared whole, never split); without either, every row has an
    empty regime (registry breaks then decide, see :func:`pieces`).

    Parameters
    ----------
    data : DataFrame
        Rows of one or more series.
    spec : KeySpec or str, optional
        The key spec, or a dataset id naming one; default :func:`key_spec` of ``data``.

    Examples
    --------
    >>> d = pd.DataFrame({"year": [2014, 2015], "comparability_group": ["a", "b"]})
    >>> [k.regime for k in comparability_keys(d)]
    [(('comparability_group', 'a'),), (('comparability_group', 'b'),)]
    """
    s = key_spec(data, spec)
    if s is not None:
        missing = [c for c in (*s.series, *s.regime) if c not in data.columns]
        if missing:
            raise UnknownVariableError(f"comparability_keys(): column(s) {missing} of the key are not in the "
                                       f"data; columns: {list(data.columns)}.")
        ser, reg = list(s.series), list(s.regime)
    else:
        ser, reg = [], (["comparability_group"] if "comparability_group" in data.columns else [])
    rows = data[ser + reg].astype(object).to_numpy().tolist() if ser or reg else [[] for _ in range(len(data))]
    rows = [[None if is_missing(v) else v for v in r] for r in rows]
    keys = [ComparabilityKey(tuple(zip(ser, r[:len(ser)])), tuple(zip(reg, r[len(ser):]))) for r in rows]
    return pd.Series(keys, index=data.index, dtype=object)


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
