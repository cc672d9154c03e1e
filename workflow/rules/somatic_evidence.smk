# The steps every chunked somatic caller shares (registered with shared_evidence=True): its
# chunk VCFs gathered in genome order, then one common step (somatic_evidence) that writes the
# calls in the same form for every caller: tumour first, FORMAT AD/DP/AF counted in fragments,
# and the tumour-only filters (panel of normals, germline resource, purity-aware VAF model).
# Then the ensemble of all somatic callers, and the final call sets delivered.
# Included after every somatic caller's module (the registry is complete here).

EVIDENCE_CALLERS = "|".join(c for c, shared in SOMATIC_CALLERS.items() if shared) or "NO_CALLERS"


rule gather_somatic_chunks:
    input:
        chunks=expand(L.somatic.chunk_vcf, chunk=SOMATIC_CHUNKS, allow_missing=True),
        ref=L.reference.fasta,
    output:
        temp(L.somatic.raw_vcf),
    log:
        layout.log("somatic/gather/{caller}/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("gather_somatic_chunks", "{caller}/{tumor}.{mode}")
    wildcard_constraints:
        caller=EVIDENCE_CALLERS,
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("gather_somatic_chunks")
    resources:
        **resources_for("gather_somatic_chunks"),
    message:
        "Gathering the {wildcards.caller} chunks of {wildcards.tumor} ({wildcards.mode})"
    shell:
        # chunks follow genome order; norm -d drops a record two chunks both reported
        "(bcftools concat {input.chunks} -Ou | bcftools sort -Ou"
        " | bcftools norm -f {input.ref} -d exact -Oz -o {output}) 2> {log}"


rule somatic_evidence:
    input:
        vcf=rules.gather_somatic_chunks.output[0],
        bams=lambda w: somatic_bams(w)["bams"],
        bais=lambda w: somatic_bams(w)["bais"],
        ref=L.reference.fasta,
        pon=lambda w: tumor_only_pon() if w.mode == "tumor_only" else [],
        germline=lambda w: (
            config["somatic"]["germline_resource"] or [] if w.mode == "tumor_only" else []
        ),
    output:
        vcf=L.somatic.vcf,
        tbi=L.somatic.tbi,
    log:
        layout.log("somatic/evidence/{caller}/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("somatic_evidence", "{caller}/{tumor}.{mode}")
    wildcard_constraints:
        caller=EVIDENCE_CALLERS,
    conda:
        "../../envs/python.yaml"
    threads: threads_for("somatic_evidence")
    resources:
        **resources_for("somatic_evidence"),
    params:
        normal=lambda w: f"--normal {normal_of(w)}" if normal_of(w) else "",
        bams=lambda w, input: " ".join(
            f"--bam {s}={b}" for s, b in zip(somatic_samples(w), input.bams)
        ),
        settings=json.dumps(
            {
                **config["somatic"]["evidence"],
                **{k: v for k, v in config["somatic"]["tumor_only"].items() if k != "build_pon"},
            }
        ),
        pon=lambda w, input: f"--pon {input.pon}" if input.pon else "",
        germline=lambda w, input: (
            f"--germline-resource {input.germline}" if input.germline else ""
        ),
        purity=lambda w: (
            f"--purity {purity_of(w.tumor)}" if purity_of(w.tumor) is not None else ""
        ),
        patient=lambda w: PATIENTS[w.tumor],
    message:
        "Counting fragment evidence and filtering {wildcards.caller} calls of {wildcards.tumor}"
        " ({wildcards.mode})"
    shell:
        "(python -m dnaseq.steps somatic-evidence --input {input.vcf} --output {output.vcf}"
        " --tumor {wildcards.tumor} {params.normal} {params.bams} --reference {input.ref}"
        " --settings {params.settings:q} {params.pon} --patient {params.patient}"
        " {params.germline} {params.purity}"
        " && tabix -f -p vcf {output.vcf}) 2> {log}"


rule somatic_ensemble:
    input:
        calls=lambda w: outputs(
            L.somatic.vcf, caller=config["somatic"]["callers"], tumor=[w.tumor], mode=[w.mode]
        ),
        hotspots=config["somatic"]["ensemble"]["hotspots"] or [],
    output:
        vcf=layout.partial(L.somatic.vcf, caller="ensemble"),
        tbi=layout.partial(L.somatic.tbi, caller="ensemble"),
    log:
        layout.log("somatic/ensemble/{tumor}.{mode}"),
    benchmark:
        layout.benchmark("somatic_ensemble", "{tumor}.{mode}")
    conda:
        "../../envs/python.yaml"
    threads: threads_for("somatic_ensemble")
    resources:
        **resources_for("somatic_ensemble"),
    params:
        calls=lambda w, input: " ".join(
            f"--calls {c}={v}" for c, v in zip(config["somatic"]["callers"], input.calls)
        ),
        min_callers=config["somatic"]["ensemble"]["min_callers"],
        hotspots=lambda w, input: f"--hotspots {input.hotspots}" if input.hotspots else "",
    message:
        "Combining the somatic calls of {wildcards.tumor} ({wildcards.mode}): ensemble"
    shell:
        "(python -m dnaseq.steps somatic-ensemble {params.calls} --output {output.vcf}"
        " --min-callers {params.min_callers} {params.hotspots}"
        " && tabix -f -p vcf {output.vcf}) 2> {log}"


# the final, indexed VCF of each somatic caller and of the ensemble
for _caller in somatic_outputs():
    deliver([L.somatic.vcf, L.somatic.tbi], somatic_run_wildcards(), caller=[_caller])
