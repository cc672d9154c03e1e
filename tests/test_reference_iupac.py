"""IUPAC ambiguity codes in the reference (GRCh38 has them) are read as N in the workflow's copy,
with the count in provenance; bcftools norm, which stops on them, then runs."""

from __future__ import annotations

import gzip
import io
import json
import subprocess

from conftest import make_config, snakemake
from dnaseq.steps.reference_iupac import replace_iupac


def test_codes_become_n_and_headers_stay():
    fasta = b">chrR desc with RYK\nACGTRYacgtryN\nKMSWBDHV\n>chr2\nACGT\n"
    out = io.BytesIO()
    replaced = replace_iupac(io.BytesIO(fasta), out)
    assert out.getvalue() == b">chrR desc with RYK\nACGTNNacgtnnN\nNNNNNNNN\n>chr2\nACGT\n"
    assert replaced == {"chrR": 12}


def test_workflow_reference_copy_has_n_and_provenance_says_so(tmp_path):
    ref = tmp_path / "ref.fa.gz"
    bases = "ACGT" * 2500
    with gzip.open(ref, "wt") as handle:
        handle.write(">chrT\n" + bases[:5000] + "R" + bases[5001:] + "\n")
    cfg = make_config(
        tmp_path,
        {
            "reference": {"fasta": str(ref), "sliced": False},
            "report": {"enabled": False},
        },
    )
    proc = snakemake(tmp_path, cfg, "results/reference/genome.fa")
    assert proc.returncode == 0, proc.stdout[-2000:]
    seq = (tmp_path / "results/reference/genome.fa").read_text().split("\n")[1]
    assert seq[5000] == "N" and seq[:5000] == bases[:5000]
    note = json.loads((tmp_path / "results/reference/genome.changes.json").read_text())
    assert note["iupac_bases_replaced_by_n"] == 1 and note["by_contig"] == {"chrT": 1}
    # a caller writes REF from the reference it is given: a deletion over the R position has
    # REF "TR" from the original, which bcftools norm refuses; from the copy it is "TN"
    plain = tmp_path / "original.fa"
    plain.write_text(gzip.open(ref, "rt").read())
    subprocess.run(["samtools", "faidx", str(plain)], check=True)
    for fasta, ref_allele, ok in (
        (plain, "TR", False),
        (tmp_path / "results/reference/genome.fa", "TN", True),
    ):
        vcf = tmp_path / f"{ref_allele}.vcf"
        vcf.write_text(
            "##fileformat=VCFv4.2\n##contig=<ID=chrT,length=10000>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            f"chrT\t5000\t.\t{ref_allele}\tT\t50\tPASS\t.\n"
        )
        norm = subprocess.run(
            ["bcftools", "norm", "-f", str(fasta), str(vcf)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (norm.returncode == 0) is ok, norm.stderr
        assert ok or "Non-ACGTN reference allele" in norm.stderr
