#!/usr/bin/env python3
"""Compare a sample's variant calls with a truth set, genotype-aware, per region and variant type.

Kept only for the somatic tables (dnaseq.steps.somatic_validation): the germline tables come
from RTG vcfeval (dnaseq.steps.vcfeval_tables), the GA4GH engine. Somatic truth sets here are
sites with a VAF and no genotype, and the somatic callers write tumour/normal genotypes that a
genotype-aware engine would score against the wrong sample; vcfeval can compare them
(`--squash-ploidy`, `--sample ALT`), which is the next step, but its allele-only counts must be
checked against these first. Until then this comparator, which matches like vcfeval (clusters,
haplotype replay), does the somatic counting.

Both VCFs must be left-aligned against the same reference (`bcftools norm -f ref`); calls are
also split into one allele per record (`-m -any`); truth records may stay multi-allelic.

MNPs (REF and ALT of equal length > 1) are split into one SNV per differing base, in truth and
calls alike (as `bcftools norm --atomize` does), so SNV counts are per base whatever the caller's
representation; the split SNVs keep the record's genotype.

Matching (like RTG vcfeval): truth and call alleles are grouped into clusters of nearby variants.
A cluster matches when the calls carry the same alleles with the same genotype dosage (het vs
hom-alt) as the truth. Otherwise the largest subsets of its truth and of its calls are sought
whose variants spell the same pair of haplotype sequences under some phasing (this absorbs
representation differences such as shifted indels or a complex allele vs two SNVs); the
variants in those subsets match, the others do not: a false call next to a true one no longer
sinks the true one. Clusters too large to search fall back to matching each allele on its own
(same CHROM, POS, REF, ALT and dosage). A genotype mismatch counts once as a false negative and
once as a false positive. Truth is counted per record (a 1/2 record is one variant), calls per
allele.

Regions reported:
  confident  - inside the truth's confident-regions BED: precision and recall are both meaningful.
  truth_span - from the first to the last truth record of each contig: the truth outside the BED is
               incomplete, so only recall is meaningful there; precision is still printed.

Genotype concordance: the same matching with genotypes ignored (het = hom-alt) finds the truth
variants whose alleles were called; gt_concordance is the fraction of those whose genotype (het
or hom-alt) is right as well, i.e. tp / allele-level tp.

Output: TSV with columns sample caller region type tp fp fn precision recall f1 gt_concordance.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

COLUMNS = [
    "sample",
    "caller",
    "region",
    "type",
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
    "f1",
    "gt_concordance",
]

Key = tuple[str, int, str, str]  # chrom, pos, ref, alt


@dataclass(frozen=True)
class Call:
    key: Key
    end: int  # 1-based inclusive end on the reference
    dosage: int  # copies of ALT in the genotype: 1 or 2
    record: int = 0  # index of the VCF record (a multi-allelic truth record yields several Calls)

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
        for index, rec in enumerate(vcf):
            if pass_only and not (set(rec.filter.keys()) <= {"PASS"}):
                continue
            gt = rec.samples[sample].get("GT")
            for i, alt in enumerate(rec.alts or (), start=1):
                if alt.startswith("<") or alt == "*":
                    continue
                dosage = alt_dosage(gt, i)
                if dosage:
                    ref, alt = rec.ref.upper(), alt.upper()
                    for pos, r, a in atomize(rec.pos, ref, alt):
                        end = pos + len(r) - 1
                        yield Call((rec.chrom, pos, r, a), end, min(dosage, 2), index)


def atomize(pos: int, ref: str, alt: str) -> list[tuple[int, str, str]]:
    """An MNP (equal-length REF/ALT > 1 base) as one SNV per differing base; others unchanged."""
    if len(ref) != len(alt) or len(ref) == 1:
        return [(pos, ref, alt)]
    return [(pos + i, r, a) for i, (r, a) in enumerate(zip(ref, alt, strict=True)) if r != a]


def record_type(alleles: list[Call]) -> str:
    return "INDEL" if any(c.vtype == "INDEL" for c in alleles) else "SNV"


def truth_span(truth: list[Call]) -> Regions:
    spans: dict[str, list[int]] = {}
    for c in truth:
        chrom, pos = c.key[0], c.key[1]
        lo, hi = spans.get(chrom, [pos - 1, c.end])
        spans[chrom] = [min(lo, pos - 1), max(hi, c.end)]
    return Regions({chrom: [(lo, hi)] for chrom, (lo, hi) in spans.items()})


def ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def haplotype_pairs(
    variants: list[Call], ref: str, start: int, max_het: int = 10
) -> set[tuple[str, str]] | None:
    """All unordered pairs of haplotype sequences the unphased genotypes can form in a window.

    `ref` is the reference sequence of the window, starting at 1-based position `start`.
    Hom-alt variants go on both haplotypes, each het one on either (2^(n-1) phasings, one fixed).
    Assignments that put overlapping variants on one haplotype are impossible and skipped.
    Returns None when there are too many het variants to enumerate.
    """
    hets = [v for v in variants if v.dosage == 1]
    homs = [v for v in variants if v.dosage == 2]
    if len(hets) > max_het:
        return None
    pairs: set[tuple[str, str]] = set()
    for mask in range(2 ** max(len(hets) - 1, 0)):
        haps: list[list[Call]] = [list(homs), list(homs)]
        for i, v in enumerate(hets):
            side = 0 if i == 0 else (mask >> (i - 1)) & 1  # the first het is fixed on hap 0
            haps[side].append(v)
        seqs = [apply_variants(ref, start, h) for h in haps]
        if None not in seqs:
            a, b = seqs
            pairs.add((a, b) if a <= b else (b, a))  # type: ignore[operator]
    return pairs


def apply_variants(ref: str, start: int, variants: list[Call]) -> str | None:
    """The window's sequence with the variants applied; None if two of them overlap."""
    out, cursor = [], 0
    for v in sorted(variants, key=lambda c: c.key[1]):
        _, pos, vref, alt = v.key
        i = pos - start
        if i < cursor or ref[i : i + len(vref)] != vref:
            return None
        out.append(ref[cursor:i])
        out.append(alt)
        cursor = i + len(vref)
    out.append(ref[cursor:])
    return "".join(out)


def clusters(truth: list[Call], calls: list[Call], gap: int) -> list[tuple[list[Call], list[Call]]]:
    """Group truth and call variants whose REF spans lie within `gap` bp of each other."""
    tagged = sorted(
        [(c.key[0], c.key[1], c.end, 0, c) for c in truth]
        + [(c.key[0], c.key[1], c.end, 1, c) for c in calls],
        key=lambda x: (x[0], x[1], x[2]),
    )
    groups: list[tuple[list[Call], list[Call]]] = []
    last_chrom, last_end = None, -1
    for chrom, pos, end, side, call in tagged:
        if chrom != last_chrom or pos > last_end + gap:
            groups.append(([], []))
            last_chrom, last_end = chrom, end
        groups[-1][side].append(call)
        last_end = max(last_end, end)
    return groups


MAX_SUBSET_SEARCH = 8  # truth or call variants per cluster for the subset search (2^8 each)


def subsets(variants: list[Call]) -> list[tuple[Call, ...]]:
    """Every subset, largest first."""
    out = [
        tuple(v for i, v in enumerate(variants) if mask >> i & 1)
        for mask in range(2 ** len(variants))
    ]
    return sorted(out, key=len, reverse=True)


def best_haplotype_match(
    t_group: list[Call], c_group: list[Call], ref: str, start: int
) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """The subsets of truth and calls with equal haplotype pairs that match the most variants
    (ties: more truth variants, then the first found). Empty subsets always match."""
    c_pairs = {}
    for sub in subsets(c_group):
        pairs = haplotype_pairs(list(sub), ref, start)
        if pairs:
            c_pairs[sub] = pairs
    best: tuple[tuple[Call, ...], tuple[Call, ...]] = ((), ())
    best_size = (0, 0)
    for t_sub in subsets(t_group):
        if len(t_sub) + len(c_group) < sum(best_size):
            break  # sorted by size: nothing left can beat the best
        t_pairs = haplotype_pairs(list(t_sub), ref, start)
        if not t_pairs:
            continue
        for c_sub, pairs in c_pairs.items():
            size = (len(t_sub) + len(c_sub), len(t_sub))
            if size > best_size and t_pairs & pairs:
                best, best_size = (t_sub, c_sub), size
    return best


def match(
    truth: list[Call],
    calls: list[Call],
    fetch: Callable[[str, int, int], str] | None,
    gap: int = 30,
) -> tuple[set[Call], set[Call]]:
    """Truth and call variants that match: same allele and dosage, or, when a reference is given,
    the largest subsets of a cluster whose haplotype pairs coincide (vcfeval-style)."""
    tp_truth: set[Call] = set()
    tp_calls: set[Call] = set()
    for t_group, c_group in clusters(truth, calls, gap):
        t_keys = {c.key: c.dosage for c in t_group}
        exact = [c for c in c_group if t_keys.get(c.key) == c.dosage]
        if len(exact) == len(t_group) == len(c_group):
            tp_truth.update(t_group)
            tp_calls.update(c_group)
            continue
        searchable = len(t_group) <= MAX_SUBSET_SEARCH and len(c_group) <= MAX_SUBSET_SEARCH
        if fetch is not None and t_group and c_group and searchable:
            chrom = t_group[0].key[0]
            lo = min(c.key[1] for c in t_group + c_group)
            hi = max(c.end for c in t_group + c_group)
            t_sub, c_sub = best_haplotype_match(t_group, c_group, fetch(chrom, lo, hi), lo)
            tp_truth.update(t_sub)
            tp_calls.update(c_sub)
            continue
        c_keys = {c.key: c.dosage for c in c_group}
        tp_truth.update(c for c in t_group if c_keys.get(c.key) == c.dosage)
        tp_calls.update(exact)
    return tp_truth, tp_calls


def score(
    truth: list[Call],
    calls: list[Call],
    region: Regions,
    fetch: Callable[[str, int, int], str] | None,
) -> dict[str, dict[str, float]]:
    """tp/fp/fn/precision/recall/f1 per variant type inside the region.

    Recall counts truth variants (tp = matched truth), precision counts calls (fp = unmatched
    calls), so a call that represents two truth variants differently is not counted twice.
    """
    t_in = [c for c in truth if region.contains(c)]
    c_in = [c for c in calls if region.contains(c)]
    tp_truth, tp_calls = match(t_in, c_in, fetch)
    # the same matching with every genotype set to het: which truth alleles were called at all
    ignore_gt = {c: replace(c, dosage=1) for c in t_in}
    allele_truth, _ = match(list(ignore_gt.values()), [replace(c, dosage=1) for c in c_in], fetch)
    # truth is counted per record: a multi-allelic (e.g. 1/2) record is found only if all its
    # alleles are; its type is INDEL if any allele is an indel
    records: dict[int, list[Call]] = {}
    for c in t_in:
        records.setdefault(c.record, []).append(c)
    out = {}
    for vtype in ("SNV", "INDEL"):
        t = [r for r in records.values() if record_type(r) == vtype]
        q = [c for c in c_in if c.vtype == vtype]
        tp = sum(1 for r in t if all(c in tp_truth for c in r))
        found = sum(1 for r in t if all(ignore_gt[c] in allele_truth for c in r))
        fn = len(t) - tp
        fp = sum(1 for c in q if c not in tp_calls)
        precision, recall = ratio(len(q) - fp, len(q)), ratio(tp, len(t))
        f1 = ratio(2 * precision * recall, precision + recall) if tp else 0.0
        out[vtype] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "gt_concordance": ratio(tp, found),
        }
    return out


def compare(
    truth_vcf: Path,
    calls_vcf: Path,
    confident_bed: Path,
    sample: str,
    caller: str,
    reference: Path | None = None,
) -> list[dict[str, object]]:
    import pysam

    truth = list(read_calls(truth_vcf, None, pass_only=True))
    calls = list(read_calls(calls_vcf, sample, pass_only=True))
    fasta = pysam.FastaFile(str(reference)) if reference else None
    fetch = (lambda c, lo, hi: fasta.fetch(c, lo - 1, hi).upper()) if fasta else None
    rows: list[dict[str, object]] = []
    for region_name, region in (
        ("confident", Regions.from_bed(confident_bed)),
        ("truth_span", truth_span(truth)),
    ):
        for vtype, m in score(truth, calls, region, fetch).items():
            rows.append(
                {"sample": sample, "caller": caller, "region": region_name, "type": vtype, **m}
            )
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
    ap.add_argument("--reference", type=Path, help="indexed FASTA: enables haplotype matching")
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = compare(
        args.truth, args.calls, args.confident_bed, args.sample, args.caller, args.reference
    )
    with open(args.output, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            out.write(format_row(row) + "\n")
    for row in rows:
        print(format_row(row), file=sys.stderr)


if __name__ == "__main__":
    main()
