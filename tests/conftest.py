"""Shared test helpers: a copy of the bundled scenario's config with absolute paths, and a
Snakemake runner.

Workflow runs happen in temporary working directories, so the tests never touch the results/ of
a developer's own `make demo`.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dnaseq.core.config_inputs import config_inputs

REPO = Path(__file__).resolve().parents[1]
# the bundled test scenario (config + sheets); config/ holds the template a lab copies
SCENARIO = REPO / "tests" / "scenarios" / "bundled"
# the virtualenv with the executor plugins (slurm, lsf, cluster-generic, kubernetes, googlebatch)
CLUSTER_PYTHON = str(REPO / ".venv-cluster" / "bin" / "python")


def absolute(path: str) -> str:
    return path if not path or os.path.isabs(path) else str(REPO / path)


def base_config(scenario: Path = SCENARIO) -> dict:
    with open(scenario / "config.yaml") as handle:
        return yaml.safe_load(handle)


def absolute_inputs(cfg: dict) -> dict:
    """Every input path the config names (the schema marks them) made absolute, so that the
    config works from any working directory."""
    for item in config_inputs(cfg, include_inactive=True):
        node = cfg
        for part in item.location[:-1]:
            node = node[part]
        node[item.location[-1]] = absolute(item.path)
    return cfg


def deep_update(target: dict, updates: dict) -> dict:
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value
    return target


def prune_sample_keys(cfg: dict, names: set[str]) -> None:
    """Sections keyed by sample name keep only the samples of the test's sheet (the workflow
    refuses a key naming no sample, as it must for a lab's typo)."""
    for section in ("validation", "validation_sv", "validation_cnv", "validation_somatic"):
        if isinstance(cfg.get(section), dict):
            cfg[section] = {k: v for k, v in cfg[section].items() if k in names}
    expected = cfg.get("identity", {}).get("expected")
    if isinstance(expected, dict):
        cfg["identity"]["expected"] = {k: v for k, v in expected.items() if k in names}


def make_config(
    workdir: Path,
    overrides: dict | None = None,
    units: pd.DataFrame | None = None,
    samples: pd.DataFrame | None = None,
) -> Path:
    """Write config.yaml + sheets into workdir, with absolute paths to the bundled data."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = absolute_inputs(copy.deepcopy(base_config()))
    if samples is None:
        samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    if units is None:
        units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
        units["fq1"] = units["fq1"].map(absolute)
        units["fq2"] = units["fq2"].map(absolute)
    samples.to_csv(workdir / "samples.tsv", sep="\t", index=False)
    units.to_csv(workdir / "units.tsv", sep="\t", index=False)
    cfg["samples"] = str(workdir / "samples.tsv")
    cfg["units"] = str(workdir / "units.tsv")
    prune_sample_keys(cfg, set(samples["sample"]))  # the base's; overrides are the test's own
    if overrides:
        deep_update(cfg, overrides)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def snakemake_command(
    workdir: Path,
    configfile: Path,
    *args: str,
    python: str = sys.executable,
    cache: bool = True,
) -> list[str]:
    """The Snakemake command line the tests run (2 cores and the greedy scheduler of
    profiles/test unless a profile is given; the bwa index from the session's output cache,
    see pytest_configure, unless cache=False)."""
    cores = [] if any(a == "--profile" for a in args) else ["--cores", "2", "--scheduler", "greedy"]
    use_cache = cache and os.environ.get("DNASEQ_TEST_CACHE")
    cache_args = ["--cache=index_reference_bwa"] if use_cache else []
    return [
        python, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(configfile), *cores, *cache_args, *args,
    ]  # fmt: skip


def tool_env() -> dict[str, str]:
    """Environment with the virtualenv's bin (snakemake, shims) first on PATH."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")


def snakemake(
    workdir: Path,
    configfile: Path,
    *args: str,
    check: bool = False,
    prefix: tuple = (),
    python: str = sys.executable,
    cache: bool = True,
) -> subprocess.CompletedProcess:
    cmd = [*prefix, *snakemake_command(workdir, configfile, *args, python=python, cache=cache)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=tool_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def vcf_records(vcf: Path) -> list[str]:
    """The body lines of a VCF (what runs are compared on: headers hold paths and dates)."""
    return subprocess.run(
        ["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()


def units_table() -> pd.DataFrame:
    """The shipped units sheet with absolute FASTQ paths."""
    units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
    units["fq1"] = units["fq1"].map(absolute)
    units["fq2"] = units["fq2"].map(absolute)
    return units


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """One real run of the workflow on the bundled dataset (both scenarios), shared by the
    end-to-end tests, and by all pytest-xdist workers: the first worker that needs it runs it
    under a file lock, the others wait and read it. Run as `make demo` runs it: without the
    output cache (it builds its own bwa index; Snakemake makes cache entries world-writable,
    and the privacy test reads this run's results)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under pytest-xdist
        workdir = tmp_path_factory.mktemp("demo")
        configfile = make_config(workdir)
        snakemake(workdir, configfile, "--rerun-incomplete", check=True, cache=False)
        return workdir
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    workdir = shared / "demo"
    with FileLock(str(shared / "demo.lock")):
        if not (workdir / "results/manifest.tsv").exists():
            configfile = make_config(workdir)
            snakemake(workdir, configfile, "--rerun-incomplete", check=True, cache=False)
    return workdir


def write_bam(path: Path, reads: list[tuple[str, int, str, int]]) -> Path:
    """A sorted, indexed BAM of (name, 0-based start, sequence, flag) reads on a 200 bp contig
    c1, all-match CIGAR, MAPQ 60, base quality 40 (unit tests of read counting)."""
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c1", "LN": 200}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for name, start, seq, flag in sorted(reads, key=lambda r: r[1]):
            read = pysam.AlignedSegment()
            read.query_name, read.query_sequence, read.flag = name, seq, flag
            read.reference_id, read.reference_start, read.mapping_quality = 0, start, 60
            read.cigar = [(0, len(seq))]
            read.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            bam.write(read)
    pysam.index(str(path))
    return path


def pytest_configure(config):
    """Two settings of the test session (never of `make demo` or the benchmarks, which import
    this module's helpers but not its hooks); the pytest-xdist workers inherit the controller's
    environment.

    1. One Snakemake output cache for the whole session: the bwa index (16 CPU s on the bundled
       reference) is built by the first run that needs it and symlinked by every other, as a
       lab's runs take it from theirs. tests/test_reference_cache.py checks the cache itself
       with a cache of its own; a lab's own SNAKEMAKE_OUTPUT_CACHE is never written.
    2. The JVM tools (snpEff, VarDict, Picard) run 1-3 s each on the test data, mostly starting
       up and compiling; the client compiler and the serial collector take ~40 % less CPU for
       that (the bundled run: 63 -> 37 CPU s of Java, every VCF identical). On a lab's genome,
       long-running Java wants the JVM's defaults. Every JVM notes on stderr that it "Picked up
       JAVA_TOOL_OPTIONS"."""
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        return
    import tempfile

    os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    config._dnaseq_cache = tempfile.mkdtemp(prefix="dnaseq-test-cache-")
    os.environ["DNASEQ_TEST_CACHE"] = os.environ["SNAKEMAKE_OUTPUT_CACHE"] = config._dnaseq_cache


def pytest_unconfigure(config):
    cache = getattr(config, "_dnaseq_cache", None)
    if cache:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)


# The longest files first: the SLURM and S3 runs (several minutes each, partly waiting on a
# scheduler or a storage server) then start at once on their own workers instead of last
# (`make test` passes --no-loadscope-reorder: xdist would otherwise send the files with the
# most tests first, and these two have only 2-3 tests each). Then the files that do not read the
# shared demo run, so that no worker waits for the demo run's lock while there is other work.
SLOW_FILES = ("test_slurm.py", "test_cloud_storage.py")


def pytest_collection_modifyitems(session, config, items):
    reads_demo = {item.path for item in items if "demo_run" in item.fixturenames}
    items.sort(key=lambda item: (item.path.name not in SLOW_FILES, item.path in reads_demo))


# DNASEQ_TEST_CPU=FILE: append "test <tab> wall s <tab> CPU s <tab> worker <tab> start (epoch s)"
# per test (CPU: the worker's own plus every subprocess it waited for: Snakemake runs and their
# jobs; the timeline shows which worker waits on what), to find what makes
# `make test` slow (benchmarks/README.md). Off by default.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    target = os.environ.get("DNASEQ_TEST_CPU")
    if not target:
        yield
        return
    import resource
    import time

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    started, wall, spent = time.time(), time.perf_counter(), cpu()
    yield
    worker = os.environ.get("PYTEST_XDIST_WORKER", "-")
    with open(target, "a") as out:
        out.write(
            f"{item.nodeid}\t{time.perf_counter() - wall:.1f}\t{cpu() - spent:.1f}"
            f"\t{worker}\t{started:.0f}\n"
        )
