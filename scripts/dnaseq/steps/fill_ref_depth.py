#!/usr/bin/env python3
"""Fill a missing REF count in FORMAT/AD (a VCF stream, stdin to stdout).

Octopus writes AD only for the alleles of the called genotype: a hom-alt call gets `AD=.,26`.
Reports and clinical filters need a number, so a missing REF entry becomes DP minus the ALT
depths (at least 0): the reads that did not support a called ALT allele. Everything else is
copied unchanged; the header gains nothing (AD and DP keep their definitions).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator


def fill_line(line: str) -> str:
    if line.startswith("#"):
        return line
    cols = line.rstrip("\n").split("\t")
    if len(cols) < 10:
        return line
    keys = cols[8].split(":")
    if "AD" not in keys or "DP" not in keys:
        return line
    ad_i, dp_i = keys.index("AD"), keys.index("DP")
    for s in range(9, len(cols)):
        values = cols[s].split(":")
        if len(values) <= max(ad_i, dp_i):
            continue
        ad = values[ad_i].split(",")
        if ad[0] != "." or values[dp_i] in (".", "") or any(a == "." for a in ad[1:]):
            continue
        alt = sum(int(a) for a in ad[1:])
        ad[0] = str(max(int(values[dp_i]) - alt, 0))
        values[ad_i] = ",".join(ad)
        cols[s] = ":".join(values)
    return "\t".join(cols) + "\n"


def fill(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield fill_line(line)


def main(argv: list[str] | None = None) -> int:
    sys.stdout.writelines(fill(sys.stdin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
