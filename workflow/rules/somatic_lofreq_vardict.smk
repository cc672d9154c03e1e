# Somatic calling with LoFreq and VarDictJava on the padded panel targets, paired or tumour-only
# (somatic_runs in common.smk), then one common step (somatic_evidence) that writes every
# caller's calls in the same form: tumour first, FORMAT AD/DP/AF counted in fragments, and the
# tumour-only filters (panel of normals, germline resource, purity-aware VAF model).
# The panel of normals is built here from the run's normals (or a stored one is used).


rule lofreq_indel_qualities:
    input:
        bam=lambda w: analysis_bam(sample=w.sample),
        bai=lambda w: f"{analysis_bam(sample=w.sample)}.{INDEX_EXT}",
        checked="results/qc/gate/{sample}.pass",
        ref=REF,
        fai=REF_FAI,
    output:
        bam=temp("results/somatic/lofreq/bam/{sample}.indelqual.bam"),
        bai=temp("results/somatic/lofreq/bam/{sample}.indelqual.bam.bai"),
    log:
        "logs/somatic/lofreq/{sample}.indelqual.log",
    benchmark:
        "logs/benchmarks/lofreq_indel_qualities/{sample}.tsv"
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
        fasta=REF,
        fai=REF_FAI,
        targets="results/somatic/targets.padded.bed",
    output:
        chunks=expand("results/somatic/intervals/{chunk}.bed", chunk=SOMATIC_CHUNKS),
        merged="results/somatic/intervals/all.bed",
    log:
        "logs/somatic/split_targets.log",
    benchmark:
        "logs/benchmarks/split_somatic_targets/split_targets.tsv"
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
        bams=lambda w: [f"results/somatic/lofreq/bam/{s}.indelqual.bam" for s in somatic_samples(w)],
        bais=lambda w: [
            f"results/somatic/lofreq/bam/{s}.indelqual.bam.bai" for s in somatic_samples(w)
        ],
        checked=pair_check,
        ref=REF,
        fai=REF_FAI,
        targets="results/somatic/intervals/{chunk}.bed",
    output:
        temp("results/somatic/lofreq/chunks/{tumor}.{mode}/{chunk}.vcf.gz"),
    log:
        "logs/somatic/lofreq/{tumor}.{mode}.{chunk}.log",
    benchmark:
        "logs/benchmarks/call_somatic_lofreq/{tumor}.{mode}.{chunk}.tsv"
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
        ref=REF,
        fai=REF_FAI,
        targets="results/somatic/intervals/{chunk}.bed",
    output:
        temp("results/somatic/vardict/chunks/{tumor}.{mode}/{chunk}.vcf.gz"),
    log:
        "logs/somatic/vardict/{tumor}.{mode}.{chunk}.log",
    benchmark:
        "logs/benchmarks/call_somatic_vardict/{tumor}.{mode}.{chunk}.tsv"
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


rule gather_somatic_chunks:
    input:
        chunks=expand(
            "results/somatic/{{caller}}/chunks/{{tumor}}.{{mode}}/{chunk}.vcf.gz",
            chunk=SOMATIC_CHUNKS,
        ),
        ref=REF,
    output:
        temp("results/somatic/{caller}/{tumor}.{mode}.raw.vcf.gz"),
    log:
        "logs/somatic/gather/{caller}/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/gather_somatic_chunks/{caller}/{tumor}.{mode}.tsv"
    wildcard_constraints:
        caller="lofreq|vardict",
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("gather_somatic_chunks")
    resources:
        **resources_for("gather_somatic_chunks"),
    message:
        "Gathering the {wildcards.caller} chunks of {wildcards.tumor} ({wildcards.mode})"
    shell:
        # chunks follow genome order; norm -d drops a record two chunks both reported
        "(bcftools concat {input.chunks} -Ou | bcftools sort -Ou"
        " | bcftools norm -f {input.ref} -d exact -Oz -o {output}) 2> {log}"


rule somatic_evidence:
    input:
        vcf="results/somatic/{caller}/{tumor}.{mode}.raw.vcf.gz",
        bams=lambda w: somatic_bams(w)["bams"],
        bais=lambda w: somatic_bams(w)["bais"],
        ref=REF,
        pon=lambda w: tumor_only_pon() if w.mode == "tumor_only" else [],
        germline=lambda w: (
            config["somatic"]["germline_resource"] or [] if w.mode == "tumor_only" else []
        ),
    output:
        vcf="results/somatic/{caller}/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/{caller}/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/evidence/{caller}/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/somatic_evidence/{caller}/{tumor}.{mode}.tsv"
    wildcard_constraints:
        caller="lofreq|vardict",
    conda:
        "../../envs/python.yaml"
    threads: threads_for("somatic_evidence")
    resources:
        **resources_for("somatic_evidence"),
    params:
        normal=lambda w: f"--normal {normal_of(w)}" if normal_of(w) else "",
        bams=lambda w, input: " ".join(
            f"--bam {s}={b}" for s, b in zip(somatic_samples(w), input.bams)
        ),
        settings=json.dumps(
            {
                **config["somatic"]["evidence"],
                **{k: v for k, v in config["somatic"]["tumor_only"].items() if k != "build_pon"},
            }
        ),
        pon=lambda w, input: f"--pon {input.pon}" if input.pon else "",
        germline=lambda w, input: (
            f"--germline-resource {input.germline}" if input.germline else ""
        ),
        purity=lambda w: (
            f"--purity {purity_of(w.tumor)}" if purity_of(w.tumor) is not None else ""
        ),
        patient=lambda w: PATIENTS[w.tumor],
    message:
        "Counting fragment evidence and filtering {wildcards.caller} calls of {wildcards.tumor}"
        " ({wildcards.mode})"
    shell:
        "(python -m dnaseq.steps somatic-evidence --input {input.vcf} --output {output.vcf}"
        " --tumor {wildcards.tumor} {params.normal} {params.bams} --reference {input.ref}"
        " --settings {params.settings:q} {params.pon} --patient {params.patient}"
        " {params.germline} {params.purity}"
        " && tabix -f -p vcf {output.vcf}) 2> {log}"


rule call_pon_normal_lofreq:
    input:
        bam="results/somatic/lofreq/bam/{sample}.indelqual.bam",
        bai="results/somatic/lofreq/bam/{sample}.indelqual.bam.bai",
        ref=REF,
        fai=REF_FAI,
        targets="results/somatic/targets.padded.bed",
    output:
        temp("results/somatic/pon/normals/{sample}.vcf.gz"),
    log:
        "logs/somatic/pon/{sample}.log",
    benchmark:
        "logs/benchmarks/call_pon_normal_lofreq/{sample}.tsv"
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
        calls=lambda w: [f"results/somatic/pon/normals/{s}.vcf.gz" for s in pon_normals()],
        fai=REF_FAI,
    output:
        vcf="results/somatic/pon/panel_of_normals.vcf.gz",
        tbi="results/somatic/pon/panel_of_normals.vcf.gz.tbi",
    log:
        "logs/somatic/pon/panel_of_normals.log",
    benchmark:
        "logs/benchmarks/build_panel_of_normals/panel_of_normals.tsv"
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


rule somatic_ensemble:
    input:
        calls=lambda w: [
            f"results/somatic/{c}/{w.tumor}.{w.mode}.vcf.gz" for c in config["somatic"]["callers"]
        ],
        hotspots=config["somatic"]["ensemble"]["hotspots"] or [],
    output:
        vcf="results/somatic/ensemble/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/ensemble/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/ensemble/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/somatic_ensemble/{tumor}.{mode}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("somatic_ensemble")
    resources:
        **resources_for("somatic_ensemble"),
    params:
        calls=lambda w, input: " ".join(
            f"--calls {c}={v}" for c, v in zip(config["somatic"]["callers"], input.calls)
        ),
        min_callers=config["somatic"]["ensemble"]["min_callers"],
        hotspots=lambda w, input: f"--hotspots {input.hotspots}" if input.hotspots else "",
    message:
        "Combining the somatic calls of {wildcards.tumor} ({wildcards.mode}): ensemble"
    shell:
        "(python -m dnaseq.steps somatic-ensemble {params.calls} --output {output.vcf}"
        " --min-callers {params.min_callers} {params.hotspots}"
        " && tabix -f -p vcf {output.vcf}) 2> {log}"


# the final, indexed VCF of each somatic caller and of the ensemble
SOMATIC_CALLS.update(
    lofreq=rules.somatic_evidence.output,
    vardict=rules.somatic_evidence.output,
    ensemble=rules.somatic_ensemble.output,
)
for _caller in somatic_outputs():
    deliver(SOMATIC_CALLS[_caller], somatic_run_wildcards(), caller=[_caller])
