# Provenance and integrity: what produced the results (versions, config, reference checksum),
# and a SHA-256 manifest of every input and deliverable that `scripts/manifest.py verify` checks.


rule write_provenance:
    input:
        config="results/provenance/config.json",
        reference=config["reference"]["fasta"],
        # redone whenever the reference is (by content: see prepare_reference), so that
        # provenance.json and manifest.tsv can never name different reference checksums
        prepared=REF,
        versions=expand("results/qc/versions/{env}_mqc_versions.yml", env=env_names()),
    output:
        json="results/provenance/provenance.json",
        multiqc="results/qc/provenance_mqc.yaml",
    log:
        "logs/provenance/provenance.log",
    benchmark:
        "logs/benchmarks/write_provenance/provenance.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("write_provenance")
    resources:
        **resources_for("write_provenance"),
    params:
        workflow_version=WORKFLOW_VERSION,
        snakemake_version=snakemake.__version__,
    message:
        "Recording provenance (versions, config, reference checksum)"
    shell:
        "python -m dnaseq.steps provenance --config-json {input.config} --reference {input.reference}"
        " --versions {input.versions} --workflow-version '{params.workflow_version}'"
        " --snakemake-version {params.snakemake_version} --output {output.json}"
        " --multiqc {output.multiqc} 2> {log}"


rule write_manifest:
    input:
        inputs=run_input_files(),
        deliverables=lambda w: list(dict.fromkeys(DELIVERABLES)),
        identity_ok="results/qc/identity/identity.ok",
    output:
        "results/manifest.tsv",
    log:
        "logs/provenance/manifest.log",
    benchmark:
        "logs/benchmarks/write_manifest/manifest.tsv"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("write_manifest")
    resources:
        **resources_for("write_manifest"),
    params:
        # recorded paths are run-relative, also when the job reads local copies of remote files
        names=lambda w: manifest_entries(),
    message:
        "Writing the SHA-256 manifest of all inputs and deliverables"
    shell:
        "python -m dnaseq.steps manifest write --output {output} --inputs {input.inputs}"
        " --deliverables {input.deliverables} --names {params.names:q} 2> {log}"


deliver(rules.write_provenance.output.json)
to_multiqc(rules.write_provenance.output.multiqc)
