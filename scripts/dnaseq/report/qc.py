"""QC verdicts of the clinical report, from the files the workflow's QC steps wrote.

Two sources of thresholds, never both for one metric:
- the QC gate (`qc_gate` in the config): its verdict file (`results/qc/gate/{sample}.verdict.json`)
  is read as it is, so the report can never grade a gated metric differently from the run;
- `report.qc` for metrics the gate does not check (duplicates, breadth of coverage): `warn` and
  `fail` levels. A FAIL there makes the report's overall verdict FAIL (not for sign-out without
  review) but does not stop the run.
Identity checks (fingerprint concordance, sex check, tumour/normal pair) carry their own status:
OK -> PASS, WARN/NOT_COMPARABLE/SKIPPED -> WARN (not tested is not a pass), anything else FAIL.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

ORDER = {"PASS": 0, "INFO": 0, "WARN": 1, "FAIL": 2}


@dataclass
class Metric:
    name: str
    description: str
    value: float | str | None
    threshold: str
    verdict: str
    source: str

    def as_dict(self) -> dict:
        return asdict(self)


def overall(metrics: list[Metric]) -> str:
    """The worst verdict; PASS when there is nothing to grade."""
    worst = max((ORDER.get(m.verdict, 2) for m in metrics), default=0)
    return {0: "PASS", 1: "WARN", 2: "FAIL"}[worst]


def gate_metrics(verdict_json: str | Path) -> list[Metric]:
    """The QC gate's metrics as it graded them; a minimum of 0 cannot fail, so such a metric is
    shown as INFO ("not gated"), never as a PASS."""
    data = json.loads(Path(verdict_json).read_text())
    return [
        Metric(
            name=m["name"],
            description=m["description"],
            value=m["value"],
            threshold=f">= {m['threshold']}" if m["threshold"] else "not gated (minimum 0)",
            verdict=m["verdict"] if m["threshold"] else "INFO",
            source="qc_gate",
        )
        for m in data["metrics"]
    ]


def samtools_summary(stats: str | Path) -> dict[str, float]:
    """The SN section of `samtools stats`."""
    values = {}
    with open(stats) as handle:
        for line in handle:
            if line.startswith("SN\t"):
                _, key, value = line.rstrip("\n").split("\t")[:3]
                values[key.rstrip(":")] = float(value)
    return values


def fraction_at_depth(region_dist: str | Path, depth: int) -> float:
    """Fraction of the measured territory (mosdepth `--by`) at >= depth: the `total` rows of
    the region distribution."""
    with open(region_dist) as handle:
        for line in handle:
            name, level, fraction = line.split("\t")
            if name == "total" and int(level) == depth:
                return float(fraction)
    return 0.0


def graded(
    name: str, description: str, value: float, levels: dict[str, float], higher_is_better: bool
) -> Metric:
    """Grade `value` against warn/fail levels (a missing level is never reached)."""
    below = "<" if higher_is_better else ">"

    def fails(level: float | None) -> bool:
        if level is None:
            return False
        return value < level if higher_is_better else value > level

    verdict = (
        "FAIL" if fails(levels.get("fail")) else "WARN" if fails(levels.get("warn")) else "PASS"
    )
    parts = [f"{k.upper()} if {below} {levels[k]}" for k in ("warn", "fail") if k in levels]
    threshold = "; ".join(parts) or "-"
    return Metric(name, description, round(value, 4), threshold, verdict, "report.qc")


def report_metrics(
    stats: str | Path, region_dist: str | Path, settings: dict, territory: str
) -> list[Metric]:
    """Duplicates, breadth of coverage and insert size (the last one informative only)."""
    sn = samtools_summary(stats)
    reads = sn.get("sequences", 0.0)
    depth = settings["depth"]
    metrics = [
        graded(
            "duplicate_fraction",
            "reads marked as duplicates",
            sn.get("reads duplicated", 0.0) / reads if reads else 0.0,
            settings["qc"]["max_duplicate_fraction"],
            higher_is_better=False,
        ),
        graded(
            f"fraction_ge_{depth}x",
            f"bases of the {territory} at >= {depth}x",
            fraction_at_depth(region_dist, depth),
            settings["qc"]["min_fraction_at_depth"],
            higher_is_better=True,
        ),
        Metric(
            "insert_size_mean",
            "mean insert size (bp)",
            sn.get("insert size average"),
            "-",
            "INFO",
            "samtools stats",
        ),
    ]
    return metrics


def identity_status(status: str) -> str:
    if status == "OK":
        return "PASS"
    if status == "SKIPPED":  # a check that cannot run here (no X/Y): not applicable
        return "INFO"
    if status in ("WARN", "NOT_COMPARABLE") or status.startswith("INCONCLUSIVE"):
        return "WARN"
    return "FAIL"


def read_tsv(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def fingerprint_metric(sample: str, rows: list[dict[str, str]]) -> Metric:
    """FAIL when any comparison of the sample fails; PASS when a comparison that should show the
    same person (same patient, or expected genotypes) does; else WARN: identity not confirmed.
    Comparisons with other people that share no covered sites say nothing and are not graded."""
    pairs = [r for r in rows if sample in (r["sample_a"], r["sample_b"])]
    failed = [r for r in pairs if identity_status(r["status"]) == "FAIL"]
    confirmed = [r for r in pairs if r["expected"] == "same person" and r["status"] == "OK"]
    chosen, verdict = (
        (failed[0], "FAIL") if failed else (confirmed[0], "PASS") if confirmed else (None, "WARN")
    )
    if chosen is None:
        return Metric(
            "identity",
            "genotype fingerprint: no same-person comparison (no other sample of the patient and"
            " no expected genotypes), identity not confirmed",
            None,
            "-",
            verdict,
            "identity",
        )
    other = chosen["sample_b"] if chosen["sample_a"] == sample else chosen["sample_a"]
    return Metric(
        "identity",
        f"genotype fingerprint vs {other}: {chosen['status']} ({chosen['expected']},"
        f" {chosen['sites']} sites, concordance {chosen['concordance']}); value: LOD one person"
        " vs two",
        None if chosen.get("lod", "") in ("", "nan") else float(chosen["lod"]),
        "identity.min_lod (+/-)",
        verdict,
        "identity",
    )


def identity_metrics(
    sample: str, concordance: str | Path, sex_check: str | Path, pair_check: str | Path | None
) -> list[Metric]:
    """The sample's fingerprint comparisons, its sex check and (tumours) the pair check."""
    metrics = [fingerprint_metric(sample, read_tsv(concordance))]
    for row in read_tsv(sex_check):
        if row["sample"] == sample:
            detail = row["reason"] or f"reported {row['reported']}, inferred {row['inferred']}"
            metrics.append(
                Metric(
                    "sex_check",
                    f"sex check: {detail}",
                    row["status"],
                    "-",
                    identity_status(row["status"]),
                    "identity",
                )
            )
    if pair_check:
        for row in read_tsv(pair_check):
            metrics.append(
                Metric(
                    "tumour_normal_identity",
                    f"tumour/normal one person ({row['sample_b']}, {row['sites']} sites,"
                    f" concordance {row['concordance']}); value: LOD one person vs two",
                    None if row.get("lod", "") in ("", "nan") else float(row["lod"]),
                    ">= identity.min_lod",
                    identity_status(row["status"]),
                    "identity",
                )
            )
    return metrics


def gene_coverage(per_gene: str | Path) -> list[dict[str, object]]:
    """Per-gene coverage with every share as a fraction (0-1), like the rest of the report:
    the panel step's `pct_ge_Nx` columns become `fraction_ge_Nx`."""
    rows: list[dict[str, object]] = []
    for row in read_tsv(per_gene):
        converted: dict[str, object] = {}
        for key, value in row.items():
            if key.startswith("pct_"):
                converted["fraction_" + key[4:]] = round(float(value) / 100, 4)
            else:
                converted[key] = value
        rows.append(converted)
    return rows


def low_coverage_regions(bed: str | Path) -> list[dict[str, str]]:
    rows = []
    with open(bed) as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 5:
                rows.append(
                    {
                        "contig": fields[0],
                        "start": int(fields[1]) + 1,
                        "end": int(fields[2]),
                        "target": fields[3],
                        "mean_depth": fields[4],
                        "breadth_fraction": round(float(fields[5]) / 100, 4)
                        if len(fields) > 5 and fields[5] not in ("", "nan")
                        else None,
                        "reason": fields[6] if len(fields) > 6 else "mean depth below minimum",
                    }
                )
    return rows
