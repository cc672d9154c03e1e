"""Clinical safety: integrity manifest, provenance, identity, faults, determinism, privacy."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import (
    REPO,
    absolute,
    make_config,
    snakemake,
    snakemake_command,
    tool_env,
    units_table,
    vcf_records,
)
from dnaseq.core import manifest, provenance, runlock
from dnaseq.steps import identity

CALLERS = ["bcftools", "freebayes", "octopus"]
RESUME_CALLERS = ["bcftools", "freebayes"]
RESUME_SAMPLES = ["SIM01"]
SAMPLES = ["NA12878", "SIM01"]


# ------------------------------------------------------------------ integrity manifest


def test_manifest_covers_inputs_and_deliverables_and_verifies(demo_run):
    table = pd.read_csv(demo_run / "results/manifest.tsv", sep="\t")
    assert set(table["role"]) == {"input", "deliverable"}
    paths = set(table["path"])
    assert absolute("resources/test/reads/SIM01_L002_R2.fastq.gz") in paths
    assert "results/calls/freebayes/SIM01.vcf.gz" in paths
    assert "results/multiqc/multiqc_report.html" in paths
    assert manifest.verify(demo_run / "results/manifest.tsv") == []
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dnaseq.cli",
            "manifest",
            "verify",
            str(demo_run / "results/manifest.tsv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("OK:")


def test_verify_reports_changed_and_missing_files(tmp_path):
    (tmp_path / "results").mkdir()
    a, b = tmp_path / "results/a.vcf", tmp_path / "results/b.vcf"
    a.write_text("one\n")
    b.write_text("two\n")
    os.chdir(tmp_path)
    manifest.write(tmp_path / "results/manifest.tsv", [], ["results/a.vcf", "results/b.vcf"])
    assert manifest.verify(tmp_path / "results/manifest.tsv") == []
    a.write_text("One\n")  # one changed byte
    b.unlink()
    problems = manifest.verify(tmp_path / "results/manifest.tsv")
    assert problems == [
        "CHANGED  deliverable  results/a.vcf",
        "MISSING  deliverable  results/b.vcf",
    ]


def test_manifest_records_run_relative_names_of_local_copies(tmp_path):
    copy = tmp_path / ".snakemake/storage/s3/bucket/run/results/a.vcf"
    copy.parent.mkdir(parents=True)
    copy.write_text("one\n")
    out = tmp_path / "manifest.tsv"
    manifest.write(out, [], [str(copy)], names=["results/a.vcf"])
    assert out.read_text().splitlines()[1].endswith("\t4\tresults/a.vcf")
    with pytest.raises(ValueError, match="1 names for 2 files"):
        manifest.write(out, [str(copy)], [str(copy)], names=["results/a.vcf"])


# ------------------------------------------------------------------ provenance


def test_provenance_json_and_report(demo_run):
    import json

    prov = json.loads((demo_run / "results/provenance/provenance.json").read_text())
    assert prov["workflow_version"] and prov["snakemake_version"].startswith("9.")
    assert len(prov["reference"]["sha256"]) == 64
    assert prov["config"]["calling"]["callers"] == CALLERS
    bwa = subprocess.run(["bwa"], capture_output=True, text=True, check=False).stderr
    assert prov["tool_versions"]["bwa"]["bwa"] in bwa  # asked from the binary
    runs = list((demo_run / "results/provenance/runs").glob("run-*.json"))
    assert runs, "one record per successful run"
    run = json.loads(runs[0].read_text())
    assert "--configfile" in run["command_line"] and run["finished_utc"]
    html = (demo_run / "results/multiqc/multiqc_report.html").read_text()
    assert "Provenance" in html and prov["reference"]["sha256"] in html


# ------------------------------------------------------------------ sample identity


def test_run_record_command_line_has_no_credentials():
    argv = ["snakemake", "--storage-s3-secret-key", "S3CR3T", "--storage-s3-access-key=AK1",
            "--cores", "2", "--storage-s3-token", "T1", "T2", "--keep-going"]  # fmt: skip
    shown = provenance.redact_secrets(argv)
    assert not {"S3CR3T", "AK1", "T1", "T2"} & set("=".join(shown).split("="))
    assert shown == ["snakemake", "--storage-s3-secret-key", "<redacted>",
                     "--storage-s3-access-key=<redacted>", "--cores", "2",
                     "--storage-s3-token", "<redacted>", "<redacted>", "--keep-going"]  # fmt: skip


def test_identity_judgement_by_lod():
    s = identity.Settings(min_sites=3, min_lod=3)
    het, hom = identity.allele_count_likelihoods(10, 10), identity.allele_count_likelihoods(0, 20)
    norm = [tuple(v / sum(x) for v in x) for x in (het, hom)]
    a = {("c", i): norm[0] for i in range(10)}
    other = {("c", i): norm[0] if i < 5 else norm[1] for i in range(10)}
    n, same_lod = identity.fingerprint_lod(a, dict(a), {})
    assert n == 10 and same_lod > 2.5  # ten matching hets at AF 0.5: log10(2) each
    _, other_lod = identity.fingerprint_lod(a, other, {})
    assert other_lod < -3
    assert identity.judge(n, other_lod, same_person=False, s=s) == "OK"
    assert identity.judge(n, 5.0, same_person=False, s=s).startswith(
        "FAIL: different patients but one person"
    )
    assert identity.judge(n, other_lod, same_person=True, s=s).startswith(
        "FAIL: same patient but two people"
    )
    assert identity.judge(n, 1.0, same_person=True, s=s).startswith("INCONCLUSIVE")
    assert identity.judge(1, 9.0, True, s) == "NOT_COMPARABLE"


def test_sex_inference():
    female = {"chr1": (1000, 1000), "chrX": (500, 500), "chrY": (500, 2)}
    male = {"chr1": (1000, 1000), "chrX": (500, 250), "chrY": (500, 200)}
    assert identity.infer_sex(female, "female")["status"] == "OK"
    assert identity.infer_sex(male, "male")["inferred"] == "male"
    swapped = identity.infer_sex(male, "female")
    assert (
        swapped["status"] == "FAIL" and "reported female, coverage says male" in swapped["reason"]
    )
    skipped = identity.infer_sex({"chr20": (10, 5)}, "female")
    assert skipped["status"] == "SKIPPED" and "no chrX/chrY" in skipped["reason"]


def test_identity_in_demo_run(demo_run):
    table = pd.read_csv(demo_run / "results/qc/identity/concordance.tsv", sep="\t")
    row = table[(table["sample_a"] == "SIM01") & (table["sample_b"] == "expected genotypes")]
    assert row["status"].tolist() == ["OK"] and row["concordance"].iloc[0] >= 0.95
    sex = pd.read_csv(demo_run / "results/qc/identity/sex_check.tsv", sep="\t")
    assert set(sex["status"]) == {"SKIPPED"}  # the test genome has no X/Y


def two_simulated_people(units_swapped: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    samples = pd.DataFrame({"sample": ["SIM01", "SIM02"], "patient": ["P1", "P2"]})
    reads = {
        s: [absolute(f"resources/test/reads/{s}_L001_R{m}.fastq.gz") for m in (1, 2)]
        for s in ("SIM01", "SIM02")
    }
    owner = (
        {"SIM01": "SIM02", "SIM02": "SIM01"}
        if units_swapped
        else {"SIM01": "SIM01", "SIM02": "SIM02"}
    )
    units = pd.DataFrame(
        [
            {"sample": s, "unit": "L001", "fq1": reads[owner[s]][0], "fq2": reads[owner[s]][1]}
            for s in ("SIM01", "SIM02")
        ]
    )
    return samples, units


IDENTITY_ONLY = {
    # identity is judged on fingerprints from the BAMs: one caller, no SV/CNV/annotation/reports
    # (jobs that run in parallel until the identity gate stops the run prove nothing here)
    "annotation": {"tool": "none"},
    "calling": {"callers": ["bcftools"]},
    "sv": {"enabled": False},
    "cnv": {"enabled": False},
    "report": {"enabled": False},
    "validation": {},
    "identity": {
        "expected": {
            s: absolute(f"resources/test/truth/{s}.truth.vcf.gz") for s in ("SIM01", "SIM02")
        }
    },
}


def test_swapped_samples_stop_the_run(tmp_path):
    samples, units = two_simulated_people(units_swapped=True)
    cfg = make_config(tmp_path, IDENTITY_ONLY, units=units, samples=samples)
    proc = snakemake(tmp_path, cfg)
    assert proc.returncode != 0
    table = pd.read_csv(tmp_path / "results/qc/identity/concordance.tsv", sep="\t")
    vs_expected = table[table["sample_b"] == "expected genotypes"]
    assert len(vs_expected) == 2
    assert all(s.startswith("FAIL: same patient but two people") for s in vs_expected["status"])
    assert (vs_expected["lod"] <= -3).all()
    pair = table[table["sample_b"] == "SIM02"]
    assert pair["status"].tolist() == ["OK"]  # two different people, as declared
    log = (tmp_path / "logs/identity/gate.log").read_text()
    assert "SAMPLE IDENTITY CHECK FAILED" in log and "SIM01" in log
    assert not (tmp_path / "results/manifest.tsv").exists()  # nothing released


def test_duplicated_sample_stands_out(tmp_path):
    samples, units = two_simulated_people(units_swapped=False)
    units.loc[1, ["fq1", "fq2"]] = [
        absolute(f"resources/test/reads/SIM01_L002_R{m}.fastq.gz") for m in (1, 2)
    ]  # "SIM02" is really SIM01's other lane
    cfg = make_config(tmp_path, IDENTITY_ONLY, units=units, samples=samples)
    proc = snakemake(tmp_path, cfg)
    assert proc.returncode != 0
    table = pd.read_csv(tmp_path / "results/qc/identity/concordance.tsv", sep="\t")
    pair = table[table["sample_b"] == "SIM02"]
    assert pair["status"].iloc[0].startswith("FAIL: different patients but one person")
    assert pair["concordance"].iloc[0] >= 0.95 and pair["lod"].iloc[0] >= 3
    # the BAMs and VCFs already written must not look final: both samples are marked
    for sample in ("SIM01", "SIM02"):
        marker = (tmp_path / f"results/FAILED/{sample}.identity.txt").read_text()
        assert f"FAILED: {sample}" in marker and f"mapping/samtools/{sample}.dedup.bam" in marker


def test_matching_identities_pass(tmp_path):
    samples, units = two_simulated_people(units_swapped=False)
    cfg = make_config(tmp_path, IDENTITY_ONLY, units=units, samples=samples)
    snakemake(tmp_path, cfg, "--until", "gate_identity", check=True)
    table = pd.read_csv(tmp_path / "results/qc/identity/concordance.tsv", sep="\t")
    assert set(table["status"]) == {"OK"}
    assert table.loc[table["sample_b"] == "SIM02", "concordance"].iloc[0] < 0.7
    assert table.loc[table["sample_b"] == "SIM02", "lod"].iloc[0] <= -3


# ------------------------------------------------------------------ faults and determinism


HOLD_LOCK = """
import sys, time
from pathlib import Path
from dnaseq.core import runlock
runlock.claim(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(600)
"""


def _lock_holder(smk: Path) -> subprocess.Popen:
    """A process that claims the folder's run lock as a run's main process does, and lives."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(smk)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_run_keeps_its_lock_against_any_number_of_starts(tmp_path):
    """The second start is refused and changes nothing, so the third is refused too (it used
    to record its own PID on refusal: the third start then judged the live run's lock stale)."""
    smk = tmp_path / ".snakemake"
    live = _lock_holder(smk)
    (smk / "locks").mkdir(parents=True)  # the live run's own Snakemake lock
    (smk / "locks/0.input.lock").write_text("x")
    try:
        owner = (smk / runlock.LOCK_FILE).read_text()
        for _ in range(3):
            with pytest.raises(runlock.RunActive, match="another run is active"):
                runlock.claim(smk)
            assert (smk / "locks/0.input.lock").exists()
            assert (smk / runlock.LOCK_FILE).read_text() == owner
    finally:
        live.kill()
        live.wait()
    # killed (kill -9 releases the kernel's lock): the next start resumes, clearing the lock
    message = runlock.claim(smk)
    try:
        assert "no longer runs" in message and not (smk / "locks").exists()
    finally:
        runlock.release(smk)


def test_a_lock_left_by_another_host_is_left_to_snakemake(tmp_path):
    smk = tmp_path / ".snakemake"
    (smk / "locks").mkdir(parents=True)
    (smk / "locks/0.input.lock").write_text("x")
    (smk / runlock.LOCK_FILE).write_text("otherhost 999999\n")
    assert runlock.claim(smk) is None
    runlock.release(smk)
    assert (smk / "locks/0.input.lock").exists()


def test_a_second_snakemake_start_is_refused_while_a_run_is_live(tmp_path):
    """Real Snakemake starts against a folder whose run is alive: each is refused at once with
    the live run named, and the live run's Snakemake lock is still there afterwards."""
    cfg = make_config(tmp_path)
    smk = tmp_path / ".snakemake"
    live = _lock_holder(smk)
    (smk / "locks").mkdir(parents=True)  # the live run's own Snakemake lock
    (smk / "locks/0.input.lock").write_text("x")
    try:
        for _ in range(2):
            proc = snakemake(tmp_path, cfg, "--until", "write_resolved_config")
            assert proc.returncode != 0
            assert "another run is active in this folder" in proc.stdout + proc.stderr
            assert (smk / "locks/0.input.lock").exists()
        assert not (tmp_path / "results").exists()
    finally:
        live.kill()
        live.wait()


def _kill_while_a_job_is_writing(proc: subprocess.Popen, workdir: Path) -> None:
    """SIGKILL the run's process group at a moment when a job is running after the first
    duplicate-marked BAM exists. The group is frozen (SIGSTOP) before looking, so a job cannot
    finish between the check and the kill (the race that once made this test flaky)."""
    incomplete = workdir / ".snakemake/incomplete"
    deadline = time.time() + 300
    while True:
        assert proc.poll() is None and time.time() < deadline, "run ended before the kill"
        if list((workdir / "results/mapping").glob("*/*.dedup.bam")):
            os.killpg(proc.pid, signal.SIGSTOP)
            if incomplete.is_dir() and list(incomplete.iterdir()):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return
            os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.05)


def test_kill_9_mid_run_resumes_to_identical_results(tmp_path, demo_run):
    """kill -9 of Snakemake and all its jobs while a job is writing, after the BAM exists; the
    same command resumes, and every variant record equals that of the uninterrupted run
    (determinism). One germline sample: more samples add jobs, not evidence."""
    units = units_table()
    units = units[units["sample"].isin(RESUME_SAMPLES)]
    samples = pd.DataFrame({"sample": RESUME_SAMPLES, "sex": ["unknown"]})
    # two callers and one sample (two lanes) are enough to prove the resume
    cfg = make_config(
        tmp_path,
        {"validation_somatic": {}, "calling": {"callers": RESUME_CALLERS}},
        units=units,
        samples=samples,
    )
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"] = {s: raw["validation"][s] for s in RESUME_SAMPLES}
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    cmd = snakemake_command(tmp_path, cfg, "--rerun-incomplete")
    env = tool_env()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env
    )
    _kill_while_a_job_is_writing(proc, tmp_path)
    resumed = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    assert "Removed the lock of an earlier run" in resumed.stdout + resumed.stderr
    for caller in RESUME_CALLERS:
        for sample in RESUME_SAMPLES:
            for kind in ("calls", "annotated/snpeff"):
                got = vcf_records(tmp_path / f"results/{kind}/{caller}/{sample}.vcf.gz")
                want = vcf_records(demo_run / f"results/{kind}/{caller}/{sample}.vcf.gz")
                assert got == want and len(got) > 10, (kind, caller, sample)
    assert manifest.verify(tmp_path / "results/manifest.tsv") == []
    again = snakemake(tmp_path, cfg, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


# ------------------------------------------------------------------ privacy


def test_results_and_logs_are_not_world_readable(demo_run):
    exposed = [
        str(p)
        for top in ("results", "logs")
        for p in (demo_run / top).rglob("*")
        if p.stat().st_mode & stat.S_IROTH
    ]
    assert exposed == []


def test_logs_hold_no_read_sequences(demo_run):
    import gzip

    reads = set()
    units = pd.read_csv(demo_run / "units.tsv", sep="\t", dtype=str)
    fastqs = [REPO / p for p in [*units["fq1"], *units["fq2"]]]  # absolute stay absolute
    assert len(fastqs) == 2 * len(units) and all(fq.is_file() for fq in fastqs)
    for fq in fastqs:
        with gzip.open(fq, "rt") as handle:
            for i, line in enumerate(handle):
                if i % 4 == 1:
                    reads.add(line[10:40])
                if i > 4000:
                    break
    assert len(reads) > 5000  # every unit's reads, not only some files
    text = "\n".join(p.read_text(errors="replace") for p in (demo_run / "logs").rglob("*.log"))
    assert not [r for r in reads if r in text]


def test_identity_multiqc_tables_are_valid_custom_content(tmp_path):
    """MultiQC reads the `# key: value` header as YAML: a description with a colon once broke
    the whole custom-content module (TMB and provenance sections vanished with it)."""
    rows = [{c: "x" for c in identity.CONCORDANCE_COLUMNS}]
    out = tmp_path / "c_mqc.tsv"
    mqc = {"id": "identity_concordance", "description": "LOD: one person vs two, a: b"}
    identity.write_tsv(out, identity.CONCORDANCE_COLUMNS, rows, mqc)
    header = [line[2:] for line in out.read_text().splitlines() if line.startswith("# ")]
    assert yaml.safe_load("\n".join(header)) == mqc
