"""Sample sheet logic shared by the Snakefile and the scripts: loading, cross-checks, read groups.

Kept free of Snakemake so it can be imported and unit-tested on its own. Schema validation (types,
required columns, allowed values) is done by the JSON schemas in workflow/schemas/; this module adds
the checks a schema cannot express and turns every problem into a `InputError` that names the
file, the line and what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class InputError(ValueError):
    """A problem in a sample sheet, units sheet or config, with a message for a lab technician."""


def read_sheet(path: str | Path, index: list[str]) -> pd.DataFrame:
    """Read a tab-separated sheet as strings, with the spreadsheet line number of every row.

    Empty cells become missing; '#' lines and blank lines (also lines of only tabs, as Excel
    writes them) are skipped; Windows line endings and a UTF-8 byte-order mark are accepted.
    A sheet that is not UTF-8 is rejected with the line and how to re-save it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    text_lines = []
    for number, line in enumerate(lines, start=1):
        try:
            text_lines.append(line.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as err:
            raise InputError(
                f"{path}, line {number}: not UTF-8 text (byte {line[err.start]:#x} at column "
                f"{err.start + 1}); save the sheet as UTF-8 (Excel: 'Save as' > "
                "'CSV UTF-8' / 'Unicode Text', LibreOffice: character set 'Unicode (UTF-8)')"
            ) from None
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text_lines, start=1):
        line = line.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append((number, [cell.strip() for cell in line.split("\t")]))
    if not rows:
        raise InputError(f"{path}: the sheet is empty (no header line)")
    (_, header), body = rows[0], rows[1:]
    missing = [c for c in index if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} in the header line")
    records = []
    for number, cells in body:
        if len(cells) > len(header) and any(cells[len(header) :]):
            raise InputError(
                f"{path}, line {number}: {len(cells)} tab-separated cells, the header has "
                f"{len(header)}"
            )
        cells = (cells + [""] * len(header))[: len(header)]
        records.append({h: (c if c else None) for h, c in zip(header, cells, strict=True)})
    df = pd.DataFrame.from_records(records, columns=header).astype(object)
    df["sheet_line"] = [number for number, _ in body]
    return df


def check_name(value: str, what: str, path: str | Path, line: int) -> None:
    if not isinstance(value, str) or not SAFE_NAME.match(value):
        raise InputError(
            f"{path}, line {line}: {what} {value!r} is not allowed; use letters, digits, "
            "'_', '-' and '.', starting with a letter or digit (it becomes part of file names)"
        )


def check_samples(samples: pd.DataFrame, path: str | Path) -> None:
    """Cross-row checks on the sample sheet."""
    seen: dict[str, int] = {}
    for row in samples.itertuples():
        check_name(row.sample, "sample name", path, row.sheet_line)
        if row.sample in seen:
            raise InputError(
                f"{path}, line {row.sheet_line}: sample {row.sample!r} already defined on line "
                f"{seen[row.sample]}"
            )
        seen[row.sample] = row.sheet_line


def check_units(units: pd.DataFrame, samples: pd.DataFrame, path: str | Path) -> None:
    """Cross-row checks on the units sheet: known samples, unique units, FASTQs used once."""
    known = set(samples["sample"])
    seen_units: dict[tuple[str, str], int] = {}
    seen_fastq: dict[str, int] = {}
    for row in units.itertuples():
        check_name(row.unit, "unit name", path, row.sheet_line)
        if row.sample not in known:
            raise InputError(
                f"{path}, line {row.sheet_line}: sample {row.sample!r} is not in the sample sheet"
            )
        key = (row.sample, row.unit)
        if key in seen_units:
            raise InputError(
                f"{path}, line {row.sheet_line}: unit {row.unit!r} of sample {row.sample!r} "
                f"already defined on line {seen_units[key]}"
            )
        seen_units[key] = row.sheet_line
        files = unit_files(row, path)
        kind = "FASTQ" if len(files) == 2 else "stored alignment"
        for file in files:
            real = str(Path(file).resolve())
            if real in seen_fastq:
                raise InputError(
                    f"{path}, line {row.sheet_line}: {kind} {file} is already used on line "
                    f"{seen_fastq[real]}; every FASTQ or stored alignment belongs to exactly "
                    "one unit"
                )
            seen_fastq[real] = row.sheet_line
    without_units = sorted(known - set(units["sample"]))
    if without_units:
        raise InputError(f"{path}: no units for sample(s) {', '.join(without_units)}")


def unit_files(row, path: str | Path) -> list[str]:
    """The input files of one units-sheet row: fq1 and fq2, or one stored alignment (bam or
    cram column), never both or neither."""
    fq = [getattr(row, c, None) for c in ("fq1", "fq2")]
    stored = [(c, getattr(row, c, None)) for c in ("bam", "cram")]
    stored = [(c, v) for c, v in stored if isinstance(v, str)]
    given = [v for v in fq if isinstance(v, str)]
    where = f"{path}, line {row.sheet_line}"
    if stored and given:
        raise InputError(
            f"{where}: gives both FASTQ ({'fq1' if fq[0] else 'fq2'}) and a stored alignment "
            f"({stored[0][0]}); one unit is either a FASTQ pair or a BAM/CRAM"
        )
    if len(stored) > 1:
        raise InputError(f"{where}: gives both bam and cram; one file per row")
    if stored:
        return [stored[0][1]]
    if len(given) != 2:
        raise InputError(
            f"{where}: {'fq2' if fq[0] else 'fq1'} is empty; give fq1 and fq2 (paired-end), "
            "or a stored alignment in the bam or cram column"
        )
    if Path(fq[0]).resolve() == Path(fq[1]).resolve():
        raise InputError(f"{where}: fq1 and fq2 are the same file")
    return given


def read_group(unit: dict[str, str | None]) -> str:
    """The @RG line for one unit: ID unique per sample+unit, SM sample, LB, PL, PU.

    PU is flowcell.lane.sample when flowcell and lane are given (GATK's recommendation), else
    sample.unit. LB defaults to the sample name, PL to ILLUMINA.
    """
    sample, name = unit["sample"], unit["unit"]
    library = unit.get("library") or sample
    platform = unit.get("platform") or "ILLUMINA"
    if unit.get("flowcell") and unit.get("lane"):
        pu = f"{unit['flowcell']}.{unit['lane']}.{sample}"
    else:
        pu = f"{sample}.{name}"
    fields = [f"ID:{sample}.{name}", f"SM:{sample}", f"LB:{library}", f"PL:{platform}", f"PU:{pu}"]
    return "\\t".join(["@RG", *fields])


def soft_filter_command(filters: list[dict[str, str]], bcftools: str = "bcftools") -> str:
    """A chain of `bcftools filter` calls that set FILTER to each name whose expression is true.

    Records failing no filter get PASS. Empty list: `bcftools view` (passes records through).
    """
    if not filters:
        return f"{bcftools} view -Ou"
    parts = []
    for f in filters:
        expr = f["expression"].replace("'", "'\\''")
        parts.append(f"{bcftools} filter -Ou --mode + --soft-filter {f['name']} --exclude '{expr}'")
    return " | ".join(parts)


def column_values(samples: pd.DataFrame, column: str, default: str | None) -> dict[str, str]:
    """sample -> value of an optional sheet column; empty cells (or no column) give `default`,
    or the sample name itself when default is None."""
    values = samples[column] if column in samples.columns else [None] * len(samples)
    return {
        s: (v if isinstance(v, str) else (s if default is None else default))
        for s, v in zip(samples["sample"], values, strict=True)
    }


def sample_types(samples: pd.DataFrame) -> dict[str, str]:
    """sample -> germline | tumor | normal (germline when not given)."""
    return column_values(samples, "type", "germline")


def patients(samples: pd.DataFrame) -> dict[str, str]:
    """sample -> patient (the sample itself when not given)."""
    return column_values(samples, "patient", None)


def reported_sexes(samples: pd.DataFrame) -> dict[str, str]:
    """sample -> female | male | unknown."""
    return column_values(samples, "sex", "unknown")


def tumor_normal_pairs(samples: pd.DataFrame, path: str | Path) -> dict[str, str | None]:
    """tumour -> its matched normal, or None (tumour-only), checking the somatic sheet rules.

    A tumour's normal is the `normal` column when given (`none` forces tumour-only), else the
    normal of the same patient. At most one normal per patient; a named normal must exist, be of
    type normal and belong to the same patient.
    """
    types, owner = sample_types(samples), patients(samples)
    lines = dict(zip(samples["sample"], samples["sheet_line"], strict=True))
    normals: dict[str, str] = {}
    for s, t in types.items():
        if t != "normal":
            continue
        if owner[s] in normals:
            raise InputError(
                f"{path}, line {lines[s]}: patient {owner[s]!r} already has a normal "
                f"({normals[owner[s]]!r}, line {lines[normals[owner[s]]]}); one normal per patient"
            )
        normals[owner[s]] = s
    named = (
        dict(zip(samples["sample"], samples["normal"], strict=True))
        if "normal" in samples.columns
        else {}
    )
    pairs: dict[str, str | None] = {}
    for s, t in types.items():
        if t != "tumor":
            continue
        choice = named.get(s)
        if not isinstance(choice, str) or not choice:
            pairs[s] = normals.get(owner[s])
            continue
        if choice == "none":
            pairs[s] = None
            continue
        where = f"{path}, line {lines[s]}: tumour {s!r}"
        if choice not in types:
            raise InputError(f"{where}: its normal {choice!r} is not in the sample sheet")
        if types[choice] != "normal":
            raise InputError(f"{where}: its normal {choice!r} has type {types[choice]!r}")
        if owner[choice] != owner[s]:
            raise InputError(
                f"{where} (patient {owner[s]!r}): its normal {choice!r} belongs to patient "
                f"{owner[choice]!r}"
            )
        pairs[s] = choice
    return pairs
