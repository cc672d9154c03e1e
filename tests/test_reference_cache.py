"""The bwa index is built once and shared between runs through Snakemake's between-workflow
output cache (`--cache` with SNAKEMAKE_OUTPUT_CACHE), keyed on the reference's content."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import make_config, snakemake_command, tool_env


def build_index(workdir: Path, cache: Path) -> str:
    cfg = make_config(workdir)
    cmd = snakemake_command(workdir, cfg, "--cache", "--until", "index_reference_bwa")
    env = dict(tool_env(), SNAKEMAKE_OUTPUT_CACHE=str(cache))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc.stdout + proc.stderr


def test_second_run_takes_the_bwa_index_from_the_cache(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    first = build_index(tmp_path / "run1", cache)
    assert "to cache" in first and "bwa index" in first
    second = build_index(tmp_path / "run2", cache)
    assert "Symlinking output file results/reference/genome.fa.bwt from cache" in second
    assert "[bwa_index]" in (tmp_path / "run1/logs/reference/bwa_index.log").read_text()
    log2 = tmp_path / "run2/logs/reference/bwa_index.log"
    assert not log2.exists() or "[bwa_index]" not in log2.read_text(), "bwa index ran again"
    for ext in (".amb", ".ann", ".bwt", ".pac", ".sa"):
        a = tmp_path / f"run1/results/reference/genome.fa{ext}"
        b = tmp_path / f"run2/results/reference/genome.fa{ext}"
        assert b.is_symlink() and a.read_bytes() == b.read_bytes()
