"""Allele support counted in DNA fragments, not reads.

The two mates of a short fragment overlap and read the same bases: counting reads counts such a
fragment twice, so one fragment with an error in its overlap looks like two independent
supporting reads. Here a fragment (read name) supports an allele once, whatever its mates show;
mates that disagree (one ref, one alt) support neither. Same rule as bcftools' overlap
detection and Mutect2.

A read supports an allele when its bases over the allele's reference span (inserted bases
included) spell that allele exactly, it spans the whole REF with aligned bases on both sides,
has mapping quality >= min_mapq and, for the bases it compares, base quality >= min_bq; for an
indel it must also reach `flank` (10) bases past the REF span (repeats longer than that can
still be misjudged by reads ending inside them). A read
with an insertion or deletion within `flank` bases of the allele (other than the allele itself)
supports neither: the aligner explained it with another haplotype (e.g. a deletion at a read
end instead of an SNV), so its bases at the site are not evidence for REF.
Duplicates, secondary, supplementary, QC-failed and unmapped reads are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800


@dataclass(frozen=True)
class FragmentCounts:
    ref: int
    alt: int
    discordant: int  # fragments whose mates disagree (counted for neither)

    @property
    def depth(self) -> int:
        return self.ref + self.alt


FLANK = 10


def read_allele(
    read, start: int, ref: str, alt: str, min_bq: int, flank: int = FLANK
) -> str | None:
    """'ref', 'alt' or None for one read at a 0-based REF start (pysam AlignedSegment)."""
    end = start + len(ref)  # exclusive
    # the read must cover the REF span; for indels also `flank` bases after it: a read ending
    # at the anchor, or inside the repeat that follows a left-aligned indel, cannot tell the
    # indel from the reference
    last_needed = end - 1 + flank if len(ref) != len(alt) else end - 1
    if read.reference_end is None or read.reference_start > start:
        return None
    if read.reference_end - 1 < last_needed:
        return None
    seq, quals = read.query_sequence, read.query_qualities
    if seq is None:
        return None
    bases, bqs = [], []
    inside = False
    last_ref = None  # the last reference position seen (for placing insertions)
    for qpos, rpos in read.get_aligned_pairs():
        # an indel near the allele but outside its REF span: another haplotype
        event = rpos if qpos is None else (last_ref if rpos is None else None)
        if event is not None and start - flank <= event < end + flank:
            outside = event < start or event >= end or (event == end - 1 and rpos is None)
            if outside and not (len(ref) != len(alt) and event == start and rpos is None):
                return None
        if rpos is not None:
            last_ref = rpos
            if rpos >= end + flank:
                break
            inside = start <= rpos < end
        if not inside or (rpos is None and last_ref is not None and last_ref >= end):
            continue
        if qpos is not None:
            bases.append(seq[qpos])
            bqs.append(quals[qpos] if quals is not None else 60)
    observed = "".join(bases).upper()
    if observed not in (ref.upper(), alt.upper()):
        return None
    if len(ref) == len(alt) and bqs and min(bqs) < min_bq:
        return None
    return "alt" if observed == alt.upper() else "ref"


def count_fragments(
    bam, contig: str, pos: int, ref: str, alt: str, min_mapq: int = 20, min_bq: int = 20
) -> FragmentCounts:
    """Fragments supporting REF and ALT of a biallelic record at 1-based `pos`.

    bam: an open pysam.AlignmentFile."""
    start = pos - 1
    seen: dict[str, set[str]] = {}
    for read in bam.fetch(contig, max(0, start - 1), start + len(ref) + 1):
        if read.flag & SKIP_FLAGS or read.mapping_quality < min_mapq:
            continue
        allele = read_allele(read, start, ref, alt, min_bq)
        if allele is not None:
            seen.setdefault(read.query_name, set()).add(allele)
    n_ref = sum(1 for a in seen.values() if a == {"ref"})
    n_alt = sum(1 for a in seen.values() if a == {"alt"})
    return FragmentCounts(n_ref, n_alt, sum(1 for a in seen.values() if len(a) > 1))
