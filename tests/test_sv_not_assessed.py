"""An SV caller that cannot run on a sample (delly: "Sample has not enough data to estimate
library parameters", which stopped a whole run at 188 of 203 jobs) makes that caller's part
"not assessed" with the reason; any other failure still fails. Real delly on a real small BAM."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pysam

from conftest import REPO, make_config, snakemake
from dnaseq.steps import sv_merge


def test_unknown_failure_stays_a_failure(tmp_path):
    log = tmp_path / "delly.log"
    log.write_text("[bam_sort_core] truncated file. Aborting.\n")
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("c1\t1000\t4\t60\t61\n")
    argv = ["--caller", "delly", "--log", str(log), "--fai", str(fai), "--sample", "S",
            "--output", str(tmp_path / "out.vcf")]  # fmt: skip
    assert sv_merge.not_assessed_main(argv) == 1 and not (tmp_path / "out.vcf").exists()
    log.write_text("Sample has not enough data to estimate library parameters! File: s.bam\n")
    assert sv_merge.not_assessed_main(argv) == 0
    assert sv_merge.not_assessed(tmp_path / "out.vcf") == [
        "delly: Sample has not enough data to estimate library parameters"
    ]


def head_fastq(source: Path, target: Path, reads: int) -> Path:
    with gzip.open(source, "rt") as src, gzip.open(target, "wt") as dst:
        for _ in range(4 * reads):
            dst.write(src.readline())
    return target


def test_a_sample_too_small_for_delly_is_not_assessed_and_the_run_goes_on(tmp_path):
    """A sample of 600 read pairs (the first of the bundled SV01): delly cannot estimate the
    library, TIDDIT runs, small variants are called, the merged SV VCF says 'not assessed'."""
    reads = tmp_path / "reads"
    reads.mkdir()
    r1 = head_fastq(REPO / "resources/test/reads/SV01_R1.fastq.gz", reads / "T_R1.fastq.gz", 600)
    r2 = head_fastq(REPO / "resources/test/reads/SV01_R2.fastq.gz", reads / "T_R2.fastq.gz", 600)
    samples = pd.DataFrame({"sample": ["TINY"], "sex": ["female"]})
    units = pd.DataFrame({"sample": ["TINY"], "unit": ["L1"], "fq1": [str(r1)], "fq2": [str(r2)]})
    overrides = {
        "qc_gate": {"min_reads_after_trimming": 100},
        "calling": {"callers": ["bcftools"]},
        "annotation": {"tool": "none"},
    }
    run = tmp_path / "run"
    cfg = make_config(run, overrides, units=units, samples=samples)
    targets = ["results/sv/TINY.vcf.gz", "results/calls/bcftools/TINY.vcf.gz"]
    proc = snakemake(run, cfg, *targets)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert sv_merge.not_assessed(run / targets[0]) == [
        "delly: Sample has not enough data to estimate library parameters"
    ]
    with pysam.VariantFile(str(run / targets[1])) as vcf:
        assert list(vcf.header.samples) == ["TINY"]  # the small variants were called
