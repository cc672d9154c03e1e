# Panel coverage QC for tumour and normal samples, on the unpadded targets: per-target and
# per-gene depth, % bases >= thresholds, low-coverage targets, on-target rate, Picard HsMetrics.

PANEL_TARGETS = "results/reference/panel_targets.merged.bed"


rule merge_panel_targets:
    input:
        targets=somatic_targets(),
        fasta=REF,
        fai=REF_FAI,
    output:
        PANEL_TARGETS,
    log:
        "logs/panel/merge_targets.log",
    benchmark:
        "logs/benchmarks/merge_panel_targets/merge_targets.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("merge_panel_targets")
    resources:
        **resources_for("merge_panel_targets"),
    message:
        "Merging overlapping panel targets (each base counted once in coverage and TMB)"
    shell:
        "python -m dnaseq.steps merge-targets --fasta {input.fasta} --targets {input.targets}"
        " --output {output} 2> {log}"


rule coverage_panel_mosdepth:
    input:
        unpack(analysis_bam_pair),
        bed=PANEL_TARGETS,
        ref=REF,
    output:
        regions="results/qc/panel/{sample}.regions.bed.gz",
        thresholds="results/qc/panel/{sample}.thresholds.bed.gz",
        summary="results/qc/panel/{sample}.mosdepth.summary.txt",
        region_dist="results/qc/panel/{sample}.mosdepth.region.dist.txt",
    log:
        "logs/panel/mosdepth/{sample}.log",
    benchmark:
        "logs/benchmarks/coverage_panel_mosdepth/{sample}.tsv"
    conda:
        "../../envs/mosdepth.yaml"
    threads: threads_for("coverage_panel_mosdepth")
    resources:
        **resources_for("coverage_panel_mosdepth"),
    params:
        prefix=lambda w, output: output.summary.replace(".mosdepth.summary.txt", ""),
        thresholds=",".join(map(str, panel_thresholds())),
    message:
        "Measuring coverage of {wildcards.sample} on the panel targets (mosdepth)"
    shell:
        "mosdepth --threads {threads} --fasta {input.ref} --no-per-base --by {input.bed}"
        " --thresholds {params.thresholds} {params.prefix} {input.bam} 2> {log}"


rule count_on_target_reads:
    input:
        unpack(analysis_bam_pair),
        bed=PANEL_TARGETS,
        ref=REF,
    output:
        "results/qc/panel/{sample}.on_target_reads.txt",
    log:
        "logs/panel/on_target/{sample}.log",
    benchmark:
        "logs/benchmarks/count_on_target_reads/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("count_on_target_reads")
    resources:
        **resources_for("count_on_target_reads"),
    message:
        "Counting on-target reads of {wildcards.sample}"
    shell:
        # primary, mapped, non-duplicate reads; then those overlapping a target
        "(samtools view -c -F 0xD04 -T {input.ref} {input.bam} && samtools view -c -F 0xD04"
        " -T {input.ref} -L {input.bed} {input.bam}) > {output} 2> {log}"


rule report_panel_coverage:
    input:
        regions="results/qc/panel/{sample}.regions.bed.gz",
        thresholds="results/qc/panel/{sample}.thresholds.bed.gz",
        reads="results/qc/panel/{sample}.on_target_reads.txt",
    output:
        per_target="results/qc/panel/{sample}.per_target.tsv",
        per_gene="results/qc/panel/{sample}.per_gene.tsv",
        low="results/qc/panel/{sample}.low_coverage.bed",
        multiqc="results/qc/panel/{sample}.panel_mqc.tsv",
    log:
        "logs/panel/report/{sample}.log",
    benchmark:
        "logs/benchmarks/report_panel_coverage/{sample}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("report_panel_coverage")
    resources:
        **resources_for("report_panel_coverage"),
    params:
        min_depth=config["somatic"]["coverage"]["min_mean_depth"],
    message:
        "Summarising panel coverage of {wildcards.sample} per target and gene"
    shell:
        "python -m dnaseq.steps panel-coverage --sample {wildcards.sample} --regions {input.regions}"
        " --thresholds {input.thresholds} --reads {input.reads}"
        " --min-mean-depth {params.min_depth} --per-target {output.per_target}"
        " --per-gene {output.per_gene} --low-coverage {output.low}"
        " --multiqc {output.multiqc} 2> {log}"


rule targets_interval_list:
    input:
        bed=PANEL_TARGETS,
        dict=REF_DICT,
    output:
        "results/qc/panel/targets.interval_list",
    log:
        "logs/panel/interval_list.log",
    benchmark:
        "logs/benchmarks/targets_interval_list/interval_list.tsv"
    conda:
        "../../envs/picard.yaml"
    threads: threads_for("targets_interval_list")
    resources:
        **resources_for("targets_interval_list"),
    message:
        "Converting the panel targets to a Picard interval list"
    shell:
        "picard -Xmx{resources.mem_mb}m BedToIntervalList -I {input.bed} -SD {input.dict}"
        " -O {output} 2> {log}"


rule hs_metrics_picard:
    input:
        unpack(analysis_bam_pair),
        intervals="results/qc/panel/targets.interval_list",
        ref=REF,
        fai=REF_FAI,
    output:
        "results/qc/panel/{sample}.hs_metrics.txt",
    log:
        "logs/panel/hs_metrics/{sample}.log",
    benchmark:
        "logs/benchmarks/hs_metrics_picard/{sample}.tsv"
    conda:
        "../../envs/picard.yaml"
    threads: threads_for("hs_metrics_picard")
    resources:
        **resources_for("hs_metrics_picard"),
    message:
        "Collecting hybrid-selection metrics of {wildcards.sample} (Picard CollectHsMetrics)"
    shell:
        "picard -Xmx{resources.mem_mb}m CollectHsMetrics -I {input.bam} -O {output}"
        " -R {input.ref} -BAIT_INTERVALS {input.intervals}"
        " -TARGET_INTERVALS {input.intervals} 2> {log}"


_panel = rules.report_panel_coverage.output
deliver([_panel.per_target, _panel.per_gene, _panel.low], sample=PANEL_SAMPLES)
to_multiqc([_panel.multiqc, *rules.hs_metrics_picard.output], sample=PANEL_SAMPLES)
