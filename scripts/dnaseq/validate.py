"""`dnaseq validate`: the evidence a lab shows its accreditor, written in one command.

    dnaseq validate --config my-run/config.yaml [--output validation] [--depths 10 15 20 30]
                    [--cores 2] [--profile profiles/test]

Runs, each in its own folder below `<output>/work/`:

1. **controls**: the config's validation samples (`validation:`; the sheets cut to them) through
   the whole workflow: accuracy per caller, type and stratum with Wilson intervals (RTG vcfeval),
   appended to the history when `validation_settings.history` is set;
2. **repeat**: the same again from scratch: every call set compared record by record
   (repeatability: identical, or each differing record listed);
3. **depth**: each control's analysis BAM downsampled (seeded `samtools view -s`) to each depth
   below its own (mean depth over its confident BED) and given back as a stored alignment
   (reused at duplicate marking): recall per depth, caller and type, beside the QC gate's
   minimum depth.

and writes `<output>/pack-<version>-<date>/`: `report.html` (sections answering Roy et al. 2018,
J Mol Diagn 20:4-27, point by point), `tables/` (the raw TSVs), `provenance/` (provenance.json,
the resolved config, tool versions, every conda env file), and `MANIFEST.sha256` over all of it.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

import dnaseq
from dnaseq.core.config_inputs import config_inputs
from dnaseq.core.manifest import sha256
from dnaseq.core.sheets import read_sheet

WORKFLOW = Path(__file__).resolve().parents[2]
SEED = 42


def absolute_config(config_path: Path) -> dict:
    """The config with every input path absolute (relative ones are relative to the folder
    the command runs in, as for a workflow run)."""
    cfg = yaml.safe_load(config_path.read_text())
    for item in config_inputs(cfg, include_inactive=True):
        node = cfg
        for part in item.location[:-1]:
            node = node[part]
        if item.path and not Path(item.path).is_absolute():
            node[item.location[-1]] = str(Path(item.path).resolve())
    for key in ("samples", "units"):
        cfg[key] = str(Path(cfg[key]).resolve())
    return cfg


def control_sheets(cfg: dict, workdir: Path) -> dict:
    """Sheets cut to the validation samples, with absolute FASTQ paths; config pointing to them."""
    names = set(cfg.get("validation") or {})
    if not names:
        raise SystemExit("dnaseq validate: the config has no `validation:` samples (controls)")
    samples = read_sheet(cfg["samples"], ["sample"]).drop(columns="sheet_line")
    units = read_sheet(cfg["units"], ["sample", "unit"]).drop(columns="sheet_line")
    samples, units = samples[samples["sample"].isin(names)], units[units["sample"].isin(names)]
    for column in ("fq1", "fq2", "bam", "cram"):  # relative to where the run starts, as Snakemake
        if column in units.columns:
            units[column] = [
                str(Path(v).resolve()) if isinstance(v, str) else v for v in units[column]
            ]
    return write_run(cfg, workdir, samples, units)


def write_run(cfg: dict, workdir: Path, samples: pd.DataFrame, units: pd.DataFrame) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = copy.deepcopy(cfg)
    samples.to_csv(workdir / "samples.tsv", sep="\t", index=False)
    units.to_csv(workdir / "units.tsv", sep="\t", index=False)
    cfg["samples"], cfg["units"] = str(workdir / "samples.tsv"), str(workdir / "units.tsv")
    names = set(samples["sample"])
    for section in ("validation_sv", "validation_cnv", "validation_somatic"):
        cfg[section] = {}
    cfg["validation"] = {k: v for k, v in (cfg.get("validation") or {}).items() if k in names}
    expected = (cfg.get("identity") or {}).get("expected")
    if isinstance(expected, dict):
        cfg["identity"]["expected"] = {k: v for k, v in expected.items() if k in names}
    (workdir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return cfg


def snakemake(workdir: Path, cores: int, profile: str | None) -> None:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(WORKFLOW / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(workdir / "config.yaml")]  # fmt: skip
    cmd += ["--profile", profile] if profile else ["--cores", str(cores)]
    log = workdir / "snakemake.log"
    with open(log, "w") as handle:
        proc = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"dnaseq validate: the run in {workdir} failed; see {log}")


def records(vcf: Path) -> list[str]:
    out = subprocess.run(
        ["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def repeatability(first: Path, second: Path, cfg: dict) -> pd.DataFrame:
    rows = []
    for sample in cfg["validation"]:
        for caller in cfg["calling"]["callers"]:
            vcf = f"results/calls/{caller}/{sample}.vcf.gz"
            a, b = records(first / vcf), records(second / vcf)
            only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            rows.append({
                "sample": sample, "caller": caller, "records_run1": len(a),
                "records_run2": len(b), "identical": a == b,
                "differences": "; ".join([f"run1 only: {r[:80]}" for r in only_a[:5]]
                                         + [f"run2 only: {r[:80]}" for r in only_b[:5]]),
            })  # fmt: skip
    return pd.DataFrame(rows)


def mean_depth(bam: Path, bed: str) -> float:
    out = subprocess.run(
        ["samtools", "depth", "-a", "-b", bed, str(bam)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    depths = [int(line.split("\t")[2]) for line in out]
    return sum(depths) / len(depths) if depths else 0.0


def depth_series(cfg: dict, controls: Path, workdir: Path, depths: list[int]) -> dict:
    """Downsampled copies of each control's analysis BAM as stored alignments: the config of
    the titration run, and sample -> (control, target depth, measured source depth)."""
    workdir.mkdir(parents=True, exist_ok=True)
    samples, units, truth, plan = [], [], {}, {}
    markdup = cfg.get("mapping", {}).get("markdup", "samtools")
    for control, entry in cfg["validation"].items():
        bam = controls / f"results/mapping/{markdup}/{control}.dedup.bam"
        depth = mean_depth(bam, entry["confident_bed"])
        for target in depths:
            if target >= depth:
                continue
            name = f"{control}_{target}x"
            out = workdir / f"{name}.bam"
            fraction = f"{SEED}{f'{target / depth:.6f}'[1:]}"  # seed.fraction
            subprocess.run(["samtools", "view", "-b", "-s", fraction, "-o", str(out), str(bam)],
                           check=True)  # fmt: skip
            samples.append(
                {"sample": name, "sex": "unknown", "patient": control, "type": "germline"}
            )
            units.append({"sample": name, "unit": "ds", "bam": str(out), "sample_override": "yes"})
            truth[name] = entry
            plan[name] = (control, target, round(depth, 1))
    sub = copy.deepcopy(cfg)
    sub["validation"] = truth
    sub.setdefault("mapping", {})["reuse_alignments"] = True
    sub.setdefault("validation_settings", {})["history"] = ""  # titration is not a control run
    sub.setdefault("identity", {})["expected"] = {}
    # the titration measures recall below the gate's minimum: the gate must not stop it
    gate = sub.setdefault("qc_gate", {})
    gate["min_mean_depth"] = 0
    for limits in (gate.get("by_type") or {}).values():
        limits["min_mean_depth"] = 0
    write_run(sub, workdir, pd.DataFrame(samples), pd.DataFrame(units))
    return plan


def depth_table(run: Path, plan: dict) -> pd.DataFrame:
    summary = pd.read_csv(run / "results/validation/summary.tsv", sep="\t")
    summary.insert(1, "control", [plan[s][0] for s in summary["sample"]])
    summary.insert(2, "depth", [plan[s][1] for s in summary["sample"]])
    columns = ["control", "depth", "caller", "region", "type", "tp", "fn", "recall",
               "recall_low", "recall_high", "truth_total", "note"]  # fmt: skip
    order = ["control", "caller", "region", "type", "depth"]
    return summary[columns].sort_values(order).reset_index(drop=True)


SECTIONS = [
    ("Intended use and test", "Roy 2018 rec. 1-3: the pipeline, its version and the variant types "
     "it is validated for (germline SNVs and indels of this run's callers)."),
    ("Accuracy per variant type, with confidence intervals", "Rec. 7-9, Jennings 2017: "
     "sensitivity (recall) and PPV (precision) per type, 95 % Wilson intervals, the counts."),
    ("Accuracy per genomic stratum", "Rec. 10: difficult regions (homopolymers, tandem repeats, "
     "GC extremes, near gaps, targets) reported apart."),
    ("Depth titration", "Rec. 12: recall at lower depths, to justify the QC gate's minimum."),
    ("Repeatability", "Rec. 13: the same input twice gives the same result."),
    ("Versions, checksums and environments", "Rec. 4-6, 16-17: version control, every tool's "
     "version and every conda environment file, the config and reference checksums."),
]  # fmt: skip


CSS = (
    "body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;font-size:12px}"
    " td,th{border:1px solid #ccc;padding:2px 6px} .why{color:#555}"
)


def table_html(frame: pd.DataFrame, table_id: str) -> str:
    return frame.to_html(index=False, na_rep="", table_id=table_id, escape=True, border=0)


def write_pack(
    pack: Path, controls: Path, tables: dict[str, pd.DataFrame], gate_depth: float
) -> None:
    (pack / "tables").mkdir(parents=True)
    (pack / "provenance" / "envs").mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(pack / "tables" / f"{name}.tsv", sep="\t", index=False)
    for name in ("summary.tsv", "strata.tsv"):
        shutil.copy(controls / "results/validation" / name, pack / "tables" / f"controls_{name}")
    trend = controls / "results/validation/trend.html"
    if trend.exists():
        shutil.copy(trend, pack / "tables" / "trend.html")
    prov = controls / "results/provenance/provenance.json"
    shutil.copy(prov, pack / "provenance" / "provenance.json")
    shutil.copy(controls / "results/provenance/config.json", pack / "provenance" / "config.json")
    for env in sorted((WORKFLOW / "envs").glob("*.yaml")):
        shutil.copy(env, pack / "provenance" / "envs" / env.name)
    record = json.loads(prov.read_text())
    summary = pd.read_csv(controls / "results/validation/summary.tsv", sep="\t")
    strata = pd.read_csv(controls / "results/validation/strata.tsv", sep="\t")
    strata = strata[(strata["stratum"] != "all") & strata["type"].isin(["SNV", "INDEL"])]
    versions = [
        {"environment": env, "tool": tool, "version": version}
        for env, tools in record.get("tool_versions", {}).items()
        for tool, version in tools.items()
    ]
    bodies = {
        SECTIONS[0][0]: (
            f"<p>dna-seq clinical workflow {html.escape(record['workflow_version'])}; callers "
            f"{html.escape(', '.join(sorted(set(summary['caller']))))}; controls "
            f"{html.escape(', '.join(sorted(set(summary['sample']))))}; comparison engine "
            f"{html.escape(str(summary['engine_version'].iloc[0]))} (vcfeval).</p>"
        ),
        SECTIONS[1][0]: table_html(summary, "accuracy"),
        SECTIONS[2][0]: table_html(strata, "strata"),
        SECTIONS[3][0]: (
            f"<p>The QC gate's minimum mean depth for germline samples: {gate_depth:g}x.</p>"
            + table_html(tables["depth"], "depth")
        ),
        SECTIONS[4][0]: table_html(tables["repeatability"], "repeatability"),
        SECTIONS[5][0]: (
            f"<p>Config SHA-256 <code>{record['config_sha256']}</code>; reference SHA-256 "
            f"<code>{record['reference']['sha256']}</code>; conda environment files in "
            "<code>provenance/envs/</code>; every file's SHA-256 in <code>MANIFEST.sha256</code>."
            "</p>" + table_html(pd.DataFrame(versions), "versions")
        ),
    }
    version = record["workflow_version"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Validation pack</title><style>{CSS}</style></head><body>",
        f"<h1>Validation pack: dna-seq clinical workflow {html.escape(version)}</h1>",
        f"<p>Written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by dnaseq validate.</p>",
    ]
    for index, (title, why) in enumerate(SECTIONS, start=1):
        parts.append(f"<section id='s{index}'><h2>{index}. {html.escape(title)}</h2>")
        parts.append(f"<p class='why'>{html.escape(why)}</p>{bodies[title]}</section>")
    parts.append("</body></html>")
    (pack / "report.html").write_text("\n".join(parts))
    lines = [
        f"{sha256(p)}  {p.relative_to(pack)}"
        for p in sorted(pack.rglob("*"))
        if p.is_file() and p.name != "MANIFEST.sha256"
    ]
    (pack / "MANIFEST.sha256").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dnaseq validate", description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--output", type=Path, default=Path("validation"))
    ap.add_argument("--depths", type=int, nargs="+", default=[10, 15, 20, 30])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--profile", default=None, help="a Snakemake profile instead of --cores")
    args = ap.parse_args(argv)
    cfg = absolute_config(args.config)
    work = args.output.resolve() / "work"
    if work.exists():
        shutil.rmtree(work)
    runs = {name: work / name for name in ("controls", "repeat", "depth")}
    control_cfg = control_sheets(cfg, runs["controls"])
    print(f"[validate] controls: {', '.join(control_cfg['validation'])}", file=sys.stderr)
    snakemake(runs["controls"], args.cores, args.profile)
    repeat_cfg = copy.deepcopy(control_cfg)
    repeat_cfg.setdefault("validation_settings", {})["history"] = ""  # one history row per pack
    samples = pd.read_csv(runs["controls"] / "samples.tsv", sep="\t", dtype=str)
    units = pd.read_csv(runs["controls"] / "units.tsv", sep="\t", dtype=str)
    write_run(repeat_cfg, runs["repeat"], samples, units)
    print("[validate] repeat run", file=sys.stderr)
    snakemake(runs["repeat"], args.cores, args.profile)
    plan = depth_series(control_cfg, runs["controls"], runs["depth"], sorted(args.depths))
    print(f"[validate] depth titration: {', '.join(plan)}", file=sys.stderr)
    snakemake(runs["depth"], args.cores, args.profile)
    tables = {
        "repeatability": repeatability(runs["controls"], runs["repeat"], control_cfg),
        "depth": depth_table(runs["depth"], plan),
    }
    gate = control_cfg.get("qc_gate") or {}
    by_type = (gate.get("by_type") or {}).get("germline") or {}
    gate_depth = float(by_type.get("min_mean_depth", gate.get("min_mean_depth", 0)))
    pack = args.output.resolve() / f"pack-{dnaseq.__version__}-{dt.date.today():%Y%m%d}"
    if pack.exists():
        shutil.rmtree(pack)
    write_pack(pack, runs["controls"], tables, gate_depth)
    print(f"[validate] pack written: {pack}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
