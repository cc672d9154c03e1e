"""Where every file of a run lives: each `results/` and `logs/` path pattern, defined once.

The workflow's stages (one `.smk` module each, or a few for the calling stages) read and write
files only through this module: within a stage a rule takes its neighbours' paths from
`rules.X.output` or from its own stage here; across stages it names what the other stage
*emits*, and its own stage declares what it *takes* (the interfaces README "Layout" shows,
after sarek's `take:`/`emit:` subworkflows). `tests/test_layout.py` fails when a rule file
writes a `results/` or `logs/` path itself, or reads another stage's file that its stage does
not declare.

Where tools are alternatives (duplicate marking, annotation) the tool is part of the path, so
the two rules never claim the same file and no `ruleorder` is needed; `Layout` fills the
configured tool in for the stages that read them.

    python -m dnaseq.core.layout                     # the stage interfaces as a Markdown table
    python -m dnaseq.core.layout --readme README.md  # ... written into README "Stages"
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = "results"
LOGS = "logs"


@dataclass(frozen=True)
class Stage:
    """One stage: its files (name -> pattern), the other stages' files it reads (`takes`,
    as "stage.name"), the modules that implement it, and what it is for."""

    name: str
    doc: str
    modules: tuple[str, ...]
    paths: Mapping[str, str]
    takes: tuple[str, ...] = ()

    def __getattr__(self, key: str) -> str:
        paths = object.__getattribute__(self, "paths")
        if key in paths:
            return paths[key]
        raise AttributeError(f"stage {object.__getattribute__(self, 'name')} has no path {key!r}")

    def __getitem__(self, key: str) -> str:
        return self.paths[key]


def _stage(name: str, doc: str, modules: str, takes: str = "", **paths: str) -> Stage:
    return Stage(name, doc, tuple(modules.split()), paths, tuple(takes.split()))


R = RESULTS
STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        _stage(
            "preflight",
            "deep input checks: every FASTQ pair read to the end, every BED/VCF/GFF3 against "
            "the reference's contigs; the resolved configuration",
            "preflight.smk helpers/preflight.smk",
            takes="reference.fasta reference.fai",
            config_json=f"{R}/provenance/config.json",
            fastq_check=f"{R}/qc/preflight/{{sample}}.{{unit}}.fastq_check.json",
            reference_check=f"{R}/qc/preflight/reference.json",
        ),
        _stage(
            "reference",
            "the run's own plain reference with its indexes, the callable territory and its "
            "scatter chunks",
            "reference.smk",
            takes="preflight.reference_check",
            fasta=f"{R}/reference/genome.fa",
            changes=f"{R}/reference/genome.changes.json",
            fai=f"{R}/reference/genome.fa.fai",
            dict=f"{R}/reference/genome.dict",
            cram_cache=f"{R}/reference/cram_cache/%2s/%2s/%s",
            callable=f"{R}/reference/callable.bed",
            chunk=f"{R}/reference/intervals/{{chunk}}.bed",
        ),
        _stage(
            "reanalysis",
            "stored alignments (BAM/CRAM) as input: checksums and read counts, reused ones "
            "prepared for duplicate marking, realigned ones unpacked per read group to FASTQ",
            "reanalysis.smk helpers/reanalysis.smk",
            takes="reference.fasta reference.fai",
            source=f"{R}/reanalysis/{{sample}}/{{source}}.source.json",
            r1=f"{R}/reanalysis/{{sample}}/{{unit}}.R1.fastq.gz",
            r2=f"{R}/reanalysis/{{sample}}/{{unit}}.R2.fastq.gz",
            unpack_counts=f"{R}/reanalysis/{{sample}}/{{unit}}.unpacked.json",
            header=f"{R}/reanalysis/{{sample}}/{{unit}}.header.sam",
            reused_bam=f"{R}/reanalysis/{{sample}}/{{unit}}.reused.bam",
        ),
        _stage(
            "trimming",
            "read QC and adapter/quality trimming per unit (fastp)",
            "trimming.smk",
            takes="preflight.fastq_check",
            r1=f"{R}/trimmed/{{sample}}/{{unit}}.R1.fastq.gz",
            r2=f"{R}/trimmed/{{sample}}/{{unit}}.R2.fastq.gz",
            fastp_json=f"{R}/qc/fastp/{{sample}}.{{unit}}.fastp.json",
            fastp_html=f"{R}/qc/fastp/{{sample}}.{{unit}}.fastp.html",
        ),
        _stage(
            "mapping",
            "alignment per unit (bwa mem), units merged and duplicates marked per sample "
            "(samtools or Picard: the tool is in the path), CRAM conversion",
            "mapping.smk helpers/mapping.smk",
            takes="trimming.r1 trimming.r2 reference.fasta reference.fai reference.dict "
            "preflight.reference_check reanalysis.reused_bam",
            unit_bam=f"{R}/mapping/{{sample}}/{{unit}}.sorted.bam",
            dedup_bam=f"{R}/mapping/{{markdup}}/{{sample}}.dedup.bam",
            dedup_bai=f"{R}/mapping/{{markdup}}/{{sample}}.dedup.bam.bai",
            markdup_metrics=f"{R}/qc/markdup/{{sample}}.{{markdup}}_markdup.txt",
            any_bam=f"{R}/mapping/{{name}}.bam",
            cram=f"{R}/mapping/{{name}}.cram",
            crai=f"{R}/mapping/{{name}}.cram.crai",
        ),
        _stage(
            "bqsr",
            "GATK base quality score recalibration (gatk caller with known sites)",
            "bqsr.smk",
            takes="mapping.dedup_bam mapping.dedup_bai reference.fasta reference.fai "
            "reference.dict reference.callable",
            recal_table=f"{R}/qc/bqsr/{{sample}}.recal_table.txt",
            recal_bam=f"{R}/mapping/{{sample}}.recal.bam",
            recal_bai=f"{R}/mapping/{{sample}}.recal.bam.bai",
        ),
        _stage(
            "qc",
            "alignment and coverage QC, the per-sample QC gate before calling, tool versions, "
            "MultiQC",
            "qc.smk helpers/qc.smk",
            takes="mapping.analysis_bam trimming.fastp_json reanalysis.source reference.fasta "
            "reference.callable panel_coverage.targets",
            stats=f"{R}/qc/samtools/{{sample}}.stats.txt",
            flagstat=f"{R}/qc/samtools/{{sample}}.flagstat.txt",
            idxstats=f"{R}/qc/identity/{{sample}}.idxstats.txt",
            mosdepth_summary=f"{R}/qc/mosdepth/{{sample}}.mosdepth.summary.txt",
            mosdepth_dist=f"{R}/qc/mosdepth/{{sample}}.mosdepth.global.dist.txt",
            mosdepth_region_dist=f"{R}/qc/mosdepth/{{sample}}.mosdepth.region.dist.txt",
            mosdepth_regions=f"{R}/qc/mosdepth/{{sample}}.regions.bed.gz",
            verdict=f"{R}/qc/gate/{{sample}}.verdict.json",
            gate_pass=f"{R}/qc/gate/{{sample}}.pass",
            versions=f"{R}/qc/versions/{{env}}_mqc_versions.yml",
            multiqc=f"{R}/multiqc/multiqc_report.html",
        ),
        _stage(
            "calling",
            "germline small variants per caller (bcftools, freebayes, GATK, Octopus) over the "
            "scatter chunks, gathered and normalised per sample",
            "calling.smk calling_bcftools.smk calling_freebayes.smk calling_gatk.smk "
            "calling_octopus.smk helpers/calling.smk",
            takes="mapping.analysis_bam qc.gate_pass reference.fasta reference.fai "
            "reference.dict reference.chunk",
            chunk_vcf=f"{R}/calls/{{caller}}/chunks/{{sample}}/{{chunk}}.vcf.gz",
            vcf=f"{R}/calls/{{caller}}/{{sample}}.vcf.gz",
            tbi=f"{R}/calls/{{caller}}/{{sample}}.vcf.gz.tbi",
            stats=f"{R}/qc/bcftools_stats/{{caller}}/{{sample}}.txt",
            gvcf=f"{R}/calls/gatk/gvcf/{{sample}}/{{chunk}}.g.vcf.gz",
            gvcf_tbi=f"{R}/calls/gatk/gvcf/{{sample}}/{{chunk}}.g.vcf.gz.tbi",
            genomicsdb=f"{R}/calls/gatk/genomicsdb/{{chunk}}",
            joint=f"{R}/calls/gatk/joint/{{chunk}}.vcf.gz",
            joint_filtered=f"{R}/calls/gatk/joint/{{chunk}}.filtered.vcf.gz",
        ),
        _stage(
            "identity",
            "genotype fingerprints, pairwise concordance, sex check, the run's identity gate",
            "identity.smk",
            takes="mapping.analysis_bam qc.idxstats reference.fasta reference.fai",
            sites=f"{R}/reference/fingerprint_sites.tsv.gz",
            sites_tbi=f"{R}/reference/fingerprint_sites.tsv.gz.tbi",
            fingerprint=f"{R}/qc/identity/{{sample}}.fingerprint.vcf.gz",
            concordance=f"{R}/qc/identity/concordance.tsv",
            concordance_mqc=f"{R}/qc/identity/concordance_mqc.tsv",
            sex_check=f"{R}/qc/identity/sex_check.tsv",
            sex_check_mqc=f"{R}/qc/identity/sex_check_mqc.tsv",
            identity_ok=f"{R}/qc/identity/identity.ok",
        ),
        _stage(
            "panel_coverage",
            "panel coverage of tumours and normals on the unpadded, merged targets",
            "panel_coverage.smk helpers/panel_coverage.smk",
            takes="mapping.analysis_bam reference.fasta reference.fai reference.dict",
            targets=f"{R}/reference/panel_targets.merged.bed",
            regions=f"{R}/qc/panel/{{sample}}.regions.bed.gz",
            thresholds=f"{R}/qc/panel/{{sample}}.thresholds.bed.gz",
            summary=f"{R}/qc/panel/{{sample}}.mosdepth.summary.txt",
            region_dist=f"{R}/qc/panel/{{sample}}.mosdepth.region.dist.txt",
            on_target=f"{R}/qc/panel/{{sample}}.on_target_reads.txt",
            per_target=f"{R}/qc/panel/{{sample}}.per_target.tsv",
            per_gene=f"{R}/qc/panel/{{sample}}.per_gene.tsv",
            low_coverage=f"{R}/qc/panel/{{sample}}.low_coverage.bed",
            multiqc=f"{R}/qc/panel/{{sample}}.panel_mqc.tsv",
            interval_list=f"{R}/qc/panel/targets.interval_list",
            hs_metrics=f"{R}/qc/panel/{{sample}}.hs_metrics.txt",
        ),
        _stage(
            "somatic",
            "tumour/normal identity, somatic calling per caller (freebayes, Mutect2, LoFreq, "
            "VarDict) on the padded panel, shared fragment evidence, panel of normals, ensemble, "
            "contamination, TMB, MSI",
            "somatic_calling.smk somatic_lofreq_vardict.smk somatic_evidence.smk "
            "somatic_contamination.smk somatic_tmb.smk somatic_msi.smk helpers/somatic.smk",
            takes="mapping.analysis_bam qc.gate_pass identity.fingerprint reference.fasta "
            "reference.fai reference.dict panel_coverage.thresholds annotation.somatic_vcf",
            padded_targets=f"{R}/somatic/targets.padded.bed",
            pair_check=f"{R}/somatic/identity/{{tumor}}.pair_check.tsv",
            raw_vcf=f"{R}/somatic/{{caller}}/{{tumor}}.{{mode}}.raw.vcf.gz",
            vcf=f"{R}/somatic/{{caller}}/{{tumor}}.{{mode}}.vcf.gz",
            tbi=f"{R}/somatic/{{caller}}/{{tumor}}.{{mode}}.vcf.gz.tbi",
            chunk=f"{R}/somatic/intervals/{{chunk}}.bed",
            chunks_merged=f"{R}/somatic/intervals/all.bed",
            chunk_vcf=f"{R}/somatic/{{caller}}/chunks/{{tumor}}.{{mode}}/{{chunk}}.vcf.gz",
            mutect2_unfiltered=f"{R}/somatic/mutect2/{{tumor}}.{{mode}}.unfiltered.vcf.gz",
            mutect2_stats=f"{R}/somatic/mutect2/{{tumor}}.{{mode}}.unfiltered.vcf.gz.stats",
            mutect2_f1r2=f"{R}/somatic/mutect2/{{tumor}}.{{mode}}.f1r2.tar.gz",
            mutect2_orientation=(
                f"{R}/somatic/mutect2/{{tumor}}.{{mode}}.read_orientation_model.tar.gz"
            ),
            lofreq_bam=f"{R}/somatic/lofreq/bam/{{sample}}.indelqual.bam",
            lofreq_bai=f"{R}/somatic/lofreq/bam/{{sample}}.indelqual.bam.bai",
            pon_normal=f"{R}/somatic/pon/normals/{{sample}}.vcf.gz",
            pon=f"{R}/somatic/pon/panel_of_normals.vcf.gz",
            pon_tbi=f"{R}/somatic/pon/panel_of_normals.vcf.gz.tbi",
            pileups=f"{R}/somatic/contamination/{{sample}}.pileups.table",
            contamination=f"{R}/somatic/contamination/{{tumor}}.{{mode}}.contamination.table",
            segments=f"{R}/somatic/contamination/{{tumor}}.{{mode}}.segments.table",
            tmb=f"{R}/somatic/tmb/{{tumor}}.{{mode}}.json",
            tmb_mqc=f"{R}/somatic/tmb/{{tumor}}.{{mode}}_mqc.yaml",
            microsatellites=f"{R}/reference/microsatellites.list",
            msi=f"{R}/somatic/msi/{{tumor}}.{{mode}}.txt",
        ),
        _stage(
            "annotation",
            "functional annotation of germline and somatic calls (snpEff or VEP: the tool is "
            "in the path)",
            "annotation.smk helpers/annotation.smk",
            takes="calling.vcf somatic.vcf reference.fasta reference.fai",
            snpeff_config=f"{R}/annotation/snpeff_db/snpEff.config",
            snpeff_db=f"{R}/annotation/snpeff_db/data/{{genome}}/snpEffectPredictor.bin",
            vep_gff=f"{R}/annotation/vep/genes.gff3.gz",
            vep_gff_tbi=f"{R}/annotation/vep/genes.gff3.gz.tbi",
            vcf=f"{R}/annotated/{{annotator}}/{{caller}}/{{sample}}.vcf.gz",
            tbi=f"{R}/annotated/{{annotator}}/{{caller}}/{{sample}}.vcf.gz.tbi",
            somatic_vcf=f"{R}/somatic/annotated/{{annotator}}/{{caller}}/{{tumor}}.{{mode}}.vcf.gz",
            somatic_tbi=(
                f"{R}/somatic/annotated/{{annotator}}/{{caller}}/{{tumor}}.{{mode}}.vcf.gz.tbi"
            ),
            snpeff_csv=f"{R}/qc/snpeff/{{caller}}/{{sample}}.snpeff.csv",
            snpeff_html=f"{R}/qc/snpeff/{{caller}}/{{sample}}.snpeff.html",
            somatic_snpeff_csv=f"{R}/qc/snpeff/somatic/{{caller}}/{{tumor}}.{{mode}}.snpeff.csv",
            somatic_snpeff_html=(
                f"{R}/qc/snpeff/somatic/{{caller}}/{{tumor}}.{{mode}}.snpeff.html"
            ),
            vep_html=f"{R}/qc/vep/{{caller}}/{{sample}}.vep.html",
            somatic_vep_html=f"{R}/qc/vep/somatic/{{caller}}/{{tumor}}.{{mode}}.vep.html",
        ),
        _stage(
            "validation",
            "small-variant accuracy against truth sets (germline per caller with RTG vcfeval, per "
            "type and stratum with Wilson intervals; somatic)",
            "validation.smk helpers/validation.smk",
            takes="calling.vcf calling.tbi somatic.vcf reference.fasta reference.fai "
            "provenance.json",
            truth=f"{R}/validation/truth/{{sample}}.vcf.gz",
            truth_tbi=f"{R}/validation/truth/{{sample}}.vcf.gz.tbi",
            truth_span=f"{R}/validation/truth/{{sample}}.span.bed",
            sdf=f"{R}/validation/genome.sdf",
            vcfeval=f"{R}/validation/vcfeval/{{caller}}/{{sample}}.{{region}}",
            table=f"{R}/validation/{{caller}}/{{sample}}.tsv",
            strata=f"{R}/validation/{{caller}}/{{sample}}.strata.tsv",
            strata_summary=f"{R}/validation/strata.tsv",
            trend_html=f"{R}/validation/trend.html",
            trend_png=f"{R}/validation/trend",
            trend_warnings=f"{R}/validation/trend_warnings.tsv",
            summary=f"{R}/validation/summary.tsv",
            somatic_summary=f"{R}/validation/somatic_summary.tsv",
        ),
        _stage(
            "sv",
            "germline structural variants (delly, TIDDIT, manta), merged per sample, truvari "
            "validation",
            "sv.smk",
            takes="mapping.analysis_bam qc.gate_pass reference.fasta reference.fai",
            caller_vcf=f"{R}/sv/{{sv_caller}}/{{sample}}.vcf.gz",
            caller_tbi=f"{R}/sv/{{sv_caller}}/{{sample}}.vcf.gz.tbi",
            vcf=f"{R}/sv/{{sample}}.vcf.gz",
            tbi=f"{R}/sv/{{sample}}.vcf.gz.tbi",
            counts=f"{R}/qc/sv/sv_counts_mqc.tsv",
            validation=f"{R}/validation/sv/{{sample}}.tsv",
            validation_summary=f"{R}/validation/sv_summary.tsv",
        ),
        _stage(
            "cnv",
            "panel copy number with CNVkit (pooled or flat reference), gene-level calls",
            "cnv.smk helpers/cnv.smk",
            takes="mapping.analysis_bam qc.gate_pass panel_coverage.targets reference.fasta "
            "reference.fai",
            reference=f"{R}/cnv/reference.cnn",
            cnr=f"{R}/cnv/{{sample}}.cnr",
            cns=f"{R}/cnv/{{sample}}.cns",
            calls=f"{R}/cnv/{{sample}}.call.cns",
            genes=f"{R}/cnv/{{sample}}.genes.tsv",
            plot=f"{R}/cnv/{{sample}}.cnv_mqc.png",
            metrics=f"{R}/cnv/{{sample}}.metrics.tsv",
            noise=f"{R}/qc/cnv/cnv_noise_mqc.tsv",
            validation=f"{R}/validation/cnv/{{sample}}.tsv",
        ),
        _stage(
            "provenance",
            "what produced the results (versions, config, reference) and the SHA-256 manifest "
            "of every input and deliverable",
            "provenance.smk helpers/provenance.smk",
            takes="preflight.config_json qc.versions reference.fasta reference.changes "
            "identity.identity_ok reanalysis.source",
            json=f"{R}/provenance/provenance.json",
            multiqc=f"{R}/qc/provenance_mqc.yaml",
            runs=f"{R}/provenance/runs",
            manifest=f"{R}/manifest.tsv",
        ),
        _stage(
            "report",
            "clinical reports (HTML, TSV, XLSX, JSON, FHIR bundle) per sample and tumour "
            "analysis, index page, cancer registry tables",
            "report.smk helpers/report.smk",
            takes="annotation.vcf annotation.somatic_vcf calling.vcf somatic.vcf qc.verdict "
            "reanalysis.source "
            "qc.stats qc.mosdepth_region_dist panel_coverage.region_dist panel_coverage.per_gene "
            "panel_coverage.low_coverage panel_coverage.targets sv.vcf cnv.genes cnv.plot "
            "identity.concordance identity.sex_check identity.identity_ok provenance.json "
            "somatic.pair_check somatic.tmb somatic.msi reference.fasta reference.fai",
            transcript_genes=f"{R}/report/transcript_genes.tsv",
            html=f"{R}/report/{{name}}.html",
            tsv=f"{R}/report/{{name}}.variants.tsv",
            xlsx=f"{R}/report/{{name}}.variants.xlsx",
            json=f"{R}/report/{{name}}.report.json",
            fhir=f"{R}/fhir/{{name}}.json",
            index=f"{R}/report/index.html",
            registry_variants=f"{R}/registry/somatic_variants.tsv",
            registry_variants_parquet=f"{R}/registry/somatic_variants.parquet",
            registry_tumours=f"{R}/registry/tumours.tsv",
            registry_tumours_parquet=f"{R}/registry/tumours.parquet",
        ),
    )
}
del R

# Paths a stage reads through a Layout method (which fills in the configured tool) rather than
# by name: method -> the stage paths it may return. `mapping.analysis_bam` in a `takes` list.
DERIVED = {
    "mapping.analysis_bam": ("mapping.dedup_bam", "bqsr.recal_bam", "mapping.cram"),
}
# Layout methods -> the `takes` entries a module that calls them must declare
METHOD_TAKES = {
    "analysis_bam": ("mapping.analysis_bam",),
    "analysis_index": ("mapping.analysis_bam",),
    "alignment": ("mapping.analysis_bam",),
    "gated_alignment": ("mapping.analysis_bam", "qc.gate_pass"),
    "annotated_vcf": ("annotation.vcf",),
    "annotated_somatic_vcf": ("annotation.somatic_vcf",),
}

# bwa's index files: the reference FASTA's path plus each of these
BWA_INDEX_EXTENSIONS = (".amb", ".ann", ".bwt", ".pac", ".sa")


def partial(pattern: str, **values: object) -> str:
    """`pattern` with the named wildcards filled in and every other wildcard left as it is
    (`{{x}}` stays `{x}`), e.g. the tool of a path whose sample is still a wildcard."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(",")[0]
        return str(values[name]) if name in values else match.group(0)

    return re.sub(r"\{([^{}]+)\}", fill, pattern)


def log(name: str) -> str:
    """A rule's log file: logs/<name>.log (name may hold wildcards and subfolders)."""
    return f"{LOGS}/{name}.log"


def benchmark(rule: str, name: str) -> str:
    """A rule's benchmark table: logs/benchmarks/<rule>/<name>.tsv (what benchmarks/ reads)."""
    return f"{LOGS}/benchmarks/{rule}/{name}.tsv"


@dataclass(frozen=True)
class Layout:
    """The stages' paths with this run's tool choices filled in where tools are alternatives."""

    markdup: str = "samtools"
    annotator: str = "none"
    cram: bool = False
    recalibrated: bool = False
    stages: Mapping[str, Stage] = field(default_factory=lambda: STAGES)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Layout:
        callers = config["calling"]["callers"]
        return cls(
            markdup=config["mapping"]["markdup"],
            annotator=config["annotation"]["tool"],
            cram=config["mapping"]["output_format"] == "cram",
            recalibrated="gatk" in callers and bool(config["reference"].get("known_sites")),
        )

    def __getattr__(self, stage: str) -> Stage:
        stages = object.__getattribute__(self, "stages")
        if stage in stages:
            return stages[stage]
        raise AttributeError(f"no stage {stage!r} in the layout")

    @property
    def alignment_ext(self) -> str:
        return "cram" if self.cram else "bam"

    @property
    def index_ext(self) -> str:
        return "crai" if self.cram else "bai"

    def analysis_bam(self, sample: str = "{sample}") -> str:
        """The alignments callers and QC read: recalibrated when BQSR runs, else
        duplicate-marked by the configured tool; BAM or CRAM (mapping.output_format)."""
        if self.recalibrated:
            bam = partial(self.stages["bqsr"].recal_bam, sample=sample)
        else:
            bam = partial(self.stages["mapping"].dedup_bam, markdup=self.markdup, sample=sample)
        return bam if not self.cram else bam.removesuffix(".bam") + ".cram"

    def analysis_index(self, sample: str = "{sample}") -> str:
        return f"{self.analysis_bam(sample)}.{self.index_ext}"

    def alignment(self, sample: str = "{sample}") -> dict[str, str]:
        """The analysis alignment and its index, as named job inputs `bam` and `bai`."""
        return {"bam": self.analysis_bam(sample), "bai": self.analysis_index(sample)}

    def gated_alignment(self, sample: str = "{sample}") -> dict[str, str]:
        """alignment() plus the sample's QC gate (`qc_pass`): what callers read, only once the
        sample passed its gate."""
        gate = partial(self.stages["qc"].gate_pass, sample=sample)
        return {**self.alignment(sample), "qc_pass": gate}

    def annotated_vcf(self, caller: str = "{caller}", sample: str = "{sample}") -> str:
        """The configured annotator's germline VCF."""
        return partial(
            self.stages["annotation"].vcf, annotator=self.annotator, caller=caller, sample=sample
        )

    def annotated_somatic_vcf(
        self, caller: str = "{caller}", tumor: str = "{tumor}", mode: str = "{mode}"
    ) -> str:
        """The configured annotator's somatic VCF."""
        return partial(
            self.stages["annotation"].somatic_vcf,
            annotator=self.annotator,
            caller=caller,
            tumor=tumor,
            mode=mode,
        )


def interfaces() -> dict[str, dict[str, list[str]]]:
    """stage -> {"takes": [...], "emits": [...]}: what each stage reads of the others and
    which of its files the others read (derived from the takes lists)."""
    emits: dict[str, set[str]] = {name: set() for name in STAGES}
    for stage in STAGES.values():
        for item in stage.takes:
            for target in DERIVED.get(item, (item,)):
                owner, key = target.split(".")
                emits[owner].add(key)
    return {
        name: {"takes": list(stage.takes), "emits": sorted(emits[name])}
        for name, stage in STAGES.items()
    }


def markdown_table() -> str:
    """The stage interfaces as README "Layout" shows them."""
    rows = [
        "| stage | modules | takes | emits |",
        "| --- | --- | --- | --- |",
    ]
    for name, io in interfaces().items():
        stage = STAGES[name]
        modules = ", ".join(f"`{m}`" for m in stage.modules)
        takes = ", ".join(f"`{t}`" for t in io["takes"]) or "FASTQs, config inputs"
        emits = ", ".join(f"`{e}`" for e in io["emits"]) or "deliverables only"
        rows.append(f"| **{name}**: {stage.doc} | {modules} | {takes} | {emits} |")
    return "\n".join(rows)


def all_patterns() -> dict[str, str]:
    """ "stage.name" -> pattern, every results/ path of the workflow."""
    return {f"{s}.{k}": p for s, stage in STAGES.items() for k, p in stage.paths.items()}


README_BEGIN = "<!-- layout table: python -m dnaseq.core.layout --readme README.md -->"
README_END = "<!-- end of layout table -->"


def update_readme(path: Path) -> None:
    """Rewrite the table between the README's layout markers."""
    text = path.read_text()
    begin, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    path.write_text(text[:begin] + "\n" + markdown_table() + "\n" + text[end:])


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:2] == ["--readme"]:
        update_readme(Path(sys.argv[2]))
    else:
        sys.stdout.write(markdown_table() + "\n")
