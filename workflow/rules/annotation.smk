# Functional annotation of every caller's per-sample VCF: snpEff with a database built offline
# from the configured GFF3 + the run's reference, or Ensembl VEP from an offline cache.

SNPEFF_DB = "results/annotation/snpeff_db"


rule build_snpeff_db:
    input:
        fasta=REF,
        gff=config["annotation"]["snpeff"]["gff3"],
    output:
        config=f"{SNPEFF_DB}/snpEff.config",
        db=f"{SNPEFF_DB}/data/{config['annotation']['snpeff']['genome']}/snpEffectPredictor.bin",
    log:
        "logs/snpeff/build.log",
    conda:
        "../../envs/snpeff.yaml"
    threads: threads_for("build_snpeff_db")
    resources:
        **resources_for("build_snpeff_db"),
    params:
        genome=config["annotation"]["snpeff"]["genome"],
        datadir=lambda w, output: Path(output.db).parent.parent,
    message:
        "Building the snpEff database {params.genome} offline from the configured GFF3"
    shell:
        "(mkdir -p {params.datadir}/{params.genome}"
        " && (gzip -dc {input.gff} 2>/dev/null || cat {input.gff})"
        " > {params.datadir}/{params.genome}/genes.gff"
        " && ln -sf $(realpath {input.fasta}) {params.datadir}/{params.genome}/sequences.fa"
        " && printf 'data.dir = ./data/\\n{params.genome}.genome : {params.genome}\\n'"
        " > {output.config}"
        " && snpEff -Xmx{resources.mem_mb}m build -gff3 -noCheckCds -noCheckProtein"
        " -nodownload -noLog -v -c {output.config} {params.genome}) > {log} 2>&1"


if config["annotation"]["tool"] == "vep":

    rule annotate_variants_vep:
        input:
            vcf=annotation_source,
            ref=REF,
            fai=REF_FAI,
            cache=config["annotation"]["vep"]["cache_dir"],
        output:
            vcf="results/annotated/{caller}/{name}.vcf.gz",
            tbi="results/annotated/{caller}/{name}.vcf.gz.tbi",
            stats="results/qc/vep/{caller}/{name}.vep.html",
        log:
            "logs/vep/{caller}/{name}.log",
        wildcard_constraints:
            **annotation_wildcards(),
        conda:
            "../../envs/vep.yaml"
        threads: threads_for("annotate_variants_vep")
        resources:
            **resources_for("annotate_variants_vep"),
        params:
            cache_version=config["annotation"]["vep"]["cache_version"],
            species=config["annotation"]["vep"]["species"],
            assembly=config["annotation"]["vep"]["assembly"],
            extra=config["annotation"]["vep"]["extra"],
        message:
            "Annotating {wildcards.caller} calls of {wildcards.name} (VEP, offline cache)"
        shell:
            "(vep --input_file {input.vcf} --output_file {output.vcf} --format vcf --vcf"
            " --compress_output bgzip --offline --cache --dir_cache {input.cache}"
            " --cache_version {params.cache_version} --species {params.species}"
            " --assembly {params.assembly} --fasta {input.ref} --fork {threads}"
            " --stats_file {output.stats} --force_overwrite --no_progress {params.extra}"
            " && tabix -p vcf {output.vcf}) 2> {log}"

else:

    rule annotate_variants_snpeff:
        input:
            vcf=annotation_source,
            config=f"{SNPEFF_DB}/snpEff.config",
            db=rules.build_snpeff_db.output.db,
        output:
            vcf="results/annotated/{caller}/{name}.vcf.gz",
            tbi="results/annotated/{caller}/{name}.vcf.gz.tbi",
            csv="results/qc/snpeff/{caller}/{name}.snpeff.csv",
            html="results/qc/snpeff/{caller}/{name}.snpeff.html",
        log:
            "logs/snpeff/{caller}/{name}.log",
        wildcard_constraints:
            **annotation_wildcards(),
        conda:
            "../../envs/snpeff.yaml"
        threads: threads_for("annotate_variants_snpeff")
        resources:
            **resources_for("annotate_variants_snpeff"),
        params:
            genome=config["annotation"]["snpeff"]["genome"],
            extra=config["annotation"]["snpeff"]["extra"],
        message:
            "Annotating {wildcards.caller} calls of {wildcards.name} (snpEff)"
        shell:
            "(snpEff -Xmx{resources.mem_mb}m ann -nodownload -noLog -c {input.config}"
            " -csvStats {output.csv} -s {output.html} {params.extra} {params.genome} {input.vcf}"
            " | bgzip -c > {output.vcf} && tabix -p vcf {output.vcf}) 2> {log}"
