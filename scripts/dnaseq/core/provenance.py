#!/usr/bin/env python3
"""Provenance of a run: workflow and Snakemake versions, resolved config, reference checksum and
the versions of the tools that ran (as the binaries reported them).

Writes a JSON for the results folder and a MultiQC custom-content section, so the report shows
which workflow version, reference and software produced it. The command line of each run is
added by the Snakefile's `onsuccess` handler (`write_run_record`), one JSON per run.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from dnaseq.core.manifest import sha256


def workflow_version(basedir: str | Path) -> str:
    """`git describe` of the workflow checkout, or a clear 'unknown' outside git."""
    try:
        out = subprocess.run(
            ["git", "-C", str(basedir), "describe", "--always", "--tags", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def tool_versions(files: list[Path]) -> dict[str, dict[str, str]]:
    """{env: {tool: version}} from the *_mqc_versions.yml files."""
    out = {}
    for f in sorted(files):
        env = f.name.replace("_mqc_versions.yml", "")
        out[env] = {k: str(v) for k, v in (yaml.safe_load(f.read_text()) or {}).items()}
    return out


def build(
    config_json: Path,
    reference: Path,
    versions: list[Path],
    workflow: str,
    snakemake_version: str,
) -> dict:
    config = json.loads(config_json.read_text())
    return {
        "workflow_version": workflow,
        "snakemake_version": snakemake_version,
        "reference": {"path": str(reference), "sha256": sha256(reference)},
        "config_sha256": sha256(config_json),
        "config": config,
        "tool_versions": tool_versions(versions),
    }


def multiqc_section(prov: dict) -> str:
    rows = [
        ("Workflow version", prov["workflow_version"]),
        ("Snakemake", prov["snakemake_version"]),
        ("Reference", prov["reference"]["path"]),
        ("Reference SHA-256", prov["reference"]["sha256"]),
        ("Config SHA-256", prov["config_sha256"]),
        ("Callers", ", ".join(prov["config"]["calling"]["callers"])),
        ("Annotation", prov["config"]["annotation"]["tool"]),
    ]
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows
    )
    section = {
        "id": "provenance",
        "section_name": "Provenance",
        "description": "Workflow version, reference and configuration that produced this report.",
        "plot_type": "html",
        "data": f'<table class="table table-condensed">{cells}</table>',
    }
    return yaml.safe_dump(section, sort_keys=False)


SECRET_OPTION = re.compile(r"^--[\w-]*(secret|token|password|passwd|access-key)[\w-]*$")


def redact_secrets(argv: list[str]) -> list[str]:
    """The command line without credentials: values of options such as --storage-s3-secret-key
    (`--opt value ...` or `--opt=value`) are replaced by <redacted>."""
    out: list[str] = []
    hiding = False
    for arg in argv:
        if arg.startswith("-"):
            name, eq, _ = arg.partition("=")
            secret = SECRET_OPTION.match(name) is not None
            hiding = secret and not eq  # the values follow as separate arguments
            out.append(f"{name}=<redacted>" if secret and eq else arg)
        else:
            out.append("<redacted>" if hiding else arg)
    return out


def write_run_record(
    folder: Path,
    provenance_json: Path,
    argv: list[str],
    started: str,
    storage_prefix: str | None = None,
) -> Path:
    """One JSON per successful run: the provenance plus the command line (credentials redacted)
    and times. With remote storage, provenance.json lies in the bucket (storage_prefix)."""
    record = json.loads(provenance_json.read_text()) if provenance_json.exists() else {}
    finished = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record.update(
        {"command_line": redact_secrets(argv), "started_utc": started, "finished_utc": finished}
    )
    if storage_prefix:
        record["storage_prefix"] = storage_prefix
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{finished}.json"
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config-json", type=Path, required=True)
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--reference-changes", type=Path, default=None, help="reference-iupac JSON")
    ap.add_argument("--versions", type=Path, nargs="+", required=True)
    ap.add_argument("--workflow-version", required=True)
    ap.add_argument("--snakemake-version", required=True)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--multiqc", type=Path, required=True)
    ap.add_argument("--sources", type=Path, nargs="*", default=[], help="stored alignments' JSON")
    args = ap.parse_args(argv)
    prov = build(
        args.config_json,
        args.reference,
        args.versions,
        args.workflow_version,
        args.snakemake_version,
    )
    if args.reference_changes:
        prov["reference"]["workflow_copy"] = json.loads(args.reference_changes.read_text())
    # stored alignments re-analysed: file and header SHA-256, read count, reused or realigned
    prov["stored_alignments"] = [json.loads(p.read_text()) for p in args.sources]
    args.output.write_text(json.dumps(prov, indent=1, sort_keys=True) + "\n")
    args.multiqc.write_text(multiqc_section(prov))
    return 0


if __name__ == "__main__":
    sys.exit(main())
