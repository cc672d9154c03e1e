"""Bad input that used to get through: shell injection from sheets, paths with spaces, no usable
reads, Phred+64, R2 = R1, a replaced reference, overlapping targets, misspelt config keys,
Excel/Latin-1 sheets, and the pre-flight command agreeing with the run. Each case asserts the
verdict and the message a lab sees."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, make_config, snakemake, units_table
from dnaseq.steps import tmb

SIM01 = ["SIM01"]


def sim01_only(tmp_path: Path, overrides: dict | None = None, units=None) -> Path:
    """SIM01 alone (germline, two lanes): the smallest real scenario."""
    units = units_table() if units is None else units
    units = units[units["sample"] == "SIM01"]
    samples = pd.DataFrame({"sample": SIM01, "sex": ["unknown"], "type": ["germline"]})
    cfg = make_config(tmp_path, overrides, units=units, samples=samples)
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"] = {"SIM01": raw["validation"]["SIM01"]}
    raw["validation_somatic"] = {}
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    return cfg


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


# ------------------------------------------------------------------ security: sheets and paths


@pytest.mark.parametrize("column", ["unit", "library", "flowcell", "lane"])
@pytest.mark.parametrize(
    "value", ["FC1'$(touch pwned)'", "FC`touch pwned`", "FC1; touch pwned", "O'Neil lib 1"]
)
def test_sheet_text_never_reaches_a_shell(tmp_path, column, value):
    units = units_table()
    units.loc[0, column] = value
    cfg = make_config(tmp_path, units=units)
    proc = snakemake(tmp_path, cfg)  # a real run: nothing may execute
    assert proc.returncode != 0
    assert f"units.tsv, line 2, column {column}: value {value!r} is not allowed" in output(proc)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert not (tmp_path / "results").exists()  # stopped before any job


def test_tab_inside_a_cell_is_rejected(tmp_path):
    cfg = make_config(tmp_path)
    sheet = tmp_path / "units.tsv"
    lines = sheet.read_text().splitlines()
    lines[1] = lines[1] + "\textra"
    sheet.write_text("\n".join(lines) + "\n")
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    assert "units.tsv, line 2: 9 tab-separated cells, the header has 8" in output(proc)


def test_paths_with_spaces_are_rejected_at_start(tmp_path):
    share = tmp_path / "Run 2024"
    share.mkdir()
    units = units_table()
    for col in ("fq1", "fq2"):
        target = share / Path(units.loc[1, col]).name
        shutil.copy(units.loc[1, col], target)
        units.loc[1, col] = str(target)
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert "units.tsv, line 3, column fq1: value" in output(proc)
    assert "a path without spaces, quotes or shell characters" in output(proc)
    ref = share / "genome.fa.gz"
    shutil.copy(REPO / "resources/test/reference/test_genome.fa.gz", ref)
    proc = snakemake(tmp_path, make_config(tmp_path, {"reference": {"fasta": str(ref)}}), "-n")
    assert proc.returncode != 0
    assert "reference FASTA (config reference.fasta)" in output(proc)
    assert "paths with spaces, quotes or shell characters are not supported" in output(proc)


# ------------------------------------------------------------------ silent garbage


def test_no_usable_reads_fails_the_sample_with_numbers(tmp_path):
    """Every read is dropped by trimming (101 bp reads, minimum length 200): the sample FAILs
    with the numbers; no VCF and no manifest are delivered, and its results are marked."""
    cfg = sim01_only(
        tmp_path,
        {"trimming": {"fastp_extra": "--length_required 200"}, "annotation": {"tool": "none"}},
    )
    proc = snakemake(tmp_path, cfg)
    assert proc.returncode != 0
    log = (tmp_path / "logs/qc/gate/SIM01.require.log").read_text()
    assert "SAMPLE QC FAILED: SIM01 has too little usable data" in log
    assert "reads left after trimming (all units): 0 (minimum 1000)" in log
    verdict = json.loads((tmp_path / "results/qc/gate/SIM01.verdict.json").read_text())
    assert verdict["verdict"] == "FAIL"
    assert not list((tmp_path / "results").glob("calls/*/SIM01.vcf.gz"))
    assert not (tmp_path / "results/manifest.tsv").exists()
    marker = (tmp_path / "results/FAILED/SIM01.qc.txt").read_text()
    assert "FAILED: SIM01" in marker and "mapping/samtools/SIM01.dedup.bam" in marker


def phred64_copy(src: str, dst: Path) -> None:
    with gzip.open(src, "rt") as fin, gzip.open(dst, "wt") as fout:
        for i, line in enumerate(fin):
            if i % 4 == 3:
                line = "".join(chr(min(ord(c) + 31, 126)) for c in line.rstrip("\n")) + "\n"
            fout.write(line)


def test_phred64_qualities_are_rejected(tmp_path):
    units = units_table()
    for col in ("fq1", "fq2"):
        target = tmp_path / f"p64_{col}.fastq.gz"
        phred64_copy(units.loc[1, col], target)
        units.loc[1, col] = str(target)
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert "units.tsv, line 3: FASTQ" in output(proc)
    assert "base qualities look Phred+64" in output(proc)


def test_r2_copy_of_r1_is_rejected_before_alignment(tmp_path):
    units = units_table()
    copy = tmp_path / "copy_R2.fastq.gz"
    shutil.copy(units.loc[1, "fq1"], copy)
    units.loc[1, "fq2"] = str(copy)
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "--until", "check_fastq_pair")
    assert proc.returncode != 0
    log = (tmp_path / "logs/preflight/fastq_pair/SIM01.L001.log").read_text()
    assert "have identical R1 and R2 sequences" in log and "looks like a copy of" in log


def test_replaced_reference_redoes_everything_after_it(tmp_path):
    """A reference replaced at the same path with an older modification time: its checksum,
    not its mtime, decides; manifest and provenance name the same checksum."""
    ref = tmp_path / "ref.fa"
    subprocess.run(
        f"gzip -dc {REPO}/resources/test/reference/test_genome.fa.gz > {ref}", shell=True,
        check=True,
    )  # fmt: skip
    cfg = sim01_only(tmp_path, {"reference": {"fasta": str(ref)}})
    snakemake(tmp_path, cfg, "--until", "index_reference_faidx", check=True)
    lines = ref.read_text().splitlines()
    old_mtime = ref.stat().st_mtime - 3600
    lines[1] = ("C" if lines[1][0] != "C" else "G") + lines[1][1:]  # one base changed
    ref.write_text("\n".join(lines) + "\n")
    os.utime(ref, (old_mtime, old_mtime))  # older than every result: mtime says "current"
    proc = snakemake(tmp_path, cfg, "-n", "--until", "index_reference_faidx")
    assert "prepare_reference" in proc.stdout, "a changed reference must be prepared again"
    assert "Params have changed" in proc.stdout


def test_overlapping_targets_do_not_inflate_tmb_territory(tmp_path):
    """The same panel given with every target listed twice (overlapping) gives the same merged
    territory, so TMB and per-gene lengths cannot change."""
    from dnaseq.steps.intervals import merge_named_targets

    panel = REPO / "resources/test/panel/synthetic_panel_targets.chr20_10Mb.bed"
    doubled = tmp_path / "doubled.bed"
    lines = [x for x in panel.read_text().splitlines() if x.strip()]
    shifted = []
    for line in lines:
        f = line.split("\t")
        shifted.append("\t".join([f[0], str(int(f[1]) + 5), f[2], *f[3:]]))
    doubled.write_text("\n".join(lines + shifted) + "\n")
    lengths = {"chr20": 64_444_167, "chr21": 46_709_983}
    once = merge_named_targets(panel, lengths)
    twice = merge_named_targets(doubled, lengths)
    assert [(c, s, e) for c, s, e, _ in once] == [(c, s, e) for c, s, e, _ in twice]
    assert sum(e - s for _, s, e, _ in twice) < sum(
        int(x.split("\t")[2]) - int(x.split("\t")[1]) for x in lines + shifted
    )
    assert tmb.in_targets({"chr20": [(s, e) for _, s, e, _ in twice]}, "chr20", once[0][1] + 1)


# ------------------------------------------------------------------ config and sheets


def test_misspelt_config_key_is_rejected_with_a_hint(tmp_path):
    cfg = make_config(tmp_path)
    raw = yaml.safe_load(cfg.read_text())
    raw["target"] = raw.pop("targets")
    cfg.write_text(yaml.safe_dump(raw))
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    assert "unknown key(s) 'target' (did you mean 'targets'?)" in output(proc)
    raw["targets"] = raw.pop("target")
    raw["targets"]["bedd"] = raw["targets"].pop("bed")
    cfg.write_text(yaml.safe_dump(raw))
    proc = snakemake(tmp_path, cfg, "-n")
    assert "config (targets): unknown key(s) 'bedd' (did you mean 'bed'?)" in output(proc)


def test_excel_sheet_with_blank_tab_rows_and_crlf_is_read(tmp_path):
    cfg = make_config(tmp_path)
    sheet = tmp_path / "samples.tsv"
    rows = sheet.read_text().splitlines()
    sheet.write_bytes(("\r\n".join(rows[:2] + ["\t\t\t\t"] + rows[2:] + ["\t\t\t\t", ""])).encode())
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode == 0, output(proc)[-2000:]


def test_latin1_sheet_is_rejected_with_line_and_how_to_fix(tmp_path):
    cfg = make_config(tmp_path)
    sheet = tmp_path / "samples.tsv"
    text = sheet.read_text().replace("NA12878\tfemale\tNA12878\t", "NA12878\tfemale\tNA12878\t", 1)
    lines = text.splitlines()
    lines.insert(1, "# patient Øyvind, ward 3")
    sheet.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    assert "samples.tsv, line 2: not UTF-8 text (byte 0xd8 at column 11)" in output(proc)
    assert "save the sheet as UTF-8" in output(proc)


def test_bad_somatic_targets_bed_stops_at_start(tmp_path):
    bed = tmp_path / "panel.bed"
    bed.write_text("chr20\t10000100\t10000200\tGENE_1\nchr20\t10000500\t10000400\tGENE_2\n")
    proc = snakemake(tmp_path, make_config(tmp_path, {"somatic": {"targets": str(bed)}}), "-n")
    assert proc.returncode != 0
    assert "somatic target BED" in output(proc) and "line 2: bad interval" in output(proc)
    assert "Traceback" not in output(proc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resources": {"default": {"threads": "four"}}}, "'four' is not of type 'integer'"),
        ({"target": {"bed": ""}}, "did you mean 'targets'?"),
    ],
)
def test_preflight_command_runs_the_workflows_checks(tmp_path, change, message):
    cfg = make_config(tmp_path)
    raw = yaml.safe_load(cfg.read_text())
    for key, value in change.items():
        if key in raw and isinstance(value, dict):
            for k, v in value.items():
                raw[key][k] = {**raw[key][k], **v} if isinstance(v, dict) else v
        else:
            raw[key] = value
    cfg.write_text(yaml.safe_dump(raw))
    proc = subprocess.run(
        [sys.executable, "-m", "dnaseq.cli", "preflight", "all", "--config", str(cfg)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr
    run = snakemake(tmp_path, cfg, "-n")
    assert run.returncode != 0 and message in output(run)


def test_fingerprint_sites_in_other_naming_are_named_as_the_cause(tmp_path):
    sites = tmp_path / "sites.vcf"
    text = subprocess.run(
        ["bcftools", "view", str(REPO / "resources/test/identity/fingerprint_sites.vcf.gz")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    sites.write_text(text.replace("chr20\t", "20\t").replace("ID=chr20", "ID=20"))
    subprocess.run(["bgzip", "-f", str(sites)], check=True)
    subprocess.run(["tabix", "-p", "vcf", f"{sites}.gz"], check=True)
    cfg = make_config(tmp_path, {"identity": {"sites": f"{sites}.gz"}})
    proc = snakemake(tmp_path, cfg, "--until", "check_reference_inputs")
    assert proc.returncode != 0
    log = (tmp_path / "logs/preflight/reference.log").read_text()
    assert "fingerprint sites VCF" in log and "the reference calls it 'chr20'" in log


def test_too_few_shared_fingerprint_sites_names_the_sites_not_a_swap(tmp_path, capsys):
    from dnaseq.steps import identity

    header = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr20,length=1000>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{}\n"
    )
    for name in ("TUM", "NOR"):
        body = "".join(f"chr20\t{p}\t.\tA\tG\t50\t.\t.\tGT:DP\t0/1:30\n" for p in (10, 20))
        (tmp_path / f"{name}.vcf").write_text(header.format(name) + body)
    rc = identity.main(
        ["pair", "--tumor", f"TUM={tmp_path / 'TUM.vcf'}", "--normal",
         f"NOR={tmp_path / 'NOR.vcf'}", "--output", str(tmp_path / "out.tsv")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 1
    assert "IDENTITY CHECK NOT POSSIBLE" in err and "share only 2 fingerprint sites" in err
    assert "not that the samples are swapped" in err and "identity.sites" in err


def test_truncated_sites_vcf_is_a_message_not_a_traceback(tmp_path):
    src = REPO / "resources/test/identity/fingerprint_sites.vcf.gz"
    data = src.read_bytes()
    cut = tmp_path / "sites.vcf.gz"
    cut.write_bytes(data[: len(data) // 2])
    proc = subprocess.run(
        [sys.executable, "-m", "dnaseq.cli", "preflight", "all", "--config",
         str(make_config(tmp_path, {"identity": {"sites": str(cut)}}))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "INPUT ERROR: fingerprint sites VCF" in proc.stderr
    assert "Traceback" not in proc.stderr
