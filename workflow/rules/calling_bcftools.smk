# bcftools mpileup + call (multiallelic caller) per sample and chunk, soft-filtered.


rule call_variants_bcftools:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        regions=L.reference.chunk,
    output:
        temp(layout.partial(L.calling.chunk_vcf, caller="bcftools")),
    log:
        layout.log("calling/bcftools/{sample}.{chunk}"),
    benchmark:
        layout.benchmark("call_variants_bcftools", "{sample}.{chunk}")
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


register_germline_caller("bcftools", env="bcftools")
