# Config and sheet loading, wildcard constraints, and the input functions the rules share.
# Sheet logic lives in scripts/sheets.py (importable, unit-tested); this file only wires it up.
import json
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
import sheets  # noqa: E402
import preflight  # noqa: E402
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
units = units.set_index(["sample", "unit"], drop=False)

SAMPLES = list(samples["sample"])
CALLERS = config["calling"]["callers"]
CHUNKS = [f"{i:04d}" for i in range(config["calling"]["scatter"])]
REF = "results/reference/genome.fa"
REF_FAI = "results/reference/genome.fa.fai"
REF_DICT = "results/reference/genome.dict"
SCRIPTS = f"{workflow.basedir}/scripts"
BWA_INDEX = multiext(REF, ".amb", ".ann", ".bwt", ".pac", ".sa")


wildcard_constraints:
    sample="|".join(map(re.escape, SAMPLES)),
    unit="|".join(map(re.escape, units["unit"].unique())),
    caller="|".join(CALLERS),
    chunk=r"\d{4}",


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


def all_outputs():
    out = expand("results/mapping/{sample}.{step}.bam.bai", sample=SAMPLES, step="dedup")
    out += expand("results/calls/{caller}/{sample}.vcf.gz.tbi", caller=CALLERS, sample=SAMPLES)
    if annotation_active():
        out += expand(
            "results/annotated/{caller}/{sample}.vcf.gz.tbi", caller=CALLERS, sample=SAMPLES
        )
    if validated_samples():
        out.append("results/validation/summary.tsv")
    out.append("results/multiqc/multiqc_report.html")
    return out


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
    return out
