#!/usr/bin/env python3
"""Benchmark: how planning (`snakemake -n`) grows with the number of samples.

Writes synthetic sheets of N germline samples, each one unit with its own small FASTQ pair
(100 read pairs cut from the bundled SIM01 reads), two callers (bcftools, freebayes), no
annotation, calling.scatter 4 (the bundled setting) and 1 (per-sample chunks multiply the jobs;
with many samples they buy no parallelism), and times a dry run that builds the whole DAG.
Prints one line per N and scatter: wall seconds, CPU seconds and peak memory of the Snakemake
process, and the number of jobs (medians of --repeats runs); then, from one run each, what
building the DAG alone costs (`--list-changes params`: the DAG and the rerun check, no job
listing; what a real run pays before its first job) and Snakemake's floor for as many jobs (a
workflow of N chains of touch-only rules, one input and one output each, `floor.smk` written
next to the sheets). Asserts nothing.

    python benchmarks/planning.py [--samples 10 100 1000] [--scatter 4 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_config, snakemake_command, tool_env, units_table  # noqa: E402


def small_pair(src1: str, src2: str, out: Path, n: int = 100) -> tuple[Path, Path]:
    paths = []
    for src, mate in ((src1, 1), (src2, 2)):
        dst = out / f"R{mate}.fastq.gz"
        with gzip.open(src, "rt") as fin, gzip.open(dst, "wt") as fout:
            for i, line in enumerate(fin):
                if i >= 4 * n:
                    break
                fout.write(line)
        paths.append(dst)
    return paths[0], paths[1]


def setup(workdir: Path, n: int, scatter: int = 4) -> Path:
    template = units_table()
    r1, r2 = small_pair(template.loc[1, "fq1"], template.loc[1, "fq2"], workdir)
    fastq = workdir / "fastq"
    fastq.mkdir()
    units, samples = [], []
    for i in range(n):
        name = f"S{i:04d}"
        f1, f2 = fastq / f"{name}_R1.fastq.gz", fastq / f"{name}_R2.fastq.gz"
        os.link(r1, f1)
        os.link(r2, f2)
        units.append({"sample": name, "unit": "L001", "fq1": str(f1), "fq2": str(f2)})
        samples.append({"sample": name, "sex": "unknown", "type": "germline"})
    cfg = make_config(
        workdir,
        {
            "annotation": {"tool": "none"},
            "calling": {"callers": ["bcftools", "freebayes"], "scatter": scatter},
        },
        units=pd.DataFrame(units),
        samples=pd.DataFrame(samples),
    )
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"], raw["validation_somatic"] = {}, {}
    raw["identity"]["expected"] = {}
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    return cfg


FLOOR_SNAKEFILE = """
SAMPLES = [f"S{i:04d}" for i in range(config["samples"])]
STEPS = config["steps"]


rule all:
    input:
        expand("out/{sample}/step{k}.txt", sample=SAMPLES, k=STEPS - 1),


rule step0:
    output:
        "out/{sample}/step0.txt",
    shell:
        "touch {output}"


for k in range(1, STEPS):

    rule:
        name:
            f"step{k}"
        input:
            f"out/{{sample}}/step{k - 1}.txt",
        output:
            f"out/{{sample}}/step{k}.txt",
        shell:
            "touch {output}"
"""


def timed_snakemake(args: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s (user + system) and peak MB of one Snakemake process, and its stdout."""
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=tool_env(), check=True)
    wall = time.perf_counter() - start
    _, user, system, max_kb = proc.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(max_kb) / 1024, proc.stdout


def dag_only(workdir: Path, cfg: Path) -> float:
    """Wall seconds to build the DAG and decide what must run, without listing the jobs."""
    return timed_snakemake(snakemake_command(workdir, cfg, "--list-changes", "params"))[0]


def floor(workdir: Path, samples: int, jobs: int) -> tuple[float, int]:
    """Snakemake's own cost for about as many jobs: `samples` chains of touch-only rules, as
    long as this workflow's jobs per sample; wall seconds of the dry run and its job count."""
    steps = max(1, round(jobs / samples))
    floor_dir = workdir / "floor"
    floor_dir.mkdir()
    (floor_dir / "floor.smk").write_text(FLOOR_SNAKEFILE)
    (floor_dir / "floor.yaml").write_text(yaml.safe_dump({"samples": samples, "steps": steps}))
    args = [
        sys.executable, "-m", "snakemake", "--snakefile", str(floor_dir / "floor.smk"),
        "--directory", str(floor_dir), "--configfile", str(floor_dir / "floor.yaml"),
        "--cores", "2", "--scheduler", "greedy", "-n", "--quiet", "rules", "reason",
    ]  # fmt: skip
    wall, _, _, out = timed_snakemake(args)
    return wall, job_count(out)


def job_count(stdout: str) -> int:
    for line in stdout.splitlines():
        if line.startswith("total"):
            return int(line.split()[1])
    return 0


def dry_run(workdir: Path, cfg: Path) -> tuple[float, float, float, int]:
    dry = snakemake_command(workdir, cfg, "-n", "--quiet", "rules", "reason")
    wall, cpu, peak, out = timed_snakemake(dry)
    return wall, cpu, peak, job_count(out)


def measure(n: int, scatter: int, repeats: int) -> dict:
    """One row of table 4: the dry run (medians of `repeats`), the DAG alone and the floor."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cfg = setup(workdir, n, scatter)
        runs = [dry_run(workdir, cfg) for _ in range(repeats)]
        jobs = runs[0][3]
        dag_s = dag_only(workdir, cfg)
        floor_s, floor_jobs = floor(workdir, n, jobs)
    wall = statistics.median(r[0] for r in runs)
    return {
        "samples": n,
        "scatter": scatter,
        "jobs": jobs,
        "wall_s": wall,
        "cpu_s": statistics.median(r[1] for r in runs),
        "peak_mb": statistics.median(r[2] for r in runs),
        "ms_per_job": 1000 * wall / jobs,
        "dag_only_s": dag_s,
        "floor_jobs": floor_jobs,
        "floor_s": floor_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--scatter", type=int, nargs="+", default=[4, 1])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print("samples\tscatter\tjobs\twall_s\tcpu_s\tpeak_mb\tms_per_job\tdag_only_s\tfloor_jobs"
          "\tfloor_s")  # fmt: skip
    for n in args.samples:
        for scatter in args.scatter:
            row = measure(n, scatter, args.repeats)
            print("\t".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()),
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
