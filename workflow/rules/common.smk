# Config and sheet loading, wildcard constraints, the registry of deliverables, and the input
# functions the rules share. The logic lives in the `dnaseq` package (scripts/dnaseq/, installed
# into the virtualenv by `make setup`); this file only wires it to the config.
import json
import os
import re
import shlex
from datetime import UTC, datetime
from itertools import product
from pathlib import Path

import snakemake
from snakemake.exceptions import WorkflowError
from snakemake.io import apply_wildcards
from snakemake.logging import logger
from snakemake.utils import validate

# This workflow's own folder (also when it runs as a module of a deployed workflow, where
# workflow.basedir is the deploying workflow's folder).
WORKFLOW_DIR = Path(str(workflow.current_basedir)).parents[1]

try:
    import dnaseq
    from dnaseq.core import manifest, preflight, provenance, runlock, sheets, versions
    from dnaseq.core.config_inputs import config_inputs, load_schema
    from dnaseq.report import variants as report_variants
except ImportError as err:
    raise WorkflowError(
        f"The workflow's Python package is not installed ({err}): run `make setup`, or "
        f"`pip install -e {WORKFLOW_DIR}` in the environment that runs Snakemake."
    ) from None
# planning (this process) and the jobs must run the same code
_own_version = re.search(
    r'__version__ = "([^"]+)"', Path(WORKFLOW_DIR, "scripts/dnaseq/__init__.py").read_text()
).group(1)
if dnaseq.__version__ != _own_version:
    raise WorkflowError(
        f"The installed dnaseq package ({dnaseq.__version__}, {Path(dnaseq.__file__).parent}) "
        f"is not this workflow's ({_own_version}): run `pip install -e {WORKFLOW_DIR}`."
    )

CONFIG_SCHEMA = load_schema(WORKFLOW_DIR / "workflow" / "schemas" / "config.schema.yaml")
# Jobs run the package's steps (`python -m dnaseq.steps <step> ...`) from this workflow's folder,
# also inside conda envs, which do not have the package installed. Snakemake's own prefix
# (strict bash) is kept.
# REF_PATH: htslib looks CRAM references up only locally (by default it would ask the EBI
# server for a reference it cannot find): every tool is given the run's reference instead.
shell.prefix(
    f"set -euo pipefail; export PYTHONPATH={shlex.quote(str(WORKFLOW_DIR / 'scripts'))}; "
    "export REF_PATH=results/reference/cram_cache/%2s/%2s/%s REF_CACHE=; "
)

# With a default storage provider (cloud runs) the inputs live in remote storage: the start-up
# file checks cannot see them, the pre-flight jobs check the retrieved copies instead.
REMOTE_STORAGE = workflow.storage_settings.default_storage_provider is not None

try:
    preflight.validate_config(config, CONFIG_SCHEMA)
    validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults
    samples, units, PAIRS = preflight.load_sheets(config, WORKFLOW_DIR / "workflow" / "schemas")
    if not REMOTE_STORAGE:
        preflight.check_startup(config, units, CONFIG_SCHEMA)
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
SOMATIC_SCATTER = config["somatic"]["scatter"]
SOMATIC_CHUNKS = [f"{i:04d}" for i in range(SOMATIC_SCATTER)]
REF = "results/reference/genome.fa"
REF_FAI = "results/reference/genome.fa.fai"
REF_DICT = "results/reference/genome.dict"
WORKFLOW_VERSION = provenance.workflow_version(WORKFLOW_DIR)
# SHA-256 of the configured reference (cached by file identity under .snakemake/); remote
# inputs are checked by the jobs instead
REFERENCE_SHA256 = (
    ""
    if REMOTE_STORAGE
    else manifest.cached_sha256(
        Path(config["reference"]["fasta"]), Path(".snakemake", "dnaseq", "sha256")
    )
)
STARTED_UTC = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
BWA_INDEX = multiext(REF, ".amb", ".ann", ".bwt", ".pac", ".sa")


wildcard_constraints:
    sample="|".join(map(re.escape, SAMPLES)),
    unit="|".join(map(re.escape, units["unit"].unique())),
    caller="|".join(CALLERS),
    chunk=r"\d{4}",
    tumor="|".join(map(re.escape, TUMORS)) or "NO_TUMOURS",
    mode="paired|tumor_only",


# (sample, unit) of every sequencing unit, as wildcard dicts for outputs()/deliver()
UNIT_WILDCARDS = [{"sample": s, "unit": u} for s, u in zip(units["sample"], units["unit"])]


# sample -> its unit names, in sheet order (pandas .loc per call costs ~1 ms: 1,000s of samples)
UNITS_OF = {s: group["unit"].tolist() for s, group in units.groupby(level=0, sort=False)}


def units_of(sample):
    return UNITS_OF[sample]


def unit_bams(wildcards):
    """A sample's per-unit alignments, merged by its duplicate-marking job."""
    return [
        f"results/mapping/{wildcards.sample}/{u}.sorted.bam" for u in units_of(wildcards.sample)
    ]


def unit_fastqs(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)]
    return {"r1": u["fq1"], "r2": u["fq2"]}


def reference_checked_inputs():
    """Every input file checked against the reference contigs by check_reference_inputs."""
    return [i.path for i in preflight.checked_inputs(config, CONFIG_SCHEMA)]


def unit_read_group(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)].to_dict()
    return sheets.read_group({k: v for k, v in u.items() if isinstance(v, str)})


def bqsr_active():
    return "gatk" in CALLERS and bool(config["reference"].get("known_sites"))


# mapping.output_format: the analysis alignments (what every later tool reads and what is
# delivered) as BAM, or as CRAM (about half the size; reference MD5s in the header; tools read
# it with the run's reference, never fetched from the network: REF_PATH below)
CRAM = config["mapping"]["output_format"] == "cram"
ALIGNMENT_EXT, INDEX_EXT = ("cram", "crai") if CRAM else ("bam", "bai")


def working_bam(path):
    """A BAM that only feeds the CRAM conversion (temporary) when the output format is CRAM."""
    return temp(path) if CRAM else path


def analysis_bam(wildcards=None, sample=None):
    """The alignments callers and QC read: recalibrated when BQSR runs, else duplicate-marked;
    BAM or CRAM (mapping.output_format)."""
    sample = sample or wildcards.sample
    step = "recal" if bqsr_active() else "dedup"
    return f"results/mapping/{sample}.{step}.{ALIGNMENT_EXT}"


# "{sample}.dedup" or "{sample}.recal": the analysis alignment names (index rules' {name})
ANALYSIS_BAM_NAMES = [Path(analysis_bam(sample=s)).stem for s in SAMPLES]


def analysis_bam_pair(wildcards):
    bam = analysis_bam(wildcards)
    return {"bam": bam, "bai": f"{bam}.{INDEX_EXT}"}


def calling_bam_pair(wildcards):
    """The analysis BAM for variant calling: only once the sample passed its QC gate."""
    return {**analysis_bam_pair(wildcards), "qc_pass": f"results/qc/gate/{wildcards.sample}.pass"}


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
    somatic = config["somatic"]["callers"] if TUMORS else []
    if "freebayes" in CALLERS or "freebayes" in somatic:
        names.append("freebayes")
    if "lofreq" in somatic:
        names.append("lofreq")
    if "gatk" in CALLERS:
        names.append("gatk")
    if "octopus" in CALLERS:
        names.append("octopus")
    if config["annotation"]["tool"] in ("snpeff", "vep"):
        names.append(config["annotation"]["tool"])
    if config["sv"]["enabled"]:
        names += [c for c in SV_CALLERS]
        if config["validation_sv"]:
            names.append("truvari")
    if config["cnv"]["enabled"] and PANEL_SAMPLES:
        names.append("cnvkit")
    if config["report"]["enabled"]:
        names.append("report")
    return names


# ---------------------------------------------------------------- what a run delivers
# Each module registers, right below a rule, which of the rule's outputs this run needs:
# `deliver(...)` for files a lab takes away (built by `all`, listed in the SHA-256 manifest),
# `to_multiqc(...)` for files the MultiQC report reads. Paths are written once, in the rules.
DELIVERABLES = []
MULTIQC_INPUTS = []


def plain_path(path):
    """A rule's path as written in the rule: with a default storage provider Snakemake gives
    rules.X.output as storage objects whose names carry the local storage prefix."""
    if getattr(path, "is_storage", False):
        query = path.storage_object.query
        prefix = workflow.storage_settings.default_storage_prefix or ""
        relative = query[len(prefix) :] if prefix and query.startswith(prefix) else query
        return relative.lstrip(os.sep)
    return str(path)


def outputs(patterns, *runs, **values):
    """The output patterns of a rule filled in for every combination of wildcard values.

    values: wildcard -> list of values, combined as a product; runs: lists of dicts whose values
    belong together (e.g. somatic runs, tumour + mode), combined with the rest as a product."""
    patterns = [plain_path(p) for p in ([patterns] if isinstance(patterns, str) else patterns)]
    axes = [[dict(r) for r in rows] for rows in runs]
    axes += [[{name: v} for v in vals] for name, vals in values.items()]
    files = []
    for combo in product(*axes):
        wildcards = {k: v for part in combo for k, v in part.items()}
        files += [apply_wildcards(p, wildcards) for p in patterns]
    return files


def deliver(patterns, *runs, **values):
    DELIVERABLES.extend(outputs(patterns, *runs, **values))


def to_multiqc(patterns, *runs, **values):
    MULTIQC_INPUTS.extend(outputs(patterns, *runs, **values))


def run_inputs():
    """Every input file of the run: the FASTQs and every file the config names (the schema
    marks them, see dnaseq.core.config_inputs), each once."""
    files = list(units["fq1"]) + list(units["fq2"])
    files += [i.path for i in config_inputs(config, CONFIG_SCHEMA) if i.kind != "dir"]
    return list(dict.fromkeys(files))


def run_input_files():
    """run_inputs() as job inputs: the sheets are read where Snakemake starts, so with remote
    storage they stay local files (local())."""
    sheets_ = {config["samples"], config["units"]}
    return [local(f) if REMOTE_STORAGE and f in sheets_ else f for f in run_inputs()]


def manifest_entries():
    """Every path the manifest records: inputs first, then deliverables."""
    return [*run_inputs(), *dict.fromkeys(DELIVERABLES)]


# ---------------------------------------------------------------- annotation

# VEP reads either an offline cache (vep.cache_dir) or, with vep.gff set, a GFF3 + the reference
# (no cache: full HGVS from the run's own sequence). The GFF3 is sorted, bgzipped and indexed
# once, as VEP needs it.
VEP_GFF = "results/annotation/vep/genes.gff3.gz"
VEP_SOURCE = (
    [f"{VEP_GFF}.tbi"]
    if config["annotation"]["vep"]["gff"]
    else (
        [config["annotation"]["vep"]["cache_dir"]]
        if config["annotation"]["vep"]["cache_dir"]
        else []
    )
)


def vep_source_args(wildcards, input):
    """VEP's annotation source options: GFF mode or offline cache mode."""
    if config["annotation"]["vep"]["gff"]:
        return f"--gff {VEP_GFF}"
    vep = config["annotation"]["vep"]
    return (
        f"--offline --cache --dir_cache {shlex.quote(input.source[0])}"
        f" --cache_version {vep['cache_version']} --species {shlex.quote(vep['species'])}"
        f" --assembly {shlex.quote(vep['assembly'])}"
    )


def gatk_filter_args(vtype):
    """VariantFiltration arguments for one variant type, from config calling.gatk.filters."""
    return " ".join(
        f"--filter-name {f['name']} --filter-expression '{f['expression']}'"
        for f in config["calling"]["gatk"]["filters"][vtype]
    )


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


def somatic_run_wildcards():
    """somatic_runs() as wildcard dicts, for outputs()/deliver()."""
    return [{"tumor": t, "mode": m} for t, m in somatic_runs()]


def normal_of(wildcards):
    return PAIRS[wildcards.tumor] if wildcards.mode == "paired" else None


def somatic_samples(wildcards):
    """The tumour, then its normal in paired mode."""
    return [wildcards.tumor] + ([normal_of(wildcards)] if normal_of(wildcards) else [])


def somatic_bams(wildcards):
    """Tumour BAM first, then its normal in paired mode, with their indexes."""
    names = somatic_samples(wildcards)
    bams = [analysis_bam(sample=s) for s in names]
    return {"bams": bams, "bais": [f"{b}.{INDEX_EXT}" for b in bams]}


def pair_check(wildcards):
    """Somatic calling waits for the QC gate of tumour (and normal) and, for a pair, for the
    tumour/normal identity check."""
    names = [wildcards.tumor] + ([normal_of(wildcards)] if normal_of(wildcards) else [])
    checks = [f"results/qc/gate/{s}.pass" for s in names]
    if wildcards.mode == "paired":
        checks.append(f"results/somatic/identity/{wildcards.tumor}.pair_check.tsv")
    return checks


def somatic_targets():
    return config["somatic"]["targets"] or config["targets"]["bed"]


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


def somatic_outputs():
    """Names under results/somatic/ of the final call sets: each caller, then the ensemble."""
    callers = list(config["somatic"]["callers"])
    return callers + (["ensemble"] if ensemble_active() else [])


def ensemble_active():
    return config["somatic"]["ensemble"]["enabled"] and len(config["somatic"]["callers"]) >= 2


def purity_of(sample):
    """Tumour purity from the sample sheet (column `purity`), or None."""
    value = sheets.column_values(samples, "purity", "")[sample]
    return float(value) if value else None


def pon_normals():
    """Normals that go into the workflow-built panel of normals (none when a stored PoN is set)."""
    if config["somatic"]["panel_of_normals"] or not config["somatic"]["tumor_only"]["build_pon"]:
        return []
    return [s for s in SAMPLES if TYPES[s] == "normal"]


def tumor_only_pon():
    """The PoN tumour-only filtering uses: the stored one, or the one built from the normals."""
    if config["somatic"]["panel_of_normals"]:
        return config["somatic"]["panel_of_normals"]
    return "results/somatic/pon/panel_of_normals.vcf.gz" if pon_normals() else []


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
            for c in somatic_outputs():
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


# ---------------------------------------------------------------- structural variants

SV_CALLERS = list(config["sv"]["callers"])
SV_SAMPLES = [s for s in SAMPLES if TYPES[s] == "germline"] if config["sv"]["enabled"] else []
SV_VALIDATED = [s for s in config["validation_sv"] if s in SV_SAMPLES]


# ---------------------------------------------------------------- copy number (panels)

CNV_SAMPLES = PANEL_SAMPLES if config["cnv"]["enabled"] else []
# normals pooled into the CNVkit reference (none: a flat reference; a stored one: not built)
CNV_NORMALS = [s for s in CNV_SAMPLES if TYPES[s] == "normal"]


def cnv_call_args(sample):
    """`cnvkit.py call` options: purity-aware (clonal) when the sheet gives a purity, else
    CNVkit's log2 thresholds; the sheet's sex when known (else CNVkit infers it from X/Y)."""
    purity = purity_of(sample)
    args = [f"-m clonal --purity {purity}"] if purity else ["-m threshold"]
    sex = sheets.column_values(samples, "sex", "unknown")[sample]
    if sex in ("female", "male"):
        args.append(f"--sample-sex {sex}")
    return " ".join(args)


def check_cnv_settings():
    """A panel too small for CNVkit stops the run at start-up, naming the BED."""
    if not CNV_SAMPLES or REMOTE_STORAGE:
        return
    bed = somatic_targets()
    targets = [
        line
        for line in Path(bed).read_text().splitlines()
        if line.strip() and not line.startswith(("#", "track", "browser"))
    ]
    minimum = config["cnv"]["min_targets"]
    if len(targets) < minimum:
        raise WorkflowError(
            f"{bed}: {len(targets)} targets; CNVkit needs at least cnv.min_targets={minimum} "
            "to normalise and segment copy number. Set cnv.enabled: false for this panel."
        )


# ---------------------------------------------------------------- clinical reports


def report_germline_caller():
    """The caller whose calls germline reports show (report.germline_caller, else the first)."""
    return config["report"]["germline_caller"] or CALLERS[0]


def report_somatic_caller():
    """The somatic call set tumour reports show: report.somatic_caller, else the ensemble when
    it runs, else the first somatic caller."""
    return config["report"]["somatic_caller"] or somatic_outputs()[-1 if ensemble_active() else 0]


def check_report_settings():
    """Report callers that the run does not produce, and a malformed transcript list, stop the
    run at start-up with the file and line."""
    chosen = config["report"]["germline_caller"]
    if chosen and chosen not in CALLERS:
        raise WorkflowError(
            f"report.germline_caller {chosen!r} is not in calling.callers {CALLERS}"
        )
    chosen = config["report"]["somatic_caller"]
    if chosen and TUMORS and chosen not in somatic_outputs():
        raise WorkflowError(
            f"report.somatic_caller {chosen!r} is not one of the somatic call sets {somatic_outputs()}"
        )
    if config["report"]["transcripts"] and not REMOTE_STORAGE:
        try:
            report_variants.read_transcript_list(config["report"]["transcripts"])
        except (OSError, ValueError) as err:
            raise WorkflowError(f"report.transcripts: {err}") from None


def report_vcf(caller, sample=None, tumor=None, mode=None):
    """The annotated calls a report shows (the plain calls when annotation is off)."""
    if tumor:
        kind = "somatic/annotated" if annotation_active() else "somatic"
        return f"results/{kind}/{caller}/{tumor}.{mode}.vcf.gz"
    kind = "annotated" if annotation_active() else "calls"
    return f"results/{kind}/{caller}/{sample}.vcf.gz"


def report_coverage_inputs(sample):
    """QC files of one sample's report: panel coverage for panel samples (tumours, normals),
    SV calls (germline samples) and copy number (panel samples) when those run."""
    files = {
        "verdict": f"results/qc/gate/{sample}.verdict.json",
        "stats": f"results/qc/samtools/{sample}.stats.txt",
        "region_dist": f"results/qc/mosdepth/{sample}.mosdepth.region.dist.txt",
    }
    if sample in PANEL_SAMPLES:
        files["region_dist"] = f"results/qc/panel/{sample}.mosdepth.region.dist.txt"
        files["per_gene"] = f"results/qc/panel/{sample}.per_gene.tsv"
        files["low_coverage"] = f"results/qc/panel/{sample}.low_coverage.bed"
    if sample in SV_SAMPLES:
        files["sv"] = f"results/sv/{sample}.vcf.gz"
    if sample in CNV_SAMPLES:
        files["cnv_genes"] = f"results/cnv/{sample}.genes.tsv"
        files["cnv_plot"] = f"results/cnv/{sample}.cnv_mqc.png"
    return files


def report_targets(sample):
    """(BED, padding) restricting a report's variants: the panel for panel samples, else
    targets.bed; (None, 0) for whole-territory calling."""
    if sample in PANEL_SAMPLES:
        return "results/reference/panel_targets.merged.bed", config["somatic"]["padding"]
    if config["targets"]["bed"]:
        return config["targets"]["bed"], config["targets"]["padding"]
    return None, 0


def report_gff():
    """The GFF3 whose gene names reports use for transcripts not on the lab's list."""
    tool = config["annotation"]["tool"]
    gff = config["annotation"].get(tool, {}).get("gff3" if tool == "snpeff" else "gff", "")
    return gff or None


def sample_info_json(sample):
    """What the sample sheet says of a sample, for its report (pseudonymous IDs only)."""
    return json.dumps(
        {
            "patient": PATIENTS[sample],
            "type": TYPES[sample],
            "sex": sheets.column_values(samples, "sex", "unknown")[sample],
            "purity": purity_of(sample),
        }
    )


def report_ids():
    """Every report of the run: one per germline/normal sample, one per tumour analysis."""
    return list(GERMLINE_SAMPLES) + [f"{t}.{m}" for t, m in somatic_runs()]


REPORT_OUT = {
    "html": "results/report/{name}.html",
    "tsv": "results/report/{name}.variants.tsv",
    "xlsx": "results/report/{name}.variants.xlsx",
    "json": "results/report/{name}.report.json",
    # the FHIR R4 Genomics Reporting bundle, written and validated by the same job
    "fhir": "results/fhir/{name}.json",
}


def report_files(name, **page):
    """The outputs of one report; the HTML page goes into `snakemake --report` with `page`
    (caption, category, ...)."""
    files = {k: v.format(name=name) for k, v in REPORT_OUT.items()}
    files["html"] = report(files["html"], **page)
    return files


def report_shared_inputs():
    files = {
        "concordance": "results/qc/identity/concordance.tsv",
        "sex_check": "results/qc/identity/sex_check.tsv",
        "identity_ok": "results/qc/identity/identity.ok",
        "provenance": "results/provenance/provenance.json",
    }
    if config["report"]["transcripts"]:
        files["transcripts"] = config["report"]["transcripts"]
    if report_gff():
        files["genes"] = "results/report/transcript_genes.tsv"
    return files


def report_args(wildcards, input):
    """Options naming the optional inputs the job has."""
    options = {
        "sv": "--sv",
        "cnv_genes": "--cnv-genes",
        "cnv_plot": "--cnv-plot",
        "per_gene": "--per-gene",
        "low_coverage": "--low-coverage",
        "targets": "--targets",
        "transcripts": "--transcripts",
        "genes": "--transcript-genes",
        "tmb": "--tmb",
        "msi": "--msi",
        "pair_check": "--pair-check",
    }
    return " ".join(
        f"{flag} {shlex.quote(str(input[key]))}"
        for key, flag in options.items()
        if key in input.keys()
    )


def germline_report_inputs(wildcards):
    s = wildcards.sample
    bed, _ = report_targets(s)
    return {
        "vcf": report_vcf(report_germline_caller(), sample=s),
        **report_coverage_inputs(s),
        **report_shared_inputs(),
        **({"targets": bed} if bed else {}),
    }


def tumor_report_inputs(wildcards):
    t, m = wildcards.tumor, wildcards.mode
    bed, _ = report_targets(t)
    files = {
        "vcf": report_vcf(report_somatic_caller(), tumor=t, mode=m),
        **report_coverage_inputs(t),
        **report_shared_inputs(),
        "targets": bed,
    }
    if m == "paired":
        files["pair_check"] = f"results/somatic/identity/{t}.pair_check.tsv"
    if annotation_active():
        files["tmb"] = f"results/somatic/tmb/{t}.{m}.json"
    if config["somatic"]["msi"]["enabled"] and m == "paired":
        files["msi"] = f"results/somatic/msi/{t}.{m}.txt"
    return files


REPORT_SETTINGS = json.dumps(
    {
        **{k: config["report"][k] for k in ("depth", "qc", "panel", "reference_build")},
    }
)


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
    # every rule is defined whatever the settings (alternatives are chosen by ruleorder)
    names = {r.name for r in workflow.rules}
    listed = set(config["resources"]["rules"]) | set(
        config["resources"]["memory_scales_with_attempt"]
    )
    unknown = sorted(listed - names)
    if unknown:
        raise WorkflowError(f"config resources: unknown rule name(s) {', '.join(unknown)}")
