#!/usr/bin/env python3
"""SV recall and precision by type and size class, from a `truvari bench` output folder.

Recall counts the truth side (tp-base vs fn), precision the call side (tp-comp vs fp), so a
call matching two truth events and two calls matching one event are each counted once on their
own side. Size classes: 50-999 bp, 1-9.9 kb, >= 10 kb (`SVLEN`, else END - POS).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pysam

CLASSES = [(50, 1000, "50bp-1kb"), (1000, 10000, "1-10kb"), (10000, 10**12, ">=10kb")]
COLUMNS = ["sample", "type", "size", "tp", "fn", "fp", "recall", "precision"]


def size_class(length: int) -> str:
    for low, high, name in CLASSES:
        if low <= length < high:
            return name
    return "<50bp"


def keys(vcf: Path) -> Counter:
    """(type, size class) -> number of records."""
    counts: Counter = Counter()
    with pysam.VariantFile(str(vcf)) as handle:
        for rec in handle:
            kind = str(rec.info.get("SVTYPE", "")).split(":")[0]
            svlen = rec.info.get("SVLEN")
            svlen = svlen[0] if isinstance(svlen, tuple) else svlen
            length = abs(svlen) if svlen else int(rec.stop) - rec.pos
            counts[(kind, size_class(length))] += 1
    return counts


def ratio(num: int, den: int) -> str:
    return f"{num / den:.4f}" if den else "NA"


def summarise(folder: Path, sample: str) -> list[dict]:
    tp_base, fn = keys(folder / "tp-base.vcf.gz"), keys(folder / "fn.vcf.gz")
    tp_comp, fp = keys(folder / "tp-comp.vcf.gz"), keys(folder / "fp.vcf.gz")
    groups = sorted(set(tp_base) | set(fn) | set(tp_comp) | set(fp))
    rows = []
    for kind, size in [*groups, ("all", "all")]:

        def total(counter: Counter, kind: str = kind, size: str = size) -> int:
            if kind == "all":
                return sum(counter.values())
            return counter[(kind, size)]

        tp, missed = total(tp_base), total(fn)
        called, false = total(tp_comp), total(fp)
        rows.append(
            {
                "sample": sample,
                "type": kind,
                "size": size,
                "tp": tp,
                "fn": missed,
                "fp": false,
                "recall": ratio(tp, tp + missed),
                "precision": ratio(called, called + false),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, required=True, help="truvari bench output folder")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = summarise(args.dir, args.sample)
    with open(args.output, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(str(row[c]) for c in COLUMNS) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
