"""Cancer registry export and the cohort index page, from the report JSONs of a run.

`results/registry/somatic_variants.tsv|.parquet`: one row per reported somatic PASS variant of
every tumour analysis; `results/registry/tumours.tsv|.parquet`: one row per tumour analysis
with TMB/MSI. Columns are documented in config/README.md. Only what the sample sheet, the
config and the analysis provide: nothing about the person is invented.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from dnaseq.report import render

# identifiers and context every row of both tables carries (see common()); the data
# dictionary of every column is in config/README.md ("Registry tables")
ID_COLUMNS = [
    "patient_id",
    "tumour_id",
    "specimen_id",
    "collection_date",
    "tumour_site_icdo3",
    "histology_icdo3",
    "analysis_mode",
    "primary_analysis",
    "matched_normal",
]
CONTEXT_COLUMNS = [
    "report_date",
    "panel_name",
    "panel_version",
    "reference_build",
    "workflow_version",
    "analysis_id",
    "qc_verdict",
    "signed_out",
]
VARIANT_COLUMNS = [
    *ID_COLUMNS,
    *("chrom", "pos", "ref", "alt", "variant_type", "genomic_accession", "hgvs_g"),
    *("target", "gene", "hgnc_id", "transcript", "hgvs_c", "protein_accession", "hgvs_p"),
    *("consequence", "origin", "vaf", "depth", "alt_depth", "caller", "callers"),
    *("clinvar_significance", "amp_tier_suggested"),
    *CONTEXT_COLUMNS,
]
TUMOUR_COLUMNS = [
    *ID_COLUMNS,
    *("purity", "purity_status", "tmb_per_mb", "tmb_status", "tmb_variants", "tmb_territory_bp"),
    *("msi_status", "reported_variants"),
    *CONTEXT_COLUMNS,
]
NOT_DONE = "not done"
# the analysis that speaks for a tumour when it has several: paired (the normal separates
# germline from somatic) before tumour-only
MODE_RANK = {"paired": 0, "tumor_only": 1}


def primary_analyses(reports: list[dict]) -> set[str]:
    """report_id of each tumour's primary analysis."""
    best: dict[str, dict] = {}
    for report in reports:
        if report["kind"] != "somatic":
            continue
        current = best.get(report["sample"])
        if current is None or MODE_RANK.get(report["mode"], 9) < MODE_RANK.get(current["mode"], 9):
            best[report["sample"]] = report
    return {r["report_id"] for r in best.values()}


def common(report: dict, primary: set[str]) -> dict:
    return {
        "patient_id": report["patient"],
        "tumour_id": report["sample"],
        "specimen_id": report.get("specimen", ""),
        "collection_date": report.get("collection_date", ""),
        "tumour_site_icdo3": report.get("tumour_site", ""),
        "histology_icdo3": report.get("histology", ""),
        "analysis_mode": report["mode"],
        "primary_analysis": report["report_id"] in primary,
        "matched_normal": report["matched_normal"],
        "report_date": report["analysis_date"],
        "panel_name": report["panel"]["name"],
        "panel_version": report["panel"]["version"],
        "reference_build": report["reference_build"],
        "workflow_version": report["provenance"]["workflow_version"],
        "analysis_id": report["provenance"]["analysis_id"],
        "qc_verdict": report["verdict"],
        "signed_out": bool(report.get("signoff")),
    }


def tables(reports: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    variant_rows, tumour_rows = [], []
    primary = primary_analyses(reports)
    for report in reports:
        if report["kind"] != "somatic":
            continue
        base = common(report, primary)
        for v in report["variants"] + report.get("likely_germline", []):
            variant_rows.append(
                {**base, **{k: v[k] for k in VARIANT_COLUMNS if k in v}, "caller": report["caller"]}
            )
        tmb = report["biomarkers"].get("tmb", {})
        msi = report["biomarkers"].get("msi", {})
        tmb_status = (
            NOT_DONE
            if not tmb
            else "evaluable"
            if tmb.get("value") is not None
            else "not evaluable"
        )
        tumour_rows.append(
            {
                **base,
                "purity": report["purity"],
                "purity_status": "given" if report["purity"] is not None else "not given",
                "tmb_per_mb": tmb.get("value"),
                "tmb_status": tmb_status,
                "tmb_variants": tmb.get("variants"),
                "tmb_territory_bp": tmb.get("territory_bp"),
                "msi_status": msi.get("status") or NOT_DONE,
                "reported_variants": len(report["variants"]),
            }
        )
    variants = pd.DataFrame(variant_rows, columns=VARIANT_COLUMNS)
    tumours = pd.DataFrame(tumour_rows, columns=TUMOUR_COLUMNS)
    for frame in (variants, tumours):
        frame["primary_analysis"] = frame["primary_analysis"].astype(bool)
        frame["signed_out"] = frame["signed_out"].astype(bool)
    for column in ("purity", "tmb_per_mb"):
        tumours[column] = pd.to_numeric(tumours[column])
    for column in ("pos", "depth", "alt_depth"):
        variants[column] = variants[column].astype("Int64")
    variants["vaf"] = pd.to_numeric(variants["vaf"])
    return variants, tumours


def write(frame: pd.DataFrame, tsv: Path) -> None:
    frame.to_csv(tsv, sep="\t", index=False)
    frame.to_parquet(tsv.with_suffix(".parquet"), index=False)


def load(paths: list[Path]) -> list[dict]:
    return [json.loads(p.read_text()) for p in paths]


def registry_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--reports", type=Path, nargs="*", default=[])
    p.add_argument("--variants", type=Path, required=True, help="somatic_variants.tsv")
    p.add_argument("--tumours", type=Path, required=True, help="tumours.tsv")
    args = p.parse_args(argv)
    variants, tumours = tables(load(args.reports))
    write(variants, args.variants)
    write(tumours, args.tumours)
    print(f"registry: {len(variants)} variants of {len(tumours)} tumour analyses", file=sys.stderr)
    return 0


def index_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Cohort index page of the sample reports")
    p.add_argument("--reports", type=Path, nargs="+", required=True)
    p.add_argument("--output", type=Path, required=True)
    args = p.parse_args(argv)
    reports = load(args.reports)
    order = {"FAIL": 0, "WARN": 1, "PASS": 2}
    reports.sort(key=lambda r: (order[r["verdict"]], r["report_id"]))
    run = reports[0]["provenance"]
    args.output.write_text(render.index_page(reports, run))
    return 0


if __name__ == "__main__":
    sys.exit(registry_main())
