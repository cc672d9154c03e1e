"""The cloud data path for real: inputs and outputs in an S3 bucket.

A local S3-compatible server (moto's server mode, from PyPI) listens on 127.0.0.1 only. The
bundled inputs are uploaded to a bucket; the workflow is launched from a folder that holds only
the config and sheets (no resources/, no results/), with snakemake-storage-plugin-s3 as the
default storage provider. Credentials go through the plugin's environment variables, as the
README recommends, so they never appear on a command line. The kubernetes and googlebatch
profiles, which use exactly these storage settings, are dry-run against the same bucket.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pandas as pd
import pytest
import yaml

from conftest import REPO, SCENARIO, prune_sample_keys, snakemake_command, tool_env, vcf_records

BUCKET = "dnaseq-test"
PREFIX = "run-0001"
KEY = "test-access-key"
SECRET = "test-secret-key-never-logged"
# the kubernetes/googlebatch plugins are installed in their own virtualenv (requirements-cloud.txt)
CLOUD_PYTHON = REPO / ".venv-cluster/bin/python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 with the bundled inputs uploaded; stopped afterwards."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    server = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    for path in sorted((REPO / "resources/test").rglob("*")):
        if path.is_file():
            client.upload_file(str(path), BUCKET, f"{PREFIX}/{path.relative_to(REPO)}")
    yield endpoint, client
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


GERMLINE_CALLERS = ["bcftools"]
SOMATIC_CALLERS = ["freebayes"]
# a tumour/normal pair: every kind of job (the normal also gets germline calls, annotation and
# a report), fewest samples. A second lane and the germline truth comparison use storage as
# every other job does; they run locally in the demo run.
S3_SAMPLES = ["NA12878_T", "NA12878_N"]


def launch_folder(tmp_path: Path) -> Path:
    """Only config/ (the shipped config and sheets, relative paths): every data file must come
    from the bucket."""
    workdir = tmp_path / "launch"
    (workdir / "config").mkdir(parents=True)
    for name in ("samples.tsv", "units.tsv"):
        sheet = pd.read_csv(SCENARIO / name, sep="\t", dtype=str, keep_default_na=False)
        sheet = sheet[sheet["sample"].isin(S3_SAMPLES)]
        sheet.to_csv(workdir / "config" / name, sep="\t", index=False)
    text = (SCENARIO / "config.yaml").read_text()
    cfg = yaml.safe_load(text.replace("tests/scenarios/bundled/", "config/"))
    prune_sample_keys(cfg, set(S3_SAMPLES))
    # the callers whose results are compared below: storage is what this test proves, and every
    # caller's job uses storage the same way
    cfg["calling"]["callers"] = GERMLINE_CALLERS
    cfg["somatic"]["callers"] = SOMATIC_CALLERS
    # SV and CNV jobs read and write storage like every other job: left out for run time
    cfg["sv"]["enabled"] = cfg["cnv"]["enabled"] = False
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return workdir


def storage_env(endpoint: str) -> dict[str, str]:
    return dict(
        tool_env(),
        SNAKEMAKE_STORAGE_S3_ENDPOINT_URL=endpoint,
        SNAKEMAKE_STORAGE_S3_ACCESS_KEY=KEY,
        SNAKEMAKE_STORAGE_S3_SECRET_KEY=SECRET,
    )


def run(
    workdir: Path, endpoint: str, *args: str, python: str = sys.executable
) -> subprocess.CompletedProcess:
    # no local output cache: the bucket is where every output goes
    config = workdir / "config/config.yaml"
    cmd = [python, *snakemake_command(workdir, config, *args, cache=False)[1:]]
    env = storage_env(endpoint)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)


def bucket_keys(client) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX)
    return {o["Key"][len(PREFIX) + 1 :] for page in pages for o in page.get("Contents", [])}


@pytest.mark.parametrize("profile", ["kubernetes", "googlebatch"])
def test_cloud_profile_dry_run_against_the_bucket(s3, tmp_path, profile):
    """The cloud profiles resolve the whole DAG with the inputs in the bucket. Their EDIT
    placeholders (bucket, endpoint) are overridden on the command line; conda is replaced by
    env-modules for the dry run only (conda is not installable here). Runs with .venv-cluster,
    the virtualenv that has their executor plugins."""
    endpoint, _ = s3
    workdir = launch_folder(tmp_path)
    proc = run(
        workdir, endpoint, "-n", "--profile", str(REPO / "profiles" / profile),
        "--sdm", "env-modules", "--default-storage-prefix", f"s3://{BUCKET}/{PREFIX}",
        "--storage-s3-endpoint-url", endpoint, python=str(CLOUD_PYTHON),
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[:6000]
    for rule in ("check_fastq_pair", "map_reads_bwa", "call_somatic_freebayes", "write_manifest"):
        assert rule in proc.stdout, f"{rule} missing from the {profile} dry run"
    assert "(in storage)" in out or "s3://" in out


def test_workflow_with_inputs_and_outputs_in_s3(s3, tmp_path, demo_run):
    endpoint, client = s3
    workdir = launch_folder(tmp_path)
    proc = run(
        workdir, endpoint, "--default-storage-provider", "s3",
        "--default-storage-prefix", f"s3://{BUCKET}/{PREFIX}",
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "Retrieving from storage: s3://" in out and "Storing in storage: s3://" in out

    # every deliverable of the manifest landed in the bucket
    keys = bucket_keys(client)
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    client.download_file(BUCKET, f"{PREFIX}/results/manifest.tsv", str(fetched / "m.tsv"))
    manifest = pd.read_csv(fetched / "m.tsv", sep="\t")
    delivered = manifest.loc[manifest.role == "deliverable", "path"]
    assert len(delivered) > 40
    assert set(delivered) <= keys, set(delivered) - keys
    # the manifest records run-relative paths and the same input checksums as the local run
    # (the sheets are local files of the launch folder: their paths, not the bucket's)
    inputs = manifest.loc[manifest.role == "input"]
    sheets = {"config/samples.tsv", "config/units.tsv"}
    data = inputs[~inputs.path.isin(sheets)]
    assert sheets <= set(inputs.path)
    assert all(p.startswith("resources/test/") for p in data.path), list(data.path)[:3]
    local = pd.read_csv(demo_run / "results/manifest.tsv", sep="\t")
    local_inputs = local[(local.role == "input") & ~local.path.str.endswith("samples.tsv")]
    local_inputs = local_inputs[~local_inputs.path.str.endswith("units.tsv")]
    assert set(data.sha256) <= set(local_inputs.sha256)
    assert {
        "resources/test/somatic/NA12878_S1_spike.tumour.R1.fastq.gz",
        "resources/test/somatic/NA12878_S1_spike.normal.R2.fastq.gz",
    } <= set(data.path)

    # same variant records and validation figures as the local run
    compared = [
        f"results/{kind}/{caller}/{sample}.vcf.gz"
        for kind in ("calls", "annotated/snpeff")
        for caller in GERMLINE_CALLERS
        for sample in ("NA12878_N",)
    ]
    compared += [
        "results/somatic/freebayes/NA12878_T.paired.vcf.gz",
        "results/somatic/freebayes/NA12878_T.tumor_only.vcf.gz",
    ]
    for path in compared:
        target = fetched / path
        target.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(BUCKET, f"{PREFIX}/{path}", str(target))
        assert vcf_records(target) == vcf_records(demo_run / path), path
    for table, callers in (("somatic_summary.tsv", SOMATIC_CALLERS),):
        target = fetched / table
        client.download_file(BUCKET, f"{PREFIX}/results/validation/{table}", str(target))
        local = pd.read_csv(demo_run / "results/validation" / table, sep="\t")
        local = local[local["caller"].isin(callers)]
        if "sample" in local.columns:
            local = local[local["sample"].isin(S3_SAMPLES)]
        local = local.reset_index(drop=True)
        pd.testing.assert_frame_equal(pd.read_csv(target, sep="\t"), local)

    # nothing with patient data stays on the launching machine; only the run record is local
    left = [p for p in workdir.rglob("*") if p.is_file() and p.suffix in (".bam", ".gz", ".bai")]
    assert left == [], left[:5]
    assert not (workdir / "results/calls").exists()
    record = next((workdir / "results/provenance/runs").glob("run-*.json")).read_text()
    assert f"s3://{BUCKET}/{PREFIX}" in record
    for path in [*workdir.rglob("*.log"), *workdir.rglob("*.json")]:
        assert SECRET not in path.read_text(errors="replace"), path

    # a second run with the same command finds everything done in the bucket
    again = run(
        workdir, endpoint, "--default-storage-provider", "s3",
        "--default-storage-prefix", f"s3://{BUCKET}/{PREFIX}", "-n",
    )  # fmt: skip
    assert again.returncode == 0, (again.stdout + again.stderr)[-2000:]
    assert "Nothing to be done" in again.stdout + again.stderr
