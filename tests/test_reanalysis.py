"""Re-analysis of stored alignments (units sheet `bam`/`cram`): headers checked at start-up
against the sheet and the reference, reused (enter at duplicate marking) or realigned per read
group, and the same calls as the FASTQ run.

Unit tests of dnaseq.core.alignment_inputs use small BAM/CRAM files written with pysam; the
start-up errors are checked with dry runs; the end-to-end tests give the bundled run's own
NA12878 alignment back to the workflow (as BAM, reused, written as CRAM; then that CRAM,
realigned) and compare the calls with the FASTQ run's.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest

from conftest import REPO, SCENARIO, make_config, snakemake, vcf_records
from dnaseq.core import alignment_inputs as ai
from dnaseq.core.sheets import InputError
from dnaseq.steps import alignment_source

REFERENCE = REPO / "resources/test/reference/test_genome.fa.gz"


@pytest.fixture(scope="module")
def reference_contigs() -> list[ai.Contig]:
    return ai.fasta_contigs(REFERENCE)


def write_alignment(
    path: Path,
    contigs: list[ai.Contig],
    read_groups: list[dict[str, str]],
    fmt: str = "bam",
    reference: Path | None = None,
    with_md5: bool = True,
    pg: list[dict[str, str]] | None = None,
) -> Path:
    """A small coordinate-sorted BAM/CRAM: two read pairs per read group on the first contig
    (positions 9,000,000+; the bundled reads cover chr20 there)."""
    sq = []
    for c in contigs:
        entry: dict = {"SN": c.name, "LN": c.length}
        if with_md5:
            entry["M5"] = c.md5_prepared or c.md5
        sq.append(entry)
    header: dict = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": sq}
    if read_groups:
        header["RG"] = read_groups
    if pg:
        header["PG"] = pg
    mode = "wc" if fmt == "cram" else "wb"
    kwargs = {"reference_filename": str(reference)} if fmt == "cram" else {}
    reads = []
    for i, rg in enumerate(read_groups or [{"ID": ""}]):
        for pair in range(2):
            start = 9_000_000 + 1000 * (2 * i + pair)
            for mate, (pos, flag) in enumerate(((start, 99), (start + 200, 147))):
                r = pysam.AlignedSegment()
                r.query_name = f"r{i}_{pair}"
                r.query_sequence = "ACGT" * 25
                r.flag, r.reference_id, r.reference_start = flag, 0, pos
                r.mapping_quality, r.cigar = 60, [(0, 100)]
                r.next_reference_id, r.next_reference_start = 0, start + 200 * (1 - mate)
                r.template_length = 300 if mate == 0 else -300
                r.query_qualities = pysam.qualitystring_to_array("I" * 100)
                if rg.get("ID"):
                    r.set_tag("RG", rg["ID"])
                reads.append(r)
    with pysam.AlignmentFile(str(path), mode, header=header, **kwargs) as out:
        for r in sorted(reads, key=lambda r: r.reference_start):
            out.write(r)
    return path


def renamed_reference(tmp_path: Path) -> Path:
    """The bundled reference with chr20 -> 20, chr21 -> 21 (same sequences), indexed."""
    fasta = tmp_path / "renamed.fa"
    with gzip.open(REFERENCE, "rt") as src, open(fasta, "w") as dst:
        for line in src:
            dst.write(line.replace(">chr", ">") if line.startswith(">") else line)
    pysam.faidx(str(fasta))
    return fasta


def plan(units_rows: list[dict], tmp_path: Path, **mapping) -> tuple[pd.DataFrame, dict]:
    units = pd.DataFrame(units_rows).astype(object)
    units["sheet_line"] = range(2, 2 + len(units))
    config = {"reference": {"fasta": str(REFERENCE)}, "mapping": mapping}
    return ai.expand_units(units, config, "units.tsv", tmp_path / "cache")


# ------------------------------------------------------------------------------- unit tests


def test_identical_reference_is_reused_and_a_bam_without_m5_realigned(tmp_path, reference_contigs):
    rg = [{"ID": "FC1.1", "SM": "S1", "LB": "lib1", "PU": "FC1.1.S1", "PL": "ILLUMINA"}]
    good = write_alignment(tmp_path / "good.bam", reference_contigs, rg)
    plain = write_alignment(tmp_path / "plain.bam", reference_contigs, rg, with_md5=False)
    units, sources = plan(
        [{"sample": "S1", "unit": "a", "bam": str(good)},
         {"sample": "S1", "unit": "b", "bam": str(plain)}],
        tmp_path, reuse_alignments=True,
    )  # fmt: skip
    assert sources[("S1", "a")].mode == "reuse"
    assert sources[("S1", "a")].reference == "identical"
    assert sources[("S1", "b")].mode == "realign"
    assert sources[("S1", "b")].reference == "unverified"
    assert "no M5" in sources[("S1", "b")].reason
    # the realigned file's read group keeps ID, LB, PU, PL; its ID clashed with unit a's? no:
    # reused units keep their own read groups, the realigned one is renamed only on a clash
    row = units.set_index("unit").loc["b"]
    assert row["mode"] == "realign"
    assert row["read_group"].startswith(
        "@RG\\tID:FC1.1\\tSM:S1\\tLB:lib1\\tPL:ILLUMINA\\tPU:FC1.1.S1"
    )
    # reuse needs the switch
    _, sources = plan([{"sample": "S1", "unit": "a", "bam": str(good)}], tmp_path)
    assert sources[("S1", "a")].mode == "realign"
    assert sources[("S1", "a")].reason == "mapping.reuse_alignments is false"


def test_each_read_group_becomes_a_unit_and_fastq_rows_stay(tmp_path, reference_contigs):
    rgs = [
        {"ID": "FC1:1", "SM": "S1", "LB": "lib1", "PU": "FC1.1"},
        {"ID": "FC1:2", "SM": "S1", "LB": "lib1", "PU": "FC1.2"},
    ]
    bam = write_alignment(tmp_path / "two_lanes.bam", reference_contigs, rgs)
    units, sources = plan(
        [{"sample": "S1", "unit": "old", "bam": str(bam)},
         {"sample": "S1", "unit": "new", "fq1": "x_R1.fastq.gz", "fq2": "x_R2.fastq.gz"}],
        tmp_path,
    )  # fmt: skip
    assert list(units["unit"]) == ["old.FC1_1", "old.FC1_2", "new"]
    assert list(units["mode"]) == ["realign", "realign", "fastq"]
    assert "\\tPU:FC1.2" in units.iloc[1]["read_group"]
    assert sources[("S1", "old")].units == ["old.FC1_1", "old.FC1_2"]


@pytest.mark.parametrize(
    ("groups", "override", "message"),
    [
        ([], False, "the header has no @RG line, so no SM (sample) tag"),
        ([{"ID": "L1"}], False, "@RG 'L1' has no SM (sample) tag"),
        ([{"ID": "L1", "SM": "S1"}, {"ID": "L2", "SM": "S2"}], False,
         "the header names 2 samples (ID 'L1' SM 'S1', ID 'L2' SM 'S2')"),
        ([{"ID": "L1", "SM": "OTHER"}], False, "the header's samples are SM 'OTHER'"),
    ],
)  # fmt: skip
def test_sample_errors_name_file_and_tags(tmp_path, reference_contigs, groups, override, message):
    bam = write_alignment(tmp_path / "x.bam", reference_contigs, groups)
    with pytest.raises(InputError) as err:
        plan([{"sample": "S1", "unit": "a", "bam": str(bam)}], tmp_path)
    assert str(err.value).startswith(f"units.tsv, line 2: {bam}: ")
    assert message in str(err.value)
    assert "sample_override" in str(err.value)
    # the sheet's override replaces every SM
    _, sources = plan(
        [{"sample": "S1", "unit": "a", "bam": str(bam), "sample_override": "yes"}], tmp_path
    )
    assert {rg["SM"] for rg in sources[("S1", "a")].read_groups} == {"S1"}


def test_reference_differences_in_words(reference_contigs):
    first, second = reference_contigs
    renamed = [ai.Contig("20", first.length, first.md5), second]
    assert (
        "is the reference's 'chr20' under another name"
        in ai.compare_with_reference(renamed, reference_contigs).detail
    )
    longer = [ai.Contig("chr20", first.length + 1, None), second]
    assert (
        "10,110,001 bp in the file" in ai.compare_with_reference(longer, reference_contigs).detail
    )
    patched = [ai.Contig("chr20", first.length, "0" * 32), second]
    assert "different sequence" in ai.compare_with_reference(patched, reference_contigs).detail
    swapped = [second, first]
    assert "another order" in ai.compare_with_reference(swapped, reference_contigs).detail
    assert ai.compare_with_reference([first], reference_contigs).verdict == "different"
    assert ai.compare_with_reference(reference_contigs, reference_contigs).verdict == "identical"


def test_recalibrated_alignment_is_not_reused(tmp_path, reference_contigs):
    rg = [{"ID": "L1", "SM": "S1"}]
    pg = [{"ID": "GATK ApplyBQSR", "PN": "GATK ApplyBQSR"}]
    bam = write_alignment(tmp_path / "bqsr.bam", reference_contigs, rg, pg=pg)
    _, sources = plan(
        [{"sample": "S1", "unit": "a", "bam": str(bam)}], tmp_path, reuse_alignments=True
    )
    assert sources[("S1", "a")].mode == "realign"
    assert "recalibrated" in sources[("S1", "a")].reason


def test_truncated_files_are_refused(tmp_path, reference_contigs):
    rg = [{"ID": "L1", "SM": "S1"}]
    bam = write_alignment(tmp_path / "x.bam", reference_contigs, rg)
    fasta = tmp_path / "ref.fa"
    with gzip.open(REFERENCE, "rb") as src, open(fasta, "wb") as dst:
        shutil.copyfileobj(src, dst)
    pysam.faidx(str(fasta))
    cram = write_alignment(tmp_path / "x.cram", reference_contigs, rg, "cram", fasta)
    for path, fmt in ((bam, "bam"), (cram, "cram")):
        cut = tmp_path / f"cut.{fmt}"
        cut.write_bytes(path.read_bytes()[:-10])
        with pytest.raises(
            InputError, match="end-of-file marker is missing: the file is truncated"
        ):
            ai.read_header(cut, fmt)
        ai.read_header(path, fmt)  # the whole file is fine


def test_unpacked_counts_from_the_samtools_fastq_log(tmp_path):
    log = tmp_path / "x.log"
    log.write_text(
        "[M::bam2fq_mainloop] discarded 3 singletons\n[M::bam2fq_mainloop] processed 1000 reads\n"
    )
    assert alignment_source.unpacked_counts(log) == {"reads": 1000, "singletons_discarded": 3}


def test_describe_counts_reads_outside_the_read_groups(tmp_path, reference_contigs):
    """A read whose RG is not in the header would be lost by the per-read-group split."""
    rg = [{"ID": "L1", "SM": "S1"}]
    bam = write_alignment(tmp_path / "x.bam", reference_contigs, rg)
    plan_ = {"mode": "realign"}
    record = alignment_source.describe(bam, None, ["L1"], plan_, tmp_path / "rg.txt")
    assert record["primary_reads"] == 4
    assert record["sha256"] == hashlib.sha256(bam.read_bytes()).hexdigest()
    with pytest.raises(alignment_source.SourceError, match="4 of 4 primary reads carry no read"):
        alignment_source.describe(bam, None, ["OTHER"], plan_, tmp_path / "rg.txt")


# ------------------------------------------------------------------ start-up errors (dry runs)


def na12878_samples() -> pd.DataFrame:
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    return samples[samples["sample"] == "NA12878"]


def dry_run(tmp_path: Path, units: list[dict], **mapping) -> subprocess.CompletedProcess:
    configfile = make_config(
        tmp_path / "run",
        {"mapping": mapping} if mapping else None,
        units=pd.DataFrame(units),
        samples=na12878_samples(),
    )
    return snakemake(tmp_path / "run", configfile, "-n")


def test_startup_errors_stop_the_run_with_a_clear_message(tmp_path, reference_contigs):
    renamed = renamed_reference(tmp_path)
    named = [ai.Contig(c.name.replace("chr", ""), c.length, c.md5) for c in reference_contigs]
    rg = [{"ID": "L1", "SM": "NA12878"}]
    cram = write_alignment(tmp_path / "renamed.cram", named, rg, "cram", renamed)
    # the renamed reference is at hand: decoded with it and realigned
    proc = dry_run(tmp_path, [{"sample": "NA12878", "unit": "a", "cram": str(cram)}],
                   cram_references=[str(renamed)])  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "unpack_read_group" in proc.stdout
    # ... and when it is not: stop, never decode against another sequence
    renamed.unlink()
    proc = dry_run(tmp_path, [{"sample": "NA12878", "unit": "a", "cram": str(cram)}])
    assert proc.returncode != 0
    assert (
        f"line 2: {cram}: no reference available to decode this CRAM" in proc.stdout + proc.stderr
    )
    assert "contig '20' is the reference's 'chr20' under another name" in proc.stdout + proc.stderr
    assert "mapping.cram_references" in proc.stdout + proc.stderr

    no_sm = write_alignment(tmp_path / "no_sm.bam", reference_contigs, [{"ID": "L1"}])
    two = write_alignment(
        tmp_path / "two.bam", reference_contigs,
        [{"ID": "L1", "SM": "NA12878"}, {"ID": "L2", "SM": "NA12891"}],
    )  # fmt: skip
    cut = tmp_path / "cut.cram"
    fasta = tmp_path / "ref.fa"
    with gzip.open(REFERENCE, "rb") as src, open(fasta, "wb") as dst:
        shutil.copyfileobj(src, dst)
    pysam.faidx(str(fasta))
    whole = write_alignment(tmp_path / "whole.cram", reference_contigs, rg, "cram", fasta)
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    for path, column, message in (
        (no_sm, "bam", "@RG 'L1' has no SM (sample) tag"),
        (two, "bam", "the header names 2 samples (ID 'L1' SM 'NA12878', ID 'L2' SM 'NA12891')"),
        (cut, "cram", "the end-of-file marker is missing: the file is truncated"),
    ):
        proc = dry_run(tmp_path, [{"sample": "NA12878", "unit": "a", column: str(path)}])
        assert proc.returncode != 0, path
        assert f"units.tsv, line 2: {path}: " in proc.stdout + proc.stderr
        assert message in proc.stdout + proc.stderr


def test_a_row_gives_fastq_or_an_alignment_not_both(tmp_path, reference_contigs):
    bam = write_alignment(tmp_path / "x.bam", reference_contigs, [{"ID": "L1", "SM": "NA12878"}])
    row = {"sample": "NA12878", "unit": "a", "bam": str(bam), "fq1": "/x_R1.fastq.gz"}
    proc = dry_run(tmp_path, [row])
    assert proc.returncode != 0
    assert "gives both FASTQ (fq1) and a stored alignment (bam)" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- end to end


def run_stored(workdir: Path, rows: list[tuple[str, str, Path]], **mapping) -> Path:
    """A run of (sample, column, stored alignment) rows, one unit each."""
    units = pd.DataFrame([{"sample": s, "unit": "stored", c: str(p)} for s, c, p in rows])
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    samples = samples[samples["sample"].isin([s for s, _, _ in rows])]
    configfile = make_config(workdir, {"mapping": mapping}, units=units, samples=samples)
    snakemake(workdir, configfile, check=True)
    return workdir


@pytest.fixture(scope="module")
def reused_run(demo_run, tmp_path_factory) -> Path:
    """The bundled run's NA12878 BAM given back, reused; its alignments written as CRAM."""
    bam = demo_run / "results/mapping/samtools/NA12878.dedup.bam"
    return run_stored(
        tmp_path_factory.mktemp("reuse"),
        [("NA12878", "bam", bam)],
        reuse_alignments=True,
        output_format="cram",
    )


def test_reused_bam_gives_the_fastq_runs_calls(demo_run, reused_run):
    for caller in ("bcftools", "freebayes", "octopus"):
        vcf = f"results/calls/{caller}/NA12878.vcf.gz"
        assert vcf_records(reused_run / vcf) == vcf_records(demo_run / vcf), caller
    # no alignment was made: no bwa, no fastp job ran
    assert not list((reused_run / "logs").glob("mapping/bwa/*"))
    assert not list((reused_run / "logs").glob("trimming/fastp/*"))
    source = json.loads((reused_run / "results/reanalysis/NA12878/stored.source.json").read_text())
    bam = demo_run / "results/mapping/samtools/NA12878.dedup.bam"
    assert source["mode"] == "reuse" and source["reference"] == "identical"
    assert source["sha256"] == hashlib.sha256(bam.read_bytes()).hexdigest()
    assert source["primary_reads"] == int(
        subprocess.run(["samtools", "view", "-c", "-F", "0x900", str(bam)],
                       capture_output=True, text=True, check=True).stdout
    )  # fmt: skip
    provenance = json.loads((reused_run / "results/provenance/provenance.json").read_text())
    assert provenance["stored_alignments"][0]["sha256"] == source["sha256"]
    manifest = pd.read_csv(reused_run / "results/manifest.tsv", sep="\t")
    assert source["sha256"] in set(manifest.loc[manifest["path"] == str(bam), "sha256"])
    html = (reused_run / "results/report/NA12878.html").read_text()
    assert "Re-analysed from stored alignments" in html
    assert "NA12878.dedup.bam (BAM)" in html and source["sha256"] in html


def test_the_workflows_own_cram_realigned_gives_the_same_calls(demo_run, reused_run, tmp_path):
    cram = reused_run / "results/mapping/samtools/NA12878.dedup.cram"
    assert all("M5" in sq for sq in pysam.AlignmentFile(str(cram), "rc").header.to_dict()["SQ"])
    sim01 = demo_run / "results/mapping/samtools/SIM01.dedup.bam"  # two lanes, two read groups
    run = run_stored(
        tmp_path / "realign",
        [("NA12878", "cram", cram), ("SIM01", "bam", sim01)],
        reuse_alignments=False,
    )
    # one unit per read group, ID/LB/PU kept: lanes stay apart
    for sample, source in (("NA12878", cram), ("SIM01", sim01)):
        before = pysam.AlignmentFile(str(source), "rc" if source.suffix == ".cram" else "rb")
        bam = run / f"results/mapping/samtools/{sample}.dedup.bam"
        after = pysam.AlignmentFile(str(bam)).header.to_dict()["RG"]
        assert [(g["ID"], g["LB"], g["PU"]) for g in after] == [
            (g["ID"], g["LB"], g["PU"]) for g in before.header.to_dict()["RG"]
        ]
    assert sorted(p.name for p in (run / "results/reanalysis/SIM01").glob("*.unpacked.json")) == [
        "stored.SIM01.L001.unpacked.json",
        "stored.SIM01.L002.unpacked.json",
    ]
    counts = json.loads((run / "results/reanalysis/NA12878/stored.unpacked.json").read_text())
    source = json.loads((run / "results/reanalysis/NA12878/stored.source.json").read_text())
    assert counts["reads"] == source["primary_reads"] and counts["singletons_discarded"] == 0
    assert source["mode"] == "realign" and source["decoded_with"] == "prepared"
    # bwa sees the reads in another order (collate), but in one batch (-K): the same calls
    for sample in ("NA12878", "SIM01"):
        for caller in ("bcftools", "freebayes", "octopus"):
            vcf = f"results/calls/{caller}/{sample}.vcf.gz"
            assert vcf_records(run / vcf) == vcf_records(demo_run / vcf), (sample, caller)
    assert "Realigned per read group" in (run / "results/report/NA12878.html").read_text()
