# Provenance and integrity: what produced the results (versions, config, reference checksum),
# and a SHA-256 manifest of every input and deliverable that `dnaseq manifest verify` checks.


include: "helpers/provenance.smk"


from datetime import UTC, datetime

import snakemake

WORKFLOW_VERSION = provenance.workflow_version(WORKFLOW_DIR)
STARTED_UTC = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# included last: every module has registered its conda envs by now, whose tool versions go into
# provenance and MultiQC
to_multiqc(L.qc.versions, env=ENVS)


rule write_provenance:
    input:
        config=L.preflight.config_json,
        reference=config["reference"]["fasta"],
        # redone whenever the reference is (by content: see prepare_reference), so that
        # provenance.json and manifest.tsv can never name different reference checksums
        prepared=L.reference.fasta,
        # what the workflow's copy changed (IUPAC codes read as N)
        changes=L.reference.changes,
        versions=expand(L.qc.versions, env=ENVS),
        sources=[L.reanalysis.source.format(sample=s, source=u) for s, u in SOURCES],
    output:
        json=L.provenance.json,
        multiqc=L.provenance.multiqc,
    log:
        layout.log("provenance/provenance"),
    benchmark:
        layout.benchmark("write_provenance", "provenance")
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
        " --reference-changes {input.changes} --versions {input.versions} --workflow-version '{params.workflow_version}'"
        " --snakemake-version {params.snakemake_version} --output {output.json}"
        " --multiqc {output.multiqc} --sources {input.sources} 2> {log}"


rule write_manifest:
    input:
        inputs=run_input_files(),
        deliverables=lambda w: list(dict.fromkeys(DELIVERABLES)),
        identity_ok=L.identity.identity_ok,
    output:
        L.provenance.manifest,
    log:
        layout.log("provenance/manifest"),
    benchmark:
        layout.benchmark("write_manifest", "manifest")
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
