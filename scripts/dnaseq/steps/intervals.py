#!/usr/bin/env python3
"""Split the callable genome into N interval chunks (BED) for scattered variant calling.

Callable territory is either the reference with runs of N removed, or the given target BED
(padded, merged, clipped to contig ends). The chunks have near-equal total length, follow genome
order (so gathering them in chunk order gives a sorted VCF), and are cut at N gaps where possible:
an interval is only split when it alone is longer than a chunk's share.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

Interval = tuple[str, int, int]  # contig, 0-based start, end (BED)


def read_fai(path: Path) -> list[tuple[str, int]]:
    contigs = []
    with open(path) as handle:
        for line in handle:
            name, length = line.split("\t")[:2]
            contigs.append((name, int(length)))
    return contigs


def non_n_intervals(
    fasta: Path, contigs: list[tuple[str, int]], min_gap: int
) -> Iterator[Interval]:
    """Stretches of the reference that are not N, joining stretches separated by < min_gap Ns."""
    import pysam

    with pysam.FastaFile(str(fasta)) as fa:
        for name, _length in contigs:
            seq = fa.fetch(name).upper()
            current: list[int] | None = None
            for m in re.finditer(r"[^N]+", seq):
                if current and m.start() - current[1] < min_gap:
                    current[1] = m.end()
                    continue
                if current:
                    yield name, current[0], current[1]
                current = [m.start(), m.end()]
            if current:
                yield name, current[0], current[1]


def read_bed(path: Path, contigs: list[tuple[str, int]], padding: int) -> list[Interval]:
    """Read, pad, clip and merge a BED file; errors (unknown contigs, bad coordinates) are the
    pre-flight checks' messages, naming the file and line."""
    from dnaseq.core.preflight_reference import bed_intervals, check_bed_against_reference

    lengths = dict(contigs)
    order = {name: i for i, (name, _) in enumerate(contigs)}
    check_bed_against_reference(path, "target BED", lengths)
    raw = [
        (contig, max(0, start - padding), min(lengths[contig], end + padding))
        for _, contig, start, end in bed_intervals(path, "target BED")
    ]
    raw.sort(key=lambda iv: (order[iv[0]], iv[1], iv[2]))
    return list(merge(raw))


def merge(intervals: Iterable[Interval]) -> Iterator[Interval]:
    current: Interval | None = None
    for iv in intervals:
        if current and iv[0] == current[0] and iv[1] <= current[2]:
            current = (current[0], current[1], max(current[2], iv[2]))
            continue
        if current:
            yield current
        current = iv
    if current:
        yield current


def split_chunks(intervals: list[Interval], n: int) -> list[list[Interval]]:
    """Distribute intervals, in order, over n chunks of near-equal total length."""
    total = sum(end - start for _, start, end in intervals)
    if n < 1:
        raise ValueError("number of chunks must be >= 1")
    share = max(1, -(-total // n))  # ceiling division
    chunks: list[list[Interval]] = [[]]
    filled = 0
    for contig, start, end in intervals:
        while start < end:
            room = share - filled
            if room <= 0 and len(chunks) < n:
                chunks.append([])
                filled, room = 0, share
            if len(chunks) == n:  # last chunk takes the rest
                room = end - start
            take = min(room, end - start)
            chunks[-1].append((contig, start, start + take))
            filled += take
            start += take
    while len(chunks) < n:  # more chunks than territory: keep the count, leave them empty
        chunks.append([])
    return chunks


def merge_named_targets(path: Path, lengths: dict[str, int]) -> list[tuple[str, int, int, str]]:
    """Targets sorted and overlapping/adjacent ones merged, in reference order. The merged
    target keeps the names of what it joins (comma-separated; gene = the first name up to its
    first '_'). Coverage and TMB territory count each base once: overlapping targets would count
    it twice (a target file listing exons of overlapping transcripts)."""
    from dnaseq.core.preflight_reference import bed_intervals, check_bed_against_reference

    check_bed_against_reference(path, "panel target BED", lengths)
    order = {name: i for i, name in enumerate(lengths)}
    targets = []
    with open(path) as handle:
        names = {}
        for line_no, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("\t")
            names[line_no] = fields[3] if len(fields) > 3 and fields[3] else None
    for line_no, contig, start, end in bed_intervals(path, "panel target BED"):
        targets.append((contig, start, end, names.get(line_no) or f"{contig}:{start + 1}-{end}"))
    targets.sort(key=lambda t: (order[t[0]], t[1], t[2]))
    merged: list[list] = []
    for contig, start, end, name in targets:
        if merged and merged[-1][0] == contig and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
            if name not in merged[-1][3]:
                merged[-1][3].append(name)
        else:
            merged.append([contig, start, end, [name]])
    return [(c, s, e, ",".join(n)) for c, s, e, n in merged]


def merge_main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Merge overlapping panel targets (names kept)")
    ap.add_argument("--fasta", type=Path, required=True, help="indexed FASTA (.fai next to it)")
    ap.add_argument("--targets", type=Path, required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    lengths = dict(read_fai(Path(f"{args.fasta}.fai")))
    with open(args.output, "w") as out:
        for contig, start, end, name in merge_named_targets(args.targets, lengths):
            out.write(f"{contig}\t{start}\t{end}\t{name}\n")


def write_bed(path: Path, intervals: list[Interval]) -> None:
    with open(path, "w") as out:
        for contig, start, end in intervals:
            out.write(f"{contig}\t{start}\t{end}\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fasta", type=Path, required=True, help="indexed FASTA (.fai next to it)")
    ap.add_argument("--targets", type=Path, help="optional target BED")
    ap.add_argument("--padding", type=int, default=0)
    ap.add_argument("--min-n-gap", type=int, default=100)
    ap.add_argument("--callable", type=Path, required=True, help="output: all callable intervals")
    ap.add_argument("chunks", type=Path, nargs="*", help="output BED per chunk")
    args = ap.parse_args(argv)

    contigs = read_fai(Path(f"{args.fasta}.fai"))
    if args.targets:
        intervals = read_bed(args.targets, contigs, args.padding)
    else:
        intervals = list(non_n_intervals(args.fasta, contigs, args.min_n_gap))
    write_bed(args.callable, intervals)
    if args.chunks:
        for path, chunk in zip(args.chunks, split_chunks(intervals, len(args.chunks)), strict=True):
            write_bed(path, chunk)


if __name__ == "__main__":
    main()
