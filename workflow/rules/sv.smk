# Germline structural variants of samples that passed their QC gate: delly and TIDDIT (Debian packages or bioconda), manta (bioconda
# only), each caller's PASS calls merged into one VCF per germline sample with the callers that
# found each event and the genes it overlaps; truvari compares them with a planted truth.


rule call_sv_delly:
    input:
        unpack(calling_bam_pair),
        ref=REF,
        fai=REF_FAI,
        exclude=config["sv"]["exclude_bed"] or [],
    output:
        vcf="results/sv/delly/{sample}.vcf.gz",
        tbi="results/sv/delly/{sample}.vcf.gz.tbi",
    log:
        "logs/sv/delly/{sample}.log",
    benchmark:
        "logs/benchmarks/call_sv_delly/{sample}.tsv"
    conda:
        "../../envs/delly.yaml"
    threads: threads_for("call_sv_delly")
    resources:
        **resources_for("call_sv_delly"),
    params:
        bcf=lambda w, output: f"{output.vcf}.work.bcf",
        exclude=lambda w, input: f"-x {input.exclude}" if input.exclude else "",
        extra=config["sv"]["delly"]["extra"],
    message:
        "Calling structural variants of {wildcards.sample} (delly)"
    shell:
        "(delly call -g {input.ref} {params.exclude} {params.extra} -o {params.bcf} {input.bam}"
        " && bcftools view -Oz -o {output.vcf} {params.bcf} && tabix -f -p vcf {output.vcf}"
        " && rm -f {params.bcf} {params.bcf}.csi) > {log} 2>&1"


rule call_sv_tiddit:
    input:
        unpack(calling_bam_pair),
        ref=REF,
        fai=REF_FAI,
    output:
        vcf="results/sv/tiddit/{sample}.vcf.gz",
        tbi="results/sv/tiddit/{sample}.vcf.gz.tbi",
    log:
        "logs/sv/tiddit/{sample}.log",
    benchmark:
        "logs/benchmarks/call_sv_tiddit/{sample}.tsv"
    conda:
        "../../envs/tiddit.yaml"
    threads: threads_for("call_sv_tiddit")
    resources:
        **resources_for("call_sv_tiddit"),
    params:
        workdir=lambda w, output: f"{output.vcf}.work",
        extra=config["sv"]["tiddit"]["extra"],
    message:
        "Calling structural variants of {wildcards.sample} (TIDDIT)"
    shell:
        # TIDDIT < 3.6.1 crashes when a sample has no SV candidate at all: that case (and only
        # that one, recognised in its log) becomes an empty call set, as 3.6.1 writes
        "(rm -rf {params.workdir} && mkdir -p {params.workdir}"
        " && (tiddit --sv --bam {input.bam} --ref {input.ref} -o {params.workdir}/calls"
        " --threads {threads} {params.extra} > {params.workdir}/tiddit.log 2>&1"
        " || python -m dnaseq.steps tiddit-no-calls {params.workdir}/tiddit.log {input.fai}"
        " {wildcards.sample} {params.workdir}/calls.vcf"
        " || (cat {params.workdir}/tiddit.log; false))"
        " && cat {params.workdir}/tiddit.log"
        " && bcftools sort -Oz -o {output.vcf} {params.workdir}/calls.vcf"
        " && tabix -f -p vcf {output.vcf} && rm -rf {params.workdir}) > {log} 2>&1"


rule call_sv_manta:
    input:
        unpack(calling_bam_pair),
        ref=REF,
        fai=REF_FAI,
    output:
        vcf="results/sv/manta/{sample}.vcf.gz",
        tbi="results/sv/manta/{sample}.vcf.gz.tbi",
    log:
        "logs/sv/manta/{sample}.log",
    benchmark:
        "logs/benchmarks/call_sv_manta/{sample}.tsv"
    conda:
        "../../envs/manta.yaml"
    threads: threads_for("call_sv_manta")
    resources:
        **resources_for("call_sv_manta"),
    params:
        rundir=lambda w, output: f"{output.vcf}.work",
        extra=config["sv"]["manta"]["extra"],
    message:
        "Calling structural variants of {wildcards.sample} (manta)"
    shell:
        "(rm -rf {params.rundir} && configManta.py --bam {input.bam} --referenceFasta {input.ref}"
        " --runDir {params.rundir} {params.extra}"
        " && {params.rundir}/runWorkflow.py -j {threads}"
        " && cp {params.rundir}/results/variants/diploidSV.vcf.gz {output.vcf}"
        " && tabix -f -p vcf {output.vcf} && rm -rf {params.rundir}) > {log} 2>&1"


rule merge_sv_calls:
    input:
        calls=lambda w: [f"results/sv/{c}/{w.sample}.vcf.gz" for c in SV_CALLERS],
        ref=REF,
        fai=REF_FAI,
        exclude=config["sv"]["exclude_bed"] or [],
        gff=report_gff() or [],
    output:
        vcf="results/sv/{sample}.vcf.gz",
        tbi="results/sv/{sample}.vcf.gz.tbi",
    log:
        "logs/sv/merge/{sample}.log",
    benchmark:
        "logs/benchmarks/merge_sv_calls/{sample}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("merge_sv_calls")
    resources:
        **resources_for("merge_sv_calls"),
    params:
        calls=lambda w, input: " ".join(
            f"{c}={v}" for c, v in zip(SV_CALLERS, input.calls, strict=True)
        ),
        optional=lambda w, input: " ".join(
            f"--{k} {input[k]}" for k in ("exclude", "gff") if input[k]
        ).replace("--gff ", "--gff3 "),
        merge=config["sv"]["merge"],
    message:
        "Merging the structural variant calls of {wildcards.sample}"
    shell:
        "python -m dnaseq.steps sv-merge --calls {params.calls} --sample {wildcards.sample}"
        " --reference {input.ref} {params.optional} --min-size {params.merge[min_size]}"
        " --max-distance {params.merge[max_distance]} --min-overlap {params.merge[min_overlap]}"
        " --min-callers {params.merge[min_callers]} --output {output.vcf} 2> {log}"


rule count_sv_types:
    input:
        expand("results/sv/{sample}.vcf.gz", sample=SV_SAMPLES),
    output:
        "results/qc/sv/sv_counts_mqc.tsv",
    log:
        "logs/sv/counts.log",
    benchmark:
        "logs/benchmarks/count_sv_types/counts.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("count_sv_types")
    resources:
        **resources_for("count_sv_types"),
    message:
        "Counting structural variants by type (MultiQC)"
    shell:
        "python -m dnaseq.steps sv-counts {input} --output {output} 2> {log}"


rule validate_sv_calls:
    input:
        calls="results/sv/{sample}.vcf.gz",
        truth=lambda w: config["validation_sv"][w.sample]["truth_vcf"],
        bed=lambda w: config["validation_sv"][w.sample]["eval_bed"],
    output:
        "results/validation/sv/{sample}.tsv",
    log:
        "logs/validation/sv/{sample}.log",
    benchmark:
        "logs/benchmarks/validate_sv_calls/{sample}.tsv"
    conda:
        "../../envs/truvari.yaml"
    threads: threads_for("validate_sv_calls")
    resources:
        **resources_for("validate_sv_calls"),
    params:
        workdir=lambda w, output: output[0].replace(".tsv", ".truvari"),
        min_size=config["sv"]["merge"]["min_size"],
    message:
        "Comparing the structural variants of {wildcards.sample} with its truth (truvari)"
    shell:
        "(rm -rf {params.workdir} && truvari bench -b {input.truth} -c {input.calls}"
        " -o {params.workdir} --includebed {input.bed} --pctseq 0 --passonly"
        " --sizemin {params.min_size} --refdist 500"
        " && python -m dnaseq.steps sv-validation --dir {params.workdir}"
        " --sample {wildcards.sample} --output {output}) > {log} 2>&1"


rule summarise_sv_validation:
    input:
        expand("results/validation/sv/{sample}.tsv", sample=SV_VALIDATED),
    output:
        report(
            "results/validation/sv_summary.tsv",
            caption="../report/captions/sv_validation.rst",
            category="Validation",
        ),
    log:
        "logs/validation/sv_summary.log",
    benchmark:
        "logs/benchmarks/summarise_sv_validation/summary.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_sv_validation")
    resources:
        **resources_for("summarise_sv_validation"),
    params:
        header_from=lambda w, input: input[0],
    message:
        "Collecting the structural variant validation tables"
    shell:
        "(head -n 1 {params.header_from} && tail -q -n +2 {input}) > {output} 2> {log}"


if SV_SAMPLES:
    deliver([rules.merge_sv_calls.output.vcf, rules.merge_sv_calls.output.tbi], sample=SV_SAMPLES)
    to_multiqc(rules.count_sv_types.output)
if SV_VALIDATED:
    deliver(rules.summarise_sv_validation.output)
