# Two commands for a newcomer on Debian/Ubuntu:  `make demo`  and  `make test`.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup demo run validate test test-slurm lint bench clean
PROFILE ?= test

setup:  ## install Debian tools + Python virtualenv (idempotent)
	bash devtools/setup_debian.sh

demo: setup  ## run the workflow on the bundled test dataset
	snakemake --profile profiles/test
	@echo
	@echo "MultiQC report:   results/multiqc/multiqc_report.html"
	@echo "Sample reports:   results/report/index.html (FHIR bundles: results/fhir/, registry: results/registry/)"
	@echo "Validation tables: results/validation/summary.tsv, results/validation/somatic_summary.tsv"
	@cat results/validation/summary.tsv results/validation/somatic_summary.tsv

run: setup  ## your own run: make run CONFIG=my-run/config.yaml [PROFILE=test|local|slurm]
	@test -n "$(CONFIG)" || { echo "usage: make run CONFIG=path/to/config.yaml [PROFILE=test|local|slurm]" >&2; exit 2; }
	snakemake --profile profiles/$(PROFILE) --configfile '$(CONFIG)'

validate: setup  ## the validation pack on the bundled controls -> validation/pack-<version>-<date>/
	dnaseq validate --config $(or $(CONFIG),tests/scenarios/bundled/config.yaml) --output validation

test: setup  ## the whole test suite (unit, dry-run, end-to-end, S3 storage, real SLURM)
	python -m pytest tests -ra --durations=15 -n 3 --dist loadfile --no-loadscope-reorder

test-slurm: setup  ## only the real local SLURM test (also part of `make test`; needs root)
	python -m pytest tests/test_slurm.py -ra

bench: setup  ## the five benchmark tables -> benchmarks/RESULTS.md (15-20 minutes here)
	python benchmarks/run_all.py

lint: setup  ## formatting and lint checks run before every commit (and in CI)
	snakefmt --check Snakefile workflow/rules
	snakemake --lint --profile profiles/test
	ruff check scripts tests benchmarks devtools
	ruff format --check scripts tests benchmarks devtools

clean:  ## remove results and logs of the demo (keeps the virtualenv)
	rm -rf results logs .snakemake
