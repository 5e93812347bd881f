"""Benchmarks of drugtrends (not tests): ``python -m bench.run`` (``make bench``).

See ``bench/RESULTS.md`` for what is measured and the history of results.
"""
