"""Jobs on a stored alignment (BAM/CRAM) given as input (see dnaseq.core.alignment_inputs).

    describe      SHA-256 of the file and of its header, primary read count, reads outside the
                  header's read groups (an error: they would be lost when realigning per read
                  group); the plan of the start-up check. Written to JSON for provenance, the
                  manifest and the report.
    reuse-header  the header a reused alignment enters duplicate marking with (the sheet's
                  sample as SM when the row sets sample_override) and whether its records
                  already carry the mate tags samtools markdup needs ("direct") or must go
                  through collate | fixmate -m | sort first ("fixmate").
    unpacked      the read counts samtools fastq reported for one read group (from its log).

Standard library only: the jobs run in the samtools environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from dnaseq.core.manifest import sha256

SAMPLED_RECORDS = 10_000


class SourceError(RuntimeError):
    pass


def samtools(*args: str) -> str:
    proc = subprocess.run(["samtools", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SourceError(f"samtools {args[0]} failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def reference_args(reference: str | None) -> list[str]:
    return ["--reference", reference] if reference else []


def header_text(path: Path, reference: str | None) -> str:
    return samtools("view", "-H", "--no-PG", *reference_args(reference), str(path))


def describe(
    path: Path,
    reference: str | None,
    read_groups: list[str],
    plan: dict,
    scratch: Path,
    threads: int = 1,
) -> dict:
    """Checksums and counts of one stored alignment; raises SourceError when reads carry no
    (or an undeclared) read group and the file is to be split per read group. scratch: a
    temporary file for the list of read-group IDs."""
    header = header_text(path, reference)
    ref = reference_args(reference)
    at = ["-@", str(max(threads - 1, 0))]
    primary = int(samtools("view", "-c", "-F", "0x900", *at, *ref, str(path)).strip())
    outside = 0
    if read_groups and plan.get("mode") == "realign":
        scratch.write_text("".join(f"{rg}\n" for rg in read_groups))
        try:
            inside = int(
                samtools("view", "-c", "-F", "0x900", "-R", str(scratch), *at, *ref, str(path))
            )
        finally:
            scratch.unlink(missing_ok=True)
        outside = primary - inside
    record = {
        **plan,
        "file": path.name,
        "sha256": sha256(path),
        "bytes": path.stat().st_size,
        "header_sha256": hashlib.sha256(header.encode()).hexdigest(),
        "primary_reads": primary,
        "reads_outside_read_groups": outside,
    }
    if outside:
        raise SourceError(
            f"{path}: {outside:,} of {primary:,} primary reads carry no read group of the header "
            f"({', '.join(read_groups)}): they would be lost when the file is split per read "
            "group for realignment; tag them (samtools addreplacerg) or set the row's "
            "sample_override with a single read group"
        )
    return record


def reuse_header(path: Path, reference: str | None, sample: str, override: bool) -> tuple[str, str]:
    """(header text, "direct" | "fixmate")."""
    lines = []
    for line in header_text(path, reference).splitlines():
        if override and line.startswith("@RG"):
            fields = [f for f in line.split("\t") if not f.startswith("SM:")]
            line = "\t".join([*fields, f"SM:{sample}"])
        lines.append(line)
    if override and not any(line.startswith("@RG") for line in lines):
        lines.append(f"@RG\tID:{sample}\tSM:{sample}")
    sorted_ = any(line.startswith("@HD") and "SO:coordinate" in line for line in lines)
    mode = "direct" if sorted_ and mate_tags(path, reference) else "fixmate"
    return "\n".join(lines) + "\n", mode


def mate_tags(path: Path, reference: str | None) -> bool:
    """The first paired primary records carry MC and ms (samtools fixmate -m was run)."""
    cmd = ["samtools", "view", "-f", "1", "-F", "0x904", *reference_args(reference), str(path)]
    seen = 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tags = {field[:2] for field in line.rstrip("\n").split("\t")[11:]}
            if not {"MC", "ms"} <= tags:
                proc.kill()
                return False
            seen += 1
            if seen >= SAMPLED_RECORDS:
                proc.kill()
                break
    return seen > 0


FASTQ_LOG = re.compile(r"\[M::bam2fq_mainloop\] (discarded|processed) (\d+) (singletons|reads)")


def unpacked_counts(log: Path) -> dict[str, int]:
    counts = {"reads": 0, "singletons_discarded": 0}
    for kind, number, _ in FASTQ_LOG.findall(log.read_text()):
        counts["reads" if kind == "processed" else "singletons_discarded"] += int(number)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe")
    d.add_argument("--input", type=Path, required=True)
    d.add_argument("--reference", default="")
    d.add_argument("--read-groups", nargs="*", default=[])
    d.add_argument("--plan", required=True, help="JSON: what the start-up check decided")
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--output", type=Path, required=True)
    r = sub.add_parser("reuse-header")
    r.add_argument("--input", type=Path, required=True)
    r.add_argument("--reference", default="")
    r.add_argument("--sample", required=True)
    r.add_argument("--override", action="store_true")
    r.add_argument("--output", type=Path, required=True)
    u = sub.add_parser("unpacked")
    u.add_argument("--log", type=Path, required=True)
    u.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        if args.command == "describe":
            record = describe(
                args.input,
                args.reference or None,
                args.read_groups,
                json.loads(args.plan),
                args.output.with_suffix(".read_groups.txt"),
                args.threads,
            )
            args.output.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        elif args.command == "reuse-header":
            text, mode = reuse_header(
                args.input, args.reference or None, args.sample, args.override
            )
            args.output.write_text(text)
            print(mode)
        else:
            counts = unpacked_counts(args.log)
            args.output.write_text(json.dumps(counts, sort_keys=True) + "\n")
    except SourceError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
