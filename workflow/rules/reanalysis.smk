# Stored alignments (BAM/CRAM in the units sheet) as input. The start-up check
# (dnaseq.core.alignment_inputs) has read every header: samples, reference (names, lengths, M5)
# and the reference a CRAM is decoded with. Here: each file is described (SHA-256 of the file and
# of its header, read count; reads outside the header's read groups stop it), then either
# prepared for duplicate marking (reuse: identical reference and mapping.reuse_alignments) or
# unpacked to FASTQ one read group at a time (realign), each read group a unit of its own that
# is trimmed and aligned like a sequencer's lane, keeping its ID, LB, PU and PL.


include: "helpers/reanalysis.smk"


rule describe_alignment_source:
    input:
        unpack(source_input),
    output:
        L.reanalysis.source,
    log:
        layout.log("reanalysis/describe/{sample}.{source}"),
    benchmark:
        layout.benchmark("describe_alignment_source", "{sample}.{source}")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("describe_alignment_source")
    resources:
        **resources_for("describe_alignment_source"),
    params:
        plan=source_plan,
        read_groups=source_read_group_ids,
        reference=lambda w: source_reference_option(stored_source(w.sample, w.source)),
    message:
        "Checksums and read count of the stored alignment of {wildcards.sample} ({wildcards.source})"
    shell:
        "python -m dnaseq.steps alignment-source describe --input {input.alignment:q}"
        " {params.reference} --read-groups {params.read_groups} --plan {params.plan:q}"
        " --threads {threads} --output {output} 2> {log}"


rule unpack_read_group:
    input:
        unpack(unit_source_input),
    output:
        r1=temp(L.reanalysis.r1),
        r2=temp(L.reanalysis.r2),
        counts=L.reanalysis.unpack_counts,
    log:
        layout.log("reanalysis/unpack/{sample}.{unit}"),
    benchmark:
        layout.benchmark("unpack_read_group", "{sample}.{unit}")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("unpack_read_group")
    resources:
        **resources_for("unpack_read_group"),
    params:
        select=unpack_selection,
        reference=lambda w: source_reference_option(unit_source(w)),
    message:
        "Unpacking read group {wildcards.unit} of {wildcards.sample} to FASTQ for realignment"
    shell:
        # primary records only; original qualities (OQ) where a recalibrated file kept them;
        # pairs whose mate is missing are counted (singletons) and left out
        "(samtools view -u -F 0x900 {params.select} {params.reference} {input.alignment:q}"
        " | samtools collate -u -O - {output.r1}.collate"
        " | samtools fastq -n -O -c 1 -1 {output.r1} -2 {output.r2} -0 /dev/null -s /dev/null -"
        " && python -m dnaseq.steps alignment-source unpacked --log {log} --output {output.counts})"
        " 2> {log}"


rule prepare_reused_alignment:
    input:
        unpack(unit_source_input),
    output:
        bam=temp(L.reanalysis.reused_bam),
        header=L.reanalysis.header,
    log:
        layout.log("reanalysis/reuse/{sample}.{unit}"),
    benchmark:
        layout.benchmark("prepare_reused_alignment", "{sample}.{unit}")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("prepare_reused_alignment")
    resources:
        **resources_for("prepare_reused_alignment"),
    params:
        reference=lambda w: source_reference_option(unit_source(w)),
        override=lambda w: "--override" if unit_source(w).override else "",
        tmp=lambda w, output: f"{output.bam}.tmp.bam",
    message:
        "Preparing the stored alignment {wildcards.unit} of {wildcards.sample} for duplicate marking (reused)"
    shell:
        # a coordinate-sorted file with mate tags (samtools fixmate -m) keeps its records: only
        # its header is rewritten (a BAM is copied without decompression); otherwise, or for a
        # CRAM, the records are decoded (and given mate tags, sorted) into a BAM first
        "(mode=$(python -m dnaseq.steps alignment-source reuse-header --input {input.alignment:q}"
        " {params.reference} --sample {wildcards.sample} {params.override} --output {output.header})"
        ' && echo "reuse mode: $mode" >&2'
        ' && if [ "$mode" = direct ] && [ -z {params.reference:q} ]; then'
        "   samtools reheader --no-PG {output.header} {input.alignment:q} > {output.bam};"
        " else"
        '   if [ "$mode" = direct ]; then'
        "     samtools view -1 -@ {threads} {params.reference} -o {params.tmp} {input.alignment:q};"
        "   else"
        "     samtools collate -u -O {params.reference} {input.alignment:q} {params.tmp}.collate"
        "     | samtools fixmate -m -u - - | samtools sort -l 1 -@ {threads} -m 512M"
        "       -T {params.tmp}.sort -o {params.tmp} -;"
        "   fi"
        "   && samtools reheader --no-PG {output.header} {params.tmp} > {output.bam}"
        "   && rm -f {params.tmp};"
        " fi) 2> {log}"
