#!/usr/bin/env python3
"""Tumour mutational burden (TMB) of one tumour on a panel.

Definition (written out in the README too):
  TMB = number of somatic, coding, non-synonymous variants / callable target territory in Mb.
  * somatic: FILTER PASS in the somatic VCF;
  * coding non-synonymous: the snpEff ANN (or VEP CSQ) effect of the allele includes one of
    `tmb.effects` (missense, nonsense, frameshift, in-frame indel, start/stop loss, splice
    acceptor/donor by default);
  * cut-offs: tumour VAF >= tmb.min_vaf and tumour depth >= tmb.min_depth;
  * inside the unpadded targets;
  * callable territory: bases of the unpadded targets with tumour depth >= tmb.min_depth
    (from mosdepth --thresholds);
  * not evaluable (no value) when that territory is below tmb.min_territory_mb (0.5 Mb).
The JSON also reports all PASS variants per Mb (`tmb_all_pass_per_mb`) under the same cut-offs.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from pathlib import Path

import yaml

from dnaseq.steps.panel_coverage import read_thresholds


def callable_territory(
    thresholds: Path, min_depth: int
) -> tuple[int, dict[str, list[tuple[int, int]]]]:
    """Target bases with depth >= min_depth, and the targets per contig (sorted)."""
    depths, counts = read_thresholds(thresholds)
    if min_depth not in depths:
        raise ValueError(f"{thresholds}: no {min_depth}X column (mosdepth --thresholds)")
    col = depths.index(min_depth)
    targets: dict[str, list[tuple[int, int]]] = {}
    for chrom, start, end in counts:
        targets.setdefault(chrom, []).append((start, end))
    for iv in targets.values():
        iv.sort()
    return sum(c[col] for c in counts.values()), targets


def in_targets(targets: dict[str, list[tuple[int, int]]], chrom: str, pos: int) -> bool:
    iv = targets.get(chrom, [])
    i = bisect.bisect_right(iv, (pos - 1, 1 << 62)) - 1
    return i >= 0 and iv[i][0] <= pos - 1 < iv[i][1]


def effects_of(rec, csq_index: int | None) -> set[str]:
    terms: set[str] = set()
    if "ANN" in rec.info:
        for ann in rec.info["ANN"]:
            terms.update(ann.split("|")[1].split("&"))
    if csq_index is not None and "CSQ" in rec.info:
        for csq in rec.info["CSQ"]:
            terms.update(csq.split("|")[csq_index].split("&"))
    return terms


def compute(vcf_path: Path, tumor: str, thresholds: Path, settings: dict) -> dict:
    import pysam

    callable_bp, targets = callable_territory(thresholds, settings["min_depth"])
    wanted = set(settings["effects"])
    n_coding, n_all = 0, 0
    with pysam.VariantFile(str(vcf_path)) as vcf:
        csq_index = None
        if "CSQ" in vcf.header.info:
            fmt = vcf.header.info["CSQ"].description.split("Format: ")[-1].split("|")
            csq_index = fmt.index("Consequence")
        for rec in vcf:
            if set(rec.filter.keys()) - {"PASS"} or not in_targets(targets, rec.chrom, rec.pos):
                continue
            ad = rec.samples[tumor].get("AD") or (0, 0)
            depth = sum(x or 0 for x in ad)
            vaf = (ad[1] or 0) / depth if depth and len(ad) > 1 else 0.0
            if depth < settings["min_depth"] or vaf < settings["min_vaf"]:
                continue
            n_all += 1
            if effects_of(rec, csq_index) & wanted:
                n_coding += 1
    mb = callable_bp / 1e6
    minimum = settings.get("min_territory_mb", 0.5)
    evaluable = mb > 0 and mb >= minimum
    return {
        "tumor": tumor,
        "callable_bp": callable_bp,
        "nonsynonymous_coding_variants": n_coding,
        "tmb_per_mb": round(n_coding / mb, 2) if evaluable else None,
        "evaluable": evaluable,
        "not_evaluable_reason": ""
        if evaluable
        else (
            f"callable territory {mb:.3f} Mb < {minimum} Mb (somatic.tmb.min_territory_mb): one"
            f" variant more or less would move TMB by {1 / mb if mb else float('inf'):.0f}"
            " mutations/Mb"
        ),
        "all_pass_variants": n_all,
        "tmb_all_pass_per_mb": round(n_all / mb, 2) if evaluable else None,
        "settings": settings,
        "definition": __doc__.split("Definition (written out in the README too):")[1].strip(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vcf", type=Path, required=True)
    ap.add_argument("--tumor", required=True)
    ap.add_argument("--thresholds", type=Path, required=True)
    ap.add_argument("--settings", required=True, help="JSON: min_vaf, min_depth, effects")
    ap.add_argument("--name", required=True, help="row name in the report")
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--multiqc", type=Path, required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    result = compute(args.vcf, args.tumor, args.thresholds, settings)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    section = {
        "id": "tmb",
        "section_name": "Tumour mutational burden",
        "plot_type": "table",
        "description": (
            "Somatic coding non-synonymous PASS variants per Mb of callable target territory "
            f"(VAF >= {settings['min_vaf']}, depth >= {settings['min_depth']})."
        ),
        "data": {
            args.name: {
                k: result[k]
                for k in (
                    "tmb_per_mb",
                    "nonsynonymous_coding_variants",
                    "callable_bp",
                    "tmb_all_pass_per_mb",
                )
            }
        },
    }
    args.multiqc.write_text(yaml.safe_dump(section, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
