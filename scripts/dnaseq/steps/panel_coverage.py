#!/usr/bin/env python3
"""Panel coverage QC from mosdepth: per target, per gene, low-coverage targets, on-target rate.

Inputs are mosdepth's `--by targets.bed --thresholds ...` outputs on the *unpadded* targets
(`.regions.bed.gz` with the mean depth of each target, `.thresholds.bed.gz` with the number of
bases at or above each threshold) and a two-line file with mapped and on-target read counts.
The gene of a target is its BED name up to the first '_' (EGFR_ex19 -> EGFR).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections import defaultdict
from pathlib import Path


def read_regions(path: Path) -> list[tuple[str, int, int, str, float]]:
    rows = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            f = line.rstrip("\n").split("\t")
            name = f[3] if len(f) > 4 else f"{f[0]}:{f[1]}-{f[2]}"
            rows.append((f[0], int(f[1]), int(f[2]), name, float(f[-1])))
    return rows


def read_thresholds(path: Path) -> tuple[list[int], dict[tuple[str, int, int], list[int]]]:
    """Threshold depths from the header (e.g. '100X') and bases >= each, per target."""
    counts = {}
    with gzip.open(path, "rt") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        depths = [int(h.rstrip("X")) for h in header[4:]]
        for line in handle:
            f = line.rstrip("\n").split("\t")
            counts[(f[0], int(f[1]), int(f[2]))] = [int(x) for x in f[4:]]
    return depths, counts


def gene_of(name: str) -> str:
    return name.split("_", 1)[0]


def per_target(regions, depths, counts) -> list[dict[str, object]]:
    rows = []
    for chrom, start, end, name, mean in regions:
        length = end - start
        row: dict[str, object] = {
            "target": name,
            "gene": gene_of(name),
            "contig": chrom,
            "start": start,
            "end": end,
            "length": length,
            "mean_depth": round(mean, 2),
        }
        for depth, n in zip(depths, counts[(chrom, start, end)], strict=True):
            row[f"pct_ge_{depth}x"] = round(100 * n / length, 2) if length else 0.0
        rows.append(row)
    return rows


def per_gene(targets: list[dict[str, object]], depths: list[int]) -> list[dict[str, object]]:
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for t in targets:
        groups[str(t["gene"])].append(t)
    rows = []
    for gene, ts in groups.items():
        length = sum(int(t["length"]) for t in ts)
        row: dict[str, object] = {
            "gene": gene,
            "targets": len(ts),
            "length": length,
            "mean_depth": round(
                sum(float(t["mean_depth"]) * int(t["length"]) for t in ts) / length, 2
            ),
        }
        for d in depths:
            key = f"pct_ge_{d}x"
            row[key] = round(sum(float(t[key]) * int(t["length"]) for t in ts) / length, 2)
        rows.append(row)
    return rows


def write_table(path: Path, rows: list[dict[str, object]], header_lines: list[str] = ()) -> None:
    with open(path, "w") as out:
        for line in header_lines:
            out.write(f"# {line}\n")
        if rows:
            out.write("\t".join(rows[0]) + "\n")
            for row in rows:
                out.write("\t".join(str(v) for v in row.values()) + "\n")


def low_targets(
    targets: list[dict[str, object]], min_depth: float, min_breadth: float
) -> list[tuple[dict[str, object], float, str]]:
    """Targets not adequately tested: mean depth below the minimum, or fewer than `min_breadth`
    % of their bases at >= that depth (a target at 30x mean with half its bases at 5x is a
    gap), each with its breadth and the reason."""
    key = f"pct_ge_{int(min_depth)}x"
    result = []
    for t in targets:
        breadth = float(t[key]) if key in t else float("nan")
        reasons = []
        if float(t["mean_depth"]) < min_depth:
            reasons.append(f"mean depth {t['mean_depth']} < {min_depth:g}x")
        if breadth == breadth and breadth < min_breadth:
            reasons.append(f"{breadth:g} % of bases at >= {min_depth:g}x < {min_breadth:g} %")
        if reasons:
            result.append((t, breadth, "; ".join(reasons)))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", required=True)
    ap.add_argument("--regions", type=Path, required=True)
    ap.add_argument("--thresholds", type=Path, required=True)
    ap.add_argument("--reads", type=Path, required=True, help="mapped and on-target read counts")
    ap.add_argument("--min-mean-depth", type=float, required=True)
    ap.add_argument(
        "--min-breadth",
        type=float,
        default=95.0,
        help="%% of a target's bases at >= --min-mean-depth below which it is low coverage",
    )
    ap.add_argument("--per-target", type=Path, required=True)
    ap.add_argument("--per-gene", type=Path, required=True)
    ap.add_argument("--low-coverage", type=Path, required=True)
    ap.add_argument("--multiqc", type=Path, required=True)
    args = ap.parse_args(argv)

    depths, counts = read_thresholds(args.thresholds)
    targets = per_target(read_regions(args.regions), depths, counts)
    write_table(args.per_target, targets)
    write_table(args.per_gene, per_gene(targets, depths))
    low = low_targets(targets, args.min_mean_depth, args.min_breadth)
    with open(args.low_coverage, "w") as out:
        for t, breadth, reason in low:
            out.write(
                f"{t['contig']}\t{t['start']}\t{t['end']}\t{t['target']}\t{t['mean_depth']}"
                f"\t{breadth}\t{reason}\n"
            )
    mapped, on_target = (int(x) for x in args.reads.read_text().split())
    total_len = sum(int(t["length"]) for t in targets)
    summary: dict[str, object] = {
        "sample": args.sample,
        "on_target_rate_pct": round(100 * on_target / mapped, 2) if mapped else 0.0,
        "mean_target_depth": round(
            sum(float(t["mean_depth"]) * int(t["length"]) for t in targets) / total_len, 2
        ),
        "targets_below_min": len(low),
    }
    for d in depths:
        key = f"pct_ge_{d}x"
        summary[key] = round(sum(float(t[key]) * int(t["length"]) for t in targets) / total_len, 2)
    write_table(
        args.multiqc,
        [summary],
        [
            "id: panel_coverage",
            "section_name: Panel coverage",
            "plot_type: table",
            "description: Unpadded panel targets; targets_below_min = mean depth < "
            f"{args.min_mean_depth}x or < {args.min_breadth} % of bases at >= that depth",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
