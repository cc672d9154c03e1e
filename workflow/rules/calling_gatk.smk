# GATK germline short variants (best practices): HaplotypeCaller in GVCF mode per sample and chunk,
# GenomicsDBImport + GenotypeGVCFs jointly over all samples of the run per chunk, hard filters
# per variant type with VariantFiltration, then one chunk VCF per sample for the shared gather.


rule call_gvcf_haplotypecaller:
    input:
        **L.gated_alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        dict=L.reference.dict,
        regions=L.reference.chunk,
    output:
        gvcf=temp(L.calling.gvcf),
        tbi=temp(L.calling.gvcf_tbi),
    log:
        layout.log("calling/gatk_haplotypecaller/{sample}.{chunk}"),
    benchmark:
        layout.benchmark("call_gvcf_haplotypecaller", "{sample}.{chunk}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("call_gvcf_haplotypecaller")
    resources:
        **resources_for("call_gvcf_haplotypecaller"),
    params:
        extra=config["calling"]["gatk"]["haplotypecaller_extra"],
    message:
        "Calling GVCF of {wildcards.sample}, chunk {wildcards.chunk} (HaplotypeCaller)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' HaplotypeCaller -R {input.ref}"
        " -I {input.bam} -L {input.regions} -ERC GVCF --native-pair-hmm-threads {threads}"
        " {params.extra} -O {output.gvcf} 2> {log}"


rule import_gvcfs_genomicsdb:
    input:
        gvcfs=expand(L.calling.gvcf, sample=GERMLINE_SAMPLES, allow_missing=True),
        tbis=expand(L.calling.gvcf_tbi, sample=GERMLINE_SAMPLES, allow_missing=True),
        regions=L.reference.chunk,
    output:
        temp(directory(L.calling.genomicsdb)),
    log:
        layout.log("calling/gatk_genomicsdbimport/{chunk}"),
    benchmark:
        layout.benchmark("import_gvcfs_genomicsdb", "{chunk}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("import_gvcfs_genomicsdb")
    resources:
        **resources_for("import_gvcfs_genomicsdb"),
    params:
        gvcfs=lambda w, input: " ".join(f"-V {g}" for g in input.gvcfs),
    message:
        "Importing the GVCFs of all samples, chunk {wildcards.chunk} (GenomicsDBImport)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' GenomicsDBImport {params.gvcfs}"
        " -L {input.regions} --merge-input-intervals --genomicsdb-workspace-path {output}"
        " 2> {log}"


rule genotype_gvcfs:
    input:
        db=rules.import_gvcfs_genomicsdb.output[0],
        ref=L.reference.fasta,
        fai=L.reference.fai,
        dict=L.reference.dict,
        regions=L.reference.chunk,
    output:
        temp(L.calling.joint),
    log:
        layout.log("calling/gatk_genotypegvcfs/{chunk}"),
    benchmark:
        layout.benchmark("genotype_gvcfs", "{chunk}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("genotype_gvcfs")
    resources:
        **resources_for("genotype_gvcfs"),
    message:
        "Joint genotyping of all samples, chunk {wildcards.chunk} (GenotypeGVCFs)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' GenotypeGVCFs -R {input.ref}"
        " -V gendb://{input.db} -L {input.regions} -O {output} 2> {log}"


rule hard_filter_gatk:
    input:
        vcf=rules.genotype_gvcfs.output[0],
        ref=L.reference.fasta,
        dict=L.reference.dict,
    output:
        temp(L.calling.joint_filtered),
    log:
        layout.log("calling/gatk_variantfiltration/{chunk}"),
    benchmark:
        layout.benchmark("hard_filter_gatk", "{chunk}")
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("hard_filter_gatk")
    resources:
        **resources_for("hard_filter_gatk"),
    params:
        snv=gatk_filter_args("snv"),
        indel=gatk_filter_args("indel"),
        tmp=lambda w, output: output[0].replace(".filtered.vcf.gz", ".tmp"),
    message:
        "Hard-filtering SNVs and indels separately, chunk {wildcards.chunk} (VariantFiltration)"
    shell:
        "(gatk --java-options '-Xmx{resources.mem_mb}m' SelectVariants -R {input.ref}"
        " -V {input.vcf} --select-type-to-include SNP -O {params.tmp}.snv.vcf.gz"
        " && gatk --java-options '-Xmx{resources.mem_mb}m' VariantFiltration -R {input.ref}"
        " -V {params.tmp}.snv.vcf.gz {params.snv} -O {params.tmp}.snv.filtered.vcf.gz"
        " && gatk --java-options '-Xmx{resources.mem_mb}m' SelectVariants -R {input.ref}"
        " -V {input.vcf} --select-type-to-exclude SNP -O {params.tmp}.indel.vcf.gz"
        " && gatk --java-options '-Xmx{resources.mem_mb}m' VariantFiltration -R {input.ref}"
        " -V {params.tmp}.indel.vcf.gz {params.indel} -O {params.tmp}.indel.filtered.vcf.gz"
        " && gatk --java-options '-Xmx{resources.mem_mb}m' MergeVcfs"
        " -I {params.tmp}.snv.filtered.vcf.gz -I {params.tmp}.indel.filtered.vcf.gz -O {output}"
        " && rm -f {params.tmp}.*) 2> {log}"


rule split_joint_calls_gatk:
    input:
        rules.hard_filter_gatk.output[0],
    output:
        temp(layout.partial(L.calling.chunk_vcf, caller="gatk")),
    log:
        layout.log("calling/gatk_split/{sample}.{chunk}"),
    benchmark:
        layout.benchmark("split_joint_calls_gatk", "{sample}.{chunk}")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("split_joint_calls_gatk")
    resources:
        **resources_for("split_joint_calls_gatk"),
    message:
        "Extracting {wildcards.sample} from the joint GATK calls of chunk {wildcards.chunk}"
    shell:
        "bcftools view -s {wildcards.sample} --trim-alt-alleles --min-ac 1 -Oz -o {output}"
        " {input} 2> {log}"


register_germline_caller("gatk", env="gatk")
