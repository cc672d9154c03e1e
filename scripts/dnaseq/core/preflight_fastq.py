"""Pre-flight checks of FASTQ files: the start of each file at start-up (`check_fastq_head`),
both files of a unit read to the end by the workflow's first jobs (`check_fastq_pair`: gzip
integrity, record structure, qualities, R1/R2 read names and counts)."""

from __future__ import annotations

import gzip
import itertools
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from dnaseq.core.preflight_files import GZIP_MAGIC, check_file
from dnaseq.core.sheets import InputError

QUAL_RANGE = (33, 126)


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
