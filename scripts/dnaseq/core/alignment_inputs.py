"""Stored alignments (BAM/CRAM) as input: each header read and checked before any job runs.

A units-sheet row may give `bam` or `cram` instead of `fq1`/`fq2`. At start-up every such file
is read up to its header (and its end-of-file marker, which catches a truncated copy):

* samples: every @RG must carry SM and it must be the row's sample; a header without @RG or SM,
  with several SM, or with another sample's SM stops the run naming the file and the tags,
  unless the row sets `sample_override` (the sheet's sample then replaces every SM);
* reference: the @SQ lines (names, lengths, order and M5 checksums) are compared with the
  configured reference, as given and as the workflow's copy (IUPAC codes read as N). A CRAM is
  decoded only with a FASTA whose sequences have the header's M5: the workflow's copy, the file
  the header's UR names, or one listed in `mapping.cram_references`; none matching is an error,
  never a decode against another sequence;
* what happens: with an identical reference (every contig's M5 matches) and
  `mapping.reuse_alignments: true`, the alignment is *reused*: it enters at duplicate marking.
  Otherwise it is *realigned*: every read group becomes a unit of its own (`samtools collate |
  samtools fastq`, then trimming and bwa like any FASTQ unit) keeping its ID, LB, PU and PL, so
  lanes stay apart for duplicate marking and BQSR.

The checksums of the M5s of a reference are cached under .snakemake/ by the file's identity, as
the reference SHA-256 is (dnaseq.core.manifest.cached_sha256).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dnaseq.core.preflight_files import check_file, open_text
from dnaseq.core.sheets import InputError

FORMATS = ("bam", "cram")
# end-of-file markers (SAM/BAM and CRAM specifications): a copy cut short lacks them
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
CRAM3_EOF = bytes.fromhex(
    "0f000000ffffffff0fe0454f4600000000010005bdd94f0001000606010001000100ee63014b"
)
CRAM2_EOF = bytes.fromhex("0b000000ffffffff0fe0454f460000000001000001000606010001000100")
IUPAC = b"RYMKSWBDHV"
# @PG programs whose output has recalibrated base qualities
RECALIBRATORS = ("ApplyBQSR", "PrintReads", "TableRecalibration", "ApplyRecalibration")
TRUE_WORDS = {"yes", "true", "1", "y"}
MAX_LISTED = 5


@dataclass(frozen=True)
class Contig:
    name: str
    length: int
    md5: str | None  # as given (uppercase, whitespace removed: SAM specification 1.3)
    md5_prepared: str | None = None  # the workflow's copy: IUPAC codes as N


@dataclass
class Source:
    """One stored alignment file of the units sheet and what the run does with it."""

    sample: str
    unit: str  # the sheet's unit name
    path: str
    fmt: str  # bam | cram
    line: int
    read_groups: list[dict[str, str]]  # @RG fields, SM already the sheet's sample
    reference: str  # identical | unverified | different
    reference_detail: str
    decode_with: str | None  # CRAM: "prepared" (the workflow's copy) or a FASTA path
    mode: str  # reuse | realign
    reason: str
    override: bool = False
    tagged: bool = True  # the header has @RG lines (else: sample_override, one unit, no -r)
    units: list[str] = field(default_factory=list)  # the run's units made from it

    def describe(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "unit": self.unit,
            "path": self.path,
            "format": self.fmt.upper(),
            "mode": self.mode,
            "reason": self.reason,
            "reference": self.reference,
            "reference_detail": self.reference_detail,
            "decoded_with": self.decode_with or "",
            "sample_override": self.override,
            "read_groups": [rg["ID"] for rg in self.read_groups],
            "units": self.units,
        }


# ------------------------------------------------------------------------------ reading files


def check_eof(path: Path, fmt: str) -> None:
    """A BAM ends with the BGZF EOF block, a CRAM with its EOF container."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        magic = handle.read(6)
        handle.seek(max(0, size - 38))
        tail = handle.read()
    if fmt == "cram":
        if magic[:4] != b"CRAM":
            raise InputError(f"{path}: not a CRAM file (it does not start with 'CRAM')")
        marker = CRAM2_EOF if magic[4] == 2 else CRAM3_EOF
    else:
        if magic[:2] != b"\x1f\x8b":
            raise InputError(f"{path}: not a BAM file (not BGZF-compressed)")
        marker = BGZF_EOF
    if not tail.endswith(marker):
        raise InputError(
            f"{path}: the end-of-file marker is missing: the file is truncated (an incomplete "
            "copy or download); copy it again from the archive and compare its checksum"
        )


def read_header(path: Path, fmt: str) -> dict[str, Any]:
    """The header of a BAM/CRAM as pysam's dict (no reference needed to read it)."""
    import pysam

    check_file(path, fmt.upper())
    check_eof(path, fmt)
    save = pysam.set_verbosity(0)
    try:
        with pysam.AlignmentFile(str(path), "rc" if fmt == "cram" else "rb", check_sq=False) as f:
            return f.header.to_dict()
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot be read as {fmt.upper()} ({err})") from None
    finally:
        pysam.set_verbosity(save)


def header_contigs(header: dict[str, Any]) -> list[Contig]:
    return [
        Contig(sq["SN"], int(sq["LN"]), sq.get("M5", "").lower() or None)
        for sq in header.get("SQ", [])
    ]


def fasta_contigs(fasta: Path) -> list[Contig]:
    """Name, length and M5 of every sequence of a FASTA (plain or gzip), as given and with the
    IUPAC codes as N (what the workflow's copy holds)."""
    contigs: list[Contig] = []
    name, length, given, prepared = None, 0, hashlib.md5(), hashlib.md5()
    table = bytes.maketrans(IUPAC, b"N" * len(IUPAC))

    def close() -> None:
        if name is not None:
            contigs.append(Contig(name, length, given.hexdigest(), prepared.hexdigest()))

    with open_text(fasta) as handle:
        for line in handle:
            if line.startswith(">"):
                close()
                name = line[1:].split()[0] if line[1:].strip() else ""
                length, given, prepared = 0, hashlib.md5(), hashlib.md5()
                continue
            seq = "".join(line.split()).upper().encode()
            length += len(seq)
            given.update(seq)
            prepared.update(seq.translate(table))
    close()
    return contigs


def cached_fasta_contigs(fasta: Path, cache_dir: Path) -> list[Contig]:
    """fasta_contigs, recomputed only when the file may have changed (key: device, inode,
    size, mtime and ctime, as dnaseq.core.manifest.cached_sha256)."""
    st = fasta.stat()
    key = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
    cache = cache_dir / (hashlib.sha256(str(fasta.resolve()).encode()).hexdigest()[:16] + ".json")
    if cache.is_file():
        try:
            stored = json.loads(cache.read_text())
            if stored.get("key") == key:
                return [Contig(*c) for c in stored["contigs"]]
        except (ValueError, KeyError, TypeError):
            pass
    contigs = fasta_contigs(fasta)
    cache_dir.mkdir(parents=True, exist_ok=True)
    rows = [[c.name, c.length, c.md5, c.md5_prepared] for c in contigs]
    cache.write_text(json.dumps({"key": key, "contigs": rows}) + "\n")
    return contigs


# ------------------------------------------------------------------------- reference identity


@dataclass(frozen=True)
class Comparison:
    verdict: str  # identical | unverified | different
    problems: list[str]

    @property
    def detail(self) -> str:
        if self.verdict == "identical":
            return "same contigs, lengths, order and M5 checksums as the configured reference"
        return "; ".join(self.problems)


def compare_with_reference(file_contigs: list[Contig], reference: list[Contig]) -> Comparison:
    """identical: same names, lengths and order, every M5 present and equal to the reference's
    (as given or as the workflow's copy); unverified: the same except that M5s are missing;
    different: anything else, each difference in words (renamed contigs recognised by M5)."""
    by_name = {c.name: c for c in reference}
    by_md5 = {m: c for c in reference for m in (c.md5, c.md5_prepared) if m}
    problems: list[str] = []
    missing_md5 = 0
    for c in file_contigs:
        ref = by_name.get(c.name)
        if ref is None:
            twin = by_md5.get(c.md5 or "")
            if twin is not None:
                problems.append(
                    f"contig {c.name!r} is the reference's {twin.name!r} under another name "
                    "(same M5): the file was made against a renamed copy of the reference"
                )
            else:
                problems.append(f"contig {c.name!r} ({c.length:,} bp) is not in the reference")
            continue
        if c.length != ref.length:
            problems.append(
                f"contig {c.name!r} is {c.length:,} bp in the file, {ref.length:,} bp in the "
                "reference (another build or version)"
            )
        elif c.md5 is None:
            missing_md5 += 1
        elif c.md5 not in (ref.md5, ref.md5_prepared):
            problems.append(
                f"contig {c.name!r} has M5 {c.md5} in the file, {ref.md5} in the reference "
                "(same name and length, different sequence: e.g. masked or patched)"
            )
    names = [c.name for c in file_contigs]
    absent = [c.name for c in reference if c.name not in set(names)]
    if absent and not problems:
        problems.append(
            f"{len(absent)} reference contig(s) not in the file's header ({', '.join(absent[:3])}"
            f"{', ...' if len(absent) > 3 else ''})"
        )
    if not problems and names != [c.name for c in reference]:
        problems.append("the contigs are in another order than in the reference")
    if problems:
        extra = len(problems) - MAX_LISTED
        listed = problems[:MAX_LISTED] + ([f"and {extra} more"] if extra > 0 else [])
        return Comparison("different", listed)
    if missing_md5:
        return Comparison(
            "unverified",
            [
                f"same contig names and lengths, but {missing_md5} of {len(file_contigs)} @SQ "
                "lines carry no M5 checksum: the sequences cannot be proven identical"
            ],
        )
    return Comparison("identical", [])


def decodes_with(file_contigs: list[Contig], candidate: list[Contig]) -> bool:
    """A FASTA can decode a CRAM when it has every contig of the header under the same name
    with the header's M5 (htslib looks sequences up by name and checks the M5)."""
    by_name = {c.name: c for c in candidate}
    return all(
        c.name in by_name and c.md5 is not None and c.md5 == by_name[c.name].md5
        for c in file_contigs
    )


def header_references(header: dict[str, Any]) -> list[str]:
    """The local FASTA paths the @SQ UR fields name (file:// or a plain path), each once."""
    paths = []
    for sq in header.get("SQ", []):
        ur = sq.get("UR", "")
        if ur.startswith("file://"):
            ur = ur[len("file://") :]
        elif ur.startswith("file:"):
            ur = ur[len("file:") :]
        if ur.startswith("/") or (ur and "://" not in ur):
            paths.append(ur)
    return list(dict.fromkeys(paths))


# ------------------------------------------------------------------------------ read groups

SAFE_UNIT = re.compile(r"[^A-Za-z0-9_.-]")


def read_groups(header: dict[str, Any], path: Path, sample: str, override: bool) -> list[dict]:
    """The @RG lines of a header with SM checked against the sheet's sample (or replaced by it
    when the row sets sample_override). Values reach bwa's command line: no tab, newline or
    backslash."""
    groups = [dict(rg) for rg in header.get("RG", [])]
    for rg in groups:
        for tag, value in rg.items():
            if any(ch in str(value) for ch in "\t\n\r\\"):
                raise InputError(
                    f"{path}: @RG {rg.get('ID')!r} tag {tag} has a tab, newline or backslash"
                )
    if override:
        if not groups:
            return [{"ID": sample, "SM": sample}]
        for rg in groups:
            rg["SM"] = sample
        return groups
    hint = "; set sample_override to yes on this row if the file is this sample's"
    if not groups:
        raise InputError(f"{path}: the header has no @RG line, so no SM (sample) tag{hint}")
    without = [rg.get("ID", "?") for rg in groups if not rg.get("SM")]
    if without:
        raise InputError(
            f"{path}: @RG {', '.join(map(repr, without))} has no SM (sample) tag{hint}"
        )
    found = sorted({rg["SM"] for rg in groups})
    if len(found) > 1:
        listing = ", ".join(f"ID {rg['ID']!r} SM {rg['SM']!r}" for rg in groups)
        raise InputError(
            f"{path}: the header names {len(found)} samples ({listing}); one file must hold one "
            f"sample (split it with `samtools split`){hint}"
        )
    if found[0] != sample:
        raise InputError(
            f"{path}: the header's samples are SM {found[0]!r} (@RG "
            f"{', '.join(repr(rg['ID']) for rg in groups)}), the sheet says {sample!r}: "
            f"a swapped file?{hint}"
        )
    return groups


def recalibrated(header: dict[str, Any]) -> bool:
    for pg in header.get("PG", []):
        text = f"{pg.get('ID', '')} {pg.get('PN', '')} {pg.get('CL', '')}"
        if any(name in text for name in RECALIBRATORS):
            return True
    return False


def read_group_line(rg: dict[str, str]) -> str:
    """The @RG line for bwa -R (tabs written as \\t, which bwa expands)."""
    first = ["ID", "SM", "LB", "PL", "PU"]
    tags = [t for t in first if t in rg] + [t for t in rg if t not in first]
    return "\\t".join(["@RG", *(f"{t}:{rg[t]}" for t in tags)])


# ---------------------------------------------------------------------------------- planning


def truthy(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


def plan_source(
    row: dict[str, Any],
    sheet: str,
    reference: list[Contig],
    reuse: bool,
    cram_references: list[str],
    cache_dir: Path,
) -> Source:
    fmt = "bam" if isinstance(row.get("bam"), str) else "cram"
    path = Path(row[fmt])
    where = f"{sheet}, line {row['sheet_line']}"
    override = truthy(row.get("sample_override"))
    try:
        header = read_header(path, fmt)
        groups = read_groups(header, path, row["sample"], override)
    except InputError as err:
        raise InputError(f"{where}: {err}") from None
    contigs = header_contigs(header)
    if not contigs:
        raise InputError(f"{where}: {path}: the header has no @SQ lines (unaligned file?)")
    comparison = compare_with_reference(contigs, reference)
    decode = None
    if fmt == "cram":
        decode = decode_reference(path, header, contigs, reference, cram_references, cache_dir)
        if decode is None:
            named = [
                f"{ur} ({'not indexed, or other sequences' if Path(ur).is_file() else 'not found'})"
                for ur in header_references(header)
            ] or ["no local file"]
            raise InputError(
                f"{where}: {path}: no reference available to decode this CRAM: "
                f"{comparison.detail}. A CRAM is only decoded with the FASTA it was written "
                f"against (same names and M5); the header names {', '.join(named)}. Give that "
                "FASTA (with its .fai) in mapping.cram_references"
            )
    if comparison.verdict != "identical":
        mode, reason = "realign", f"reference not identical: {comparison.detail}"
    elif not reuse:
        mode, reason = "realign", "mapping.reuse_alignments is false"
    elif recalibrated(header):
        mode, reason = "realign", "base qualities already recalibrated (BQSR in the @PG lines)"
    else:
        mode, reason = "reuse", "identical reference and mapping.reuse_alignments"
    return Source(
        sample=row["sample"],
        unit=row["unit"],
        path=str(path),
        fmt=fmt,
        line=int(row["sheet_line"]),
        read_groups=groups,
        reference=comparison.verdict,
        reference_detail=comparison.detail,
        decode_with=decode,
        mode=mode,
        reason=reason,
        override=override,
        tagged=bool(header.get("RG")),
    )


def decode_reference(
    path: Path,
    header: dict[str, Any],
    contigs: list[Contig],
    reference: list[Contig],
    cram_references: list[str],
    cache_dir: Path,
) -> str | None:
    """ "prepared" when the workflow's copy decodes the CRAM, else the first indexed FASTA (the
    header's UR, then mapping.cram_references) whose sequences carry the header's M5s."""
    prepared = [Contig(c.name, c.length, c.md5_prepared) for c in reference]
    if decodes_with(contigs, prepared):
        return "prepared"
    for candidate in [*header_references(header), *cram_references]:
        fasta = Path(candidate)
        if not fasta.is_file() or not Path(f"{fasta}.fai").is_file():
            continue
        if decodes_with(contigs, cached_fasta_contigs(fasta, cache_dir)):
            return str(fasta)
    return None


def unit_names(sheet_unit: str, groups: list[dict[str, str]]) -> list[str]:
    """One unit per read group: the sheet's unit name for a single read group, else
    <unit>.<read group ID> (characters outside letters, digits, _ . - as _)."""
    if len(groups) == 1:
        return [sheet_unit]
    names: list[str] = []
    for rg in groups:
        name = f"{sheet_unit}.{SAFE_UNIT.sub('_', rg['ID'])}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def expand_units(
    units: pd.DataFrame, config: dict, sheet: str, cache_dir: Path
) -> tuple[pd.DataFrame, dict[tuple[str, str], Source]]:
    """The units sheet with every stored alignment planned: realigned files become one row per
    read group (fq1/fq2 empty, `mode` realign, `read_group` the kept @RG line), reused ones a
    row with `mode` reuse; FASTQ rows get `mode` fastq. Returns also (sample, sheet unit) ->
    Source."""
    units = units.copy()
    for column in ("bam", "cram", "sample_override", "fq1", "fq2"):
        if column not in units.columns:
            units[column] = None
    has_alignment = units["bam"].notna() | units["cram"].notna()
    if not has_alignment.any():
        units["mode"], units["source"], units["read_group"] = "fastq", None, None
        return units, {}
    mapping = config.get("mapping", {})
    reference = cached_fasta_contigs(Path(config["reference"]["fasta"]), cache_dir)
    sources: dict[tuple[str, str], Source] = {}
    rows: list[dict[str, Any]] = []
    ids_of: dict[str, set[str]] = {}
    for row in units.to_dict("records"):
        if not (isinstance(row["bam"], str) or isinstance(row["cram"], str)):
            rows.append({**row, "mode": "fastq", "source": None, "read_group": None})
            ids_of.setdefault(row["sample"], set()).add(f"{row['sample']}.{row['unit']}")
            continue
        src = plan_source(
            row,
            sheet,
            reference,
            bool(mapping.get("reuse_alignments")),
            list(mapping.get("cram_references") or []),
            cache_dir,
        )
        sources[(src.sample, src.unit)] = src
        if src.mode == "reuse":
            src.units = [src.unit]
            rows.append({**row, "mode": "reuse", "source": src.unit, "read_group": None})
            continue
        src.units = unit_names(src.unit, src.read_groups)
        taken = ids_of.setdefault(src.sample, set())
        for name, rg in zip(src.units, src.read_groups, strict=True):
            rg = dict(rg)
            if rg["ID"] in taken:  # two files of a sample with the same read group ID
                rg["ID"] = f"{src.unit}.{rg['ID']}"
            taken.add(rg["ID"])
            rows.append(
                {
                    **row,
                    "unit": name,
                    "mode": "realign",
                    "source": src.unit,
                    "read_group": read_group_line(rg),
                    "library": rg.get("LB") or row.get("library"),
                    "platform": rg.get("PL") or row.get("platform"),
                }
            )
    expanded = pd.DataFrame.from_records(rows).astype(object)
    seen: dict[tuple[str, str], int] = {}
    for r in expanded.itertuples():
        key = (r.sample, r.unit)
        if key in seen:
            raise InputError(
                f"{sheet}, line {r.sheet_line}: unit {r.unit!r} of sample {r.sample!r} (made "
                f"from a read group of a stored alignment) clashes with line {seen[key]}; "
                "rename the unit"
            )
        seen[key] = r.sheet_line
    return expanded.where(expanded.notna(), None), sources
