"""Germline structural variants: delly + TIDDIT on the bundled SV01 (planted SVs, see
devtools/simulate_svs.py), merged and compared with the truth by truvari; the real GIAB reads
give no large SV call; unit tests of the merge and the simulator."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pysam
import pytest

from conftest import REPO
from dnaseq.steps import sv_merge, sv_validation

sys.path.insert(0, str(REPO / "devtools"))
import simulate_svs  # noqa: E402


def summary(demo_run: Path) -> pd.DataFrame:
    return pd.read_csv(demo_run / "results/validation/sv_summary.tsv", sep="\t")


def test_planted_deletions_and_duplications_of_1kb_and_more_are_found(demo_run):
    table = summary(demo_run)
    big = table[table["type"].isin(["DEL", "DUP"]) & table["size"].isin(["1-10kb", ">=10kb"])]
    tp, fn = big["tp"].sum(), big["fn"].sum()
    assert tp + fn >= 6 and tp / (tp + fn) >= 0.9, big.to_string()
    overall = table[table["type"] == "all"].iloc[0]
    assert float(overall["precision"]) >= 0.9, table.to_string()


def test_merged_sv_vcf_records_callers_and_genes(demo_run):
    with pysam.VariantFile(str(demo_run / "results/sv/SV01.vcf.gz")) as vcf:
        records = [r for r in vcf if list(r.filter.keys()) == ["PASS"]]
    assert {r.info["SVTYPE"] for r in records} >= {"DEL", "DUP", "INV"}
    assert all(set(r.info["CALLERS"]) <= {"delly", "tiddit"} for r in records)
    both = [r for r in records if r.info["SUPP"] == 2]
    assert len(both) >= 6  # most events found by both callers
    assert any("GENES" in r.info for r in records)
    counts = (demo_run / "results/qc/sv/sv_counts_mqc.tsv").read_text()
    assert "SV01\t" in counts and "plot_type: 'bargraph'" in counts


def test_real_giab_reads_give_no_large_sv(demo_run):
    """NA12878's 100 kb of GIAB reads hold no SV >= 1 kb in the GIAB truth of that window; the
    callers must not invent one (the small ones they may call are listed in the README)."""
    with pysam.VariantFile(str(demo_run / "results/sv/NA12878.vcf.gz")) as vcf:
        large = [
            (r.pos, r.info["SVTYPE"], r.info["SVLEN"])
            for r in vcf
            if list(r.filter.keys()) == ["PASS"] and abs(r.info["SVLEN"]) >= 1000
        ]
    assert large == []


def call(contig: str, start: int, end: int, kind: str, caller: str) -> sv_merge.Call:
    return sv_merge.Call(contig, start, end, kind, "0/1", [caller])


def test_merge_joins_one_event_across_callers_and_keeps_distinct_ones():
    calls = [
        call("c", 1000, 2000, "DEL", "delly"),
        call("c", 1003, 1998, "DEL", "tiddit"),  # the same deletion
        call("c", 1003, 1998, "DUP", "tiddit"),  # another type
        call("c", 1000, 9000, "DEL", "tiddit"),  # overlaps, far other end
        call("c", 1001, 2001, "DEL", "delly"),  # delly's second record of the event
    ]
    events = sv_merge.merge(calls, max_distance=500, min_overlap=0.5)
    assert [(e.kind, e.start, e.end, e.callers) for e in events] == [
        ("DEL", 1000, 2000, ["delly", "tiddit"]),
        ("DEL", 1000, 9000, ["tiddit"]),
        ("DUP", 1003, 1998, ["tiddit"]),
    ]


def write_vcf(path: Path, contig: str, body: str) -> Path:
    path.write_text(
        "##fileformat=VCFv4.2\n"
        f"##contig=<ID={contig},length=100000>\n"
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="t">\n'
        '##INFO=<ID=END,Number=1,Type=Integer,Description="e">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n" + body
    )
    return path


def test_call_on_a_contig_the_reference_lacks_is_a_clear_error(tmp_path, capsys):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\n" + "ACGT" * 2500 + "\n")
    pysam.faidx(str(fasta))
    vcf = write_vcf(
        tmp_path / "d.vcf", "1", "1\t100\t.\tA\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=900\tGT\t0/1\n"
    )
    code = sv_merge.main(["--calls", f"delly={vcf}", "--sample", "S", "--reference", str(fasta),
                          "--output", str(tmp_path / "out.vcf.gz")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "delly called an SV on contig '1'" in err and "reference" in err
    assert not (tmp_path / "out.vcf.gz").exists()


def test_size_classes():
    assert sv_validation.size_class(400) == "50bp-1kb"
    assert sv_validation.size_class(1000) == "1-10kb"
    assert sv_validation.size_class(20000) == ">=10kb"


def test_simulated_haplotypes_carry_the_planted_events():
    rng = random.Random(1)
    ref = "".join(rng.choice("ACGT") for _ in range(400_000))
    svs = simulate_svs.plan_svs(1, len(ref), rng)
    hap = simulate_svs.build_sv_haplotype(ref, 1, svs, 1)
    change = {"DEL": -1, "DUP": 1, "INS": 1, "INV": 0}
    expected = len(ref) + sum(change[s.kind] * s.length for s in svs if s.genotype[1])
    assert len(hap) == expected
    inv = next(s for s in svs if s.kind == "INV")
    assert inv.genotype[1] == 1
    segment = ref[inv.start - 1 : inv.end]
    assert segment.translate(simulate_svs.COMPLEMENT)[::-1] in hap
    with pytest.raises(ValueError, match="region too short"):
        simulate_svs.plan_svs(1, 50_000, rng)


def test_bundled_sv_reads_are_what_the_simulator_makes(tmp_path):
    """The bundled SV01 data is reproducible byte for byte from the documented command."""
    subprocess.run(
        [sys.executable, str(REPO / "devtools/simulate_svs.py"), "--fasta",
         str(REPO / "resources/test/reference/test_genome.fa.gz"),
         "--region", "chr21:9600001-9900000", "--outdir", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    for name in ("reads/SV01_R1.fastq.gz", "truth/SV01.sv_eval.bed"):
        assert (tmp_path / name).read_bytes() == (REPO / "resources/test" / name).read_bytes()
