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
    group:
        "qc"
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("normalise_truth")
    resources:
        **resources_for("normalise_truth"),
    shell:
        "bcftools norm -f {input.ref} -Oz -o {output}" " {input.vcf} 2> {log}"


rule compare_calls_to_truth:
    input:
        truth="results/validation/truth/{sample}.vcf.gz",
        calls="results/calls/{caller}/{sample}.vcf.gz",
        bed=lambda w: truth_of(w)["confident_bed"],
        ref=REF,
        fai=REF_FAI,
        script=script_path("compare_calls.py"),
    output:
        "results/validation/{caller}/{sample}.tsv",
    log:
        "logs/validation/compare/{caller}.{sample}.log",
    group:
        "qc"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("compare_calls_to_truth")
    resources:
        **resources_for("compare_calls_to_truth"),
    message:
        "Comparing {wildcards.caller} calls of {wildcards.sample} with the truth set"
    shell:
        "python {input.script} --truth {input.truth}"
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
        "results/validation/summary.tsv",
    log:
        "logs/validation/summary.log",
    group:
        "reports"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_validation")
    resources:
        **resources_for("summarise_validation"),
    params:
        header_from=lambda w, input: input[0],
    shell:
        "(head -n 1 {params.header_from} && tail -q -n +2 {input}) > {output} 2> {log}"
