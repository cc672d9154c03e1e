# GATK base quality score recalibration, per sample across all its lanes. Active when the GATK
# caller is selected and known sites are configured (see bqsr_active in common.smk).


rule recalibrate_base_qualities:
    input:
        bam="results/mapping/{sample}.dedup.bam",
        bai="results/mapping/{sample}.dedup.bam.bai",
        ref=REF,
        fai=REF_FAI,
        dict=REF_DICT,
        known=config["reference"].get("known_sites", []),
        intervals="results/reference/callable.bed",
    output:
        "results/qc/bqsr/{sample}.recal_table.txt",
    log:
        "logs/bqsr/baserecalibrator/{sample}.log",
    benchmark:
        "logs/benchmarks/recalibrate_base_qualities/{sample}.tsv"
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("recalibrate_base_qualities")
    resources:
        **resources_for("recalibrate_base_qualities"),
    params:
        known=lambda w, input: " ".join(f"--known-sites {k}" for k in input.known),
    message:
        "Recalibrating base qualities of {wildcards.sample} (BaseRecalibrator)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' BaseRecalibrator -R {input.ref}"
        " -I {input.bam} {params.known} -L {input.intervals} -O {output} 2> {log}"


rule apply_base_recalibration:
    input:
        bam="results/mapping/{sample}.dedup.bam",
        bai="results/mapping/{sample}.dedup.bam.bai",
        ref=REF,
        fai=REF_FAI,
        dict=REF_DICT,
        table="results/qc/bqsr/{sample}.recal_table.txt",
    output:
        bam=working_bam("results/mapping/{sample}.recal.bam"),
        bai=working_bam("results/mapping/{sample}.recal.bam.bai"),
    log:
        "logs/bqsr/applybqsr/{sample}.log",
    benchmark:
        "logs/benchmarks/apply_base_recalibration/{sample}.tsv"
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("apply_base_recalibration")
    resources:
        **resources_for("apply_base_recalibration"),
    params:
        # GATK names the index it writes as it goes {sample}.recal.bai
        gatk_bai=lambda w, output: output.bam.removesuffix(".bam") + ".bai",
    message:
        "Applying base recalibration to {wildcards.sample} (ApplyBQSR)"
    shell:
        "(gatk --java-options '-Xmx{resources.mem_mb}m' ApplyBQSR -R {input.ref} -I {input.bam}"
        " --bqsr-recal-file {input.table} --create-output-bam-index true -O {output.bam}"
        " && mv {params.gatk_bai} {output.bai}) 2> {log}"


if bqsr_active():
    to_multiqc(rules.recalibrate_base_qualities.output, sample=SAMPLES)
# the BAM callers and QC read (recalibrated or duplicate-marked) and its index
_alignments = f"results/mapping/{{name}}.{ALIGNMENT_EXT}"
deliver([_alignments, f"{_alignments}.{INDEX_EXT}"], name=ANALYSIS_BAM_NAMES)
