# Accuracy against a truth set (e.g. GIAB) for the samples listed under `validation` in the config,
# and of the somatic call sets against the tumours' truth under `validation_somatic`.


include: "helpers/validation.smk"


rule normalise_truth:
    input:
        vcf=lambda w: truth_of(w)["truth_vcf"],
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.validation.truth,
    log:
        layout.log("validation/normalise_truth/{sample}"),
    benchmark:
        layout.benchmark("normalise_truth", "{sample}")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("normalise_truth")
    resources:
        **resources_for("normalise_truth"),
    message:
        "Normalising the truth set of {wildcards.sample}"
    shell:
        "bcftools norm -f {input.ref} -Oz -o {output}" " {input.vcf} 2> {log}"


rule compare_calls_to_truth:
    input:
        truth=rules.normalise_truth.output[0],
        calls=L.calling.vcf,
        bed=lambda w: truth_of(w)["confident_bed"],
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.validation.table,
    log:
        layout.log("validation/compare/{caller}.{sample}"),
    benchmark:
        layout.benchmark("compare_calls_to_truth", "{caller}.{sample}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("compare_calls_to_truth")
    resources:
        **resources_for("compare_calls_to_truth"),
    message:
        "Comparing {wildcards.caller} calls of {wildcards.sample} with the truth set"
    shell:
        "python -m dnaseq.steps compare-calls --truth {input.truth}"
        " --calls {input.calls} --confident-bed {input.bed} --sample {wildcards.sample}"
        " --caller {wildcards.caller} --reference {input.ref} --output {output} 2> {log}"


rule summarise_validation:
    input:
        expand(L.validation.table, caller=CALLERS, sample=validated_samples()),
    output:
        report(
            L.validation.summary,
            caption="../report/captions/validation.rst",
            category="Validation",
        ),
    log:
        layout.log("validation/summary"),
    benchmark:
        layout.benchmark("summarise_validation", "summary")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_validation")
    resources:
        **resources_for("summarise_validation"),
    params:
        header_from=lambda w, input: input[0],
    message:
        "Writing the germline validation table"
    shell:
        "(head -n 1 {params.header_from} && tail -q -n +2 {input}) > {output} 2> {log}"


rule summarise_somatic_validation:
    input:
        calls=somatic_validation_inputs(),
    output:
        report(
            L.validation.somatic_summary,
            caption="../report/captions/somatic_validation.rst",
            category="Validation",
        ),
    log:
        layout.log("validation/somatic_summary"),
    benchmark:
        layout.benchmark("summarise_somatic_validation", "somatic_summary")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_somatic_validation")
    resources:
        **resources_for("summarise_somatic_validation"),
    params:
        runs=somatic_validation_args,
    message:
        "Comparing somatic calls with the somatic truth sets"
    shell:
        "python -m dnaseq.steps somatic-validation --output {output} {params.runs} 2> {log}"


if validated_samples():
    deliver(rules.summarise_validation.output)
if somatic_validation_runs():
    deliver(rules.summarise_somatic_validation.output)
