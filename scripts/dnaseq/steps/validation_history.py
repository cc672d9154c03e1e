#!/usr/bin/env python3
"""Validation results across runs: an append-only store outside results/ and control charts.

Every run with validation samples appends its accuracy rows (`results/validation/strata.tsv`:
every caller, region, stratum and type) to the store `validation_settings.history`, with the run
ID, date, workflow version and the config and reference checksums from provenance.json.

The store is one embedded **DuckDB** file: a single file a lab can copy and back up, atomic
transactions (two runs finishing at once cannot interleave rows), SQL for the lab's own
questions, and `COPY ... TO 'x.parquet'` when another system wants Parquet. (Parquet alone would
need a file per run and a lock to stay consistent.) Idempotent: the run ID is a checksum of the
run's folder, its provenance record and its tables, so re-running the job for the same results
replaces its rows instead of adding them; another run (another folder, or the same folder after
a config, reference or software change) adds new ones.

Control charts: per control sample, caller, region and type (stratum "all"), recall and
precision over the last N runs with the mean and the 2 and 3 SD lines of the runs before the
latest, the workflow version at each point. A warning fires for the latest run when a figure is
below mean - 2 SD (3 or more earlier runs) or has dropped by more than
`validation_settings.trend_margin` from the previous run. Written as an HTML page with the
warnings first, one PNG per control sample, and a TSV of the warnings.

    python -m dnaseq.steps validation-history --store H.duckdb --strata strata.tsv \
        --provenance provenance.json --results-dir results --last 20 --margin 0.02 \
        --html trend.html --png-dir trend/ --warnings warnings.tsv
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

METRICS = ("recall", "precision")
TABLE = "validation_history"
KEY = ["run_id", "sample", "caller", "region", "stratum", "type"]


def run_id(results_dir: Path, provenance: Path, strata: Path) -> str:
    digest = hashlib.sha256(str(results_dir.resolve()).encode())
    digest.update(provenance.read_bytes())
    digest.update(strata.read_bytes())
    return digest.hexdigest()[:16]


def run_rows(strata: Path, provenance: Path, rid: str, date: str) -> pd.DataFrame:
    prov = json.loads(provenance.read_text())
    table = pd.read_csv(strata, sep="\t", dtype=str, keep_default_na=False)
    numeric = ["tp", "fp", "fn", "tp_call", "truth_total"]
    for column in numeric:
        table[column] = table[column].astype(int)
    for column in ("precision", "recall", "f1", "recall_low", "recall_high", "precision_low",
                   "precision_high"):  # fmt: skip
        table[column] = pd.to_numeric(table[column].replace("", None), errors="coerce")
    table.insert(0, "run_id", rid)
    table.insert(1, "run_date", date)
    table.insert(2, "workflow_version", prov["workflow_version"])
    table.insert(3, "config_sha256", prov["config_sha256"])
    table.insert(4, "reference_sha256", prov["reference"]["sha256"])
    return table


def append(store: Path, rows: pd.DataFrame) -> int:
    """Insert the run's rows, replacing those of the same run ID. Returns the number of runs."""
    import duckdb

    store.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(store))
    try:
        import pyarrow as pa

        con.register("incoming", pa.Table.from_pandas(rows, preserve_index=False))
        con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} AS SELECT * FROM incoming WHERE false")
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {TABLE} WHERE run_id = ?", [rows["run_id"].iloc[0]])
        con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM incoming")
        con.execute("COMMIT")
        return int(con.execute(f"SELECT count(DISTINCT run_id) FROM {TABLE}").fetchone()[0])
    finally:
        con.close()


def history(store: Path, samples: list[str]) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return (
            con.execute(
                f"SELECT * FROM {TABLE} WHERE stratum = 'all' AND sample IN "
                f"({', '.join('?' for _ in samples)}) ORDER BY run_date, run_id",
                samples,
            )
            .fetch_arrow_table()
            .to_pandas()
        )
    finally:
        con.close()


def series(frame: pd.DataFrame, last: int) -> dict[tuple[str, str, str, str, str], pd.DataFrame]:
    """(sample, caller, region, type, metric) -> the last N runs' points in time order."""
    out = {}
    for (sample, caller, region, kind), group in frame.groupby(
        ["sample", "caller", "region", "type"], sort=True
    ):
        runs = group.drop_duplicates("run_id").tail(last)
        for metric in METRICS:
            points = runs[["run_id", "run_date", "workflow_version", metric]].rename(
                columns={metric: "value"}
            )
            if points["value"].notna().any():
                out[(sample, caller, region, kind, metric)] = points.reset_index(drop=True)
    return out


def check(points: pd.DataFrame, margin: float) -> str:
    """The warning for the latest point, or ''."""
    values = [v for v in points["value"] if pd.notna(v)]
    if len(values) < 2 or pd.isna(points["value"].iloc[-1]):
        return ""
    latest, earlier = values[-1], values[:-1]
    if len(earlier) >= 3:
        mean, sd = statistics.mean(earlier), statistics.stdev(earlier)
        if sd > 0 and latest < mean - 2 * sd:
            return f"{latest:.4f} below mean - 2 SD of the earlier runs ({mean - 2 * sd:.4f})"
    drop = earlier[-1] - latest
    if drop > margin:
        return (
            f"dropped {drop:.4f} from the previous run ({earlier[-1]:.4f} -> {latest:.4f}; "
            f"margin {margin})"
        )
    return ""


def limits(points: pd.DataFrame) -> tuple[float, float] | None:
    earlier = [v for v in points["value"].iloc[:-1] if pd.notna(v)]
    if len(earlier) < 2:
        return None
    return statistics.mean(earlier), statistics.stdev(earlier)


def svg_chart(points: pd.DataFrame, title: str) -> str:
    """An inline SVG control chart: points, mean and 2/3 SD lines, version labels."""
    width, height, pad = 520, 180, 40
    values = [float(v) for v in points["value"] if pd.notna(v)]
    stats = limits(points)
    band = [stats[0] - 3 * stats[1], stats[0] + 3 * stats[1]] if stats else []
    low, high = min(values + band), max(values + band)
    low, high = min(low, high - 0.01), max(high, low + 0.01)

    def y(v: float) -> str:
        return f"{height - pad - (v - low) / (high - low) * (height - 2 * pad):.1f}"

    def x(i: int) -> str:
        return f"{pad + i * (width - 2 * pad) / max(len(points) - 1, 1):.1f}"

    label = html.escape(title)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" role="img" aria-label="{label}">'
    ]
    if stats:
        mean, sd = stats
        for k, style in ((0, "mean"), (2, "sd2"), (-2, "sd2"), (3, "sd3"), (-3, "sd3")):
            level = y(mean + k * sd)
            parts.append(
                f'<line class="{style}" x1="{pad}" x2="{width - pad}" y1="{level}" y2="{level}"/>'
            )
    drawn = [(i, float(v)) for i, v in enumerate(points["value"]) if pd.notna(v)]
    if len(drawn) > 1:
        line = " ".join(f"{x(i)},{y(v)}" for i, v in drawn)
        parts.append(f'<polyline class="series" points="{line}"/>')
    for i, value in drawn:
        row = points.iloc[i]
        version = html.escape(str(row["workflow_version"]))
        tip = f"{html.escape(str(row['run_date']))} v{version}: {value:.4f}"
        parts.append(
            f'<circle class="point" cx="{x(i)}" cy="{y(value)}" r="4"><title>{tip}</title></circle>'
            f'<text class="version" x="{x(i)}" y="{height - 8}">v{version}</text>'
        )
    parts.append(f'<text class="axis" x="4" y="{y(high)}">{high:.3f}</text>')
    parts.append(f'<text class="axis" x="4" y="{y(low)}">{low:.3f}</text></svg>')
    return "".join(parts)


def write_png(charts: dict, sample: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in charts if k[0] == sample]
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 1.8 * len(keys)), squeeze=False)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        points = charts[key]
        ax.plot(range(len(points)), points["value"], marker="o")
        stats = limits(points)
        if stats:
            for k, style in ((0, "-"), (2, "--"), (-2, "--"), (3, ":"), (-3, ":")):
                ax.axhline(stats[0] + k * stats[1], linestyle=style, color="grey", linewidth=0.8)
        ax.set_xticks(range(len(points)), [f"v{v}" for v in points["workflow_version"]], fontsize=6)
        ax.set_title(" ".join(key[1:]), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:70em} .warn{background:#fde2e1;padding:.5em}"
    " .chart line.mean{stroke:#333} .chart line.sd2{stroke:#e69f00;stroke-dasharray:4}"
    " .chart line.sd3{stroke:#d55e00;stroke-dasharray:2} .chart .series{fill:none;stroke:#0072b2}"
    " .chart .point{fill:#0072b2} .chart text{font-size:9px} figure{display:inline-block}"
)


def page(charts: dict, warnings: list[dict], runs: int, png_link: str) -> str:
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Validation trend</title><style>{CSS}</style></head><body>",
        f"<h1>Validation trend</h1><p>{runs} run(s) in the store; the latest run's warnings:</p>",
    ]
    if warnings:
        out.append("<div class='warn' id='warnings'><h2>Warnings</h2><ul>")
        for w in warnings:
            what = " ".join([w["sample"], w["caller"], w["region"], w["type"], w["metric"]])
            out.append(f"<li>{html.escape(what)}: {html.escape(w['warning'])}</li>")
        out.append("</ul></div>")
    else:
        out.append("<p id='warnings'>No rule fired for the latest run.</p>")
    for sample in sorted({k[0] for k in charts}):
        png = html.escape(f"{png_link}/{sample}.png")
        out.append(f"<h2>{html.escape(sample)}</h2><p><a href='{png}'>PNG of these charts</a></p>")
        for key, points in charts.items():
            if key[0] == sample:
                title = " ".join(key[1:])
                chart = svg_chart(points, title)
                out.append(f"<figure><figcaption>{html.escape(title)}</figcaption>{chart}</figure>")
    out.append("</body></html>")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--strata", type=Path, required=True)
    ap.add_argument("--provenance", type=Path, required=True)
    ap.add_argument("--results-dir", type=Path, default=Path("results"))
    ap.add_argument("--last", type=int, default=20)
    ap.add_argument("--margin", type=float, default=0.02)
    ap.add_argument("--html", type=Path, required=True)
    ap.add_argument("--png-dir", type=Path, required=True)
    ap.add_argument("--warnings", type=Path, required=True)
    args = ap.parse_args(argv)
    rid = run_id(args.results_dir, args.provenance, args.strata)
    rows = run_rows(
        args.strata, args.provenance, rid, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    runs = append(args.store, rows)
    samples = sorted(set(rows["sample"]))
    charts = series(history(args.store, samples), args.last)
    warnings = []
    for (sample, caller, region, kind, metric), points in charts.items():
        message = check(points, args.margin)
        if message:
            warnings.append({"sample": sample, "caller": caller, "region": region, "type": kind,
                             "metric": metric, "warning": message})  # fmt: skip
            print(
                f"VALIDATION TREND WARNING: {sample} {caller} {region} {kind} {metric}: {message}",
                file=sys.stderr,
            )
    args.png_dir.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        if any(k[0] == sample for k in charts):
            write_png(charts, sample, args.png_dir / f"{sample}.png")
    args.html.write_text(page(charts, warnings, runs, args.png_dir.name))
    pd.DataFrame(
        warnings, columns=["sample", "caller", "region", "type", "metric", "warning"]
    ).to_csv(args.warnings, sep="\t", index=False)
    print(f"run {rid}: {len(rows)} rows appended to {args.store} ({runs} runs)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
