"""Which reports there are, what they are called, their parameters, variants and datasets.

A report declares, in its front matter under the ``drugtrends:`` key (which
Quarto ignores), the parameter sets to render one by one and the datasets it
needs::

    drugtrends:
      datasets: [unodc_prevalence, unodc_seizures]   # dt.load ids
      variants:
        substance: [cocaine, cannabis]
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from drugtrends import paths
from drugtrends.errors import DataNotFoundError, DrugtrendsError, RenderError
from drugtrends.render.qmd import Document

__all__ = [
    "available_reports", "resolve_report", "output_stem", "check_params", "report_variants",
    "variant_keys", "canonical_params", "report_datasets", "dataset_problems", "check_datasets",
    "default_reports_dir", "localised_titles",
]


def default_reports_dir() -> Path:
    """``<project>/reports`` (or ``./reports`` outside a checkout).

    Examples
    --------
    >>> default_reports_dir().name
    'reports\'
    """
    root = paths.project_root()
    return (root if root is not None else Path.cwd()) / "reports"


def available_reports(reports_dir: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Map report name -> ``.qmd`` path for every ``reports/*.qmd`` not starting with ``_``.

    Parameters
    ----------
    reports_dir : str or PathLike, optional
        Folder of the ``.qmd`` files; default the project's ``reports/``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["b.qmd", "a.qmd", "_draft.qmd", "notes.md"]:
    ...     _ = (d / n).write_text("# x")
    >>> sorted(available_reports(d))
    ['a', 'b']
    """
    d = Path(reports_dir) if reports_dir is not None else default_reports_dir()
    if not d.is_dir():
        return {}
    return {p.stem: p for p in sorted(d.glob("*.qmd")) if not p.name.startswith("_")}


def resolve_report(name: str | os.PathLike[str], reports_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the ``.qmd`` file for a report name (with or without ``.qmd``) or path.

    Parameters
    ----------
    name : str or PathLike
        A report name (``factsheet``), a file name or a path.
    reports_dir : str or PathLike, optional
        Folder of the ``.qmd`` files; default the project's ``reports/``.

    Raises
    ------
    RenderError
        No such report; the message lists the available ones.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "trends.qmd").write_text("# x")
    >>> resolve_report("trends", d).name
    'trends.qmd'
    >>> resolve_report("nope", d)
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: unknown report 'nope'; available reports: trends (in ...)
    """
    p = Path(name)
    if p.suffix == ".qmd" and p.is_file():
        return p.resolve()
    d = Path(reports_dir) if reports_dir is not None else default_reports_dir()
    stem = p.name[:-4] if p.name.endswith(".qmd") else p.name
    cand = d / f"{stem}.qmd"
    if cand.is_file():
        return cand.resolve()
    avail = ", ".join(available_reports(d)) or "none"
    raise RenderError(f"unknown report {str(name)!r}; available reports: {avail} (in {d})")


def _slug(value: Any) -> str:
    s = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_") or "_"


def output_stem(report: str, defaults: Mapping[str, Any], overrides: Mapping[str, Any],
                variant_keys: Sequence[str] = ()) -> str:
    """Name of a rendered file without extension: ``report`` or ``report-<values>``.

    The values of ``variant_keys`` (the parameters a report declares variants
    of) are always in the name, given or default; other parameters only when
    they differ from their default, in the order of the report's parameters;
    ``lang`` comes last. So ``-P substance=cocaine`` and the cocaine variant
    both write ``factsheet-cocaine``, and French pages end in ``-fr``.

    Parameters
    ----------
    report
        Report name (file stem).
    defaults
        The report's parameter defaults.
    overrides
        Parameters given for this render.
    variant_keys
        Parameters always named.

    Returns
    -------
    str
        The file stem.

    Examples
    --------
    >>> output_stem("trends", {"year": 2011, "lang": "en"}, {"lang": "en"})
    'trends'
    >>> output_stem("trends", {"lang": "en", "year": 2011}, {"lang": "fr", "year": 2009})
    'trends-2009-fr'
    >>> output_stem("factsheet", {"substance": "cocaine", "lang": "en"}, {}, ["substance"])
    'factsheet-cocaine'
    >>> output_stem("factsheet", {"substance": "cocaine", "lang": "en"}, {"lang": "fr"}, ["substance"])
    'factsheet-cocaine-fr'
    """
    values = {**defaults, **overrides}
    named = [k for k in variant_keys if k in values]
    named += [k for k in defaults if k not in named and k in overrides and overrides[k] != defaults[k]]
    named += [k for k in overrides if k not in defaults and k not in named]
    named.sort(key=lambda k: k == "lang")  # stable: only moves lang to the end
    if not named:
        return report
    return report + "-" + "-".join(_slug(values[k]) for k in named)


def check_params(doc: Document, overrides: Mapping[str, Any]) -> None:
    """Refuse parameters the report does not declare (the message lists those it has) and unknown languages.

    Parameters
    ----------
    doc : Document
        The parsed report.
    overrides : mapping
        Parameter values given (``-P key=value``).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> text = "---\\ntitle: T\\nparams:\\n  lang: en\\n---\\n\\nSome text.\\n\\n"
    >>> doc = parse_qmd(text + "```{python}\\n#| echo: false\\nx = 1\\n```\\n", None)
    >>> check_params(doc, {"lang": "fr"})
    >>> check_params(doc, {"substance": "cocaine"})
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: report '<string>' has no parameter 'substance'; its parameters are: lang (default 'en')
    """
    if "lang" in overrides:
        from drugtrends import i18n

        i18n.check_lang(str(overrides["lang"]))  # InputError listing the catalogue's languages
    unknown = [k for k in overrides if k not in doc.params]
    if not unknown:
        _check_param_types(doc, overrides)
        return
    if not doc.params:
        raise RenderError(
            f"report '{doc.name}' takes no parameters, but got -P {', '.join(unknown)}. "
            "Declare them in a cell tagged 'parameters' (#| tags: [parameters])."
        )
    known = ", ".join(f"{k} (default {v!r})" for k, v in doc.params.items())
    raise RenderError(f"report '{doc.name}' has no parameter {', '.join(map(repr, unknown))}; "
                      f"its parameters are: {known}")


def _check_param_types(doc: Document, overrides: Mapping[str, Any]) -> None:
    """A value must have the kind of the report's default (a number where the default is a number)."""
    for k, v in overrides.items():
        default = doc.params.get(k)
        if isinstance(default, bool) and not isinstance(v, bool):
            raise RenderError(f"parameter {k}={v!r}: report '{doc.name}' expects true or false (default {default!r}).")
        if isinstance(default, int) and not isinstance(default, bool) and not (
                isinstance(v, int) and not isinstance(v, bool)):
            raise RenderError(f"parameter {k}={v!r}: report '{doc.name}' expects a whole number such as "
                              f"{default!r} (its default).")
        if isinstance(default, float) and not (isinstance(v, (int, float)) and not isinstance(v, bool)):
            raise RenderError(f"parameter {k}={v!r}: report '{doc.name}' expects a number such as {default!r}.")


def report_variants(doc: Document, overrides: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Parameter sets a report declares in its front matter, to be rendered one by one.

    A report lists its variants under a key Quarto ignores::

        drugtrends:
          variants:
            substance: [cocaine, cannabis]

    Every combination of the listed values is one variant (keys must be
    parameters of the report). A key given in ``overrides`` (``-P substance=x``)
    is not expanded: that value alone is rendered, and it must be one of the
    declared values (the list is the set of valid values).

    Parameters
    ----------
    doc
        From :func:`parse_qmd`.
    overrides
        Parameters given on the command line.

    Returns
    -------
    list of dict
        One parameter dict per variant; ``[{}]`` when the report declares none.

    Raises
    ------
    RenderError
        ``drugtrends.variants`` is not a mapping of parameter names to
        non-empty lists, names a key that is not a parameter, or ``overrides``
        gives a value that is not declared (the message lists the valid ones).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> doc = parse_qmd('''---
    ... params: {substance: cocaine, lang: en}
    ... drugtrends: {variants: {substance: [cocaine, cannabis]}}
    ... ---
    ... ''')
    >>> report_variants(doc)
    [{'substance': 'cocaine'}, {'substance': 'cannabis'}]
    >>> report_variants(doc, {"substance": "Cannabis"})
    [{}]
    >>> report_variants(doc, {"substance": "tea"})
    Traceback (most recent call last):
    ...
    drugtrends.errors.RenderError: report '<string>' has no variant substance='tea'; valid values of substance: cocaine, cannabis (e.g. -P substance=cocaine)
    """
    declared = _declared_variants(doc)
    overrides = overrides or {}
    keys, values = [], []
    for k, v in declared.items():
        if k in overrides:
            if _norm(overrides[k]) not in [_norm(x) for x in v]:
                raise RenderError(f"report '{doc.name}' has no variant {k}={overrides[k]!r}; valid values of {k}: "
                                  f"{', '.join(map(str, v))} (e.g. -P {k}={v[0]})")
            continue
        keys.append(k)
        values.append(v)
    if not keys:
        return [{}]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def _norm(x: Any) -> Any:
    return x.strip().lower() if isinstance(x, str) else x


def _where(doc: Document) -> str:
    return str(doc.path) if doc.path is not None else "<qmd>"


def _extension(doc: Document) -> Mapping[str, Any]:
    """The front matter's ``drugtrends:`` mapping (empty when absent)."""
    ext = doc.meta.get("drugtrends") or {}
    if not isinstance(ext, Mapping):
        raise RenderError(f"{_where(doc)}: front matter 'drugtrends' must be a mapping "
                          "(e.g. variants: {substance: [a, b]}, datasets: [unodc_prevalence])")
    return ext


def _declared_variants(doc: Document) -> dict[str, list[Any]]:
    where = _where(doc)
    declared = _extension(doc).get("variants") or {}
    if not isinstance(declared, Mapping):
        raise RenderError(f"{where}: 'drugtrends: variants' must map parameter names to lists of values")
    for k, v in declared.items():
        if k not in doc.params:
            known = ", ".join(doc.params) or "none"
            raise RenderError(f"{where}: 'drugtrends: variants' names {k!r}, which is not a parameter of the "
                              f"report (its parameters: {known})")
        if not isinstance(v, list) or not v:
            raise RenderError(f"{where}: 'drugtrends: variants: {k}' must be a non-empty list of values, got {v!r}")
    return dict(declared)


def variant_keys(doc: Document) -> list[str]:
    """The parameters a report declares variants of (always part of its output names).

    Parameters
    ----------
    doc
        From :func:`~drugtrends.render.parse_qmd`.

    Returns
    -------
    list of str
        In declaration order; empty when the report declares none.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> variant_keys(parse_qmd("---\\nparams: {s: a}\\ndrugtrends: {variants: {s: [a, b]}}\\n---\\n"))
    ['s']
    """
    return list(_declared_variants(doc))


def canonical_params(doc: Document, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides`` with variant values spelled as declared (``Cannabis`` -> ``cannabis``).

    Parameters
    ----------
    doc
        From :func:`~drugtrends.render.parse_qmd`.
    overrides
        Parameters given on the command line.

    Returns
    -------
    dict
        A copy of ``overrides``; values not declared are kept as given.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> doc = parse_qmd("---\\nparams: {s: a}\\ndrugtrends: {variants: {s: [a, b]}}\\n---\\n")
    >>> canonical_params(doc, {"s": " B "})
    {'s': 'b'}
    """
    out = dict(overrides)
    for k, v in _declared_variants(doc).items():
        if k in out:
            out[k] = next((x for x in v if _norm(x) == _norm(out[k])), out[k])
    return out


def report_datasets(doc: Document) -> list[str]:
    """The ``dt.load`` ids a report declares under ``drugtrends: datasets``.

    Parameters
    ----------
    doc
        From :func:`~drugtrends.render.parse_qmd`.

    Returns
    -------
    list of str
        Empty when the report declares none (then nothing is checked).

    Raises
    ------
    RenderError
        ``datasets`` is not a list of ids.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> report_datasets(parse_qmd("---\\ndrugtrends: {datasets: [cdc_vsrr]}\\n---\\n"))
    ['cdc_vsrr']
    """
    ids = _extension(doc).get("datasets") or []
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise RenderError(f"{_where(doc)}: 'drugtrends: datasets' must be a list of dataset ids "
                          f"(dt.load ids), got {ids!r}")
    return list(ids)


def dataset_problems(ids: Sequence[str]) -> dict[str, str]:
    """Why each unavailable dataset cannot be loaded (available ones are left out).

    :func:`drugtrends.datasets.availability` decides: files present and
    verified, or copyable from the mirror (nothing is read or copied).

    Parameters
    ----------
    ids
        ``dt.load`` ids.

    Returns
    -------
    dict
        Dataset id -> one-line reason, for the unavailable ones only.

    Examples
    --------
    >>> dataset_problems(["no_such_dataset"])["no_such_dataset"][:18]
    'unknown dataset id'
    """
    from drugtrends import datasets

    problems: dict[str, str] = {}
    for i in ids:
        try:
            why = datasets.availability(i)
        except DrugtrendsError as exc:
            why = str(exc).splitlines()[0]
        if why is not None:
            problems[i] = why
    return problems


def check_datasets(doc: Document) -> dict[str, str]:
    """Refuse to render a report none of whose declared datasets is available.

    Parameters
    ----------
    doc
        From :func:`~drugtrends.render.parse_qmd`.

    Returns
    -------
    dict
        The unavailable datasets and why (some missing is allowed: the report
        says so in its sections).

    Raises
    ------
    DataNotFoundError
        The report declares datasets and not one is available; the message
        names them and the command that fetches them.

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> check_datasets(parse_qmd("---\\ntitle: no datasets declared\\n---\\n"))
    {}
    """
    ids = report_datasets(doc)
    problems = dataset_problems(ids) if ids else {}
    if ids and len(problems) == len(ids):
        from drugtrends import datasets

        fetch_ids: list[str] = []
        for i in ids:
            with contextlib.suppress(DrugtrendsError):
                fid = datasets.manifest_id(i)
                fetch_ids += [] if fid in fetch_ids else [fid]
        unknown = {i: why for i, why in problems.items() if why.startswith("unknown dataset id")}
        detail = "; ".join(f"{i}: {why}" for i, why in unknown.items()) or ", ".join(ids)
        raise DataNotFoundError(
            f"report '{doc.name}' has no data: none of the datasets it needs is available ({detail}). "
            f"Fetch them with `drugtrends fetch {' '.join(fetch_ids)}`".rstrip() +
            " (add --mirror PATH to copy from a mirror), then render again."
        )
    return problems


def localised_titles(doc: Document, lang: str, params: Mapping[str, Any]) -> dict[str, str]:
    """Title and subtitle in the page's language from ``drugtrends: title_key / subtitle_key``.

    The keys are looked up in the message catalogue (:mod:`drugtrends.i18n`)
    for ``lang``; the report parameters (but ``lang``) fill their placeholders.

    Parameters
    ----------
    doc
        From :func:`~drugtrends.render.parse_qmd`.
    lang
        Page language (``"fr"``, ``"en-GB"``...).
    params
        Resolved report parameters.

    Returns
    -------
    dict
        ``title`` and/or ``subtitle``; empty when the report declares no key.

    Raises
    ------
    RenderError
        A key is not in the catalogue (or a placeholder is missing).

    Examples
    --------
    >>> from drugtrends.render import parse_qmd
    >>> localised_titles(parse_qmd("---\\ntitle: T\\n---\\n"), "fr", {})
    {}
    """
    out: dict[str, str] = {}
    ext = _extension(doc)
    for key in ("title", "subtitle"):
        cat_key = ext.get(f"{key}_key")
        if not cat_key:
            continue
        from drugtrends import i18n

        values = {k: v for k, v in params.items() if k != "lang"}
        try:
            out[key] = i18n.t(str(cat_key), lang=lang.split("-")[0], **values)
        except (DrugtrendsError, KeyError, IndexError, ValueError) as exc:
            raise RenderError(f"report '{doc.name}': 'drugtrends: {key}_key: {cat_key}' cannot be looked up in "
                              f"the message catalogue for lang={lang!r}: {exc}") from None
    return out


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
