"""Unit tests for dnaseq.core.sheets: sheet cross-checks, read groups, filter commands."""

from pathlib import Path

import pytest

from dnaseq.core import sheets


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path, samples_text, units_text):
    s_path = write(tmp_path, "samples.tsv", samples_text)
    u_path = write(tmp_path, "units.tsv", units_text)
    samples = sheets.read_sheet(s_path, ["sample"])
    sheets.check_samples(samples, s_path)
    units = sheets.read_sheet(u_path, ["sample", "unit", "fq1", "fq2"])
    sheets.check_units(units, samples, u_path)
    return samples, units


UNITS_HEADER = "sample\tunit\tfq1\tfq2\n"


def test_valid_sheets_with_two_lanes(tmp_path):
    samples, units = load(
        tmp_path,
        "sample\tsex\n# a comment\nS1\tfemale\n",
        UNITS_HEADER + "S1\tL1\ta1.fq.gz\ta2.fq.gz\nS1\tL2\tb1.fq.gz\tb2.fq.gz\n",
    )
    assert list(samples["sample"]) == ["S1"]
    assert list(units["unit"]) == ["L1", "L2"]
    assert list(samples["sheet_line"]) == [3]  # comment line counted as in a text editor


def test_duplicate_sample_names_the_line(tmp_path):
    with pytest.raises(
        sheets.InputError, match=r"samples.tsv, line 3: sample 'S1' already defined on line 2"
    ):
        load(tmp_path, "sample\nS1\nS1\n", UNITS_HEADER + "S1\tL1\ta\tb\n")


@pytest.mark.parametrize("bad", ["../x", "a/b", "a b", "a;rm", "-x", "a$b"])
def test_unsafe_sample_names_are_rejected(tmp_path, bad):
    with pytest.raises(sheets.InputError, match="line 2: sample name .* is not allowed"):
        load(tmp_path, f"sample\n{bad}\n", UNITS_HEADER + f"{bad}\tL1\ta\tb\n")


def test_unit_of_unknown_sample(tmp_path):
    with pytest.raises(
        sheets.InputError, match="units.tsv, line 3: sample 'S2' is not in the sample sheet"
    ):
        load(tmp_path, "sample\nS1\n", UNITS_HEADER + "S1\tL1\ta\tb\nS2\tL1\tc\td\n")


def test_duplicate_unit(tmp_path):
    with pytest.raises(
        sheets.InputError, match="line 3: unit 'L1' of sample 'S1' already defined on line 2"
    ):
        load(tmp_path, "sample\nS1\n", UNITS_HEADER + "S1\tL1\ta\tb\nS1\tL1\tc\td\n")


def test_fastq_used_twice(tmp_path):
    with pytest.raises(sheets.InputError, match="FASTQ a is already used on line 2"):
        load(tmp_path, "sample\nS1\nS2\n", UNITS_HEADER + "S1\tL1\ta\tb\nS2\tL1\ta\td\n")


def test_sample_without_units(tmp_path):
    with pytest.raises(sheets.InputError, match="no units for sample\\(s\\) S2"):
        load(tmp_path, "sample\nS1\nS2\n", UNITS_HEADER + "S1\tL1\ta\tb\n")


def test_missing_column(tmp_path):
    with pytest.raises(sheets.InputError, match="missing column\\(s\\) fq2"):
        load(tmp_path, "sample\nS1\n", "sample\tunit\tfq1\nS1\tL1\ta\n")


def test_read_group_with_flowcell_and_lane():
    rg = sheets.read_group(
        {
            "sample": "S1",
            "unit": "L2",
            "library": "lib",
            "platform": "ILLUMINA",
            "flowcell": "FC",
            "lane": "2",
        }
    )
    assert rg == "@RG\\tID:S1.L2\\tSM:S1\\tLB:lib\\tPL:ILLUMINA\\tPU:FC.2.S1"


def test_read_group_defaults():
    assert sheets.read_group({"sample": "S1", "unit": "u"}) == (
        "@RG\\tID:S1.u\\tSM:S1\\tLB:S1\\tPL:ILLUMINA\\tPU:S1.u"
    )


def test_soft_filter_command_chains_filters_and_quotes():
    cmd = sheets.soft_filter_command(
        [
            {"name": "LowQual", "expression": "QUAL<20"},
            {"name": "Odd", "expression": "INFO/X='a'"},
        ]
    )
    assert cmd == (
        "bcftools filter -Ou --mode + --soft-filter LowQual --exclude 'QUAL<20' | "
        "bcftools filter -Ou --mode + --soft-filter Odd --exclude 'INFO/X='\\''a'\\'''"
    )
    assert sheets.soft_filter_command([]) == "bcftools view -Ou"
