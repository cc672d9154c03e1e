# Deep input checks, the first jobs of the DAG (in parallel): every FASTQ pair read to the end,
# the reference's contig names, and every BED/VCF/GFF3 input against the reference's contigs.
# Nothing downstream starts for a unit or for calling until its check has passed.


include: "helpers/preflight.smk"


rule write_resolved_config:
    output:
        L.preflight.config_json,
    log:
        layout.log("provenance/config"),
    benchmark:
        layout.benchmark("write_resolved_config", "config")
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
        L.preflight.fastq_check,
    log:
        layout.log("preflight/fastq_pair/{sample}.{unit}"),
    benchmark:
        layout.benchmark("check_fastq_pair", "{sample}.{unit}")
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
        fasta=L.reference.fasta,
        fai=L.reference.fai,
        inputs=reference_checked_inputs(),
    output:
        L.preflight.reference_check,
    log:
        layout.log("preflight/reference"),
    benchmark:
        layout.benchmark("check_reference_inputs", "reference")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_reference_inputs")
    resources:
        **resources_for("check_reference_inputs"),
    params:
        # only what the check needs of the config: another setting changing reruns nothing here
        checked=json.dumps(preflight_reference.input_kinds(reference_checked_input_items())),
        sliced="--sliced" if config["reference"]["sliced"] else "",
    message:
        "Checking the reference and every BED/VCF/GFF3 input against its contigs"
    shell:
        "python -m dnaseq.steps preflight reference --checked {params.checked:q} {params.sliced}"
        " --fasta {input.fasta} --fai {input.fai} --inputs {input.inputs} --output {output}"
        " 2> {log}"
