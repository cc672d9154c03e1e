# Cross-sample contamination of tumours (GATK GetPileupSummaries + CalculateContamination,
# matched to the normal in paired mode); feeds FilterMutectCalls when somatic.contamination_sites
# is configured.


rule get_pileup_summaries:
    input:
        unpack(analysis_bam_pair),
        sites=config["somatic"]["contamination_sites"] or [],
    output:
        "results/somatic/contamination/{sample}.pileups.table",
    log:
        "logs/somatic/pileups/{sample}.log",
    benchmark:
        "logs/benchmarks/get_pileup_summaries/{sample}.tsv"
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
        tumor="results/somatic/contamination/{tumor}.pileups.table",
        normal=lambda w: (
            [f"results/somatic/contamination/{normal_of(w)}.pileups.table"] if normal_of(w) else []
        ),
    output:
        table="results/somatic/contamination/{tumor}.{mode}.contamination.table",
        segments="results/somatic/contamination/{tumor}.{mode}.segments.table",
    log:
        "logs/somatic/contamination/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/calculate_contamination/{tumor}.{mode}.tsv"
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
