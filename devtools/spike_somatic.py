#!/usr/bin/env python3
"""Make a harder somatic spike-in pair from an aligned tumour/normal pair (seeded, reproducible).

Spikes SNVs, small deletions and insertions at low allele fractions into the tumour's reads, and
one spike into exactly one fragment of the normal as well (a site where the normal shows 1 ALT
read), then writes the modified FASTQs and a sites-only truth VCF.

Reads are located where they align (the workflow's BAM of the pair) and edited in the original
FASTQ records, in sequencing orientation. Only fragments whose reads align without clipping or
indels within 15 bp of the site are edited; a deletion shifts the read's following bases left
and refills its end from the reference, an insertion shifts them right and drops the read's last
bases. Sites: inside --region, ref base ACGT, no homopolymer >= 4 or N within +-8 bp, > 40 bp
from any --avoid variant (the germline truth, earlier spikes) and from each other, at least 20
bp inside a panel target (--targets), tumour and normal depth >= 15, mean MAPQ >= 55.

  python devtools/spike_somatic.py --tumour-bam T.bam --normal-bam N.bam --reference ref.fa \\
      --tumour-fastq T_R1.fq.gz T_R2.fq.gz --normal-fastq N_R1.fq.gz N_R2.fq.gz \\
      --region chr20:10002001-10098000 --targets panel.bed --avoid truth.vcf.gz \\
      --seed hard-v1 --out PREFIX
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import pysam

COMP = str.maketrans("ACGTN", "TGCAN")
FLANK = 15


def revcomp(seq: str) -> str:
    return seq.translate(COMP)[::-1]


@dataclass
class Spike:
    chrom: str
    pos: int  # 1-based VCF POS (the anchor base for indels)
    ref: str
    alt: str
    target_vaf: float
    normal_alt: int = 0
    alt_frags: int = 0
    frags: int = 0


def clean_at(read, start: int, end: int) -> bool:
    """Aligned without clips or indels from start-FLANK to end+FLANK (0-based ref)."""
    if read.is_unmapped or read.mapping_quality < 20 or read.flag & 0x900:
        return False
    if read.reference_start > start - FLANK or read.reference_end < end + FLANK:
        return False
    pairs = read.get_aligned_pairs()
    seen = [r for q, r in pairs if q is not None and r is not None]
    gaps = [r for q, r in pairs if q is None or r is None]
    return not any(r is None or start - FLANK <= r <= end + FLANK for r in gaps) and bool(seen)


@dataclass
class Edit:
    """A spike applied to one read; the FASTQ holds the read before trimming, so the edit is
    placed from the read's 5' end, which trimming (3' adapters, quality) leaves in place."""

    spike: Spike
    q: int  # query index of the anchor/SNV base in the BAM (reference orientation)
    reverse: bool
    bam_length: int
    ref_start: int
    ref_end: int


def plan_edit(read, spike: Spike) -> Edit:
    q = next(qp for qp, rp in read.get_aligned_pairs() if rp == spike.pos - 1)
    return Edit(spike, q, read.is_reverse, read.query_length, read.reference_start,
                read.reference_end)  # fmt: skip


def apply_edit(e: Edit, seq: str, qual: str, fasta: pysam.FastaFile) -> tuple[str, str]:
    """(sequence, qualities) of a FASTQ record with the spike applied, same length."""
    n, s = len(seq), e.spike
    # in reference orientation; a reverse read's untrimmed extra bases lie left of the BAM's
    r_seq, r_qual = (revcomp(seq), qual[::-1]) if e.reverse else (seq, qual)
    q = e.q + (n - e.bam_length if e.reverse else 0)
    if len(s.ref) == len(s.alt):
        r_seq = r_seq[:q] + s.alt + r_seq[q + 1 :]
    elif len(s.ref) > len(s.alt):  # deletion after the anchor: the read reaches k bases further
        k = len(s.ref) - 1
        r_seq, r_qual = r_seq[: q + 1] + r_seq[q + 1 + k :], r_qual[: q + 1] + r_qual[q + 1 + k :]
        if e.reverse:  # 5' end (right) stays: k more reference bases on the left
            fill = fasta.fetch(s.chrom, max(0, e.ref_start - k), e.ref_start).upper()
            r_seq, r_qual = fill + r_seq, r_qual[0] * len(fill) + r_qual
        else:
            fill = fasta.fetch(s.chrom, e.ref_end, e.ref_end + k).upper()
            r_seq, r_qual = r_seq + fill, r_qual + r_qual[-1] * len(fill)
    else:  # insertion after the anchor: the read's 3' end loses len(ins) bases
        ins = s.alt[1:]
        r_seq = r_seq[: q + 1] + ins + r_seq[q + 1 :]
        r_qual = r_qual[: q + 1] + r_qual[q] * len(ins) + r_qual[q + 1 :]
    r_seq, r_qual = (r_seq[-n:], r_qual[-n:]) if e.reverse else (r_seq[:n], r_qual[:n])
    return (revcomp(r_seq), r_qual[::-1]) if e.reverse else (r_seq, r_qual)


def fragments(bam: pysam.AlignmentFile, chrom: str, start: int, end: int):
    """name -> reads of fragments with a read over [start, end) (0-based), and the names whose
    every read over the site is clean."""
    by_name: dict[str, list] = {}
    for read in bam.fetch(chrom, start, end):
        if read.flag & 0x904 or read.reference_start > start or read.reference_end < end:
            continue
        by_name.setdefault(read.query_name, []).append(read)
    clean = sorted(n for n, reads in by_name.items() if all(clean_at(r, start, end) for r in reads))
    return by_name, clean


def candidate_ok(fasta, chrom: str, pos0: int) -> bool:
    window = fasta.fetch(chrom, pos0 - 8, pos0 + 9).upper()
    if "N" in window or window[8] not in "ACGT":
        return False
    return not any(window[i : i + 4] == window[i] * 4 for i in range(len(window) - 3))


def choose_sites(args, fasta, tumour, normal, rng: random.Random) -> list[Spike]:
    avoid = []
    for path in args.avoid:
        with pysam.VariantFile(path) as vcf:
            avoid += [(r.chrom, r.pos) for r in vcf]
    chrom, span = args.region.split(":")
    lo, hi = (int(x.replace(",", "")) for x in span.split("-"))
    # panel targets (calling happens there): sites at least 20 bp inside a target
    inside = []
    with open(args.targets) as handle:
        for line in handle:
            c, start, end = line.split("\t")[:3]
            if c == chrom:
                inside += range(max(lo, int(start) + 20), min(hi, int(end) - 20))
    kinds = (
        [("snv", v) for v in (0.05, 0.07, 0.10, 0.12, 0.15, 0.15)]
        + [("del", v) for v in (0.10, 0.15)]
        + [("ins", v) for v in (0.12, 0.15)]
        + [("snv_normal1", 0.20)]
    )
    spikes: list[Spike] = []
    tries = 0
    while len(spikes) < len(kinds):
        tries += 1
        if tries > 20000:
            raise SystemExit("could not place every spike; widen --region")
        pos0 = rng.choice(inside)
        taken = avoid + [(s.chrom, s.pos) for s in spikes]
        if any(c == chrom and abs(p - (pos0 + 1)) <= 40 for c, p in taken):
            continue
        if not candidate_ok(fasta, chrom, pos0):
            continue
        depths = []
        for bam in (tumour, normal):
            reads = [r for r in bam.fetch(chrom, pos0, pos0 + 1) if not r.flag & 0xD04]
            mapq = sum(r.mapping_quality for r in reads) / max(1, len(reads))
            depths.append((len(reads), mapq))
        if any(d < 15 or m < 55 for d, m in depths):
            continue
        kind, vaf = kinds[len(spikes)]
        ref_base = fasta.fetch(chrom, pos0, pos0 + 1).upper()
        if kind in ("snv", "snv_normal1"):
            alt = rng.choice([b for b in "ACGT" if b != ref_base])
            spike = Spike(chrom, pos0 + 1, ref_base, alt, vaf, int(kind == "snv_normal1"))
        elif kind == "del":
            k = rng.choice([1, 2, 3])
            ref = fasta.fetch(chrom, pos0, pos0 + 1 + k).upper()
            following = fasta.fetch(chrom, pos0 + 1 + k, pos0 + 1 + 2 * k).upper()
            if ref[1:] == following or ref[1] == ref[0]:  # keep it left-aligned, not a repeat
                continue
            spike = Spike(chrom, pos0 + 1, ref, ref[0], vaf)
        else:
            ins = "".join(rng.choice("ACGT") for _ in range(rng.choice([1, 2])))
            nxt = fasta.fetch(chrom, pos0 + 1, pos0 + 1 + len(ins)).upper()
            if ins == nxt or ins[-1] == ref_base or ins[0] == nxt[0]:
                continue
            spike = Spike(chrom, pos0 + 1, ref_base, ref_base + ins, vaf)
        spikes.append(spike)
    return sorted(spikes, key=lambda s: s.pos)


def order(name: str, seed: str) -> str:
    return hashlib.md5(f"{seed}|{name}".encode()).hexdigest()


def plan_edits(bam, spikes, seed: str, normal: bool) -> dict[tuple[str, int], Edit]:
    """(read name, 1|2) -> the edit of that read."""
    edits: dict[tuple[str, int], Edit] = {}
    for s in spikes:
        start, end = s.pos - 1, s.pos - 1 + len(s.ref)
        by_name, clean = fragments(bam, s.chrom, start, end)
        clean = [n for n in clean if not any((n, m) in edits for m in (1, 2))]
        clean.sort(key=lambda n: order(n, seed))
        if normal:
            chosen = clean[: s.normal_alt]
        else:
            s.frags = len(by_name)
            chosen = clean[: max(1, round(s.target_vaf * len(by_name)))]
            s.alt_frags = len(chosen)
        for name in chosen:
            for read in by_name[name]:
                edits[(name, 1 if read.is_read1 else 2)] = plan_edit(read, s)
    return edits


def rewrite_fastq(src: Path, dst: Path, mate: int, edits: dict, fasta) -> int:
    changed = 0
    with gzip.open(src, "rt") as fin, gzip.open(dst, "wt", compresslevel=6) as fout:
        while True:
            head = fin.readline()
            if not head:
                break
            seq, plus, qual = fin.readline(), fin.readline(), fin.readline()
            name = head[1:].split()[0]
            name = name[:-2] if name.endswith(("/1", "/2")) else name
            if (name, mate) in edits:
                new_seq, new_qual = apply_edit(
                    edits[(name, mate)], seq.strip(), qual.strip(), fasta
                )
                assert len(new_seq) == len(seq.strip()) == len(new_qual), name
                seq, qual = new_seq + "\n", new_qual + "\n"
                changed += 1
            fout.write(head + seq + plus + qual)
    return changed


def write_truth(spikes: list[Spike], fasta: pysam.FastaFile, out: Path) -> None:
    lines = [
        "##fileformat=VCFv4.2",
        *(
            f"##contig=<ID={c},length={n}>"
            for c, n in zip(fasta.references, fasta.lengths, strict=True)
        ),
        '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic spike">',
        '##INFO=<ID=TARGET_VAF,Number=1,Type=Float,Description="Target allele fraction">',
        '##INFO=<ID=VAF,Number=1,Type=Float,Description="Realised fragment allele fraction">',
        '##INFO=<ID=T_ALT_FRAGS,Number=1,Type=Integer,Description="Tumour fragments edited">',
        '##INFO=<ID=T_FRAGS,Number=1,Type=Integer,Description="Tumour fragments over the site">',
        '##INFO=<ID=N_ALT_FRAGS,Number=1,Type=Integer,Description="Normal fragments edited">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    for i, s in enumerate(spikes, 1):
        vaf = s.alt_frags / s.frags if s.frags else 0
        info = (
            f"SOMATIC;TARGET_VAF={s.target_vaf:.2f};VAF={vaf:.3f};T_ALT_FRAGS={s.alt_frags};"
            f"T_FRAGS={s.frags};N_ALT_FRAGS={s.normal_alt}"
        )
        lines.append(f"{s.chrom}\t{s.pos}\thard{i}\t{s.ref}\t{s.alt}\t.\tPASS\t{info}")
    plain = out.with_suffix("")
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_index(str(plain), preset="vcf", force=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tumour-bam", required=True)
    ap.add_argument("--normal-bam", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--tumour-fastq", nargs=2, type=Path, required=True)
    ap.add_argument("--normal-fastq", nargs=2, type=Path, required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--targets", required=True, help="panel target BED: spikes go inside")
    ap.add_argument("--avoid", action="append", default=[], help="VCF of sites to keep away from")
    ap.add_argument("--seed", default="hard-v1")
    ap.add_argument("--out", required=True, help="output prefix")
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    fasta = pysam.FastaFile(a.reference)
    tumour = pysam.AlignmentFile(a.tumour_bam)
    normal = pysam.AlignmentFile(a.normal_bam)
    spikes = choose_sites(a, fasta, tumour, normal, rng)
    t_edits = plan_edits(tumour, spikes, a.seed, normal=False)
    n_edits = plan_edits(normal, spikes, a.seed, normal=True)
    for label, fastqs, edits in (("tumour", a.tumour_fastq, t_edits),
                                 ("normal", a.normal_fastq, n_edits)):  # fmt: skip
        for mate, src in enumerate(fastqs, 1):
            dst = Path(f"{a.out}.{label}.R{mate}.fastq.gz")
            print(f"{dst}: {rewrite_fastq(src, dst, mate, edits, fasta)} reads edited")
    write_truth(spikes, fasta, Path(f"{a.out}.somatic_truth.vcf.gz"))
    for s in spikes:
        print(f"{s.chrom}:{s.pos} {s.ref}>{s.alt} target {s.target_vaf:.2f} "
              f"tumour {s.alt_frags}/{s.frags} normal {s.normal_alt}")  # fmt: skip


if __name__ == "__main__":
    main()
