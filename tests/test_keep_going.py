"""One sample's failure never stops the others: a sample whose FASTQ is truncated in the middle
(the start-up check reads only its head) fails its deep check; the other sample's calls are
complete, the run exits non-zero, and results/FAILED/run-summary.tsv says who failed and why."""

from __future__ import annotations

import shutil

import pandas as pd

from conftest import REPO, make_config, snakemake
from dnaseq.core import failures


def test_a_failing_sample_does_not_stop_the_other(tmp_path):
    reads = tmp_path / "reads"
    reads.mkdir()
    source = REPO / "resources/test/reads"
    good = {k: str(shutil.copy(source / f"SIM01_L001_{k}.fastq.gz", reads)) for k in ("R1", "R2")}
    broken_r1 = reads / "BROKEN_R1.fastq.gz"
    shutil.copy(source / "SIM01_L002_R1.fastq.gz", broken_r1)
    data = (source / "SIM01_L002_R2.fastq.gz").read_bytes()
    broken_r2 = reads / "BROKEN_R2.fastq.gz"
    broken_r2.write_bytes(data[: len(data) // 2])  # cut in the middle, as a failed copy
    samples = pd.DataFrame({"sample": ["SIM01", "BROKEN"], "sex": ["female", "female"]})
    units = pd.DataFrame({
        "sample": ["SIM01", "BROKEN"], "unit": ["L1", "L1"],
        "fq1": [good["R1"], str(broken_r1)], "fq2": [good["R2"], str(broken_r2)],
    })  # fmt: skip
    cfg = make_config(
        tmp_path / "run",
        {"calling": {"callers": ["bcftools"]}, "annotation": {"tool": "none"},
         "sv": {"enabled": False}},
        units=units, samples=samples,
    )  # fmt: skip
    run = tmp_path / "run"
    targets = [f"results/calls/bcftools/{s}.vcf.gz" for s in ("SIM01", "BROKEN")]
    proc = snakemake(run, cfg, "--keep-going", *targets)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (run / targets[0]).is_file() and not (run / targets[1]).exists()
    summary = pd.read_csv(run / "results/FAILED/run-summary.tsv", sep="\t")
    assert list(summary["sample"]) == ["BROKEN"]
    assert list(summary["rule"]) == ["check_fastq_pair"]
    assert "truncated" in summary["reason"].iloc[0] or "corrupt" in summary["reason"].iloc[0]
    assert "FAILED: 1 job(s) of 1 sample(s): BROKEN" in out


def test_the_log_parser_reads_every_failed_job():
    log = (
        "[Thu Dec  3 10:00:00 2026]\nError in rule call_sv_delly:\n    jobid: 5\n"
        "    input: results/mapping/samtools/S1.dedup.bam\n"
        "    log: logs/sv/delly/S1.log (check log file(s) for error details)\n"
        "    wildcards: sample=S1\nShutting down\n"
        "Error in rule check_tumor_normal_identity:\n    wildcards: tumor=T1\n"
        "    log: logs/somatic/identity/T1.log (check log file(s) for error details)\n"
    )
    jobs = failures.failed_jobs(log)
    assert [(j["rule"], failures.sample_of(j), j["log"]) for j in jobs] == [
        ("call_sv_delly", "S1", "logs/sv/delly/S1.log"),
        ("check_tumor_normal_identity", "T1", "logs/somatic/identity/T1.log"),
    ]


def test_the_sample_is_found_in_the_paths_when_the_log_has_no_wildcards():
    job = {"rule": "check_fastq_pair", "wildcards": "", "log": "logs/x/NA12878_T.L1.log",
           "output": "results/qc/preflight/NA12878_T.L1.fastq_check.json"}  # fmt: skip
    assert failures.sample_of(job, ["NA12878", "NA12878_T", "T"]) == "NA12878_T"
    assert failures.sample_of({"output": "results/manifest.tsv"}, ["NA12878"]) == "(run)"
