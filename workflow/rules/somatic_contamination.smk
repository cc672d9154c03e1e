# Cross-sample contamination of tumours (GATK GetPileupSummaries + CalculateContamination,
# matched to the normal in paired mode); feeds FilterMutectCalls when somatic.contamination_sites
# is configured.


rule get_pileup_summaries:
    input:
        **L.alignment(),
        sites=config["somatic"]["contamination_sites"] or [],
    output:
        L.somatic.pileups,
    log:
        layout.log("somatic/pileups/{sample}"),
    benchmark:
        layout.benchmark("get_pileup_summaries", "{sample}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("get_pileup_summaries")
    resources:
        **resources_for("get_pileup_summaries"),
    message:
        "Summarising pileups of {wildcards.sample} at the contamination sites"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' GetPileupSummaries -I {input.bam}"
        " -V {input.sites} -L {input.sites} -O {output} 2> {log}"


rule calculate_contamination:
    input:
        tumor=layout.partial(L.somatic.pileups, sample="{tumor}"),
        normal=lambda w: (outputs(L.somatic.pileups, sample=[normal_of(w)]) if normal_of(w) else []),
    output:
        table=L.somatic.contamination,
        segments=L.somatic.segments,
    log:
        layout.log("somatic/contamination/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("calculate_contamination", "{tumor}.{mode}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("calculate_contamination")
    resources:
        **resources_for("calculate_contamination"),
    params:
        matched=lambda w, input: f"-matched {input.normal}" if input.normal else "",
    message:
        "Estimating contamination of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' CalculateContamination -I {input.tumor}"
        " {params.matched} -O {output.table} --tumor-segmentation {output.segments} 2> {log}"
