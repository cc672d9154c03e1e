#!/usr/bin/env python3
"""Per-sample QC gate: is there enough usable data to call variants at all?

Reads after trimming (fastp, all units), primary reads mapped and properly paired (samtools
flagstat of the analysis BAM) and mean depth (mosdepth, over the targets or the callable
territory) are compared with the config's `qc_gate` thresholds. The verdict (PASS/FAIL per
metric with the measured value and the threshold) is written to a JSON file in every case; the
report uses the same file, so the run and the report can never disagree. `require` then stops
the sample's variant calling when the verdict is FAIL: a sample without usable reads must not
be delivered as "0 variants".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    threshold: float
    verdict: str  # PASS or FAIL
    description: str


def fastp_reads_after_trimming(paths: list[Path], reused: list[Path] | None = None) -> int:
    """Reads after trimming of the FASTQ units, plus the primary reads of reused stored
    alignments (dnaseq.steps.alignment_source describe; trimmed, if at all, when first made)."""
    trimmed = sum(
        int(json.loads(p.read_text())["summary"]["after_filtering"]["total_reads"]) for p in paths
    )
    return trimmed + sum(int(json.loads(p.read_text())["primary_reads"]) for p in reused or [])


def flagstat_counts(path: Path) -> dict[str, int]:
    """primary, primary mapped and properly paired read counts (QC-passed) from flagstat."""
    counts = {}
    for line in path.read_text().splitlines():
        m = re.match(r"(\d+) \+ \d+ (primary mapped|primary|properly paired)\b", line)
        if m and m.group(2) not in counts:
            counts[m.group(2)] = int(m.group(1))
    return counts


def mosdepth_mean(path: Path) -> float:
    """Mean depth over the regions mosdepth was given (total_region), else the whole genome."""
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line]
    by_name = {r[0]: float(r[3]) for r in rows}
    return by_name.get("total_region", by_name.get("total", 0.0))


def evaluate(
    reads_after_trimming: int, flagstat: dict[str, int], mean_depth: float, thresholds: dict
) -> list[Metric]:
    primary = flagstat.get("primary", 0)
    mapped = flagstat.get("primary mapped", 0) / primary if primary else 0.0
    paired = flagstat.get("properly paired", 0) / primary if primary else 0.0
    measured = [
        ("reads_after_trimming", reads_after_trimming, "min_reads_after_trimming",
         "reads left after trimming (all units)"),
        ("mapped_fraction", round(mapped, 4), "min_mapped_fraction",
         "primary reads that map"),
        ("properly_paired_fraction", round(paired, 4), "min_properly_paired_fraction",
         "primary reads mapped as proper pairs"),
        ("mean_depth", round(mean_depth, 2), "min_mean_depth",
         "mean depth over the targets (or the callable territory)"),
    ]  # fmt: skip
    return [
        Metric(name, value, thresholds[key], "PASS" if value >= thresholds[key] else "FAIL", text)
        for name, value, key, text in measured
    ]


def write_verdict(sample: str, metrics: list[Metric], output: Path) -> str:
    verdict = "FAIL" if any(m.verdict == "FAIL" for m in metrics) else "PASS"
    output.write_text(
        json.dumps(
            {"sample": sample, "verdict": verdict, "metrics": [asdict(m) for m in metrics]},
            indent=1,
        )
        + "\n"
    )
    return verdict


def failed_marker(results: Path, sample: str, gate: str) -> Path:
    return results / "FAILED" / f"{sample}.{gate}.txt"


def mark_failed(results: Path, sample: str, reason: str, gate: str) -> Path:
    """Leave a FAILED verdict next to a sample's results: a gate that stops the run cannot
    take back files already written (BAMs, earlier VCFs), which would otherwise look final."""
    files = sorted(
        str(p.relative_to(results))
        for p in results.rglob(f"*{sample}*")
        if p.is_file() and "FAILED" not in p.parts
    )
    marker = failed_marker(results, sample, gate)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        f"FAILED: {sample}\n{reason}\n\nDo not use these results of {sample}:\n"
        + "".join(f"  {f}\n" for f in files)
    )
    return marker


def clear_failed(results: Path, sample: str, gate: str) -> None:
    """A sample that passes a gate (e.g. after its FASTQs were fixed) loses that gate's old
    FAILED marker."""
    failed_marker(results, sample, gate).unlink(missing_ok=True)


def require(verdict_json: Path, output: Path) -> int:
    """Exit 1 with the failed metrics when the sample's verdict is FAIL."""
    data = json.loads(verdict_json.read_text())
    failed = [m for m in data["metrics"] if m["verdict"] == "FAIL"]
    results = output.parents[2]  # results/qc/gate/<sample>.pass
    if failed:
        details = "; ".join(
            f"{m['description']}: {m['value']} (minimum {m['threshold']})" for m in failed
        )
        mark_failed(results, data["sample"], f"sample QC: {details}", "qc")
        print(
            f"SAMPLE QC FAILED: {data['sample']} has too little usable data to call variants "
            f"({details}). No variant calls are made or delivered for it; see {verdict_json}.",
            file=sys.stderr,
        )
        return 1
    clear_failed(results, data["sample"], "qc")
    output.write_text(f"{data['sample']}\tPASS\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="write the sample's QC verdict")
    ev.add_argument("--sample", required=True)
    ev.add_argument("--fastp", type=Path, nargs="*", default=[])
    ev.add_argument("--reused", type=Path, nargs="*", default=[], help="reused alignments' JSON")
    ev.add_argument("--flagstat", type=Path, required=True)
    ev.add_argument("--mosdepth", type=Path, required=True)
    ev.add_argument("--thresholds", required=True, help="JSON of config qc_gate")
    ev.add_argument("--output", type=Path, required=True)
    req = sub.add_parser("require", help="fail when the verdict is FAIL")
    req.add_argument("verdict", type=Path)
    req.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.command == "require":
        return require(args.verdict, args.output)
    metrics = evaluate(
        fastp_reads_after_trimming(args.fastp, args.reused),
        flagstat_counts(args.flagstat),
        mosdepth_mean(args.mosdepth),
        json.loads(args.thresholds),
    )
    verdict = write_verdict(args.sample, metrics, args.output)
    print(f"{args.sample}: sample QC {verdict}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
