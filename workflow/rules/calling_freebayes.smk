# freebayes per sample and chunk, soft-filtered with bcftools.


rule call_variants_freebayes:
    input:
        unpack(analysis_bam_pair),
        ref=REF,
        fai=REF_FAI,
        regions="results/reference/intervals/{chunk}.bed",
    output:
        temp("results/calls/freebayes/chunks/{sample}/{chunk}.vcf.gz"),
    log:
        "logs/freebayes/{sample}.{chunk}.log",
    conda:
        "../../envs/freebayes.yaml"
    params:
        extra=config["calling"]["freebayes"]["extra"],
        filters=caller_filters("freebayes"),
    message:
        "Calling variants in {wildcards.sample}, chunk {wildcards.chunk} (freebayes)"
    shell:
        "(freebayes -f {input.ref} -t {input.regions} {params.extra} {input.bam}"
        " | {params.filters}"
        " | bcftools view -Oz -o {output}) 2> {log}"
