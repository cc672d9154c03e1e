#!/usr/bin/env python3
"""Gene-level copy number of one panel sample from CNVkit's bins (.cnr) and called segments.

gene: the target name up to the first '_' (the panel convention, e.g. ERBB2_exon3 -> ERBB2).
log2: weighted mean of the gene's bins; copy_number: the integer copy number CNVkit's `call`
gave the segment holding most of the gene's bins (purity-aware when the sheet gives a purity);
call: gain / loss / neutral against the ploidy; clinical: amplification when copy_number >=
`--amplification-copies`, deletion when <= `--deletion-copies`; bins: how many bins support it.
A gene with fewer than `--min-bins` bins, or any gene of a sample whose mean bin depth is below
`--min-depth`, is NOT_ASSESSED with the reason and no copy number: never a normal-looking
"neutral" or "2" from data that cannot support it. With `--targets`, every gene of the panel has a
row: a gene whose bins CNVkit dropped (no coverage, low mappability) is NOT_ASSESSED too, never
silently missing from the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["gene", "log2", "copy_number", "call", "clinical", "bins", "reason"]


def gene_of(name: str) -> str:
    return str(name).split(",")[0].split("_")[0]


def segment_copy_numbers(bins: pd.DataFrame, segments: pd.DataFrame) -> pd.Series:
    """Copy number of the segment holding each bin (by position)."""
    values = []
    for row in bins.itertuples():
        hit = segments[
            (segments["chromosome"] == row.chromosome)
            & (segments["start"] <= row.start)
            & (segments["end"] >= row.end)
        ]
        values.append(int(hit["cn"].iloc[0]) if len(hit) else None)
    return pd.Series(values, index=bins.index)


def gene_table(
    cnr: Path,
    calls: Path,
    ploidy: int,
    min_bins: int,
    min_depth: float,
    amplification: int,
    deletion: int,
    panel_genes: list[str] | None = None,
) -> pd.DataFrame:
    panel_genes = panel_genes or []
    bins = pd.read_csv(cnr, sep="\t")
    segments = pd.read_csv(calls, sep="\t")
    bins = bins[bins["gene"] != "Antitarget"].copy()
    bins["gene_name"] = bins["gene"].map(gene_of)
    bins["cn"] = segment_copy_numbers(bins, segments)
    mean_depth = float(bins["depth"].mean()) if len(bins) else 0.0
    rows = []
    for gene, group in bins.groupby("gene_name", sort=False):
        weights = group["weight"].clip(lower=1e-6)
        log2 = float((group["log2"] * weights).sum() / weights.sum())
        cn_counts = group["cn"].dropna().astype(int).value_counts()
        cn = int(cn_counts.index[0]) if len(cn_counts) else None
        reason = ""
        if mean_depth < min_depth:
            reason = f"sample mean bin depth {mean_depth:.1f} < {min_depth}"
        elif len(group) < min_bins:
            reason = f"{len(group)} bins < {min_bins}"
        if reason or cn is None:
            call, clinical, cn = "NOT_ASSESSED", "", None
            reason = reason or "no called segment"
        else:
            call = "gain" if cn > ploidy else "loss" if cn < ploidy else "neutral"
            clinical = (
                "amplification" if cn >= amplification else "deletion" if cn <= deletion else ""
            )
        rows.append([gene, round(log2, 4), cn, call, clinical, len(group), reason])
    seen = {row[0] for row in rows}
    for gene in panel_genes:
        if gene not in seen:
            rows.append(
                [
                    gene,
                    None,
                    None,
                    "NOT_ASSESSED",
                    "",
                    0,
                    "no bins: CNVkit dropped all"
                    " of the gene's targets (no coverage or low mappability)",
                ]
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["copy_number"] = table["copy_number"].astype("Int64")
    return table


def read_panel_genes(bed: Path | None) -> list[str]:
    """Gene names of the panel BED's targets (4th column, same convention as gene_of)."""
    if not bed:
        return []
    genes: list[str] = []
    for line in bed.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) > 3 and not line.startswith(("#", "track", "browser")):
            gene = gene_of(fields[3])
            if gene not in genes:
                genes.append(gene)
    return genes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cnr", type=Path, required=True)
    ap.add_argument("--calls", type=Path, required=True, help="cnvkit call output (.cns)")
    ap.add_argument("--ploidy", type=int, default=2)
    ap.add_argument("--min-bins", type=int, default=3)
    ap.add_argument("--min-depth", type=float, default=20)
    ap.add_argument("--amplification-copies", type=int, default=5)
    ap.add_argument("--deletion-copies", type=int, default=1)
    ap.add_argument("--targets", type=Path, default=None, help="panel BED: every gene gets a row")
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    table = gene_table(
        args.cnr,
        args.calls,
        args.ploidy,
        args.min_bins,
        args.min_depth,
        args.amplification_copies,
        args.deletion_copies,
        read_panel_genes(args.targets),
    )
    table.to_csv(args.output, sep="\t", index=False)
    flagged = table[table["clinical"] != ""]
    print(f"{len(table)} genes; {len(flagged)} amplified/deleted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def noise_main(argv: list[str] | None = None) -> int:
    """`cnv-noise METRICS... --output TSV`: CNVkit's bin-level noise per sample (stdev, MAD,
    IQR, bivariate spread of the log2 ratios) as MultiQC custom content."""
    ap = argparse.ArgumentParser(description=noise_main.__doc__)
    ap.add_argument("metrics", nargs="+", type=Path)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    lines = [
        "# id: 'cnv_noise'",
        "# section_name: 'CNV noise (CNVkit)'",
        "# description: 'Spread of bin log2 ratios around their segments: lower is cleaner'",
        "# plot_type: 'table'",
        "Sample\tsegments\tstdev\tmad\tiqr\tbivar",
    ]
    for path in args.metrics:
        row = pd.read_csv(path, sep="\t").iloc[0]
        sample = path.name.removesuffix(".metrics.tsv")
        values = [
            row["segments"],
            *(round(float(row[k]), 4) for k in ("stdev", "mad", "iqr", "bivar")),
        ]
        lines.append("\t".join([sample, *map(str, values)]))
    args.output.write_text("\n".join(lines) + "\n")
    return 0


def validation_main(argv: list[str] | None = None) -> int:
    """`cnv-validation --genes TSV --truth TSV --sample S --output TSV`: gene-level sensitivity
    (planted gains/losses called with the same direction) and specificity (unchanged genes
    called neutral); NOT_ASSESSED genes count as missed."""
    ap = argparse.ArgumentParser(description=validation_main.__doc__)
    ap.add_argument("--genes", type=Path, required=True)
    ap.add_argument("--truth", type=Path, required=True, help="gene, copy_number, call")
    ap.add_argument("--sample", required=True)
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args(argv)
    called = pd.read_csv(args.genes, sep="\t").set_index("gene")["call"]
    truth = pd.read_csv(args.truth, sep="\t").set_index("gene")["call"]
    changed = truth[truth != "neutral"]
    unchanged = truth[truth == "neutral"]
    tp = sum(called.get(g) == c for g, c in changed.items())
    tn = sum(called.get(g) == "neutral" for g in unchanged.index)
    fp = sum(called.get(g) in ("gain", "loss") for g in unchanged.index)
    row = {
        "sample": args.sample,
        "changed_genes": len(changed),
        "tp": tp,
        "fn": len(changed) - tp,
        "unchanged_genes": len(unchanged),
        "tn": tn,
        "fp": fp,
        "sensitivity": round(tp / len(changed), 4) if len(changed) else "NA",
        "specificity": round(tn / len(unchanged), 4) if len(unchanged) else "NA",
    }
    pd.DataFrame([row]).to_csv(args.output, sep="\t", index=False)
    return 0
