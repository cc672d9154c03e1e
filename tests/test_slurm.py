"""The smallest scenario that proves it (SIM01: two lanes, germline calling with both callers,
validation) through a real (local, single-node) SLURM with profiles/slurm-test.

Part of `make test` (and so of CI). tests/slurm/local_slurm.sh installs SLURM from Debian and
starts munged/slurmctld/slurmd without systemd; at the end it stops exactly the daemons it
started. One workflow run goes through SLURM in two halves:

1. the run starts; at a moment when an alignment job (a unit's fastp + bwa) is mid-way, the
   RUNNING alignment jobs are killed with `scancel` (what a scheduler does on preemption or a
   wall-time limit). `--retries 0`, so the run has to stop and report it instead of retrying;
2. the same command again: the run completes.

Then: every job went through SLURM (its ID known to slurmctld, COMPLETED, but the cancelled
ones), no truncated BAM/FASTQ was kept, and the variant records equal those of a local run.
Needs root (apt, daemons); set DNASEQ_SLURM_TEST=0 to leave it out of a quick local run.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import (
    CLUSTER_PYTHON,
    REPO,
    make_config,
    snakemake_command,
    tool_env,
    units_table,
    vcf_records,
)

SCRIPT = REPO / "tests/slurm/local_slurm.sh"
SAMPLES = ["SIM01"]
CALLERS = ["bcftools", "freebayes"]
# a unit's fastp + bwa run as one SLURM job (group `alignment`)
VICTIM = "rule_alignment"

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("DNASEQ_SLURM_TEST") == "0", reason="DNASEQ_SLURM_TEST=0 was set"
    ),
    pytest.mark.skipif(
        os.geteuid() != 0, reason="the local SLURM needs root (apt-get, munged, slurmd)"
    ),
]


# session scope: pytest-xdist may interleave this module's tests with others on its worker, and a
# module-scoped fixture would then stop the daemons and start them again mid-way
@pytest.fixture(scope="session")
def local_slurm():
    subprocess.run(["bash", str(SCRIPT), "install"], check=True)
    started = subprocess.run(
        ["bash", str(SCRIPT), "start"], check=False, capture_output=True, text=True
    )
    if started.returncode != 0:
        pytest.fail(f"local SLURM did not start:\n{started.stdout}{started.stderr}", pytrace=False)
    yield
    subprocess.run(["bash", str(SCRIPT), "stop"], check=True)


def queue(states: str = "all") -> dict[str, tuple[str, str]]:
    """SLURM job ID -> (state, comment). The plugin's comment is rule_<rule or group>_..."""
    out = subprocess.run(
        ["squeue", "-h", "-t", states, "-o", "%i|%T|%k"], capture_output=True, text=True, check=True
    ).stdout
    return {i: (state, comment) for i, state, comment in (x.split("|", 2) for x in out.split())}


def cancel_mid_alignment(workdir: Path, submitted_after: int, timeout: float = 900) -> list[str]:
    """scancel every RUNNING alignment job at a moment when one of them is mid-way (a unit's
    trimmed reads are on disk, its BAM is not); return the IDs SLURM reports CANCELLED."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mid_way = [
            r1
            for r1 in (workdir / "results/trimmed").glob("*/*.R1.fastq.gz")
            if not r1.with_name(r1.name.replace(".R1.fastq.gz", ".sorted.bam")).exists()
        ]
        running = [
            job
            for job, (_, comment) in queue("running").items()
            if int(job) > submitted_after and comment.startswith(VICTIM)
        ]
        if mid_way and running:
            subprocess.run(["scancel", *running], check=False)
            for _ in range(60):
                states = {job: queue().get(job, ("", ""))[0] for job in running}
                if not {"RUNNING", "COMPLETING"} & set(states.values()):
                    break
                time.sleep(0.5)
            cancelled = [job for job, state in states.items() if state == "CANCELLED"]
            if cancelled:
                return cancelled
        time.sleep(0.2)
    raise AssertionError("no alignment job could be cancelled while RUNNING")


def intact(path: Path) -> bool:
    """A BAM with its EOF block, a gzip that decompresses to the end."""
    check = ["samtools", "quickcheck"] if path.suffix == ".bam" else ["gzip", "-t"]
    cmd = [*check, str(path)]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def slurm_run(local_slurm, tmp_path_factory):
    """Run, scancel one alignment job mid-way, rerun with the same command; what was seen."""
    workdir = tmp_path_factory.mktemp("slurm")
    units = units_table()
    units = units[units["sample"].isin(SAMPLES)]
    samples = pd.DataFrame({"sample": SAMPLES, "sex": ["unknown"], "type": ["germline"]})
    cfg = make_config(workdir, units=units, samples=samples)
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"] = {s: raw["validation"][s] for s in SAMPLES}
    raw["validation_somatic"] = {}
    # what is compared below; more callers or annotation add jobs, not evidence about SLURM
    raw["calling"]["callers"] = CALLERS
    raw["annotation"]["tool"] = "none"
    # SV, CNV and the clinical reports are more jobs of the same kind (tested locally elsewhere);
    # each stage on the critical path adds a scheduling round trip here, not evidence
    for section in ("sv", "cnv", "report"):
        raw[section]["enabled"] = False
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    cmd = snakemake_command(
        workdir,
        cfg,
        "--profile",
        str(REPO / "profiles/slurm-test"),
        "--retries",
        "0",
        python=CLUSTER_PYTHON,
    )
    last_job = max(map(int, queue()), default=0)
    started = time.time()
    with open(workdir / "first.log", "w") as log:
        first = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=tool_env())
        try:
            victims = cancel_mid_alignment(workdir, last_job)
        finally:
            first.wait(timeout=1800)
    files = [*workdir.glob("results/**/*.bam"), *workdir.glob("results/**/*.fastq.gz")]
    damaged = [str(f) for f in files if not intact(f)]
    without_bam = [
        s for s in SAMPLES if not (workdir / f"results/mapping/samtools/{s}.dedup.bam").exists()
    ]
    second = subprocess.run(cmd, capture_output=True, text=True, env=tool_env(), check=False)
    return {
        "workdir": workdir,
        "first_rc": first.returncode,
        "first_out": (workdir / "first.log").read_text(),
        "victims": victims,
        "damaged_after_cancel": damaged,
        "without_bam_after_cancel": without_bam,
        "second_rc": second.returncode,
        "second_out": second.stdout + second.stderr,
        "wall_seconds": time.time() - started,
    }


def test_cancelled_job_is_detected_and_no_partial_output_kept(slurm_run):
    # the config the daemons ran with is the test's (never a site's own slurm.conf)
    assert "ClusterName=dnaseqtest" in Path("/etc/slurm/slurm.conf").read_text()
    out = slurm_run["first_out"]
    assert slurm_run["first_rc"] != 0, "a run with a cancelled job must not report success"
    for victim in slurm_run["victims"]:
        submitted = out.find(f"SLURM jobid {victim} ")
        assert submitted > 0, out[-3000:]
        assert "Error in group alignment" in out[submitted:], out[-3000:]
    assert "Exiting because a job execution failed" in out
    assert slurm_run["damaged_after_cancel"] == [], "truncated outputs were kept"
    assert slurm_run["without_bam_after_cancel"], "the cancelled sample's BAM must be missing"


def test_rerun_with_same_command_completes_through_slurm_equal_to_local(slurm_run, demo_run):
    out = slurm_run["second_out"]
    assert slurm_run["second_rc"] == 0, out[-4000:]
    workdir = slurm_run["workdir"]
    for sample in slurm_run["without_bam_after_cancel"]:
        assert intact(workdir / f"results/mapping/samtools/{sample}.dedup.bam")
    submitted = set(re.findall(r"SLURM jobid (\d+)", slurm_run["first_out"] + out))
    assert len(submitted) > 10, "jobs must be submitted to SLURM"
    known = queue()
    assert submitted <= set(known), "every submitted job is known to slurmctld"
    states = {job: known[job][0] for job in submitted}
    assert {j for j, s in states.items() if s != "COMPLETED"} == set(slurm_run["victims"]), states
    local_jobs = re.findall(r"localrule (\w+):", slurm_run["first_out"] + out)
    assert set(local_jobs) <= {"all"}, f"only the target rule runs outside SLURM: {local_jobs}"
    for caller in CALLERS:
        for sample in SAMPLES:
            path = f"results/calls/{caller}/{sample}.vcf.gz"
            assert vcf_records(workdir / path) == vcf_records(demo_run / path), path
    summary = "results/validation/summary.tsv"
    local = (demo_run / summary).read_text().splitlines()
    through_slurm = (workdir / summary).read_text().splitlines()
    assert through_slurm == [local[0]] + [
        r for r in local[1:] if r.split("\t")[0] in SAMPLES and r.split("\t")[1] in CALLERS
    ]
    print(
        f"\nSLURM: {len(submitted)} cluster jobs ({len(slurm_run['victims'])} cancelled), "
        f"wall {slurm_run['wall_seconds']:.0f} s for both halves"
    )
