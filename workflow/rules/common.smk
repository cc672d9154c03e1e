# Config and sheet loading, wildcard constraints, and the input functions the rules share.
# Sheet logic lives in scripts/sheets.py (importable, unit-tested); this file only wires it up.
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import snakemake
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
import sheets  # noqa: E402
import preflight  # noqa: E402
import provenance  # noqa: E402
import runlock  # noqa: E402
import versions  # noqa: E402

validate(config, "../schemas/config.schema.yaml")

# With a default storage provider (cloud runs) the inputs live in remote storage: the start-up
# file checks cannot see them, the pre-flight jobs check the retrieved copies instead.
REMOTE_STORAGE = workflow.storage_settings.default_storage_provider is not None

try:
    samples = sheets.read_sheet(config["samples"], ["sample"])
    validate(samples.drop(columns="sheet_line"), "../schemas/samples.schema.yaml")
    sheets.check_samples(samples, config["samples"])
    units = sheets.read_sheet(config["units"], ["sample", "unit", "fq1", "fq2"])
    validate(units.drop(columns="sheet_line"), "../schemas/units.schema.yaml")
    sheets.check_units(units, samples, config["units"])
    PAIRS = sheets.tumor_normal_pairs(samples, config["samples"])
    if not REMOTE_STORAGE:
        preflight.check_startup(config, units)
except sheets.InputError as err:
    raise WorkflowError(str(err)) from None
samples = samples.set_index("sample", drop=False)
if REMOTE_STORAGE:
    logger.info("Inputs in remote storage: start-up file checks left to the pre-flight jobs.")

if workflow.is_main_process and not workflow.dryrun:
    _stale = runlock.clear_stale_lock(Path(".snakemake"))
    if _stale:
        logger.warning(_stale)
    runlock.record_owner(Path(".snakemake"))
units = units.set_index(["sample", "unit"], drop=False)

SAMPLES = list(samples["sample"])
TYPES = sheets.sample_types(samples)
PATIENTS = sheets.patients(samples)
# germline calling: every sample but tumours
GERMLINE_SAMPLES = [s for s in SAMPLES if TYPES[s] != "tumor"]
TUMORS = list(PAIRS)
PANEL_SAMPLES = [s for s in SAMPLES if TYPES[s] in ("tumor", "normal")]
CALLERS = config["calling"]["callers"]
CHUNKS = [f"{i:04d}" for i in range(config["calling"]["scatter"])]
REF = "results/reference/genome.fa"
REF_FAI = "results/reference/genome.fa.fai"
REF_DICT = "results/reference/genome.dict"
SCRIPTS = f"{workflow.basedir}/scripts"
WORKFLOW_VERSION = provenance.workflow_version(workflow.basedir)
STARTED_UTC = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
BWA_INDEX = multiext(REF, ".amb", ".ann", ".bwt", ".pac", ".sa")


wildcard_constraints:
    sample="|".join(map(re.escape, SAMPLES)),
    unit="|".join(map(re.escape, units["unit"].unique())),
    caller="|".join(CALLERS),
    chunk=r"\d{4}",
    tumor="|".join(map(re.escape, TUMORS)) or "NO_TUMOURS",
    mode="paired|tumor_only",


def script_path(name):
    """One of the workflow's scripts as a job input: its own copy, never remote storage."""
    return local(f"{SCRIPTS}/{name}")


def units_of(sample):
    return units.loc[sample, "unit"].tolist()


def unit_fastqs(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)]
    return {"r1": u["fq1"], "r2": u["fq2"]}


def reference_checked_inputs():
    """Every input file checked against the reference contigs by check_reference_inputs."""
    return [path for path, _, _ in preflight.checked_inputs(config)]


def unit_read_group(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)].to_dict()
    return sheets.read_group({k: v for k, v in u.items() if isinstance(v, str)})


def bqsr_active():
    return "gatk" in CALLERS and bool(config["reference"].get("known_sites"))


def analysis_bam(wildcards=None, sample=None):
    """The BAM callers and coverage QC read: recalibrated when BQSR runs, else duplicate-marked."""
    sample = sample or wildcards.sample
    step = "recal" if bqsr_active() else "dedup"
    return f"results/mapping/{sample}.{step}.bam"


def analysis_bam_pair(wildcards):
    bam = analysis_bam(wildcards)
    return {"bam": bam, "bai": f"{bam}.bai"}


def markdup_metrics(sample):
    tool = "picard" if config["mapping"]["markdup"] == "picard" else "samtools"
    return f"results/qc/markdup/{sample}.{tool}_markdup.txt"


def caller_filters(caller):
    return sheets.soft_filter_command(config["calling"][caller].get("filters", []))


def annotation_active():
    return config["annotation"]["tool"] != "none"


def validated_samples():
    return [s for s in config.get("validation", {}) if s in GERMLINE_SAMPLES]


def truth_of(wildcards):
    return config["validation"][wildcards.sample]


def env_names():
    """The conda envs whose rules are part of this run: their tool versions go into MultiQC."""
    names = ["fastp", "bwa", "samtools", "bcftools", "mosdepth", "python", "multiqc"]
    if config["mapping"]["markdup"] == "picard":
        names.append("picard")
    if "freebayes" in CALLERS:
        names.append("freebayes")
    if "gatk" in CALLERS:
        names.append("gatk")
    if config["annotation"]["tool"] in ("snpeff", "vep"):
        names.append(config["annotation"]["tool"])
    return names


def run_inputs():
    """Every input file of the run: FASTQs, reference, truth sets, BEDs, annotation sources."""
    files = list(units["fq1"]) + list(units["fq2"]) + [config["reference"]["fasta"]]
    files += reference_checked_inputs()
    return files


def deliverables():
    """The files a lab takes away from a run (all of them go into the manifest)."""
    out = []
    for s in SAMPLES:
        bam = analysis_bam(sample=s)
        out += [bam, f"{bam}.bai"]
    for kind in ["calls", "annotated"] if annotation_active() else ["calls"]:
        for c in CALLERS:
            for s in GERMLINE_SAMPLES:
                out += [f"results/{kind}/{c}/{s}.vcf.gz", f"results/{kind}/{c}/{s}.vcf.gz.tbi"]
    out += somatic_deliverables()
    if validated_samples():
        out.append("results/validation/summary.tsv")
    out += [
        "results/multiqc/multiqc_report.html",
        "results/provenance/provenance.json",
        "results/qc/identity/concordance.tsv",
        "results/qc/identity/sex_check.tsv",
    ]
    return out


def all_outputs():
    return [*deliverables(), "results/manifest.tsv"]


def gatk_filter_args(vtype):
    """VariantFiltration arguments for one variant type, from config calling.gatk.filters."""
    return " ".join(
        f"--filter-name {f['name']} --filter-expression '{f['expression']}'"
        for f in config["calling"]["gatk"]["filters"][vtype]
    )


def qc_inputs():
    """Every file MultiQC reads, for the stages active in this run."""
    out = [f"results/qc/fastp/{s}.{u}.fastp.json" for s, u in zip(units["sample"], units["unit"])]
    for s in SAMPLES:
        out += [
            f"results/qc/samtools/{s}.stats.txt",
            f"results/qc/samtools/{s}.flagstat.txt",
            f"results/qc/mosdepth/{s}.mosdepth.summary.txt",
            f"results/qc/mosdepth/{s}.mosdepth.global.dist.txt",
            f"results/qc/mosdepth/{s}.mosdepth.region.dist.txt",
            markdup_metrics(s),
        ]
        if bqsr_active():
            out.append(f"results/qc/bqsr/{s}.recal_table.txt")
    out += expand("results/qc/bcftools_stats/{c}/{s}.txt", c=CALLERS, s=GERMLINE_SAMPLES)
    if config["annotation"]["tool"] == "snpeff":
        out += expand("results/qc/snpeff/{c}/{s}.snpeff.csv", c=CALLERS, s=GERMLINE_SAMPLES)
    elif config["annotation"]["tool"] == "vep":
        out += expand("results/qc/vep/{c}/{s}.vep.html", c=CALLERS, s=GERMLINE_SAMPLES)
    out += somatic_qc_inputs()
    out += expand("results/qc/versions/{env}_mqc_versions.yml", env=env_names())
    out += [
        "results/qc/provenance_mqc.yaml",
        "results/qc/identity/concordance_mqc.tsv",
        "results/qc/identity/sex_check_mqc.tsv",
    ]
    return out


# ---------------------------------------------------------------- somatic (tumour/normal, panel)


def somatic_runs():
    """(tumour, mode) pairs: paired when the tumour has a normal, tumour-only otherwise, and
    also tumour-only for paired tumours when somatic.tumor_only_for_paired is set."""
    runs = []
    for tumor, normal in PAIRS.items():
        if normal:
            runs.append((tumor, "paired"))
        if not normal or config["somatic"]["tumor_only_for_paired"]:
            runs.append((tumor, "tumor_only"))
    return runs


def normal_of(wildcards):
    return PAIRS[wildcards.tumor] if wildcards.mode == "paired" else None


def somatic_bams(wildcards):
    """Tumour BAM first, then its normal in paired mode, with their indexes."""
    names = [wildcards.tumor] + ([normal_of(wildcards)] if normal_of(wildcards) else [])
    bams = [analysis_bam(sample=s) for s in names]
    return {"bams": bams, "bais": [f"{b}.bai" for b in bams]}


def pair_check(wildcards):
    """Somatic calling of a pair waits for the tumour/normal identity check."""
    if wildcards.mode == "paired":
        return [f"results/somatic/identity/{wildcards.tumor}.pair_check.tsv"]
    return []


def somatic_targets():
    return config["somatic"]["targets"] or config["targets"]["bed"]


def somatic_deliverables():
    out = []
    for tumor, mode in somatic_runs():
        for c in config["somatic"]["callers"]:
            stem = f"{c}/{tumor}.{mode}.vcf.gz"
            out += [f"results/somatic/{stem}", f"results/somatic/{stem}.tbi"]
            if annotation_active():
                out += [
                    f"results/annotated/somatic_{stem}",
                    f"results/annotated/somatic_{stem}.tbi",
                ]
        if annotation_active():
            out.append(f"results/somatic/tmb/{tumor}.{mode}.json")
        if config["somatic"]["msi"]["enabled"] and mode == "paired":
            out.append(f"results/somatic/msi/{tumor}.{mode}.txt")
    for s in PANEL_SAMPLES:
        out += [
            f"results/qc/panel/{s}.per_target.tsv",
            f"results/qc/panel/{s}.per_gene.tsv",
            f"results/qc/panel/{s}.low_coverage.bed",
        ]
    if [t for t in config.get("validation_somatic", {}) if t in TUMORS]:
        out.append("results/validation/somatic_summary.tsv")
    return out


def somatic_qc_inputs():
    out = []
    for s in PANEL_SAMPLES:
        out += [f"results/qc/panel/{s}.panel_mqc.tsv", f"results/qc/panel/{s}.hs_metrics.txt"]
    if annotation_active():
        out += [f"results/somatic/tmb/{t}.{m}_mqc.yaml" for t, m in somatic_runs()]
    return out


def annotation_wildcards():
    """Rule-level wildcard constraints of the annotation rules: germline and somatic VCFs."""
    callers = CALLERS + [f"somatic_{c}" for c in config["somatic"]["callers"]]
    names = SAMPLES + [f"{t}.{m}" for t, m in somatic_runs()]
    return {"caller": "|".join(callers), "name": "|".join(map(re.escape, names))}


def annotation_source(wildcards):
    """The VCF a results/annotated/{caller}/{name}.vcf.gz is made from: germline calls, or a
    somatic VCF for callers named somatic_<caller>."""
    if wildcards.caller.startswith("somatic_"):
        return f"results/somatic/{wildcards.caller[len('somatic_'):]}/{wildcards.name}.vcf.gz"
    return f"results/calls/{wildcards.caller}/{wildcards.name}.vcf.gz"


def mutect2_resources():
    return [
        f
        for f in (config["somatic"]["germline_resource"], config["somatic"]["panel_of_normals"])
        if f
    ]


def mutect2_resource_args():
    args = []
    if config["somatic"]["germline_resource"]:
        args.append(f"--germline-resource {config['somatic']['germline_resource']}")
    if config["somatic"]["panel_of_normals"]:
        args.append(f"--panel-of-normals {config['somatic']['panel_of_normals']}")
    return " ".join(args)


def contamination_tables(wildcards):
    """CalculateContamination outputs, when contamination sites are configured."""
    if not config["somatic"]["contamination_sites"]:
        return []
    stem = f"results/somatic/contamination/{wildcards.tumor}.{wildcards.mode}"
    return [f"{stem}.contamination.table", f"{stem}.segments.table"]


def somatic_validation_runs():
    """(tumour, mode, caller, truth VCF, evaluation BED) for tumours with a somatic truth."""
    runs = []
    for tumor, mode in somatic_runs():
        truth = config.get("validation_somatic", {}).get(tumor)
        if truth:
            for c in config["somatic"]["callers"]:
                runs.append((tumor, mode, c, truth["truth_vcf"], truth["eval_bed"]))
    return runs


def somatic_validation_inputs():
    files = []
    for tumor, mode, c, truth, bed in somatic_validation_runs():
        files += [f"results/somatic/{c}/{tumor}.{mode}.vcf.gz", truth, bed]
    return files


def somatic_validation_args(wildcards, input):
    """--run options naming the job's copies of somatic_validation_inputs() (calls, truth, BED)."""
    files = list(input.calls)
    return " ".join(
        f"--run {tumor}:{mode}:{c}:{':'.join(files[3 * i : 3 * i + 3])}"
        for i, (tumor, mode, c, _, _) in enumerate(somatic_validation_runs())
    )


def panel_thresholds():
    """Depths for `mosdepth --thresholds`: the reporting ones plus the TMB minimum depth."""
    depths = set(config["somatic"]["coverage"]["thresholds"])
    depths.add(config["somatic"]["tmb"]["min_depth"])
    return sorted(depths)


# ---------------------------------------------------------------- compute resources


def rule_settings(name):
    """threads/mem_mb/runtime of a rule: config resources.default updated by resources.rules."""
    return {**config["resources"]["default"], **config["resources"]["rules"].get(name, {})}


def threads_for(name):
    return rule_settings(name)["threads"]


def resources_for(name):
    """mem_mb (times the attempt number for rules that can run out of memory) and runtime."""
    settings = rule_settings(name)
    if name not in config["resources"]["memory_scales_with_attempt"]:
        return {"mem_mb": settings["mem_mb"], "runtime": settings["runtime"]}

    def mem_mb(wildcards, attempt):
        return settings["mem_mb"] * attempt

    return {"mem_mb": mem_mb, "runtime": settings["runtime"]}


def check_resource_names():
    """A typo in config resources.* must not silently leave a rule on the defaults."""
    # all rules of the workflow, including those defined only for other settings
    names = preflight.defined_rule_names(Path(workflow.basedir, "workflow", "rules"))
    listed = set(config["resources"]["rules"]) | set(
        config["resources"]["memory_scales_with_attempt"]
    )
    unknown = sorted(listed - names)
    if unknown:
        raise WorkflowError(f"config resources: unknown rule name(s) {', '.join(unknown)}")
