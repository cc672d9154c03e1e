# Microsatellite instability (MSIsensor-pro, conda env only), paired tumours, when
# somatic.msi.enabled.


rule scan_microsatellites:
    input:
        L.reference.fasta,
    output:
        L.somatic.microsatellites,
    log:
        layout.log("somatic/msisensor_scan"),
    benchmark:
        layout.benchmark("scan_microsatellites", "msisensor_scan")
    conda:
        "../../envs/msisensor.yaml"
    threads: threads_for("scan_microsatellites")
    resources:
        **resources_for("scan_microsatellites"),
    message:
        "Listing the reference's microsatellites (MSIsensor-pro scan)"
    shell:
        "msisensor-pro scan -d {input} -o {output} 2> {log}"


rule msi_msisensor:
    input:
        unpack(somatic_bams),
        sites=rules.scan_microsatellites.output[0],
        targets=SOMATIC_TARGETS,
    output:
        L.somatic.msi,
    log:
        layout.log("somatic/msisensor/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("msi_msisensor", "{tumor}.{mode}")
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


if config["somatic"]["msi"]["enabled"]:
    deliver(
        rules.msi_msisensor.output,
        [r for r in somatic_run_wildcards() if r["mode"] == "paired"],
    )
