# GATK base quality score recalibration, per sample across all its lanes. Active when the GATK
# caller is selected and known sites are configured (Layout.recalibrated); the recalibrated BAM is then
# the analysis alignment (L.analysis_bam).


rule recalibrate_base_qualities:
    input:
        bam=layout.partial(L.mapping.dedup_bam, markdup=L.markdup),
        bai=layout.partial(L.mapping.dedup_bai, markdup=L.markdup),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        dict=L.reference.dict,
        known=config["reference"].get("known_sites", []),
        intervals=L.reference.callable,
    output:
        L.bqsr.recal_table,
    log:
        layout.log("bqsr/baserecalibrator/{sample}"),
    benchmark:
        layout.benchmark("recalibrate_base_qualities", "{sample}")
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
        bam=layout.partial(L.mapping.dedup_bam, markdup=L.markdup),
        bai=layout.partial(L.mapping.dedup_bai, markdup=L.markdup),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        dict=L.reference.dict,
        table=rules.recalibrate_base_qualities.output[0],
    output:
        bam=working_bam(L.bqsr.recal_bam),
        bai=working_bam(L.bqsr.recal_bai),
    log:
        layout.log("bqsr/applybqsr/{sample}"),
    benchmark:
        layout.benchmark("apply_base_recalibration", "{sample}")
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


if L.recalibrated:
    to_multiqc(rules.recalibrate_base_qualities.output, sample=SAMPLES)
