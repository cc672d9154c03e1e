# Cancer gene-panel path: tumour/normal identity, somatic calling on the padded panel targets
# (freebayes + documented classification, or GATK Mutect2), TMB and MSI. Paired mode when the
# tumour has a normal, tumour-only otherwise (see somatic_runs in common.smk).


rule pad_somatic_targets:
    input:
        fasta=REF,
        fai=REF_FAI,
        targets=somatic_targets(),
        script=script_path("make_intervals.py"),
    output:
        "results/somatic/targets.padded.bed",
    log:
        "logs/somatic/pad_targets.log",
    group:
        "reference"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("pad_somatic_targets")
    resources:
        **resources_for("pad_somatic_targets"),
    params:
        padding=config["somatic"]["padding"],
    shell:
        "python {input.script} --fasta {input.fasta} --targets {input.targets}"
        " --padding {params.padding} --callable {output} 2> {log}"


rule check_tumor_normal_identity:
    input:
        tumor="results/qc/identity/{tumor}.fingerprint.vcf.gz",
        normal=lambda w: f"results/qc/identity/{PAIRS[w.tumor]}.fingerprint.vcf.gz",
        script=script_path("identity.py"),
    output:
        "results/somatic/identity/{tumor}.pair_check.tsv",
    log:
        "logs/somatic/identity/{tumor}.log",
    conda:
        "../../envs/python.yaml"
    threads: threads_for("check_tumor_normal_identity")
    resources:
        **resources_for("check_tumor_normal_identity"),
    params:
        normal=lambda w: PAIRS[w.tumor],
        min_depth=config["identity"]["min_depth"],
        min_sites=config["identity"]["min_sites"],
        threshold=config["somatic"]["pair_min_concordance"],
    message:
        "Checking that tumour {wildcards.tumor} and normal {params.normal} are the same person"
    shell:
        "python {input.script} pair --tumor {wildcards.tumor}={input.tumor}"
        " --normal {params.normal}={input.normal} --min-depth {params.min_depth}"
        " --min-sites {params.min_sites} --threshold {params.threshold} --output {output}"
        " 2> {log}"


rule call_somatic_freebayes:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=REF,
        fai=REF_FAI,
        targets="results/somatic/targets.padded.bed",
    output:
        temp("results/somatic/freebayes/{tumor}.{mode}.raw.vcf.gz"),
    log:
        "logs/somatic/freebayes/{tumor}.{mode}.log",
    conda:
        "../../envs/freebayes.yaml"
    threads: threads_for("call_somatic_freebayes")
    resources:
        **resources_for("call_somatic_freebayes"),
    params:
        extra=config["somatic"]["freebayes_extra"],
        order=lambda w: ",".join([w.tumor] + ([normal_of(w)] if normal_of(w) else [])),
    message:
        "Calling somatic candidates in {wildcards.tumor} ({wildcards.mode}, freebayes)"
    shell:
        # columns: tumour first, then normal (freebayes sorts them by name)
        "(freebayes -f {input.ref} -t {input.targets} {params.extra} {input.bams}"
        " | bcftools view -s {params.order} -Ou"
        " | bcftools norm -f {input.ref} -m -any -Oz -o {output}) 2> {log}"


rule classify_somatic_freebayes:
    input:
        vcf="results/somatic/freebayes/{tumor}.{mode}.raw.vcf.gz",
        germline=config["somatic"]["germline_resource"] or [],
        script=script_path("somatic.py"),
    output:
        vcf="results/somatic/freebayes/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/freebayes/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/classify/{tumor}.{mode}.log",
    conda:
        "../../envs/python.yaml"
    threads: threads_for("classify_somatic_freebayes")
    resources:
        **resources_for("classify_somatic_freebayes"),
    params:
        normal=lambda w: f"--normal {normal_of(w)}" if normal_of(w) else "",
        thresholds=json.dumps(config["somatic"]["classification"]),
        germline=lambda w, input: (
            f"--germline-resource {input.germline}" if input.germline else ""
        ),
    message:
        "Classifying somatic vs germline/artefact in {wildcards.tumor} ({wildcards.mode})"
    shell:
        "(python {input.script} --input {input.vcf} --output {output.vcf}"
        " --tumor {wildcards.tumor} {params.normal} --thresholds {params.thresholds:q}"
        " {params.germline} && tabix -f -p vcf {output.vcf}) 2> {log}"


rule call_somatic_mutect2:
    input:
        unpack(somatic_bams),
        checked=pair_check,
        ref=REF,
        fai=REF_FAI,
        dict=REF_DICT,
        targets="results/somatic/targets.padded.bed",
        resources=mutect2_resources(),
    output:
        vcf=temp("results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz"),
        stats=temp("results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz.stats"),
        f1r2=temp("results/somatic/mutect2/{tumor}.{mode}.f1r2.tar.gz"),
    log:
        "logs/somatic/mutect2/{tumor}.{mode}.log",
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("call_somatic_mutect2")
    resources:
        **resources_for("call_somatic_mutect2"),
    params:
        inputs=lambda w, input: " ".join(f"-I {b}" for b in input.bams),
        normal=lambda w: f"-normal {normal_of(w)}" if normal_of(w) else "",
        resources=mutect2_resource_args(),
        extra=config["somatic"]["mutect2_extra"],
    message:
        "Calling somatic variants in {wildcards.tumor} ({wildcards.mode}, Mutect2)"
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' Mutect2 -R {input.ref} {params.inputs}"
        " {params.normal} {params.resources} -L {input.targets}"
        " --native-pair-hmm-threads {threads} --f1r2-tar-gz {output.f1r2} {params.extra}"
        " -O {output.vcf} 2> {log}"


rule learn_read_orientation_model:
    input:
        "results/somatic/mutect2/{tumor}.{mode}.f1r2.tar.gz",
    output:
        temp("results/somatic/mutect2/{tumor}.{mode}.read_orientation_model.tar.gz"),
    log:
        "logs/somatic/orientation/{tumor}.{mode}.log",
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("learn_read_orientation_model")
    resources:
        **resources_for("learn_read_orientation_model"),
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' LearnReadOrientationModel -I {input}"
        " -O {output} 2> {log}"


rule get_pileup_summaries:
    input:
        unpack(analysis_bam_pair),
        sites=config["somatic"]["contamination_sites"] or [],
    output:
        "results/somatic/contamination/{sample}.pileups.table",
    log:
        "logs/somatic/pileups/{sample}.log",
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("get_pileup_summaries")
    resources:
        **resources_for("get_pileup_summaries"),
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' GetPileupSummaries -I {input.bam}"
        " -V {input.sites} -L {input.sites} -O {output} 2> {log}"


rule calculate_contamination:
    input:
        tumor="results/somatic/contamination/{tumor}.pileups.table",
        normal=lambda w: (
            [f"results/somatic/contamination/{normal_of(w)}.pileups.table"] if normal_of(w) else []
        ),
    output:
        table="results/somatic/contamination/{tumor}.{mode}.contamination.table",
        segments="results/somatic/contamination/{tumor}.{mode}.segments.table",
    log:
        "logs/somatic/contamination/{tumor}.{mode}.log",
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("calculate_contamination")
    resources:
        **resources_for("calculate_contamination"),
    params:
        matched=lambda w, input: f"-matched {input.normal}" if input.normal else "",
    shell:
        "gatk --java-options '-Xmx{resources.mem_mb}m' CalculateContamination -I {input.tumor}"
        " {params.matched} -O {output.table} --tumor-segmentation {output.segments} 2> {log}"


rule filter_mutect2_calls:
    input:
        vcf="results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz",
        stats="results/somatic/mutect2/{tumor}.{mode}.unfiltered.vcf.gz.stats",
        model="results/somatic/mutect2/{tumor}.{mode}.read_orientation_model.tar.gz",
        contamination=contamination_tables,
        ref=REF,
        dict=REF_DICT,
    output:
        vcf="results/somatic/mutect2/{tumor}.{mode}.vcf.gz",
        tbi="results/somatic/mutect2/{tumor}.{mode}.vcf.gz.tbi",
    log:
        "logs/somatic/filtermutectcalls/{tumor}.{mode}.log",
    conda:
        "../../envs/gatk.yaml"
    threads: threads_for("filter_mutect2_calls")
    resources:
        **resources_for("filter_mutect2_calls"),
    params:
        contamination=lambda w, input: (
            f"--contamination-table {input.contamination[0]}"
            f" --tumor-segmentation {input.contamination[1]}"
            if input.contamination
            else ""
        ),
        tmp=lambda w, output: output.vcf.replace(".vcf.gz", ".filtered.tmp.vcf.gz"),
    message:
        "Filtering Mutect2 calls of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "(gatk --java-options '-Xmx{resources.mem_mb}m' FilterMutectCalls -R {input.ref}"
        " -V {input.vcf} --stats {input.stats} --ob-priors {input.model} {params.contamination}"
        " -O {params.tmp}"
        " && bcftools norm -f {input.ref} -m -any -Oz -o {output.vcf} {params.tmp}"
        " && tabix -f -p vcf {output.vcf} && rm -f {params.tmp} {params.tmp}.tbi) 2> {log}"


rule tumor_mutational_burden:
    input:
        vcf=lambda w: (
            f"results/annotated/somatic_{config['somatic']['tmb']['caller']}/"
            f"{w.tumor}.{w.mode}.vcf.gz"
        ),
        thresholds="results/qc/panel/{tumor}.thresholds.bed.gz",
        script=script_path("tmb.py"),
    output:
        json="results/somatic/tmb/{tumor}.{mode}.json",
        multiqc="results/somatic/tmb/{tumor}.{mode}_mqc.yaml",
    log:
        "logs/somatic/tmb/{tumor}.{mode}.log",
    group:
        "reports"
    conda:
        "../../envs/python.yaml"
    threads: threads_for("tumor_mutational_burden")
    resources:
        **resources_for("tumor_mutational_burden"),
    params:
        settings=json.dumps(config["somatic"]["tmb"]),
    message:
        "Computing tumour mutational burden of {wildcards.tumor} ({wildcards.mode})"
    shell:
        "python {input.script} --vcf {input.vcf} --tumor {wildcards.tumor}"
        " --thresholds {input.thresholds} --settings {params.settings:q}"
        " --name {wildcards.tumor}.{wildcards.mode} --output {output.json}"
        " --multiqc {output.multiqc} 2> {log}"


rule scan_microsatellites:
    input:
        REF,
    output:
        "results/reference/microsatellites.list",
    log:
        "logs/somatic/msisensor_scan.log",
    conda:
        "../../envs/msisensor.yaml"
    threads: threads_for("scan_microsatellites")
    resources:
        **resources_for("scan_microsatellites"),
    shell:
        "msisensor-pro scan -d {input} -o {output} 2> {log}"


rule msi_msisensor:
    input:
        unpack(somatic_bams),
        sites="results/reference/microsatellites.list",
        targets=somatic_targets(),
    output:
        "results/somatic/msi/{tumor}.{mode}.txt",
    log:
        "logs/somatic/msisensor/{tumor}.{mode}.log",
    conda:
        "../../envs/msisensor.yaml"
    threads: threads_for("msi_msisensor")
    resources:
        **resources_for("msi_msisensor"),
    params:
        prefix=lambda w, output: output[0].replace(".txt", ""),
        tumor=lambda w, input: input.bams[0],
        normal=lambda w, input: f"-n {input.bams[1]}" if len(input.bams) > 1 else "",
    message:
        "Scoring microsatellite instability of {wildcards.tumor} (MSIsensor-pro)"
    shell:
        "(msisensor-pro msi -d {input.sites} {params.normal} -t {params.tumor}"
        " -e {input.targets} -b {threads} -o {params.prefix}"
        " && cp {params.prefix} {output}) 2> {log}"


rule summarise_somatic_validation:
    input:
        calls=somatic_validation_inputs(),
        script=script_path("somatic_validation.py"),
    output:
        "results/validation/somatic_summary.tsv",
    log:
        "logs/validation/somatic_summary.log",
    group:
        "reports"
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
        "python {input.script} --output {output} {params.runs} 2> {log}"
