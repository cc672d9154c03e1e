# bcftools mpileup + call (multiallelic caller) per sample and chunk, soft-filtered.


rule call_variants_bcftools:
    input:
        unpack(calling_bam_pair),
        ref=REF,
        fai=REF_FAI,
        regions="results/reference/intervals/{chunk}.bed",
    output:
        temp("results/calls/bcftools/chunks/{sample}/{chunk}.vcf.gz"),
    log:
        "logs/calling/bcftools/{sample}.{chunk}.log",
    benchmark:
        "logs/benchmarks/call_variants_bcftools/{sample}.{chunk}.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("call_variants_bcftools")
    resources:
        **resources_for("call_variants_bcftools"),
    params:
        mpileup=config["calling"]["bcftools"]["mpileup_extra"],
        call=config["calling"]["bcftools"]["call_extra"],
        filters=caller_filters("bcftools"),
    message:
        "Calling variants in {wildcards.sample}, chunk {wildcards.chunk} (bcftools)"
    shell:
        "(bcftools mpileup -f {input.ref} -R {input.regions} -a FORMAT/AD,FORMAT/DP"
        " {params.mpileup} -Ou {input.bam}"
        # -a GQ,GP: genotype quality and posteriors for every genotype (not emitted by default)
        " | bcftools call -m -v -a FORMAT/GQ,FORMAT/GP -Ou {params.call}"
        " | {params.filters}"
        " | bcftools view -Oz -o {output}) 2> {log}"
