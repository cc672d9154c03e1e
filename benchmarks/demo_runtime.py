#!/usr/bin/env python3
"""Benchmark: wall time and peak memory of the workflow on the bundled test dataset.

Runs the whole workflow from scratch in a temporary directory (reference indexing included) and
prints the wall time, the peak resident memory of the largest single process, and the number of
job logs written. Asserts nothing. Usage: python benchmarks/demo_runtime.py [--cores N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_config, snakemake_command  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        configfile = make_config(workdir)
        cmd = snakemake_command(workdir, configfile, "--quiet", "all")
        cmd[cmd.index("--cores") + 1] = str(args.cores)
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        jobs = len(list((workdir / "logs").rglob("*.log")))
    print(
        f"cores={args.cores} wall_seconds={wall:.1f} "
        f"peak_rss_mb_of_largest_process={peak_kb / 1024:.0f} job_logs={jobs}"
    )


if __name__ == "__main__":
    main()
