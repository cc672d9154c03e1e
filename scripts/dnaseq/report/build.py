"""One clinical report: gather its data (a JSON-ready dict), then write the HTML page, the variant
table (TSV and XLSX) and the data itself (JSON, what the FHIR bundle, the index page and the
registry export are made from).

`python -m dnaseq.steps clinical-report --help` lists the inputs; the rules in
workflow/rules/report.smk pass them. Sections are data functions here plus template blocks in
workflow/report/sample.html.j2: a new section (SV/CNV, ...) is one function and one block.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pysam

from dnaseq.report import fhir, interpretation, qc, render, variants
from dnaseq.report import nomenclature as nm
from dnaseq.steps import sv_merge

TRANSCRIPT_POLICY = (
    "One transcript per variant: a transcript on the lab's list first, then MANE Select, then "
    "Ensembl canonical, else the most severe annotation (marked as such)."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--report-id", required=True)
    p.add_argument("--sample", required=True)
    p.add_argument("--kind", choices=["germline", "somatic"], required=True)
    p.add_argument("--mode", choices=["paired", "tumor_only"], default=None)
    p.add_argument("--normal", default="")
    p.add_argument("--sample-info", required=True, help="JSON: patient, type, sex, purity")
    p.add_argument("--vcf", type=Path, required=True)
    p.add_argument("--caller", required=True)
    p.add_argument("--callers", nargs="*", default=[])
    p.add_argument("--annotator", required=True)
    p.add_argument("--verdict", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True)
    p.add_argument("--region-dist", type=Path, required=True)
    p.add_argument("--concordance", type=Path, required=True)
    p.add_argument("--sex-check", type=Path, required=True)
    p.add_argument("--pair-check", type=Path, default=None)
    p.add_argument("--per-gene", type=Path, default=None)
    p.add_argument("--low-coverage", type=Path, default=None)
    p.add_argument("--targets", type=Path, default=None)
    p.add_argument("--target-padding", type=int, default=0)
    p.add_argument("--tmb", type=Path, default=None)
    p.add_argument("--msi", type=Path, default=None)
    p.add_argument("--msi-high-score", type=float, default=20)
    p.add_argument("--sv", type=Path, default=None, help="merged SV VCF (results/sv/)")
    p.add_argument("--cnv-genes", type=Path, default=None, help="results/cnv/{sample}.genes.tsv")
    p.add_argument("--cnv-plot", type=Path, default=None, help="CNVkit scatter plot (PNG)")
    p.add_argument("--transcripts", default="")
    p.add_argument("--transcript-genes", default="", help="TSV transcript -> gene (from GFF3)")
    p.add_argument("--reference", type=Path, default=None, help="FASTA (3' shifting of g.)")
    p.add_argument("--accessions", default="", help="TSV contig -> RefSeq accession (g. HGVS)")
    p.add_argument("--hgnc", default="", help="HGNC gene table")
    p.add_argument("--clinvar", default="", help="ClinVar VCF")
    p.add_argument("--knowledge-base", default="", help="somatic knowledge base TSV")
    p.add_argument("--population-vcf", default="", help="population frequency VCF")
    p.add_argument("--interpretation", default="{}", help="JSON: the config's interpretation")
    p.add_argument("--signoff", default="", help="TSV report_id, reviewer, date, conclusion")
    p.add_argument("--provenance", type=Path, required=True)
    p.add_argument("--sources", type=Path, nargs="*", default=[], help="stored alignments' JSON")
    p.add_argument("--settings", required=True, help="JSON: the config's report section")
    p.add_argument("--multiqc-link", default="../multiqc/multiqc_report.html")
    p.add_argument("--html", type=Path, required=True)
    p.add_argument("--tsv", type=Path, required=True)
    p.add_argument("--xlsx", type=Path, required=True)
    p.add_argument("--json", type=Path, required=True)
    p.add_argument("--fhir", type=Path, help="also write the FHIR bundle (dnaseq.report.fhir)")
    p.add_argument("--fhir-settings", default="{}", help="JSON: the config's report.fhir")
    return p.parse_args(argv)


def provenance_block(path: Path, report_id: str) -> dict:
    """Versions, checksums and an analysis ID (a hash of the provenance record and the report
    ID: the same inputs, configuration and software give the same ID)."""
    data = json.loads(path.read_text())
    digest = hashlib.sha256(path.read_bytes() + report_id.encode()).hexdigest()[:16]
    return {
        "analysis_id": digest,
        "workflow_version": data["workflow_version"],
        "snakemake_version": data["snakemake_version"],
        "config_sha256": data["config_sha256"],
        "reference_path": data["reference"]["path"],
        "reference_sha256": data["reference"]["sha256"],
        "tool_versions": data["tool_versions"],
    }


def stored_source(path: Path) -> dict:
    """A stored alignment (BAM/CRAM) the sample was re-analysed from: file, checksums, reads,
    and whether it was reused or realigned and why (dnaseq.steps.alignment_source describe)."""
    data = json.loads(path.read_text())
    return {
        "sample": data["sample"],
        "file": data["file"],
        "format": data["format"],
        "sha256": data["sha256"],
        "header_sha256": data["header_sha256"],
        "primary_reads": data["primary_reads"],
        "mode": data["mode"],
        "reason": data["reason"],
        "read_groups": data["read_groups"],
        "decoded_with": data["decoded_with"],
        "sample_override": data["sample_override"],
    }


def biomarkers(tmb: Path | None, msi: Path | None, msi_high_score: float = 20) -> dict:
    """TMB and MSI with their units and territory, when computed."""
    result: dict[str, dict] = {}
    if tmb:
        data = json.loads(tmb.read_text())
        result["tmb"] = {
            "value": data["tmb_per_mb"],
            "evaluable": data.get("evaluable", data["tmb_per_mb"] is not None),
            "not_evaluable_reason": data.get("not_evaluable_reason", ""),
            "unit": "mutations/Mb",
            "variants": data["nonsynonymous_coding_variants"],
            "territory_bp": data["callable_bp"],
            "territory": (
                f"{data['callable_bp']} bp of panel targets at >= "
                f"{data['settings']['min_depth']}x in the tumour"
            ),
            "caller": data["settings"]["caller"],
        }
    if msi:
        result["msi"] = msi_result(msi, msi_high_score)
    return result


def msi_result(path: Path, high_score: float) -> dict:
    """MSIsensor-pro's output (a header, then total sites, unstable sites, % unstable)."""
    lines = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2 or len(lines[1]) < 3:
        raise ValueError(f"{path}: not an MSIsensor-pro result (header + one row of 3 values)")
    total, unstable, score = int(lines[1][0]), int(lines[1][1]), float(lines[1][2])
    return {
        "score": score,
        "sites": total,
        "unstable_sites": unstable,
        "status": "MSI-H" if score >= high_score else "MSS",
        "threshold": high_score,
    }


def sv_block(vcf: Path | None) -> list[dict]:
    """The sample's merged structural variants (PASS first), for the report's SV section."""
    if not vcf:
        return []
    rows = []
    with pysam.VariantFile(str(vcf)) as handle:
        for rec in handle:
            rows.append(
                {
                    "type": rec.info["SVTYPE"],
                    "chrom": rec.chrom,
                    "start": rec.pos + 1,
                    "end": rec.stop,
                    "length": abs(rec.info["SVLEN"]),
                    "id": rec.id or "",
                    "genotype": "/".join(str(a) for a in rec.samples[0]["GT"] if a is not None),
                    "genes": ",".join(rec.info.get("GENES", ())),
                    "callers": ",".join(rec.info["CALLERS"]),
                    "filter": ";".join(rec.filter.keys()),
                }
            )
    return sorted(rows, key=lambda r: (r["filter"] != "PASS", r["chrom"], r["start"]))


SV_HGVS = {"DEL": "del", "DUP": "dup", "INV": "inv"}


def name_svs(rows: list[dict], accessions: dict[str, nm.Accession]) -> list[dict]:
    """Genomic HGVS of each SV with exact breakpoints (DEL/DUP/INV; an insertion's sequence is
    not in the merged VCF, so it gets none), on the contig's versioned accession."""
    for row in rows:
        entry = accessions.get(row["chrom"])
        row["genomic_accession"] = entry.accession if entry else ""
        suffix = SV_HGVS.get(row["type"])
        row["hgvs_g"] = (
            f"{entry.accession}:g.{row['start']}_{row['end']}{suffix}" if entry and suffix else ""
        )
    return rows


def cnv_block(genes: Path | None, plot: Path | None) -> dict:
    """Gene copy numbers and the scatter plot (inline, base64: the page stays one file)."""
    if not genes:
        return {}
    table = pd.read_csv(genes, sep="\t", keep_default_na=False)
    image = base64.b64encode(plot.read_bytes()).decode() if plot else ""
    return {"genes": table.to_dict(orient="records"), "plot": image}


def coverage_block(args: argparse.Namespace, territory: str) -> dict:
    return {
        "territory": territory,
        "genes": qc.gene_coverage(args.per_gene) if args.per_gene else [],
        "low_regions": qc.low_coverage_regions(args.low_coverage) if args.low_coverage else [],
    }


METHODS = {
    "germline": (
        "Reads trimmed (fastp), aligned to the reference (bwa mem), duplicates marked, small "
        "variants called with {callers} (reported: {caller}), annotated with {annotator}; "
        "structural variants with the configured SV callers; sample identity by a SNP "
        "fingerprint; coverage by mosdepth."
    ),
    "somatic": (
        "Tumour{normal} reads trimmed (fastp), aligned (bwa mem), duplicates marked; somatic "
        "SNVs and indels called with {callers} and combined ({caller}), every call re-checked "
        "in DNA fragments; annotated with {annotator}; copy number by CNVkit; TMB over the "
        "panel's callable territory."
    ),
}
LIMITATIONS = [
    "Small variants are called in the regions listed as tested; regions not adequately tested "
    "(coverage section) may hide variants.",
    "Insertions longer than the read length, repeat expansions, variants in segmental "
    "duplications or low-mappability regions, mosaicism below about 10 % VAF (germline) and "
    "balanced rearrangements are not reliably detected by short-read callers.",
    "Annotation, ACMG codes and AMP/ASCO/CAP tiers shown here are automatic suggestions from "
    "the configured sources; the classification is the lab's.",
]


def read_signoff(path: str, report_id: str) -> dict:
    """The report's sign-out (reviewer, date, conclusion) from the lab's sheet, or {}. A date
    that is not YYYY-MM-DD is an error naming the line."""
    if not path:
        return {}
    import csv
    import re

    with open(path, newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t"), 2):
            if row.get("report_id") != report_id:
                continue
            date = (row.get("date") or "").strip()
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) or not (row.get("reviewer") or ""):
                raise ValueError(
                    f"{path}, line {number}: sign-out needs a reviewer and a date YYYY-MM-DD"
                )
            return {
                "reviewer": row["reviewer"].strip(),
                "date": date,
                "conclusion": (row.get("conclusion") or "").strip(),
            }
    return {}


def origin_of(row: dict, report: dict, filters: list[str], max_population_af: float) -> str:
    """Germline / somatic / likely somatic / likely germline / unknown, per the analysis:
    paired calls are somatic (the normal shows they are absent); tumour-only calls are of
    unknown origin unless germline filtering had a population resource or a panel of normals;
    then a common allele, or a VAF that fits a germline genotype better than a somatic one
    (near 1.0, or near 0.5 when the purity makes a clonal somatic het clearly lower), is
    likely germline."""
    if report["kind"] == "germline":
        return "germline"
    if report["mode"] == "paired":
        return "somatic"
    if not filters:
        return "unknown"
    af, vaf, purity = row.get("population_af"), row.get("vaf"), report.get("purity")
    if af is not None and af >= max_population_af:
        return "likely germline"
    if vaf is not None and vaf >= 0.9:
        return "likely germline"
    if vaf is not None and purity and abs(vaf - 0.5) <= 0.1 and abs(purity / 2 - 0.5) > 0.15:
        return "likely germline"
    return "likely somatic"


def build(args: argparse.Namespace) -> dict:
    """All the report's data, JSON-ready."""
    settings = json.loads(args.settings)
    info = json.loads(args.sample_info)
    territory = "panel targets" if args.per_gene else "callable territory"
    metrics = [
        *qc.gate_metrics(args.verdict),
        *qc.report_metrics(args.stats, args.region_dist, settings, territory),
        *qc.identity_metrics(args.sample, args.concordance, args.sex_check, args.pair_check),
    ]
    listed = variants.read_transcript_list(args.transcripts)
    targets = variants.read_targets(args.targets, args.target_padding) if args.targets else None
    accessions = nm.read_accessions(args.accessions)
    if args.reference and accessions:
        lengths = dict(
            line.split("\t")[:2] for line in Path(f"{args.reference}.fai").read_text().splitlines()
        )
        nm.check_accessions(accessions, {k: int(v) for k, v in lengths.items()}, args.accessions)
    naming = variants.Naming(
        accessions=accessions,
        transcripts=nm.read_transcripts(args.transcript_genes),
        hgnc=nm.read_hgnc(args.hgnc),
        sequence=nm.Sequence(args.reference),
        build=settings.get("reference_build") or "",
    )
    rows = variants.variant_rows(
        args.vcf, args.sample, listed, targets, somatic=args.kind == "somatic", naming=naming
    )
    rules = json.loads(args.interpretation)
    acmg = rules.get("acmg", {})
    interpreter = interpretation.Interpreter(
        clinvar=args.clinvar or None,
        knowledge_base=args.knowledge_base or None,
        population=args.population_vcf or None,
        population_field=rules.get("population_af_field", "AF"),
        settings=interpretation.Settings(
            ba1=acmg.get("ba1", 0.05),
            bs1=acmg.get("bs1", 0.01),
            pm2=acmg.get("pm2", 0.0001),
            tumour_site=info.get("tumour_site", ""),
        ),
    )
    filters = info.get("germline_filters", [])
    context = {"kind": args.kind, "mode": args.mode or "", "purity": info.get("purity")}
    for row in rows:
        evidence = interpreter.evidence(row.as_dict(), somatic=args.kind == "somatic")
        row.population_af = evidence.population_af
        row.clinvar_significance = evidence.clinvar_significance.replace("_", " ")
        row.clinvar_review_status = evidence.clinvar_review_status.replace("_", " ")
        row.clinvar_id = evidence.clinvar_id
        row.acmg_suggested = "; ".join(evidence.acmg)
        row.amp_tier_suggested = evidence.amp_tier
        row.knowledge = "; ".join(
            f"{k['significance']} {k['therapy']} ({k['disease']}, level {k['evidence_level']},"
            f" {k['source']})".replace("  ", " ")
            for k in evidence.knowledge
        )
        row.section = evidence.section
        row.origin = origin_of(
            row.as_dict(), context, filters, info.get("max_population_af", 0.001)
        )
    passed = [r.as_dict() for r in rows if r.filter == "PASS"]
    filtered = [r.as_dict() for r in rows if r.filter != "PASS"]
    likely_germline = [v for v in passed if v["origin"] == "likely germline"]
    passed = [v for v in passed if v["origin"] != "likely germline"]
    analysis = "germline" if args.kind == "germline" else f"somatic, {args.mode.replace('_', '-')}"
    signoff = read_signoff(args.signoff, args.report_id)
    normal = f" and matched normal ({args.normal})" if args.normal else " (no matched normal)"
    return {
        "report_id": args.report_id,
        "sample": args.sample,
        "patient": info.get("patient", ""),
        "sample_type": info.get("type", ""),
        "sex": info.get("sex", ""),
        "purity": info.get("purity"),
        "kind": args.kind,
        "mode": args.mode or "",
        "analysis": analysis,
        "matched_normal": args.normal,
        "analysis_date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "reference_build": settings.get("reference_build") or "unspecified",
        "caller": args.caller,
        "callers": args.callers,
        "annotator": args.annotator,
        "panel": {"name": "", "version": "", **settings.get("panel", {})},
        "transcript_policy": TRANSCRIPT_POLICY,
        "transcript_list": Path(args.transcripts).name if args.transcripts else "",
        "verdict": qc.overall(metrics),
        "qc": [m.as_dict() for m in metrics],
        "coverage": coverage_block(args, territory),
        "variants": passed,
        "filtered": filtered,
        "likely_germline": likely_germline,
        "findings": {
            section: [v for v in passed if v["section"] == section]
            for section in ("reportable", "vus", "other")
        },
        "tumour_only_unfiltered": args.kind == "somatic"
        and args.mode == "tumor_only"
        and not filters,
        "germline_filters": filters,
        "specimen": info.get("specimen", ""),
        "collection_date": info.get("collection_date", ""),
        "tumour_site": info.get("tumour_site", ""),
        "histology": info.get("histology", ""),
        "interpretation_sources": interpreter.sources,
        "methods": METHODS[args.kind].format(
            callers=", ".join(args.callers) or args.caller,
            caller=args.caller,
            annotator=args.annotator,
            normal=normal,
        ),
        "limitations": LIMITATIONS,
        "signoff": signoff,
        "performer": settings.get("performer", ""),
        "issued": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "variant_territory": "panel targets" if targets else "whole callable territory",
        "biomarkers": biomarkers(args.tmb, args.msi, args.msi_high_score),
        "structural_variants": name_svs(sv_block(args.sv), accessions),
        # SV callers that could not run on the sample: that part is "not assessed"
        "structural_variants_not_assessed": sv_merge.not_assessed(args.sv) if args.sv else [],
        "copy_number": cnv_block(args.cnv_genes, args.cnv_plot),
        "provenance": provenance_block(args.provenance, args.report_id),
        "sources": [stored_source(p) for p in args.sources],
        "multiqc_link": args.multiqc_link,
    }


def write_tables(data: dict, tsv: Path, xlsx: Path) -> None:
    """The variant table (PASS, then filtered) for spreadsheets and interpretation tools."""
    table = pd.DataFrame(data["variants"] + data["filtered"], columns=variants.COLUMNS)
    table.insert(0, "report_id", data["report_id"])
    table.to_csv(tsv, sep="\t", index=False)
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="variants", index=False)
        pd.DataFrame(data["qc"]).to_excel(writer, sheet_name="qc", index=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = build(args)
    args.json.write_text(json.dumps(data, indent=1, default=str) + "\n")
    write_tables(data, args.tsv, args.xlsx)
    args.html.write_text(render.sample_page(data))
    print(
        f"{args.report_id}: {data['verdict']}, {len(data['variants'])} PASS variants,"
        f" {len(data['filtered'])} filtered",
        file=sys.stderr,
    )
    if args.fhir:
        # from the JSON as written: the bundle encodes exactly what the report JSON holds
        report = json.loads(args.json.read_text())
        return fhir.write_bundle(
            report, json.loads(args.fhir_settings), args.fhir, str(args.json), args.html.read_text()
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
