# Octopus (haplotype-based caller with local re-assembly) per sample and chunk, soft-filtered
# with bcftools. Each chunk is called with `octopus.padding` bp of context on both sides, and only
# records whose POS lies inside the chunk itself are kept: chunks partition the territory, so no
# variant at a chunk edge is lost (its haplotypes are assembled from the padded window) or called
# twice (its POS is in exactly one chunk).


rule call_variants_octopus:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        regions=L.reference.chunk,
    output:
        temp(layout.partial(L.calling.chunk_vcf, caller="octopus")),
    log:
        layout.log("calling/octopus/{sample}.{chunk}"),
    benchmark:
        layout.benchmark("call_variants_octopus", "{sample}.{chunk}")
    conda:
        "../../envs/octopus.yaml"
    threads: threads_for("call_variants_octopus")
    resources:
        **resources_for("call_variants_octopus"),
    params:
        padding=config["calling"]["octopus"]["padding"],
        extra=config["calling"]["octopus"]["extra"],
        filters=caller_filters("octopus"),
        work=lambda w, output: f"{output[0]}.work",
    message:
        "Calling variants in {wildcards.sample}, chunk {wildcards.chunk} (Octopus)"
    shell:
        "(rm -rf {params.work} && mkdir -p {params.work}"
        " && python -m dnaseq.steps intervals --fasta {input.ref} --targets {input.regions}"
        " --padding {params.padding} --callable {params.work}/padded.bed"
        " && if [ -s {params.work}/padded.bed ]; then"
        "  octopus -R {input.ref} -I {input.bam} --regions-file {params.work}/padded.bed"
        "   --threads {threads} --temp-directory-prefix {params.work}/octopus-temp --annotations AD"
        "   {params.extra} -o {params.work}/raw.vcf.gz"
        # AD: Octopus leaves REF empty on hom-alt calls (dnaseq.steps.fill_ref_depth)
        "  && bcftools view -T {input.regions} {params.work}/raw.vcf.gz -Ov"
        "  | python -m dnaseq.steps fill-ref-depth;"
        # an empty chunk (more chunks than territory): a VCF with the header only
        " else printf '##fileformat=VCFv4.2\\n#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER"
        "\\tINFO\\tFORMAT\\t%s\\n' {wildcards.sample} > {params.work}/empty.vcf"
        "  && bcftools reheader -f {input.fai} {params.work}/empty.vcf"
        "  | bcftools view -Ou; fi"
        " | {params.filters}"
        " | bcftools view -Oz -o {output} && rm -rf {params.work}) 2> {log}"


register_germline_caller("octopus", env="octopus")
