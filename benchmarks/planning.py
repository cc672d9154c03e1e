#!/usr/bin/env python3
"""Benchmark: how planning (`snakemake -n`) grows with the number of samples.

Writes synthetic sheets of N germline samples, each one unit with its own small FASTQ pair
(100 read pairs cut from the bundled SIM01 reads), two callers (bcftools, freebayes), no
annotation, calling.scatter 4 (the bundled setting) and 1 (per-sample chunks multiply the jobs;
with many samples they buy no parallelism), and times a dry run that builds the whole DAG.
Prints one line per N and scatter: wall seconds, CPU seconds and peak memory of the Snakemake
process, and the number of jobs. Medians of --repeats runs. Asserts nothing.

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


def dry_run(workdir: Path, cfg: Path) -> tuple[float, float, float, int]:
    cmd = [
        "/usr/bin/time",
        "-f",
        "%e %U %S %M",
        *snakemake_command(workdir, cfg, "-n", "--quiet", "rules", "reason"),
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=tool_env(), check=True)
    wall = time.perf_counter() - start
    elapsed, user, system, max_kb = proc.stderr.strip().splitlines()[-1].split()
    jobs = 0
    for line in proc.stdout.splitlines():
        if line.startswith("total"):
            jobs = int(line.split()[1])
    return wall, float(user) + float(system), int(max_kb) / 1024, jobs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--scatter", type=int, nargs="+", default=[4, 1])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print("samples\tscatter\tjobs\twall_s\tcpu_s\tpeak_mb")
    for n in args.samples:
        for scatter in args.scatter:
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                cfg = setup(workdir, n, scatter)
                runs = [dry_run(workdir, cfg) for _ in range(args.repeats)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            peak = statistics.median(r[2] for r in runs)
            print(f"{n}\t{scatter}\t{runs[0][3]}\t{wall:.1f}\t{cpu:.1f}\t{peak:.0f}", flush=True)


if __name__ == "__main__":
    main()
