# Somatic calling with LoFreq and VarDictJava on chunks of the padded panel targets, paired or
# tumour-only; their chunk VCFs go through the shared gather + evidence steps
# (somatic_evidence.smk). The panel of normals is built here from the run's normals with LoFreq
# (or a stored one is used).

SOMATIC_CHUNKS = [f"{i:04d}" for i in range(config["somatic"]["scatter"])]


rule lofreq_indel_qualities:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        bam=temp(L.somatic.lofreq_bam),
        bai=temp(L.somatic.lofreq_bai),
    log:
        layout.log("somatic/lofreq/{sample}.indelqual"),
    benchmark:
        layout.benchmark("lofreq_indel_qualities", "{sample}")
    conda:
        "../../envs/lofreq.yaml"
    threads: threads_for("lofreq_indel_qualities")
    resources:
        **resources_for("lofreq_indel_qualities"),
    message:
        "Realigning indels and adding indel qualities for LoFreq: {wildcards.sample}"
    shell:
        # viterbi realignment, then Dindel-style indel qualities (LoFreq's indel pipeline)
        "(lofreq viterbi -f {input.ref} {input.bam}"
        " | lofreq indelqual --dindel -f {input.ref} -"
        " | samtools sort -@ {threads} -o {output.bam} -"
        " && samtools index {output.bam}) 2> {log}"


rule split_somatic_targets:
    input:
        fasta=L.reference.fasta,
        fai=L.reference.fai,
        targets=rules.pad_somatic_targets.output[0],
    output:
        chunks=expand(L.somatic.chunk, chunk=SOMATIC_CHUNKS),
        merged=L.somatic.chunks_merged,
    log:
        layout.log("somatic/split_targets"),
    benchmark:
        layout.benchmark("split_somatic_targets", "split_targets")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("split_somatic_targets")
    resources:
        **resources_for("split_somatic_targets"),
    params:
        chunks=len(SOMATIC_CHUNKS),  # a changed somatic.scatter redoes the split
    message:
        "Splitting the padded panel targets into chunks for LoFreq/VarDict"
    shell:
        "python -m dnaseq.steps intervals --fasta {input.fasta} --targets {input.targets}"
        " --callable {output.merged} {output.chunks} 2> {log}"


rule call_somatic_lofreq:
    input:
        bams=lambda w: outputs(rules.lofreq_indel_qualities.output.bam, sample=somatic_samples(w)),
        bais=lambda w: outputs(rules.lofreq_indel_qualities.output.bai, sample=somatic_samples(w)),
        checked=pair_check,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        targets=L.somatic.chunk,
    output:
        temp(layout.partial(L.somatic.chunk_vcf, caller="lofreq")),
    log:
        layout.log("somatic/lofreq/{tumor}.{mode}.{chunk}"),
    benchmark:
        layout.benchmark("call_somatic_lofreq", "{tumor}.{mode}.{chunk}")
    conda:
        "../../envs/lofreq.yaml"
    threads: threads_for("call_somatic_lofreq")
    resources:
        **resources_for("call_somatic_lofreq"),
    params:
        work=lambda w, output: f"{output[0]}.work",
        extra=config["somatic"]["lofreq"]["extra"],
        normal=lambda w, input: input.bams[1] if len(input.bams) > 1 else "",
    message:
        "Calling somatic variants in {wildcards.tumor} ({wildcards.mode}, LoFreq,"
        " chunk {wildcards.chunk})"
    shell:
        "(rm -rf {params.work} && mkdir -p {params.work}"
        " && if [ {wildcards.mode} = paired ]; then"
        "  lofreq somatic -t {input.bams[0]} -n {params.normal} -f {input.ref}"
        "   -l {input.targets} --call-indels --threads {threads} {params.extra}"
        "   -o {params.work}/out_"
        "  && bcftools concat -a {params.work}/out_somatic_final.snvs.vcf.gz"
        "   {params.work}/out_somatic_final.indels.vcf.gz -Ov -o {params.work}/calls.vcf;"
        " else"
        "  lofreq call-parallel --pp-threads {threads} --call-indels -f {input.ref}"
        "   -l {input.targets} {params.extra} -o {params.work}/calls.vcf {input.bams[0]};"
        " fi"
        " && bcftools norm -f {input.ref} -m -any {params.work}/calls.vcf -Ou"
        " | bcftools sort -Oz -o {output} && rm -rf {params.work}) 2> {log}"


rule call_somatic_vardict:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        targets=L.somatic.chunk,
    output:
        temp(layout.partial(L.somatic.chunk_vcf, caller="vardict")),
    log:
        layout.log("somatic/vardict/{tumor}.{mode}.{chunk}"),
    benchmark:
        layout.benchmark("call_somatic_vardict", "{tumor}.{mode}.{chunk}")
    conda:
        "../../envs/vardict.yaml"
    threads: threads_for("call_somatic_vardict")
    resources:
        **resources_for("call_somatic_vardict"),
    params:
        bams=lambda w, input: "|".join(input.bams),
        names=lambda w: "|".join(somatic_samples(w)),
        min_vaf=config["somatic"]["vardict"]["min_vaf"],
        # var2vcf's minimum variant depth (default 3) in line with the fragment evidence rule
        min_alt=config["somatic"]["evidence"]["min_alt_fragments"],
        extra=config["somatic"]["vardict"]["extra"],
        tmp=lambda w, output: f"{output[0]}.tmp.vcf",
        # JVM heap: the job's memory less room for the JVM itself
        heap=lambda w, resources: max(512, int(resources.mem_mb * 0.8)),
    message:
        "Calling somatic variants in {wildcards.tumor} ({wildcards.mode}, VarDict,"
        " chunk {wildcards.chunk})"
    shell:
        # -u: overlapping mates counted once; -fisher: VarDict's tests in Java (no R needed);
        # var2vcf_paired.pl gives STATUS (StrongSomatic, Germline, LOH, ...) per variant
        # htsjdk reads CRAM with the reference named by samjdk.reference_fasta
        "(export VARDICT_JAVA_OPTS='-Xmx{params.heap}m -Dsamjdk.reference_fasta={input.ref}';"
        " vardict-java -G {input.ref} -f {params.min_vaf} -N {wildcards.tumor}"
        " -b {params.bams:q} -c 1 -S 2 -E 3 -u -fisher -th {threads} {params.extra}"
        " {input.targets}"
        " | if [ {wildcards.mode} = paired ]; then"
        "  var2vcf_paired.pl -N {params.names:q} -f {params.min_vaf} -v {params.min_alt};"
        " else var2vcf_valid.pl -N {wildcards.tumor} -E -f {params.min_vaf}"
        " -v {params.min_alt}; fi"
        " > {params.tmp}.in"
        # VarDict writes no contig lines: take them from the reference index
        " && bcftools reheader -f {input.fai} -o {params.tmp} {params.tmp}.in"
        " && bcftools norm -f {input.ref} -m -any {params.tmp} -Ou"
        " | bcftools sort -Ou | bcftools norm -d exact -Oz -o {output}"
        " && rm -f {params.tmp} {params.tmp}.in) 2> {log}"


rule call_pon_normal_lofreq:
    input:
        bam=rules.lofreq_indel_qualities.output.bam,
        bai=rules.lofreq_indel_qualities.output.bai,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        targets=rules.pad_somatic_targets.output[0],
    output:
        temp(L.somatic.pon_normal),
    log:
        layout.log("somatic/pon/{sample}"),
    benchmark:
        layout.benchmark("call_pon_normal_lofreq", "{sample}")
    conda:
        "../../envs/lofreq.yaml"
    threads: threads_for("call_pon_normal_lofreq")
    resources:
        **resources_for("call_pon_normal_lofreq"),
    params:
        tmp=lambda w, output: f"{output[0]}.tmp.vcf",
    message:
        "Calling normal {wildcards.sample} for the panel of normals (LoFreq)"
    shell:
        "(rm -f {params.tmp} && lofreq call-parallel --pp-threads {threads} --call-indels"
        " -f {input.ref} -l {input.targets} -o {params.tmp} {input.bam}"
        " && bcftools norm -f {input.ref} -m -any {params.tmp} -Ou"
        " | bcftools sort -Oz -o {output} && rm -f {params.tmp}) 2> {log}"


rule build_panel_of_normals:
    input:
        calls=lambda w: outputs(rules.call_pon_normal_lofreq.output, sample=pon_normals()),
        fai=L.reference.fai,
    output:
        vcf=L.somatic.pon,
        tbi=L.somatic.pon_tbi,
    log:
        layout.log("somatic/pon/panel_of_normals"),
    benchmark:
        layout.benchmark("build_panel_of_normals", "panel_of_normals")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("build_panel_of_normals")
    resources:
        **resources_for("build_panel_of_normals"),
    params:
        normals=lambda w, input: " ".join(
            f"--normal {s}:{PATIENTS[s]}:{v}" for s, v in zip(pon_normals(), input.calls)
        ),
    message:
        "Building the panel of normals from {params.normals}"
    shell:
        "(python -m dnaseq.steps somatic-pon {params.normals} --fai {input.fai}"
        " --output {output.vcf} && tabix -f -p vcf {output.vcf}) 2> {log}"


if pon_normals():
    deliver(rules.build_panel_of_normals.output)


register_somatic_caller("lofreq", env="lofreq", shared_evidence=True)
register_somatic_caller("vardict", shared_evidence=True)  # no version probe (envs/vardict.yaml)
