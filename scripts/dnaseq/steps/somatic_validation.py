#!/usr/bin/env python3
"""Somatic calls vs a sites-only somatic truth, inside an evaluation BED.

A truth SNV/indel is found when a PASS call has the same CHROM, POS, REF and ALT. Every other
PASS call inside the evaluation region is a false positive. Output columns:
tumor caller mode tp fp fn precision recall.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dnaseq.steps.compare_calls import Regions

COLUMNS = ["tumor", "caller", "mode", "tp", "fp", "fn", "precision", "recall"]


def alleles(path: Path, pass_only: bool) -> set[tuple[str, int, str, str, int]]:
    """(chrom, pos, ref, alt, end) of every allele, optionally PASS only."""
    import pysam

    out = set()
    with pysam.VariantFile(str(path)) as vcf:
        for rec in vcf:
            if pass_only and set(rec.filter.keys()) - {"PASS"}:
                continue
            for alt in rec.alts or ():
                out.add((rec.chrom, rec.pos, rec.ref, alt, rec.pos + len(rec.ref) - 1))
    return out


def evaluate(calls: Path, truth: Path, bed: Path) -> dict[str, float]:
    region = Regions.from_bed(bed)

    def inside(a: tuple[str, int, str, str, int]) -> bool:
        from dnaseq.steps.compare_calls import Call

        return region.contains(Call((a[0], a[1], a[2], a[3]), a[4], 1))

    t = {a[:4] for a in alleles(truth, pass_only=False) if inside(a)}
    c = {a[:4] for a in alleles(calls, pass_only=True) if inside(a)}
    tp = len(t & c)
    fp, fn = len(c - t), len(t - c)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--run", action="append", default=[], help="TUMOR:MODE:CALLER:CALLS_VCF:TRUTH_VCF:EVAL_BED"
    )
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    with open(args.output, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for run in args.run:
            tumor, mode, caller, calls, truth, bed = run.split(":")
            m = evaluate(Path(calls), Path(truth), Path(bed))
            row = {"tumor": tumor, "caller": caller, "mode": mode, **m}
            out.write(
                "\t".join(
                    f"{row[k]:.4f}" if isinstance(row[k], float) else str(row[k]) for k in COLUMNS
                )
                + "\n"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
