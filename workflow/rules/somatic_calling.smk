# Somatic calling of tumours on the padded panel targets: tumour/normal identity first, then
# freebayes + the documented classification (scripts/dnaseq/steps/somatic_classify.py) and/or
# GATK Mutect2 with its orientation model and FilterMutectCalls. Paired mode when the tumour has
# a normal, tumour-only otherwise (somatic_runs in common.smk).


rule pad_somatic_targets:
    input:
        fasta=REF,
        fai=REF_FAI,
        targets=somatic_targets(),
    output:
        "results/somatic/targets.padded.bed",
    log:
        "logs/somatic/pad_targets.log",
    benchmark:
        "logs/benchmarks/pad_somatic_targets/pad_targets.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("pad_somatic_targets")
    resources:
        **resources_for("pad_somatic_targets"),
    params:
        padding=config["somatic"]["padding"],
    message:
        "Padding the somatic panel targets"
    shell:
        "python -m dnaseq.steps intervals --fasta {input.fasta} --targets {input.targets}"
        " --padding {params.padding} --callable {output} 2> {log}"


rule check_tumor_normal_identity:
    input:
        tumor="results/qc/identity/{tumor}.fingerprint.vcf.gz",
        normal=lambda w: f"results/qc/identity/{PAIRS[w.tumor]}.fingerprint.vcf.gz",
    output:
        "results/somatic/identity/{tumor}.pair_check.tsv",
    log:
        "logs/somatic/identity/{tumor}.log",
    benchmark:
        "logs/benchmarks/check_tumor_normal_identity/{tumor}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_tumor_normal_identity")
    resources:
        **resources_for("check_tumor_normal_identity"),
    params:
        normal=lambda w: PAIRS[w.tumor],
        min_depth=config["identity"]["min_depth"],
        min_sites=config["identity"]["min_sites"],
        threshold=config["somatic"]["pair_min_concordance"],
    message:
        "Checking that tumour {wildcards.tumor} and normal {params.normal} are the same person"
    shell:
        "python -m dnaseq.steps identity pair --tumor {wildcards.tumor}={input.tumor}"
        " --normal {params.normal}={input.normal} --min-depth {params.min_depth}"
        " --min-sites {params.min_sites} --threshold {params.threshold} --output {output}"
        " 2> {log}"


rule call_somatic_freebayes:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=REF,
        fai=REF_FAI,
        targets="results/somatic/targets.padded.bed",
    output:
        temp("results/somatic/freebayes/{tumor}.{mode}.raw.vcf.gz"),
    log:
        "logs/somatic/freebayes/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/call_somatic_freebayes/{tumor}.{mode}.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: threads_for("call_somatic_freebayes")
    resources:
        **resources_for("call_somatic_freebayes"),
    params:
        extra=config["somatic"]["freebayes_extra"],
        order=lambda w: ",".join([w.tumor] + ([normal_of(w)] if normal_of(w) else [])),
    message:
        "Calling somatic candidates in {wildcards.tumor} ({wildcards.mode}, freebayes)"
    shell:
        # columns: tumour first, then normal (freebayes sorts them by name)
        "(freebayes -f {input.ref} -t {input.targets} {params.extra} {input.bams}"
        " | bcftools view -s {params.order} -Ou"
        " | bcftools norm -f {input.ref} -m -any -Oz -o {output}) 2> {log}"


rule classify_somatic_freebayes:
    input:
        unpack(somatic_bams),
        vcf="results/somatic/freebayes/{tumor}.{mode}.raw.vcf.gz",
        ref=REF,
        germline=config["somatic"]["germline_resource"] or [],
    output:
        vcf="results/somatic/freebayes/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/freebayes/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/classify/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/classify_somatic_freebayes/{tumor}.{mode}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("classify_somatic_freebayes")
    resources:
        **resources_for("classify_somatic_freebayes"),
    params:
        normal=lambda w: f"--normal {normal_of(w)}" if normal_of(w) else "",
        thresholds=json.dumps(config["somatic"]["classification"]),
        germline=lambda w, input: (
            f"--germline-resource {input.germline}" if input.germline else ""
        ),
        # evidence in fragments (overlapping mates once): each sample's BAM
        bams=lambda w, input: " ".join(
            f"--bam {s}={b}"
            for s, b in zip([w.tumor] + ([normal_of(w)] if normal_of(w) else []), input.bams)
        ),
    message:
        "Classifying somatic vs germline/artefact in {wildcards.tumor} ({wildcards.mode})"
    shell:
        "(python -m dnaseq.steps somatic-classify --input {input.vcf} --output {output.vcf}"
        " --tumor {wildcards.tumor} {params.normal} --thresholds {params.thresholds:q}"
        " {params.germline} {params.bams} --reference {input.ref}"
        " && tabix -f -p vcf {output.vcf}) 2> {log}"


rule call_somatic_mutect2:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=REF,
        fai=REF_FAI,
        dict=REF_DICT,
        targets="results/somatic/targets.padded.bed",
        resources=mutect2_resources(),
    output:
        vcf=temp("results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz"),
        stats=temp("results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz.stats"),
        f1r2=temp("results/somatic/mutect2/{tumor}.{mode}.f1r2.tar.gz"),
    log:
        "logs/somatic/mutect2/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/call_somatic_mutect2/{tumor}.{mode}.tsv"
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("call_somatic_mutect2")
    resources:
        **resources_for("call_somatic_mutect2"),
    params:
        inputs=lambda w, input: " ".join(f"-I {b}" for b in input.bams),
        normal=lambda w: f"-normal {normal_of(w)}" if normal_of(w) else "",
        resources=mutect2_resource_args(),
        extra=config["somatic"]["mutect2_extra"],
    message:
        "Calling somatic variants in {wildcards.tumor} ({wildcards.mode}, Mutect2)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' Mutect2 -R {input.ref} {params.inputs}"
        " {params.normal} {params.resources} -L {input.targets}"
        " --native-pair-hmm-threads {threads} --f1r2-tar-gz {output.f1r2} {params.extra}"
        " -O {output.vcf} 2> {log}"


rule learn_read_orientation_model:
    input:
        "results/somatic/mutect2/{tumor}.{mode}.f1r2.tar.gz",
    output:
        temp("results/somatic/mutect2/{tumor}.{mode}.read_orientation_model.tar.gz"),
    log:
        "logs/somatic/orientation/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/learn_read_orientation_model/{tumor}.{mode}.tsv"
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("learn_read_orientation_model")
    resources:
        **resources_for("learn_read_orientation_model"),
    message:
        "Learning the read-orientation model of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' LearnReadOrientationModel -I {input}"
        " -O {output} 2> {log}"


rule filter_mutect2_calls:
    input:
        vcf="results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz",
        stats="results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz.stats",
        model="results/somatic/mutect2/{tumor}.{mode}.read_orientation_model.tar.gz",
        contamination=contamination_tables,
        ref=REF,
        dict=REF_DICT,
    output:
        vcf="results/somatic/mutect2/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/mutect2/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/filtermutectcalls/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/filter_mutect2_calls/{tumor}.{mode}.tsv"
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("filter_mutect2_calls")
    resources:
        **resources_for("filter_mutect2_calls"),
    params:
        contamination=lambda w, input: (
            f"--contamination-table {input.contamination[0]}"
            f" --tumor-segmentation {input.contamination[1]}"
            if input.contamination
            else ""
        ),
        tmp=lambda w, output: output.vcf.replace(".vcf.gz", ".filtered.tmp.vcf.gz"),
    message:
        "Filtering Mutect2 calls of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "(gatk --java-options '-Xmx{resources.mem_mb}m' FilterMutectCalls -R {input.ref}"
        " -V {input.vcf} --stats {input.stats} --ob-priors {input.model} {params.contamination}"
        " -O {params.tmp}"
        " && bcftools norm -f {input.ref} -m -any -Oz -o {output.vcf} {params.tmp}"
        " && tabix -f -p vcf {output.vcf} && rm -f {params.tmp} {params.tmp}.tbi) 2> {log}"


# the final, indexed VCF of each somatic caller (delivered in somatic_lofreq_vardict.smk)
SOMATIC_CALLS = {
    "freebayes": rules.classify_somatic_freebayes.output,
    "mutect2": rules.filter_mutect2_calls.output,
}
