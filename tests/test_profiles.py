"""Every cluster/laptop profile resolves the whole DAG on the test config (dry run).

The profiles deploy software with conda, which is not installable here; `--sdm env-modules`
replaces that for the dry run only (no rule declares env modules, so nothing else changes).
kubernetes and googlebatch need a reachable bucket holding the inputs even for a dry run: they
are dry-run in tests/test_cloud_storage.py against its local S3 server.
"""

import os
import subprocess
import sys

import pytest

from conftest import CLUSTER_PYTHON, REPO, make_config, snakemake


@pytest.mark.parametrize("profile", ["test", "local", "slurm", "slurm-test", "lsf", "sge"])
def test_profile_dry_run(tmp_path, profile):
    cfg = make_config(tmp_path)
    # cluster profiles need the executor plugins, which live in .venv-cluster
    python = sys.executable if profile in ("test", "local") else CLUSTER_PYTHON
    proc = snakemake(
        tmp_path,
        cfg,
        "-n",
        "--profile",
        str(REPO / "profiles" / profile),
        "--sdm",
        "env-modules",
        python=python,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    assert "call_somatic_freebayes" in proc.stdout and "write_manifest" in proc.stdout


def test_local_start_does_not_wait_for_a_scheduler(tmp_path):
    """Local runs and the tests use .venv, which has no executor plugin: a start must not wait
    on `scontrol` (the SLURM plugin asks it, with a 10 s timeout, at every start)."""
    stub = tmp_path / "scontrol"
    stub.write_text("#!/bin/sh\nsleep 60\n")
    stub.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    # a hanging scontrol would hold the start for 10 s; 8 s leaves room for a slow machine
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=8,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip()
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "snakemake-executor-plugin-slurm" not in pip.stdout
