#!/usr/bin/env python3
"""One somatic VCF per tumour and mode from the calls of several callers.

Every allele (CHROM, POS, REF, ALT after splitting and normalisation) reported by any caller is
written once, with
  INFO/CALLERS   callers that PASS it          INFO/REPORTED  callers that report it at all
  INFO/HOTSPOT   the position is in the configured hotspot list
FILTER is PASS when at least `min_callers` callers PASS it, or, at a hotspot position, when at
least one does (the Swedish GMS solid-tumour pipeline's rule); otherwise EnsembleSupport.
FORMAT AD, DP, AF come from the first caller, in the configured order, that reports the allele,
from its fragment counts (AD of LoFreq/VarDict output, FAD of the freebayes classification) or
else its AD; samples are matched by name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

Key = tuple[str, int, str, str]


def hotspot_positions(path: Path | None) -> set[tuple[str, int]]:
    """(chrom, 1-based pos) of a hotspot BED (every base of each interval) or VCF."""
    if path is None:
        return set()
    name = str(path)
    if name.endswith((".vcf", ".vcf.gz", ".bcf")):
        import pysam

        with pysam.VariantFile(name) as vcf:
            return {(rec.chrom, pos) for rec in vcf for pos in range(rec.pos, rec.stop + 1)}
    out = set()
    with open(path) as handle:
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if not line.strip() or line.startswith(("#", "track", "browser")) or len(cols) < 3:
                continue
            out.update((cols[0], p) for p in range(int(cols[1]) + 1, int(cols[2]) + 1))
    return out


def is_pass(rec) -> bool:
    return set(rec.filter.keys()) <= {"PASS"}


def decide(passing: list[str], hotspot: bool, min_callers: int) -> bool:
    return len(passing) >= min_callers or (hotspot and len(passing) >= 1)


def support(sample) -> tuple[int, int] | None:
    """(REF, ALT) support of one sample column: FAD (fragments) when present, else AD."""
    for field in ("FAD", "AD"):
        value = sample.get(field) if field in sample else None
        if value and len(value) >= 2 and value[0] is not None and value[1] is not None:
            return int(value[0]), int(value[1])
    return None


def write_support(target, sample) -> None:
    gt = sample.get("GT")
    if gt is not None and all(a is not None for a in gt):
        target["GT"] = gt
    counts = support(sample)
    if counts is None:
        return
    ref, alt = counts
    target["AD"] = (ref, alt)
    target["DP"] = ref + alt
    target["AF"] = (round(alt / (ref + alt), 4) if ref + alt else 0.0,)


def run(
    calls: list[tuple[str, Path]], output: Path, min_callers: int, hotspots: Path | None = None
) -> dict[str, int]:
    import pysam

    if not calls:
        raise ValueError("no caller VCFs given")
    spots = hotspot_positions(hotspots)
    records: dict[Key, object] = {}
    reported: dict[Key, list[str]] = {}
    passing: dict[Key, list[str]] = {}
    handles = [(caller, pysam.VariantFile(str(path))) for caller, path in calls]
    first = handles[0][1]
    samples = list(first.header.samples)
    for caller, vcf in handles:
        if set(vcf.header.samples) != set(samples):
            raise ValueError(f"{caller}: samples {list(vcf.header.samples)} differ from {samples}")
        for rec in vcf:
            for alt in rec.alts or ():
                key = (rec.chrom, rec.pos, rec.ref, alt)
                records.setdefault(key, rec)
                reported.setdefault(key, []).append(caller)
                if is_pass(rec):
                    passing.setdefault(key, []).append(caller)
    header = pysam.VariantHeader()
    for record in first.header.records:
        if record.key in ("contig", "reference"):
            header.add_record(record)
    header.formats.add("GT", 1, "String", "Genotype as the first reporting caller wrote it")
    header.formats.add("AD", "R", "Integer", "REF and ALT support (fragments where counted)")
    header.formats.add("DP", 1, "Integer", "AD summed")
    header.formats.add("AF", "A", "Float", "ALT / DP")
    header.info.add("CALLERS", ".", "String", "Callers that PASS this allele")
    header.info.add("REPORTED", ".", "String", "Callers that report this allele")
    header.info.add("HOTSPOT", 0, "Flag", "Position in the configured hotspot list")
    header.filters.add(
        "EnsembleSupport", None, None, f"PASS in fewer than {min_callers} callers (not a hotspot)"
    )
    for s in samples:
        header.add_sample(s)
    contigs = list(first.header.contigs)
    order = {c: i for i, c in enumerate(contigs)}
    counts = {"alleles": 0, "pass": 0}
    with pysam.VariantFile(str(output), "wz", header=header) as out:
        for key in sorted(records, key=lambda k: (order.get(k[0], len(order)), k[1], k[2], k[3])):
            src = records[key]
            new = out.new_record(
                contig=key[0], start=key[1] - 1, alleles=(key[2], key[3]), qual=src.qual
            )
            hot = (key[0], key[1]) in spots
            ok = decide(passing.get(key, []), hot, min_callers)
            new.filter.add("PASS" if ok else "EnsembleSupport")
            if passing.get(key):
                new.info["CALLERS"] = passing[key]
            new.info["REPORTED"] = reported[key]
            if hot:
                new.info["HOTSPOT"] = True
            for s in samples:
                write_support(new.samples[s], src.samples[s])
            out.write(new)
            counts["alleles"] += 1
            counts["pass"] += ok
    for _, vcf in handles:
        vcf.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", action="append", default=[], help="CALLER=VCF, in priority order")
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--min-callers", type=int, default=2)
    ap.add_argument("--hotspots", type=Path, help="BED or VCF of hotspot positions")
    a = ap.parse_args(argv)
    calls = [(c, Path(p)) for c, p in (x.split("=", 1) for x in a.calls)]
    try:
        counts = run(calls, a.output, a.min_callers, a.hotspots)
    except ValueError as exc:
        print(f"somatic-ensemble: {exc}", file=sys.stderr)
        return 1
    print(f"{counts['alleles']} alleles, {counts['pass']} PASS", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
