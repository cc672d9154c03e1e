"""Bad config and sheets are rejected at start-up (dry run), with a message naming the problem."""

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import make_config, snakemake, units_table


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"calling": {"callers": ["bcftools", "deepvariant"]}}, "'deepvariant' is not one of"),
        ({"calling": {"scatter": 0}}, "0 is less than the minimum of 1"),
        ({"calling": {"callers": []}}, "should be non-empty"),
        ({"mapping": {"markdup": "sambamba"}}, "'sambamba' is not one of"),
        ({"annotation": {"tool": "annovar"}}, "'annovar' is not one of"),
        ({"targets": {"padding": -5}}, "-5 is less than the minimum of 0"),
        (
            {"validation": {"OTHER": {"truth_vcf": "x.vcf.gz"}}},
            "'confident_bed' is a required property",
        ),
        # a caller the run does not run: refused at start-up, not a missing-input error later
        (
            {"somatic": {"callers": ["lofreq", "vardict"], "tmb": {"caller": "freebayes"}}},
            "somatic.tmb.caller 'freebayes' is not one of the somatic call sets",
        ),
    ],
)
def test_config_schema_rejects(tmp_path, overrides, message):
    proc = snakemake(tmp_path, make_config(tmp_path, overrides), "-n")
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def test_unknown_sample_in_units_names_file_and_line(tmp_path):
    units = units_table()
    units.loc[1, "sample"] = "SIM02"
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert (
        "units.tsv, line 3: sample 'SIM02' is not in the sample sheet" in proc.stdout + proc.stderr
    )


def test_unsafe_sample_name_is_rejected(tmp_path):
    samples = pd.DataFrame({"sample": ["NA12878", "SIM01; rm -rf x"]})
    units = units_table()
    units.loc[units["sample"] == "SIM01", "sample"] = "SIM01; rm -rf x"
    proc = snakemake(tmp_path, make_config(tmp_path, samples=samples, units=units), "-n")
    assert proc.returncode != 0
    assert (
        "samples.tsv, line 3, column sample: value 'SIM01; rm -rf x' is not allowed"
        in proc.stdout + proc.stderr
    )


def test_bad_platform_in_units_is_rejected(tmp_path):
    units = units_table()
    units.loc[0, "platform"] = "SANGER"
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert (
        "units.tsv, line 2, column platform: value 'SANGER' is not allowed (allowed: ILLUMINA"
        in proc.stdout + proc.stderr
    )


def test_missing_fastq_stops_before_any_job(tmp_path):
    units = units_table()
    units.loc[0, "fq1"] = str(tmp_path / "absent_R1.fastq.gz")
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert "absent_R1.fastq.gz" in proc.stdout + proc.stderr
    assert "file not found" in proc.stdout + proc.stderr


# ---------------------------------------------------------------- option strings never run as shell

SHELL_PAYLOADS = ["$(touch INJECTED)", "`touch INJECTED`", "-x 1; touch INJECTED",
                  "-x 1 && touch INJECTED", "-x 1 | tee INJECTED", "-x 1 > INJECTED",
                  "-x '1", "-x 1\ntouch INJECTED"]  # fmt: skip


def test_every_extra_option_string_refuses_shell_syntax():
    """Property over every `*_extra`/`extra` key of the bundled config and every payload: a
    start-up InputError naming the key; plain options come back quoted word by word."""
    from conftest import base_config
    from dnaseq.core.preflight_schema import option_keys, quote_option_strings
    from dnaseq.core.sheets import InputError

    keys = option_keys(base_config())
    assert len(keys) >= 12  # fastp, bwa, bcftools x2, freebayes, octopus, gatk, somatic, sv, ...
    for key in keys:
        for payload in SHELL_PAYLOADS:
            cfg = base_config()
            node = cfg
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            node[last] = payload
            with pytest.raises(InputError, match=re.escape(f"config ({key})")):
                quote_option_strings(cfg)
    cfg = base_config()
    cfg["trimming"]["fastp_extra"] = "--length_required 36 --adapter_sequence 'AGATC GG'"
    quote_option_strings(cfg)
    assert cfg["trimming"]["fastp_extra"] == "--length_required 36 --adapter_sequence 'AGATC GG'"


@pytest.mark.parametrize(
    "payload", ["--length_required 36 $(touch INJECTED)", "-l 36; touch INJECTED"]
)
def test_injected_option_string_stops_the_run_before_any_job(tmp_path, payload):
    cfg = make_config(tmp_path, {"trimming": {"fastp_extra": payload}})
    proc = snakemake(tmp_path, cfg, "--until", "trim_reads_fastp")
    assert proc.returncode != 0
    assert "config (trimming.fastp_extra)" in proc.stdout + proc.stderr
    assert "shell syntax" in proc.stdout + proc.stderr
    assert not (tmp_path / "INJECTED").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"validation": {"NA12787": {"truth_vcf": "x.vcf.gz", "confident_bed": "x.bed"}}},
            "config (validation): sample 'NA12787' is not in the sample sheet",
        ),
        ({"identity": {"expected": {"SIM1": "x.vcf.gz"}}}, "did you mean 'SIM01'?"),
        (
            {"validation_somatic": {"NA12878_N": {"truth_vcf": "x.vcf.gz", "eval_bed": "x.bed"}}},
            "config (validation_somatic): 'NA12878_N' is a normal sample",
        ),
        (
            {"validation_sv": {"NA12878_T": {"truth_vcf": "x.vcf.gz", "eval_bed": "x.bed"}}},
            "config (validation_sv): 'NA12878_T' is a tumor sample",
        ),
    ],
)
def test_every_config_key_naming_a_sample_is_resolved(tmp_path, overrides, message):
    """A truth set or expected genotypes under a name no sample has (a typo) used to be ignored
    without a word, its files still listed in the manifest as inputs."""
    proc = snakemake(tmp_path, make_config(tmp_path, overrides), "-n")
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def test_header_only_bed_is_a_start_up_error(tmp_path):
    """Used to fail in bcftools after a minute of work."""
    bed = tmp_path / "targets.bed"
    bed.write_text("track name=panel\n#chrom\tstart\tend\n")
    proc = snakemake(tmp_path, make_config(tmp_path, {"somatic": {"targets": str(bed)}}), "-n")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert f"{bed}: no interval (only header or comment lines)" in out
    assert "config somatic.targets" in out


def test_tumour_without_any_target_bed_is_a_start_up_error(tmp_path):
    """Used to end in a Python traceback (IsADirectoryError in the CNV settings check)."""
    cfg = make_config(tmp_path, {"somatic": {"targets": ""}, "targets": {"bed": ""}})
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "tumour sample(s) NA12878_T but no target BED" in out
    assert "Traceback" not in out and "IsADirectoryError" not in out


def test_python_steps_run_without_the_virtualenv_on_path(tmp_path):
    """`.venv/bin/snakemake` run from a shell without the virtualenv on PATH (as the README shows
    for .venv-cluster): the job shells still run the Python steps with Snakemake's interpreter
    (the reference check imports pysam, which the system's python3 does not have)."""
    import os
    import subprocess
    import sys

    from conftest import snakemake_command

    venv_bin = str(Path(sys.executable).parent)
    path = ":".join(p for p in os.environ["PATH"].split(":") if p != venv_bin)
    # the tools the reference check's rules need (samtools) stay reachable
    env = dict(os.environ, PATH=path)
    cfg = make_config(tmp_path)
    cmd = snakemake_command(tmp_path, cfg, "results/qc/preflight/reference.json")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "ModuleNotFoundError" not in proc.stdout + proc.stderr
