# Panel coverage QC for tumour and normal samples, on the unpadded targets: per-target and
# per-gene depth, % bases >= thresholds, low-coverage targets, on-target rate, Picard HsMetrics.


include: "helpers/panel_coverage.smk"


rule merge_panel_targets:
    input:
        targets=SOMATIC_TARGETS,
        fasta=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.panel_coverage.targets,
    log:
        layout.log("panel/merge_targets"),
    benchmark:
        layout.benchmark("merge_panel_targets", "merge_targets")
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
        **L.alignment(),
        bed=rules.merge_panel_targets.output[0],
        ref=L.reference.fasta,
    output:
        regions=L.panel_coverage.regions,
        thresholds=L.panel_coverage.thresholds,
        summary=L.panel_coverage.summary,
        region_dist=L.panel_coverage.region_dist,
    log:
        layout.log("panel/mosdepth/{sample}"),
    benchmark:
        layout.benchmark("coverage_panel_mosdepth", "{sample}")
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
        # then every contig of the BED, read or not, in the summary and distribution
        "(mosdepth --threads {threads} --fasta {input.ref} --no-per-base --by {input.bed}"
        " --thresholds {params.thresholds} {params.prefix} {input.bam}"
        " && python -m dnaseq.steps coverage-complete --bed {input.bed}"
        " --summary {output.summary} --region-dist {output.region_dist}) 2> {log}"


rule count_on_target_reads:
    input:
        **L.alignment(),
        bed=rules.merge_panel_targets.output[0],
        ref=L.reference.fasta,
    output:
        L.panel_coverage.on_target,
    log:
        layout.log("panel/on_target/{sample}"),
    benchmark:
        layout.benchmark("count_on_target_reads", "{sample}")
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
        regions=rules.coverage_panel_mosdepth.output.regions,
        thresholds=rules.coverage_panel_mosdepth.output.thresholds,
        reads=rules.count_on_target_reads.output[0],
    output:
        per_target=L.panel_coverage.per_target,
        per_gene=L.panel_coverage.per_gene,
        low=L.panel_coverage.low_coverage,
        multiqc=L.panel_coverage.multiqc,
    log:
        layout.log("panel/report/{sample}"),
    benchmark:
        layout.benchmark("report_panel_coverage", "{sample}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("report_panel_coverage")
    resources:
        **resources_for("report_panel_coverage"),
    params:
        min_depth=coverage_min_depth(),
        min_breadth=config["somatic"]["coverage"]["min_breadth"],
    message:
        "Summarising panel coverage of {wildcards.sample} per target and gene"
    shell:
        "python -m dnaseq.steps panel-coverage --sample {wildcards.sample} --regions {input.regions}"
        " --thresholds {input.thresholds} --reads {input.reads}"
        " --min-mean-depth {params.min_depth} --min-breadth {params.min_breadth}"
        " --per-target {output.per_target}"
        " --per-gene {output.per_gene} --low-coverage {output.low}"
        " --multiqc {output.multiqc} 2> {log}"


rule targets_interval_list:
    input:
        bed=rules.merge_panel_targets.output[0],
        dict=L.reference.dict,
    output:
        L.panel_coverage.interval_list,
    log:
        layout.log("panel/interval_list"),
    benchmark:
        layout.benchmark("targets_interval_list", "interval_list")
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
        **L.alignment(),
        intervals=rules.targets_interval_list.output[0],
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.panel_coverage.hs_metrics,
    log:
        layout.log("panel/hs_metrics/{sample}"),
    benchmark:
        layout.benchmark("hs_metrics_picard", "{sample}")
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
