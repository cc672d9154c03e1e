#!/usr/bin/env python3
"""Pre-flight checks of every input: sheets, config, FASTQ, reference, BED and VCF files.

Every problem is an `InputError` whose message names the file, the line or record, and what is
wrong, in words a lab technician can act on. Three levels:

* start-up checks (`check_startup`): cheap, run by the Snakefile before any job is scheduled:
  files exist and are non-empty, FASTQ files start with a valid gzip FASTQ record, BED lines are
  well formed, truth/known-sites VCFs are indexed;
* deep checks, run as the first jobs of the workflow, in parallel:
  `check_fastq_pair` reads both FASTQ files of a unit to the end (gzip integrity, record
  structure, R1/R2 read names and counts); `check_reference` reads the FASTA headers (duplicate
  names) and `check_reference_consistency` compares the contigs of every BED/VCF/GFF3 input with
  the reference index (catches `chr20` vs `20` and other-build inputs);
* all of them from the command line, for a lab to run on its own before submitting:
      dnaseq preflight --config config/config.yaml [--deep]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from dnaseq.core.config_inputs import ConfigInput, config_inputs
from dnaseq.core.sheets import InputError

GZIP_MAGIC = b"\x1f\x8b"
QUAL_RANGE = (33, 126)


# ---------------------------------------------------------------------------------------------
# files


def check_file(path: str | Path, what: str) -> Path:
    """The file exists, is a regular file, can be read and is not empty."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} {p}: file not found")
    if not p.is_file():
        raise InputError(f"{what} {p}: is not a regular file")
    try:
        with open(p, "rb") as handle:
            handle.read(1)
    except OSError as err:
        raise InputError(f"{what} {p}: cannot be read ({err.strerror})") from None
    if p.stat().st_size == 0:
        raise InputError(f"{what} {p}: file is empty")
    return p


def open_text(path: Path):
    """Open plain or gzip-compressed text."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == GZIP_MAGIC else open(path)


# ---------------------------------------------------------------------------------------------
# FASTQ


def fastq_records(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """Yield (record number, name, sequence, quality), checking the record structure.

    The common case (a well-formed record) costs a few string operations; the messages are
    only built for a record that fails."""
    with open(path, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            raise InputError(f"FASTQ {path}: not gzip-compressed (expected .fastq.gz)")
    low, high = chr(QUAL_RANGE[0]), chr(QUAL_RANGE[1])
    try:
        with gzip.open(path, "rt", encoding="ascii", errors="strict") as handle:
            lines = iter(handle)
            number = 0
            for header in lines:
                number += 1
                seq, plus, qual = next(lines, ""), next(lines, ""), next(lines, "")
                seq, qual = seq.rstrip("\n"), qual.rstrip("\n")
                if (
                    not plus
                    or header[:1] != "@"
                    or plus[:1] != "+"
                    or len(seq) != len(qual)
                    or (qual and (min(qual) < low or max(qual) > high))
                ):
                    _record_error(path, number, header, seq, plus, qual)
                if not header[1:].split():
                    _no_read_name(path, number)
                yield number, header[1:].split(None, 1)[0], seq, qual
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise InputError(f"FASTQ {path}: gzip data is corrupt or truncated ({err})") from None
    except UnicodeDecodeError:
        raise InputError(f"FASTQ {path}: contains non-text (binary) data") from None


def _no_read_name(path: Path, number: int) -> None:
    raise InputError(
        f"FASTQ {path}, record {number} (line {4 * (number - 1) + 1}): header has no read name"
    )


def _record_error(path: Path, number: int, header: str, seq: str, plus: str, qual: str) -> None:
    where = f"FASTQ {path}, record {number} (line {4 * (number - 1) + 1})"
    if not plus or not qual and not seq:
        raise InputError(f"{where}: record is incomplete (file truncated?)")
    if not header.startswith("@"):
        raise InputError(f"{where}: header does not start with '@'; not a FASTQ file?")
    if not plus.startswith("+"):
        raise InputError(f"{where}: third line does not start with '+'")
    if len(seq) != len(qual):
        raise InputError(
            f"{where}: sequence and quality have different lengths ({len(seq)} vs {len(qual)})"
        )
    raise InputError(f"{where}: quality characters outside Phred+33 range")


ENCODING_RECORDS = 2000  # records read to tell Phred+33 from Phred+64 qualities


def check_quality_encoding(path: Path, qualities: list[str]) -> None:
    """Phred+33 (Sanger/Illumina 1.8+) is required. Phred+64 (Illumina 1.3-1.7) qualities use
    only characters from '@' (64) up, and reach past 'J' (74, Q41 in Phred+33): taken as
    Phred+33 they would claim Q31-Q40 for every base."""
    chars = "".join(qualities)
    if chars and ord(min(chars)) >= 64 and ord(max(chars)) > 74:
        raise InputError(
            f"FASTQ {path}: base qualities look Phred+64 (old Illumina 1.3-1.7 encoding: "
            f"characters {min(chars)!r}..{max(chars)!r} in the first {len(qualities)} reads); "
            "the workflow needs Phred+33. Convert first, e.g. "
            "`seqtk seq -Q64 -V in.fastq.gz | gzip > out.fastq.gz`"
        )


def check_fastq_head(path: str | Path) -> None:
    """Cheap: the file is a gzip FASTQ whose first records are well formed, Phred+33."""
    p = check_file(path, "FASTQ")
    records = fastq_records(p)
    qualities = []
    try:
        for number, _name, _seq, qual in records:
            qualities.append(qual)
            if number >= ENCODING_RECORDS:
                break
    finally:
        records.close()
    if not qualities:
        raise InputError(f"FASTQ {p}: contains no reads")
    check_quality_encoding(p, qualities)


def mate_name(name: str) -> str:
    """Read name without a /1 or /2 suffix."""
    return name[:-2] if name.endswith(("/1", "/2")) else name


SAME_SEQUENCE_RECORDS = 1000  # pairs compared to catch an R2 that is a copy of R1
MAX_SAME_SEQUENCE_FRACTION = 0.5


BLOCK_RECORDS = 50_000  # records checked at a time by the deep check (bulk, C-level checks)
READ_BYTES = 4 << 20  # text read from the file at a time
# a character outside the Phred+33 range (one search over a block's joined qualities)
BAD_QUALITY = re.compile(f"[^{re.escape(chr(QUAL_RANGE[0]))}-{re.escape(chr(QUAL_RANGE[1]))}]")


def _record_line_blocks(handle) -> Iterator[list[str]]:
    """The file's lines without their newlines, BLOCK_RECORDS records (4 lines each) at a time,
    so that the blocks of R1 and R2 hold the same records whatever their read lengths; the last
    block holds what is left (not a multiple of 4 when the file ends inside a record). Read and
    split in bulk: reading line by line costs more than all the checks."""
    size = 4 * BLOCK_RECORDS
    pending: list[str] = []
    tail = ""
    while data := handle.read(READ_BYTES):
        lines = (tail + data).split("\n")
        tail = lines.pop()  # a line cut by the read, or "" after a newline
        pending += lines
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if tail:  # the last line has no newline
        pending.append(tail)
    if pending:
        yield pending


def fastq_blocks(path: Path) -> Iterator[tuple[int, list[str], list[str], list[str]]]:
    """Yield (number of the block's first record, names, sequences, qualities) for blocks of
    records. The structure is checked in bulk; a block with any fault is walked record by
    record to name the first bad record exactly as fastq_records does."""
    from operator import itemgetter

    first_char = itemgetter(0)
    low, high = chr(QUAL_RANGE[0]), chr(QUAL_RANGE[1])
    with open(path, "rb") as raw:
        if raw.read(2) != GZIP_MAGIC:
            raise InputError(f"FASTQ {path}: not gzip-compressed (expected .fastq.gz)")
    try:
        with gzip.open(path, "rt", encoding="ascii", errors="strict") as handle:
            number = 1
            for lines in _record_line_blocks(handle):
                headers, seqs, plus, quals = lines[0::4], lines[1::4], lines[2::4], lines[3::4]
                ok = (
                    len(lines) % 4 == 0
                    and all(headers)
                    and all(plus)
                    and set(map(first_char, headers)) == {"@"}
                    and set(map(first_char, plus)) == {"+"}
                    and list(map(len, seqs)) == list(map(len, quals))
                    and all(quals)
                    and not BAD_QUALITY.search("".join(quals))
                )
                if not ok:
                    for i in range(0, len(lines), 4):
                        # a missing line (the file ends) is None, an empty line ""
                        h, sq, pl, q = (lines[i : i + 4] + [None, None, None])[:4]
                        if pl is None:
                            _record_error(path, number + i // 4, h, sq or "", "", q or "")
                        pl = pl or "\n"  # an empty third line: "does not start with '+'"
                        q = q or ""
                        bad = (
                            h[:1] != "@"
                            or pl[:1] != "+"
                            or len(sq) != len(q)
                            or (q and (min(q) < low or max(q) > high))
                        )
                        if bad:
                            _record_error(path, number + i // 4, h, sq, pl, q)
                try:
                    names = [h[1:].split(None, 1)[0] for h in headers]
                except IndexError:  # a header that is "@" and nothing else
                    i = next(i for i, h in enumerate(headers) if not h[1:].split())
                    _no_read_name(path, number + i)
                yield number, names, seqs, quals
                number += len(headers)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise InputError(f"FASTQ {path}: gzip data is corrupt or truncated ({err})") from None
    except UnicodeDecodeError:
        raise InputError(f"FASTQ {path}: contains non-text (binary) data") from None


def check_fastq_pair(fq1: str | Path, fq2: str | Path) -> int:
    """Deep: read both files to the end; same read names in the same order, R2 not a copy of
    R1, Phred+33 qualities. Returns read pairs."""
    p1, p2 = check_file(fq1, "FASTQ"), check_file(fq2, "FASTQ")
    n = 0
    for b1, b2 in itertools.zip_longest(fastq_blocks(p1), fastq_blocks(p2)):
        _, names1, seqs1, quals1 = b1 or (0, [], [], [])
        _, names2, seqs2, quals2 = b2 or (0, [], [], [])
        common = min(len(names1), len(names2))
        mates1 = list(map(mate_name, names1[:common]))
        mates2 = list(map(mate_name, names2[:common]))
        if mates1 != mates2:
            i = next(i for i, (a, b) in enumerate(zip(mates1, mates2, strict=True)) if a != b)
            k = n + i + 1
            raise InputError(
                f"FASTQ pair: read names differ at record {k} (line {4 * k - 3}): "
                f"{p1} has {names1[i]!r}, {p2} has {names2[i]!r}; are R1 and R2 from the same "
                "unit?"
            )
        if len(names1) != len(names2):
            longer, shorter = (p1, p2) if len(names1) > len(names2) else (p2, p1)
            raise InputError(
                f"FASTQ pair: {longer} has more reads than {shorter} ({shorter} ends after "
                f"{n + common} reads); R1 and R2 must have the same reads"
            )
        if n == 0:
            m = min(len(seqs1), SAME_SEQUENCE_RECORDS)
            same = sum(a == b for a, b in zip(seqs1[:m], seqs2[:m], strict=True))
            check_same_sequences(p1, p2, same, m)
            check_quality_encoding(p1, quals1[:m] + quals2[:m])
        n += len(names1)
    if n == 0:
        raise InputError(f"FASTQ {p1}: contains no reads")
    return n


def check_same_sequences(p1: Path, p2: Path, same: int, n: int) -> None:
    """Mates read the two ends of a fragment: identical R1/R2 sequences in most pairs mean the
    same reads twice (R2 copied from R1), which would be aligned as nonsense pairs."""
    if same > MAX_SAME_SEQUENCE_FRACTION * n:
        raise InputError(
            f"FASTQ pair: {same} of the first {n} read pairs have identical R1 and R2 sequences: "
            f"{p2} looks like a copy of {p1}, not its mate file"
        )


# ---------------------------------------------------------------------------------------------
# reference, BED, VCF


def check_reference_head(fasta: str | Path) -> None:
    p = check_file(fasta, "reference FASTA")
    try:
        with open_text(p) as handle:
            first = handle.readline()
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        raise InputError(f"reference FASTA {p}: cannot be decompressed or read as text") from None
    if not first.startswith(">"):
        raise InputError(f"reference FASTA {p}, line 1: does not start with '>'; not a FASTA file")


def check_reference(fasta: str | Path) -> list[str]:
    """Deep: every contig name is unique and every contig has sequence. Returns the names."""
    p = Path(fasta)
    seen: dict[str, int] = {}
    names: list[str] = []
    current, length = None, 0
    with open_text(p) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith(">"):
                if current is not None and length == 0:
                    raise InputError(f"reference FASTA {p}: contig {current!r} has no sequence")
                current, length = line[1:].split()[0] if line[1:].strip() else "", 0
                if not current:
                    raise InputError(f"reference FASTA {p}, line {line_no}: empty contig name")
                if current in seen:
                    raise InputError(
                        f"reference FASTA {p}, line {line_no}: contig name {current!r} "
                        f"already used on line {seen[current]}"
                    )
                seen[current] = line_no
                names.append(current)
            else:
                length += len(line.strip())
    if current is not None and length == 0:
        raise InputError(f"reference FASTA {p}: contig {current!r} has no sequence")
    return names


def read_fai(path: str | Path) -> dict[str, int]:
    lengths = {}
    with open(path) as handle:
        for line in handle:
            name, length = line.split("\t")[:2]
            lengths[name] = int(length)
    return lengths


def bed_intervals(path: str | Path, what: str) -> Iterator[tuple[int, str, int, int]]:
    """Yield (line number, contig, start, end) of a BED file, checking each line's syntax."""
    p = check_file(path, what)
    with open_text(p) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                raise InputError(f"{what} {p}, line {line_no}: expected 3 tab-separated columns")
            try:
                start, end = int(fields[1]), int(fields[2])
            except ValueError:
                raise InputError(
                    f"{what} {p}, line {line_no}: start/end {fields[1]!r}/{fields[2]!r} are not "
                    "integers"
                ) from None
            if start < 0 or end <= start:
                raise InputError(
                    f"{what} {p}, line {line_no}: bad interval {fields[0]}:{start}-{end} "
                    "(BED needs 0 <= start < end)"
                )
            yield line_no, fields[0], start, end


def check_bed_against_reference(path: str | Path, what: str, lengths: dict[str, int]) -> None:
    for line_no, contig, _start, end in bed_intervals(path, what):
        where = f"{what} {path}, line {line_no}"
        if contig not in lengths:
            raise InputError(f"{where}: {contig_hint(contig, lengths)}")
        if end > lengths[contig]:
            raise InputError(
                f"{where}: interval ends at {end}, past the end of {contig} "
                f"({lengths[contig]} bp in the reference)"
            )


def contig_hint(contig: str, lengths: dict[str, int]) -> str:
    """'contig X is not in the reference', with the likely naming mix-up spelled out."""
    message = f"contig {contig!r} is not in the reference"
    alt = contig[3:] if contig.startswith("chr") else f"chr{contig}"
    if alt in lengths:
        message += f" (the reference calls it {alt!r}: 'chr' naming differs, wrong build?)"
    return message


def check_vcf_against_reference(
    path: str | Path,
    what: str,
    lengths: dict[str, int],
    sliced: bool = False,
    max_records: int | None = None,
) -> None:
    """Header contigs and lengths, and every record's contig and position, match the reference.

    With `sliced`, the reference is known to be a slice of the build (test data): header
    lengths may exceed the reference's, but records must still lie inside it.
    """
    import pysam

    p = check_file(path, what)
    try:
        vcf = pysam.VariantFile(str(p))
    except (OSError, ValueError) as err:
        raise InputError(f"{what} {p}: not a readable VCF ({err})") from None
    with vcf:
        for name, contig in vcf.header.contigs.items():
            if name in lengths and contig.length and contig.length != lengths[name] and not sliced:
                raise InputError(
                    f"{what} {p}: header says {name} is {contig.length} bp, the reference has "
                    f"{lengths[name]} bp: the VCF is on another genome build (or the reference "
                    "is cut out of the build: only for test data, set reference.sliced: true)"
                )
        for number, rec in enumerate(vcf, start=1):
            if max_records is not None and number > max_records:
                break
            where = f"{what} {p}, record {number} ({rec.chrom}:{rec.pos})"
            if rec.chrom not in lengths:
                raise InputError(f"{where}: {contig_hint(rec.chrom, lengths)}")
            if rec.pos > lengths[rec.chrom]:
                raise InputError(f"{where}: position is past the end of {rec.chrom}")


def check_gff_against_reference(
    path: str | Path, lengths: dict[str, int], what: str = "annotation GFF3"
) -> None:
    p = check_file(path, what)
    found = False
    with open_text(p) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith("#") or not line.strip():
                continue
            contig = line.split("\t", 1)[0]
            if contig in lengths:
                found = True
            elif not found and line_no > 10000:
                break
    if not found:
        raise InputError(
            f"{what} {p}: none of its sequence names is in the reference "
            f"(e.g. {contig_hint(contig, lengths)})"
        )


def check_indexed_vcf(path: str | Path, what: str) -> None:
    p = check_file(path, what)
    if not (Path(f"{p}.tbi").exists() or Path(f"{p}.csi").exists()):
        raise InputError(f"{what} {p}: no .tbi or .csi index next to it (run: tabix -p vcf {p})")


# ---------------------------------------------------------------------------------------------
# whole-config checks: the inputs come from the config schema (config_inputs), not a hand list

LARGE_VCF_RECORDS = 10_000  # records read from resources too big to read to the end


def check_startup(config: dict, units, schema: dict | None = None) -> None:
    """Cheap checks of every input file named in the config and units sheet."""
    for row in units.itertuples():
        for fq in (row.fq1, row.fq2):
            try:
                check_fastq_head(fq)
            except InputError as err:
                raise InputError(f"{config['units']}, line {row.sheet_line}: {err}") from None
    for item in config_inputs(config, schema):
        check_path_text(item.path, f"{item.what} (config {item.key})")
        if item.kind == "fasta":
            check_reference_head(item.path)
        elif item.kind == "vcf":
            if item.indexed:
                check_indexed_vcf(item.path, item.what)
            else:
                check_file(item.path, item.what)
        elif item.kind == "bed":
            for _ in bed_intervals(item.path, item.what):
                pass
        elif item.kind == "dir":
            if not Path(item.path).is_dir():
                raise InputError(f"{item.what} {item.path}: not found")
        else:
            check_file(item.path, item.what)


def checked_inputs(config: dict, schema: dict | None = None) -> list[ConfigInput]:
    """Every input that must use the reference's contig names (VCF, BED, GFF3)."""
    return [i for i in config_inputs(config, schema) if i.kind in ("vcf", "bed", "gff3")]


def check_consistency(
    config: dict,
    fai: str | Path,
    local_copies: Sequence[str] | None = None,
    schema: dict | None = None,
) -> None:
    """Deep: every BED/VCF/GFF3 input uses the reference's contig names and lengths.

    local_copies: where the workflow job finds these inputs, in checked_inputs() order (they
    differ from the config paths when inputs come from remote storage)."""
    sliced = bool(config["reference"].get("sliced", False))
    inputs = checked_inputs(config, schema)
    paths = [i.path for i in inputs] if local_copies is None else list(local_copies)
    check_input_contigs(input_kinds(inputs), paths, fai, sliced)


def input_kinds(inputs: Sequence[ConfigInput]) -> list[dict]:
    """What check_input_contigs needs of each checked input (kind, words, large), without the
    rest of the config: the reference-consistency job reruns when these change, not when an
    unrelated setting (a report threshold) does."""
    return [{"kind": i.kind, "what": i.what, "large": i.large} for i in inputs]


def check_input_contigs(
    kinds: Sequence[dict], paths: Sequence[str], fai: str | Path, sliced: bool
) -> None:
    """Every BED/VCF/GFF3 of `paths` (described by `kinds`, same order) fits the reference."""
    if len(paths) != len(kinds):
        raise ValueError(f"{len(paths)} local copies for {len(kinds)} checked inputs")
    lengths = read_fai(fai)
    for item, path in zip(kinds, paths, strict=True):
        if item["kind"] == "vcf":
            limit = LARGE_VCF_RECORDS if item["large"] else None
            check_vcf_against_reference(path, item["what"], lengths, sliced, limit)
        elif item["kind"] == "bed":
            check_bed_against_reference(path, item["what"], lengths)
        else:
            check_gff_against_reference(path, lengths, item["what"])


# ---------------------------------------------------------------------------------------------
# command line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    pair = sub.add_parser("fastq-pair", help="deep check of one unit's R1/R2 (workflow job)")
    pair.add_argument("fq1")
    pair.add_argument("fq2")
    pair.add_argument("--output", type=Path, required=True, help="JSON with the read count")
    ref = sub.add_parser("reference", help="deep check of the reference and all other inputs")
    ref.add_argument("--checked", required=True, help="JSON list: kind, what, large per input")
    ref.add_argument("--sliced", action="store_true", help="config reference.sliced")
    ref.add_argument("--fasta", required=True)
    ref.add_argument("--fai", required=True)
    ref.add_argument("--output", type=Path, required=True)
    ref.add_argument("--inputs", nargs="*", default=None, help="local copies, checked_inputs order")
    allc = sub.add_parser("all", help="every check, as a lab would run before a run")
    allc.add_argument("--config", type=Path, required=True)
    allc.add_argument("--deep", action="store_true", help="also read every FASTQ to the end")
    args = ap.parse_args(argv)
    try:
        if args.command == "fastq-pair":
            n = check_fastq_pair(args.fq1, args.fq2)
            args.output.write_text(json.dumps({"read_pairs": n}) + "\n")
        elif args.command == "reference":
            names = check_reference(args.fasta)
            kinds = json.loads(args.checked)
            check_input_contigs(kinds, args.inputs or [], args.fai, args.sliced)
            args.output.write_text(json.dumps({"contigs": len(names), "status": "ok"}) + "\n")
        else:
            run_all(args.config, args.deep)
    except InputError as err:
        print(f"INPUT ERROR: {err}", file=sys.stderr)
        return 1
    return 0


def validate_config(config: dict, schema: dict) -> None:
    """The config against its schema, with the key path and a hint for misspelt keys."""
    import difflib

    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: e.path)
    if not errors:
        return
    err = errors[0]
    where = ".".join(map(str, err.absolute_path)) or "top level"
    message = err.message
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = list(err.schema.get("properties", {}))
        unknown = [k for k in err.instance if k not in known]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        message = f"unknown key(s) {', '.join(hints)}; allowed: {', '.join(known)}"
    raise InputError(f"config ({where}): {message}")


def _sheet_rule(schema: dict, column: str) -> str:
    """The allowed values of a sheet column, in words, from its schema."""
    prop = schema.get("properties", {}).get(column, {})
    if "enum" in prop:
        return f"allowed: {', '.join(prop['enum'])}"
    ref = prop.get("$ref", "")
    if ref.endswith("/path"):
        return (
            "a path without spaces, quotes or shell characters ($ ` ; & | < > ( ) * ? ! { } [ ] \\)"
        )
    if ref.endswith("/name"):
        return "letters, digits, '_', '-' and '.', starting with a letter or digit"
    if ref.endswith("/field"):
        return "letters, digits, '_', '.', ':', '+' and '-', starting with a letter or digit"
    return ""


UNSAFE_PATH = re.compile(r"[\s'\"`$;&|<>()*?!{}\[\]\\]")


def check_path_text(path: str, what: str) -> None:
    """Paths go into shell commands: no whitespace, quotes or shell metacharacters."""
    if UNSAFE_PATH.search(path):
        raise InputError(
            f"{what} {path!r}: paths with spaces, quotes or shell characters are not supported; "
            "rename the file or folder, or link it under a plain name (ln -s)"
        )


def load_sheets(config: dict, schema_dir: Path):
    """Samples and units sheets read, schema-validated and cross-checked (as the Snakefile does).

    Returns (samples, units, tumour -> normal pairs)."""
    from jsonschema import Draft202012Validator

    from dnaseq.core import sheets

    def validate(df, name: str, path: str) -> None:
        schema = yaml.safe_load((schema_dir / name).read_text())
        for row in df.to_dict("records"):
            line = row.pop("sheet_line")
            record = {k: v for k, v in row.items() if isinstance(v, str)}
            for err in Draft202012Validator(schema).iter_errors(record):
                column = err.path[0] if err.path else None
                if column is None:
                    raise InputError(f"{path}, line {line}: {err.message}")
                value = record[column]
                rule = _sheet_rule(schema, column)
                raise InputError(
                    f"{path}, line {line}, column {column}: value {value!r} is not allowed"
                    f"{f' ({rule})' if rule else ''}"
                )

    samples = sheets.read_sheet(config["samples"], ["sample"])
    validate(samples, "samples.schema.yaml", config["samples"])
    sheets.check_samples(samples, config["samples"])
    units = sheets.read_sheet(config["units"], ["sample", "unit", "fq1", "fq2"])
    validate(units, "units.schema.yaml", config["units"])
    sheets.check_units(units, samples, config["units"])
    pairs = sheets.tumor_normal_pairs(samples, config["samples"])
    return samples, units, pairs


def run_all(config_path: Path, deep: bool) -> None:
    """Every check the workflow runs, in its order: schema, sheets, start-up, then deep."""
    import subprocess
    import tempfile

    from dnaseq.core.config_inputs import SCHEMA, load_schema

    schema = load_schema()
    config = yaml.safe_load(config_path.read_text())
    validate_config(config, schema)
    _samples, units, _pairs = load_sheets(config, SCHEMA.parent)
    check_startup(config, units, schema)
    check_reference(config["reference"]["fasta"])
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "ref.fa"
        with open_text(Path(config["reference"]["fasta"])) as src, open(plain, "w") as dst:
            dst.writelines(src)
        subprocess.run(["samtools", "faidx", str(plain)], check=True)
        check_consistency(config, f"{plain}.fai", schema=schema)
    if deep:
        for row in units.itertuples():
            n = check_fastq_pair(row.fq1, row.fq2)
            print(f"{row.sample} {row.unit}: {n} read pairs")
    print(f"{config_path}: all checks passed")


if __name__ == "__main__":
    sys.exit(main())
