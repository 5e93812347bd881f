# drugtrends: every entry point. Needs only python3 (>= 3.11) and make.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
REPORT  ?=
TO      ?= all
LANGS   ?= en,fr
JOBS    ?=

.PHONY: report report-fr test install fetch bench docs lab clean-output help

help:
	@echo "make report   install, fetch/mirror data, render every report in English and French (HTML + PDF) into _output/"
	@echo "              (LANGS=en for English only, JOBS=N renders at a time: default the number of CPUs)"
	@echo "make report-fr  the French reports only (*-fr.html / *-fr.pdf)"
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
	$(BIN)/drugtrends render $(REPORT) --to $(TO) --lang $(LANGS) $(if $(JOBS),--jobs $(JOBS)) --keep-going

report-fr: $(STAMP)
	$(BIN)/drugtrends fetch --quiet
	$(BIN)/drugtrends render $(REPORT) --to $(TO) --lang fr $(if $(JOBS),--jobs $(JOBS)) --keep-going

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
