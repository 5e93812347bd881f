# drugtrends: every entry point. Needs only python3 (>= 3.11) and make.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
REPORT  ?=
TO      ?= all

.PHONY: report report-fr test install fetch bench docs lab clean-output help

help:
	@echo "make report   install, fetch/mirror data, render the reports (HTML + PDF) into _output/"
	@echo "make report-fr  the same reports in French (*-fr.html / *-fr.pdf)"
	@echo "make test     install and run the test suite"
	@echo "make fetch    copy/download and verify every dataset in data/manifest.yaml"
	@echo "make bench    run the benchmarks (prints ratios; writes bench/latest.json)"
	@echo "make docs     build the API reference, guides and tutorials into _output/docs/ (docs/build.py)"
	@echo "make lab      install JupyterLab (the notebook extra) and open the tutorials"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

install: $(STAMP)

fetch: $(STAMP)
	$(BIN)/drugtrends fetch

report: $(STAMP)
	$(BIN)/drugtrends fetch --quiet
	$(BIN)/drugtrends render $(REPORT) --to $(TO) --keep-going

report-fr: $(STAMP)
	$(BIN)/drugtrends fetch --quiet
	$(BIN)/drugtrends render $(REPORT) --to $(TO) -P lang=fr --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m bench.run

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/python docs/build.py

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	$(BIN)/jupyter lab docs/

clean-output:
	rm -rf _output
