# Sample identity: genotype fingerprints at fixed common SNP sites, pairwise concordance within
# the run (and against known genotypes when configured), and a sex check from X/Y coverage.
# A FAIL stops the run before the manifest is written (identity.fail_on_mismatch).


rule prepare_fingerprint_sites:
    input:
        config["identity"]["sites"],
    output:
        tsv=L.identity.sites,
        tbi=L.identity.sites_tbi,
    log:
        layout.log("identity/prepare_sites"),
    benchmark:
        layout.benchmark("prepare_fingerprint_sites", "prepare_sites")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("prepare_fingerprint_sites")
    resources:
        **resources_for("prepare_fingerprint_sites"),
    message:
        "Preparing the fingerprint sites for genotyping"
    shell:
        # `bcftools call -C alleles` wants the alleles as a tab-delimited targets file
        "(bcftools query -f '%CHROM\\t%POS\\t%REF,%ALT\\n' {input} | bgzip -c > {output.tsv}"
        " && tabix -f -s1 -b2 -e2 {output.tsv}) 2> {log}"


rule fingerprint_sample:
    input:
        **L.alignment(),
        ref=L.reference.fasta,
        fai=L.reference.fai,
        sites=rules.prepare_fingerprint_sites.output.tsv,
        tbi=rules.prepare_fingerprint_sites.output.tbi,
    output:
        L.identity.fingerprint,
    log:
        layout.log("identity/fingerprint/{sample}"),
    benchmark:
        layout.benchmark("fingerprint_sample", "{sample}")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("fingerprint_sample")
    resources:
        **resources_for("fingerprint_sample"),
    message:
        "Genotyping {wildcards.sample} at the fingerprint sites"
    shell:
        "(bcftools mpileup -f {input.ref} -T {input.sites} -a FORMAT/AD,FORMAT/DP --min-MQ 20"
        " -Ou {input.bam}"
        " | bcftools call -m -C alleles -T {input.sites} -Oz -o {output}) 2> {log}"


rule check_identity_concordance:
    input:
        fingerprints=expand(L.identity.fingerprint, sample=SAMPLES),
        expected=list(config["identity"]["expected"].values()),
        sites=config["identity"]["sites"],  # population AF (INFO/AF) of every site
    output:
        tsv=L.identity.concordance,
        multiqc=L.identity.concordance_mqc,
    log:
        layout.log("identity/concordance"),
    benchmark:
        layout.benchmark("check_identity_concordance", "concordance")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_identity_concordance")
    resources:
        **resources_for("check_identity_concordance"),
    params:
        fingerprints=lambda w, input: " ".join(
            f"{s}={f}" for s, f in zip(SAMPLES, input.fingerprints)
        ),
        patients=" ".join(f"{s}={p}" for s, p in PATIENTS.items()),
        expected=lambda w, input: " ".join(
            f"{s}={f}" for s, f in zip(config["identity"]["expected"], input.expected)
        ),
        min_depth=config["identity"]["min_depth"],
        min_sites=config["identity"]["min_sites"],
        min_lod=config["identity"]["min_lod"],
    message:
        "Comparing genotype fingerprints of all samples (swaps, duplicates)"
    shell:
        "python -m dnaseq.steps identity concordance --fingerprints {params.fingerprints}"
        " --patients {params.patients} --expected {params.expected}"
        " --min-depth {params.min_depth} --min-sites {params.min_sites}"
        " --min-lod {params.min_lod} --sites {input.sites} --output {output.tsv} --multiqc {output.multiqc}"
        " 2> {log}"


rule check_sex:
    input:
        idxstats=expand(L.qc.idxstats, sample=SAMPLES),
    output:
        tsv=L.identity.sex_check,
        multiqc=L.identity.sex_check_mqc,
    log:
        layout.log("identity/sex"),
    benchmark:
        layout.benchmark("check_sex", "sex")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_sex")
    resources:
        **resources_for("check_sex"),
    params:
        idxstats=lambda w, input: " ".join(f"{s}={f}" for s, f in zip(SAMPLES, input.idxstats)),
        reported=" ".join(f"{s}={x}" for s, x in sheets.reported_sexes(samples).items()),
    message:
        "Checking reported sex against X/Y coverage for all samples"
    shell:
        "python -m dnaseq.steps identity sex --idxstats {params.idxstats} --reported {params.reported}"
        " --output {output.tsv} --multiqc {output.multiqc} 2> {log}"


rule gate_identity:
    input:
        reports=[rules.check_identity_concordance.output.tsv, rules.check_sex.output.tsv],
    output:
        L.identity.identity_ok,
    log:
        layout.log("identity/gate"),
    benchmark:
        layout.benchmark("gate_identity", "gate")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("gate_identity")
    resources:
        **resources_for("gate_identity"),
    params:
        enforce=config["identity"]["fail_on_mismatch"],
    message:
        "Stopping the run if a sample identity check failed"
    shell:
        "if [ {params.enforce} = True ]; then"
        " python -m dnaseq.steps identity gate {input.reports} --output {output} 2> {log};"
        " else echo 'identity checks not enforced' > {output}; fi"


deliver([rules.check_identity_concordance.output.tsv, rules.check_sex.output.tsv])
to_multiqc([rules.check_identity_concordance.output.multiqc, rules.check_sex.output.multiqc])
