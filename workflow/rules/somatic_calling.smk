# Somatic calling of tumours on the padded panel targets: tumour/normal identity first, then
# freebayes + the documented classification (scripts/dnaseq/steps/somatic_classify.py) and/or
# GATK Mutect2 with its orientation model and FilterMutectCalls. Paired mode when the tumour has
# a normal, tumour-only otherwise. Every somatic caller writes its final calls to L.somatic.vcf
# (its name as {caller}) and registers itself (register_somatic_caller in helpers/somatic.smk).


include: "helpers/somatic.smk"


check_somatic_settings()


rule pad_somatic_targets:
    input:
        fasta=L.reference.fasta,
        fai=L.reference.fai,
        targets=SOMATIC_TARGETS,
    output:
        L.somatic.padded_targets,
    log:
        layout.log("somatic/pad_targets"),
    benchmark:
        layout.benchmark("pad_somatic_targets", "pad_targets")
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
        tumor=layout.partial(L.identity.fingerprint, sample="{tumor}"),
        normal=lambda w: outputs(L.identity.fingerprint, sample=[PAIRS[w.tumor]]),
        sites=config["identity"]["sites"],  # population AF (INFO/AF) of every site
    output:
        L.somatic.pair_check,
    log:
        layout.log("somatic/identity/{tumor}"),
    benchmark:
        layout.benchmark("check_tumor_normal_identity", "{tumor}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_tumor_normal_identity")
    resources:
        **resources_for("check_tumor_normal_identity"),
    params:
        normal=lambda w: PAIRS[w.tumor],
        min_depth=config["identity"]["min_depth"],
        min_sites=config["identity"]["min_sites"],
        min_lod=config["identity"]["min_lod"],
    message:
        "Checking that tumour {wildcards.tumor} and normal {params.normal} are the same person"
    shell:
        "python -m dnaseq.steps identity pair --tumor {wildcards.tumor}={input.tumor}"
        " --normal {params.normal}={input.normal} --min-depth {params.min_depth}"
        " --min-sites {params.min_sites} --min-lod {params.min_lod} --sites {input.sites} --output {output}"
        " 2> {log}"


rule call_somatic_freebayes:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        targets=rules.pad_somatic_targets.output[0],
    output:
        temp(layout.partial(L.somatic.raw_vcf, caller="freebayes")),
    log:
        layout.log("somatic/freebayes/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("call_somatic_freebayes", "{tumor}.{mode}")
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
        vcf=rules.call_somatic_freebayes.output[0],
        ref=L.reference.fasta,
        germline=config["somatic"]["germline_resource"] or [],
    output:
        vcf=layout.partial(L.somatic.vcf, caller="freebayes"),
        tbi=layout.partial(L.somatic.tbi, caller="freebayes"),
    log:
        layout.log("somatic/classify/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("classify_somatic_freebayes", "{tumor}.{mode}")
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
        ref=L.reference.fasta,
        fai=L.reference.fai,
        dict=L.reference.dict,
        targets=rules.pad_somatic_targets.output[0],
        resources=mutect2_resources(),
    output:
        vcf=temp(L.somatic.mutect2_unfiltered),
        stats=temp(L.somatic.mutect2_stats),
        f1r2=temp(L.somatic.mutect2_f1r2),
    log:
        layout.log("somatic/mutect2/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("call_somatic_mutect2", "{tumor}.{mode}")
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
        rules.call_somatic_mutect2.output.f1r2,
    output:
        temp(L.somatic.mutect2_orientation),
    log:
        layout.log("somatic/orientation/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("learn_read_orientation_model", "{tumor}.{mode}")
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
        vcf=rules.call_somatic_mutect2.output.vcf,
        stats=rules.call_somatic_mutect2.output.stats,
        model=rules.learn_read_orientation_model.output[0],
        contamination=contamination_tables,
        ref=L.reference.fasta,
        dict=L.reference.dict,
    output:
        vcf=layout.partial(L.somatic.vcf, caller="mutect2"),
        tbi=layout.partial(L.somatic.tbi, caller="mutect2"),
    log:
        layout.log("somatic/filtermutectcalls/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("filter_mutect2_calls", "{tumor}.{mode}")
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


register_somatic_caller("freebayes", env="freebayes")
register_somatic_caller("mutect2", env="gatk")
