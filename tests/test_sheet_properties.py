"""Every sheet column refuses values outside its grammar, as a property: generated shell
payloads and malformed values for every column of both sheet schemas are start-up errors that
name the file, the line and the column (none reaches a shell)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import REPO, base_config
from dnaseq.core.preflight_sheets import load_sheets
from dnaseq.core.sheets import InputError

SCHEMAS = REPO / "workflow" / "schemas"
PAYLOADS = ["a;touch X", "$(touch X)", "`touch X`", "a b", "a|b", "a>b", "a&b", "'quoted'",
            "a\\b", "-rf", "../x", "a*"]  # fmt: skip
GOOD_SAMPLES = {"sample": "S1", "sex": "female", "patient": "P1", "type": "germline",
                "normal": "", "purity": ""}  # fmt: skip


def columns(schema: str) -> list[str]:
    return list(yaml.safe_load((SCHEMAS / schema).read_text())["properties"])


def write_sheets(tmp: Path, sample_row: dict, unit_row: dict) -> dict:
    fq = REPO / "resources/test/reads"
    units = {"sample": "S1", "unit": "L1", "fq1": str(fq / "SIM01_L001_R1.fastq.gz"),
             "fq2": str(fq / "SIM01_L001_R2.fastq.gz"), "platform": "ILLUMINA",
             "library": "LIB1", "flowcell": "FC1", "lane": "1", **unit_row}  # fmt: skip
    samples = {**GOOD_SAMPLES, **sample_row}
    (tmp / "samples.tsv").write_text("\t".join(samples) + "\n" + "\t".join(samples.values()) + "\n")
    (tmp / "units.tsv").write_text("\t".join(units) + "\n" + "\t".join(units.values()) + "\n")
    cfg = base_config()
    cfg["samples"], cfg["units"] = str(tmp / "samples.tsv"), str(tmp / "units.tsv")
    cfg["validation"] = cfg["validation_sv"] = cfg["validation_somatic"] = {}
    cfg["identity"]["expected"] = {}
    return cfg


def test_the_valid_row_loads(tmp_path):
    samples, units, _ = load_sheets(write_sheets(tmp_path, {}, {}), SCHEMAS)
    assert list(samples["sample"]) == ["S1"] and list(units["unit"]) == ["L1"]


@pytest.mark.parametrize("column", [c for c in columns("samples.schema.yaml") if c != "sample"])
def test_every_samples_column_refuses_values_outside_its_grammar(tmp_path, column):
    for payload in PAYLOADS:
        cfg = write_sheets(tmp_path, {column: payload}, {})
        with pytest.raises(InputError, match=rf"samples\.tsv, line 2, column {column}"):
            load_sheets(cfg, SCHEMAS)


@pytest.mark.parametrize("column", [c for c in columns("units.schema.yaml") if c != "sample"])
def test_every_units_column_refuses_values_outside_its_grammar(tmp_path, column):
    for payload in PAYLOADS:
        if column in ("fq1", "fq2", "bam", "cram") and payload in ("-rf", "../x"):
            continue  # plain relative paths: legal, then checked as files at start-up
        cfg = write_sheets(tmp_path, {}, {column: payload})
        with pytest.raises(InputError, match=rf"units\.tsv, line 2, column {column}"):
            load_sheets(cfg, SCHEMAS)


def test_sample_names_are_checked_in_both_sheets(tmp_path):
    for payload in PAYLOADS:
        cfg = write_sheets(tmp_path, {"sample": payload}, {"sample": payload})
        with pytest.raises(InputError, match=r"samples\.tsv, line 2"):
            load_sheets(cfg, SCHEMAS)
