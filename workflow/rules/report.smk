# Clinical reports: one HTML page, variant table (TSV, XLSX) and data JSON per germline/normal
# sample and per tumour analysis; a FHIR R4 Genomics Reporting bundle per report; the cohort
# index page; the cancer registry tables. Templates in workflow/report/, data in
# scripts/dnaseq/report/.

from dnaseq.report import variants as report_variants


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
        if annotation_active():
            return L.annotated_somatic_vcf(caller, tumor, mode)
        return outputs(L.somatic.vcf, caller=[caller], tumor=[tumor], mode=[mode])[0]
    if annotation_active():
        return L.annotated_vcf(caller, sample)
    return outputs(L.calling.vcf, caller=[caller], sample=[sample])[0]


def report_coverage_inputs(sample):
    """QC files of one sample's report: panel coverage for panel samples (tumours, normals),
    SV calls (germline samples) and copy number (panel samples) when those run."""
    wanted = {"verdict": L.qc.verdict, "stats": L.qc.stats, "region_dist": L.qc.mosdepth_region_dist}
    if sample in PANEL_SAMPLES:
        wanted["region_dist"] = L.panel_coverage.region_dist
        wanted["per_gene"] = L.panel_coverage.per_gene
        wanted["low_coverage"] = L.panel_coverage.low_coverage
    if sample in SV_SAMPLES:
        wanted["sv"] = L.sv.vcf
    if sample in CNV_SAMPLES:
        wanted |= {"cnv_genes": L.cnv.genes, "cnv_plot": L.cnv.plot}
    return {key: layout.partial(path, sample=sample) for key, path in wanted.items()}


def report_targets(sample):
    """(BED, padding) restricting a report's variants: the panel for panel samples, else
    targets.bed; (None, 0) for whole-territory calling."""
    if sample in PANEL_SAMPLES:
        return L.panel_coverage.targets, config["somatic"]["padding"]
    if config["targets"]["bed"]:
        return config["targets"]["bed"], config["targets"]["padding"]
    return None, 0


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


# the outputs of one report; fhir: the FHIR R4 Genomics Reporting bundle, written and validated
# by the same job
REPORT_OUT = {key: L.report[key] for key in ("html", "tsv", "xlsx", "json", "fhir")}


def report_files(name, **page):
    """The outputs of one report; the HTML page goes into `snakemake --report` with `page`
    (caption, category, ...)."""
    files = {k: v.format(name=name) for k, v in REPORT_OUT.items()}
    files["html"] = report(files["html"], **page)
    return files


def report_shared_inputs():
    files = {
        "concordance": L.identity.concordance,
        "sex_check": L.identity.sex_check,
        "identity_ok": L.identity.identity_ok,
        "provenance": L.provenance.json,
    }
    if config["report"]["transcripts"]:
        files["transcripts"] = config["report"]["transcripts"]
    if annotation_gff():
        files["genes"] = L.report.transcript_genes
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
        files["pair_check"] = layout.partial(L.somatic.pair_check, tumor=t)
    if annotation_active():
        files["tmb"] = layout.partial(L.somatic.tmb, tumor=t, mode=m)
    if config["somatic"]["msi"]["enabled"] and m == "paired":
        files["msi"] = layout.partial(L.somatic.msi, tumor=t, mode=m)
    return files


REPORT_SETTINGS = json.dumps(
    {k: config["report"][k] for k in ("depth", "qc", "panel", "reference_build")}
)


check_report_settings()
if config["report"]["enabled"]:
    register_envs("report")
REPORT_ENV = "../../envs/report.yaml"


rule report_transcript_genes:
    input:
        annotation_gff() or [],
    output:
        L.report.transcript_genes,
    log:
        layout.log("report/transcript_genes"),
    benchmark:
        layout.benchmark("report_transcript_genes", "transcript_genes")
    conda:
        REPORT_ENV
    threads: threads_for("report_transcript_genes")
    resources:
        **resources_for("report_transcript_genes"),
    message:
        "Listing the gene of every transcript in the GFF3 (gene names of the reports)"
    shell:
        "python -m dnaseq.steps transcript-genes {input:q} {output:q} 2> {log}"


rule report_germline_sample:
    input:
        unpack(germline_report_inputs),
    output:
        **report_files(
            "{sample}",
            caption="../report/captions/clinical_report.rst",
            category="Clinical reports",
            subcategory="Germline and normal samples",
            labels={"sample": "{sample}"},
        ),
    log:
        layout.log("report/{sample}"),
    benchmark:
        layout.benchmark("report_germline_sample", "{sample}")
    conda:
        REPORT_ENV
    threads: threads_for("report_germline_sample")
    resources:
        **resources_for("report_germline_sample"),
    params:
        info=lambda w: sample_info_json(w.sample),
        caller=report_germline_caller(),
        callers=" ".join(CALLERS),
        annotator=config["annotation"]["tool"],
        padding=lambda w: report_targets(w.sample)[1],
        settings=REPORT_SETTINGS,
        fhir=json.dumps(config["report"]["fhir"]),
        optional=report_args,
    message:
        "Writing the clinical report of {wildcards.sample} (germline)"
    shell:
        "python -m dnaseq.steps clinical-report --report-id {wildcards.sample}"
        " --sample {wildcards.sample} --kind germline --sample-info {params.info:q}"
        " --vcf {input.vcf} --caller {params.caller} --callers {params.callers}"
        " --annotator {params.annotator} --verdict {input.verdict} --stats {input.stats}"
        " --region-dist {input.region_dist} --concordance {input.concordance}"
        " --sex-check {input.sex_check} --provenance {input.provenance}"
        " --target-padding {params.padding} --settings {params.settings:q} {params.optional}"
        " --html {output.html} --tsv {output.tsv} --xlsx {output.xlsx} --json {output.json}"
        " --fhir {output.fhir} --fhir-settings {params.fhir:q}"
        " 2> {log}"


rule report_tumor:
    input:
        unpack(tumor_report_inputs),
    output:
        **report_files(
            "{tumor}.{mode}",
            caption="../report/captions/tumor_report.rst",
            category="Clinical reports",
            subcategory="Tumours",
            labels={"tumour": "{tumor}", "mode": "{mode}"},
        ),
    log:
        layout.log("report/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("report_tumor", "{tumor}.{mode}")
    conda:
        REPORT_ENV
    threads: threads_for("report_tumor")
    resources:
        **resources_for("report_tumor"),
    params:
        info=lambda w: sample_info_json(w.tumor),
        normal=lambda w: normal_of(w) or "",
        caller=report_somatic_caller(),
        callers=" ".join(config["somatic"]["callers"]),
        annotator=config["annotation"]["tool"],
        padding=config["somatic"]["padding"],
        msi_high=config["somatic"]["msi"]["high_score"],
        settings=REPORT_SETTINGS,
        fhir=json.dumps(config["report"]["fhir"]),
        optional=report_args,
    message:
        "Writing the clinical report of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "python -m dnaseq.steps clinical-report --report-id {wildcards.tumor}.{wildcards.mode}"
        " --sample {wildcards.tumor} --kind somatic --mode {wildcards.mode}"
        " --normal '{params.normal}' --sample-info {params.info:q}"
        " --vcf {input.vcf} --caller {params.caller} --callers {params.callers}"
        " --annotator {params.annotator} --verdict {input.verdict} --stats {input.stats}"
        " --region-dist {input.region_dist} --concordance {input.concordance}"
        " --sex-check {input.sex_check} --provenance {input.provenance}"
        " --target-padding {params.padding} --msi-high-score {params.msi_high}"
        " --settings {params.settings:q} {params.optional}"
        " --html {output.html} --tsv {output.tsv} --xlsx {output.xlsx} --json {output.json}"
        " --fhir {output.fhir} --fhir-settings {params.fhir:q}"
        " 2> {log}"


rule report_index:
    input:
        expand(L.report.json, name=report_ids()),
    output:
        L.report.index,
    log:
        layout.log("report/index"),
    benchmark:
        layout.benchmark("report_index", "index")
    conda:
        REPORT_ENV
    threads: threads_for("report_index")
    resources:
        **resources_for("report_index"),
    message:
        "Writing the index page of the sample reports"
    shell:
        "python -m dnaseq.steps report-index --reports {input} --output {output} 2> {log}"


rule registry_export:
    input:
        [L.report.json.format(name=f"{t}.{m}") for t, m in somatic_runs()],
    output:
        variants=L.report.registry_variants,
        variants_parquet=L.report.registry_variants_parquet,
        tumours=L.report.registry_tumours,
        tumours_parquet=L.report.registry_tumours_parquet,
    log:
        layout.log("report/registry"),
    benchmark:
        layout.benchmark("registry_export", "registry")
    conda:
        REPORT_ENV
    threads: threads_for("registry_export")
    resources:
        **resources_for("registry_export"),
    message:
        "Writing the cancer registry tables (somatic variants, tumours)"
    shell:
        "python -m dnaseq.steps registry --reports {input} --variants {output.variants}"
        " --tumours {output.tumours} 2> {log}"


if config["report"]["enabled"]:
    deliver([rules.report_germline_sample.output[k] for k in REPORT_OUT], sample=GERMLINE_SAMPLES)
    deliver([rules.report_tumor.output[k] for k in REPORT_OUT], somatic_run_wildcards())
    deliver(rules.report_index.output)
    if TUMORS:
        deliver(rules.registry_export.output)
