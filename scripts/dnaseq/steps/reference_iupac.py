"""The workflow's reference copy with IUPAC ambiguity codes as N.

GRCh38 (and other builds) carry a few IUPAC ambiguity codes (R, Y, M, K, S, W, B, D, H, V) in
their sequence. Several tools refuse them or treat them inconsistently (`bcftools norm` stops
with "non-ACGTN reference allele" after the whole alignment and calling have run), while every
tool handles N the same way: no call there. The field's practice (GATK's and bwa's own
reference handling) is to read such a base as N, so the workflow's copy of the reference
(`results/reference/genome.fa`) has them as N (n in soft-masked lower case); the configured
file is untouched. How many bases were replaced, per contig, goes into a JSON file that the
provenance record includes.

    python -m dnaseq.steps reference-iupac --report CHANGES.json < in.fa > out.fa
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import BinaryIO

UPPER = b"RYMKSWBDHV"
LOWER = UPPER.lower()
TABLE = bytes.maketrans(UPPER + LOWER, b"N" * len(UPPER) + b"n" * len(LOWER))


def replace_iupac(source: BinaryIO, target: BinaryIO) -> dict[str, int]:
    """Copy FASTA from source to target with ambiguity codes as N; contig -> bases replaced."""
    replaced: dict[str, int] = {}
    contig = ""
    for line in source:
        if line.startswith(b">"):
            contig = line[1:].split(None, 1)[0].decode() if len(line) > 1 else ""
            target.write(line)
            continue
        kept = len(line.translate(None, UPPER + LOWER))
        if kept != len(line):
            replaced[contig] = replaced.get(contig, 0) + len(line) - kept
            line = line.translate(TABLE)
        target.write(line)
    return replaced


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--report", type=Path, required=True, help="JSON: bases replaced per contig")
    args = ap.parse_args(argv)
    replaced = replace_iupac(sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    note = {
        "iupac_bases_replaced_by_n": sum(replaced.values()),
        "by_contig": replaced,
        "reason": "IUPAC ambiguity codes read as N in the workflow's reference copy",
    }
    args.report.write_text(json.dumps(note, indent=1, sort_keys=True) + "\n")
    if replaced:
        print(
            f"{sum(replaced.values())} IUPAC ambiguity base(s) read as N in "
            f"{len(replaced)} contig(s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
