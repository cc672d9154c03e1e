"""The test dataset through a real (local, single-node) SLURM with profiles/slurm-test.

Opt-in, because it installs and starts SLURM daemons and takes ~15 minutes on 2 cores:
`make test-slurm` (sets DNASEQ_SLURM_TEST=1). It starts munged/slurmctld/slurmd with
tests/slurm/local_slurm.sh, runs the workflow, checks that every job went through SLURM and that
the variant records equal those of a local run, and stops exactly the daemons it started.
"""

import os
import re
import subprocess

import pytest

from conftest import REPO, make_config, snakemake, vcf_records

SCRIPT = REPO / "tests/slurm/local_slurm.sh"

pytestmark = pytest.mark.skipif(
    os.environ.get("DNASEQ_SLURM_TEST") != "1",
    reason="real SLURM test is opt-in: run `make test-slurm` (installs and starts SLURM daemons)",
)


@pytest.fixture(scope="module")
def local_slurm():
    subprocess.run(["bash", str(SCRIPT), "install"], check=True)
    subprocess.run(["bash", str(SCRIPT), "start"], check=True)
    yield
    subprocess.run(["bash", str(SCRIPT), "stop"], check=True)


def test_workflow_through_slurm_equals_local_run(local_slurm, tmp_path, demo_run):
    cfg = make_config(tmp_path)
    proc = snakemake(tmp_path, cfg, "--profile", str(REPO / "profiles/slurm-test"))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    slurm_ids = set(re.findall(r"SLURM jobid (\d+)", out))
    assert len(slurm_ids) > 10, "jobs must be submitted to SLURM"
    queue = subprocess.run(
        ["squeue", "-h", "-t", "all", "-o", "%i %T"], capture_output=True, text=True, check=True
    ).stdout
    known = {line.split()[0]: line.split()[1] for line in queue.splitlines()}
    assert slurm_ids <= set(known), "every submitted job is known to slurmctld"
    assert {known[i] for i in slurm_ids} == {"COMPLETED"}
    local_jobs = re.findall(r"localrule (\w+):", out)
    assert set(local_jobs) <= {"all"}, f"only the target rule runs outside SLURM: {local_jobs}"
    for caller in ("bcftools", "freebayes"):
        for sample in ("NA12878", "SIM01"):
            path = f"results/calls/{caller}/{sample}.vcf.gz"
            assert vcf_records(tmp_path / path) == vcf_records(demo_run / path)
    path = "results/somatic/freebayes/NA12878_T.paired.vcf.gz"
    assert vcf_records(tmp_path / path) == vcf_records(demo_run / path)
