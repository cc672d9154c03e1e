# Functional annotation of the germline calls of every caller and of the somatic calls: snpEff
# with a database built offline from the configured GFF3 + the run's reference, or Ensembl VEP
# from an offline cache. Both annotators are always defined; annotation.tool picks one
# (ruleorder) and `none` skips annotation.

SNPEFF = config["annotation"]["snpeff"]
VEP = config["annotation"]["vep"]
SNPEFF_DB = "results/annotation/snpeff_db"
SOMATIC_CALLER_PATTERN = "|".join(somatic_outputs()) or "NO_SOMATIC_CALLERS"

if config["annotation"]["tool"] == "vep":

    ruleorder: annotate_variants_vep > annotate_variants_snpeff
    ruleorder: annotate_somatic_vep > annotate_somatic_snpeff

else:

    ruleorder: annotate_variants_snpeff > annotate_variants_vep
    ruleorder: annotate_somatic_snpeff > annotate_somatic_vep


rule build_snpeff_db:
    input:
        fasta=REF,
        gff=SNPEFF["gff3"] or [],
    output:
        config=f"{SNPEFF_DB}/snpEff.config",
        db=f"{SNPEFF_DB}/data/{SNPEFF['genome']}/snpEffectPredictor.bin",
    log:
        "logs/annotation/snpeff/build.log",
    benchmark:
        "logs/benchmarks/build_snpeff_db/build.tsv"
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
        vcf="results/calls/{caller}/{sample}.vcf.gz",
        config=rules.build_snpeff_db.output.config,
        db=rules.build_snpeff_db.output.db,
    output:
        vcf="results/annotated/{caller}/{sample}.vcf.gz",
        tbi="results/annotated/{caller}/{sample}.vcf.gz.tbi",
        csv="results/qc/snpeff/{caller}/{sample}.snpeff.csv",
        html="results/qc/snpeff/{caller}/{sample}.snpeff.html",
    log:
        "logs/annotation/snpeff/{caller}/{sample}.log",
    benchmark:
        "logs/benchmarks/annotate_variants_snpeff/{caller}/{sample}.tsv"
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
        vcf="results/somatic/{caller}/{tumor}.{mode}.vcf.gz",
        config=rules.build_snpeff_db.output.config,
        db=rules.build_snpeff_db.output.db,
    output:
        vcf="results/somatic/annotated/{caller}/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/annotated/{caller}/{tumor}.{mode}.vcf.gz.tbi",
        csv="results/qc/snpeff/somatic/{caller}/{tumor}.{mode}.snpeff.csv",
        html="results/qc/snpeff/somatic/{caller}/{tumor}.{mode}.snpeff.html",
    log:
        "logs/annotation/snpeff/somatic/{caller}/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/annotate_somatic_snpeff/{caller}/{tumor}.{mode}.tsv"
    wildcard_constraints:
        caller=SOMATIC_CALLER_PATTERN,


rule prepare_vep_gff:
    input:
        VEP["gff"] or [],
    output:
        gff=VEP_GFF,
        tbi=f"{VEP_GFF}.tbi",
    log:
        "logs/annotation/vep/prepare_gff.log",
    benchmark:
        "logs/benchmarks/prepare_vep_gff/prepare_gff.tsv"
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
        vcf="results/calls/{caller}/{sample}.vcf.gz",
        ref=REF,
        fai=REF_FAI,
        source=VEP_SOURCE,
    output:
        vcf="results/annotated/{caller}/{sample}.vcf.gz",
        tbi="results/annotated/{caller}/{sample}.vcf.gz.tbi",
        stats="results/qc/vep/{caller}/{sample}.vep.html",
    log:
        "logs/annotation/vep/{caller}/{sample}.log",
    benchmark:
        "logs/benchmarks/annotate_variants_vep/{caller}/{sample}.tsv"
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
        vcf="results/somatic/{caller}/{tumor}.{mode}.vcf.gz",
        ref=REF,
        fai=REF_FAI,
        source=VEP_SOURCE,
    output:
        vcf="results/somatic/annotated/{caller}/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/annotated/{caller}/{tumor}.{mode}.vcf.gz.tbi",
        stats="results/qc/vep/somatic/{caller}/{tumor}.{mode}.vep.html",
    log:
        "logs/annotation/vep/somatic/{caller}/{tumor}.{mode}.log",
    benchmark:
        "logs/benchmarks/annotate_somatic_vep/{caller}/{tumor}.{mode}.tsv"
    wildcard_constraints:
        caller=SOMATIC_CALLER_PATTERN,


if annotation_active():
    _tool = config["annotation"]["tool"]
    _germline = getattr(rules, f"annotate_variants_{_tool}").output
    _somatic = getattr(rules, f"annotate_somatic_{_tool}").output
    _somatic_callers = somatic_outputs()
    deliver([_germline.vcf, _germline.tbi], caller=CALLERS, sample=GERMLINE_SAMPLES)
    deliver([_somatic.vcf, _somatic.tbi], somatic_run_wildcards(), caller=_somatic_callers)
    _stats = {"snpeff": "csv", "vep": "stats"}[_tool]
    to_multiqc(getattr(_germline, _stats), caller=CALLERS, sample=GERMLINE_SAMPLES)
