# Alignment per unit (bwa mem piped into fixmate and sort: no SAM on disk), then one job per
# sample that merges its units, marks duplicates (samtools markdup by default, Picard
# MarkDuplicates selectable) and indexes: no merged BAM on disk, no second pass to index.


rule map_reads_bwa:
    input:
        r1="results/trimmed/{sample}/{unit}.R1.fastq.gz",
        r2="results/trimmed/{sample}/{unit}.R2.fastq.gz",
        ref=REF,
        idx=BWA_INDEX,
        checked="results/qc/preflight/reference.json",
    output:
        temp("results/mapping/{sample}/{unit}.sorted.bam"),
    log:
        "logs/mapping/bwa/{sample}.{unit}.log",
    benchmark:
        "logs/benchmarks/map_reads_bwa/{sample}.{unit}.tsv"
    conda:
        "../../envs/bwa.yaml"
    threads: threads_for("map_reads_bwa")
    resources:
        **resources_for("map_reads_bwa"),
    params:
        rg=unit_read_group,
        extra=config["mapping"]["bwa_extra"],
    message:
        "Aligning {wildcards.sample} unit {wildcards.unit} with bwa mem"
    shell:
        "(bwa mem -t {threads} -K 100000000 {params.extra} -R '{params.rg}' {input.ref} {input.r1} {input.r2}"
        " | samtools fixmate -m -u - -"
        " | samtools sort -@ {threads} -m 512M -T {output}.sorttmp -o {output} -) 2> {log}"


# Both duplicate markers are defined; config mapping.markdup picks one (same BAM path).
if config["mapping"]["markdup"] == "picard":

    ruleorder: mark_duplicates_picard > mark_duplicates_samtools

else:

    ruleorder: mark_duplicates_samtools > mark_duplicates_picard


rule mark_duplicates_picard:
    input:
        unit_bams,
    output:
        bam=working_bam("results/mapping/{sample}.dedup.bam"),
        bai=working_bam("results/mapping/{sample}.dedup.bam.bai"),
        metrics="results/qc/markdup/{sample}.picard_markdup.txt",
    log:
        "logs/mapping/picard_markdup/{sample}.log",
    benchmark:
        "logs/benchmarks/mark_duplicates_picard/{sample}.tsv"
    conda:
        "../../envs/picard.yaml"
    threads: threads_for("mark_duplicates_picard")
    resources:
        **resources_for("mark_duplicates_picard"),
    params:
        inputs=lambda w, input: " ".join(f"-I {bam}" for bam in input),
    message:
        "Merging the units of {wildcards.sample} and marking duplicates (Picard)"
    shell:
        "(picard -Xmx{resources.mem_mb}m MarkDuplicates {params.inputs} -O {output.bam}"
        " -M {output.metrics} --ASSUME_SORT_ORDER coordinate --CREATE_INDEX false"
        " && samtools index {output.bam} {output.bai}) 2> {log}"


rule mark_duplicates_samtools:
    input:
        unit_bams,
    output:
        bam=working_bam("results/mapping/{sample}.dedup.bam"),
        bai=working_bam("results/mapping/{sample}.dedup.bam.bai"),
        metrics="results/qc/markdup/{sample}.samtools_markdup.txt",
    log:
        "logs/mapping/samtools_markdup/{sample}.log",
    benchmark:
        "logs/benchmarks/mark_duplicates_samtools/{sample}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("mark_duplicates_samtools")
    resources:
        **resources_for("mark_duplicates_samtools"),
    message:
        "Merging the units of {wildcards.sample} and marking duplicates (samtools markdup)"
    shell:
        # the merged stream stays uncompressed in the pipe; markdup writes the index as it goes
        "(samtools merge -u -@ {threads} -o - {input}"
        " | samtools markdup -@ {threads} -f {output.metrics} -T {output.bam}.tmp --write-index"
        " - {output.bam}##idx##{output.bai}) 2> {log}"


MARKDUP_RULE = getattr(rules, f"mark_duplicates_{config['mapping']['markdup']}")
to_multiqc(MARKDUP_RULE.output.metrics, sample=SAMPLES)


rule convert_to_cram:
    input:
        bam="results/mapping/{name}.bam",
        ref=REF,
        fai=REF_FAI,
    output:
        "results/mapping/{name}.cram",
    log:
        "logs/mapping/samtools_cram/{name}.log",
    benchmark:
        "logs/benchmarks/convert_to_cram/{name}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("convert_to_cram")
    resources:
        **resources_for("convert_to_cram"),
    message:
        "Writing {output} (CRAM 3.0 against the run's reference, MD5s in the header)"
    shell:
        "samtools view -@ {threads} -C -T {input.ref} --output-fmt-option version=3.0"
        " -o {output} {input.bam} 2> {log}"


rule index_cram:
    input:
        "results/mapping/{name}.cram",
    output:
        "results/mapping/{name}.cram.crai",
    log:
        "logs/mapping/samtools_index/{name}.cram.log",
    benchmark:
        "logs/benchmarks/index_cram/{name}.tsv"
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("index_cram")
    resources:
        **resources_for("index_cram"),
    message:
        "Indexing {input}"
    shell:
        "samtools index {input} 2> {log}"
