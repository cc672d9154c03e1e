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

try:
    samples = sheets.read_sheet(config["samples"], ["sample"])
    validate(samples.drop(columns="sheet_line"), "../schemas/samples.schema.yaml")
    sheets.check_samples(samples, config["samples"])
    units = sheets.read_sheet(config["units"], ["sample", "unit", "fq1", "fq2"])
    validate(units.drop(columns="sheet_line"), "../schemas/units.schema.yaml")
    sheets.check_units(units, samples, config["units"])
    preflight.check_startup(config, units)
except sheets.InputError as err:
    raise WorkflowError(str(err)) from None
samples = samples.set_index("sample", drop=False)

if workflow.is_main_process and not workflow.dryrun:
    _stale = runlock.clear_stale_lock(Path(".snakemake"))
    if _stale:
        logger.warning(_stale)
    runlock.record_owner(Path(".snakemake"))
units = units.set_index(["sample", "unit"], drop=False)

SAMPLES = list(samples["sample"])
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


def patient_of():
    """sample -> patient (the sample itself when the sheet has no patient)."""
    if "patient" not in samples.columns:
        return {s: s for s in SAMPLES}
    return {s: (p if isinstance(p, str) else s) for s, p in samples["patient"].items()}


def reported_sex():
    if "sex" not in samples.columns:
        return {s: "unknown" for s in SAMPLES}
    return {s: (x if isinstance(x, str) else "unknown") for s, x in samples["sex"].items()}


def units_of(sample):
    return units.loc[sample, "unit"].tolist()


def unit_fastqs(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)]
    return {"r1": u["fq1"], "r2": u["fq2"]}


def reference_checked_inputs():
    """Every input file checked against the reference contigs by check_reference_inputs."""
    files = [path for path, _ in preflight.vcf_inputs(config) + preflight.bed_inputs(config)]
    if config["annotation"]["tool"] == "snpeff":
        files.append(config["annotation"]["snpeff"]["gff3"])
    return files


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
    return [s for s in config.get("validation", {}) if s in SAMPLES]


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
            for s in SAMPLES:
                out += [f"results/{kind}/{c}/{s}.vcf.gz", f"results/{kind}/{c}/{s}.vcf.gz.tbi"]
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


def tool_version_commands(env):
    return versions.version_shell(env)


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
    out += expand("results/qc/bcftools_stats/{c}/{s}.txt", c=CALLERS, s=SAMPLES)
    if config["annotation"]["tool"] == "snpeff":
        out += expand("results/qc/snpeff/{c}/{s}.snpeff.csv", c=CALLERS, s=SAMPLES)
    elif config["annotation"]["tool"] == "vep":
        out += expand("results/qc/vep/{c}/{s}.vep.html", c=CALLERS, s=SAMPLES)
    out += expand("results/qc/versions/{env}_mqc_versions.yml", env=env_names())
    out += [
        "results/qc/provenance_mqc.yaml",
        "results/qc/identity/concordance_mqc.tsv",
        "results/qc/identity/sex_check_mqc.tsv",
    ]
    return out
