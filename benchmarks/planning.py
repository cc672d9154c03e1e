#!/usr/bin/env python3
"""Benchmark: how planning (`snakemake -n`) grows with the number of samples.

Writes synthetic sheets of N germline samples, each one unit with its own small FASTQ pair
(100 read pairs cut from the bundled SIM01 reads), two callers (bcftools, freebayes), no
annotation, calling.scatter 4 (the bundled setting) and 1 (per-sample chunks multiply the jobs;
with many samples they buy no parallelism), and times a dry run that builds the whole DAG.
Prints one line per N and scatter: wall seconds, CPU seconds and peak memory of the Snakemake
process, the number of jobs, and the seconds until the job stats appear (start-up, DAG and
rerun decisions, before the jobs are listed: what a real run pays before its first job); medians
of --repeats runs. Then, from one run, Snakemake's floor for as many jobs: a workflow of N chains
of touch-only rules, one input and one output each, `floor.smk` written next to the sheets.
Asserts nothing.

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
from typing import NamedTuple

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


class Timed(NamedTuple):
    wall: float  # seconds from start to exit
    cpu: float  # user + system seconds of the Snakemake process
    peak_mb: float
    jobs: int  # from the "total" line of the job stats
    dag: float  # seconds from start to the job stats: start-up, DAG and rerun decisions


def timed_snakemake(args: list[str]) -> Timed:
    """Run one Snakemake dry run under /usr/bin/time, noting when its job stats appear (they are
    printed once the DAG is built and before the jobs are listed)."""
    with tempfile.NamedTemporaryFile("r") as figures:
        cmd = ["/usr/bin/time", "-o", figures.name, "-f", "%e %U %S %M", *args]
        env = dict(tool_env(), PYTHONUNBUFFERED="1")
        start = time.perf_counter()
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              text=True) as proc:  # fmt: skip
            assert proc.stdout is not None
            dag, lines = 0.0, []
            for line in proc.stdout:
                if not dag and line.startswith("Job stats:"):
                    dag = time.perf_counter() - start
                lines.append(line)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:8])} failed:\n{''.join(lines[-30:])}")
        _, user, system, max_kb = figures.read().strip().splitlines()[-1].split()
    return Timed(wall, float(user) + float(system), int(max_kb) / 1024, job_count(lines), dag)


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
    run = timed_snakemake(args)
    return run.wall, run.jobs


def job_count(lines: list[str]) -> int:
    for line in lines:
        if line.startswith("total"):
            return int(line.split()[1])
    return 0


def dry_run(workdir: Path, cfg: Path) -> Timed:
    return timed_snakemake(snakemake_command(workdir, cfg, "-n", "--quiet", "rules", "reason"))


def measure(n: int, scatter: int, repeats: int) -> dict:
    """One row of table 4: the dry run (medians of `repeats`) and the floor (one run)."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cfg = setup(workdir, n, scatter)
        runs = [dry_run(workdir, cfg) for _ in range(repeats)]
        floor_s, floor_jobs = floor(workdir, n, runs[0].jobs)
    wall = statistics.median(r.wall for r in runs)
    return {
        "samples": n,
        "scatter": scatter,
        "jobs": runs[0].jobs,
        "wall_s": wall,
        "cpu_s": statistics.median(r.cpu for r in runs),
        "peak_mb": statistics.median(r.peak_mb for r in runs),
        "ms_per_job": 1000 * wall / runs[0].jobs,
        "dag_s": statistics.median(r.dag for r in runs),
        "floor_jobs": floor_jobs,
        "floor_s": floor_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--scatter", type=int, nargs="+", default=[4, 1])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print("samples\tscatter\tjobs\twall_s\tcpu_s\tpeak_mb\tms_per_job\tdag_s\tfloor_jobs"
          "\tfloor_s")  # fmt: skip
    for n in args.samples:
        for scatter in args.scatter:
            row = measure(n, scatter, args.repeats)
            print("\t".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()),
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
