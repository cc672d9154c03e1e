"""Run the GATK and VEP paths for real where the tools are installed (conda users, CI images
with them); skipped with the reason otherwise. On this project's Debian CI neither exists."""

import shutil
import subprocess

import pytest

from conftest import make_config, snakemake


@pytest.mark.skipif(
    shutil.which("gatk") is None, reason="gatk is not on PATH (not packaged for Debian/PyPI)"
)
def test_gatk_path_runs(tmp_path):
    cfg = make_config(
        tmp_path, {"calling": {"callers": ["gatk"], "scatter": 2}, "annotation": {"tool": "none"}}
    )
    snakemake(tmp_path, cfg, check=True)
    for sample in ("NA12878", "SIM01"):
        vcf = tmp_path / f"results/calls/gatk/{sample}.vcf.gz"
        out = subprocess.run(
            ["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True, check=True
        )
        assert out.stdout.count("\n") > 10


@pytest.mark.skipif(
    shutil.which("vep") is None, reason="vep is not on PATH (not packaged for Debian/PyPI)"
)
def test_vep_path_runs(tmp_path):
    cfg = make_config(tmp_path, {"annotation": {"tool": "vep"}})
    snakemake(tmp_path, cfg, check=True)
    header = subprocess.run(
        ["bcftools", "view", "-h", str(tmp_path / "results/annotated/bcftools/SIM01.vcf.gz")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "##INFO=<ID=CSQ" in header
