"""Run the GATK and VEP paths for real. VEP runs here (installed by `make setup` from
../shared/tools); GATK only where it is installed (conda users), skipped with the reason
otherwise: it is neither in Debian nor on PyPI."""

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest
import yaml

from conftest import REPO, base_config, make_config, snakemake, units_table


@pytest.mark.skipif(
    shutil.which("gatk") is None, reason="gatk is not on PATH (not packaged for Debian/PyPI)"
)
def test_gatk_path_runs(tmp_path):
    cfg = make_config(
        tmp_path, {"calling": {"callers": ["gatk"], "scatter": 2}, "annotation": {"tool": "none"}}
    )
    snakemake(tmp_path, cfg, check=True)
    for sample in ("NA12878", "SIM01"):
        vcf = tmp_path / f"results/calls/gatk/{sample}.vcf.gz"
        out = subprocess.run(
            ["bcftools", "view", "-H", str(vcf)], capture_output=True, text=True, check=True
        )
        assert out.stdout.count("\n") > 10


GFF3 = REPO / "resources/test/annotation/Homo_sapiens.GRCh38.chr21_1-10Mb.ensembl.gff3.gz"
SIM01_TRUTH = REPO / "resources/test/truth/SIM01.truth.vcf.gz"
CONFIDENT = REPO / "resources/test/truth/SIM01.confident.bed"
VEP_EXTRA = "--hgvs --symbol --canonical --biotype --numbers --variant_class"


@pytest.fixture(scope="module")
def vep_run(tmp_path_factory) -> Path:
    """SIM01 annotated by VEP 115 in GFF mode (the bundled GRCh38 chr21 GFF3 + the reference:
    no cache, full HGVS). `make setup` installs VEP from ../shared/tools when it is there."""
    if shutil.which("vep") is None:
        pytest.skip("vep is not on PATH: make setup installs it from ../shared/tools")
    workdir = tmp_path_factory.mktemp("vep")
    units = units_table()
    units = units[units["sample"] == "SIM01"]
    samples = pd.DataFrame({"sample": ["SIM01"], "sex": ["unknown"], "type": ["germline"]})
    cfg = make_config(
        workdir,
        {
            "annotation": {"tool": "vep", "vep": {"gff": str(GFF3), "extra": VEP_EXTRA}},
            "validation": {
                "SIM01": {"truth_vcf": str(SIM01_TRUTH), "confident_bed": str(CONFIDENT)}
            },
            "validation_somatic": {},
        },
        units=units,
        samples=samples,
    )  # fmt: skip
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"] = {"SIM01": raw["validation"]["SIM01"]}  # overrides merge: keep SIM01
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    snakemake(workdir, cfg, check=True)
    return workdir


def csq_fields(vcf: pysam.VariantFile) -> list[str]:
    return vcf.header.info["CSQ"].description.split("Format: ")[-1].split("|")


def test_vep_annotates_known_coding_variants_with_hgvs(vep_run):
    from test_end_to_end import coding_truth_variants

    coding = coding_truth_variants(GFF3, SIM01_TRUTH)
    assert len(coding) >= 3
    with pysam.VariantFile(str(vep_run / "results/annotated/vep/bcftools/SIM01.vcf.gz")) as vcf:
        fields = csq_fields(vcf)
        for name in ("Consequence", "SYMBOL", "Gene", "Feature", "HGVSc", "HGVSp"):
            assert name in fields
        csq = {(r.chrom, r.pos, r.ref, r.alts[0]): r.info.get("CSQ") for r in vcf}
    with_hgvsp = 0
    for key in coding:
        assert key in csq and csq[key], f"coding variant {key} has no CSQ"
        entries = [dict(zip(fields, c.split("|"), strict=False)) for c in csq[key]]
        coding_entries = [e for e in entries if e["BIOTYPE"] == "protein_coding" and e["HGVSc"]]
        assert coding_entries, (key, entries)
        assert all(e["Gene"].startswith("ENSG") and e["Feature"].startswith("ENST")
                   for e in coding_entries)  # fmt: skip
        assert all(":c." in e["HGVSc"] for e in coding_entries)
        with_hgvsp += any(":p." in e["HGVSp"] for e in coding_entries)
    assert with_hgvsp >= len(coding) - 2  # splice-region/UTR-only changes have no p.


def test_vep_and_snpeff_agree_on_tmb_consequences(vep_run, demo_run):
    """TMB counts coding non-synonymous variants by consequence term: on the same calls
    (SIM01, bcftools) VEP's CSQ and snpEff's ANN must select the same variants."""
    from dnaseq.steps.tmb import effects_of

    wanted = set(base_config()["somatic"]["tmb"]["effects"])

    def selected(path: Path, csq: bool) -> set[tuple]:
        with pysam.VariantFile(str(path)) as vcf:
            index = csq_fields(vcf).index("Consequence") if csq else None
            return {(r.chrom, r.pos, r.ref, r.alts[0]) for r in vcf
                    if effects_of(r, index) & wanted}  # fmt: skip

    by_vep = selected(vep_run / "results/annotated/vep/bcftools/SIM01.vcf.gz", csq=True)
    by_snpeff = selected(demo_run / "results/annotated/snpeff/bcftools/SIM01.vcf.gz", csq=False)
    assert by_vep and by_vep == by_snpeff


def test_report_names_the_same_transcript_and_hgvs_whichever_annotator_ran(vep_run, demo_run):
    """SIM01's report rows with snpEff (the demo run) and with VEP: for every coding variant the
    same transcript (the lab's list), HGVS c. and p.; before the list, 2 of 11 differed."""
    columns = ["pos", "alt", "gene", "transcript", "hgvs_c", "hgvs_p"]

    def coding(run: Path) -> pd.DataFrame:
        table = pd.read_csv(run / "results/report/SIM01.variants.tsv", sep="\t", dtype=str)
        table = table[table["filter"] == "PASS"].fillna("")
        return table[table["hgvs_p"] != ""]  # variants with a protein change

    snpeff, vep = coding(demo_run), coding(vep_run)
    assert len(snpeff) >= 10 and len(vep) == len(snpeff)
    merged = snpeff[columns].merge(vep[columns], on=["pos", "alt"], suffixes=("_snpeff", "_vep"))
    assert len(merged) == len(snpeff)
    for column in ("gene", "transcript", "hgvs_c", "hgvs_p"):
        differ = merged[merged[f"{column}_snpeff"] != merged[f"{column}_vep"]]
        assert differ.empty, differ.to_string()
