# Alignment per unit (bwa mem piped into fixmate and sort: no SAM on disk; the @SQ lines carry
# the reference's M5 checksums, so that a stored BAM can later be proven to match), then one job per
# sample that merges its units, marks duplicates (samtools markdup by default, Picard
# MarkDuplicates selectable: each writes below its own name, results/mapping/<tool>/) and
# indexes: no merged BAM on disk, no second pass to index. The analysis alignments (what every
# later tool reads: L.analysis_bam) are BAM or CRAM (mapping.output_format: CRAM is about half
# the size, reference MD5s in the header, read with the run's reference, never fetched).


include: "helpers/mapping.smk"


register_envs(config["mapping"]["markdup"])


rule map_reads_bwa:
    input:
        r1=L.trimming.r1,
        r2=L.trimming.r2,
        ref=L.reference.fasta,
        idx=multiext(L.reference.fasta, *layout.BWA_INDEX_EXTENSIONS),
        dict=L.reference.dict,
        checked=L.preflight.reference_check,
    output:
        temp(L.mapping.unit_bam),
    log:
        layout.log("mapping/bwa/{sample}.{unit}"),
    benchmark:
        layout.benchmark("map_reads_bwa", "{sample}.{unit}")
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
        "(bwa mem -t {threads} -K 100000000 {params.extra} -R {params.rg}"
        " -H <(grep '^@SQ' {input.dict} | cut -f 1-4) {input.ref} {input.r1} {input.r2}"
        " | samtools fixmate -m -u - -"
        " | samtools sort -@ {threads} -m 512M -T {output}.sorttmp -o {output} -) 2> {log}"


# Both duplicate markers are defined, each writing below its own name; the layout gives later
# stages the one config mapping.markdup picks.
rule mark_duplicates_picard:
    input:
        unit_bams,
    output:
        bam=working_bam(layout.partial(L.mapping.dedup_bam, markdup="picard")),
        bai=working_bam(layout.partial(L.mapping.dedup_bai, markdup="picard")),
        metrics=layout.partial(L.mapping.markdup_metrics, markdup="picard"),
    log:
        layout.log("mapping/picard_markdup/{sample}"),
    benchmark:
        layout.benchmark("mark_duplicates_picard", "{sample}")
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
        bam=working_bam(layout.partial(L.mapping.dedup_bam, markdup="samtools")),
        bai=working_bam(layout.partial(L.mapping.dedup_bai, markdup="samtools")),
        metrics=layout.partial(L.mapping.markdup_metrics, markdup="samtools"),
    log:
        layout.log("mapping/samtools_markdup/{sample}"),
    benchmark:
        layout.benchmark("mark_duplicates_samtools", "{sample}")
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
        # -c: duplicate flags of a reused stored alignment are cleared and set afresh
        " | samtools markdup -c -@ {threads} -f {output.metrics} -T {output.bam}.tmp --write-index"
        " - {output.bam}##idx##{output.bai}) 2> {log}"


MARKDUP_RULE = getattr(rules, f"mark_duplicates_{config['mapping']['markdup']}")
to_multiqc(MARKDUP_RULE.output.metrics, sample=SAMPLES)


rule convert_to_cram:
    input:
        bam=L.mapping.any_bam,
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        L.mapping.cram,
    log:
        layout.log("mapping/samtools_cram/{name}"),
    benchmark:
        layout.benchmark("convert_to_cram", "{name}")
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
        L.mapping.cram,
    output:
        L.mapping.crai,
    log:
        layout.log("mapping/samtools_index/{name}.cram"),
    benchmark:
        layout.benchmark("index_cram", "{name}")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("index_cram")
    resources:
        **resources_for("index_cram"),
    message:
        "Indexing {input}"
    shell:
        "samtools index {input} 2> {log}"


deliver([L.analysis_bam(), L.analysis_index()], sample=SAMPLES)
