#!/usr/bin/env python3
"""Somatic classification of freebayes calls made jointly on a tumour (and its normal).

freebayes runs on tumour and normal together (`--pooled-continuous`, low minimum allele
fraction), so every site with alt evidence in either sample is reported with per-sample allele
depths (AD). This script decides, allele by allele (the input is split, one ALT per record):

Tumour evidence (both modes). With tumour depths ref r and alt a, VAF f = a / (r + a) and a
per-read error rate e (an alt read under "no variant" has probability e/3), the tumour
log-odds is

    TLOD = a * log10(f / (e/3)) + r * log10((1 - f) / (1 - e/3))

Normal evidence (paired mode). NLOD is how much better "no variant in the normal" explains the
normal's reads than "heterozygous germline variant" (f = 0.5):

    NLOD = a_n * log10((e/3) / 0.5) + r_n * log10((1 - e/3) / 0.5)

FILTER reasons (thresholds in config `somatic.classification`):
  LowTumorAlt     tumour alt reads < min_alt_reads
  LowTumorVAF     tumour VAF < min_vaf
  LowTumorDepth   tumour depth < min_depth
  LowTumorLOD     TLOD < min_tumor_lod
  LowNormalDepth  (paired) normal depth < min_normal_depth: germline status cannot be judged
  NormalEvidence  (paired) normal alt reads > max_normal_alt_reads, normal VAF > max_normal_vaf,
                  or NLOD < min_normal_lod: germline or contaminated normal, not somatic
  LikelyGermline  (tumour-only) alt count consistent with a germline het (VAF 0.5) or hom-alt
                  genotype (two-sided binomial test p >= germline_alpha), or listed in the
                  germline resource: kept and flagged, never silently dropped
PASS records get INFO/SOMATIC. FORMAT/AF (alt fraction) is added for tumour and normal.

Evidence is counted in DNA fragments when the BAMs are given (`--bam SAMPLE=PATH`, as the
workflow does): overlapping mates of one fragment count once (dnaseq.steps.fragments), written
as FORMAT/FAD (fragments supporting REF, ALT); AF and every threshold above use them. Without
BAMs, freebayes' read counts (AD) are used.

Records with missing values (a sample column of '.', an AD of '.', zero depth) are classified
with zero counts and copied without the missing fields.

This is the approach bcbio used for freebayes somatic calls (tumour/normal LOD and allele
frequency comparison), with a binomial read model instead of freebayes' genotype likelihoods.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass
class Thresholds:
    error_rate: float = 0.001
    min_alt_reads: int = 2
    min_vaf: float = 0.05
    min_depth: int = 8
    min_tumor_lod: float = 3.5
    min_normal_depth: int = 8
    max_normal_alt_reads: int = 1
    max_normal_vaf: float = 0.03
    min_normal_lod: float = 2.0
    germline_alpha: float = 0.01


def tumor_lod(ref: int, alt: int, e: float) -> float:
    if alt == 0:
        return 0.0
    f = alt / (ref + alt)
    err = e / 3
    lod = alt * math.log10(f / err)
    if ref:
        lod += ref * math.log10((1 - f) / (1 - err))
    return lod


def normal_lod(ref: int, alt: int, e: float) -> float:
    err = e / 3
    return alt * math.log10(err / 0.5) + ref * math.log10((1 - err) / 0.5)


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided binomial test p-value: P(outcomes at most as likely as k | n, p)."""
    if n == 0:
        return 1.0

    def log_pmf(i: int) -> float:
        if p <= 0:
            return 0.0 if i == 0 else -math.inf
        if p >= 1:
            return 0.0 if i == n else -math.inf
        return (
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * math.log(p)
            + (n - i) * math.log(1 - p)
        )

    observed = log_pmf(k)
    total = sum(math.exp(lp) for lp in map(log_pmf, range(n + 1)) if lp <= observed + 1e-9)
    return min(1.0, total)


def looks_germline(ref: int, alt: int, t: Thresholds) -> bool:
    """Alt count consistent (binomial p >= germline_alpha) with a het (0.5) or hom-alt
    (1 - error) germline genotype: tumour-only calls cannot tell these from somatic ones."""
    n = ref + alt
    return any(binomial_two_sided(alt, n, f) >= t.germline_alpha for f in (0.5, 1 - t.error_rate))


def classify(
    tumor: tuple[int, int],
    normal: tuple[int, int] | None,
    t: Thresholds,
    in_germline_resource: bool = False,
) -> tuple[list[str], dict[str, float]]:
    """FILTER reasons (empty = PASS) and the statistics for one allele."""
    t_ref, t_alt = tumor
    depth = t_ref + t_alt
    vaf = t_alt / depth if depth else 0.0
    stats = {"TLOD": tumor_lod(t_ref, t_alt, t.error_rate), "TVAF": vaf}
    reasons = []
    if t_alt < t.min_alt_reads:
        reasons.append("LowTumorAlt")
    if vaf < t.min_vaf:
        reasons.append("LowTumorVAF")
    if depth < t.min_depth:
        reasons.append("LowTumorDepth")
    if stats["TLOD"] < t.min_tumor_lod:
        reasons.append("LowTumorLOD")
    if normal is not None:
        n_ref, n_alt = normal
        n_depth = n_ref + n_alt
        n_vaf = n_alt / n_depth if n_depth else 0.0
        stats.update(NLOD=normal_lod(n_ref, n_alt, t.error_rate), NVAF=n_vaf)
        if n_depth < t.min_normal_depth:
            reasons.append("LowNormalDepth")
        if (
            n_alt > t.max_normal_alt_reads
            or n_vaf > t.max_normal_vaf
            or (n_depth >= t.min_normal_depth and stats["NLOD"] < t.min_normal_lod)
        ):
            reasons.append("NormalEvidence")
    elif in_germline_resource or looks_germline(t_ref, t_alt, t):
        reasons.append("LikelyGermline")
    return reasons, stats


FILTER_DESCRIPTIONS = {
    "LowTumorAlt": "Fewer tumour alt reads than somatic.classification.min_alt_reads",
    "LowTumorVAF": "Tumour VAF below somatic.classification.min_vaf",
    "LowTumorDepth": "Tumour depth below somatic.classification.min_depth",
    "LowTumorLOD": "Tumour log-odds (TLOD) below somatic.classification.min_tumor_lod",
    "LowNormalDepth": "Normal depth too low to judge germline status",
    "NormalEvidence": "Alt allele seen in the normal: germline variant or contaminated normal",
    "LikelyGermline": "Tumour-only: VAF consistent with germline het/hom, or in germline resource",
}


def ad_pair(sample_record) -> tuple[int, int]:
    ad = sample_record.get("AD")
    if not ad or ad[0] is None:
        return 0, 0
    return int(ad[0] or 0), int(ad[1] or 0) if len(ad) > 1 else 0


def allele_fractions(rec, sample: str, ref: int, alt: int) -> tuple[float, ...]:
    """FORMAT/AF (Number=A): from the counts used for a biallelic record; from AD for each ALT
    of a record that was not split (classified on its first ALT only)."""
    if len(rec.alts or ()) <= 1:
        return (round(alt / (ref + alt), 4) if ref + alt else 0.0,)
    ad = rec.samples[sample].get("AD") or ()
    depths = [int(v or 0) for v in ad]
    total = sum(depths)
    return tuple(
        round(depths[i] / total, 4) if total and i < len(depths) else 0.0
        for i in range(1, len(rec.alts) + 1)
    )


def copy_value(target, key: str, value) -> None:
    """Copy an INFO/FORMAT value; missing values (None or all-None tuples) stay missing."""
    if value is None or (isinstance(value, tuple) and all(v is None for v in value)):
        return
    try:
        target[key] = value
    except (TypeError, ValueError):
        # a Number=R/A/G value whose length does not fit the (split) record: keep it missing
        return


def germline_keys(path: Path | None) -> set[tuple[str, int, str, str]]:
    if path is None:
        return set()
    import pysam

    keys = set()
    with pysam.VariantFile(str(path)) as vcf:
        for rec in vcf:
            for alt in rec.alts or ():
                keys.add((rec.chrom, rec.pos, rec.ref, alt))
    return keys


def run(
    vcf_in: Path,
    vcf_out: Path,
    tumor: str,
    normal: str | None,
    t: Thresholds,
    germline_resource: Path | None = None,
    bams: dict[str, Path] | None = None,
    min_mapq: int = 20,
    min_bq: int = 20,
    reference: Path | None = None,
) -> dict[str, int]:
    import pysam

    from dnaseq.steps.fragments import count_fragments

    germline = germline_keys(germline_resource)
    samples_out = [tumor] + ([normal] if normal else [])
    ref = str(reference) if reference else None  # needed to read CRAM
    handles = {
        s: pysam.AlignmentFile(str(p), reference_filename=ref) for s, p in (bams or {}).items()
    }
    missing = [s for s in samples_out if bams and s not in handles]
    if missing:
        raise ValueError(f"no BAM given for sample(s) {', '.join(missing)}")

    def evidence(rec, sample: str) -> tuple[int, int]:
        if not handles or not rec.alts:
            return ad_pair(rec.samples[sample])
        frag = count_fragments(
            handles[sample], rec.chrom, rec.pos, rec.ref, rec.alts[0], min_mapq, min_bq
        )
        return frag.ref, frag.alt

    counts = {"records": 0, "pass": 0}
    with pysam.VariantFile(str(vcf_in)) as src:
        header = src.header.copy()
        for name, desc in FILTER_DESCRIPTIONS.items():
            header.filters.add(name, None, None, desc)
        header.info.add("SOMATIC", 0, "Flag", "Passed somatic classification")
        header.info.add("TLOD", 1, "Float", "Tumour log10 odds: variant at observed VAF vs error")
        header.info.add("NLOD", 1, "Float", "Normal log10 odds: no variant vs heterozygous")
        if "AF" not in header.formats:
            header.formats.add("AF", "A", "Float", "Alt allele fraction (fragments when FAD)")
        if handles:
            header.formats.add(
                "FAD", "R", "Integer", "Fragments supporting REF and ALT (mates counted once)"
            )
        with pysam.VariantFile(str(vcf_out), "wz", header=header) as out:
            for rec in src:
                counts["records"] += 1
                counts_of = {smp: evidence(rec, smp) for smp in samples_out}
                t_ad = counts_of[tumor]
                n_ad = counts_of[normal] if normal else None
                key = (rec.chrom, rec.pos, rec.ref, rec.alts[0]) if rec.alts else None
                reasons, stats = classify(t_ad, n_ad, t, key in germline)
                new = out.new_record(
                    contig=rec.chrom,
                    start=rec.start,
                    stop=rec.stop,
                    alleles=rec.alleles,
                    id=rec.id,
                    qual=rec.qual,
                )
                for k, v in rec.info.items():
                    copy_value(new.info, k, v)
                new.info["TLOD"] = round(stats["TLOD"], 3)
                if "NLOD" in stats:
                    new.info["NLOD"] = round(stats["NLOD"], 3)
                if not reasons:
                    new.info["SOMATIC"] = True
                    counts["pass"] += 1
                for reason in reasons or ["PASS"]:
                    new.filter.add(reason)
                for smp in samples_out:
                    for k, v in rec.samples[smp].items():
                        if k != "AF":
                            copy_value(new.samples[smp], k, v)
                    ref, alt = counts_of[smp]
                    if handles:
                        new.samples[smp]["FAD"] = (ref, alt)
                    new.samples[smp]["AF"] = allele_fractions(rec, smp, ref, alt)
                out.write(new)
    for handle in handles.values():
        handle.close()
    return counts


def settings_from(cls, values: dict, what: str):
    """A settings dataclass from a config mapping; unknown keys are an error naming them."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown {what} setting(s): {', '.join(unknown)}")
    return cls(**values)


def load_thresholds(values: dict) -> Thresholds:
    return settings_from(Thresholds, values, "somatic classification")


def main(argv: list[str] | None = None) -> int:
    import json

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, required=True, help="split, normalised freebayes VCF")
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--tumor", required=True)
    ap.add_argument("--normal", help="matched normal sample (omit for tumour-only)")
    ap.add_argument("--thresholds", default="{}", help="JSON of Thresholds fields")
    ap.add_argument("--germline-resource", type=Path)
    ap.add_argument(
        "--bam",
        action="append",
        default=[],
        metavar="SAMPLE=PATH",
        help="indexed BAM of a sample: evidence is then counted in fragments",
    )
    ap.add_argument("--reference", type=Path, help="FASTA the BAM/CRAM files were made with")
    ap.add_argument("--min-mapq", type=int, default=20)
    ap.add_argument("--min-bq", type=int, default=20)
    args = ap.parse_args(argv)
    t = load_thresholds(json.loads(args.thresholds))
    bams = dict(item.split("=", 1) for item in args.bam)
    counts = run(
        args.input,
        args.output,
        args.tumor,
        args.normal,
        t,
        args.germline_resource,
        {k: Path(v) for k, v in bams.items()},
        args.min_mapq,
        args.min_bq,
        args.reference,
    )
    print(f"{args.tumor}: {counts['pass']} of {counts['records']} alleles PASS", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
