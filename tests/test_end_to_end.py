"""End to end: the real workflow, real tools, on the bundled GIAB and simulated datasets.

The `demo_run` fixture (conftest.py) runs the workflow once in a temporary directory; every test
here checks one property of what it produced.
"""

import gzip
import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest

from conftest import REPO, SCENARIO, vcf_records

SAMPLES = ["NA12878", "SIM01"]
CALLERS = ["bcftools", "freebayes", "octopus"]


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def summary(demo_run) -> pd.DataFrame:
    return pd.read_csv(demo_run / "results/validation/summary.tsv", sep="\t")


@pytest.mark.parametrize("sample", SAMPLES)
def test_bam_is_valid_indexed_and_has_one_read_group_per_unit(demo_run, sample):
    bam = demo_run / f"results/mapping/samtools/{sample}.dedup.bam"
    run("samtools", "quickcheck", str(bam))
    assert Path(f"{bam}.bai").stat().st_size > 0
    header = pysam.AlignmentFile(str(bam)).header.to_dict()
    units = pd.read_csv(SCENARIO / "units.tsv", sep="\t", dtype=str)
    expected = {f"{sample}.{u}" for u in units.loc[units["sample"] == sample, "unit"]}
    assert {rg["ID"] for rg in header["RG"]} == expected
    assert {rg["SM"] for rg in header["RG"]} == {sample}
    assert all(rg["PL"] == "ILLUMINA" and rg["PU"] and rg["LB"] for rg in header["RG"])
    flagstat = run("samtools", "flagstat", str(bam))
    assert "duplicates" in flagstat and int(flagstat.split("\n")[4].split()[0]) > 0  # dups marked


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("sample", SAMPLES)
def test_vcfs_are_valid_normalised_and_indexed(demo_run, sample, caller):
    for folder in ("calls", "annotated/snpeff"):
        vcf = demo_run / f"results/{folder}/{caller}/{sample}.vcf.gz"
        records = run("bcftools", "view", "-H", str(vcf)).splitlines()
        assert len(records) > 10
        assert Path(f"{vcf}.tbi").exists()
        assert all("," not in r.split("\t")[4] for r in records)  # multi-allelics split
        with pysam.VariantFile(str(vcf)) as handle:
            assert list(handle.header.samples) == [sample]
            assert {"LowQual", "LowDepth"} <= set(handle.header.filters)
    # `bcftools norm --check-ref e` fails on any REF that does not match the reference
    run(
        "bcftools",
        "norm",
        "--check-ref",
        "e",
        "-f",
        str(demo_run / "results/reference/genome.fa"),
        "-Ou",
        "-o",
        "/dev/null",
        str(demo_run / f"results/calls/{caller}/{sample}.vcf.gz"),
    )


def coding_truth_variants(gff3: Path, truth: Path) -> list[tuple[str, int, str, str]]:
    cds: list[tuple[str, int, int]] = []
    with gzip.open(gff3, "rt") as handle:
        for line in handle:
            f = line.split("\t")
            if len(f) > 4 and f[2] == "CDS":
                cds.append((f[0], int(f[3]), int(f[4])))
    coding = []
    with pysam.VariantFile(str(truth)) as vcf:
        for rec in vcf:
            if any(c == rec.chrom and s <= rec.pos <= e for c, s, e in cds):
                coding.append((rec.chrom, rec.pos, rec.ref, rec.alts[0]))
    return coding


@pytest.mark.parametrize("caller", CALLERS)
def test_inserted_coding_variants_are_annotated_by_snpeff(demo_run, caller):
    coding = coding_truth_variants(
        REPO / "resources/test/annotation/Homo_sapiens.GRCh38.chr21_1-10Mb.ensembl.gff3.gz",
        REPO / "resources/test/truth/SIM01.truth.vcf.gz",
    )
    assert len(coding) >= 3, "the simulated scenario must carry coding variants"
    annotated = {}
    with pysam.VariantFile(
        str(demo_run / f"results/annotated/snpeff/{caller}/SIM01.vcf.gz")
    ) as vcf:
        assert "ANN" in vcf.header.info
        for rec in vcf:
            annotated[(rec.chrom, rec.pos, rec.ref, rec.alts[0])] = rec.info.get("ANN")
    coding_effects = (
        "missense_variant",
        "synonymous_variant",
        "frameshift_variant",
        "stop_gained",
        "inframe_deletion",
        "inframe_insertion",
        "splice_region_variant",
        "start_lost",
        "stop_lost",
        "stop_retained_variant",
    )
    for key in coding:
        assert key in annotated, f"coding variant {key} not called"
        ann = ",".join(annotated[key])
        assert any(effect in ann for effect in coding_effects), (key, ann)


def test_multiqc_report_names_every_sample_and_real_tool_versions(demo_run):
    html = (demo_run / "results/multiqc/multiqc_report.html").read_text()
    for sample in SAMPLES:
        assert sample in html
    bwa_version = subprocess.run(["bwa"], check=False, capture_output=True, text=True).stderr
    version = next(
        line.split()[1] for line in bwa_version.splitlines() if line.startswith("Version")
    )
    assert version in html  # collected from the binary, not typed by hand
    for module in ("fastp", "Samtools", "mosdepth", "Bcftools", "SnpEff"):
        assert module in html


@pytest.mark.parametrize("caller", CALLERS)
def test_no_error_inside_giab_confident_regions(summary, caller):
    rows = summary[
        (summary["sample"] == "NA12878")
        & (summary["caller"] == caller)
        & (summary["region"] == "confident")
    ].set_index("type")
    # GIAB truth inside the confident BED: 45 SNVs, 4 indels, all found, nothing extra
    assert rows.loc[["SNV", "INDEL"], "tp"].tolist() == [45, 4], rows.to_string()
    assert rows["fp"].sum() == 0 and rows["fn"].sum() == 0, rows.to_string()


@pytest.mark.parametrize("caller", CALLERS)
def test_simulated_variants_are_recovered(summary, caller):
    rows = summary[
        (summary["sample"] == "SIM01")
        & (summary["caller"] == caller)
        & (summary["region"] == "confident")
    ].set_index("type")
    assert (rows["tp"] + rows["fn"]).tolist() == [152, 10]  # everything that was inserted
    assert rows["fp"].sum() == 0, rows.to_string()
    # one SNV (chr21:5,105,476) lies in a 29 bp tandem repeat where almost no read maps
    # uniquely (MAPQ 0); the simulated "confident" span is not mappability-filtered like GIAB's
    assert rows.loc["SNV", "recall"] >= 0.99, rows.to_string()
    # 10 indels: below validation_settings.min_count (20), so no recall is printed, only counts
    assert rows.loc["INDEL", "fn"] == 0 and pd.isna(rows.loc["INDEL", "recall"]), rows.to_string()
    assert "too few truth variants (10 < 20)" in rows.loc["INDEL", "note"]


def test_giab_recall_over_the_whole_truth_span(summary):
    span = summary[(summary["sample"] == "NA12878") & (summary["region"] == "truth_span")]
    snv = span[span["type"] == "SNV"].set_index("caller")
    indel = span[span["type"] == "INDEL"].set_index("caller")
    assert (snv["tp"] + snv["fn"]).tolist() == [186] * len(CALLERS)
    assert (indel["tp"] + indel["fn"]).tolist() == [35] * len(CALLERS)
    # RTG vcfeval: freebayes 181 of 186 (it does not split freebayes's MNPs into the truth's SNVs)
    assert (snv["recall"] >= 0.97).all(), snv.to_string()
    assert indel["recall"].max() >= 0.90, indel.to_string()


def test_octopus_finds_the_indels_with_their_genotypes(summary):
    """Octopus's local re-assembly: span indel recall >= 0.95, the found indels with the right
    genotype (het vs hom-alt; vcfeval finds one of 35 with its alleles but a wrong genotype)."""
    span = summary[
        (summary["sample"] == "NA12878")
        & (summary["caller"] == "octopus")
        & (summary["region"] == "truth_span")
    ].set_index("type")
    assert span.loc["INDEL", "recall"] >= 0.95, span.to_string()
    assert span.loc["INDEL", "gt_concordance"] >= 0.97, span.to_string()
    assert span.loc["SNV", "gt_concordance"] >= 0.99, span.to_string()


def test_rerun_has_nothing_to_do(demo_run):
    from conftest import snakemake

    proc = snakemake(demo_run, demo_run / "config.yaml", "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.parametrize("caller", CALLERS)
def test_every_called_genotype_has_numeric_gq_dp_ad(demo_run, caller):
    """Clinical filters, trio checks and reports need GQ, DP and AD on every genotype."""
    for sample in SAMPLES:
        vcf = demo_run / f"results/calls/{caller}/{sample}.vcf.gz"
        with pysam.VariantFile(str(vcf)) as handle:
            assert handle.header.formats["GQ"].type in ("Integer", "Float")
            n = 0
            for rec in handle:
                fmt = rec.samples[sample]
                if None in (fmt["GT"] or (None,)):
                    continue
                n += 1
                assert isinstance(fmt["GQ"], (int, float)), f"{caller} {rec.pos}: GQ {fmt['GQ']}"
                assert fmt["DP"] is not None and None not in fmt["AD"]
            assert n > 10


def declared_mem_mb(config: dict, rule: str) -> int:
    """mem_mb a rule asks the scheduler for (first attempt), from config resources."""
    settings = {**config["resources"]["default"], **config["resources"]["rules"].get(rule, {})}
    return settings["mem_mb"]


def test_no_rule_uses_more_memory_than_it_declares(demo_run):
    """Every job's peak RSS (Snakemake benchmark: files) stays within the mem_mb its rule asks
    the scheduler for: a cluster would otherwise kill it or overcommit the node."""
    import yaml

    config = yaml.safe_load((demo_run / "config.yaml").read_text())
    tables = list((demo_run / "logs/benchmarks").rglob("*.tsv"))
    assert len(tables) > 50
    rules = set()
    for table in tables:
        rule = table.relative_to(demo_run / "logs/benchmarks").parts[0]
        bench = pd.read_csv(table, sep="\t")
        peak = pd.to_numeric(bench["max_rss"], errors="coerce").max()
        if pd.isna(peak):  # a job too short for psutil to sample (NA): nothing to compare
            continue
        rules.add(rule)
        assert peak <= declared_mem_mb(config, rule), (rule, table.name, peak)
    # the comparison happened, and for the heavy rules
    assert {"map_reads_bwa", "call_variants_freebayes", "report_multiqc"} <= rules
    assert len(rules) >= 20, sorted(rules)


def test_calls_do_not_depend_on_the_scatter_count(demo_run, tmp_path):
    """The same records whether the territory is called in 1 chunk or in the demo's 4."""
    from conftest import make_config, snakemake, units_table

    units = units_table()
    units = units[units["sample"].isin(SAMPLES)]
    samples = pd.DataFrame({"sample": SAMPLES, "sex": ["female", "unknown"]})
    # Octopus's chunk edges are tested apart (test_octopus_chunk_edges_...: 7 chunks vs 1)
    callers = [c for c in CALLERS if c != "octopus"]
    cfg = make_config(
        tmp_path,
        {
            "calling": {"scatter": 1, "callers": callers},
            "annotation": {"tool": "none"},
            "validation_somatic": {},
        },
        units=units,
        samples=samples,
    )
    snakemake(tmp_path, cfg, "--until", "gather_calls", check=True)
    for caller in callers:
        for sample in SAMPLES:
            path = f"results/calls/{caller}/{sample}.vcf.gz"
            assert vcf_records(tmp_path / path) == vcf_records(demo_run / path), path


def test_octopus_chunk_edges_lose_and_duplicate_nothing(tmp_path):
    """Octopus per chunk with padded context, records kept by POS inside the chunk: cutting
    the GIAB span into 7 chunks (edges 6 and 10 bp from variants) gives the calls of 1 chunk:
    same alleles, genotypes and filters, nothing lost or doubled, QUAL within 1 %."""
    from conftest import make_config, snakemake, units_table
    from dnaseq.steps.intervals import read_fai

    units = units_table()
    units = units[units["sample"] == "NA12878"]
    samples = pd.DataFrame({"sample": ["NA12878"], "sex": ["female"]})
    span = tmp_path / "span.bed"
    span.write_text("chr20\t9995000\t10110000\n")
    records = {}
    for scatter in (7, 1):
        cfg = make_config(
            tmp_path,
            {
                "calling": {"scatter": scatter, "callers": ["octopus"]},
                "targets": {"bed": str(span), "padding": 0},
                "annotation": {"tool": "none"},
                "validation": {},
                "validation_somatic": {},
                "identity": {"expected": {}},
            },
            units=units,
            samples=samples,
        )
        snakemake(tmp_path, cfg, "--until", "gather_calls", check=True)
        records[scatter] = vcf_records(tmp_path / "results/calls/octopus/NA12878.vcf.gz")
        if scatter == 7:
            chunks = sorted((tmp_path / "results/reference/intervals").glob("*.bed"))
            edges = [int(c.read_text().split()[-1]) for c in chunks[:-1]]
            positions = [int(r.split("\t")[1]) for r in records[7]]
            nearest = sorted(min(abs(p - e) for p in positions) for e in edges)
            assert nearest[0] <= 10, nearest  # the test really cuts next to variants
    assert len(records[1]) > 200

    def calls(lines: list[str]) -> list[tuple[str, ...]]:
        # CHROM POS REF ALT FILTER GT: QUAL and Octopus's phasing scores (PS/PQ/MP) near an
        # edge come from a different (padded) window and may move a little
        return [(*f[:2], f[3], f[4], f[6], f[9].split(":")[0]) for f in map(str.split, lines)]

    assert calls(records[7]) == calls(records[1])
    quals = [
        (float(a.split()[5]), float(b.split()[5]))
        for a, b in zip(records[7], records[1], strict=True)
    ]
    assert all(abs(a - b) <= 0.01 * b for a, b in quals), quals
    assert read_fai(tmp_path / "results/reference/genome.fa.fai")  # the reference was indexed


def network_namespace_available() -> bool:
    return (
        subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0
    )


@pytest.mark.skipif(
    not network_namespace_available(),
    reason="unshare -n needs root or user namespaces, not available here",
)
def test_cram_run_without_network_gives_the_same_results(demo_run, tmp_path):
    """mapping.output_format: cram, and the whole run inside a network namespace with no
    interfaces: nothing the workflow runs needs the network (snpEff -nodownload, CRAM
    references never fetched: REF_PATH is local), every later tool reads the CRAM, the results
    equal the BAM run's, and the CRAM is smaller."""
    from conftest import make_config, snakemake, units_table

    # the pair: every tool that reads alignments runs on it (the normal through the germline
    # callers too); a germline sample would add jobs of the same tools, not evidence
    names = ["NA12878_T", "NA12878_N"]
    units = units_table()
    units = units[units["sample"].isin(names)]
    samples = pd.read_csv(SCENARIO / "samples.tsv", sep="\t", dtype=str)
    samples = samples[samples["sample"].isin(names)]
    # annotation and the reports never read alignments: left out (they only add run time)
    overrides = {
        "mapping": {"output_format": "cram"},
        "annotation": {"tool": "none"},
        "report": {"enabled": False},
    }
    cfg = make_config(tmp_path, overrides, units=units, samples=samples)
    snakemake(tmp_path, cfg, check=True, prefix=("unshare", "-n"))
    mapping = tmp_path / "results/mapping/samtools"
    assert mapping.is_dir() and list(mapping.glob("*.cram"))
    assert not list(mapping.glob("*.bam")), "no BAM is kept when the output format is CRAM"
    for sample in names:
        cram = mapping / f"{sample}.dedup.cram"
        assert Path(f"{cram}.crai").exists()
        header = run("samtools", "view", "-H", str(cram))
        assert "\tM5:" in header  # reference MD5s in the header
        bam = demo_run / f"results/mapping/samtools/{sample}.dedup.bam"
        assert cram.stat().st_size < 0.8 * bam.stat().st_size
    for caller in CALLERS:
        path = f"results/calls/{caller}/NA12878_N.vcf.gz"
        assert vcf_records(tmp_path / path) == vcf_records(demo_run / path), path
    for mode in ("paired", "tumor_only"):
        path = f"results/somatic/freebayes/NA12878_T.{mode}.vcf.gz"
        assert vcf_records(tmp_path / path) == vcf_records(demo_run / path), path
    manifest = pd.read_csv(tmp_path / "results/manifest.tsv", sep="\t")
    assert "results/mapping/samtools/NA12878_T.dedup.cram" in set(manifest["path"])
    from dnaseq.core.manifest import verify

    assert verify(tmp_path / "results/manifest.tsv") == []


def test_missing_ref_depth_is_filled_from_dp():
    from dnaseq.steps.fill_ref_depth import fill_line

    line = "c1\t5\t.\tA\tG\t50\tPASS\t.\tGT:DP:AD:FT\t1|1:26:.,26:PASS\n"
    assert fill_line(line).split("\t")[9] == "1|1:26:0,26:PASS\n"
    het = "c1\t5\t.\tA\tG\t50\tPASS\t.\tGT:DP:AD\t0|1:30:14,15\n"
    assert fill_line(het) == het  # a REF count that is there stays
    assert fill_line("c1\t5\t.\tA\tG\t50\tPASS\t.\tGT:DP:AD\t1|1:20:.,24\n").split("\t")[9] == (
        "1|1:20:0,24\n"
    )
