#!/usr/bin/env python3
"""Simulate a deterministic copy-number scenario for a capture panel (bundled CNV01_T/CNV01_N).

A synthetic panel of genes (each a run of exon-like targets) is laid over an N-free region;
capture reads are drawn only around the targets, in proportion to each gene's copy number:
the normal is diploid everywhere, the tumour (at `--purity`) carries a single-gene
amplification and a heterozygous single-gene deletion. Writes the panel BED (4th column
`GENE_exonN`), the reads of both samples and the truth (gene, copy number in the tumour cells).
Same read model as devtools/simulate_reads.py; deterministic for a seed.

    python devtools/simulate_cnv.py --fasta resources/test/reference/test_genome.fa.gz \
        --region chr21:9600001-9900000 --outdir resources/test
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from simulate_reads import COMPLEMENT, add_errors, parse_region, read_contig, write_fastq

GENES = ["CNVG1", "CNVG2", "CNVAMP", "CNVG3", "CNVG4", "CNVDEL", "CNVG5", "CNVG6"]
# copy number in the tumour cells (the normal is 2 everywhere)
TUMOUR_CN = {"CNVAMP": 8, "CNVDEL": 1}
TARGETS_PER_GENE = 8
TARGET_LEN = 150
TARGET_GAP = 1500
GENE_GAP = 12000


def panel(start: int) -> list[tuple[int, int, str]]:
    """(0-based start, end, name) of every target, genes GENE_GAP apart."""
    targets, cursor = [], start + 5000
    for gene in GENES:
        for exon in range(1, TARGETS_PER_GENE + 1):
            targets.append((cursor, cursor + TARGET_LEN, f"{gene}_exon{exon}"))
            cursor += TARGET_LEN + TARGET_GAP
        cursor += GENE_GAP
    return targets


def capture_pairs(
    ref: str,
    offset: int,
    targets: list[tuple[int, int, str]],
    copies: dict[str, float],
    depth: float,
    read_len: int,
    rng: random.Random,
) -> list[tuple[str, str]]:
    """Fragments overlapping each target, their number scaled by the gene's copies / 2."""
    pairs = []
    for start, end, name in targets:
        gene = name.split("_")[0]
        n = round(depth * (end - start) / (2 * read_len) * copies.get(gene, 2.0) / 2)
        for _ in range(n):
            frag_len = max(read_len, int(rng.gauss(250, 30)))
            first = rng.randrange(start - frag_len + 50, end - 50) - offset
            frag = ref[first : first + frag_len]
            if rng.random() < 0.5:
                frag = frag.translate(COMPLEMENT)[::-1]
            r1 = add_errors(frag[:read_len], 0.002, rng)
            r2 = add_errors(frag[-read_len:].translate(COMPLEMENT)[::-1], 0.002, rng)
            pairs.append((r1, r2))
    rng.shuffle(pairs)
    return pairs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fasta", type=Path, required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--outdir", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--depth", type=float, default=300.0)
    ap.add_argument("--purity", type=float, default=0.8)
    ap.add_argument("--read-len", type=int, default=101)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    contig, start, end = parse_region(args.region)
    full = read_contig(args.fasta, contig)
    targets = panel(start)
    if targets[-1][1] + 5000 > end or "N" in full[start - 1 : end]:
        raise ValueError(f"{args.region}: too short for the panel, or has N")
    (args.outdir / "cnv").mkdir(parents=True, exist_ok=True)
    bed = args.outdir / "cnv" / "cnv_panel.bed"
    bed.write_text("".join(f"{contig}\t{s}\t{e}\t{n}\n" for s, e, n in targets))
    # the tumour sample mixes tumour cells (TUMOUR_CN) and normal cells (2 copies)
    tumour = {g: args.purity * TUMOUR_CN.get(g, 2) + (1 - args.purity) * 2 for g in GENES}
    for sample, copies in (("CNV01_N", {}), ("CNV01_T", tumour)):
        pairs = capture_pairs(full, 0, targets, copies, args.depth, args.read_len, rng)
        for mate in (1, 2):
            name = args.outdir / "cnv" / f"{sample}_R{mate}.fastq.gz"
            write_fastq(name, pairs, f"CNVFC:{sample}", mate)
    truth = args.outdir / "cnv" / "CNV01_T.cnv_truth.tsv"
    rows = ["gene\tcopy_number\tcall"]
    for gene in GENES:
        cn = TUMOUR_CN.get(gene, 2)
        rows.append(f"{gene}\t{cn}\t{'gain' if cn > 2 else 'loss' if cn < 2 else 'neutral'}")
    truth.write_text("\n".join(rows) + "\n")
    print(f"{len(targets)} targets in {len(GENES)} genes; tumour purity {args.purity}")


if __name__ == "__main__":
    main()
