"""Germline accuracy tables from RTG vcfeval: the counts equal a direct `rtg vcfeval` run, every
figure has its Wilson interval, too-small strata say so, and the strata derived from the
reference classify variants as they should."""

from __future__ import annotations

import gzip
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import SCENARIO, make_config, snakemake, units_table
from dnaseq.steps import vcfeval_tables as vt


def direct_vcfeval(demo_run: Path, caller: str, bed: Path, tmp_path: Path) -> dict[str, int]:
    """TP-baseline, TP-call, FP, FN of `rtg vcfeval` in its default (split) mode, run by hand."""
    sdf = tmp_path / "ref.sdf"
    if not sdf.exists():
        genome = demo_run / "results/reference/genome.fa"
        subprocess.run(
            ["rtg", "format", "-o", str(sdf), str(genome)], check=True, capture_output=True
        )
    out = tmp_path / f"direct_{caller}_{bed.stem}"
    subprocess.run(
        ["rtg", "vcfeval", "-b", str(demo_run / "results/validation/truth/NA12878.vcf.gz"),
         "-c", str(demo_run / f"results/calls/{caller}/NA12878.vcf.gz"), "-t", str(sdf),
         "--bed-regions", str(bed), "-o", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    last = (out / "summary.txt").read_text().splitlines()[-1].split()
    # Threshold True-Pos-Baseline True-Pos-Call False-Pos False-Neg Precision Sensitivity F
    return {"tp": int(last[1]), "tp_call": int(last[2]), "fp": int(last[3]), "fn": int(last[4])}


@pytest.mark.parametrize("caller", ["bcftools", "freebayes", "octopus"])
def test_tables_equal_a_direct_vcfeval_run(demo_run, caller, tmp_path):
    summary = pd.read_csv(demo_run / "results/validation/summary.tsv", sep="\t")
    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    confident = Path(config["validation"]["NA12878"]["confident_bed"])
    span = demo_run / "results/validation/truth/NA12878.span.bed"
    for region, bed in (("confident", confident), ("truth_span", span)):
        rows = summary[
            (summary["sample"] == "NA12878")
            & (summary["caller"] == caller)
            & (summary["region"] == region)
        ]
        assert set(rows["type"]) == {"SNV", "INDEL"}
        ours = {k: int(rows[k].sum()) for k in ("tp", "tp_call", "fp", "fn")}
        assert ours == direct_vcfeval(demo_run, caller, bed, tmp_path), (caller, region)
        assert set(rows["engine"]) == {"vcfeval"}
        assert rows["engine_version"].str.startswith("RTG Tools 3.12.1").all()


def test_every_figure_has_its_interval_and_small_strata_say_so(demo_run):
    strata = pd.read_csv(
        demo_run / "results/validation/strata.tsv", sep="\t", keep_default_na=False
    )
    assert {"homopolymer_7", "tandem_repeat", "all"} <= set(strata["stratum"])
    assert {"INS_1", "DEL_1", "SNV", "INDEL"} <= set(strata["type"])
    for row in strata.itertuples():
        if row.recall != "":
            assert float(row.recall_low) <= float(row.recall) <= float(row.recall_high)
            assert int(row.truth_total) >= 20
        else:
            assert "too few truth variants" in row.note
    # NA12878's confident region holds 4 indels: no recall of 1.000 printed for them
    indel = strata[
        (strata["sample"] == "NA12878") & (strata["region"] == "confident")
        & (strata["stratum"] == "all") & (strata["type"] == "INDEL")
    ]  # fmt: skip
    assert (indel["recall"] == "").all() and indel["note"].str.contains(r"\(4 < 20\)").all()


def test_wilson_interval():
    low, high = vt.wilson(45, 45)
    assert round(low, 4) == 0.9213 and high == pytest.approx(1.0)
    low, high = vt.wilson(5, 10)
    assert round(low, 4) == 0.2366 and round(high, 4) == 0.7634
    assert all(math.isnan(x) for x in vt.wilson(0, 0))


@pytest.mark.parametrize(
    ("ref", "alt", "types"),
    [("A", "G", ["SNV"]), ("A", "AT", ["INDEL", "INS_1"]), ("ATTTTT", "A", ["INDEL", "DEL_2-5"]),
     ("A", "A" + "C" * 20, ["INDEL", "INS_16-49"]), ("AC", "GT", ["INDEL", "MNP/complex"]),
     ("A" + "G" * 60, "A", ["INDEL", "DEL_50+"])],
)  # fmt: skip
def test_variant_types(ref, alt, types):
    assert vt.variant_types(ref, alt) == types


def test_derived_strata(tmp_path):
    import pysam

    seq = (
        "ACGTTGCA" * 25  # 0-199: mixed, 50 % GC
        + "GATTACA"
        + "A" * 10
        + "GGCTCA"  # 200-222: a 10 bp homopolymer at 207
        + "CT" * 10
        + "GGATCC"  # 223-248: a 20 bp CT repeat
        + "AT" * 100  # GC 0 %
        + "N" * 50
        + "ACGTTGCA" * 30
    )
    fasta = tmp_path / "g.fa"
    fasta.write_text(f">c1\n{seq}\n")
    pysam.faidx(str(fasta))
    genome = vt.Genome(fasta)
    assert vt.derived_strata(genome, "c1", 50, 1) == []
    assert "homopolymer_7" in vt.derived_strata(genome, "c1", 205, 1)  # 2 bp before the run
    assert "tandem_repeat" in vt.derived_strata(genome, "c1", 230, 1)
    assert "gc_below_25" in vt.derived_strata(genome, "c1", 320, 1)
    assert "near_N" in vt.derived_strata(genome, "c1", 440, 1)


def test_ga4gh_records_with_one_side_missing(tmp_path):
    vcf = tmp_path / "output.vcf.gz"
    with gzip.open(vcf, "wt") as out:
        out.write(
            "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTRUTH\tQUERY\n"
        )
        out.write("c1\t10\t.\tA\tG\t.\tPASS\t.\tGT:BD:BK\t0/1:TP:gm\t0/1:TP:gm\n")
        out.write("c1\t20\t.\tA\tAT\t.\tPASS\t.\tGT:BD:BK\t1/1:FN:am\t.\n")
        out.write("c1\t20\t.\tA\tAT\t.\tPASS\t.\tGT:BD:BK\t.\t0/1:FP:am\n")
        out.write("c1\t30\t.\tC\tT\t.\tPASS\t.\tGT:BD:BK\t.\t0/1:FP:.\n")
    counts = vt.tally(vt.parse_ga4gh(vcf), None, [])
    snv, indel = counts[("all", "SNV")], counts[("all", "INDEL")]
    assert (snv.truth_tp, snv.call_tp, snv.call_fp) == (1, 1, 1)
    assert (indel.truth_fn, indel.truth_fn_allele, indel.call_fp) == (1, 1, 1)
    rows = vt.rows(counts, "S", "c", "confident", "RTG Tools 3.12.1", 1, ["all"])
    by_type = {r["type"]: r for r in rows}
    assert by_type["SNV"]["recall"] == "1.0000" and by_type["SNV"]["precision"] == "0.5000"
    assert by_type["INDEL"]["gt_concordance"] == "0.0000"  # alleles called, genotype wrong


def history_run(workdir: Path, store: Path, qual: int) -> Path:
    """NA12878 with bcftools, its accuracy appended to the history store; qual: the LowQual
    filter's threshold (raised to degrade the run on purpose)."""
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    units = units_table()
    overrides = {
        "calling": {
            "callers": ["bcftools"],
            "bcftools": {"filters": [{"name": "LowQual", "expression": f"QUAL<{qual}"}]},
        },
        "validation_settings": {"history": str(store), "trend_margin": 0.02},
    }
    configfile = make_config(
        workdir, overrides, units=units[units["sample"] == "NA12878"],
        samples=samples[samples["sample"] == "NA12878"],
    )  # fmt: skip
    snakemake(workdir, configfile, check=True)
    return workdir


def test_history_appends_each_run_once_and_the_trend_warns_on_a_degraded_run(tmp_path):
    import duckdb

    store = tmp_path / "history" / "validation.duckdb"
    first = history_run(tmp_path / "run1", store, 20)
    assert (first / "results/validation/trend_warnings.tsv").read_text().count("\n") == 1  # header
    # the same run's job again (forced): replaced, not appended
    configfile = first / "config.yaml"
    snakemake(first, configfile, "--forcerun", "record_validation_history", check=True)
    second = history_run(tmp_path / "run2", store, 500)  # most calls now LowQual: recall drops
    con = duckdb.connect(str(store), read_only=True)
    runs = con.execute("SELECT count(DISTINCT run_id) FROM validation_history").fetchone()[0]
    rows = con.execute(
        "SELECT run_id, recall FROM validation_history WHERE sample='NA12878' AND caller="
        "'bcftools' AND region='truth_span' AND stratum='all' AND type='SNV' ORDER BY run_date"
    ).fetchall()
    con.close()
    assert runs == 2 and len(rows) == 2 and rows[1][1] < rows[0][1] - 0.02
    warnings = pd.read_csv(second / "results/validation/trend_warnings.tsv", sep="\t")
    fired = warnings[(warnings["region"] == "truth_span") & (warnings["type"] == "SNV")]
    assert set(fired["metric"]) >= {"recall"}
    assert fired["warning"].str.contains("dropped").all()
    page = (second / "results/validation/trend.html").read_text()
    assert "VALIDATION" not in page and "Warnings" in page
    chart = page.split("bcftools truth_span SNV recall</figcaption>", 1)[1].split("</svg>", 1)[0]
    assert chart.count('class="point"') == 2
    assert (second / "results/validation/trend/NA12878.png").read_bytes()[:4] == b"\x89PNG"
