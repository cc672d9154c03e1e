# Two commands for a newcomer on Debian/Ubuntu:  `make demo`  and  `make test`.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup demo test test-slurm lint clean

setup:  ## install Debian tools + Python virtualenv (idempotent)
	bash scripts/setup_debian.sh

demo: setup  ## run the workflow on the bundled test dataset
	snakemake --profile profiles/test
	@echo
	@echo "MultiQC report:   results/multiqc/multiqc_report.html"
	@echo "Validation tables: results/validation/summary.tsv, results/validation/somatic_summary.tsv"
	@cat results/validation/summary.tsv results/validation/somatic_summary.tsv

test: setup  ## run the test suite (unit, schema, dry-run and end-to-end tests)
	python -m pytest tests -ra

test-slurm: setup  ## the bundled dataset through a real local SLURM (installs + starts daemons)
	DNASEQ_SLURM_TEST=1 python -m pytest tests/test_slurm.py -ra

lint: setup  ## formatting and lint checks run before every commit
	snakefmt --check Snakefile workflow/rules
	snakemake --lint --profile profiles/test
	ruff check scripts tests benchmarks
	ruff format --check scripts tests benchmarks

clean:  ## remove results and logs of the demo (keeps the virtualenv)
	rm -rf results logs .snakemake
