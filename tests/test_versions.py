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


def probe(env: str, path: str | None = None) -> dict:
    import os

    env_vars = dict(os.environ, PATH=path) if path else None
    cmd = ["bash", "-euo", "pipefail", "-c", versions.version_shell(env)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env_vars).stdout
    return yaml.safe_load(out)


@pytest.mark.parametrize(
    ("env", "own_command"),
    [
        ("cnvkit", "cnvkit.py version"),
        ("multiqc", "multiqc --version"),
        ("truvari", "truvari version"),
        ("tiddit", "tiddit --help | head -n 1"),
    ],
)
def test_package_metadata_probe_matches_the_tools_own_answer(env, own_command):
    """The cheap probe (package metadata read by the script's own interpreter) gives the
    version the tool itself prints."""
    cmd = ["bash", "-c", own_command]
    answer = subprocess.run(cmd, capture_output=True, text=True, check=False)
    own = answer.stdout + answer.stderr
    got = probe(env)[env]
    assert re.match(r"^\d+\.\d+", got) and got in own, (got, own)


def test_package_probe_falls_back_to_the_tools_own_command(tmp_path):
    """A tool that is a shell script (or a Python script without package metadata) answers
    through its own version command."""
    import os

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "multiqc").write_text("#!/bin/sh\necho 'multiqc, version 9.8.7'\n")
    (bin_dir / "truvari").write_text(
        "#!/usr/bin/env python3\nimport sys\nprint('Truvari v7.6.5')\n"
    )
    for tool in ("multiqc", "truvari"):
        (bin_dir / tool).chmod(0o755)
    path = f"{bin_dir}:{os.environ['PATH']}"
    assert probe("multiqc", path) == {"multiqc": "9.8.7"}
    # /usr/bin/env python3 has no truvari package: its own `truvari version`
    assert probe("truvari", f"{bin_dir}:/usr/bin:/bin") == {"truvari": "7.6.5"}
