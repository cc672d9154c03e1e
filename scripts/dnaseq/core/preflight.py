#!/usr/bin/env python3
"""Pre-flight checks of every input: sheets, config, FASTQ, reference, BED and VCF files.

Every problem is an `InputError` whose message names the file, the line or record, and what is
wrong, in words a lab technician can act on. Three levels:

* start-up checks (`check_startup`): cheap, run by the Snakefile before any job is scheduled:
  files exist and are non-empty, FASTQ files start with a valid gzip FASTQ record, BED lines are
  well formed, truth/known-sites VCFs are indexed;
* deep checks, run as the first jobs of the workflow, in parallel:
  `check_fastq_pair` reads both FASTQ files of a unit to the end (gzip integrity, record
  structure, R1/R2 read names and counts); `check_reference` reads the FASTA headers (duplicate
  names) and `check_reference_consistency` compares the contigs of every BED/VCF/GFF3 input with
  the reference index (catches `chr20` vs `20` and other-build inputs);
* all of them from the command line, for a lab to run on its own before submitting:
      dnaseq preflight --config config/config.yaml [--deep]

(The checks themselves live in preflight_files, preflight_fastq, preflight_reference,
preflight_sheets and preflight_schema; this module runs them in the workflow's order.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from dnaseq.core.config_inputs import config_inputs
from dnaseq.core.preflight_fastq import check_fastq_head, check_fastq_pair
from dnaseq.core.preflight_files import check_file, open_text
from dnaseq.core.preflight_reference import (
    bed_intervals,
    check_consistency,
    check_indexed_vcf,
    check_input_contigs,
    check_reference,
    check_reference_head,
)
from dnaseq.core.preflight_schema import quote_option_strings, validate_config
from dnaseq.core.preflight_sheets import check_path_text, load_sheets
from dnaseq.core.sheets import InputError


def check_startup(config: dict, units, schema: dict | None = None) -> None:
    """Cheap checks of every input file named in the config and units sheet."""
    for row in units.itertuples():
        for fq in (getattr(row, "fq1", None), getattr(row, "fq2", None)):
            if not isinstance(fq, str):  # a stored alignment: read by plan_units
                continue
            try:
                check_fastq_head(fq)
            except InputError as err:
                raise InputError(f"{config['units']}, line {row.sheet_line}: {err}") from None
    for item in config_inputs(config, schema):
        check_path_text(item.path, f"{item.what} (config {item.key})")
        if item.kind == "fasta":
            check_reference_head(item.path)
        elif item.kind == "vcf":
            if item.indexed:
                check_indexed_vcf(item.path, item.what)
            else:
                check_file(item.path, item.what)
        elif item.kind == "bed":
            if sum(1 for _ in bed_intervals(item.path, item.what)) == 0:  # every line read
                raise InputError(
                    f"{item.what} {item.path}: no interval (only header or comment lines); "
                    f"give a BED with at least one region, or leave config {item.key} empty"
                )
        elif item.kind == "dir":
            if not Path(item.path).is_dir():
                raise InputError(f"{item.what} {item.path}: not found")
        else:
            check_file(item.path, item.what)


def plan_units(config: dict, units, cache_dir: Path, remote: bool = False):
    """The units sheet with its stored alignments planned (dnaseq.core.alignment_inputs):
    (units, {(sample, sheet unit): Source})."""
    from dnaseq.core import alignment_inputs

    stored = [c for c in ("bam", "cram") if c in units.columns and units[c].notna().any()]
    if stored and remote:
        raise InputError(
            f"{config['units']}: stored alignments ({', '.join(stored)} column) are read at "
            "start-up to plan their re-analysis; with a remote default storage provider copy "
            "them to local storage first"
        )
    for row in units.itertuples():
        for column in stored:
            value = getattr(row, column)
            if isinstance(value, str):
                check_path_text(value, f"{config['units']}, line {row.sheet_line}, {column}")
    return alignment_inputs.expand_units(units, config, config["units"], cache_dir)


# ---------------------------------------------------------------------------------------------
# command line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    pair = sub.add_parser("fastq-pair", help="deep check of one unit's R1/R2 (workflow job)")
    pair.add_argument("fq1")
    pair.add_argument("fq2")
    pair.add_argument("--output", type=Path, required=True, help="JSON with the read count")
    ref = sub.add_parser("reference", help="deep check of the reference and all other inputs")
    ref.add_argument("--checked", required=True, help="JSON list: kind, what, large per input")
    ref.add_argument("--sliced", action="store_true", help="config reference.sliced")
    ref.add_argument("--fasta", required=True)
    ref.add_argument("--fai", required=True)
    ref.add_argument("--output", type=Path, required=True)
    ref.add_argument("--inputs", nargs="*", default=None, help="local copies, checked_inputs order")
    allc = sub.add_parser("all", help="every check, as a lab would run before a run")
    allc.add_argument("--config", type=Path, required=True)
    allc.add_argument("--deep", action="store_true", help="also read every FASTQ to the end")
    args = ap.parse_args(argv)
    try:
        if args.command == "fastq-pair":
            n = check_fastq_pair(args.fq1, args.fq2)
            args.output.write_text(json.dumps({"read_pairs": n}) + "\n")
        elif args.command == "reference":
            names = check_reference(args.fasta)
            kinds = json.loads(args.checked)
            check_input_contigs(kinds, args.inputs or [], args.fai, args.sliced)
            args.output.write_text(json.dumps({"contigs": len(names), "status": "ok"}) + "\n")
        else:
            run_all(args.config, args.deep)
    except InputError as err:
        print(f"INPUT ERROR: {err}", file=sys.stderr)
        return 1
    return 0


def run_all(config_path: Path, deep: bool) -> None:
    """Every check the workflow runs, in its order: schema, sheets, start-up, then deep."""
    import subprocess
    import tempfile

    from dnaseq.core.config_inputs import SCHEMA, load_schema

    schema = load_schema()
    config = yaml.safe_load(config_path.read_text())
    validate_config(config, schema)
    quote_option_strings(config)
    _samples, units, _pairs = load_sheets(config, SCHEMA.parent)
    check_startup(config, units, schema)
    units, sources = plan_units(config, units, Path(".snakemake", "dnaseq", "contig_md5"))
    for src in sources.values():
        print(f"{src.sample} {src.unit}: {src.path}: {src.mode} ({src.reason})")
    check_reference(config["reference"]["fasta"])
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "ref.fa"
        with open_text(Path(config["reference"]["fasta"])) as src, open(plain, "w") as dst:
            dst.writelines(src)
        subprocess.run(["samtools", "faidx", str(plain)], check=True)
        check_consistency(config, f"{plain}.fai", schema=schema)
    if deep:
        for row in units.itertuples():
            if row.mode != "fastq":
                continue
            n = check_fastq_pair(row.fq1, row.fq2)
            print(f"{row.sample} {row.unit}: {n} read pairs")
    print(f"{config_path}: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
