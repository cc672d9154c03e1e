"""Coverage over every target, whether or not its contig has reads: real mosdepth on a BAM whose
second contig has no read, then the completion step the workflow runs after it, then the QC gate
and the report's breadth figure reading the result."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pysam
import pytest

from dnaseq.report.qc import fraction_at_depth
from dnaseq.steps import coverage_complete, qc_gate


def two_contig_bam(path: Path) -> Path:
    """20 reads of 50 bp stacked on c1:0-50 (20x there), nothing on c2."""
    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": "c1", "LN": 1000}, {"SN": "c2", "LN": 1000}],
    }
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for i in range(20):
            read = pysam.AlignedSegment()
            read.query_name, read.query_sequence, read.flag = f"r{i}", "A" * 50, 0
            read.reference_id, read.reference_start, read.mapping_quality = 0, 0, 60
            read.cigar = [(0, 50)]
            read.query_qualities = pysam.qualitystring_to_array("I" * 50)
            bam.write(read)
    pysam.index(str(path))
    return path


@pytest.fixture
def mosdepth_run(tmp_path):
    bam = two_contig_bam(tmp_path / "s.bam")
    bed = tmp_path / "targets.bed"
    bed.write_text("c1\t0\t50\tT1\nc2\t100\t250\tT2\n")
    prefix = tmp_path / "s"
    subprocess.run(
        ["mosdepth", "--no-per-base", "--by", str(bed), str(prefix), str(bam)], check=True
    )
    summary = Path(f"{prefix}.mosdepth.summary.txt")
    dist = Path(f"{prefix}.mosdepth.region.dist.txt")
    return bed, summary, dist


def test_mosdepth_alone_forgets_the_unread_contig(mosdepth_run):
    """What the step repairs (fails if a future mosdepth counts the contig itself)."""
    _, summary, dist = mosdepth_run
    assert "c2_region" not in summary.read_text()
    assert qc_gate.mosdepth_mean(summary) == 20.0  # the read target alone
    assert fraction_at_depth(dist, 20) == 1.0


def test_every_target_counts_after_completion(mosdepth_run):
    bed, summary, dist = mosdepth_run
    assert coverage_complete.main(["--bed", str(bed), "--summary", str(summary),
                                   "--region-dist", str(dist)]) == 0  # fmt: skip
    # 50 bp at 20x and 150 bp at 0x: 1000 / 200 = 5x over the territory, 25 % at >= 20x
    assert qc_gate.mosdepth_mean(summary) == 5.0
    assert "c2_region\t150\t0\t0.00" in summary.read_text()
    assert fraction_at_depth(dist, 20) == 0.25
    assert fraction_at_depth(dist, 0) == 1.0
    # run twice (a rerun of the job's last step): the same files
    before = (summary.read_text(), dist.read_text())
    coverage_complete.main(["--bed", str(bed), "--summary", str(summary),
                            "--region-dist", str(dist)])  # fmt: skip
    assert (summary.read_text(), dist.read_text()) == before


def test_no_read_anywhere_is_zero_not_missing(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("c1\t0\t100\nc2\t0\t100\n")
    summary = tmp_path / "s.txt"
    summary.write_text("chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t2000\t0\t0.00\t0\t0\n")
    dist = tmp_path / "d.txt"
    dist.write_text("")
    coverage_complete.main(["--bed", str(bed), "--summary", str(summary),
                            "--region-dist", str(dist)])  # fmt: skip
    assert qc_gate.mosdepth_mean(summary) == 0.0
    assert "total_region\t200\t0\t0.00" in summary.read_text()
    assert fraction_at_depth(dist, 1) == 0.0
