"""LoFreq / VarDict somatic calls: the common evidence step (fragments, tumour-only filters,
VarDict STATUS), the panel of normals, the ensemble rule, and the real runs on the spike-in pair
(both callers, both modes, every output in the common form)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest

from conftest import REPO, write_bam
from dnaseq.steps import somatic_ensemble as ensemble
from dnaseq.steps import somatic_evidence as evidence
from dnaseq.steps import somatic_pon as pon

SPIKES = REPO / "resources/test/somatic/NA12878_S1_spike.somatic_truth.vcf.gz"
GERMLINE_TRUTH = REPO / "resources/test/truth/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz"
REF_SEQ = "ACGT" * 50  # contig c1, 200 bp; 1-based 50 is 'C'


def alt_read() -> str:
    return REF_SEQ[30:49] + "T" + REF_SEQ[50:70]  # C>T at 1-based 50


def ref_reads(n: int, prefix: str = "ref") -> list[tuple[str, int, str, int]]:
    return [(f"{prefix}{i}", 25 + i, REF_SEQ[25 + i : 65 + i], 0) for i in range(n)]


def write_vcf(path: Path, header_lines: str, body: str, samples: list[str] = ()) -> Path:
    cols = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + (
        "\tFORMAT\t" + "\t".join(samples) if samples else ""
    )
    text = "##fileformat=VCFv4.2\n##contig=<ID=c1,length=200>\n" + header_lines + cols + "\n"
    plain = path.with_suffix("")
    plain.write_text(text + body)
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


LOFREQ_HEADER = '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n'


def evidence_run(tmp_path: Path, vcf: Path, normal: bool, **kwargs) -> list:
    out = tmp_path / "out.vcf.gz"
    bams = {"TUM": tmp_path / "t.bam"} | ({"NOR": tmp_path / "n.bam"} if normal else {})
    evidence.run(vcf, out, "TUM", "NOR" if normal else None, bams, evidence.Settings(), **kwargs)
    with pysam.VariantFile(str(out)) as handle:
        return [handle.header, *handle]


def test_a_call_from_one_fragment_is_one_observation(tmp_path):
    """Both overlapping mates of one fragment carry the ALT: LoFreq/VarDict count 2 reads, the
    workflow counts 1 fragment, and the call gets LowFragments."""
    reads = [("frag1", 30, alt_read(), 0x1 | 0x40), ("frag1", 30, alt_read(), 0x1 | 0x80)]
    write_bam(tmp_path / "t.bam", reads + ref_reads(10))
    vcf = write_vcf(tmp_path / "c.vcf.gz", LOFREQ_HEADER, "c1\t50\t.\tC\tT\t50\tPASS\tDP=12\n")
    header, rec = evidence_run(tmp_path, vcf, normal=False)
    assert list(header.samples) == ["TUM"]
    assert rec.samples["TUM"]["AD"] == (10, 1)
    assert rec.samples["TUM"]["DP"] == 11
    assert "LowFragments" in rec.filter.keys()


def test_two_fragments_pass_and_normal_evidence_is_judged_in_fragments(tmp_path):
    reads = [(f"alt{i}", 30, alt_read(), 0) for i in range(3)] + ref_reads(10)
    write_bam(tmp_path / "t.bam", reads)
    # the normal: one stray ALT fragment is allowed (max_normal_alt_fragments 1)
    write_bam(tmp_path / "n.bam", [("stray", 30, alt_read(), 0)] + ref_reads(12, "n"))
    vcf = write_vcf(tmp_path / "c.vcf.gz", LOFREQ_HEADER, "c1\t50\t.\tC\tT\t50\tPASS\tDP=13\n")
    header, rec = evidence_run(tmp_path, vcf, normal=True)
    assert list(header.samples) == ["TUM", "NOR"]  # tumour first
    assert list(rec.filter.keys()) == ["PASS"]
    assert rec.samples["NOR"]["AD"] == (12, 1)
    assert rec.samples["TUM"]["AF"][0] == pytest.approx(3 / 13, abs=1e-4)
    # two ALT fragments in the normal: not somatic
    write_bam(
        tmp_path / "n.bam", [(f"s{i}", 30, alt_read(), 0) for i in range(2)] + ref_reads(12, "n")
    )
    _, rec = evidence_run(tmp_path, vcf, normal=True)
    assert "NormalEvidence" in rec.filter.keys()


def test_no_pass_where_the_normal_is_not_covered(tmp_path):
    """VarDict once PASSed a call where the normal had depth 0: absence from the normal was not
    shown. Below somatic.evidence.min_normal_depth (10) fragments: NormalNotCovered."""
    reads = [(f"alt{i}", 30, alt_read(), 0) for i in range(5)] + ref_reads(10)
    write_bam(tmp_path / "t.bam", reads)
    vcf = write_vcf(tmp_path / "c.vcf.gz", LOFREQ_HEADER, "c1\t50\t.\tC\tT\t50\tPASS\tDP=15\n")
    for depth, expected in ((0, ["NormalNotCovered"]), (9, ["NormalNotCovered"]), (10, ["PASS"])):
        write_bam(tmp_path / "n.bam", ref_reads(depth, "n"))
        _, rec = evidence_run(tmp_path, vcf, normal=True)
        assert rec.samples["NOR"]["DP"] == depth
        assert list(rec.filter.keys()) == expected, depth


def test_vardict_status_other_than_somatic_is_filtered(tmp_path):
    reads = [(f"alt{i}", 30, alt_read(), 0) for i in range(5)] + ref_reads(5)
    write_bam(tmp_path / "t.bam", reads)
    write_bam(tmp_path / "n.bam", ref_reads(10, "n"))
    header = (
        '##INFO=<ID=STATUS,Number=1,Type=String,Description="VarDict status">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="reads">\n'
    )
    body = (
        "c1\t50\t.\tC\tT\t60\tPASS\tSTATUS=StrongSomatic\tAD\t5,5\t10,0\n"
        "c1\t50\t.\tC\tG\t60\tPASS\tSTATUS=Germline\tAD\t5,5\t5,5\n"
    )
    vcf = write_vcf(tmp_path / "v.vcf.gz", header, body, ["TUM", "NOR"])
    _, somatic_rec, germline_rec = evidence_run(tmp_path, vcf, normal=True)
    assert list(somatic_rec.filter.keys()) == ["PASS"]
    assert somatic_rec.info["STATUS"] == "StrongSomatic"
    assert "NotSomatic" in germline_rec.filter.keys()


def test_panel_of_normals_never_counts_the_tumours_own_patient(tmp_path):
    own = write_vcf(tmp_path / "own.vcf.gz", "", "c1\t50\t.\tC\tT\t50\tPASS\t.\n")
    other = write_vcf(
        tmp_path / "other.vcf.gz",
        "",
        "c1\t60\t.\tA\tG\t50\tPASS\t.\nc1\t70\t.\tA\tG\t5\tLowQual\t.\n",
    )
    seen = pon.collect([("N1", "P1", own), ("N2", "P2", other)])
    path = tmp_path / "pon.vcf.gz"
    pon.write(seen, [("c1", 200)], path)
    assert evidence.panel_of_normals(path, "P1", 1) == {("c1", 60, "A", "G")}
    assert evidence.panel_of_normals(path, "P3", 1) == {("c1", 50, "C", "T"), ("c1", 60, "A", "G")}
    assert evidence.panel_of_normals(path, "P3", 2) == set()  # each site in one normal only
    with pytest.raises(ValueError, match="not in the reference index"):
        pon.write(seen, [("chr1", 200)], tmp_path / "bad.vcf.gz")


def test_tumour_only_filters_pon_population_and_purity(tmp_path):
    reads = [(f"alt{i}", 30, alt_read(), 0) for i in range(10)] + ref_reads(10)
    write_bam(tmp_path / "t.bam", reads)
    vcf = write_vcf(tmp_path / "c.vcf.gz", LOFREQ_HEADER, "c1\t50\t.\tC\tT\t50\tPASS\tDP=20\n")
    _, rec = evidence_run(tmp_path, vcf, normal=False)
    assert list(rec.filter.keys()) == ["PASS"]  # VAF 0.5 but no purity: no VAF rule
    _, rec = evidence_run(tmp_path, vcf, normal=False, purity=0.4)
    assert "LikelyGermline" in rec.filter.keys()  # 0.5 fits a het, not a clonal somatic at 0.2
    resource = write_vcf(
        tmp_path / "gnomad.vcf.gz",
        '##INFO=<ID=AF,Number=A,Type=Float,Description="population AF">\n',
        "c1\t50\t.\tC\tT\t.\t.\tAF=0.2\n",
    )
    _, rec = evidence_run(tmp_path, vcf, normal=False, germline_resource=resource)
    assert "GermlineResource" in rec.filter.keys()
    pon_path = tmp_path / "pon.vcf.gz"
    pon.write({("c1", 50, "C", "T"): [("N9", "P9")]}, [("c1", 200)], pon_path)
    _, rec = evidence_run(tmp_path, vcf, normal=False, pon=pon_path, patient="P1")
    assert "PanelOfNormals" in rec.filter.keys()
    _, rec = evidence_run(tmp_path, vcf, normal=False, pon=pon_path, patient="P9")
    assert "PanelOfNormals" not in rec.filter.keys()


def test_purity_model():
    assert evidence.likely_germline(25, 25, 0.4, 0.01)
    assert not evidence.likely_germline(40, 10, 0.4, 0.01)  # VAF 0.2 = purity / 2
    assert not evidence.likely_germline(25, 25, None, 0.01)


def test_unsplit_records_are_refused(tmp_path):
    write_bam(tmp_path / "t.bam", ref_reads(5))
    vcf = write_vcf(tmp_path / "c.vcf.gz", LOFREQ_HEADER, "c1\t50\t.\tC\tT,G\t50\tPASS\tDP=5\n")
    with pytest.raises(ValueError, match="split records first"):
        evidence_run(tmp_path, vcf, normal=False)


ENSEMBLE_HEADER = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="support">\n'


def caller_vcf(path: Path, records: list[tuple[int, str, str]]) -> Path:
    """(pos, alt, FILTER) records at REF 'C' with tumour/normal AD."""
    body = "".join(f"c1\t{p}\t.\tC\t{a}\t50\t{f}\t.\tAD\t10,5\t12,0\n" for p, a, f in records)
    return write_vcf(
        path, '##FILTER=<ID=Low,Description="low">\n' + ENSEMBLE_HEADER, body, ["TUM", "NOR"]
    )


def test_ensemble_rule_callers_and_hotspots(tmp_path):
    a = caller_vcf(tmp_path / "a.vcf.gz", [(10, "T", "PASS"), (20, "T", "PASS"), (30, "G", "PASS")])
    b = caller_vcf(tmp_path / "b.vcf.gz", [(10, "T", "PASS"), (20, "T", "Low")])
    hot = tmp_path / "hot.bed"
    hot.write_text("c1\t29\t30\tKRAS_G12\n")
    out = tmp_path / "ens.vcf.gz"
    counts = ensemble.run([("lofreq", a), ("vardict", b)], out, 2, hot)
    assert counts == {"alleles": 3, "pass": 2}
    with pysam.VariantFile(str(out)) as handle:
        recs = {r.pos: r for r in handle}
    assert list(recs[10].filter.keys()) == ["PASS"]
    assert recs[10].info["CALLERS"] == ("lofreq", "vardict")
    assert list(recs[20].filter.keys()) == ["EnsembleSupport"]  # PASS in one caller only
    assert recs[20].info["REPORTED"] == ("lofreq", "vardict")
    assert list(recs[30].filter.keys()) == ["PASS"] and recs[30].info["HOTSPOT"]
    assert recs[10].samples["TUM"]["AD"] == (10, 5) and recs[10].samples["TUM"]["DP"] == 15
    # min_callers 1: any caller's PASS is enough
    assert ensemble.run([("lofreq", a), ("vardict", b)], out, 1)["pass"] == 3


def test_ensemble_refuses_callers_with_other_samples(tmp_path):
    a = caller_vcf(tmp_path / "a.vcf.gz", [(10, "T", "PASS")])
    b = write_vcf(
        tmp_path / "b.vcf.gz", ENSEMBLE_HEADER, "c1\t10\t.\tC\tT\t50\tPASS\t.\tAD\t1,2\n", ["OTHER"]
    )
    with pytest.raises(ValueError, match="differ"):
        ensemble.run([("lofreq", a), ("vardict", b)], tmp_path / "e.vcf.gz", 2)


# ------------------------------------------------------------------ real runs (bundled pair)

CALL_SETS = ["lofreq", "vardict", "freebayes", "ensemble"]


def keyed(vcf: Path) -> dict[tuple[str, int, str, str], object]:
    with pysam.VariantFile(str(vcf)) as handle:
        return {(r.chrom, r.pos, r.ref, r.alts[0]): r for r in handle}


def truth(vcf: Path) -> set[tuple[str, int, str, str]]:
    with pysam.VariantFile(str(vcf)) as handle:
        return {(r.chrom, r.pos, r.ref, a) for r in handle for a in r.alts}


@pytest.mark.parametrize("caller", ["lofreq", "vardict"])
@pytest.mark.parametrize("mode", ["paired", "tumor_only"])
def test_caller_output_is_in_the_common_form(demo_run, caller, mode):
    path = demo_run / f"results/somatic/{caller}/NA12878_T.{mode}.vcf.gz"
    assert Path(f"{path}.tbi").exists()
    with pysam.VariantFile(str(path)) as handle:
        expected = ["NA12878_T", "NA12878_N"] if mode == "paired" else ["NA12878_T"]
        assert list(handle.header.samples) == expected
        records = list(handle)
    assert records
    for rec in records:
        assert len(rec.alts) == 1  # split, normalised
        for s in expected:
            ad = rec.samples[s]["AD"]
            assert rec.samples[s]["DP"] == sum(ad)
    spikes = truth(SPIKES)
    calls = keyed(path)
    for key in spikes:  # every spike has >= 2 ALT fragments and VAF >= 10 %
        assert key in calls and list(calls[key].filter.keys()) == ["PASS"], key


def test_paired_callers_pass_no_germline_variant(demo_run):
    germline = truth(GERMLINE_TRUTH)
    for caller in ["lofreq", "vardict", "ensemble"]:
        calls = keyed(demo_run / f"results/somatic/{caller}/NA12878_T.paired.vcf.gz")
        passed = [k for k, r in calls.items() if k in germline and "PASS" in r.filter.keys()]
        assert not passed, (caller, passed)


def test_ensemble_records_caller_support(demo_run):
    calls = keyed(demo_run / "results/somatic/ensemble/NA12878_T.paired.vcf.gz")
    for key in truth(SPIKES):
        assert len(calls[key].info["CALLERS"]) >= 2


def test_pon_is_built_from_the_normals_and_not_used_against_their_own_patient(demo_run):
    path = demo_run / "results/somatic/pon/panel_of_normals.vcf.gz"
    with pysam.VariantFile(str(path)) as handle:
        records = list(handle)
    assert records and all(r.info["PON_SAMPLES"] == ("NA12878_N",) for r in records)
    tumour_only = keyed(demo_run / "results/somatic/lofreq/NA12878_T.tumor_only.vcf.gz")
    assert not [r for r in tumour_only.values() if "PanelOfNormals" in r.filter.keys()]


def test_somatic_table_has_every_caller_and_mode(demo_run):
    table = pd.read_csv(demo_run / "results/validation/somatic_summary.tsv", sep="\t")
    rows = {(r.caller, r.mode): r for r in table.itertuples()}
    assert set(rows) == {(c, m) for c in CALL_SETS for m in ["paired", "tumor_only"]}
    for caller in ["lofreq", "vardict", "ensemble"]:
        assert rows[(caller, "paired")].recall == 1.0
        assert rows[(caller, "tumor_only")].recall == 1.0
    assert rows[("ensemble", "paired")].precision >= 0.9


# ------------------------------------------------------------------ the harder spike-in

HARD = REPO / "resources/test/somatic/NA12878_S1_hard"


@pytest.fixture(scope="module")
def hard_run(tmp_path_factory) -> Path:
    """The harder pair (devtools/spike_somatic.py, seed hard-v1): the bundled spike-in tumour
    plus 11 spikes at 5-20 % VAF (SNVs, 1-3 bp deletions and insertions), one of them with one
    ALT fragment in the normal. Somatic calling and its validation only."""
    import yaml

    from conftest import absolute, make_config, snakemake

    workdir = tmp_path_factory.mktemp("hard")
    units = pd.DataFrame(
        [
            {"sample": s, "unit": "L1", "fq1": f"{HARD}.{kind}.R1.fastq.gz",
             "fq2": f"{HARD}.{kind}.R2.fastq.gz", "platform": "ILLUMINA",
             "library": f"{s}_lib1", "flowcell": "C0D8DACXX", "lane": "1"}
            for s, kind in (("HARD_T", "tumour"), ("HARD_N", "normal"))
        ]
    )  # fmt: skip
    samples = pd.DataFrame(
        [
            {"sample": "HARD_T", "sex": "female", "patient": "HARD", "type": "tumor",
             "normal": "HARD_N"},
            {"sample": "HARD_N", "sex": "female", "patient": "HARD", "type": "normal",
             "normal": ""},
        ]
    )  # fmt: skip
    cfg = make_config(workdir, units=units, samples=samples)
    raw = yaml.safe_load(cfg.read_text())
    raw["validation"], raw["identity"]["expected"] = {}, {}
    raw["validation_somatic"] = {
        "HARD_T": {
            "truth_vcf": f"{HARD}.somatic_truth.vcf.gz",
            "eval_bed": absolute("resources/test/somatic/NA12878_S1_spike.eval_region.bed"),
        }
    }
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False))
    snakemake(workdir, cfg, "summarise_somatic_validation", check=True)
    return workdir


def test_harder_spike_in_paired(hard_run):
    with pysam.VariantFile(f"{HARD}.somatic_truth.vcf.gz") as handle:
        spikes = {(r.chrom, r.pos, r.ref, r.alts[0]): dict(r.info) for r in handle}
    assert len(spikes) == 21
    calls = {c: keyed(hard_run / f"results/somatic/{c}/HARD_T.paired.vcf.gz") for c in CALL_SETS}

    def passed(caller, key):
        return key in calls[caller] and list(calls[caller][key].filter.keys()) == ["PASS"]

    for key, info in spikes.items():
        clean_normal = not info.get("N_ALT_FRAGS")
        if info["T_ALT_FRAGS"] >= 3 and clean_normal:  # VAF >= 10 % here
            assert passed("ensemble", key), key
        if info["T_ALT_FRAGS"] == 1:  # one fragment is never enough evidence
            assert not any(passed(c, key) for c in CALL_SETS), key
    # one ALT fragment in the normal (allowed by max_normal_alt_fragments: 1): VarDict keeps
    # the spike, LoFreq (its normal call) and the freebayes classification (NLOD) do not
    in_normal = next(k for k, i in spikes.items() if i.get("N_ALT_FRAGS") == 1)
    assert passed("vardict", in_normal)
    table = pd.read_csv(hard_run / "results/validation/somatic_summary.tsv", sep="\t")
    paired = table[table["mode"] == "paired"].set_index("caller")
    assert (paired["precision"] >= 0.9).all(), paired.to_string()
