# Alignment, coverage and call-set QC, the QC gate before calling, tool versions, and the MultiQC
# report that collects them (its inputs are read when the DAG is built, after every module has
# registered its own).


include: "helpers/qc.smk"


rule stats_alignments_samtools:
    input:
        **L.alignment(),
        ref=L.reference.fasta,
    output:
        L.qc.stats,
    log:
        layout.log("qc/samtools_stats/{sample}"),
    benchmark:
        layout.benchmark("stats_alignments_samtools", "{sample}")
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
        **L.alignment(),
        ref=L.reference.fasta,
    output:
        flagstat=L.qc.flagstat,
        idxstats=L.qc.idxstats,
    log:
        layout.log("qc/samtools_flagstat/{sample}"),
    benchmark:
        layout.benchmark("flagstat_alignments_samtools", "{sample}")
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
        **L.alignment(),
        bed=depth_territory,
        ref=L.reference.fasta,
    output:
        summary=L.qc.mosdepth_summary,
        dist=L.qc.mosdepth_dist,
        region_dist=L.qc.mosdepth_region_dist,
        regions=L.qc.mosdepth_regions,
    log:
        layout.log("qc/mosdepth/{sample}"),
    benchmark:
        layout.benchmark("coverage_mosdepth", "{sample}")
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
        # then every contig of the BED, read or not, in the summary and distribution
        "(mosdepth --threads {threads} --fasta {input.ref} --no-per-base --by {input.bed}"
        " {params.prefix} {input.bam}"
        " && python -m dnaseq.steps coverage-complete --bed {input.bed}"
        " --summary {output.summary} --region-dist {output.region_dist}) 2> {log}"


rule evaluate_sample_qc:
    input:
        fastp=lambda w: outputs(
            L.trimming.fastp_json, sample=[w.sample], unit=READ_UNITS_OF[w.sample]
        ),
        reused=lambda w: reused_sources(w.sample),
        flagstat=rules.flagstat_alignments_samtools.output.flagstat,
        mosdepth=rules.coverage_mosdepth.output.summary,
    output:
        L.qc.verdict,
    log:
        layout.log("qc/gate/{sample}"),
    benchmark:
        layout.benchmark("evaluate_sample_qc", "{sample}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("evaluate_sample_qc")
    resources:
        **resources_for("evaluate_sample_qc"),
    params:
        thresholds=lambda w: json.dumps(gate_thresholds(w.sample)),
    message:
        "Judging whether {wildcards.sample} has enough usable data (config qc_gate)"
    shell:
        "python -m dnaseq.steps qc-gate evaluate --sample {wildcards.sample}"
        " --fastp {input.fastp} --reused {input.reused} --flagstat {input.flagstat} --mosdepth {input.mosdepth}"
        " --thresholds {params.thresholds:q} --output {output} 2> {log}"


rule require_sample_qc:
    input:
        rules.evaluate_sample_qc.output,
    output:
        L.qc.gate_pass,
    log:
        layout.log("qc/gate/{sample}.require"),
    benchmark:
        layout.benchmark("require_sample_qc", "{sample}.require")
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
        L.qc.versions,
    log:
        layout.log("qc/versions/{env}"),
    benchmark:
        layout.benchmark("report_tool_versions", "{env}")
    conda:
        lambda w: f"../../envs/{w.env}.yaml"
    threads: threads_for("report_tool_versions")
    resources:
        **resources_for("report_tool_versions"),
    params:
        commands=lambda w: versions.version_shell(w.env, ENV_PROBES.get(w.env)),
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
            L.qc.multiqc,
            caption="../report/captions/multiqc.rst",
            category="Quality control",
        ),
    log:
        layout.log("qc/multiqc"),
    benchmark:
        layout.benchmark("report_multiqc", "multiqc")
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
deliver(rules.report_multiqc.output)
deliver(rules.evaluate_sample_qc.output, sample=SAMPLES)
