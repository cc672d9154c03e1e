# Reference preparation: one plain FASTA plus every index the tools need, built once per results
# folder and reused by every later run.

# SHA-256 of the configured reference (cached by file identity under .snakemake/); remote
# inputs are checked by the jobs instead
REFERENCE_SHA256 = (
    ""
    if REMOTE_STORAGE
    else manifest.cached_sha256(
        Path(config["reference"]["fasta"]), Path(".snakemake", "dnaseq", "sha256")
    )
)
CHUNKS = [f"{i:04d}" for i in range(config["calling"]["scatter"])]


rule prepare_reference:
    input:
        config["reference"]["fasta"],
    output:
        fasta=L.reference.fasta,
        changes=L.reference.changes,
    log:
        layout.log("reference/prepare_reference"),
    benchmark:
        layout.benchmark("prepare_reference", "prepare_reference")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("prepare_reference")
    resources:
        **resources_for("prepare_reference"),
    params:
        # the content, not the modification time, decides whether the reference (and all
        # that follows) is current: a reference replaced at the same path changes this value
        # and Snakemake's params trigger redoes the preparation and everything downstream
        sha256=REFERENCE_SHA256,
    message:
        "Decompressing/copying the reference FASTA (IUPAC ambiguity codes as N)"
    shell:
        # plain, gzip and bgzip input all end up as a plain FASTA (freebayes needs one)
        "((if gzip -t {input} 2>/dev/null; then gzip -dc {input}; else cat {input}; fi)"
        " | python -m dnaseq.steps reference-iupac --report {output.changes}"
        " > {output.fasta}.tmp && mv {output.fasta}.tmp {output.fasta}) 2> {log}"


rule index_reference_faidx:
    input:
        L.reference.fasta,
    output:
        L.reference.fai,
    log:
        layout.log("reference/faidx"),
    benchmark:
        layout.benchmark("index_reference_faidx", "faidx")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("index_reference_faidx")
    resources:
        **resources_for("index_reference_faidx"),
    message:
        "Indexing the reference FASTA (samtools faidx)"
    shell:
        "samtools faidx {input} 2> {log}"


rule index_reference_dict:
    input:
        L.reference.fasta,
    output:
        L.reference.dict,
    log:
        layout.log("reference/dict"),
    benchmark:
        layout.benchmark("index_reference_dict", "dict")
    conda:
        "../../envs/samtools.yaml"
    threads: threads_for("index_reference_dict")
    resources:
        **resources_for("index_reference_dict"),
    message:
        "Writing the reference sequence dictionary"
    shell:
        "samtools dict {input} -o {output} 2> {log}"


rule index_reference_bwa:
    input:
        L.reference.fasta,
    output:
        multiext(L.reference.fasta, *layout.BWA_INDEX_EXTENSIONS),
    log:
        layout.log("reference/bwa_index"),
    # no benchmark: Snakemake forbids it on rules whose output may come from the cache
    # hours for a whole genome: with `--cache` and SNAKEMAKE_OUTPUT_CACHE, built once per
    # reference content and shared by every later run (see profiles/README.md)
    cache: "omit-software"
    conda:
        "../../envs/bwa.yaml"
    threads: threads_for("index_reference_bwa")
    resources:
        **resources_for("index_reference_bwa"),
    message:
        "Building the bwa index (once per reference)"
    shell:
        "bwa index {input} 2> {log}"


rule make_intervals:
    input:
        fasta=L.reference.fasta,
        fai=L.reference.fai,
        checked=L.preflight.reference_check,
        targets=config["targets"]["bed"] or [],
    output:
        callable=L.reference.callable,
        chunks=expand(L.reference.chunk, chunk=CHUNKS),
    log:
        layout.log("reference/make_intervals"),
    benchmark:
        layout.benchmark("make_intervals", "make_intervals")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("make_intervals")
    resources:
        **resources_for("make_intervals"),
    params:
        targets=lambda w, input: f"--targets {input.targets} " if input.targets else "",
        padding=config["targets"]["padding"],
        # the number of chunks: a changed calling.scatter must redo the split (the outputs
        # of a smaller scatter already exist and would otherwise be taken as up to date)
        chunks=len(CHUNKS),
    message:
        "Splitting the callable territory into scatter chunks"
    shell:
        "python -m dnaseq.steps intervals --fasta {input.fasta} "
        "{params.targets}--padding {params.padding} --callable {output.callable} "
        "{output.chunks} 2> {log}"
