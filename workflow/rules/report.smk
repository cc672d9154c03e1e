# Clinical reports: one HTML page, variant table (TSV, XLSX) and data JSON per germline/normal
# sample and per tumour analysis; a FHIR R4 Genomics Reporting bundle per report; the cohort
# index page; the cancer registry tables. Templates in workflow/report/, data in
# scripts/dnaseq/report/.


include: "helpers/report.smk"


# the outputs of one report; fhir: the FHIR R4 Genomics Reporting bundle, written and validated
# by the same job
REPORT_OUT = {key: L.report[key] for key in ("html", "tsv", "xlsx", "json", "fhir")}
REPORT_SETTINGS = json.dumps(
    {k: config["report"][k] for k in ("depth", "qc", "panel", "reference_build", "performer")}
)
INTERPRETATION = json.dumps(config["interpretation"])
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
    params:
        # the table's columns: a change of format reruns the job (params are rerun triggers)
        columns="transcript gene version gene_id biotype protein",
    message:
        "Listing every transcript of the GFF3 with its version, gene and protein (reports)"
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
        interpretation=INTERPRETATION,
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
        " --interpretation {params.interpretation:q}"
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
        interpretation=INTERPRETATION,
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
        " --interpretation {params.interpretation:q}"
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
