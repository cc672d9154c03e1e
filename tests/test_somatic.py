"""Cancer panel path: sheet rules, somatic classification, real runs on the spike-in pair,
swapped-normal detection, panel coverage vs samtools depth, TMB, and Mutect2/MSI command lines."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest

from conftest import REPO, SCENARIO, absolute, make_config, snakemake, write_bam
from dnaseq.core import sheets
from dnaseq.steps import somatic_classify as somatic

SPIKES = REPO / "resources/test/somatic/NA12878_S1_spike.somatic_truth.vcf.gz"
GERMLINE_TRUTH = REPO / "resources/test/truth/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz"


# ------------------------------------------------------------------ sheet rules


def sheet(tmp_path: Path, rows: str) -> pd.DataFrame:
    path = tmp_path / "samples.tsv"
    path.write_text("sample\tpatient\ttype\tnormal\n" + rows)
    return sheets.read_sheet(path, ["sample"])


def test_pairs_inferred_named_and_tumour_only(tmp_path):
    df = sheet(
        tmp_path, "T1\tP1\ttumor\t\nN1\tP1\tnormal\t\nT2\tP2\ttumor\t\nT3\tP1\ttumor\tnone\n"
    )
    assert sheets.tumor_normal_pairs(df, "samples.tsv") == {"T1": "N1", "T2": None, "T3": None}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("N1\tP1\tnormal\t\nN2\tP1\tnormal\t\n", "line 3: patient 'P1' already has a normal"),
        ("T1\tP1\ttumor\tN9\n", "line 2: tumour 'T1': its normal 'N9' is not in the sample sheet"),
        ("T1\tP1\ttumor\tG1\nG1\tP1\tgermline\t\n", "its normal 'G1' has type 'germline'"),
        ("T1\tP1\ttumor\tN2\nN2\tP2\tnormal\t\n", "its normal 'N2' belongs to patient 'P2'"),
    ],
)
def test_pair_rules(tmp_path, rows, message):
    with pytest.raises(sheets.InputError, match=message):
        sheets.tumor_normal_pairs(sheet(tmp_path, rows), "samples.tsv")


def test_tumour_and_normal_cannot_share_a_unit(tmp_path):
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
    for col in ("fq1", "fq2"):
        units[col] = units[col].map(absolute)
    normal = units["sample"] == "NA12878_N"
    units.loc[normal, ["fq1", "fq2"]] = units.loc[
        units["sample"] == "NA12878_T", ["fq1", "fq2"]
    ].values
    proc = snakemake(tmp_path, make_config(tmp_path, units=units, samples=samples), "-n")
    assert proc.returncode != 0
    assert "is already used on line" in proc.stdout + proc.stderr


# ------------------------------------------------------------------ classification model


T = somatic.Thresholds()


def test_low_vaf_spike_with_clean_normal_passes():
    reasons, stats = somatic.classify((15, 2), (27, 0), T)  # spike9: 2 of 17 reads
    assert reasons == [] and stats["TLOD"] > T.min_tumor_lod and stats["NLOD"] > 2


def test_germline_het_in_normal_is_not_somatic():
    reasons, _ = somatic.classify((12, 13), (11, 12), T)
    assert "NormalEvidence" in reasons


def test_weak_tumour_evidence_and_thin_normal():
    assert "LowTumorAlt" in somatic.classify((30, 1), (30, 0), T)[0]
    assert "LowNormalDepth" in somatic.classify((10, 8), (3, 0), T)[0]


def test_tumour_only_flags_germline_like_vaf_but_not_low_vaf():
    assert somatic.classify((10, 10), None, T)[0] == ["LikelyGermline"]
    assert somatic.classify((0, 25), None, T)[0] == ["LikelyGermline"]
    assert somatic.classify((23, 4), None, T)[0] == []  # VAF 0.15 at 27x: not germline-like
    assert "LikelyGermline" in somatic.classify((23, 4), None, T, in_germline_resource=True)[0]


def test_binomial_test_matches_known_values():
    assert somatic.binomial_two_sided(5, 10, 0.5) == pytest.approx(1.0)
    assert somatic.binomial_two_sided(0, 10, 0.5) == pytest.approx(2 / 1024)


# ------------------------------------------------------------------ missing values, fragments

FREEBAYES_HEADER = """##fileformat=VCFv4.2
##contig=<ID=c1,length=200>
##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">
##INFO=<ID=AO,Number=A,Type=Integer,Description="alt observations">
##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="allele depths">
##FORMAT=<ID=GL,Number=G,Type=Float,Description="genotype likelihoods">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUM\tNOR
"""


def write_vcf(tmp_path: Path, body: str) -> Path:
    plain = tmp_path / "in.vcf"
    plain.write_text(FREEBAYES_HEADER + body)
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    return tmp_path / "in.vcf.gz"


def test_records_with_missing_values_are_classified_not_crashed(tmp_path):
    """Shapes seen in real panels: tumour column all missing (a complex allele in a TA repeat
    with no tumour coverage), '.' in AD, three ALT alleles, zero depth."""
    vcf = write_vcf(
        tmp_path,
        "c1\t10\t.\tTA\tT\t20\t.\tDP=9;AO=3\tGT:DP:AD:GL\t.:.:.:.\t0/1:9:6,3:-1,0,-1\n"
        "c1\t20\t.\tA\tG\t20\t.\tDP=9;AO=.\tGT:DP:AD:GL\t0/1:9:.:.\t0/0:9:9,0:0,-1,-2\n"
        "c1\t30\t.\tA\tC,G,T\t20\t.\tDP=20;AO=2,3,4\tGT:DP:AD\t1/2:20:11,2,3,4\t0/0:10:10,0,0,0\n"
        "c1\t40\t.\tC\tT\t5\t.\tDP=0;AO=0\tGT:DP:AD\t0/0:0:0,0\t0/0:0:0,0\n",
    )
    out = tmp_path / "out.vcf.gz"
    counts = somatic.run(vcf, out, "TUM", "NOR", T)
    assert counts["records"] == 4
    with pysam.VariantFile(str(out)) as handle:
        records = list(handle)
    assert [r.pos for r in records] == [10, 20, 30, 40]
    assert "LowTumorAlt" in records[0].filter.keys()  # no tumour data: no tumour evidence
    assert records[0].samples["TUM"]["AF"] == (0.0,)
    assert records[2].samples["TUM"]["AD"] == (11, 2, 3, 4)
    assert records[2].samples["TUM"]["AF"] == pytest.approx((0.1, 0.15, 0.2))
    assert {"LowTumorDepth", "LowNormalDepth"} <= set(records[3].filter.keys())  # zero depth


REF_SEQ = "ACGT" * 50  # c1, 200 bp; 1-based position 50 is 'C'


def test_overlapping_mates_with_the_same_alt_count_as_one_fragment(tmp_path):
    """Issue case: three false somatic SNVs came from one fragment whose two overlapping mates
    both carried them; `min_alt_reads: 2` was met by counting that fragment twice."""
    alt_read = REF_SEQ[30:49] + "T" + REF_SEQ[50:70]  # C>T at 1-based 50
    reads = [("frag1", 30, alt_read, 0x1 | 0x40), ("frag1", 30, alt_read, 0x1 | 0x80)]
    reads += [(f"ref{i}", 25 + i, REF_SEQ[25 + i : 65 + i], 0) for i in range(10)]
    bam = write_bam(tmp_path / "reads.bam", reads)
    from dnaseq.steps.fragments import count_fragments

    with pysam.AlignmentFile(str(bam)) as handle:
        got = count_fragments(handle, "c1", 50, "C", "T")
    assert (got.ref, got.alt) == (10, 1)
    # freebayes reports the two mates as 2 alt reads: enough for PASS by reads, not by fragments
    vcf = write_vcf(
        tmp_path, "c1\t50\t.\tC\tT\t30\t.\tDP=12;AO=2\tGT:DP:AD\t0/1:12:10,2\t0/0:12:12,0\n"
    )
    thresholds = somatic.Thresholds(min_depth=8, min_normal_depth=0, min_normal_lod=-100)
    by_reads = tmp_path / "by_reads.vcf.gz"
    somatic.run(vcf, by_reads, "TUM", None, thresholds)
    with pysam.VariantFile(str(by_reads)) as handle:
        assert "LowTumorAlt" not in next(iter(handle)).filter.keys()
    by_fragments = tmp_path / "by_fragments.vcf.gz"
    somatic.run(vcf, by_fragments, "TUM", None, thresholds, bams={"TUM": bam})
    with pysam.VariantFile(str(by_fragments)) as handle:
        rec = next(iter(handle))
    assert "LowTumorAlt" in rec.filter.keys()
    assert rec.samples["TUM"]["FAD"] == (10, 1)


def test_fragment_counts_for_insertions_and_deletions(tmp_path):
    # 1-based 50 = 'C' (ACGT repeat: 49 'A', 50 'C', 51 'G', 52 'T')
    ins = REF_SEQ[30:50] + "TT" + REF_SEQ[50:70]  # C -> CTT after position 50
    dele = REF_SEQ[30:50] + REF_SEQ[52:72]  # CGT -> C at 50
    reads = [("ins", 30, ins, 0), ("del", 30, dele, 0), ("ref", 30, REF_SEQ[30:70], 0)]
    reads.append(("short", 30, REF_SEQ[30:50], 0))  # ends at the anchor: supports neither
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c1", "LN": 200}]}
    path = tmp_path / "indels.bam"
    cigars = {"ins": [(0, 20), (1, 2), (0, 20)], "del": [(0, 20), (2, 2), (0, 20)]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for name, start, seq, flag in reads:
            read = pysam.AlignedSegment()
            read.query_name, read.query_sequence, read.flag = name, seq, flag
            read.reference_id, read.reference_start, read.mapping_quality = 0, start, 60
            read.cigar = cigars.get(name, [(0, len(seq))])
            read.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            bam.write(read)
    pysam.sort("-o", str(tmp_path / "s.bam"), str(path))
    pysam.index(str(tmp_path / "s.bam"))
    from dnaseq.steps.fragments import count_fragments

    with pysam.AlignmentFile(str(tmp_path / "s.bam")) as handle:
        assert (lambda c: (c.ref, c.alt))(count_fragments(handle, "c1", 50, "C", "CTT")) == (1, 1)
        assert (lambda c: (c.ref, c.alt))(count_fragments(handle, "c1", 50, "CGT", "C")) == (1, 1)


# ------------------------------------------------------------------ real runs (bundled data)


def calls(vcf: Path) -> dict[tuple[str, int, str, str], set[str]]:
    with pysam.VariantFile(str(vcf)) as handle:
        return {(r.chrom, r.pos, r.ref, r.alts[0]): set(r.filter.keys()) for r in handle}


def truth_keys(vcf: Path) -> set[tuple[str, int, str, str]]:
    with pysam.VariantFile(str(vcf)) as handle:
        return {(r.chrom, r.pos, r.ref, a) for r in handle for a in r.alts}


def test_paired_mode_calls_every_spike_and_no_germline_variant(demo_run):
    got = calls(demo_run / "results/somatic/freebayes/NA12878_T.paired.vcf.gz")
    spikes = truth_keys(SPIKES)
    assert len(spikes) == 10
    for key in spikes:  # every spike has VAF >= 10%
        assert got.get(key) == {"PASS"}, (key, got.get(key))
    germline = truth_keys(GERMLINE_TRUTH)
    assert not [k for k, f in got.items() if k in germline and f == {"PASS"}]
    with pysam.VariantFile(
        str(demo_run / "results/somatic/freebayes/NA12878_T.paired.vcf.gz")
    ) as v:
        assert list(v.header.samples) == ["NA12878_T", "NA12878_N"]
        rec = next(r for r in v if "PASS" in r.filter.keys())
        for s in ("NA12878_T", "NA12878_N"):
            assert rec.samples[s]["AD"] and rec.samples[s]["AF"] is not None


def test_tumour_only_reports_spikes_and_flags_germline(demo_run):
    got = calls(demo_run / "results/somatic/freebayes/NA12878_T.tumor_only.vcf.gz")
    for key in truth_keys(SPIKES):
        assert key in got, f"spike {key} not reported in tumour-only mode"
    germline = [f for k, f in got.items() if k in truth_keys(GERMLINE_TRUTH)]
    flagged = sum("LikelyGermline" in f for f in germline)
    assert len(germline) >= 30
    # one germline het shows only 3 of 18 tumour reads: indistinguishable from a subclonal
    # somatic variant without a normal or a population resource
    assert flagged / len(germline) >= 0.95, (flagged, len(germline))


def test_somatic_summary(demo_run):
    table = pd.read_csv(demo_run / "results/validation/somatic_summary.tsv", sep="\t")
    assert list(table.columns) == [
        "tumor",
        "caller",
        "mode",
        "tp",
        "fp",
        "fn",
        "precision",
        "recall",
    ]
    paired = table[(table["mode"] == "paired") & (table["caller"] == "freebayes")].iloc[0]
    assert (paired["tp"], paired["fn"]) == (10, 0)


def test_tmb_json(demo_run):
    import json

    tmb = json.loads((demo_run / "results/somatic/tmb/NA12878_T.paired.json").read_text())
    assert tmb["callable_bp"] > 5000
    # the bundled panel is ~0.006 Mb, far below somatic.tmb.min_territory_mb (0.5): no value
    assert tmb["tmb_per_mb"] is None and not tmb["evaluable"]
    assert "< 0.5 Mb" in tmb["not_evaluable_reason"]
    # computed from the call set the report lists (the ensemble), not from one caller
    assert tmb["settings"]["caller"] == "ensemble"
    assert "callable target territory" in tmb["definition"]
    # chr20 of the test genome has no annotation: no coding variant, all PASS still counted
    assert tmb["nonsynonymous_coding_variants"] == 0 and tmb["all_pass_variants"] >= 9
    html = (demo_run / "results/multiqc/multiqc_report.html").read_text()
    for section in ("Tumour mutational burden", "Panel coverage", "HsMetrics"):
        assert section in html


def test_panel_coverage_agrees_with_samtools_depth(demo_run):
    table = pd.read_csv(demo_run / "results/qc/panel/NA12878_T.per_target.tsv", sep="\t")
    assert len(table) == 22
    bam = demo_run / "results/mapping/samtools/NA12878_T.dedup.bam"
    for row in table.iloc[::5].itertuples():
        out = subprocess.run(
            [
                "samtools",
                "depth",
                "-a",
                "-s",
                "-r",
                f"{row.contig}:{row.start + 1}-{row.end}",
                str(bam),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        depths = [int(line.split("\t")[2]) for line in out]
        assert len(depths) == row.length
        assert row.mean_depth == pytest.approx(sum(depths) / len(depths), abs=0.02), row.target
        at20 = 100 * sum(d >= 20 for d in depths) / len(depths)
        assert row.pct_ge_20x == pytest.approx(at20, abs=0.01)
    # not adequately tested: mean depth < 20x, or < 95 % of the target's bases at >= 20x (T21:
    # 20.4x mean but only 45 % of its bases at 20x was missed when only the mean counted)
    low = (demo_run / "results/qc/panel/NA12878_T.low_coverage.bed").read_text().splitlines()
    listed = {line.split("\t")[3]: line.split("\t") for line in low}
    expected = table.loc[(table.mean_depth < 20) | (table.pct_ge_20x < 95), "target"]
    assert set(listed) == set(expected) and "T21" in listed
    assert "< 95 %" in listed["T21"][6] and float(listed["T21"][5]) < 95


def test_swapped_normal_stops_that_patient(tmp_path):
    samples = pd.DataFrame(
        {"sample": ["TUM", "NOR"], "patient": ["P1", "P1"], "type": ["tumor", "normal"]}
    )
    reads = {
        s: [absolute(f"resources/test/reads/{s}_L001_R{m}.fastq.gz") for m in (1, 2)]
        for s in ("SIM01", "SIM02")
    }
    units = pd.DataFrame(
        [  # the "normal" is another person's reads
            {"sample": "TUM", "unit": "L1", "fq1": reads["SIM01"][0], "fq2": reads["SIM01"][1]},
            {"sample": "NOR", "unit": "L1", "fq1": reads["SIM02"][0], "fq2": reads["SIM02"][1]},
        ]
    )
    targets = tmp_path / "targets.bed"
    targets.write_text("chr21\t5100000\t5160000\tPANEL_1\n")
    cfg = make_config(
        tmp_path,
        {
            "somatic": {"targets": str(targets)},
            # a one-target panel: CNVkit would refuse it at start-up (cnv.min_targets)
            "cnv": {"enabled": False},
            "annotation": {"tool": "none"},
            "validation": {},
            "validation_somatic": {},
            "identity": {"expected": {}},
        },
        units=units,
        samples=samples,
    )
    proc = snakemake(tmp_path, cfg, "--until", "classify_somatic_freebayes", "--keep-going")
    assert proc.returncode != 0
    log = (tmp_path / "logs/somatic/identity/TUM.log").read_text()
    assert "TUMOUR/NORMAL IDENTITY CHECK FAILED: tumour TUM and normal NOR are two people" in log
    lod = float(log.split("LOD ", 1)[1].split()[0])
    assert lod <= -3
    assert not (tmp_path / "results/somatic/freebayes/TUM.paired.vcf.gz").exists()
    # tumour-only analysis of the same tumour does not depend on the normal and went through
    assert (tmp_path / "results/somatic/freebayes/TUM.tumor_only.vcf.gz").exists()


# ------------------------------------------------------------------ Mutect2 / MSI (dry run)


@pytest.fixture(scope="module")
def mutect2_commands(tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("mutect2_dry")
    germline = absolute("resources/test/truth/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz")
    cfg = make_config(
        workdir,
        {
            "somatic": {
                "callers": ["mutect2"],
                "germline_resource": germline,
                "panel_of_normals": germline,
                "contamination_sites": germline,
                "msi": {"enabled": True},
                "tmb": {"caller": "mutect2"},
            }
        },
    )
    return snakemake(workdir, cfg, "-n", "-p", check=True).stdout


def test_mutect2_paired_and_tumour_only(mutect2_commands):
    m2 = re.findall(r"gatk .*Mutect2 .*", mutect2_commands)
    assert len(m2) == 2
    paired = next(c for c in m2 if "-normal NA12878_N" in c)
    bams = "results/mapping/samtools/NA12878_{}.dedup.bam"
    assert f"-I {bams.format('T')} -I {bams.format('N')}" in paired
    tumor_only = next(c for c in m2 if "-normal NA12878_N" not in c)
    assert "-I results/mapping/samtools/NA12878_N.dedup.bam" not in tumor_only
    for cmd in m2:
        assert "--germline-resource" in cmd and "--panel-of-normals" in cmd
        assert "-L results/somatic/targets.padded.bed" in cmd
        assert "--f1r2-tar-gz results/somatic/mutect2/NA12878_T." in cmd


def test_mutect2_filtering_chain(mutect2_commands):
    assert (
        "LearnReadOrientationModel -I results/somatic/mutect2/NA12878_T.paired.f1r2.tar.gz"
        in mutect2_commands
    )
    pileups = re.findall(r"GetPileupSummaries -I (\S+)", mutect2_commands)
    assert sorted(pileups) == [
        "results/mapping/samtools/NA12878_N.dedup.bam",
        "results/mapping/samtools/NA12878_T.dedup.bam",
    ]
    assert "-matched results/somatic/contamination/NA12878_N.pileups.table" in mutect2_commands
    filt = [
        c for c in re.findall(r"gatk .*FilterMutectCalls.*", mutect2_commands) if ".paired." in c
    ]
    assert filt
    for option in (
        "--stats results/somatic/mutect2/NA12878_T.paired.unfiltered.vcf.gz.stats",
        "--ob-priors results/somatic/mutect2/NA12878_T.paired.read_orientation_model",
        "--contamination-table",
        "--tumor-segmentation",
    ):
        assert option in filt[0]
    assert "bcftools norm -f results/reference/genome.fa -m -any" in filt[0]


def test_msisensor_pro_paired(mutect2_commands):
    assert "msisensor-pro scan -d results/reference/genome.fa" in mutect2_commands
    msi = re.findall(r"msisensor-pro msi .*", mutect2_commands)
    assert len(msi) == 1
    bams = "results/mapping/samtools/NA12878_{}.dedup.bam"
    assert f"-n {bams.format('N')} -t {bams.format('T')}" in msi[0]
