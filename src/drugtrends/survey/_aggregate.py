"""Deprecated alias of :mod:`drugtrends.survey.aggregate` (kept for old imports)."""

from .aggregate import domain_codes, domain_slots, domain_sums, grouped_psu_totals, psu_totals

__all__ = ["psu_totals", "domain_codes", "domain_sums", "domain_slots", "grouped_psu_totals"]
