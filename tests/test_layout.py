"""The layout: every results/ and logs/ path defined once (dnaseq.core.layout), rules that read
other stages' files only through it and only what their stage declares it takes, the README's
stage interfaces current, and a new caller added in three places."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pysam
import pytest
import yaml

from conftest import REPO, make_config, tool_env
from dnaseq.core import layout

RULES = REPO / "workflow" / "rules"
# every Snakefile module: one or more per stage, each stage's input functions in helpers/
MODULES = sorted([*RULES.glob("*.smk"), *RULES.glob("helpers/*.smk")])
# modules that belong to no stage: config/sheet loading and registration, compute resources,
# content fingerprints of the run inputs
SHARED_MODULES = {"common.smk", "resources.smk", "freshness.smk"}


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal of a Snakefile or module (f-strings included)."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for tok in tokens:
        if tok.type == tokenize.STRING:
            text = re.sub(r"^[rbfuRBFU]*", "", tok.string).strip("\"'")
            found.append((tok.start[0], text))
        elif getattr(tokenize, "FSTRING_START", None) == tok.type:
            found.append((tok.start[0], next(tokens).string))
    return found


def name_of(path: Path) -> str:
    return str(path.relative_to(RULES))


def stage_of(module: str) -> str:
    owners = [name for name, s in layout.STAGES.items() if module in s.modules]
    assert len(owners) == 1, f"{module} belongs to {owners or 'no stage'} in dnaseq.core.layout"
    return owners[0]


# ---------------------------------------------------------------- the layout module itself


def test_every_pattern_is_under_results_and_written_once():
    patterns = layout.all_patterns()
    assert all(p.startswith("results/") for p in patterns.values())
    seen: dict[str, str] = {}
    for key, pattern in patterns.items():
        assert pattern not in seen, f"{key} and {seen.get(pattern)} are the same path"
        seen[pattern] = key


def test_partial_fills_only_the_named_wildcards():
    pattern = "results/annotated/{annotator}/{caller}/{sample}.vcf.gz"
    assert (
        layout.partial(pattern, annotator="vep") == "results/annotated/vep/{caller}/{sample}.vcf.gz"
    )
    assert layout.partial("{a,\\d+}/{b}", a=1) == "1/{b}"


@pytest.mark.parametrize(
    ("settings", "bam"),
    [
        ({}, "results/mapping/samtools/S1.dedup.bam"),
        ({"markdup": "picard"}, "results/mapping/picard/S1.dedup.bam"),
        ({"cram": True}, "results/mapping/samtools/S1.dedup.cram"),
        ({"recalibrated": True}, "results/mapping/S1.recal.bam"),
        ({"recalibrated": True, "cram": True}, "results/mapping/S1.recal.cram"),
    ],
)
def test_analysis_alignment_follows_the_tool_choices(settings, bam):
    paths = layout.Layout(**settings)
    assert paths.analysis_bam("S1") == bam
    index = "crai" if settings.get("cram") else "bai"
    assert paths.alignment("S1") == {"bam": bam, "bai": f"{bam}.{index}"}
    assert paths.gated_alignment("S1")["qc_pass"] == "results/qc/gate/S1.pass"


def test_layout_from_config_reads_the_choices():
    cfg = yaml.safe_load((REPO / "tests/scenarios/gatk-conda/config.yaml").read_text())
    paths = layout.Layout.from_config(cfg)
    assert (paths.markdup, paths.annotator) == ("picard", "vep")
    assert paths.annotated_vcf("gatk", "S1") == "results/annotated/vep/gatk/S1.vcf.gz"
    assert paths.annotated_somatic_vcf("lofreq", "T", "paired") == (
        "results/somatic/annotated/vep/lofreq/T.paired.vcf.gz"
    )
    with pytest.raises(AttributeError, match="no path 'nonsense'"):
        _ = paths.qc.nonsense


# ---------------------------------------------------------------- the rules against the layout


def test_no_rule_file_writes_a_results_or_logs_path_itself():
    """Every results/ and logs/ path comes from dnaseq.core.layout: a path typed into a rule
    file (which another stage would then type again) fails here."""
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {text}"
        for path in [*MODULES, REPO / "Snakefile"]
        for line, text in string_literals(path)
        if text.startswith(("results/", "logs/"))
    ]
    assert not offenders, "paths written outside the layout:\n" + "\n".join(offenders)


def test_the_string_check_sees_a_typed_path(tmp_path):
    """The check above is not blind: a module with a typed path is caught, f-strings too."""
    module = tmp_path / "x.smk"
    module.write_text('rule x:\n    output:\n        f"results/x/{n}.txt",\n    shell: "logs/y"\n')
    texts = [t for _, t in string_literals(module)]
    assert any(t.startswith("results/") for t in texts)
    assert any(t.startswith("logs/") for t in texts)


def test_no_ruleorder():
    for path in MODULES:
        code = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
        assert "ruleorder" not in code, f"{path.name}: alternatives must differ in their paths"


def test_common_smk_is_config_loading_and_registration_only():
    assert len((RULES / "common.smk").read_text().splitlines()) <= 150


def test_every_module_belongs_to_one_stage_and_is_included():
    snakefile = (REPO / "Snakefile").read_text()
    modules_text = "".join(p.read_text() for p in RULES.glob("*.smk"))
    for path in MODULES:
        name = name_of(path)
        if name.startswith("helpers/"):
            assert f'include: "{name}"' in modules_text, f"{name} is included by no module"
        else:
            assert f'include: "workflow/rules/{name}"' in snakefile, name
        if name not in SHARED_MODULES:
            stage_of(name)


def references(text: str) -> set[str]:
    """ "stage.key" (and "method()") of every layout reference in a module's code."""
    refs = {f"{m[1]}.{m[2]}" for m in re.finditer(r"\bL\.(\w+)\.(\w+)\b", text)}
    refs |= {f"{m[1]}.{m[2]}" for m in re.finditer(r"\bL\.(\w+)\[[\"'](\w+)[\"']\]", text)}
    refs |= {f"{m[1]}()" for m in re.finditer(r"\bL\.(\w+)\(", text)}
    return refs


def test_stages_read_only_what_they_declare_they_take():
    """A rule that reads another stage's file names it through the layout, and its stage lists
    it in `takes` (README "Layout"); every declared take is used; every take exists."""
    known = set(layout.all_patterns()) | set(layout.DERIVED)
    used: dict[str, set[str]] = {name: set() for name in layout.STAGES}
    problems = []
    for path in MODULES:
        if name_of(path) in SHARED_MODULES:
            continue
        stage = stage_of(name_of(path))
        takes = set(layout.STAGES[stage].takes)
        for ref in sorted(references(path.read_text())):
            if ref.endswith("()"):
                assert ref[:-2] in layout.METHOD_TAKES, f"{path.name}: unknown method {ref}"
                needed = {n for n in layout.METHOD_TAKES[ref[:-2]] if not n.startswith(f"{stage}.")}
            elif ref.split(".")[0] == stage:
                continue
            else:
                assert ref in known, f"{path.name}: {ref} is not in the layout"
                needed = {ref}
            used[stage] |= needed
            problems += [
                f"{path.name} reads {n} but stage {stage} does not take it" for n in needed - takes
            ]
    for name, stage in layout.STAGES.items():
        for take in stage.takes:
            assert take in known, f"stage {name} takes {take}, which the layout does not have"
            assert not take.startswith(f"{name}."), f"stage {name} takes its own {take}"
            if take not in used[name]:
                problems.append(f"stage {name} declares {take} but none of its modules reads it")
    assert not problems, "\n".join(problems)


def rule_names(text: str) -> set[str]:
    return set(re.findall(r"^(?:rule|use rule \w+ as) (\w+)", text, flags=re.M))


def test_rules_x_output_only_within_a_stage():
    """`rules.X.output` ties a rule to another rule's definition: within a stage only; across
    stages the layout names the file (so the reading stage declares it in `takes`)."""
    owner = {}
    for path in MODULES:
        for name in rule_names(path.read_text()):
            owner[name] = "shared" if name_of(path) in SHARED_MODULES else stage_of(name_of(path))
    problems = []
    for path in MODULES:
        stage = "shared" if name_of(path) in SHARED_MODULES else stage_of(name_of(path))
        code = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
        for ref in set(re.findall(r"\brules\.(\w+)", code)):
            if owner.get(ref) != stage:
                problems.append(f"{path.name} ({stage}) uses rules.{ref} of stage {owner.get(ref)}")
    assert not problems, "\n".join(problems)


def test_the_interface_check_catches_an_undeclared_read():
    text = "rule x:\n    input:\n        L.cnv.genes, **L.gated_alignment(),\n"
    assert references(text) == {"cnv.genes", "gated_alignment()"}
    assert "cnv.genes" not in layout.STAGES["mapping"].takes


def test_readme_shows_the_stage_interfaces():
    readme = (REPO / "README.md").read_text()
    assert layout.markdown_table() in readme, (
        "README 'Stages' is out of date: run python -m dnaseq.core.layout --readme README.md"
    )


# ---------------------------------------------------------------- a new caller in three places

DUMMY_GERMLINE = """# A germline caller added for the layout test: bcftools with other options.


rule call_variants_dummy:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        regions=L.reference.chunk,
    output:
        temp(layout.partial(L.calling.chunk_vcf, caller="dummy")),
    log:
        layout.log("calling/dummy/{sample}.{chunk}"),
    threads: threads_for("call_variants_dummy")
    resources:
        **resources_for("call_variants_dummy"),
    params:
        filters=caller_filters("dummy"),
    shell:
        "(bcftools mpileup -f {input.ref} -R {input.regions} -a FORMAT/AD,FORMAT/DP -Ou {input.bam}"
        " | bcftools call -m -v -Ou | {params.filters} | bcftools view -Oz -o {output}) 2> {log}"


register_germline_caller("dummy", env="bcftools")
"""

DUMMY_SOMATIC = """# A somatic caller added for the layout test (shared evidence step).


rule call_somatic_dummy:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=L.reference.fasta,
        targets=L.somatic.chunk,
    output:
        temp(layout.partial(L.somatic.chunk_vcf, caller="dummy")),
    log:
        layout.log("somatic/dummy/{tumor}.{mode}.{chunk}"),
    shell:
        "(bcftools mpileup -f {input.ref} -R {input.targets} -Ou {input.bams}"
        " | bcftools call -m -v -Oz -o {output}) 2> {log}"


register_somatic_caller("dummy", shared_evidence=True)
"""


def add_dummy_callers(copy: Path) -> list[str]:
    """Add a germline and a somatic caller to a copy of the workflow; return the files touched."""
    (copy / "workflow/rules/calling_dummy.smk").write_text(DUMMY_GERMLINE)
    (copy / "workflow/rules/somatic_dummy.smk").write_text(DUMMY_SOMATIC)
    schema_path = copy / "workflow/schemas/config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    calling = schema["properties"]["calling"]["properties"]
    calling["callers"]["items"]["enum"].append("dummy")
    calling["dummy"] = {"type": "object", "default": {}}
    schema["properties"]["somatic"]["properties"]["callers"]["items"]["enum"].append("dummy")
    schema_path.write_text(yaml.safe_dump(schema, sort_keys=False))
    snakefile = copy / "Snakefile"
    text = snakefile.read_text()
    for after, new in (
        ("calling_octopus", "calling_dummy"),
        ("somatic_lofreq_vardict", "somatic_dummy"),
    ):
        line = f'include: "workflow/rules/{after}.smk"\n'
        text = text.replace(line, f'{line}include: "workflow/rules/{new}.smk"\n')
    snakefile.write_text(text)
    return ["workflow/rules/calling_dummy.smk", "workflow/rules/somatic_dummy.smk",
            "workflow/schemas/config.schema.yaml", "Snakefile"]  # fmt: skip


def test_a_new_caller_touches_three_places(tmp_path):
    """A copy of the workflow gains a germline and a somatic caller through their rule files
    (with their registration), their schema entries and their include lines, nothing else; a
    dry run plans them through every later stage and a real run calls with the new one."""
    copy = tmp_path / "workflow-copy"
    copy.mkdir()
    for part in ("Snakefile", "workflow", "envs", "config", "scripts"):
        src = REPO / part
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(src, copy / part, ignore=ignore)
        else:
            shutil.copy2(src, copy / part)
    touched = add_dummy_callers(copy)
    changed = sorted(
        str(f.relative_to(copy))
        for f in copy.rglob("*")
        if f.is_file()
        and (not (REPO / f.relative_to(copy)).is_file()
             or (REPO / f.relative_to(copy)).read_bytes() != f.read_bytes())
    )  # fmt: skip
    # per caller: its rule file (with its registration), its schema entry, its include line
    assert changed == sorted(touched)
    work = tmp_path / "run"
    cfg = make_config(
        work,
        {
            "calling": {"callers": ["dummy", "bcftools"], "scatter": 2},
            "somatic": {"callers": ["dummy", "lofreq"], "tmb": {"caller": "dummy"}},
            "report": {"germline_caller": "dummy"},
        },
    )
    base = [sys.executable, "-m", "snakemake", "--snakefile", str(copy / "Snakefile"),
            "--directory", str(work), "--configfile", str(cfg), "--cores", "2"]  # fmt: skip
    dry = subprocess.run(
        [*base, "-n", "-p"], capture_output=True, text=True, env=tool_env(), check=False
    )
    assert dry.returncode == 0, (dry.stdout + dry.stderr)[-3000:]
    out = dry.stdout
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", out, flags=re.M)}
    assert counts["call_variants_dummy"] == 4 * 2  # germline/normal samples x chunks
    scatter = yaml.safe_load(cfg.read_text())["somatic"]["scatter"]
    assert counts["call_somatic_dummy"] == 2 * scatter  # paired and tumour-only, per chunk
    assert counts["somatic_evidence"] == 2 * 2  # dummy and lofreq through the shared step
    assert "results/calls/dummy/chunks/SIM01/0001.vcf.gz" in out
    assert "--calls dummy=results/somatic/dummy/NA12878_T.paired.vcf.gz" in out  # ensemble
    assert "results/annotated/snpeff/dummy/SIM01.vcf.gz" in out
    assert "results/validation/dummy/NA12878.tsv" in out
    # a real run of the new caller on one sample, through trimming, mapping and the QC gate
    target = "results/calls/dummy/SIM01.vcf.gz"
    real = subprocess.run(
        [*base, target], capture_output=True, text=True, env=tool_env(), check=False
    )
    assert real.returncode == 0, (real.stdout + real.stderr)[-3000:]
    with pysam.VariantFile(str(work / target)) as vcf:
        assert list(vcf.header.samples) == ["SIM01"]
        assert sum(1 for _ in vcf) > 10
