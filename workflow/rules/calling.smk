# Shared by all callers: each caller writes one filtered VCF per sample and interval chunk to
# results/calls/{caller}/chunks/{sample}/{chunk}.vcf.gz; this module gathers the chunks in genome
# order and normalises (left-align, split multi-allelics, decompose complex alleles).


rule gather_calls:
    input:
        chunks=expand("results/calls/{{caller}}/chunks/{{sample}}/{chunk}.vcf.gz", chunk=CHUNKS),
        ref=REF,
        fai=REF_FAI,
    output:
        vcf="results/calls/{caller}/{sample}.vcf.gz",
        tbi="results/calls/{caller}/{sample}.vcf.gz.tbi",
        stats="results/qc/bcftools_stats/{caller}/{sample}.txt",
    log:
        "logs/calling/gather/{caller}/{sample}.log",
    benchmark:
        "logs/benchmarks/gather_calls/{caller}/{sample}.tsv"
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
