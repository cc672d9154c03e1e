"""The version probes must read real versions from the installed binaries."""

import re
import subprocess

import pytest
import yaml

from dnaseq.core import versions


@pytest.mark.parametrize(
    "env", ["samtools", "bcftools", "bwa", "fastp", "freebayes", "mosdepth", "snpeff"]
)
def test_version_probe_reads_installed_tool(env):
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", versions.version_shell(env)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parsed = yaml.safe_load(out)
    assert set(parsed) == set(versions.ENV_TOOLS[env])
    for version in parsed.values():
        assert re.match(r"^\d+\.\d+", version), out


def test_unknown_env_is_an_error():
    with pytest.raises(KeyError):
        versions.version_shell("nonexistent")
