#!/usr/bin/env bash
# The workflow's steps for one sample's bcftools calls, chained by hand with the same tools,
# versions, options and threads (the baseline of benchmarks/overhead.py):
#   fastp -> bwa mem | samtools fixmate | sort (per unit) -> merge -> markdup -> index
#   -> bcftools mpileup | call | norm over the whole reference.
# Usage: hand_chain.sh OUTDIR REF THREADS SAMPLE R1 R2 [R1 R2 ...]
# REF must already be indexed (samtools faidx, bwa index), as the workflow's would be.
set -euo pipefail
out=$1 ref=$2 threads=$3 sample=$4
shift 4
mkdir -p "$out"
bams=()
unit=0
while (($#)); do
  r1=$1 r2=$2
  shift 2
  unit=$((unit + 1))
  fastp --in1 "$r1" --in2 "$r2" --out1 "$out/u$unit.R1.fq.gz" --out2 "$out/u$unit.R2.fq.gz" \
    --detect_adapter_for_pe --thread "$threads" --length_required 36 \
    --json "$out/u$unit.json" --html "$out/u$unit.html" 2> /dev/null
  bwa mem -t "$threads" -K 100000000 -B 6 -R "@RG\tID:$sample.u$unit\tSM:$sample\tPL:ILLUMINA" \
    "$ref" "$out/u$unit.R1.fq.gz" "$out/u$unit.R2.fq.gz" 2> /dev/null \
    | samtools fixmate -m -u - - \
    | samtools sort -@ "$threads" -m 512M -T "$out/u$unit.tmp" -o "$out/u$unit.bam" - 2> /dev/null
  bams+=("$out/u$unit.bam")
done
if ((${#bams[@]} > 1)); then
  samtools merge -f -@ "$threads" -o "$out/merged.bam" "${bams[@]}"
else
  mv "${bams[0]}" "$out/merged.bam"
fi
samtools markdup -@ "$threads" -f "$out/markdup.txt" -T "$out/md.tmp" "$out/merged.bam" \
  "$out/dedup.bam" 2> /dev/null
samtools index "$out/dedup.bam"
bcftools mpileup -f "$ref" -a FORMAT/AD,FORMAT/DP --min-MQ 20 --max-depth 1000 -Ou \
  "$out/dedup.bam" 2> /dev/null \
  | bcftools call -m -v -a FORMAT/GQ,FORMAT/GP -Ou \
  | bcftools norm -f "$ref" -m -any -Oz -o "$out/calls.vcf.gz" 2> /dev/null
bcftools index -t "$out/calls.vcf.gz"
