#!/usr/bin/env python3
"""A panel of normals (PoN) from the run's normal samples.

Each normal is called on its own like a tumour-only sample (LoFreq, sensitive); every PASS allele
of every normal goes into one sites VCF with
  INFO/PON_SAMPLES   normals that carry it        INFO/PON_PATIENTS  their patients
  INFO/PON_COUNT     how many normals carry it
Tumour-only filtering (dnaseq.steps.somatic_evidence) counts only normals of other patients, so
a tumour is never filtered against its own normal, and validating tumour-only mode on a paired
tumour stays honest. The same file can be stored and reused across runs
(`somatic.panel_of_normals`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

Key = tuple[str, int, str, str]


def collect(normals: list[tuple[str, str, Path]]) -> dict[Key, list[tuple[str, str]]]:
    """allele -> [(normal, patient), ...] over the PASS alleles of each normal's calls."""
    import pysam

    seen: dict[Key, list[tuple[str, str]]] = {}
    for sample, patient, path in normals:
        with pysam.VariantFile(str(path)) as vcf:
            for rec in vcf:
                if set(rec.filter.keys()) - {"PASS"}:
                    continue
                for alt in rec.alts or ():
                    carriers = seen.setdefault((rec.chrom, rec.pos, rec.ref, alt), [])
                    if (sample, patient) not in carriers:
                        carriers.append((sample, patient))
    return seen


def write(seen: dict[Key, list[tuple[str, str]]], contigs: list[tuple[str, int]], out: Path):
    import pysam

    header = pysam.VariantHeader()
    for name, length in contigs:
        header.contigs.add(name, length=length)
    header.info.add("PON_SAMPLES", ".", "String", "Normals carrying the allele")
    header.info.add("PON_PATIENTS", ".", "String", "Patients of those normals")
    header.info.add("PON_COUNT", 1, "Integer", "Number of normals carrying the allele")
    order = {c: i for i, (c, _) in enumerate(contigs)}
    unknown = sorted({k[0] for k in seen} - set(order))
    if unknown:
        raise ValueError(f"contig(s) {', '.join(unknown)} are not in the reference index")
    with pysam.VariantFile(str(out), "wz", header=header) as vcf:
        for key in sorted(seen, key=lambda k: (order[k[0]], k[1], k[2], k[3])):
            rec = vcf.new_record(contig=key[0], start=key[1] - 1, alleles=(key[2], key[3]))
            rec.info["PON_SAMPLES"] = [s for s, _ in seen[key]]
            rec.info["PON_PATIENTS"] = [p for _, p in seen[key]]
            rec.info["PON_COUNT"] = len(seen[key])
            vcf.write(rec)


def read_fai(path: Path) -> list[tuple[str, int]]:
    with open(path) as handle:
        return [(c[0], int(c[1])) for c in (line.split("\t") for line in handle) if len(c) > 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--normal", action="append", default=[], help="SAMPLE:PATIENT:CALLS_VCF")
    ap.add_argument("--fai", type=Path, required=True, help="reference .fai (contig order)")
    ap.add_argument("--output", type=Path, required=True)
    a = ap.parse_args(argv)
    normals = []
    for spec in a.normal:
        sample, patient, path = spec.split(":", 2)
        normals.append((sample, patient, Path(path)))
    try:
        seen = collect(normals)
        write(seen, read_fai(a.fai), a.output)
    except ValueError as exc:
        print(f"somatic-pon: {exc}", file=sys.stderr)
        return 1
    print(f"{len(normals)} normals, {len(seen)} alleles in the panel of normals", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
