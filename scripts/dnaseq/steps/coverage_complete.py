"""Coverage over every region asked for, including contigs without a single read.

mosdepth leaves a contig out of its summary and its region distribution when the alignment has no
read on it, though its regions are in the BED it was given: a panel with three of four targets'
contigs unread was then graded on the one read target alone (40.7x mean and 100 % of bases at
20x instead of 10.2x and 25 %), and the QC gate, the clinical report and MultiQC all read those
two files. This step, run in the same job right after mosdepth, adds every missing contig's
regions at depth 0 to both files and recomputes their `total_region` / `total` lines, so that
every figure is over the whole territory it claims. Lengths follow mosdepth's own definition (the
sum of the BED's interval lengths per contig).

    python -m dnaseq.steps coverage-complete --bed BED --summary S --region-dist D
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path


def bed_lengths(bed: Path) -> dict[str, int]:
    """contig -> summed interval length, in first-seen order."""
    lengths: dict[str, int] = defaultdict(int)
    with open(bed) as handle:
        for line in handle:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.split("\t")
            lengths[fields[0]] += int(fields[2]) - int(fields[1])
    return dict(lengths)


def complete_summary(rows: list[list[str]], lengths: dict[str, int]) -> tuple[list, list[str]]:
    """Summary rows (without header) with every BED contig's `<contig>_region` row and the
    `total_region` row over all of them. Returns (rows, contigs added)."""
    present = {r[0].removesuffix("_region") for r in rows if r[0].endswith("_region")}
    present.discard("total")
    missing = [c for c in lengths if c not in present]
    region_rows = [r for r in rows if r[0].endswith("_region") and r[0] != "total_region"]
    region_rows += [[f"{c}_region", str(lengths[c]), "0", "0.00", "0", "0"] for c in missing]
    length = sum(int(r[1]) for r in region_rows)
    bases = sum(int(r[2]) for r in region_rows)
    low = min((int(float(r[4])) for r in region_rows), default=0)
    high = max((int(float(r[5])) for r in region_rows), default=0)
    mean = bases / length if length else 0.0
    total_region = ["total_region", str(length), str(bases), f"{mean:.2f}", str(low), str(high)]
    body = [r for r in rows if not r[0].startswith("total")]
    body += [[f"{c}_region", str(lengths[c]), "0", "0.00", "0", "0"] for c in missing]
    totals = [r for r in rows if r[0] == "total"]
    return [*body, *totals, total_region], missing


def complete_region_dist(
    lines: list[list[str]], lengths: dict[str, int], missing: list[str]
) -> list[list[str]]:
    """Region distribution (contig, depth, fraction of bases at >= depth) with the missing
    contigs at depth 0 and the `total` lines recomputed over every region."""
    if not missing:
        return lines
    read_length = sum(v for c, v in lengths.items() if c not in missing)
    unread_length = sum(lengths[c] for c in missing)
    whole = read_length + unread_length
    totals = {int(depth): float(frac) for chrom, depth, frac in lines if chrom == "total"}
    totals.setdefault(0, 1.0 if read_length else 0.0)
    out = [line for line in lines if line[0] != "total"]
    out += [[c, "0", "1.00"] for c in missing]
    for depth in sorted(totals, reverse=True):
        covered = totals[depth] * read_length + (unread_length if depth == 0 else 0)
        out.append(["total", str(depth), f"{covered / whole:.2f}" if whole else "0.00"])
    return out


def _read(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines() if line]


def _write(path: Path, rows: list[list[str]]) -> None:
    path.write_text("".join("\t".join(r) + "\n" for r in rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bed", type=Path, required=True, help="the BED given to mosdepth --by")
    ap.add_argument("--summary", type=Path, required=True, help="*.mosdepth.summary.txt")
    ap.add_argument("--region-dist", type=Path, required=True, help="*.mosdepth.region.dist.txt")
    args = ap.parse_args(argv)
    lengths = bed_lengths(args.bed)
    header, *rows = _read(args.summary)
    rows, missing = complete_summary(rows, lengths)
    _write(args.summary, [header, *rows])
    _write(args.region_dist, complete_region_dist(_read(args.region_dist), lengths, missing))
    if missing:
        print(
            f"{len(missing)} contig(s) of {args.bed} have no reads, counted at depth 0: "
            + ", ".join(missing[:10]),
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
