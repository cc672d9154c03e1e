#!/usr/bin/env python3
"""What re-analysing stored alignments costs: reuse vs realign, BAM vs CRAM.

The bundled NA12878 and SIM01 reads (SIM01: two lanes, so two read groups) are first run from
FASTQ; their analysis BAMs, and the same written as CRAM, are then given back to fresh runs
(units sheet `bam`/`cram`) with `mapping.reuse_alignments` true (enter at duplicate marking)
and false (unpacked per read group and realigned). Every run starts from an empty folder (its
own reference preparation and, where it aligns, its own bwa index), as a lab's first
re-analysis would. Prints wall and CPU seconds (the runs' processes, children included), the
summed `benchmark:` seconds of the alignment-side rules, and whether each run's calls equal the
FASTQ run's.

    python benchmarks/reanalysis.py [--workdir /tmp/dnaseq-bench-reanalysis]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import SCENARIO, make_config, snakemake_command, tool_env, vcf_records  # noqa: E402

SAMPLES = ["NA12878", "SIM01"]
CALLERS = ["bcftools", "freebayes", "octopus"]
ALIGNMENT_RULES = (
    "check_fastq_pair", "trim_reads_fastp", "index_reference_bwa", "map_reads_bwa",
    "describe_alignment_source", "unpack_read_group", "prepare_reused_alignment",
    "mark_duplicates_samtools",
)  # fmt: skip


def run(workdir: Path, units: pd.DataFrame | None, **mapping) -> tuple[float, float]:
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    samples = samples[samples["sample"].isin(SAMPLES)]
    if units is None:
        units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
        units = units[units["sample"].isin(SAMPLES)]
        for column in ("fq1", "fq2"):
            units[column] = [str(SCENARIO.parents[2] / p) for p in units[column]]
    configfile = make_config(workdir, {"mapping": mapping}, units=units, samples=samples)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = snakemake_command(workdir, configfile, cache=False)
    subprocess.run(cmd, check=True, capture_output=True, env=tool_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def alignment_seconds(workdir: Path) -> float:
    total = 0.0
    for rule in ALIGNMENT_RULES:
        for tsv in (workdir / "logs/benchmarks" / rule).glob("*.tsv"):
            total += float(tsv.read_text().splitlines()[-1].split("\t")[0])
    return total


def same_calls(workdir: Path, reference: Path) -> bool:
    return all(
        vcf_records(workdir / f"results/calls/{c}/{s}.vcf.gz")
        == vcf_records(reference / f"results/calls/{c}/{s}.vcf.gz")
        for s in SAMPLES
        for c in CALLERS
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/dnaseq-bench-reanalysis"))
    args = ap.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    fastq = args.workdir / "fastq"
    rows = [("FASTQ (baseline)", fastq, *run(fastq, None))]
    stored = args.workdir / "stored"
    stored.mkdir(parents=True)
    genome = fastq / "results/reference/genome.fa"
    for s in SAMPLES:
        bam = fastq / f"results/mapping/samtools/{s}.dedup.bam"
        shutil.copy(bam, stored / f"{s}.bam")
        cram = stored / f"{s}.cram"
        subprocess.run(
            ["samtools", "view", "-C", "-T", str(genome), "-o", str(cram), str(bam)], check=True
        )
    for fmt in ("bam", "cram"):
        units = pd.DataFrame(
            [{"sample": s, "unit": "stored", fmt: str(stored / f"{s}.{fmt}")} for s in SAMPLES]
        )
        for reuse in (True, False):
            workdir = args.workdir / f"{fmt}-{'reuse' if reuse else 'realign'}"
            wall, cpu = run(workdir, units, reuse_alignments=reuse)
            label = f"{fmt.upper()}, {'reused' if reuse else 'realigned'}"
            rows.append((label, workdir, wall, cpu))
    print("| input | wall s | CPU s | alignment-side rules s | calls = FASTQ run's |")
    print("|---|---|---|---|---|")
    for label, workdir, wall, cpu in rows:
        same = "yes" if workdir == fastq or same_calls(workdir, fastq) else "NO"
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | {alignment_seconds(workdir):.1f} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
