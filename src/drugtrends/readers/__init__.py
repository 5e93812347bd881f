"""Readers: one module per data source, each turning an official file into a
tidy, typed, checked :class:`pandas.DataFrame`.

Readers take a *path* (so students can point them at their own copy) and never
fetch; :func:`drugtrends.datasets.load` resolves dataset ids to paths, fetches
what is missing and calls the reader. Readers never import statistics.
"""

__all__: list[str] = []  # the readers are the submodules: drugtrends.readers.nhanes, ...


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
