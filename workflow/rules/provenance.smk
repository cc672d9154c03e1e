# Provenance and integrity: what produced the results (versions, config, reference checksum),
# and a SHA-256 manifest of every input and deliverable that `scripts/manifest.py verify` checks.


rule write_provenance:
    input:
        config="results/provenance/config.json",
        reference=config["reference"]["fasta"],
        versions=expand("results/qc/versions/{env}_mqc_versions.yml", env=env_names()),
        script=script_path("provenance.py"),
    output:
        json="results/provenance/provenance.json",
        multiqc="results/qc/provenance_mqc.yaml",
    log:
        "logs/provenance/provenance.log",
    group:
        "reports"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("write_provenance")
    resources:
        **resources_for("write_provenance"),
    params:
        workflow_version=WORKFLOW_VERSION,
        snakemake_version=snakemake.__version__,
    shell:
        "python {input.script} --config-json {input.config} --reference {input.reference}"
        " --versions {input.versions} --workflow-version '{params.workflow_version}'"
        " --snakemake-version {params.snakemake_version} --output {output.json}"
        " --multiqc {output.multiqc} 2> {log}"


rule write_manifest:
    input:
        inputs=run_inputs(),
        deliverables=deliverables(),
        identity_ok="results/qc/identity/identity.ok",
        script=script_path("manifest.py"),
    output:
        "results/manifest.tsv",
    log:
        "logs/provenance/manifest.log",
    group:
        "reports"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("write_manifest")
    resources:
        **resources_for("write_manifest"),
    params:
        # recorded paths are run-relative, also when the job reads local copies of remote files
        names=lambda w: [*run_inputs(), *deliverables()],
    message:
        "Writing the SHA-256 manifest of all inputs and deliverables"
    shell:
        "python {input.script} write --output {output} --inputs {input.inputs}"
        " --deliverables {input.deliverables} --names {params.names:q} 2> {log}"
