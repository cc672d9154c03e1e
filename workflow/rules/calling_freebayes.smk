# freebayes per sample and chunk, soft-filtered with bcftools.


rule call_variants_freebayes:
    input:
        unpack(calling_bam_pair),
        ref=REF,
        fai=REF_FAI,
        regions="results/reference/intervals/{chunk}.bed",
    output:
        temp("results/calls/freebayes/chunks/{sample}/{chunk}.vcf.gz"),
    log:
        "logs/calling/freebayes/{sample}.{chunk}.log",
    benchmark:
        "logs/benchmarks/call_variants_freebayes/{sample}.{chunk}.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: threads_for("call_variants_freebayes")
    resources:
        **resources_for("call_variants_freebayes"),
    params:
        extra=config["calling"]["freebayes"]["extra"],
        filters=caller_filters("freebayes"),
    message:
        "Calling variants in {wildcards.sample}, chunk {wildcards.chunk} (freebayes)"
    shell:
        # --genotype-qualities: GQ for every genotype (freebayes writes '.' without it)
        "(freebayes -f {input.ref} -t {input.regions} --genotype-qualities {params.extra}"
        " {input.bam}"
        " | {params.filters}"
        " | bcftools view -Oz -o {output}) 2> {log}"
