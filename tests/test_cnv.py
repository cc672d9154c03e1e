"""Panel copy number with CNVkit: the simulated CNV01 pair (devtools/simulate_cnv.py: a tumour at
purity 0.8 with an 8-copy amplification of CNVAMP and a one-copy deletion of CNVDEL, a diploid
normal) must give exactly those calls; the bundled GIAB pair must give none; a panel too small
for CNVkit is refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, make_config, snakemake

CNV = REPO / "resources/test/cnv"


@pytest.fixture(scope="module")
def cnv_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("cnv")
    units = pd.DataFrame(
        [
            {"sample": s, "unit": "L1", "fq1": str(CNV / f"{s}_R1.fastq.gz"),
             "fq2": str(CNV / f"{s}_R2.fastq.gz")}
            for s in ("CNV01_T", "CNV01_N")
        ]
    )  # fmt: skip
    samples = pd.DataFrame(
        {
            "sample": ["CNV01_T", "CNV01_N"],
            "sex": ["female", "female"],
            "patient": ["P9", "P9"],
            "type": ["tumor", "normal"],
            "normal": ["CNV01_N", ""],
            "purity": ["0.8", ""],
        }
    )
    cfg = make_config(
        workdir,
        {
            "somatic": {"targets": str(CNV / "cnv_panel.bed")},
            "validation_cnv": {"CNV01_T": {"truth_tsv": str(CNV / "CNV01_T.cnv_truth.tsv")}},
        },
        units=units,
        samples=samples,
    )
    targets = [f"results/cnv/{s}.genes.tsv" for s in ("CNV01_T", "CNV01_N")]
    targets += ["results/validation/cnv/CNV01_T.tsv", "results/cnv/CNV01_T.cnv_mqc.png"]
    snakemake(workdir, cfg, *targets, check=True)
    return workdir


def genes(run: Path, sample: str) -> pd.DataFrame:
    return pd.read_csv(run / f"results/cnv/{sample}.genes.tsv", sep="\t").set_index("gene")


def test_planted_amplification_and_deletion_are_called_with_purity(cnv_run):
    tumour = genes(cnv_run, "CNV01_T")
    assert tumour.loc["CNVAMP", "clinical"] == "amplification"
    assert tumour.loc["CNVAMP", "copy_number"] >= 6  # 8 planted, purity-corrected
    assert tumour.loc["CNVDEL", "clinical"] == "deletion"
    assert tumour.loc["CNVDEL", "copy_number"] == 1
    others = tumour.drop(["CNVAMP", "CNVDEL"])
    assert len(others) >= 5  # the panel's other genes, every one checked below
    assert (others["call"] == "neutral").all() and others["clinical"].isna().all()
    assert (tumour["bins"] >= 6).all()
    validation = pd.read_csv(cnv_run / "results/validation/cnv/CNV01_T.tsv", sep="\t").iloc[0]
    assert validation["sensitivity"] == 1.0 and validation["specificity"] == 1.0
    assert (cnv_run / "results/cnv/CNV01_T.cnv_mqc.png").stat().st_size > 10_000


def test_diploid_normal_has_no_copy_number_change(cnv_run):
    normal = genes(cnv_run, "CNV01_N")
    assert len(normal) >= 7, normal  # every gene of the panel, none dropped
    assert (normal["call"] == "neutral").all(), normal


def test_bundled_giab_pair_is_not_assessed_rather_than_called(demo_run):
    """25x on 300 bp targets, one bin per gene: too little to call copy number, and said so."""
    for sample in ("NA12878_T", "NA12878_N"):
        table = genes(demo_run, sample)
        assert len(table) == 22, table  # every panel gene is listed, none dropped
        assert (table["call"] == "NOT_ASSESSED").all()
        # every panel gene has a row: those whose bins CNVkit dropped say so ("no bins")
        assert table["reason"].str.contains("mean bin depth|bins <|no bins").all()


def test_panel_too_small_for_cnvkit_is_refused(tmp_path):
    small = tmp_path / "small.bed"
    lines = (CNV / "cnv_panel.bed").read_text().splitlines()[:5]
    small.write_text("\n".join(lines) + "\n")
    cfg = make_config(tmp_path, {"somatic": {"targets": str(small)}})
    proc = snakemake(tmp_path, cfg, "-n")
    assert proc.returncode != 0
    assert (
        "small.bed: 5 targets; CNVkit needs at least cnv.min_targets=20"
        in proc.stdout + proc.stderr
    )


def test_bundled_cnv_data_is_what_the_simulator_makes(tmp_path):
    """The bundled CNV01 reads, panel and truth come byte for byte from the documented command."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(REPO / "devtools/simulate_cnv.py"), "--fasta",
         str(REPO / "resources/test/reference/test_genome.fa.gz"),
         "--region", "chr21:9600001-9900000", "--outdir", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    for name in ("CNV01_T_R1.fastq.gz", "cnv_panel.bed", "CNV01_T.cnv_truth.tsv"):
        assert (tmp_path / "cnv" / name).read_bytes() == (CNV / name).read_bytes()
