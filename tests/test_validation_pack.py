"""`dnaseq validate`: the pack from real runs (controls, repeat, depth titration), every file in
its SHA-256 manifest, the report's sections in the guideline's order."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from conftest import REPO, SCENARIO, absolute_inputs, base_config, tool_env


def test_pack_from_controls_repeat_and_depth(tmp_path):
    cfg = absolute_inputs(base_config())
    cfg["validation"] = {"NA12878": cfg["validation"]["NA12878"]}
    cfg["calling"]["callers"] = ["bcftools"]
    cfg["validation_settings"] = {"history": str(tmp_path / "history.duckdb")}
    units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
    for column in ("fq1", "fq2"):
        units[column] = [str(REPO / p) for p in units[column]]
    units.to_csv(tmp_path / "units.tsv", sep="\t", index=False)
    cfg["units"], cfg["samples"] = str(tmp_path / "units.tsv"), str(SCENARIO / "samples.tsv")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "validation"
    proc = subprocess.run(
        [sys.executable, "-m", "dnaseq.cli", "validate", "--config", str(config),
         "--output", str(out), "--depths", "10", "20"],
        capture_output=True, text=True, env=tool_env(), cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (pack,) = out.glob("pack-*")
    manifest = (pack / "MANIFEST.sha256").read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in manifest}
    for name, digest in listed.items():
        assert hashlib.sha256((pack / name).read_bytes()).hexdigest() == digest, name
    assert {"report.html", "tables/depth.tsv", "tables/repeatability.tsv",
            "tables/controls_summary.tsv", "provenance/provenance.json",
            "provenance/envs/rtg.yaml"} <= set(listed)  # fmt: skip
    repeat = pd.read_csv(pack / "tables/repeatability.tsv", sep="\t")
    assert list(repeat["sample"]) == ["NA12878"] and repeat["identical"].all()
    depth = pd.read_csv(pack / "tables/depth.tsv", sep="\t")
    snv = depth[(depth["region"] == "truth_span") & (depth["type"] == "SNV")].set_index("depth")
    assert sorted(snv.index) == [10, 20]
    assert snv.loc[10, "recall"] <= snv.loc[20, "recall"] + 0.02  # monotone within noise
    assert snv.loc[10, "recall"] < 0.99  # 10x loses SNVs that the full depth finds
    page = (pack / "report.html").read_text()
    titles = ["Intended use", "Accuracy per variant type", "Accuracy per genomic stratum",
              "Depth titration", "Repeatability", "Versions, checksums"]  # fmt: skip
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "RTG Tools 3.12.1" in page
    # the control run went into the history, the repeat and titration runs did not
    import duckdb

    con = duckdb.connect(str(tmp_path / "history.duckdb"), read_only=True)
    samples = {
        r[0] for r in con.execute("SELECT DISTINCT sample FROM validation_history").fetchall()
    }
    runs = con.execute("SELECT count(DISTINCT run_id) FROM validation_history").fetchone()[0]
    con.close()
    assert samples == {"NA12878"} and runs == 1
    assert Path(out / "work/depth/results/validation/summary.tsv").is_file()
