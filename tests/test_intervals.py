"""Unit tests for dnaseq.steps.intervals (scatter chunks for calling)."""

import subprocess

import pytest

from dnaseq.steps import intervals as mi


def test_split_chunks_balanced_in_order_and_complete():
    intervals = [("c1", 0, 1000), ("c1", 2000, 2500), ("c2", 0, 1500)]
    chunks = mi.split_chunks(intervals, 3)
    assert len(chunks) == 3
    sizes = [sum(e - s for _, s, e in ch) for ch in chunks]
    assert sum(sizes) == 3000 and max(sizes) - min(sizes) <= 1
    flat = [iv for ch in chunks for iv in ch]
    # genome order is kept and intervals are only cut, never reordered or overlapping
    assert flat == sorted(flat, key=lambda iv: (iv[0], iv[1]))
    assert list(mi.merge(flat)) == [("c1", 0, 1000), ("c1", 2000, 2500), ("c2", 0, 1500)]


def test_split_more_chunks_than_bases_keeps_count():
    assert len(mi.split_chunks([("c", 0, 2)], 4)) == 4


def test_non_n_intervals_skip_long_n_runs(tmp_path):
    fa = tmp_path / "g.fa"
    fa.write_text(">c1\n" + "N" * 10 + "ACGT" * 5 + "N" * 200 + "ACGT" + "NN" + "GG\n")
    subprocess.run(["samtools", "faidx", str(fa)], check=True)
    got = list(mi.non_n_intervals(fa, mi.read_fai(tmp_path / "g.fa.fai"), min_gap=100))
    assert got == [("c1", 10, 30), ("c1", 230, 238)]  # the 2-N gap is bridged, the 200-N gap is not


def test_read_bed_pads_clips_and_merges(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("c1\t10\t20\nc1\t25\t30\nc1\t95\t100\n")
    assert mi.read_bed(bed, [("c1", 100)], padding=5) == [("c1", 5, 35), ("c1", 90, 100)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chrX\t1\t10", "line 1: contig 'chrX' is not in the reference"),
        ("c1\t10\t5", "line 1: bad interval c1:10-5"),
        ("c1\t1\t1000", "line 1: interval ends at 1000, past the end of c1 \\(100 bp"),
        ("c1\tone\t10", "line 1: start/end 'one'/'10' are not integers"),
        ("c1\t1", "line 1: expected 3 tab-separated columns"),
    ],
)
def test_read_bed_errors_name_the_line(tmp_path, line, message):
    bed = tmp_path / "t.bed"
    bed.write_text(line + "\n")
    with pytest.raises(ValueError, match=message):
        mi.read_bed(bed, [("c1", 100)], padding=0)
