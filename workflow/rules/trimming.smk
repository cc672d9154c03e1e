# Read QC and adapter/quality trimming, one fastp job per sequencing unit (lane).


rule trim_reads_fastp:
    input:
        unpack(unit_fastqs),
        checked=L.preflight.fastq_check,
    output:
        r1=temp(L.trimming.r1),
        r2=temp(L.trimming.r2),
        json=L.trimming.fastp_json,
        html=L.trimming.fastp_html,
    log:
        layout.log("trimming/fastp/{sample}.{unit}"),
    benchmark:
        layout.benchmark("trim_reads_fastp", "{sample}.{unit}")
    conda:
        "../../envs/fastp.yaml"
    threads: threads_for("trim_reads_fastp")
    resources:
        **resources_for("trim_reads_fastp"),
    params:
        extra=config["trimming"]["fastp_extra"],
    message:
        "Trimming reads of {wildcards.sample} unit {wildcards.unit}"
    shell:
        "fastp --in1 {input.r1} --in2 {input.r2} --out1 {output.r1} --out2 {output.r2} "
        "--detect_adapter_for_pe --thread {threads} {params.extra} "
        "--json {output.json} --html {output.html} "
        "--report_title '{wildcards.sample} {wildcards.unit}' 2> {log}"


to_multiqc(rules.trim_reads_fastp.output.json, READ_UNITS)
