"""Pre-flight checks of the reference and of every BED/VCF/GFF3 input against its contigs (catches
`chr20` vs `20` and inputs of another build): cheap ones at start-up, the whole files in the
workflow's reference-check job."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from dnaseq.core.config_inputs import ConfigInput, config_inputs
from dnaseq.core.preflight_files import check_file, open_text
from dnaseq.core.sheets import InputError


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


LARGE_VCF_RECORDS = 10_000  # records read from resources too big to read to the end


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
