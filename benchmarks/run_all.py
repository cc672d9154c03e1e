#!/usr/bin/env python3
"""`make bench`: what the workflow costs on top of its tools, and how cost grows.

Five tables, every figure measured in this run, written to benchmarks/RESULTS.md with the
machine and the command (see benchmarks/README.md):

1. overhead: wall and CPU of the workflow producing one sample's bcftools calls (no annotation)
   divided by the same tools chained by hand (benchmarks/hand_chain.sh), interleaved runs,
   medians; on the bundled NA12878 reads and on a simulated 2 Mb / 30x sample;
2. cost growth: workflow wall, CPU and peak memory at 0.5, 1 and 2 Mb (30x), the per-Mb slope
   and its projection to a 30x genome and a 500x panel;
3. scatter: calling wall time at calling.scatter 1, 2, 4, 8, and whether the records are equal;
4. planning: `snakemake -n` for 10, 100 and 1,000 samples (benchmarks/planning.py);
5. memory honesty: each rule's peak RSS against the mem_mb it declares.

    python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
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
sys.path.insert(0, str(REPO / "benchmarks"))

import planning  # noqa: E402

from conftest import make_config, snakemake_command, tool_env, units_table  # noqa: E402

THREADS = 2
GENOME_MB = 3100  # a human genome, for the projection
PANEL_MB = 1.5  # a large cancer panel's target territory


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int, str]:
    """wall s, CPU s (this process and its children), peak RSS MB of the largest process."""
    full = ["/usr/bin/time", "-f", "TIME %e %U %S %M", *cmd]
    start = time.perf_counter()
    proc = subprocess.run(
        full, cwd=cwd, capture_output=True, text=True, env=tool_env(), check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:6])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
        )
    line = [x for x in proc.stderr.splitlines() if x.startswith("TIME ")][-1].split()
    return wall, float(line[2]) + float(line[3]), int(line[4]) // 1024, proc.stdout


def subsample(r1: str, r2: str, pairs: int, out: Path) -> tuple[str, str]:
    paths = []
    for src, mate in ((r1, 1), (r2, 2)):
        dst = out / f"sub{pairs}_R{mate}.fastq.gz"
        if not dst.exists():
            with gzip.open(src, "rt") as fin, gzip.open(dst, "wt", compresslevel=1) as fout:
                for i, line in enumerate(fin):
                    if i >= 4 * pairs:
                        break
                    fout.write(line)
        paths.append(str(dst))
    return paths[0], paths[1]


class Bench:
    def __init__(self, root: Path):
        self.root = root
        self.base = root / "base"  # prepared reference, reused by every run
        cfg = self.config(self.base, "NA12878", *self.bundled_reads())
        cmd = snakemake_command(self.base, cfg, "--quiet=all", "--until", "index_reference_bwa",
                                "make_intervals", "index_reference_dict")  # fmt: skip
        subprocess.run(cmd, check=True, env=tool_env(), capture_output=True)

    @staticmethod
    def bundled_reads() -> tuple[str, str]:
        units = units_table()
        row = units[units["sample"] == "NA12878"].iloc[0]
        return row["fq1"], row["fq2"]

    def config(
        self, workdir: Path, sample: str, r1: str, r2: str, scatter: int = 4, fmt: str = "bam"
    ) -> Path:
        units = pd.DataFrame(
            [{"sample": sample, "unit": "L1", "fq1": r1, "fq2": r2, "platform": "ILLUMINA"}]
        )
        samples = pd.DataFrame({"sample": [sample], "sex": ["unknown"], "type": ["germline"]})
        cfg = make_config(
            workdir,
            {"calling": {"callers": ["bcftools"], "scatter": scatter},
             "annotation": {"tool": "none"}, "mapping": {"output_format": fmt}},
            units=units, samples=samples,
        )  # fmt: skip
        raw = yaml.safe_load(cfg.read_text())
        raw["validation"], raw["validation_somatic"], raw["identity"]["expected"] = {}, {}, {}
        cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
        return cfg

    def fresh(self, name: str) -> Path:
        workdir = self.root / name
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        for part in ("results/reference", ".snakemake/metadata"):
            if (self.base / part).exists():
                shutil.copytree(self.base / part, workdir / part, copy_function=os.link)
        return workdir

    def workflow(
        self, sample: str, r1: str, r2: str, scatter: int = 4, name: str = "wf", fmt: str = "bam"
    ):
        workdir = self.fresh(name)
        cfg = self.config(workdir, sample, r1, r2, scatter, fmt)
        target = f"results/calls/bcftools/{sample}.vcf.gz"
        cmd = snakemake_command(workdir, cfg, "--quiet=all", target)
        cmd[cmd.index("--cores") + 1] = str(THREADS)
        return (*timed(cmd)[:3], workdir)

    def hand(self, sample: str, r1: str, r2: str):
        out = self.root / "hand"
        shutil.rmtree(out, ignore_errors=True)
        ref = self.base / "results/reference/genome.fa"
        cmd = ["bash", str(REPO / "benchmarks/hand_chain.sh"), str(out), str(ref), str(THREADS),
               sample, r1, r2]  # fmt: skip
        return timed(cmd)[:3]


def overhead(
    bench: Bench, label: str, sample: str, r1: str, r2: str, reps: int, name: str
) -> tuple[dict, float]:
    """Table 1's row, and the workflow's median peak memory (MB). The workflow's last run stays
    in bench.root / name for the tables that reuse it."""
    wf, hand = [], []
    for _ in range(reps):  # interleaved: machine drift hits both sides alike
        wf.append(bench.workflow(sample, r1, r2, name=name)[:3])
        hand.append(bench.hand(sample, r1, r2))
    med = {k: statistics.median(x[i] for x in runs)
           for k, i, runs in (("wf_wall", 0, wf), ("wf_cpu", 1, wf), ("hand_wall", 0, hand),
                              ("hand_cpu", 1, hand))}  # fmt: skip
    row = {"data": label, "reps": reps, **med,
           "wall_ratio": med["wf_wall"] / med["hand_wall"],
           "cpu_ratio": med["wf_cpu"] / med["hand_cpu"]}  # fmt: skip
    return row, statistics.median(x[2] for x in wf)


def records(vcf: Path) -> list[str]:
    cmd = ["bcftools", "view", "-H", str(vcf)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def memory_table(workdir: Path, config: dict) -> list[dict]:
    rows = []
    for rule_dir in sorted((workdir / "logs/benchmarks").iterdir()):
        peaks = []
        for table in rule_dir.rglob("*.tsv"):
            value = pd.to_numeric(pd.read_csv(table, sep="\t")["max_rss"], errors="coerce").max()
            if not pd.isna(value):
                peaks.append(float(value))
        if not peaks:
            continue
        settings = {**config["resources"]["default"],
                    **config["resources"]["rules"].get(rule_dir.name, {})}  # fmt: skip
        rows.append({"rule": rule_dir.name, "jobs": len(peaks), "peak_rss_mb": max(peaks),
                     "declared_mem_mb": settings["mem_mb"],
                     "within": max(peaks) <= settings["mem_mb"]})  # fmt: skip
    return rows


def markdown(rows: list[dict], floats: int = 2) -> str:
    if not rows:
        return "(no rows)\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [f"{v:.{floats}f}" if isinstance(v, float) else str(v) for v in r.values()]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def earlier_figures(results: Path) -> str:
    """The hand-kept "## Earlier figures" section of the current RESULTS.md, kept on rewrite."""
    text = results.read_text() if results.exists() else ""
    start = text.find("\n## Earlier figures")
    return text[start:] if start >= 0 else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sim", type=Path, default=Path("/tmp/dnaseq-bench-sim"),
                    help="where the simulated 2 Mb sample is made (kept between runs)")  # fmt: skip
    ap.add_argument("--quick", action="store_true", help="one repeat each, 10/100 samples")
    ap.add_argument(
        "--overhead-only", action="store_true", help="table 1 alone (printed, not written)"
    )
    args = ap.parse_args()
    reps_small, reps_large = (1, 1) if args.quick else (3, 3)
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        probe_s, probe_jobs = planning.floor(Path(tmp), 200, 3600)
    sim_r1 = args.sim / "reads/SIMB_L001_R1.fastq.gz"
    if not sim_r1.exists():
        subprocess.run(
            [sys.executable, str(REPO / "devtools/simulate_reads.py"), "--fasta",
             str(REPO / "resources/test/reference/test_genome.fa.gz"), "--sites",
             str(REPO / "resources/test/annotation/cohort-chr21_5.1-5.2Mb.sites.vcf.gz"),
             "--region", "chr21:5000001-10000000", "--outdir", str(args.sim), "--sample",
             "SIMB", "--depth", "12", "--lanes", "1"],
            check=True,
        )  # fmt: skip
    sim = (str(sim_r1), str(args.sim / "reads/SIMB_L001_R2.fastq.gz"))
    pairs_per_mb = 30 * 1_000_000 // 202  # 30x with 2 x 101 bp reads
    report = [f"# Benchmarks\n\nMachine: {platform.node()}, {os.cpu_count()} cores, "
              f"{platform.platform()}; {THREADS} threads per run. Command: "
              f"`python benchmarks/run_all.py{' --quick' if args.quick else ''}` "
              f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).\n"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp))
        # 1. overhead
        bundled, _ = overhead(bench, "bundled NA12878 (25,839 pairs)", "NA12878",
                              *Bench.bundled_reads(), reps_small, "overhead_bundled")  # fmt: skip
        large, large_peak = overhead(bench, f"simulated 2 Mb 30x ({2 * pairs_per_mb:,} pairs)",
                                     "SIMB", *subsample(*sim, 2 * pairs_per_mb, Path(tmp)),
                                     reps_large, "growth2.0")  # fmt: skip
        table1 = markdown([bundled, large])
        print("\n1. Overhead (workflow / hand-chained tools)\n" + table1, flush=True)
        if args.overhead_only:
            return
        # 2. growth
        growth = []
        for mb in (0.5, 1.0):
            r1, r2 = subsample(*sim, int(mb * pairs_per_mb), Path(tmp))
            wall, cpu, peak, _ = bench.workflow("SIMB", r1, r2, name=f"growth{mb}")
            growth.append({"Mb_at_30x": mb, "pairs": int(mb * pairs_per_mb), "wall_s": wall,
                           "cpu_s": cpu, "peak_mb": peak})  # fmt: skip
        # 2 Mb: the medians of table 1's workflow runs (same reads, same config)
        growth.append({"Mb_at_30x": 2.0, "pairs": 2 * pairs_per_mb, "wall_s": large["wf_wall"],
                       "cpu_s": large["wf_cpu"], "peak_mb": large_peak})  # fmt: skip
        slope = (growth[-1]["cpu_s"] - growth[0]["cpu_s"]) / (2.0 - 0.5)
        genome_h = slope * GENOME_MB / 3600
        panel_h = slope * PANEL_MB * (500 / 30) / 3600
        table2 = markdown(growth) + (
            f"\nCPU slope {slope:.1f} CPU s per Mb at 30x -> a 30x genome "
            f"({GENOME_MB} Mb): {genome_h:.0f} CPU hours; a {PANEL_MB} Mb panel at 500x: "
            f"{panel_h:.1f} CPU hours (fastp + bwa + markdup + bcftools, one caller).\n"
        )
        print("\n2. Cost growth\n" + table2, flush=True)
        # 3. scatter
        scatter_rows, reference = [], None
        r1, r2 = subsample(*sim, pairs_per_mb, Path(tmp))
        for n in (1, 2, 4, 8):
            if n == 4:  # the default: table 2's 1 Mb run is this run
                workdir = bench.root / "growth1.0"
            else:
                _, _, _, workdir = bench.workflow("SIMB", r1, r2, scatter=n, name=f"scatter{n}")
            calls = sorted((workdir / "logs/benchmarks/call_variants_bcftools").glob("*.tsv"))
            walls = [float(pd.read_csv(c, sep="\t")["s"].iloc[0]) for c in calls]
            recs = records(workdir / "results/calls/bcftools/SIMB.vcf.gz")
            reference = reference or recs
            scatter_rows.append({"scatter": n, "chunk_jobs": len(walls),
                                 "longest_chunk_s": max(walls), "sum_chunks_s": sum(walls),
                                 "records": len(recs), "identical": recs == reference})  # fmt: skip
        table3 = markdown(scatter_rows)
        print("\n3. Scatter (1 Mb sample, bcftools)\n" + table3, flush=True)
        # CRAM vs BAM (0.5 Mb sample, against table 2's run): size and time
        cram = bench.workflow("SIMB", *subsample(*sim, int(0.5 * pairs_per_mb), Path(tmp)),
                              name="cram", fmt="cram")  # fmt: skip
        bam_run = next(g for g in growth if g["Mb_at_30x"] == 0.5)
        bam_size = (bench.root / "growth0.5/results/mapping/samtools/SIMB.dedup.bam").stat().st_size
        cram_size = (cram[3] / "results/mapping/samtools/SIMB.dedup.cram").stat().st_size
        table6 = markdown([
            {"format": "bam", "MB": bam_size / 1e6, "wall_s": bam_run["wall_s"],
             "cpu_s": bam_run["cpu_s"]},
            {"format": "cram", "MB": cram_size / 1e6, "wall_s": cram[0], "cpu_s": cram[1]},
        ]) + f"\nCRAM/BAM size ratio {cram_size / bam_size:.2f}.\n"  # fmt: skip
        print("\nCRAM vs BAM (0.5 Mb sample)\n" + table6, flush=True)
        # 5. memory honesty (from the largest run)
        cfg = yaml.safe_load((bench.root / "growth2.0/config.yaml").read_text())
        table5 = markdown(memory_table(bench.root / "growth2.0", cfg), floats=0)
        print("\n5. Memory: peak RSS vs declared mem_mb (2 Mb run)\n" + table5, flush=True)
    # 4. planning
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    # 1,000 samples: 2 repeats (their mean), to keep make bench under 20 minutes
    plan_rows = [planning.measure(n, scatter, 1 if args.quick else 2 if n >= 1000 else 3)
                 for n in sizes for scatter in (4, 1)]  # fmt: skip
    table4 = markdown(plan_rows) + (
        "\nwall_s: `snakemake -n` (median of 3 repeats, of 2 for 1,000 samples); dag_s: seconds"
        " until its job stats appear (start-up, DAG and rerun decisions before the jobs are"
        " listed: what a real run pays before its first job); floor_s: a dry run of as many"
        " touch-only jobs (one input, one output, no log, benchmark, resources or message:"
        " Snakemake's own cost per job; one run).\n"
    )
    print("\n4. Planning (snakemake -n)\n" + table4, flush=True)
    report += ["\n## 1. Overhead: workflow / same tools chained by hand (medians)\n", table1,
               "\n## 2. Cost growth\n", table2, "\n## 3. Scatter\n", table3,
               "\n## 4. Planning at scale\n", table4, "\n## 5. Memory honesty\n", table5,
               "\n## CRAM vs BAM\n", table6,
               f"\nTotal benchmark time: {(time.time() - started) / 60:.1f} min.\n",
               f"\nSpeed of the machine in this run: {probe_s:.1f} s for a Snakemake dry run of"
               f" {probe_jobs:,} touch-only jobs (4.4 s on this VM in a normal hour, 7-9 s in a"
               " slow one: compare runs through ratios, not seconds).\n"]  # fmt: skip
    results = REPO / "benchmarks/RESULTS.md"
    report.append(earlier_figures(results))
    results.write_text("".join(report))
    print(f"written benchmarks/RESULTS.md ({(time.time() - started) / 60:.1f} min)")


if __name__ == "__main__":
    main()
