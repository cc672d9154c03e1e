"""Results follow the content of the inputs, not their modification times: an input replaced by
another with an older time, or two samples' FASTQs swapped with `mv`, redoes what depends on
them (workflow/rules/freshness.smk)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd

from conftest import REPO, make_config, snakemake, units_table
from dnaseq.core.manifest import fingerprint

TARGETS = ["results/qc/preflight/SIM01.L001.fastq_check.json",
           "results/qc/preflight/SIM01.L002.fastq_check.json"]  # fmt: skip


def planned(workdir: Path, cfg: Path) -> dict[str, int]:
    proc = snakemake(workdir, cfg, "-n", *TARGETS, check=True)
    if "Nothing to be done" in proc.stdout + proc.stderr:
        return {}
    table = proc.stdout.split("Job stats:", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.M)}


def test_replaced_and_swapped_fastqs_redo_their_checks(tmp_path):
    reads = tmp_path / "reads"
    reads.mkdir()
    units = units_table()
    units = units[units["sample"] == "SIM01"].copy()
    for column in ("fq1", "fq2"):
        copies = []
        for path in units[column]:
            source = Path(path) if Path(path).is_absolute() else REPO / path
            copies.append(str(shutil.copy2(source, reads / source.name)))
        units[column] = copies
    samples = pd.DataFrame({"sample": ["SIM01"], "sex": ["female"]})
    cfg = make_config(tmp_path, units=units, samples=samples)
    snakemake(tmp_path, cfg, *TARGETS, check=True)
    assert planned(tmp_path, cfg) == {}  # up to date

    # swap the two lanes' files with mv (each keeps its old modification time), as two
    # samples' FASTQs get swapped: every unit's pair stays a valid pair, only the data moved
    for column in ("fq1", "fq2"):
        l1, l2 = units[column]
        os.rename(l1, f"{l1}.tmp")
        os.rename(l2, l1)
        os.rename(f"{l1}.tmp", l2)
    assert planned(tmp_path, cfg) == {"check_fastq_pair": 2, "total": 2}
    snakemake(tmp_path, cfg, *TARGETS, check=True)
    assert planned(tmp_path, cfg) == {}

    # replace L002's pair by other reads with an *older* time (cp -p of an archived copy)
    for column in ("fq1", "fq2"):
        target = Path(units[column].iloc[1])
        before = target.stat()
        shutil.copyfile(units[column].iloc[0], target)
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns - 10**12))
    assert planned(tmp_path, cfg) == {"check_fastq_pair": 1, "total": 1}


def test_fingerprint_samples_large_files(tmp_path, monkeypatch):
    """Large files are fingerprinted from their size and sampled blocks: a change in a sampled
    block (here the middle of the file) or in the size changes it; the same bytes do not."""
    from dnaseq.core import manifest

    monkeypatch.setattr(manifest, "WHOLE_FILE_LIMIT", 1000)
    monkeypatch.setattr(manifest, "SAMPLE_EDGE", 100)
    monkeypatch.setattr(manifest, "SAMPLE_BLOCK", 10)
    big = tmp_path / "big"
    data = bytearray(os.urandom(50_000))
    big.write_bytes(data)
    first = fingerprint(big)
    same = tmp_path / "same"
    same.write_bytes(data)
    assert fingerprint(same) == first
    step = (len(data) - 200) // (manifest.SAMPLE_BLOCKS + 1)
    data[100 + step * 8] ^= 0xFF  # a byte of the 8th sampled block
    big.write_bytes(data)
    assert fingerprint(big) != first
    big.write_bytes(bytes(data) + b"x")
    assert fingerprint(big) != first
