"""Every cluster/laptop profile resolves the whole DAG on the test config (dry run).

The profiles deploy software with conda, which is not installable here; `--sdm env-modules`
replaces that for the dry run only (no rule declares env modules, so nothing else changes).
kubernetes and googlebatch need a reachable bucket holding the inputs even for a dry run: they
are dry-run in tests/test_cloud_storage.py against its local S3 server.
"""

import pytest

from conftest import REPO, make_config, snakemake


@pytest.mark.parametrize("profile", ["test", "local", "slurm", "slurm-test", "lsf", "sge"])
def test_profile_dry_run(tmp_path, profile):
    cfg = make_config(tmp_path)
    proc = snakemake(
        tmp_path, cfg, "-n", "--profile", str(REPO / "profiles" / profile), "--sdm", "env-modules"
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    assert "call_somatic_freebayes" in proc.stdout and "write_manifest" in proc.stdout
