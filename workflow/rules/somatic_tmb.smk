# Tumour mutational burden per tumour and mode, from the annotated calls of somatic.tmb.caller
# (default: the call set the reports show) over the panel bases covered at somatic.tmb.min_depth (definition in the README and the JSON).


rule tumor_mutational_burden:
    input:
        vcf=L.annotated_somatic_vcf(caller=tmb_call_set()),
        thresholds=layout.partial(L.panel_coverage.thresholds, sample="{tumor}"),
    output:
        json=L.somatic.tmb,
        multiqc=L.somatic.tmb_mqc,
    log:
        layout.log("somatic/tmb/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("tumor_mutational_burden", "{tumor}.{mode}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("tumor_mutational_burden")
    resources:
        **resources_for("tumor_mutational_burden"),
    params:
        settings=json.dumps({**config["somatic"]["tmb"], "caller": tmb_call_set()}),
    message:
        "Computing tumour mutational burden of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "python -m dnaseq.steps tmb --vcf {input.vcf} --tumor {wildcards.tumor}"
        " --thresholds {input.thresholds} --settings {params.settings:q}"
        " --name {wildcards.tumor}.{wildcards.mode} --output {output.json}"
        " --multiqc {output.multiqc} 2> {log}"


if annotation_active():
    deliver(rules.tumor_mutational_burden.output.json, somatic_run_wildcards())
    to_multiqc(rules.tumor_mutational_burden.output.multiqc, somatic_run_wildcards())
