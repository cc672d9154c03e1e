#!/usr/bin/env python3
"""Simulate deterministic paired-end reads carrying known structural variants (bundled SV01).

Extends devtools/simulate_reads.py (same read model: seeded fragments from two haplotypes,
substitution errors, fixed-mtime gzip): a fixed plan of germline SVs of the common classes and
sizes (deletions 400 bp - 20 kb, tandem duplications, an inversion, a novel-sequence insertion;
heterozygous and homozygous) is planted 20 kb apart in the region, and written as a truth VCF
(`SVTYPE`, `END`, `SVLEN`; symbolic DEL/DUP/INV alleles, the insertion sequence-resolved) with
the simulated span minus its edges as the evaluation BED.

    python devtools/simulate_svs.py --fasta resources/test/reference/test_genome.fa.gz \
        --region chr21:9600001-9900000 --outdir resources/test
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from simulate_reads import (
    COMPLEMENT,
    compress_and_index,
    parse_region,
    read_contig,
    simulate_pairs,
    simulation_arguments,
    write_fastq,
)

# (type, length, genotype on haplotypes 0/1) in the order they are planted
SV_PLAN = [
    ("DEL", 400, (0, 1)),
    ("DEL", 1200, (1, 1)),
    ("DUP", 1500, (1, 0)),
    ("INV", 3000, (0, 1)),
    ("DEL", 3000, (1, 0)),
    ("INS", 300, (0, 1)),
    ("DUP", 6000, (0, 1)),
    ("DEL", 8000, (1, 1)),
    ("DEL", 20000, (0, 1)),
]
SPACING = 20000


@dataclass(frozen=True)
class StructuralVariant:
    kind: str  # DEL, DUP, INV, INS
    start: int  # 1-based first affected base (INS: the base the sequence follows)
    length: int
    genotype: tuple[int, int]
    inserted: str = ""

    @property
    def end(self) -> int:
        return self.start if self.kind == "INS" else self.start + self.length - 1


def plan_svs(start: int, end: int, rng: random.Random) -> list[StructuralVariant]:
    """Place SV_PLAN from start + SPACING on, SPACING apart; raise if the region is too short."""
    svs, cursor = [], start + SPACING
    for kind, length, genotype in SV_PLAN:
        inserted = "".join(rng.choice("ACGT") for _ in range(length)) if kind == "INS" else ""
        sv = StructuralVariant(kind, cursor, length, genotype, inserted)
        svs.append(sv)
        cursor = sv.end + SPACING
    if cursor > end:
        raise ValueError(f"region too short for the SV plan: needs {cursor - start} bp")
    return svs


def build_sv_haplotype(ref_seq: str, offset: int, svs: list[StructuralVariant], hap: int) -> str:
    """ref_seq (starting at 1-based offset) with the SVs carried by haplotype `hap`."""
    out, cursor = [], 0
    for sv in svs:
        if sv.genotype[hap] == 0:
            continue
        i = sv.start - offset
        segment = ref_seq[i : i + sv.length]
        if sv.kind == "INS":
            out.append(ref_seq[cursor : i + 1] + sv.inserted)
            cursor = i + 1
            continue
        out.append(ref_seq[cursor:i])
        if sv.kind == "DUP":
            out.append(segment + segment)
        elif sv.kind == "INV":
            out.append(segment.translate(COMPLEMENT)[::-1])
        cursor = i + sv.length
    out.append(ref_seq[cursor:])
    return "".join(out)


def write_sv_truth(
    path: Path, contig: str, length: int, full: str, svs: list[StructuralVariant], sample: str
) -> None:
    plain = path.with_suffix("")
    with open(plain, "w") as out:
        out.write("##fileformat=VCFv4.2\n")
        out.write(f"##contig=<ID={contig},length={length}>\n")
        for key, number, kind, text in (
            ("SVTYPE", "1", "String", "Type of structural variant"),
            ("END", "1", "Integer", "Last reference base of the variant"),
            ("SVLEN", "1", "Integer", "Length (negative for deletions)"),
        ):
            out.write(f'##INFO=<ID={key},Number={number},Type={kind},Description="{text}">\n')
        for alt in ("DEL", "DUP", "INV"):
            out.write(f'##ALT=<ID={alt},Description="{alt}">\n')
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        out.write("##source=devtools/simulate_svs.py (planted structural variants)\n")
        out.write(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n")
        for n, sv in enumerate(svs, 1):
            gt = f"{sv.genotype[0]}|{sv.genotype[1]}"
            if sv.kind == "INS":
                pos, ref = sv.start, full[sv.start - 1]
                alt, svlen, end = ref + sv.inserted, sv.length, sv.start
            else:  # symbolic allele after the padding base
                pos, ref = sv.start - 1, full[sv.start - 2]
                alt, end = f"<{sv.kind}>", sv.end
                svlen = -sv.length if sv.kind == "DEL" else sv.length
            info = f"SVTYPE={sv.kind};END={end};SVLEN={svlen}"
            out.write(f"{contig}\t{pos}\tsim{n}\t{ref}\t{alt}\t.\tPASS\t{info}\tGT\t{gt}\n")
    compress_and_index(plain)


def main(argv: list[str] | None = None) -> None:
    ap = simulation_arguments(__doc__.split("\n")[0], "SV01", 20261130, 25.0)
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    contig, start, end = parse_region(args.region)
    full = read_contig(args.fasta, contig)
    ref_seq = full[start - 1 : end]
    if "N" in ref_seq:
        raise ValueError(f"{args.region} contains N: choose a region without gaps")
    svs = plan_svs(start, end, rng)
    haplotypes = [build_sv_haplotype(ref_seq, start, svs, h) for h in (0, 1)]
    n_pairs = int(args.depth * len(ref_seq) / (2 * args.read_len))
    pairs = simulate_pairs(haplotypes, n_pairs, args.read_len, 350, 50, args.error_rate, rng)
    (args.outdir / "reads").mkdir(parents=True, exist_ok=True)
    (args.outdir / "truth").mkdir(parents=True, exist_ok=True)
    for mate in (1, 2):
        write_fastq(
            args.outdir / "reads" / f"{args.sample}_R{mate}.fastq.gz", pairs, "SVFC:1", mate
        )
    truth = args.outdir / "truth" / f"{args.sample}.sv_truth.vcf.gz"
    write_sv_truth(truth, contig, len(full), full, svs, args.sample)
    bed = args.outdir / "truth" / f"{args.sample}.sv_eval.bed"
    bed.write_text(f"{contig}\t{start - 1 + 1000}\t{end - 1000}\n")
    print(f"{len(svs)} SVs, {len(pairs)} read pairs")


if __name__ == "__main__":
    main()
