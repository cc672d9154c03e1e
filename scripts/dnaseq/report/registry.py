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

# identifiers and context every row of both tables carries (see common())
ID_COLUMNS = ["patient_id", "tumour_id", "analysis_mode", "matched_normal"]
CONTEXT_COLUMNS = [
    "panel_name",
    "panel_version",
    "reference_build",
    "workflow_version",
    "analysis_id",
    "qc_verdict",
]
VARIANT_COLUMNS = [
    *ID_COLUMNS,
    *("chrom", "pos", "ref", "alt", "target", "gene", "transcript", "hgvs_c", "hgvs_p"),
    *("consequence", "vaf", "depth", "alt_depth", "caller", "callers"),
    *CONTEXT_COLUMNS,
]
TUMOUR_COLUMNS = [
    *ID_COLUMNS,
    *("purity", "tmb_per_mb", "tmb_variants", "tmb_territory_bp", "msi_status"),
    "reported_variants",
    *CONTEXT_COLUMNS,
]


def common(report: dict) -> dict:
    return {
        "patient_id": report["patient"],
        "tumour_id": report["sample"],
        "analysis_mode": report["mode"],
        "matched_normal": report["matched_normal"],
        "panel_name": report["panel"]["name"],
        "panel_version": report["panel"]["version"],
        "reference_build": report["reference_build"],
        "workflow_version": report["provenance"]["workflow_version"],
        "analysis_id": report["provenance"]["analysis_id"],
        "qc_verdict": report["verdict"],
    }


def tables(reports: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    variant_rows, tumour_rows = [], []
    for report in reports:
        if report["kind"] != "somatic":
            continue
        base = common(report)
        for v in report["variants"]:
            variant_rows.append(
                {**base, **{k: v[k] for k in VARIANT_COLUMNS if k in v}, "caller": report["caller"]}
            )
        tmb = report["biomarkers"].get("tmb", {})
        msi = report["biomarkers"].get("msi", {})
        tumour_rows.append(
            {
                **base,
                "purity": report["purity"],
                "tmb_per_mb": tmb.get("value"),
                "tmb_variants": tmb.get("variants"),
                "tmb_territory_bp": tmb.get("territory_bp"),
                "msi_status": msi.get("status", ""),
                "reported_variants": len(report["variants"]),
            }
        )
    return (
        pd.DataFrame(variant_rows, columns=VARIANT_COLUMNS),
        pd.DataFrame(tumour_rows, columns=TUMOUR_COLUMNS),
    )


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
