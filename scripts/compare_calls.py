#!/usr/bin/env python3
"""Compare a sample's variant calls with a truth set, genotype-aware, per region and variant type.

Both VCFs must already be normalised the same way (the workflow runs `bcftools norm -m-any -a -f
ref` on both). A truth variant is a true positive only when a PASS call has the same CHROM, POS,
REF and ALT and the same number of copies of that ALT allele (het vs hom-alt). A genotype mismatch
is therefore counted once as a false negative and once as a false positive, as in a
genotype-aware hap.py/vcfeval comparison.

Regions reported:
  confident  - inside the truth's confident-regions BED: precision and recall are both meaningful.
  truth_span - from the first to the last truth record of each contig: the truth outside the BED is
               incomplete, so only recall is meaningful there; precision is still printed.

Output: TSV with columns sample caller region type tp fp fn precision recall f1.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["sample", "caller", "region", "type", "tp", "fp", "fn", "precision", "recall", "f1"]

Key = tuple[str, int, str, str]  # chrom, pos, ref, alt


@dataclass(frozen=True)
class Call:
    key: Key
    end: int  # 1-based inclusive end on the reference
    dosage: int  # copies of ALT in the genotype: 1 or 2

    @property
    def vtype(self) -> str:
        _, _, ref, alt = self.key
        return "SNV" if len(ref) == len(alt) else "INDEL"


class Regions:
    """Sorted, non-overlapping intervals per contig (0-based half-open), for containment tests."""

    def __init__(self, intervals: dict[str, list[tuple[int, int]]]):
        self.starts = {c: [s for s, _ in sorted(iv)] for c, iv in intervals.items()}
        self.ends = {c: [e for _, e in sorted(iv)] for c, iv in intervals.items()}

    @classmethod
    def from_bed(cls, path: Path) -> Regions:
        intervals: dict[str, list[tuple[int, int]]] = {}
        with open(path) as handle:
            for line in handle:
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                contig, start, end = line.split("\t")[:3]
                intervals.setdefault(contig, []).append((int(start), int(end)))
        return cls(intervals)

    def contains(self, call: Call) -> bool:
        """True when the whole REF span of the call lies in one interval."""
        chrom, pos, _, _ = call.key
        starts = self.starts.get(chrom)
        if not starts:
            return False
        i = bisect.bisect_right(starts, pos - 1) - 1
        return i >= 0 and self.ends[chrom][i] >= call.end


def alt_dosage(gt: tuple[int | None, ...] | None, allele: int) -> int:
    if not gt:
        return 0
    return sum(1 for a in gt if a == allele)


def read_calls(path: Path, sample: str | None, pass_only: bool) -> Iterator[Call]:
    """Yield variant alleles present in the sample's genotype (first sample if none is named)."""
    import pysam

    with pysam.VariantFile(str(path)) as vcf:
        samples = list(vcf.header.samples)
        if sample is None:
            if not samples:
                raise ValueError(f"{path}: VCF has no sample column")
            sample = samples[0]
        elif sample not in samples:
            raise ValueError(f"{path}: sample {sample!r} not in VCF (has {', '.join(samples)})")
        for rec in vcf:
            if pass_only and not (set(rec.filter.keys()) <= {"PASS"}):
                continue
            gt = rec.samples[sample].get("GT")
            for i, alt in enumerate(rec.alts or (), start=1):
                if alt.startswith("<") or alt == "*":
                    continue
                dosage = alt_dosage(gt, i)
                if dosage:
                    end = rec.pos + len(rec.ref) - 1
                    yield Call((rec.chrom, rec.pos, rec.ref.upper(), alt.upper()), end, min(dosage, 2))


def truth_span(truth: list[Call]) -> Regions:
    spans: dict[str, list[int]] = {}
    for c in truth:
        chrom, pos = c.key[0], c.key[1]
        lo, hi = spans.get(chrom, [pos - 1, c.end])
        spans[chrom] = [min(lo, pos - 1), max(hi, c.end)]
    return Regions({chrom: [(lo, hi)] for chrom, (lo, hi) in spans.items()})


def ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def score(truth: list[Call], calls: list[Call], region: Regions) -> dict[str, dict[str, float]]:
    """tp/fp/fn/precision/recall/f1 per variant type inside the region."""
    out = {}
    for vtype in ("SNV", "INDEL"):
        t = {c.key: c.dosage for c in truth if c.vtype == vtype and region.contains(c)}
        q = {c.key: c.dosage for c in calls if c.vtype == vtype and region.contains(c)}
        tp = sum(1 for k, d in t.items() if q.get(k) == d)
        fp, fn = len(q) - tp, len(t) - tp
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        f1 = ratio(2 * precision * recall, precision + recall) if tp else 0.0
        out[vtype] = {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}
    return out


def compare(
    truth_vcf: Path, calls_vcf: Path, confident_bed: Path, sample: str, caller: str
) -> list[dict[str, object]]:
    truth = list(read_calls(truth_vcf, None, pass_only=True))
    calls = list(read_calls(calls_vcf, sample, pass_only=True))
    rows: list[dict[str, object]] = []
    for region_name, region in (
        ("confident", Regions.from_bed(confident_bed)),
        ("truth_span", truth_span(truth)),
    ):
        for vtype, m in score(truth, calls, region).items():
            rows.append({"sample": sample, "caller": caller, "region": region_name, "type": vtype, **m})
    return rows


def format_row(row: dict[str, object]) -> str:
    cells = []
    for col in COLUMNS:
        v = row[col]
        cells.append(f"{v:.4f}" if isinstance(v, float) else str(v))
    return "\t".join(cells)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--calls", type=Path, required=True)
    ap.add_argument("--confident-bed", type=Path, required=True)
    ap.add_argument("--sample", required=True)
    ap.add_argument("--caller", required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = compare(args.truth, args.calls, args.confident_bed, args.sample, args.caller)
    with open(args.output, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            out.write(format_row(row) + "\n")
    for row in rows:
        print(format_row(row), file=sys.stderr)


if __name__ == "__main__":
    main()
