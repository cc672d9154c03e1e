"""Pre-flight checks of the samples and units sheets: read, validated against their schemas
(file, line, column and the allowed values in words), cross-checked; paths free of shell
characters."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dnaseq.core.sheets import InputError


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
    units = sheets.read_sheet(config["units"], ["sample", "unit"])
    validate(units, "units.schema.yaml", config["units"])
    sheets.check_units(units, samples, config["units"])
    pairs = sheets.tumor_normal_pairs(samples, config["samples"])
    check_sample_keys(config, samples, config["samples"])
    return samples, units, pairs


# config sections whose keys are sample names -> the sample types they may name
SAMPLE_KEYED = {
    "validation": ("germline", "normal"),
    "validation_sv": ("germline",),
    "validation_cnv": ("tumor", "normal"),
    "validation_somatic": ("tumor",),
    "identity.expected": ("germline", "normal", "tumor"),
}


def check_sample_keys(config: dict, samples, sheet: str) -> None:
    """Every config key that names a sample names one of the sheet, of a type the section is
    for: a typo used to drop the truth set (or the expected genotypes) without a word."""
    import difflib

    from dnaseq.core import sheets

    types = sheets.sample_types(samples)
    for section, allowed in SAMPLE_KEYED.items():
        node = config
        for part in section.split("."):
            node = node.get(part) or {} if isinstance(node, dict) else {}
        for name in node:
            if name not in types:
                close = difflib.get_close_matches(str(name), list(types), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise InputError(
                    f"config ({section}): sample {name!r} is not in the sample sheet {sheet}{hint}"
                )
            if types[name] not in allowed:
                raise InputError(
                    f"config ({section}): {name!r} is a {types[name]} sample; this section is "
                    f"for {' and '.join(allowed)} samples"
                )
