# Accuracy against a truth set (e.g. GIAB) for the samples listed under `validation` in the config.


rule normalise_truth:
    input:
        vcf=lambda w: truth_of(w)["truth_vcf"],
        ref=REF,
        fai=REF_FAI,
    output:
        "results/validation/truth/{sample}.vcf.gz",
    log:
        "logs/validation/normalise_truth/{sample}.log",
    benchmark:
        "logs/benchmarks/normalise_truth/{sample}.tsv"
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
        truth="results/validation/truth/{sample}.vcf.gz",
        calls="results/calls/{caller}/{sample}.vcf.gz",
        bed=lambda w: truth_of(w)["confident_bed"],
        ref=REF,
        fai=REF_FAI,
    output:
        "results/validation/{caller}/{sample}.tsv",
    log:
        "logs/validation/compare/{caller}.{sample}.log",
    benchmark:
        "logs/benchmarks/compare_calls_to_truth/{caller}.{sample}.tsv"
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
        expand(
            "results/validation/{caller}/{sample}.tsv",
            caller=CALLERS,
            sample=validated_samples(),
        ),
    output:
        report(
            "results/validation/summary.tsv",
            caption="../report/captions/validation.rst",
            category="Validation",
        ),
    log:
        "logs/validation/summary.log",
    benchmark:
        "logs/benchmarks/summarise_validation/summary.tsv"
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
            "results/validation/somatic_summary.tsv",
            caption="../report/captions/somatic_validation.rst",
            category="Validation",
        ),
    log:
        "logs/validation/somatic_summary.log",
    benchmark:
        "logs/benchmarks/summarise_somatic_validation/somatic_summary.tsv"
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
