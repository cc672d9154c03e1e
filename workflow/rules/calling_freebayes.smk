# freebayes per sample and chunk, soft-filtered with bcftools.


rule call_variants_freebayes:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        regions=L.reference.chunk,
    output:
        temp(layout.partial(L.calling.chunk_vcf, caller="freebayes")),
    log:
        layout.log("calling/freebayes/{sample}.{chunk}"),
    benchmark:
        layout.benchmark("call_variants_freebayes", "{sample}.{chunk}")
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


register_germline_caller("freebayes", env="freebayes")
