#!/usr/bin/env python3
"""Somatic calls of an established caller (LoFreq, VarDict) in the workflow's common form.

Input: the caller's VCF, normalised and split (one ALT per record). Output: the same records
with the tumour (and, paired, the normal) as samples, tumour first, and FORMAT fields counted
in DNA fragments from each sample's BAM (overlapping mates once, dnaseq.steps.fragments):

  AD  fragments supporting REF, ALT     DP  AD summed     AF  ALT / DP

The caller's decision is kept (a caller FILTER stays); these FILTERs are added
(settings in config `somatic.evidence` and `somatic.tumor_only`):

  LowFragments     tumour ALT fragments < min_alt_fragments (a call made from the two
                   overlapping mates of one fragment is one observation, not two)
  LowTumorVAF      tumour fragment VAF < min_vaf
  NormalEvidence   (paired) normal ALT fragments > max_normal_alt_fragments
  NormalNotCovered (paired) normal fragment depth < min_normal_depth: absence from the normal
                   is not shown, so the call cannot be judged somatic (with 10 fragments a
                   germline het shows no ALT in the normal with probability 0.5^10 < 0.1 %)
  NotSomatic       (VarDict, paired) STATUS is not StrongSomatic/LikelySomatic (Germline, LOH,
                   AFDiff, ...): the STATUS stays in INFO
  PanelOfNormals   (tumour-only) the site is in the panel of normals in >= pon_min_normals
                   normals of other patients (the tumour's own patient never counts)
  GermlineResource (tumour-only) population allele frequency >= max_population_af in the
                   germline resource (INFO/AF; a listed site without AF counts as common)
  LikelyGermline   (tumour-only, only when the sample sheet gives the tumour purity p) the ALT
                   count is consistent with a germline het (VAF 0.5) or hom-alt genotype
                   (two-sided binomial p >= germline_alpha) and not with a clonal heterozygous
                   somatic variant at VAF p/2. Without a purity no VAF rule is applied: from
                   tumour data alone a somatic VAF near 0.5 cannot be told from a germline het.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from dnaseq.steps.somatic_classify import binomial_two_sided, copy_value, settings_from

SOMATIC_STATUSES = {"StrongSomatic", "LikelySomatic"}

FILTERS = {
    "LowFragments": "Tumour ALT fragments below somatic.evidence.min_alt_fragments",
    "LowTumorVAF": "Tumour fragment VAF below somatic.evidence.min_vaf",
    "NormalEvidence": "Normal ALT fragments above somatic.evidence.max_normal_alt_fragments",
    "NormalNotCovered": "Normal depth below somatic.evidence.min_normal_depth: not judged somatic",
    "NotSomatic": "VarDict STATUS is not StrongSomatic/LikelySomatic (see INFO/STATUS)",
    "PanelOfNormals": "Seen in the panel of normals (normals of other patients)",
    "GermlineResource": "Population AF at or above somatic.tumor_only.max_population_af",
    "LikelyGermline": "VAF consistent with a germline genotype, not with the tumour purity",
}


@dataclass
class Settings:
    min_alt_fragments: int = 2
    min_vaf: float = 0.05
    max_normal_alt_fragments: int = 1
    min_normal_depth: int = 10
    min_mapq: int = 20
    min_bq: int = 20
    max_population_af: float = 0.001
    pon_min_normals: int = 1
    germline_alpha: float = 0.01

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        return settings_from(cls, values, "somatic evidence")


Key = tuple[str, int, str, str]


def panel_of_normals(path: Path | None, patient: str | None, min_normals: int) -> set[Key]:
    """Sites seen in >= min_normals normals of patients other than `patient`. A PoN built by
    the workflow lists its normals' patients in INFO/PON_PATIENTS; a stored sites VCF without
    it counts every site (its normals are assumed to be other people)."""
    if path is None:
        return set()
    import pysam

    keys = set()
    with pysam.VariantFile(str(path)) as vcf:
        has_patients = "PON_PATIENTS" in vcf.header.info
        for rec in vcf:
            if has_patients:
                others = [p for p in rec.info.get("PON_PATIENTS") or () if p != patient]
                if len(others) < min_normals:
                    continue
            for alt in rec.alts or ():
                keys.add((rec.chrom, rec.pos, rec.ref, alt))
    return keys


def population_af(path: Path | None) -> dict[Key, float]:
    """(chrom, pos, ref, alt) -> population AF of the germline resource (1.0 when not given)."""
    if path is None:
        return {}
    import pysam

    out: dict[Key, float] = {}
    with pysam.VariantFile(str(path)) as vcf:
        has_af = "AF" in vcf.header.info
        for rec in vcf:
            afs = rec.info.get("AF") if has_af else None
            if afs is not None and not isinstance(afs, tuple):
                afs = (afs,)
            for i, alt in enumerate(rec.alts or ()):
                value = afs[i] if afs and i < len(afs) and afs[i] is not None else 1.0
                out[(rec.chrom, rec.pos, rec.ref, alt)] = float(value)
    return out


def likely_germline(ref: int, alt: int, purity: float | None, alpha: float) -> bool:
    """ALT count fits a germline het/hom-alt genotype but not a clonal somatic het (purity/2)."""
    n = ref + alt
    if purity is None or n == 0:
        return False
    germline = max(binomial_two_sided(alt, n, 0.5), binomial_two_sided(alt, n, 0.999))
    somatic = binomial_two_sided(alt, n, max(purity / 2, 0.001))
    return germline >= alpha and somatic < alpha


def reasons_for(
    rec,
    tumor_counts: tuple[int, int],
    normal_counts: tuple[int, int] | None,
    s: Settings,
    in_pon: bool,
    pop_af: float | None,
    purity: float | None,
) -> list[str]:
    ref, alt = tumor_counts
    reasons = []
    if alt < s.min_alt_fragments:
        reasons.append("LowFragments")
    if ref + alt == 0 or alt / (ref + alt) < s.min_vaf:
        reasons.append("LowTumorVAF")
    status = rec.info.get("STATUS") if "STATUS" in rec.header.info else None
    if normal_counts is not None:
        if normal_counts[1] > s.max_normal_alt_fragments:
            reasons.append("NormalEvidence")
        if sum(normal_counts) < s.min_normal_depth:
            reasons.append("NormalNotCovered")
        if status is not None and status not in SOMATIC_STATUSES:
            reasons.append("NotSomatic")
    else:
        if in_pon:
            reasons.append("PanelOfNormals")
        if pop_af is not None and pop_af >= s.max_population_af:
            reasons.append("GermlineResource")
        if likely_germline(ref, alt, purity, s.germline_alpha):
            reasons.append("LikelyGermline")
    return reasons


def output_header(src_header, samples: list[str]):
    """The caller's INFO/FILTER/contig lines, our FILTERs, and the common FORMAT fields."""
    import pysam

    header = pysam.VariantHeader()
    for record in src_header.records:
        if record.key in ("INFO", "FILTER", "contig", "reference", "source"):
            header.add_record(record)
    for name, desc in FILTERS.items():
        if name not in header.filters:
            header.filters.add(name, None, None, desc)
    header.formats.add("GT", 1, "String", "Genotype (0/1: a somatic call, not a germline genotype)")
    header.formats.add("AD", "R", "Integer", "Fragments supporting REF and ALT (mates once)")
    header.formats.add("DP", 1, "Integer", "Fragments supporting REF or ALT")
    header.formats.add("AF", "A", "Float", "ALT fragments / DP")
    for sample in samples:
        header.add_sample(sample)
    return header


def run(
    vcf_in: Path,
    vcf_out: Path,
    tumor: str,
    normal: str | None,
    bams: dict[str, Path],
    settings: Settings,
    reference: Path | None = None,
    pon: Path | None = None,
    patient: str | None = None,
    germline_resource: Path | None = None,
    purity: float | None = None,
) -> dict[str, int]:
    import pysam

    from dnaseq.steps.fragments import count_fragments

    samples = [tumor] + ([normal] if normal else [])
    missing = [s for s in samples if s not in bams]
    if missing:
        raise ValueError(f"no BAM given for sample(s) {', '.join(missing)}")
    pon_keys = panel_of_normals(pon, patient, settings.pon_min_normals) if not normal else set()
    pop = population_af(germline_resource) if not normal else {}
    ref_name = str(reference) if reference else None
    handles = {s: pysam.AlignmentFile(str(bams[s]), reference_filename=ref_name) for s in samples}
    counts = {"records": 0, "pass": 0}
    try:
        with pysam.VariantFile(str(vcf_in)) as src:
            header = output_header(src.header, samples)
            with pysam.VariantFile(str(vcf_out), "wz", header=header) as out:
                for rec in src:
                    if not rec.alts or len(rec.alts) != 1:
                        raise ValueError(
                            f"{vcf_in}: {rec.chrom}:{rec.pos} has {len(rec.alts or ())} ALT "
                            "alleles; split records first (bcftools norm -m -any)"
                        )
                    counts["records"] += 1
                    key = (rec.chrom, rec.pos, rec.ref, rec.alts[0])
                    frag = {
                        s: count_fragments(
                            handles[s],
                            rec.chrom,
                            rec.pos,
                            rec.ref,
                            rec.alts[0],
                            settings.min_mapq,
                            settings.min_bq,
                        )
                        for s in samples
                    }
                    reasons = reasons_for(
                        rec,
                        (frag[tumor].ref, frag[tumor].alt),
                        (frag[normal].ref, frag[normal].alt) if normal else None,
                        settings,
                        key in pon_keys,
                        pop.get(key),
                        purity,
                    )
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
                    caller_filters = [f for f in rec.filter.keys() if f != "PASS"]
                    for name in caller_filters + reasons or ["PASS"]:
                        new.filter.add(name)
                    if not caller_filters and not reasons:
                        counts["pass"] += 1
                    for s in samples:
                        f = frag[s]
                        new.samples[s]["GT"] = (0, 1) if s == tumor else (0, 0)
                        new.samples[s]["AD"] = (f.ref, f.alt)
                        new.samples[s]["DP"] = f.depth
                        new.samples[s]["AF"] = (round(f.alt / f.depth, 4) if f.depth else 0.0,)
                    out.write(new)
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, required=True)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--tumor", required=True)
    ap.add_argument("--normal", help="paired mode: the normal's sample name")
    ap.add_argument("--bam", action="append", default=[], help="SAMPLE=PATH (tumour, normal)")
    ap.add_argument("--reference", type=Path, help="FASTA (needed for CRAM)")
    ap.add_argument("--settings", default="{}", help="JSON: somatic.evidence + tumor_only")
    ap.add_argument("--pon", type=Path, help="panel of normals (sites VCF)")
    ap.add_argument("--patient", help="the tumour's patient (excluded from the PoN count)")
    ap.add_argument("--germline-resource", type=Path, help="population sites VCF with INFO/AF")
    ap.add_argument("--purity", type=float, help="tumour purity from the sample sheet (0-1]")
    a = ap.parse_args(argv)
    bams = dict(b.split("=", 1) for b in a.bam)
    try:
        counts = run(
            a.input,
            a.output,
            a.tumor,
            a.normal,
            {k: Path(v) for k, v in bams.items()},
            Settings.from_dict(json.loads(a.settings)),
            a.reference,
            a.pon,
            a.patient,
            a.germline_resource,
            a.purity,
        )
    except ValueError as exc:
        print(f"somatic-evidence: {exc}", file=sys.stderr)
        return 1
    print(f"{a.tumor}: {counts['records']} records, {counts['pass']} PASS", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
