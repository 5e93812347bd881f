"""R reference numbers (CSV) and their Python accessor; see README.md."""
