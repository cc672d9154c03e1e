#!/usr/bin/env python3
"""Accuracy tables from RTG vcfeval (the GA4GH benchmarking engine), per variant type and stratum,
each figure with its Wilson 95 % confidence interval and the count it rests on.

Input: vcfeval's `--output-mode ga4gh` VCF of one sample, caller and evaluation region (TRUTH and
QUERY columns, each with BD = TP/FP/FN/N and BK = gm (genotype match) / am (allele match, wrong
genotype) / lm (local match)). Counted as hap.py counts them: recall = TRUTH.TP / (TRUTH.TP +
TRUTH.FN), precision = QUERY.TP / (QUERY.TP + QUERY.FP); genotype concordance = TRUTH.TP /
(TRUTH.TP + TRUTH.FN with BK am), i.e. of the truth variants whose alleles were called, the
fraction with the right genotype.

Types: SNV; INDEL (every other variant: the column labs already read), and within it insertions
and deletions by length (1, 2-5, 6-15, 16-49, >= 50 bp) and MNP/complex. Strata ("all" plus):
derived from the reference around each variant (homopolymer >= 7 bp, short tandem repeat: a 2-6
bp unit repeated to >= 12 bp, within 5 bp of the variant as GIAB pads them; GC < 25 % or > 65 %
in the variant's 100 bp window; within 100 bp of an N), and BED strata: the panel targets, the
annotation's coding exons, and any a lab lists in a GIAB stratification TSV (name, BED path).

A figure whose denominator is below --min-count is left empty with a note ("too few truth
variants (3 < 20)") instead of a 1.000 that rests on three variants.

    python -m dnaseq.steps vcfeval-tables --vcfeval DIR/output.vcf.gz --sample S --caller C \
        --region confident --reference genome.fa --engine-version "RTG Tools 3.12.1" \
        [--strata-bed name=path ...] [--min-count 20] --output table.tsv [--strata strata.tsv]
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import math
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# the columns compare_calls wrote (labs read them), then what vcfeval and the intervals add
COLUMNS = [
    "sample", "caller", "region", "type", "tp", "fp", "fn", "precision", "recall", "f1",
    "gt_concordance",
    "stratum", "tp_call", "truth_total", "recall_low", "recall_high", "precision_low",
    "precision_high", "note", "engine", "engine_version",
]  # fmt: skip
LENGTH_BINS = ((1, 1, "1"), (2, 5, "2-5"), (6, 15, "6-15"), (16, 49, "16-49"), (50, 10**9, "50+"))
PAD = 5  # bp around a variant when testing repeat strata (GIAB's slop)
GC_WINDOW = 100
N_DISTANCE = 100
DERIVED = ("homopolymer_7", "tandem_repeat", "gc_below_25", "gc_above_65", "near_N")


def wilson(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default)."""
    if total == 0:
        return (math.nan, math.nan)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def variant_types(ref: str, alt: str) -> list[str]:
    """SNV, or INDEL plus its finer type (INS_<bin>, DEL_<bin>, MNP/complex)."""
    if len(ref) == 1 and len(alt) == 1:
        return ["SNV"]
    if len(ref) == len(alt) or (len(ref) > 1 and len(alt) > 1 and ref[0] != alt[0]):
        return ["INDEL", "MNP/complex"]
    kind, size = (
        ("INS", len(alt) - len(ref)) if len(alt) > len(ref) else ("DEL", len(ref) - len(alt))
    )
    label = next(name for low, high, name in LENGTH_BINS if low <= size <= high)
    return ["INDEL", f"{kind}_{label}"]


# ------------------------------------------------------------------------------ strata


class Genome:
    """Local sequence around variants from an indexed FASTA (pysam)."""

    def __init__(self, fasta: Path):
        import pysam

        self.fasta = pysam.FastaFile(str(fasta))

    def window(self, chrom: str, start: int, end: int) -> str:
        length = self.fasta.get_reference_length(chrom)
        return self.fasta.fetch(chrom, max(0, start), min(length, end)).upper()


HOMOPOLYMER = re.compile(r"A{7,}|C{7,}|G{7,}|T{7,}")
TANDEM = re.compile(r"([ACGT]{2,6}?)\1+")


def derived_strata(genome: Genome, chrom: str, pos: int, ref_len: int) -> list[str]:
    """The reference-derived strata of a variant at 1-based pos spanning ref_len bases."""
    start, end = pos - 1, pos - 1 + ref_len
    found = []
    # repeats that reach within PAD bp of the variant (search a wider window for whole runs)
    seq = genome.window(chrom, start - 60, end + 60)
    offset = max(0, start - 60)
    lo, hi = start - PAD - offset, end + PAD - offset
    if any(m.start() < hi and m.end() > lo for m in HOMOPOLYMER.finditer(seq)):
        found.append("homopolymer_7")
    if any(
        m.end() - m.start() >= 12 and m.start() < hi and m.end() > lo and len(set(m.group(1))) > 1
        for m in TANDEM.finditer(seq)
    ):
        found.append("tandem_repeat")
    window_start = (start // GC_WINDOW) * GC_WINDOW
    gc_seq = genome.window(chrom, window_start, window_start + GC_WINDOW)
    called = sum(1 for b in gc_seq if b in "ACGT")
    if called:
        gc = sum(1 for b in gc_seq if b in "GC") / called
        if gc < 0.25:
            found.append("gc_below_25")
        elif gc > 0.65:
            found.append("gc_above_65")
    if "N" in genome.window(chrom, start - N_DISTANCE, end + N_DISTANCE):
        found.append("near_N")
    return found


@dataclass
class BedStratum:
    name: str
    starts: dict[str, list[int]] = field(default_factory=dict)
    ends: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, name: str, path: Path) -> BedStratum:
        intervals: dict[str, list[tuple[int, int]]] = defaultdict(list)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as handle:
            for line in handle:
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                chrom, start, end = line.split("\t")[:3]
                intervals[chrom].append((int(start), int(end)))
        stratum = cls(name)
        for chrom, spans in intervals.items():
            merged: list[tuple[int, int]] = []
            for s, e in sorted(spans):
                if merged and s <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], e))
                else:
                    merged.append((s, e))
            stratum.starts[chrom] = [s for s, _ in merged]
            stratum.ends[chrom] = [e for _, e in merged]
        return stratum

    def overlaps(self, chrom: str, start: int, end: int) -> bool:
        """[start, end) 0-based overlaps an interval."""
        starts = self.starts.get(chrom)
        if not starts:
            return False
        i = bisect.bisect_left(starts, end) - 1
        return i >= 0 and self.ends[chrom][i] > start


def read_strata_tsv(path: Path) -> list[tuple[str, Path]]:
    """A GIAB stratification TSV: name<TAB>BED path (relative to the TSV's folder)."""
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 2:
            raise ValueError(f"{path}, line {number}: expected name<TAB>BED path")
        bed = Path(cells[1])
        pairs.append((cells[0], bed if bed.is_absolute() else path.parent / bed))
    return pairs


# ------------------------------------------------------------------------------ counting


@dataclass
class Tally:
    truth_tp: int = 0
    truth_fn: int = 0
    truth_fn_allele: int = 0  # FN whose alleles were called with a wrong genotype (BK am)
    call_tp: int = 0
    call_fp: int = 0


def parse_ga4gh(path: Path) -> Iterator[tuple[str, int, str, list[str], dict, dict]]:
    """(chrom, pos, ref, alts, truth fields, query fields) per record; fields: GT, BD, BK."""
    with gzip.open(path, "rt") as handle:
        names: list[str] = []
        for line in handle:
            if line.startswith("##"):
                continue
            cells = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                names = cells[9:]
                continue
            keys = cells[8].split(":")
            sides = {}
            for name, value in zip(names, cells[9:], strict=True):
                values = value.split(":")
                sides[name] = dict(
                    zip(keys, values + [""] * (len(keys) - len(values)), strict=True)
                )
            yield (
                cells[0],
                int(cells[1]),
                cells[3],
                cells[4].split(","),
                sides["TRUTH"],
                sides["QUERY"],
            )


def side_alleles(gt: str, ref: str, alts: list[str]) -> list[str]:
    indices = {int(a) for a in re.split(r"[/|]", gt) if a not in (".", "", "0")}
    return [alts[i - 1] for i in sorted(indices) if 0 < i <= len(alts)]


def side_types(fields: dict, ref: str, alts: list[str]) -> list[str]:
    alleles = side_alleles(fields.get("GT", ""), ref, alts) or alts[:1]
    # the allele with the largest length change decides (a 1/2 het of an SNV and an indel: INDEL)
    allele = max(alleles, key=lambda a: abs(len(a) - len(ref)))
    return variant_types(ref, allele)


def tally(
    records: Iterator[tuple[str, int, str, list[str], dict, dict]],
    genome: Genome | None,
    beds: list[BedStratum],
) -> dict[tuple[str, str], Tally]:
    """(stratum, type) -> counts."""
    counts: dict[tuple[str, str], Tally] = defaultdict(Tally)
    for chrom, pos, ref, alts, truth, query in records:
        strata = ["all"]
        if genome is not None:
            strata += derived_strata(genome, chrom, pos, len(ref))
        strata += [b.name for b in beds if b.overlaps(chrom, pos - 1, pos - 1 + len(ref))]
        if truth.get("BD") in ("TP", "FN"):
            for stratum in strata:
                for kind in side_types(truth, ref, alts):
                    t = counts[(stratum, kind)]
                    if truth["BD"] == "TP":
                        t.truth_tp += 1
                    else:
                        t.truth_fn += 1
                        t.truth_fn_allele += truth.get("BK") == "am"
        if query.get("BD") in ("TP", "FP"):
            for stratum in strata:
                for kind in side_types(query, ref, alts):
                    t = counts[(stratum, kind)]
                    if query["BD"] == "TP":
                        t.call_tp += 1
                    else:
                        t.call_fp += 1
    return counts


def fmt(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4f}"


def rows(
    counts: dict[tuple[str, str], Tally],
    sample: str,
    caller: str,
    region: str,
    engine_version: str,
    min_count: int,
    strata: list[str],
) -> list[dict[str, str]]:
    type_order = ["SNV", "INDEL", "MNP/complex"] + [
        f"{k}_{b[2]}" for k in ("INS", "DEL") for b in LENGTH_BINS
    ]
    out = []
    for stratum in strata:
        for kind in type_order:
            t = counts.get((stratum, kind), Tally())
            if stratum != "all" or kind not in ("SNV", "INDEL"):
                if not (t.truth_tp or t.truth_fn or t.call_tp or t.call_fp):
                    continue
            truth_total = t.truth_tp + t.truth_fn
            called = t.call_tp + t.call_fp
            notes = []
            recall = t.truth_tp / truth_total if truth_total >= min_count else math.nan
            precision = t.call_tp / called if called >= min_count else math.nan
            if truth_total < min_count:
                notes.append(f"too few truth variants ({truth_total} < {min_count})")
            if called < min_count:
                notes.append(f"too few calls ({called} < {min_count})")
            r_low, r_high = wilson(t.truth_tp, truth_total)
            p_low, p_high = wilson(t.call_tp, called)
            f1 = (
                2 * precision * recall / (precision + recall)
                if not (math.isnan(recall) or math.isnan(precision)) and precision + recall
                else math.nan
            )
            allele_tp = t.truth_tp + t.truth_fn_allele
            gt = t.truth_tp / allele_tp if allele_tp else math.nan
            out.append(
                {
                    "sample": sample, "caller": caller, "region": region, "type": kind,
                    "tp": str(t.truth_tp), "fp": str(t.call_fp), "fn": str(t.truth_fn),
                    "precision": fmt(precision), "recall": fmt(recall), "f1": fmt(f1),
                    "gt_concordance": fmt(gt), "stratum": stratum, "tp_call": str(t.call_tp),
                    "truth_total": str(truth_total), "recall_low": fmt(r_low),
                    "recall_high": fmt(r_high), "precision_low": fmt(p_low),
                    "precision_high": fmt(p_high), "note": "; ".join(notes), "engine": "vcfeval",
                    "engine_version": engine_version,
                }
            )  # fmt: skip
    return out


def write(path: Path, table: list[dict[str, str]]) -> None:
    lines = ["\t".join(COLUMNS)] + ["\t".join(r[c] for c in COLUMNS) for r in table]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vcfeval", type=Path, nargs="+", required=True, help="ga4gh output VCFs")
    ap.add_argument("--regions", nargs="+", required=True, help="region name of each VCF")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--caller", required=True)
    ap.add_argument("--reference", type=Path, help="indexed FASTA: reference-derived strata")
    ap.add_argument("--strata-bed", nargs="*", default=[], help="name=BED (targets, coding)")
    ap.add_argument("--strata-tsv", type=Path, help="GIAB stratification TSV: name, BED path")
    ap.add_argument("--engine-version", required=True)
    ap.add_argument("--min-count", type=int, default=20)
    ap.add_argument("--output", type=Path, required=True, help="SNV/INDEL over all: summary rows")
    ap.add_argument("--strata", type=Path, required=True, help="every type and stratum")
    args = ap.parse_args(argv)
    if len(args.regions) != len(args.vcfeval):
        ap.error("one --regions name per --vcfeval file")
    pairs = [tuple(item.split("=", 1)) for item in args.strata_bed]
    if args.strata_tsv:
        pairs += read_strata_tsv(args.strata_tsv)
    beds = [BedStratum.read(name, Path(path)) for name, path in pairs]
    genome = Genome(args.reference) if args.reference else None
    names = ["all", *(DERIVED if genome else ()), *(b.name for b in beds)]
    summary, everything = [], []
    for region, vcf in zip(args.regions, args.vcfeval, strict=True):
        counts = tally(parse_ga4gh(vcf), genome, beds)
        table = rows(
            counts, args.sample, args.caller, region, args.engine_version, args.min_count, names
        )
        summary += [r for r in table if r["stratum"] == "all" and r["type"] in ("SNV", "INDEL")]
        everything += table
    write(args.output, summary)
    write(args.strata, everything)
    return 0


if __name__ == "__main__":
    sys.exit(main())
