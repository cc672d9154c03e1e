# Germline and somatic DNA-seq workflow: FASTQ -> QC'd, annotated, validated variants.
# Stages read top to bottom; each lives in its own module under workflow/rules/. Every module
# registers what the run delivers next to the rules that make it (deliver/to_multiqc in
# common.smk); `all` builds exactly that, plus the SHA-256 manifest.
import os

from snakemake.utils import min_version

min_version("9.0")

# Results and logs may hold patient data: nothing is created world-readable (jobs inherit this).
os.umask(0o027)

# A lab's `--configfile my/config.yaml` is the whole configuration: the template in config/ is
# only read when no config file is given (so nothing from it leaks into a lab's run).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# Stages in the order they read each other's outputs (README "Layout": what each takes and
# emits; every path comes from dnaseq.core.layout). A new germline caller is one module
# calling_<name>.smk, a new somatic caller one somatic_<name>.smk before somatic_evidence.smk.
include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/reanalysis.smk"
include: "workflow/rules/preflight.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/trimming.smk"
include: "workflow/rules/mapping.smk"
include: "workflow/rules/bqsr.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/calling.smk"
include: "workflow/rules/calling_bcftools.smk"
include: "workflow/rules/calling_freebayes.smk"
include: "workflow/rules/calling_gatk.smk"
include: "workflow/rules/calling_octopus.smk"
include: "workflow/rules/identity.smk"
include: "workflow/rules/somatic_calling.smk"
include: "workflow/rules/somatic_lofreq_vardict.smk"
include: "workflow/rules/somatic_evidence.smk"
include: "workflow/rules/somatic_contamination.smk"
include: "workflow/rules/panel_coverage.smk"
include: "workflow/rules/annotation.smk"
include: "workflow/rules/somatic_tmb.smk"
include: "workflow/rules/somatic_msi.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/sv.smk"
include: "workflow/rules/cnv.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/freshness.smk"


check_resource_names()
guard_input_content()


rule all:
    default_target: True
    input:
        # the manifest's inputs are every deliverable: naming them here too would only add ~16
        # DAG edges per sample (planning time, benchmarks/README.md)
        rules.write_manifest.output,


onsuccess:
    # One provenance record per successful run, with its command line. The command line is in
    # no job's params, so rerunning with other options does not redo any work.
    provenance.write_run_record(
        Path(L.provenance.runs),
        Path(L.provenance.json),
        sys.argv,
        STARTED_UTC,
        workflow.storage_settings.default_storage_prefix,
    )


onerror:
    # one sample's failure does not stop the others (profiles: keep-going); who failed and
    # why goes into results/FAILED/run-summary.tsv (dnaseq.core.failures)
    _failed = failures.report(log, Path(layout.RESULTS), SAMPLES)
    if _failed:
        logger.error(_failed)
