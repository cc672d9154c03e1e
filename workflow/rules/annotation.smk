# Functional annotation of the germline calls of every caller and of the somatic calls: snpEff
# with a database built offline from the configured GFF3 + the run's reference, or Ensembl VEP
# from an offline cache or a GFF3. Both annotators are always defined, each writing below its
# own name (results/annotated/<tool>/); annotation.tool picks the one later stages read
# (L.annotated_vcf) and `none` skips annotation.


include: "helpers/annotation.smk"


SNPEFF = config["annotation"]["snpeff"]
VEP = config["annotation"]["vep"]
SOMATIC_CALLER_PATTERN = "|".join(somatic_outputs()) or "NO_SOMATIC_CALLERS"
# VEP reads either an offline cache (vep.cache_dir) or, with vep.gff set, a GFF3 + the reference
# (no cache: full HGVS from the run's own sequence), sorted, bgzipped and indexed once.
VEP_SOURCE = (
    [L.annotation.vep_gff_tbi] if VEP["gff"] else [VEP["cache_dir"]] if VEP["cache_dir"] else []
)


rule build_snpeff_db:
    input:
        fasta=L.reference.fasta,
        gff=SNPEFF["gff3"] or [],
    output:
        config=L.annotation.snpeff_config,
        db=layout.partial(L.annotation.snpeff_db, genome=SNPEFF["genome"]),
    log:
        layout.log("annotation/snpeff/build"),
    benchmark:
        layout.benchmark("build_snpeff_db", "build")
    conda:
        "../../envs/snpeff.yaml"
    threads: threads_for("build_snpeff_db")
    resources:
        **resources_for("build_snpeff_db"),
    params:
        genome=SNPEFF["genome"],
        datadir=lambda w, output: Path(output.db).parent.parent,
    message:
        "Building the snpEff database {params.genome} offline from the configured GFF3"
    shell:
        "(mkdir -p {params.datadir}/{params.genome}"
        " && (gzip -dc {input.gff:q} 2>/dev/null || cat {input.gff:q})"
        " > {params.datadir}/{params.genome}/genes.gff"
        " && ln -sf $(realpath {input.fasta}) {params.datadir}/{params.genome}/sequences.fa"
        " && printf 'data.dir = ./data/\\n{params.genome}.genome : {params.genome}\\n'"
        " > {output.config}"
        " && snpEff -Xmx{resources.mem_mb}m build -gff3 -noCheckCds -noCheckProtein"
        " -nodownload -noLog -v -c {output.config} {params.genome}) > {log} 2>&1"


rule annotate_variants_snpeff:
    input:
        vcf=L.calling.vcf,
        config=rules.build_snpeff_db.output.config,
        db=rules.build_snpeff_db.output.db,
    output:
        vcf=annotated("snpeff", "vcf"),
        tbi=annotated("snpeff", "tbi"),
        csv=L.annotation.snpeff_csv,
        html=L.annotation.snpeff_html,
    log:
        layout.log("annotation/snpeff/{caller}/{sample}"),
    benchmark:
        layout.benchmark("annotate_variants_snpeff", "{caller}/{sample}")
    conda:
        "../../envs/snpeff.yaml"
    threads: threads_for("annotate_variants_snpeff")
    resources:
        **resources_for("annotate_variants_snpeff"),
    params:
        genome=SNPEFF["genome"],
        extra=SNPEFF["extra"],
    message:
        "Annotating {wildcards.caller} calls with snpEff: {output.vcf}"
    shell:
        "(snpEff -Xmx{resources.mem_mb}m ann -nodownload -noLog -c {input.config}"
        " -csvStats {output.csv} -s {output.html} {params.extra} {params.genome} {input.vcf}"
        " | bgzip -c > {output.vcf} && tabix -p vcf {output.vcf}) 2> {log}"


use rule annotate_variants_snpeff as annotate_somatic_snpeff with:
    input:
        vcf=L.somatic.vcf,
        config=rules.build_snpeff_db.output.config,
        db=rules.build_snpeff_db.output.db,
    output:
        vcf=annotated("snpeff", "somatic_vcf"),
        tbi=annotated("snpeff", "somatic_tbi"),
        csv=L.annotation.somatic_snpeff_csv,
        html=L.annotation.somatic_snpeff_html,
    log:
        layout.log("annotation/snpeff/somatic/{caller}/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("annotate_somatic_snpeff", "{caller}/{tumor}.{mode}")
    wildcard_constraints:
        caller=SOMATIC_CALLER_PATTERN,


rule prepare_vep_gff:
    input:
        VEP["gff"] or [],
    output:
        gff=L.annotation.vep_gff,
        tbi=L.annotation.vep_gff_tbi,
    log:
        layout.log("annotation/vep/prepare_gff"),
    benchmark:
        layout.benchmark("prepare_vep_gff", "prepare_gff")
    conda:
        "../../envs/vep.yaml"
    threads: threads_for("prepare_vep_gff")
    resources:
        **resources_for("prepare_vep_gff"),
    message:
        "Sorting, compressing and indexing the GFF3 for VEP"
    shell:
        "((gzip -dc {input:q} 2>/dev/null || cat {input:q}) | grep -v '^#'"
        " | sort -k1,1 -k4,4n -k5,5n -t $'\t' | bgzip -c > {output.gff}"
        " && tabix -p gff {output.gff}) 2> {log}"


rule annotate_variants_vep:
    input:
        vcf=L.calling.vcf,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        source=VEP_SOURCE,
    output:
        vcf=annotated("vep", "vcf"),
        tbi=annotated("vep", "tbi"),
        stats=L.annotation.vep_html,
    log:
        layout.log("annotation/vep/{caller}/{sample}"),
    benchmark:
        layout.benchmark("annotate_variants_vep", "{caller}/{sample}")
    conda:
        "../../envs/vep.yaml"
    threads: threads_for("annotate_variants_vep")
    resources:
        **resources_for("annotate_variants_vep"),
    params:
        source=vep_source_args,
        extra=VEP["extra"],
    message:
        "Annotating {wildcards.caller} calls with VEP: {output.vcf}"
    shell:
        "(vep --input_file {input.vcf} --output_file {output.vcf} --format vcf --vcf"
        " --compress_output bgzip {params.source} --fasta {input.ref} --fork {threads}"
        " --stats_file {output.stats} --force_overwrite --no_progress {params.extra}"
        " && tabix -p vcf {output.vcf}) 2> {log}"


use rule annotate_variants_vep as annotate_somatic_vep with:
    input:
        vcf=L.somatic.vcf,
        ref=L.reference.fasta,
        fai=L.reference.fai,
        source=VEP_SOURCE,
    output:
        vcf=annotated("vep", "somatic_vcf"),
        tbi=annotated("vep", "somatic_tbi"),
        stats=L.annotation.somatic_vep_html,
    log:
        layout.log("annotation/vep/somatic/{caller}/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("annotate_somatic_vep", "{caller}/{tumor}.{mode}")
    wildcard_constraints:
        caller=SOMATIC_CALLER_PATTERN,


if annotation_active():
    _tool = config["annotation"]["tool"]
    register_envs(_tool)
    _germline = getattr(rules, f"annotate_variants_{_tool}").output
    _somatic = getattr(rules, f"annotate_somatic_{_tool}").output
    _somatic_callers = somatic_outputs()
    deliver([_germline.vcf, _germline.tbi], caller=CALLERS, sample=GERMLINE_SAMPLES)
    deliver([_somatic.vcf, _somatic.tbi], somatic_run_wildcards(), caller=_somatic_callers)
    _stats = {"snpeff": "csv", "vep": "stats"}[_tool]
    to_multiqc(getattr(_germline, _stats), caller=CALLERS, sample=GERMLINE_SAMPLES)
