# Germline structural variants of samples that passed their QC gate: delly and TIDDIT (Debian
# packages or bioconda), manta (bioconda only), each caller's PASS calls merged into one VCF per
# germline sample with the callers that found each event and the genes it overlaps; truvari
# compares them with a planted truth.

SV_CALLERS = list(config["sv"]["callers"])
SV_SAMPLES = [s for s in SAMPLES if TYPES[s] == "germline"] if config["sv"]["enabled"] else []
SV_VALIDATED = [s for s in config["validation_sv"] if s in SV_SAMPLES]


rule call_sv_delly:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        exclude=config["sv"]["exclude_bed"] or [],
    output:
        vcf=layout.partial(L.sv.caller_vcf, sv_caller="delly"),
        tbi=layout.partial(L.sv.caller_tbi, sv_caller="delly"),
    log:
        layout.log("sv/delly/{sample}"),
    benchmark:
        layout.benchmark("call_sv_delly", "{sample}")
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
        # a sample delly cannot run on ("not enough data to estimate library parameters"):
        # delly's part is "not assessed" with the reason, and the run goes on (sv-not-assessed);
        # any other failure fails the job
        "(rm -f {params.bcf}.log"
        " && (delly call -g {input.ref} {params.exclude} {params.extra} -o {params.bcf}"
        " {input.bam} > {params.bcf}.log 2>&1"
        " || python -m dnaseq.steps sv-not-assessed --caller delly --log {params.bcf}.log"
        " --fai {input.fai} --sample {wildcards.sample} --output {params.bcf}"
        " || (cat {params.bcf}.log; false))"
        " && cat {params.bcf}.log"
        " && bcftools view -Oz -o {output.vcf} {params.bcf} && tabix -f -p vcf {output.vcf}"
        " && rm -f {params.bcf} {params.bcf}.csi {params.bcf}.log) > {log} 2>&1"


rule call_sv_tiddit:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        vcf=layout.partial(L.sv.caller_vcf, sv_caller="tiddit"),
        tbi=layout.partial(L.sv.caller_tbi, sv_caller="tiddit"),
    log:
        layout.log("sv/tiddit/{sample}"),
    benchmark:
        layout.benchmark("call_sv_tiddit", "{sample}")
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
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        vcf=layout.partial(L.sv.caller_vcf, sv_caller="manta"),
        tbi=layout.partial(L.sv.caller_tbi, sv_caller="manta"),
    log:
        layout.log("sv/manta/{sample}"),
    benchmark:
        layout.benchmark("call_sv_manta", "{sample}")
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
        calls=lambda w: outputs(L.sv.caller_vcf, sv_caller=SV_CALLERS, sample=[w.sample]),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        exclude=config["sv"]["exclude_bed"] or [],
        gff=annotation_gff() or [],
    output:
        vcf=L.sv.vcf,
        tbi=L.sv.tbi,
    log:
        layout.log("sv/merge/{sample}"),
    benchmark:
        layout.benchmark("merge_sv_calls", "{sample}")
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
        expand(L.sv.vcf, sample=SV_SAMPLES),
    output:
        L.sv.counts,
    log:
        layout.log("sv/counts"),
    benchmark:
        layout.benchmark("count_sv_types", "counts")
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
        calls=rules.merge_sv_calls.output.vcf,
        truth=lambda w: config["validation_sv"][w.sample]["truth_vcf"],
        bed=lambda w: config["validation_sv"][w.sample]["eval_bed"],
    output:
        L.sv.validation,
    log:
        layout.log("validation/sv/{sample}"),
    benchmark:
        layout.benchmark("validate_sv_calls", "{sample}")
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
        expand(L.sv.validation, sample=SV_VALIDATED),
    output:
        report(
            L.sv.validation_summary,
            caption="../report/captions/sv_validation.rst",
            category="Validation",
        ),
    log:
        layout.log("validation/sv_summary"),
    benchmark:
        layout.benchmark("summarise_sv_validation", "summary")
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


if config["sv"]["enabled"]:
    register_envs(*SV_CALLERS, *(["truvari"] if config["validation_sv"] else []))
if SV_SAMPLES:
    deliver([rules.merge_sv_calls.output.vcf, rules.merge_sv_calls.output.tbi], sample=SV_SAMPLES)
    to_multiqc(rules.count_sv_types.output)
if SV_VALIDATED:
    deliver(rules.summarise_sv_validation.output)
