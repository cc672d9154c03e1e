# Tumour mutational burden per tumour and mode, from the annotated calls of somatic.tmb.caller
# over the panel bases covered at somatic.tmb.min_depth (definition in the README and the JSON).


rule tumor_mutational_burden:
    input:
        vcf=lambda w: outputs(
            rules.annotate_somatic_snpeff.output.vcf,
            caller=[config["somatic"]["tmb"]["caller"]],
            tumor=[w.tumor],
            mode=[w.mode],
        ),
        thresholds="results/qc/panel/{tumor}.thresholds.bed.gz",
    output:
        json="results/somatic/tmb/{tumor}.{mode}.json",
        multiqc="results/somatic/tmb/{tumor}.{mode}_mqc.yaml",
    log:
        "logs/somatic/tmb/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/tumor_mutational_burden/{tumor}.{mode}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("tumor_mutational_burden")
    resources:
        **resources_for("tumor_mutational_burden"),
    params:
        settings=json.dumps(config["somatic"]["tmb"]),
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
