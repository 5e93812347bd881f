"""Reusable analysis steps called by the Quarto reports in ``reports/``.

Each function returns data (tidy DataFrames, figures, formatted tables) built
from :mod:`drugtrends`; reports only call these and print the results, so no
code is copy-pasted between reports.
"""
