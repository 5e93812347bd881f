"""Deprecated alias of :mod:`drugtrends.survey.variance` (kept for old imports)."""

from .variance import LONELY_PSU_RULES, replicate_variance, stratified_variance

__all__ = ["LONELY_PSU_RULES", "stratified_variance", "replicate_variance"]
