# Alignment, coverage and call-set QC, tool versions, and the MultiQC report that collects them.


rule stats_alignments_samtools:
    input:
        unpack(analysis_bam_pair),
        ref=REF,
    output:
        "results/qc/samtools/{sample}.stats.txt",
    log:
        "logs/qc/samtools_stats/{sample}.log",
    benchmark:
        "logs/benchmarks/stats_alignments_samtools/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("stats_alignments_samtools")
    resources:
        **resources_for("stats_alignments_samtools"),
    message:
        "Collecting alignment statistics of {wildcards.sample} (samtools stats)"
    shell:
        "samtools stats -@ {threads} --reference {input.ref} -r {input.ref} {input.bam}"
        " > {output} 2> {log}"


# flagstat apart from stats: the QC gate before calling needs only these counts (one fast pass);
# idxstats (reads per contig, for the sex check) comes from the index, no pass over the reads
rule flagstat_alignments_samtools:
    input:
        unpack(analysis_bam_pair),
        ref=REF,
    output:
        flagstat="results/qc/samtools/{sample}.flagstat.txt",
        idxstats="results/qc/identity/{sample}.idxstats.txt",
    log:
        "logs/qc/samtools_flagstat/{sample}.log",
    benchmark:
        "logs/benchmarks/flagstat_alignments_samtools/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("flagstat_alignments_samtools")
    resources:
        **resources_for("flagstat_alignments_samtools"),
    message:
        "Counting mapped and properly paired reads of {wildcards.sample} (samtools flagstat, idxstats)"
    shell:
        "(samtools flagstat -@ {threads} --input-fmt-option reference={input.ref} {input.bam}"
        " > {output.flagstat} && samtools idxstats {input.bam} > {output.idxstats}) 2> {log}"


rule coverage_mosdepth:
    input:
        unpack(analysis_bam_pair),
        bed=config["targets"]["bed"] or "results/reference/callable.bed",
        ref=REF,
    output:
        summary="results/qc/mosdepth/{sample}.mosdepth.summary.txt",
        dist="results/qc/mosdepth/{sample}.mosdepth.global.dist.txt",
        region_dist="results/qc/mosdepth/{sample}.mosdepth.region.dist.txt",
        regions="results/qc/mosdepth/{sample}.regions.bed.gz",
    log:
        "logs/qc/mosdepth/{sample}.log",
    benchmark:
        "logs/benchmarks/coverage_mosdepth/{sample}.tsv"
    conda:
        "../../envs/mosdepth.yaml"
    threads: threads_for("coverage_mosdepth")
    resources:
        **resources_for("coverage_mosdepth"),
    params:
        prefix=lambda w, output: output.summary.replace(".mosdepth.summary.txt", ""),
    message:
        "Measuring coverage of {wildcards.sample} over the callable/target regions (mosdepth)"
    shell:
        "mosdepth --threads {threads} --fasta {input.ref} --no-per-base --by {input.bed}"
        " {params.prefix}"
        " {input.bam} 2> {log}"


rule evaluate_sample_qc:
    input:
        fastp=lambda w: outputs(
            rules.trim_reads_fastp.output.json, sample=[w.sample], unit=units_of(w.sample)
        ),
        flagstat=rules.flagstat_alignments_samtools.output.flagstat,
        mosdepth=rules.coverage_mosdepth.output.summary,
    output:
        "results/qc/gate/{sample}.verdict.json",
    log:
        "logs/qc/gate/{sample}.log",
    benchmark:
        "logs/benchmarks/evaluate_sample_qc/{sample}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("evaluate_sample_qc")
    resources:
        **resources_for("evaluate_sample_qc"),
    params:
        thresholds=json.dumps(config["qc_gate"]),
    message:
        "Judging whether {wildcards.sample} has enough usable data (config qc_gate)"
    shell:
        "python -m dnaseq.steps qc-gate evaluate --sample {wildcards.sample}"
        " --fastp {input.fastp} --flagstat {input.flagstat} --mosdepth {input.mosdepth}"
        " --thresholds {params.thresholds:q} --output {output} 2> {log}"


rule require_sample_qc:
    input:
        rules.evaluate_sample_qc.output,
    output:
        "results/qc/gate/{sample}.pass",
    log:
        "logs/qc/gate/{sample}.require.log",
    benchmark:
        "logs/benchmarks/require_sample_qc/{sample}.require.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("require_sample_qc")
    resources:
        **resources_for("require_sample_qc"),
    message:
        "Stopping variant calling of {wildcards.sample} if its QC verdict is FAIL"
    shell:
        "python -m dnaseq.steps qc-gate require {input} --output {output} 2> {log}"


rule report_tool_versions:
    output:
        "results/qc/versions/{env}_mqc_versions.yml",
    log:
        "logs/qc/versions/{env}.log",
    benchmark:
        "logs/benchmarks/report_tool_versions/{env}.tsv"
    conda:
        lambda w: f"../../envs/{w.env}.yaml"
    threads: threads_for("report_tool_versions")
    resources:
        **resources_for("report_tool_versions"),
    params:
        commands=lambda w: versions.version_shell(w.env),
    message:
        "Asking the {wildcards.env} environment's tools for their versions"
    shell:
        "({params.commands}) > {output} 2> {log}"


rule report_multiqc:
    input:
        lambda w: MULTIQC_INPUTS,
        config=workflow.source_path("../../config/multiqc_config.yaml"),
    output:
        report(
            "results/multiqc/multiqc_report.html",
            caption="../report/captions/multiqc.rst",
            category="Quality control",
        ),
    log:
        "logs/qc/multiqc.log",
    benchmark:
        "logs/benchmarks/report_multiqc/multiqc.tsv"
    conda:
        "../../envs/multiqc.yaml"
    threads: threads_for("report_multiqc")
    resources:
        **resources_for("report_multiqc"),
    params:
        outdir=lambda w, output: os.path.dirname(output[0]),
    message:
        "Collecting all QC into the MultiQC report"
    shell:
        "multiqc --force --config {input.config} --outdir {params.outdir}"
        " --filename multiqc_report.html {input} > {log} 2>&1"


to_multiqc(rules.stats_alignments_samtools.output, sample=SAMPLES)
to_multiqc(rules.flagstat_alignments_samtools.output.flagstat, sample=SAMPLES)
_mosdepth = rules.coverage_mosdepth.output
to_multiqc([_mosdepth.summary, _mosdepth.dist, _mosdepth.region_dist], sample=SAMPLES)
to_multiqc(rules.report_tool_versions.output, env=env_names())
deliver(rules.report_multiqc.output)
deliver(rules.evaluate_sample_qc.output, sample=SAMPLES)
