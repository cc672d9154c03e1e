"""The catalogue of bad inputs: each kind is fed to the checks and the message is asserted.

Function-level tests cover every kind; workflow-level tests (at the end) show that start-up
checks stop Snakemake before any job and that deep checks stop a unit before it is aligned.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, make_config, snakemake, units_table
from dnaseq.core.preflight_fastq import check_fastq_head, check_fastq_pair
from dnaseq.core.preflight_reference import (
    check_bed_against_reference,
    check_gff_against_reference,
    check_indexed_vcf,
    check_reference,
    check_reference_head,
    check_vcf_against_reference,
)
from dnaseq.core.sheets import InputError

REC = "@r{i}/{m}\n{seq}\n+\nIIIIIIIIII\n"
MATE_SEQ = {1: "ACGTACGTAC", 2: "TTGCATGCAA"}  # the two ends of a fragment differ


def rec(i: int, mate: int) -> str:
    return REC.format(i=i, m=mate, seq=MATE_SEQ[mate])


def fastq(path: Path, n: int = 3, mate: int = 1, body: str | None = None) -> Path:
    text = body if body is not None else "".join(rec(i, mate) for i in range(n))
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    return path


def pair(tmp_path: Path, n1: int = 3, n2: int = 3) -> tuple[Path, Path]:
    return fastq(tmp_path / "R1.fastq.gz", n1, 1), fastq(tmp_path / "R2.fastq.gz", n2, 2)


# ------------------------------------------------------------------ FASTQ: start-up (cheap)


def test_good_pair_passes(tmp_path):
    assert check_fastq_pair(*pair(tmp_path)) == 3


def test_fastq_missing(tmp_path):
    with pytest.raises(InputError, match=r"FASTQ .*absent.fastq.gz: file not found"):
        check_fastq_head(tmp_path / "absent.fastq.gz")


def test_fastq_is_a_directory(tmp_path):
    with pytest.raises(InputError, match="is not a regular file"):
        check_fastq_head(tmp_path)


def test_fastq_empty_file(tmp_path):
    (tmp_path / "e.fastq.gz").write_bytes(b"")
    with pytest.raises(InputError, match="e.fastq.gz: file is empty"):
        check_fastq_head(tmp_path / "e.fastq.gz")


def test_fastq_without_reads(tmp_path):
    with pytest.raises(InputError, match="contains no reads"):
        check_fastq_head(fastq(tmp_path / "z.fastq.gz", body=""))


def test_fastq_not_gzipped(tmp_path):
    (tmp_path / "p.fastq.gz").write_text(rec(0, 1))
    with pytest.raises(InputError, match="not gzip-compressed"):
        check_fastq_head(tmp_path / "p.fastq.gz")


def test_fastq_is_not_fastq(tmp_path):
    path = fastq(tmp_path / "x.fastq.gz", body=">seq1\nACGT\n>seq2\nACGT\n")
    with pytest.raises(InputError, match=r"record 1 \(line 1\): header does not start with '@'"):
        check_fastq_head(path)


def test_fastq_binary_content(tmp_path):
    path = tmp_path / "b.fastq.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"@r\n\xff\xfe\x00\x01\n+\nII\n")
    with pytest.raises(InputError, match="non-text"):
        check_fastq_head(path)


# ------------------------------------------------------------------ FASTQ: deep (whole file)


def test_fastq_truncated_gzip(tmp_path):
    r1, r2 = pair(tmp_path, 2000, 2000)
    data = r1.read_bytes()
    r1.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="gzip data is corrupt or truncated"):
        check_fastq_pair(r1, r2)


def test_fastq_corrupt_gzip_crc(tmp_path):
    r1, r2 = pair(tmp_path, 50, 50)
    data = bytearray(r1.read_bytes())
    data[-6] ^= 0xFF  # flip a CRC byte
    r1.write_bytes(bytes(data))
    with pytest.raises(InputError, match="gzip data is corrupt or truncated"):
        check_fastq_pair(r1, r2)


def test_fastq_pair_different_read_counts(tmp_path):
    r1, r2 = pair(tmp_path, 5, 4)
    with pytest.raises(InputError, match=r"R1.fastq.gz has more reads than .*R2.fastq.gz"):
        check_fastq_pair(r1, r2)


def test_fastq_pair_mismatched_names(tmp_path):
    r1 = fastq(tmp_path / "R1.fastq.gz", 3, 1)
    r2 = fastq(
        tmp_path / "R2.fastq.gz",
        body=rec(0, 2) + rec(7, 2),
    )
    with pytest.raises(
        InputError, match=r"read names differ at record 2 \(line 5\): .* 'r1/1'.* 'r7/2'"
    ):
        check_fastq_pair(r1, r2)


def test_fastq_sequence_quality_length_differ(tmp_path):
    r1 = fastq(
        tmp_path / "R1.fastq.gz",
        body=rec(0, 1) + "@r1/1\nACGT\n+\nIII\n",
    )
    r2 = fastq(tmp_path / "R2.fastq.gz", 2, 2)
    with pytest.raises(
        InputError, match=r"record 2 \(line 5\): sequence and quality .* \(4 vs 3\)"
    ):
        check_fastq_pair(r1, r2)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("truncated", "record is incomplete"),
        ("empty_plus", "third line does not start with '+'"),
        ("blank_line_at_end", "record is incomplete"),
        ("bad_quality", "quality characters outside Phred+33 range"),
        ("short_quality", "different lengths (10 vs 9)"),
        ("no_at", "header does not start with '@'"),
        ("no_name", "header has no read name"),
    ],
)
def test_bulk_check_names_the_same_record_as_the_record_reader(
    tmp_path, monkeypatch, fault, message
):
    """The deep check reads and checks blocks of records in bulk (the record-by-record reader
    costs twice the time); with blocks of 4 records and the fault in record 7 (the second
    block), it must stop at the record the record-by-record reader names, with its message."""
    from dnaseq.core import preflight_fastq

    monkeypatch.setattr(preflight_fastq, "BLOCK_RECORDS", 4)
    monkeypatch.setattr(preflight_fastq, "READ_BYTES", 50)  # reads end inside lines and records
    records = [rec(i, 1) for i in range(10)]
    broken = {
        "truncated": lambda: "".join(records[:6]) + "@r6/1\nACGTACGTAC\n",
        "empty_plus": lambda: "".join(records[:6]) + records[6].replace("\n+\n", "\n\n"),
        "blank_line_at_end": lambda: "".join(records) + "\n",
        "bad_quality": lambda: "".join(records[:6]) + records[6].replace("IIII", "II\x7fI"),
        "short_quality": lambda: "".join(records[:6]) + records[6].replace("IIIIIIIIII", "I" * 9),
        "no_at": lambda: "".join(records[:6]) + records[6].replace("@", ">"),
        "no_name": lambda: "".join(records[:6]) + records[6].replace("@r6/1", "@ "),
    }[fault]()
    path = fastq(tmp_path / "R1.fastq.gz", body=broken)
    with pytest.raises(InputError) as by_record:
        list(preflight_fastq.fastq_records(path))
    with pytest.raises(InputError) as in_bulk:
        list(preflight_fastq.fastq_blocks(path))
    assert message in str(in_bulk.value)
    assert str(in_bulk.value) == str(by_record.value)
    expected_record = 11 if fault == "blank_line_at_end" else 7
    assert f"record {expected_record} " in str(in_bulk.value)


def test_bulk_check_pairs_mates_of_other_lengths_across_blocks(tmp_path, monkeypatch):
    """R2 reads shorter than R1 (e.g. 151 + 101 cycles), CRLF line ends, no newline at the
    end: the blocks of both files hold the same records, so the pair passes."""
    from dnaseq.core import preflight_fastq

    monkeypatch.setattr(preflight_fastq, "BLOCK_RECORDS", 3)
    monkeypatch.setattr(preflight_fastq, "READ_BYTES", 37)
    r1 = "".join(f"@r{i}/1\n{'ACGT' * 30}\n+\n{'I' * 120}\n" for i in range(10))
    r2 = "".join(f"@r{i}/2\r\nTTGCA\r\n+\r\nIIIII\r\n" for i in range(10)).rstrip()
    p1 = fastq(tmp_path / "R1.fastq.gz", body=r1)
    p2 = fastq(tmp_path / "R2.fastq.gz", body=r2)
    assert preflight_fastq.check_fastq_pair(p1, p2) == 10
    names = [name for _, names, _, _ in preflight_fastq.fastq_blocks(p2) for name in names]
    assert names == [f"r{i}/2" for i in range(10)]


def test_fastq_incomplete_last_record(tmp_path):
    r1 = fastq(tmp_path / "R1.fastq.gz", body=rec(0, 1) + "@r1/1\nACGT\n")
    r2 = fastq(tmp_path / "R2.fastq.gz", 2, 2)
    with pytest.raises(InputError, match="record 2 .*incomplete"):
        check_fastq_pair(r1, r2)


# ------------------------------------------------------------------ reference, BED, VCF, GFF3

LENGTHS = {"chr20": 1000, "chr21": 500}


def test_reference_missing(tmp_path):
    with pytest.raises(InputError, match="reference FASTA .*: file not found"):
        check_reference_head(tmp_path / "nope.fa")


def test_reference_not_fasta(tmp_path):
    (tmp_path / "r.fa").write_text("ACGT\n")
    with pytest.raises(InputError, match=r"line 1: does not start with '>'"):
        check_reference_head(tmp_path / "r.fa")


def test_reference_duplicate_contig(tmp_path):
    (tmp_path / "r.fa").write_text(">a\nACGT\n>b desc\nAC\n>a\nGG\n")
    with pytest.raises(InputError, match=r"line 5: contig name 'a' already used on line 1"):
        check_reference(tmp_path / "r.fa")


def test_reference_contig_without_sequence(tmp_path):
    (tmp_path / "r.fa").write_text(">a\n>b\nAC\n")
    with pytest.raises(InputError, match="contig 'a' has no sequence"):
        check_reference(tmp_path / "r.fa")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "20\t10\t20",
            r"line 1: contig '20' is not in the reference \(the reference calls it 'chr20'",
        ),
        ("chr20\t900\t1200", "line 1: interval ends at 1200, past the end of chr20 .1000 bp"),
        ("chr20\t30\t20", r"line 1: bad interval chr20:30-20 \(BED needs 0 <= start < end\)"),
        ("chr20\t-5\t20", "bad interval chr20:-5-20"),
        ("chr20\tten\t20", "line 1: start/end 'ten'/'20' are not integers"),
        ("chr20 10 20", "line 1: expected 3 tab-separated columns"),
    ],
)
def test_bed_errors(tmp_path, line, message):
    bed = tmp_path / "t.bed"
    bed.write_text(f"# header\n{line}\n".replace("line 1", "line 2"))
    with pytest.raises(InputError, match=message.replace("line 1", "line 2")):
        check_bed_against_reference(bed, "target BED", LENGTHS)


def vcf(tmp_path: Path, contig: str, length: int, pos: int) -> Path:
    path = tmp_path / "t.vcf"
    path.write_text(
        f"##fileformat=VCFv4.2\n##contig=<ID={contig},length={length}>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"{contig}\t{pos}\t.\tA\tG\t.\tPASS\t.\n"
    )
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    subprocess.run(["tabix", "-p", "vcf", f"{path}.gz"], check=True)
    return Path(f"{path}.gz")


def test_vcf_other_build_by_contig_length(tmp_path):
    path = vcf(tmp_path, "chr20", 64444167, 10)
    with pytest.raises(
        InputError, match="header says chr20 is 64444167 bp, .* another genome build"
    ):
        check_vcf_against_reference(path, "truth VCF", LENGTHS)
    check_vcf_against_reference(path, "truth VCF", LENGTHS, sliced=True)  # allowed for slices


def test_vcf_contig_naming_differs(tmp_path):
    path = vcf(tmp_path, "20", 1000, 10)
    with pytest.raises(
        InputError, match=r"record 1 \(20:10\): contig '20' is not in the reference"
    ):
        check_vcf_against_reference(path, "truth VCF", LENGTHS)


def test_vcf_record_past_contig_end(tmp_path):
    path = vcf(tmp_path, "chr21", 500, 700)
    with pytest.raises(InputError, match="position is past the end of chr21"):
        check_vcf_against_reference(path, "known-sites VCF", LENGTHS, sliced=True)


def test_vcf_not_indexed(tmp_path):
    path = vcf(tmp_path, "chr21", 500, 7)
    Path(f"{path}.tbi").unlink()
    with pytest.raises(InputError, match="no .tbi or .csi index next to it"):
        check_indexed_vcf(path, "truth VCF")


def test_gff_on_other_naming(tmp_path):
    gff = tmp_path / "g.gff3"
    gff.write_text("##gff-version 3\n21\tens\tgene\t1\t100\t.\t+\t.\tID=g\n")
    with pytest.raises(InputError, match="none of its sequence names is in the reference"):
        check_gff_against_reference(gff, LENGTHS)


# ------------------------------------------------------------------ in the workflow


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "units.tsv, line 2: FASTQ {fq}: file not found"),
        ("empty", "units.tsv, line 2: FASTQ {fq}: file is empty"),
        ("plain", "units.tsv, line 2: FASTQ {fq}: not gzip-compressed"),
        ("same", "units.tsv, line 2: fq1 and fq2 are the same file"),
    ],
)
def test_startup_fastq_errors_stop_before_any_job(tmp_path, kind, message):
    units = units_table()
    fq = tmp_path / "bad_R1.fastq.gz"
    if kind == "empty":
        fq.write_bytes(b"")
    elif kind == "plain":
        fq.write_text(rec(0, 1))
    units.loc[0, "fq1"] = units.loc[0, "fq2"] if kind == "same" else str(fq)
    proc = snakemake(tmp_path, make_config(tmp_path, units=units), "-n")
    assert proc.returncode != 0
    assert message.format(fq=fq) in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


def test_startup_bad_target_bed(tmp_path):
    bed = tmp_path / "targets.bed"
    bed.write_text("chr20\t10000100\t10000050\n")
    proc = snakemake(tmp_path, make_config(tmp_path, {"targets": {"bed": str(bed)}}), "-n")
    assert proc.returncode != 0
    assert f"target BED {bed}, line 1: bad interval" in proc.stdout + proc.stderr


def test_deep_check_stops_unit_before_alignment(tmp_path):
    """A truncated R2 passes the cheap start-up check but fails the first job of its unit."""
    units = units_table()
    bad = tmp_path / "trunc_R2.fastq.gz"
    data = Path(units.loc[0, "fq2"]).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    units.loc[0, "fq2"] = str(bad)
    cfg = make_config(tmp_path, {"annotation": {"tool": "none"}}, units=units)
    targets = [f"results/mapping/samtools/{s}.dedup.bam" for s in ("NA12878", "SIM01")]
    proc = snakemake(tmp_path, cfg, "--keep-going", *targets)
    assert proc.returncode != 0
    log = (tmp_path / "logs/preflight/fastq_pair/NA12878.C0D8DACXX.1.log").read_text()
    assert f"FASTQ {bad}: gzip data is corrupt or truncated" in log
    assert not (tmp_path / "results/qc/fastp/NA12878.C0D8DACXX.1.fastp.json").exists()
    assert not list((tmp_path / "results/mapping").glob("NA12878.*"))
    # the other sample's units went through
    assert (tmp_path / "results/mapping/samtools/SIM01.dedup.bam").exists()


def test_deep_check_build_mismatch_of_truth(tmp_path):
    truth = tmp_path / "truth_b37_names.vcf.gz"
    src = REPO / "resources/test/truth/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz"
    with subprocess.Popen(["bcftools", "view", str(src)], stdout=subprocess.PIPE, text=True) as p:
        text = p.stdout.read().replace("chr20", "20")
    plain = truth.with_suffix("")
    plain.write_text(text)
    subprocess.run(["bgzip", "-f", str(plain)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(truth)], check=True)
    cfg = make_config(tmp_path, {"validation": {"NA12878": {"truth_vcf": str(truth)}}})
    proc = snakemake(tmp_path, cfg, "--until", "check_reference_inputs")
    assert proc.returncode != 0
    log = (tmp_path / "logs/preflight/reference.log").read_text()
    assert "contig '20' is not in the reference (the reference calls it 'chr20'" in log


def test_preflight_command_line_passes_on_shipped_config(tmp_path):
    cfg = make_config(tmp_path)
    proc = subprocess.run(
        ["python", "-m", "dnaseq.cli", "preflight", "all", "--config", str(cfg), "--deep"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "NA12878 C0D8DACXX.1: 25839 read pairs" in proc.stdout
    assert "all checks passed" in proc.stdout


def test_preflight_command_line_reports_error(tmp_path):
    units = units_table()
    shutil.copy(units.loc[1, "fq1"], tmp_path / "dup.fastq.gz")
    units.loc[2, "fq2"] = units.loc[1, "fq2"]
    cfg = make_config(tmp_path, units=units)
    proc = subprocess.run(
        ["python", "-m", "dnaseq.cli", "preflight", "all", "--config", str(cfg)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "INPUT ERROR:" in proc.stderr and "is already used on line 3" in proc.stderr
