# Accuracy against a truth set (e.g. GIAB) for the samples listed under `validation` in the config,
# and of the somatic call sets against the tumours' truth under `validation_somatic`.


include: "helpers/validation.smk"


rule normalise_truth:
    input:
        vcf=lambda w: truth_of(w)["truth_vcf"],
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        vcf=L.validation.truth,
        tbi=L.validation.truth_tbi,
        span=L.validation.truth_span,
    log:
        layout.log("validation/normalise_truth/{sample}"),
    benchmark:
        layout.benchmark("normalise_truth", "{sample}")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("normalise_truth")
    resources:
        **resources_for("normalise_truth"),
    message:
        "Normalising the truth set of {wildcards.sample}"
    shell:
        # the span: first to last truth record per contig (the truth is incomplete outside its
        # confident BED, so only recall is meaningful there)
        "(bcftools norm -f {input.ref} -Oz -o {output.vcf} {input.vcf}"
        " && tabix -f -p vcf {output.vcf}"
        " && bcftools query -f '%CHROM\\t%POS0\\t%END\\n' {output.vcf}"
        " | awk -F'\\t' -v OFS='\\t' '!($1 in s) {{s[$1]=$2; o[++n]=$1}} {{if (!($1 in e) || $3>e[$1]) e[$1]=$3}}"
        " END {{for (i=1;i<=n;i++) print o[i], s[o[i]], e[o[i]]}}' > {output.span}) 2> {log}"


rule reference_sdf:
    input:
        L.reference.fasta,
    output:
        directory(L.validation.sdf),
    log:
        layout.log("validation/sdf"),
    benchmark:
        layout.benchmark("reference_sdf", "sdf")
    conda:
        "../../envs/rtg.yaml"
    threads: threads_for("reference_sdf")
    resources:
        **resources_for("reference_sdf"),
    message:
        "Formatting the reference for RTG vcfeval (SDF)"
    shell:
        "rtg format -o {output} {input} > {log} 2>&1"


rule vcfeval_calls:
    input:
        truth=rules.normalise_truth.output.vcf,
        truth_tbi=rules.normalise_truth.output.tbi,
        calls=L.calling.vcf,
        calls_tbi=L.calling.tbi,
        regions=vcfeval_regions,
        sdf=rules.reference_sdf.output,
    output:
        directory(L.validation.vcfeval),
    log:
        layout.log("validation/vcfeval/{caller}.{sample}.{region}"),
    benchmark:
        layout.benchmark("vcfeval_calls", "{caller}.{sample}.{region}")
    conda:
        "../../envs/rtg.yaml"
    threads: threads_for("vcfeval_calls")
    resources:
        **resources_for("vcfeval_calls"),
    message:
        "Comparing {wildcards.caller} calls of {wildcards.sample} with the truth set ({wildcards.region}, RTG vcfeval)"
    shell:
        # PASS calls only (vcfeval's default), genotype-aware; ga4gh output: per record the
        # TRUTH and QUERY decisions (TP/FP/FN) and match kinds that the tables count
        "rtg vcfeval -b {input.truth} -c {input.calls} -t {input.sdf} --bed-regions {input.regions}"
        " --output-mode ga4gh --threads {threads} -o {output} > {log} 2>&1"


rule compare_calls_to_truth:
    input:
        unpack(validation_strata_beds),
        vcfeval=lambda w: expand(
            L.validation.vcfeval, caller=w.caller, sample=w.sample, region=VALIDATION_REGIONS
        ),
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        table=L.validation.table,
        strata=L.validation.strata,
    log:
        layout.log("validation/compare/{caller}.{sample}"),
    benchmark:
        layout.benchmark("compare_calls_to_truth", "{caller}.{sample}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("compare_calls_to_truth")
    resources:
        **resources_for("compare_calls_to_truth"),
    params:
        files=lambda w, input: " ".join(f"{v}/output.vcf.gz" for v in input.vcfeval),
        regions=" ".join(VALIDATION_REGIONS),
        strata=validation_strata_args,
        min_count=config["validation_settings"]["min_count"],
    message:
        "Tabulating the accuracy of {wildcards.caller} on {wildcards.sample} per type and stratum"
    shell:
        "python -m dnaseq.steps vcfeval-tables --vcfeval {params.files} --regions {params.regions}"
        " --sample {wildcards.sample} --caller {wildcards.caller} --reference {input.ref}"
        " {params.strata} --min-count {params.min_count}"
        " --engine-version \"$(rtg version 2>/dev/null | head -n 1 | sed 's/^Product: //')\""
        " --output {output.table} --strata {output.strata} 2> {log}"


rule summarise_validation:
    input:
        expand(L.validation.table, caller=CALLERS, sample=validated_samples()),
    output:
        report(
            L.validation.summary,
            caption="../report/captions/validation.rst",
            category="Validation",
        ),
    log:
        layout.log("validation/summary"),
    benchmark:
        layout.benchmark("summarise_validation", "summary")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_validation")
    resources:
        **resources_for("summarise_validation"),
    params:
        header_from=lambda w, input: input[0],
    message:
        "Writing the germline validation table"
    shell:
        "(head -n 1 {params.header_from} && tail -q -n +2 {input}) > {output} 2> {log}"


rule summarise_validation_strata:
    input:
        expand(L.validation.strata, caller=CALLERS, sample=validated_samples()),
    output:
        L.validation.strata_summary,
    log:
        layout.log("validation/strata"),
    benchmark:
        layout.benchmark("summarise_validation_strata", "strata")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_validation_strata")
    resources:
        **resources_for("summarise_validation_strata"),
    params:
        header_from=lambda w, input: input[0],
    message:
        "Writing the germline accuracy table per type and stratum"
    shell:
        "(head -n 1 {params.header_from} && tail -q -n +2 {input}) > {output} 2> {log}"


rule record_validation_history:
    input:
        strata=L.validation.strata_summary,
        provenance=L.provenance.json,
    output:
        html=L.validation.trend_html,
        png=directory(L.validation.trend_png),
        warnings=L.validation.trend_warnings,
    log:
        layout.log("validation/history"),
    benchmark:
        layout.benchmark("record_validation_history", "history")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("record_validation_history")
    resources:
        **resources_for("record_validation_history"),
    params:
        store=config["validation_settings"]["history"],
        last=config["validation_settings"]["trend_last"],
        margin=config["validation_settings"]["trend_margin"],
        results=lambda w, input: str(Path(input.strata).parents[1]),
    message:
        "Appending this run's accuracy to the validation history and drawing the control charts"
    shell:
        "python -m dnaseq.steps validation-history --store {params.store:q}"
        " --strata {input.strata} --provenance {input.provenance} --results-dir {params.results}"
        " --last {params.last} --margin {params.margin} --html {output.html}"
        " --png-dir {output.png} --warnings {output.warnings} 2> {log}"


rule summarise_somatic_validation:
    input:
        calls=somatic_validation_inputs(),
    output:
        report(
            L.validation.somatic_summary,
            caption="../report/captions/somatic_validation.rst",
            category="Validation",
        ),
    log:
        layout.log("validation/somatic_summary"),
    benchmark:
        layout.benchmark("summarise_somatic_validation", "somatic_summary")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("summarise_somatic_validation")
    resources:
        **resources_for("summarise_somatic_validation"),
    params:
        runs=somatic_validation_args,
    message:
        "Comparing somatic calls with the somatic truth sets"
    shell:
        "python -m dnaseq.steps somatic-validation --output {output} {params.runs} 2> {log}"


if validated_samples():
    deliver(rules.summarise_validation.output)
    deliver(rules.summarise_validation_strata.output)
    if config["validation_settings"]["history"]:
        deliver([L.validation.trend_html, L.validation.trend_warnings])
if somatic_validation_runs():
    deliver(rules.summarise_somatic_validation.output)
