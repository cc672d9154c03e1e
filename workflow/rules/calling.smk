# Shared by all germline callers: each caller (its own module calling_<caller>.smk) writes one
# filtered VCF per sample and interval chunk (L.calling.chunk_vcf) from the QC-gated analysis
# alignments; this module gathers the chunks in genome order and normalises (left-align, split
# multi-allelics, decompose complex alleles).


include: "helpers/calling.smk"


rule gather_calls:
    input:
        chunks=expand(L.calling.chunk_vcf, chunk=CHUNKS, allow_missing=True),
        ref=L.reference.fasta,
        fai=L.reference.fai,
    output:
        vcf=L.calling.vcf,
        tbi=L.calling.tbi,
        stats=L.calling.stats,
    log:
        layout.log("calling/gather/{caller}/{sample}"),
    benchmark:
        layout.benchmark("gather_calls", "{caller}/{sample}")
    conda:
        "../../envs/bcftools.yaml"
    threads: threads_for("gather_calls")
    resources:
        **resources_for("gather_calls"),
    message:
        "Gathering and normalising {wildcards.caller} calls of {wildcards.sample} (+ bcftools stats)"
    shell:
        "(bcftools concat -Ou {input.chunks}"
        " | bcftools norm -f {input.ref} -m -any -Ou"
        " | bcftools norm -d exact -Oz -o {output.vcf}"
        " && bcftools index -t {output.vcf}"
        # MultiQC names the sample after the ID line: make it sample_caller, not the file name
        " && bcftools stats -F {input.ref} -s - {output.vcf}"
        " | sed 's|^ID\\t0\\t.*|ID\\t0\\t{wildcards.sample}_{wildcards.caller}|'"
        " > {output.stats}) 2> {log}"


_gathered = rules.gather_calls.output
deliver([_gathered.vcf, _gathered.tbi], caller=CALLERS, sample=GERMLINE_SAMPLES)
to_multiqc(_gathered.stats, caller=CALLERS, sample=GERMLINE_SAMPLES)
