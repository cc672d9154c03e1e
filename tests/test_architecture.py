"""The workflow's structure: every rule is reachable from `all`, the manifest covers every input
the config names, a lab's own config is the whole configuration, and the workflow deploys as a
module with snakedeploy."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import (
    REPO,
    SCENARIO,
    absolute_inputs,
    base_config,
    make_config,
    snakemake,
    tool_env,
    units_table,
)
from dnaseq.core.config_inputs import config_inputs, input_keys

SCENARIOS = REPO / "tests" / "scenarios"


def job_counts(stdout: str) -> dict[str, int]:
    """rule -> number of jobs, from the "Job stats" table of a dry run."""
    table = stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.M)}


def all_rules() -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules", "--configfile",
         str(SCENARIO / "config.yaml")],
        cwd=REPO, capture_output=True, text=True, env=tool_env(), check=True,
    )  # fmt: skip
    return {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}


def scenario_dry_run(tmp_path: Path, name: str) -> dict[str, int]:
    tmp_path.mkdir(parents=True)
    cfg = absolute_inputs(base_config(SCENARIOS / name))
    cfg["samples"], cfg["units"] = str(tmp_path / "samples.tsv"), str(tmp_path / "units.tsv")
    pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str).to_csv(
        cfg["samples"], sep="\t", index=False
    )
    units_table().to_csv(cfg["units"], sep="\t", index=False)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return job_counts(snakemake(tmp_path, path, "-n", check=True).stdout)


def stored_alignment_dry_run(tmp_path: Path) -> dict[str, int]:
    """A sheet of stored alignments: one reused (M5s prove the reference), one realigned (no
    M5 in its header)."""
    from test_reanalysis import REFERENCE, write_alignment

    from dnaseq.core.alignment_inputs import fasta_contigs

    tmp_path.mkdir(parents=True)
    contigs, rg = fasta_contigs(REFERENCE), [{"ID": "L1", "SM": "NA12878"}]
    reused = write_alignment(tmp_path / "reused.bam", contigs, rg)
    realigned = write_alignment(tmp_path / "old.bam", contigs, rg, with_md5=False)
    units = pd.DataFrame(
        [{"sample": "NA12878", "unit": "a", "bam": str(reused)},
         {"sample": "NA12878", "unit": "b", "bam": str(realigned)}]
    )  # fmt: skip
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    configfile = make_config(
        tmp_path, {"mapping": {"reuse_alignments": True}}, units=units,
        samples=samples[samples["sample"] == "NA12878"],
    )  # fmt: skip
    return job_counts(snakemake(tmp_path, configfile, "-n", check=True).stdout)


def test_every_rule_is_reachable_from_all(tmp_path):
    """Between them, the two scenarios run every rule: a rule whose outputs are not registered
    (deliver/to_multiqc) or consumed by a rule that is, is never built and fails this test."""
    seen = set(scenario_dry_run(tmp_path / "bundled", "bundled"))
    seen |= set(scenario_dry_run(tmp_path / "gatk", "gatk-conda"))
    seen |= set(stored_alignment_dry_run(tmp_path / "stored"))
    missing = all_rules() - seen
    assert not missing, f"rules no scenario builds (not reachable from all): {sorted(missing)}"


def test_manifest_covers_every_input_the_config_names(demo_run):
    manifest = pd.read_csv(demo_run / "results/manifest.tsv", sep="\t")
    recorded = set(manifest["path"])
    cfg = yaml.safe_load((demo_run / "config.yaml").read_text())
    for item in config_inputs(cfg):
        if item.kind != "dir":
            assert item.path in recorded, f"{item.key} ({item.path}) is not in the manifest"


def test_every_file_in_the_config_is_a_schema_marked_input():
    """A path key added to the schema without `x-input` would be neither checked nor recorded:
    every config key of the bundled scenarios whose value names an existing file must be marked."""

    def strings(node, location=()):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from strings(v, (*location, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from strings(v, (*location, i))
        elif isinstance(node, str):
            yield location, node

    for name in ("bundled", "gatk-conda"):
        cfg = base_config(SCENARIOS / name)
        marked = {i.location for i in config_inputs(cfg, include_inactive=True)}
        for location, value in strings(cfg):
            if value and (REPO / value).exists():
                assert location in marked, f"{name}: config {location} names a file, no x-input"
    assert {"reference.fasta", "validation.*.truth_vcf", "somatic.germline_resource"} <= (
        input_keys()
    )


def renamed_reference(tmp_path: Path) -> Path:
    """The bundled reference with contigs named 20/21 (b37 style)."""
    fasta = tmp_path / "ref_b37_names.fa"
    text = subprocess.run(
        ["gzip", "-dc", str(REPO / "resources/test/reference/test_genome.fa.gz")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    fasta.write_text(text.replace(">chr20", ">20").replace(">chr21", ">21"))
    return fasta


def test_lab_config_with_configfile_is_the_whole_configuration(tmp_path):
    """The README's way: copy config/, edit it, run with --configfile. Nothing of the bundled
    scenario (validation entries, expected genotypes, test sheets) may leak into the run: here
    the lab's reference names its contigs 20/21 and none of the test truth files fit it."""
    lab = tmp_path / "my-lab"
    shutil.copytree(REPO / "config", lab)
    units = units_table()
    units = units[units["sample"] == "SIM01"]
    units.to_csv(lab / "units.tsv", sep="\t", index=False)
    (lab / "samples.tsv").write_text("sample\tsex\tpatient\ttype\nSIM01\tunknown\tP1\tgermline\n")
    sites = tmp_path / "sites.vcf"
    text = subprocess.run(
        ["bcftools", "view", str(REPO / "resources/test/identity/fingerprint_sites.vcf.gz")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    sites.write_text(re.sub(r"(?m)^chr(2[01])", r"\1", text).replace("ID=chr2", "ID=2"))
    gff = tmp_path / "genes.gff3"
    gff_text = subprocess.run(
        ["gzip", "-dc", str(REPO / "resources/test/annotation/"
                            "Homo_sapiens.GRCh38.chr21_1-10Mb.ensembl.gff3.gz")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    gff.write_text(re.sub(r"(?m)^chr21\t", "21\t", gff_text))
    cfg = yaml.safe_load((lab / "config.yaml").read_text())
    cfg["samples"], cfg["units"] = str(lab / "samples.tsv"), str(lab / "units.tsv")
    cfg["reference"]["fasta"] = str(renamed_reference(tmp_path))
    cfg["identity"]["sites"] = str(sites)
    cfg["annotation"]["snpeff"]["gff3"] = str(gff)
    cfg["calling"]["scatter"] = 2
    # the template gates germline samples at 20x mean over the callable territory; the test
    # genome is 20 Mb of which SIM01's reads cover 1 Mb (a lab sets its assay's minimum)
    cfg["qc_gate"]["by_type"]["germline"]["min_mean_depth"] = 0.5
    (lab / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = snakemake(workdir, lab / "config.yaml", check=True)
    assert "test_nist" not in proc.stdout + proc.stderr
    resolved = (workdir / "results/provenance/config.json").read_text()
    assert "tests/scenarios" not in resolved and "NA12878" not in resolved
    calls = subprocess.run(
        ["bcftools", "view", "-H", str(workdir / "results/calls/octopus/SIM01.vcf.gz")],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(calls) > 100 and all(line.startswith("21\t") for line in calls)


def test_deploys_as_a_module_with_snakedeploy(tmp_path):
    """A lab pins a release with `snakedeploy deploy-workflow` and keeps its config outside the
    workflow's repository. snakedeploy copies a local repository (so deploy a clean clone) and
    declares a local module by a relative path; a lab deploying from GitHub gets
    `github("...", path="Snakefile", tag=...)` instead, so the test points the module at this
    checkout's Snakefile, which is what that declaration fetches."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    deployed = tmp_path / "deployed"
    subprocess.run(
        [str(Path(sys.executable).parent / "snakedeploy"), "deploy-workflow", str(clone),
         str(deployed), "--branch", "main"],
        check=True, capture_output=True, env=tool_env(),
    )  # fmt: skip
    snakefile = deployed / "workflow" / "Snakefile"
    text = snakefile.read_text()
    assert "module " in text and "use rule * from" in text
    snakefile.write_text(re.sub(r'snakefile:\s*\n\s*"Snakefile"', f'snakefile: "{REPO}/Snakefile"',
                                text))  # fmt: skip
    assert (deployed / "config" / "config.yaml").exists()  # the template, for the lab to edit
    cfg = make_config(deployed / "config")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--configfile", str(cfg)],
        cwd=deployed, capture_output=True, text=True, env=tool_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    counts = job_counts(proc.stdout)
    assert counts["map_reads_bwa"] == 6 and counts["write_manifest"] == 1


def schema_keys(node: dict, prefix: str = "") -> list[str]:
    """Every leaf key of the config schema, dotted (objects with properties are descended)."""
    props = node.get("properties")
    if node.get("type") == "object" and props:
        return [k for name, sub in props.items() for k in schema_keys(sub, f"{prefix}{name}.")]
    return [prefix.rstrip(".")]


def documented_keys(readme: str) -> list[str]:
    """Key patterns of the config.yaml table of config/README.md: `a.b.c`, `d` after it means
    `a.b.d`; `x.*` covers everything below x; `<caller>` any name."""
    section = readme.split("## `config.yaml`", 1)[1].split("\n## ", 1)[0]
    patterns = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        parent = ""
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if "." in name or not parent:
                parent, full = name.rsplit(".", 1)[0] if "." in name else "", name
            else:
                full = f"{parent}.{name}"
            patterns.append(full)
    return patterns


def is_documented(key: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        regex = re.escape(pattern).replace(r"\.\*", r"(\..+)?").replace("<caller>", "[^.]+")
        if re.fullmatch(regex, key) or key.startswith(pattern + "."):
            return True
    return False


def test_config_readme_documents_every_schema_key():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    keys = schema_keys(schema)
    assert len(keys) > 100  # the walk reached the nested keys
    patterns = documented_keys((REPO / "config/README.md").read_text())
    missing = [k for k in keys if not is_documented(k, patterns)]
    assert not missing, f"config/README.md does not document: {missing}"
    # the check itself: a key removed from the table is missed
    assert not is_documented("qc_gate.min_mean_depth", [p for p in patterns if "qc_gate" not in p])


def test_setup_in_a_fresh_clone_leaves_the_checkout_clean(tmp_path):
    """`make setup` installs the package editable from the checkout; what that writes
    (scripts/*.egg-info/) must not make a validated version read `<commit>-dirty` in reports
    and provenance. The editable install is done as setup does it, into a throwaway venv."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    # as devtools/setup_debian.sh does it (build isolation: setuptools from PyPI, as in setup)
    subprocess.run(
        [str(venv / "bin/pip"), "install", "-q", "--no-deps", "-e", str(clone)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert list((clone / "scripts").glob("*.egg-info")), "the install wrote no metadata"
    git_status = ["git", "-C", str(clone), "status", "--porcelain"]
    status = subprocess.run(git_status, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"setup left the clone modified:\n{status.stdout}"
    from dnaseq.core.provenance import workflow_version

    assert not workflow_version(clone).endswith("-dirty")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_sections_other_docs_link_to_exist():
    """Every link from a Markdown file of the project into README.md lands on a heading, and the
    sections a lab is sent to are there (three of them were once lost in an unrelated commit)."""
    readme = (REPO / "README.md").read_text()
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", readme, flags=re.M)}
    for needed in ("clinical-safety", "bad-input-catalogue", "for-labs-your-own-samples"):
        assert needed in anchors, f"README section #{needed} is gone"
    links = []
    for doc in REPO.rglob("*.md"):
        if any(part.startswith(".") for part in doc.relative_to(REPO).parts):
            continue
        for anchor in re.findall(r"README\.md#([\w\-]+)", doc.read_text()):
            links.append((doc.relative_to(REPO), anchor))
    assert len(links) >= 4
    broken = [f"{doc} -> README.md#{anchor}" for doc, anchor in links if anchor not in anchors]
    assert not broken, f"links to README sections that do not exist: {broken}"
    assert github_anchor("For labs: your own samples") == "for-labs-your-own-samples"
