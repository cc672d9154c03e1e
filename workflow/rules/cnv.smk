# Copy number of panel samples (tumours and normals) that passed their QC gate, with CNVkit: a
# reference pooled from the run's normals (a flat one when there is none, or the stored
# cnv.reference_cnn), bins, segments, purity-aware calls, gene-level table, scatter plot and
# noise metrics (MultiQC).


include: "helpers/cnv.smk"


CNV_SAMPLES = PANEL_SAMPLES if config["cnv"]["enabled"] else []
# normals pooled into the CNVkit reference (none: a flat reference; a stored one: not built)
CNV_NORMALS = [s for s in CNV_SAMPLES if TYPES[s] == "normal"]


check_cnv_settings()
if CNV_SAMPLES:
    register_envs("cnvkit")


rule cnv_reference:
    input:
        bams=[L.analysis_bam(s) for s in CNV_NORMALS],
        bais=[L.analysis_index(s) for s in CNV_NORMALS],
        # only normals that passed their QC gate
        qc_pass=outputs(L.qc.gate_pass, sample=CNV_NORMALS),
        targets=L.panel_coverage.targets,
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.cnv.reference,
    log:
        layout.log("cnv/reference"),
    benchmark:
        layout.benchmark("cnv_reference", "reference")
    conda:
        "../../envs/cnvkit.yaml"
    threads: threads_for("cnv_reference")
    resources:
        **resources_for("cnv_reference"),
    params:
        workdir=lambda w, output: f"{output[0]}.work",
        method=config["cnv"]["method"],
    message:
        "Building the CNVkit reference from {input.bams} (flat when there is no normal)"
    shell:
        "(rm -rf {params.workdir} && cnvkit.py batch --normal {input.bams} --targets {input.targets}"
        " --method {params.method} --fasta {input.ref} --output-reference {output}"
        " --output-dir {params.workdir} -p {threads} && rm -rf {params.workdir}) > {log} 2>&1"


rule cnv_call_cnvkit:
    input:
        **L.gated_alignment(),
        reference=config["cnv"]["reference_cnn"] or L.cnv.reference,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        # every panel gene gets a row in the gene table, also one CNVkit dropped all bins of
        targets=L.panel_coverage.targets,
    output:
        cnr=L.cnv.cnr,
        cns=L.cnv.cns,
        calls=L.cnv.calls,
        genes=L.cnv.genes,
        plot=L.cnv.plot,
        metrics=L.cnv.metrics,
    log:
        layout.log("cnv/{sample}"),
    benchmark:
        layout.benchmark("cnv_call_cnvkit", "{sample}")
    conda:
        "../../envs/cnvkit.yaml"
    threads: threads_for("cnv_call_cnvkit")
    resources:
        **resources_for("cnv_call_cnvkit"),
    params:
        workdir=lambda w, output: f"{output.cnr}.work",
        stem=lambda w, input: os.path.basename(input.bam).rsplit(".", 1)[0],
        method=config["cnv"]["method"],
        call=lambda w: cnv_call_args(w.sample),
        genes=config["cnv"]["genes"],
    message:
        "Calling copy number of {wildcards.sample} (CNVkit)"
    shell:
        "(rm -rf {params.workdir} && cnvkit.py batch {input.bam} --reference {input.reference}"
        " --method {params.method} --output-dir {params.workdir} -p {threads}"
        " && cp {params.workdir}/{params.stem}.cnr {output.cnr}"
        " && cp {params.workdir}/{params.stem}.cns {output.cns}"
        " && cnvkit.py call {output.cns} {params.call} -o {output.calls}"
        " && cnvkit.py scatter {output.cnr} -s {output.cns} --title {wildcards.sample}"
        " -o {output.plot}"
        " && cnvkit.py metrics {output.cnr} -s {output.cns} -o {output.metrics}"
        " && python -m dnaseq.steps cnv-genes --cnr {output.cnr} --calls {output.calls}"
        " --min-bins {params.genes[min_bins]} --min-depth {params.genes[min_mean_depth]}"
        " --amplification-copies {params.genes[amplification_copies]}"
        " --deletion-copies {params.genes[deletion_copies]} --targets {input.targets}"
        " --output {output.genes}"
        " && rm -rf {params.workdir}) > {log} 2>&1"


rule cnv_noise_multiqc:
    input:
        expand(L.cnv.metrics, sample=CNV_SAMPLES),
    output:
        L.cnv.noise,
    log:
        layout.log("cnv/noise"),
    benchmark:
        layout.benchmark("cnv_noise_multiqc", "noise")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("cnv_noise_multiqc")
    resources:
        **resources_for("cnv_noise_multiqc"),
    message:
        "Collecting CNV noise metrics (MultiQC)"
    shell:
        "python -m dnaseq.steps cnv-noise {input} --output {output} 2> {log}"


rule validate_cnv_calls:
    input:
        genes=rules.cnv_call_cnvkit.output.genes,
        truth=lambda w: config["validation_cnv"][w.sample]["truth_tsv"],
    output:
        L.cnv.validation,
    log:
        layout.log("validation/cnv/{sample}"),
    benchmark:
        layout.benchmark("validate_cnv_calls", "{sample}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("validate_cnv_calls")
    resources:
        **resources_for("validate_cnv_calls"),
    message:
        "Comparing the gene copy numbers of {wildcards.sample} with its planted truth"
    shell:
        "python -m dnaseq.steps cnv-validation --genes {input.genes} --truth {input.truth}"
        " --sample {wildcards.sample} --output {output} 2> {log}"


if CNV_SAMPLES:
    _cnv = rules.cnv_call_cnvkit.output
    deliver([_cnv.genes, _cnv.calls, _cnv.plot], sample=CNV_SAMPLES)
    to_multiqc(_cnv.plot, sample=CNV_SAMPLES)
    to_multiqc(rules.cnv_noise_multiqc.output)
    _cnv_truth = [s for s in config["validation_cnv"] if s in CNV_SAMPLES]
    deliver(rules.validate_cnv_calls.output, sample=_cnv_truth)
