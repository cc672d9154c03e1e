# Deep input checks, the first jobs of the DAG (in parallel): every FASTQ pair read to the end,
# the reference's contig names, and every BED/VCF/GFF3 input against the reference's contigs.
# Nothing downstream starts for a unit or for calling until its check has passed.


rule write_resolved_config:
    output:
        "results/provenance/config.json",
    log:
        "logs/provenance/config.log",
    benchmark:
        "logs/benchmarks/write_resolved_config/config.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("write_resolved_config")
    resources:
        **resources_for("write_resolved_config"),
    params:
        config=lambda w: json.dumps(config, sort_keys=True, indent=1),
    message:
        "Recording the resolved configuration"
    shell:
        "printf '%s\\n' {params.config:q} > {output} 2> {log}"


rule check_fastq_pair:
    input:
        unpack(unit_fastqs),
    output:
        "results/qc/preflight/{sample}.{unit}.fastq_check.json",
    log:
        "logs/preflight/fastq_pair/{sample}.{unit}.log",
    benchmark:
        "logs/benchmarks/check_fastq_pair/{sample}.{unit}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_fastq_pair")
    resources:
        **resources_for("check_fastq_pair"),
    message:
        "Checking the FASTQ pair of {wildcards.sample} unit {wildcards.unit} (integrity, names)"
    shell:
        "python -m dnaseq.steps preflight fastq-pair {input.r1} {input.r2} --output {output} 2> {log}"


rule check_reference_inputs:
    input:
        fasta=REF,
        fai=REF_FAI,
        inputs=reference_checked_inputs(),
    output:
        "results/qc/preflight/reference.json",
    log:
        "logs/preflight/reference.log",
    benchmark:
        "logs/benchmarks/check_reference_inputs/reference.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_reference_inputs")
    resources:
        **resources_for("check_reference_inputs"),
    params:
        # only what the check needs of the config: another setting changing reruns nothing here
        checked=json.dumps(preflight.input_kinds(preflight.checked_inputs(config, CONFIG_SCHEMA))),
        sliced="--sliced" if config["reference"]["sliced"] else "",
    message:
        "Checking the reference and every BED/VCF/GFF3 input against its contigs"
    shell:
        "python -m dnaseq.steps preflight reference --checked {params.checked:q} {params.sliced}"
        " --fasta {input.fasta} --fai {input.fai} --inputs {input.inputs} --output {output}"
        " 2> {log}"
