"""GATK and VEP cannot be installed here: check the command lines their rules generate.

`snakemake -n -p` prints every job's shell command without running it; these tests assert the
commands are the GATK best-practice / VEP offline ones with the configured values. No tool is
mocked: nothing is executed.
"""

import re

import pytest

from conftest import REPO, make_config, snakemake

KNOWN_SITES = str(REPO / "resources/test/truth/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz")


@pytest.fixture(scope="module")
def gatk_commands(tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("gatk_dry")
    cfg = make_config(
        workdir,
        {
            "calling": {"callers": ["gatk"], "scatter": 2},
            "reference": {"known_sites": [KNOWN_SITES]},
        },
    )
    proc = snakemake(workdir, cfg, "-n", "-p", check=True)
    return proc.stdout


def test_bqsr_per_sample_with_known_sites(gatk_commands):
    base = re.findall(r"gatk .*BaseRecalibrator.*", gatk_commands)
    assert len(base) == 5  # one per sample (germline x3, tumour, normal), over all its lanes
    for cmd in base:
        assert f"--known-sites {KNOWN_SITES}" in cmd
        assert "-L results/reference/callable.bed" in cmd
    apply = re.findall(r"gatk .*ApplyBQSR.*", gatk_commands)
    assert len(apply) == 5
    assert "--bqsr-recal-file results/qc/bqsr/SIM01.recal_table.txt" in " ".join(apply)


def test_haplotypecaller_gvcf_per_sample_and_chunk_on_recalibrated_bam(gatk_commands):
    hc = re.findall(r"gatk .*HaplotypeCaller.*", gatk_commands)
    assert len(hc) == 8  # 4 germline/normal samples x 2 chunks (tumours are not germline-called)
    for cmd in hc:
        assert "-ERC GVCF" in cmd
        assert re.search(r"-I results/mapping/(NA12878|SIM01|SV01|NA12878_N)\.recal\.bam", cmd)
        assert re.search(r"-L results/reference/intervals/000[01]\.bed", cmd)
        assert re.search(r"-Xmx\d+m", cmd)


def test_joint_genotyping_over_all_samples(gatk_commands):
    imports = re.findall(r"gatk .*GenomicsDBImport.*", gatk_commands)
    assert len(imports) == 2  # one per chunk
    for cmd in imports:
        assert (
            "-V results/calls/gatk/gvcf/NA12878/" in cmd
            and "-V results/calls/gatk/gvcf/SIM01/" in cmd
        )
        assert "--genomicsdb-workspace-path results/calls/gatk/genomicsdb/" in cmd
    geno = re.findall(r"gatk .*GenotypeGVCFs.*", gatk_commands)
    assert len(geno) == 2
    assert all("-V gendb://results/calls/gatk/genomicsdb/" in cmd for cmd in geno)


def test_hard_filters_split_by_type(gatk_commands):
    filt = re.findall(r"gatk .*VariantFiltration.*", gatk_commands)
    assert filt
    cmd = filt[0]
    assert "--select-type-to-include SNP" in cmd and "--select-type-to-exclude SNP" in cmd
    assert "--filter-name QD2 --filter-expression 'QD < 2.0'" in cmd
    assert "--filter-name FS60 --filter-expression 'FS > 60.0'" in cmd
    assert "--filter-name FS200 --filter-expression 'FS > 200.0'" in cmd
    assert "MergeVcfs" in cmd


def test_joint_calls_split_per_sample_then_gathered_and_normalised(gatk_commands):
    assert "bcftools view -s SIM01 --trim-alt-alleles --min-ac 1" in gatk_commands
    gather = [
        c for c in gatk_commands.splitlines() if "bcftools concat" in c and "results/calls/" in c
    ]
    assert len(gather) == 4  # the germline and normal samples
    assert all("bcftools norm -f results/reference/genome.fa -m -any" in c for c in gather)


def test_no_bqsr_without_known_sites(tmp_path):
    cfg = make_config(tmp_path, {"calling": {"callers": ["gatk"], "scatter": 2}})
    out = snakemake(tmp_path, cfg, "-n", "-p", check=True).stdout
    assert "BaseRecalibrator" not in out
    assert "-I results/mapping/samtools/SIM01.dedup.bam" in out


def test_vep_offline_cache_command(tmp_path):
    cfg = make_config(tmp_path, {"annotation": {"tool": "vep"}})
    out = snakemake(tmp_path, cfg, "-n", "-p", check=True).stdout
    vep = re.findall(r"vep --input_file .*", out)
    # 4 germline/normal samples x 3 callers + the tumour's 4 call sets (3 callers + ensemble) x 2
    assert len(vep) == 4 * 3 + 4 * 2
    cache = str(REPO / "resources/test/vep_cache")
    for cmd in vep:
        for option in (
            "--offline",
            "--cache",
            f"--dir_cache {cache}",
            "--cache_version 84",
            "--species homo_sapiens",
            "--assembly GRCh38",
            "--vcf",
            "--compress_output bgzip",
            "--fasta results/reference/genome.fa",
        ):
            assert option in cmd
        assert "--database" not in cmd  # never connects to Ensembl's servers
    assert "snpEff" not in out


def test_picard_markdup_selectable(tmp_path):
    cfg = make_config(tmp_path, {"mapping": {"markdup": "picard"}})
    out = snakemake(tmp_path, cfg, "-n", "-p", check=True).stdout
    # a sample's lanes go straight into MarkDuplicates (no merged BAM on disk), then the index
    lanes = "-I results/mapping/SIM01/L001.sorted.bam -I results/mapping/SIM01/L002.sorted.bam"
    assert re.search(
        rf"picard -Xmx\d+m MarkDuplicates {lanes} -O results/mapping/picard/SIM01", out
    )
    bam = "results/mapping/picard/SIM01.dedup.bam"
    assert f"samtools index {bam} {bam}.bai" in out
    assert "samtools markdup" not in out


def test_manta_sv_command(tmp_path):
    """manta (bioconda only) as an SV caller: configManta.py on the sample's BAM and the
    reference, then its workflow; the diploid SV VCF is what the merge reads."""
    cfg = make_config(tmp_path, {"sv": {"enabled": True, "callers": ["manta", "delly"]}})
    proc = snakemake(tmp_path, cfg, "-n", "-p", check=True)
    manta = re.findall(r"configManta\.py --bam .*", proc.stdout)
    assert len(manta) == 3  # the germline samples NA12878, SIM01, SV01 (not tumour/normal)
    cmd = next(c for c in manta if "SV01" in c)
    assert "--bam results/mapping/samtools/SV01.dedup.bam" in cmd
    assert "--referenceFasta results/reference/genome.fa" in cmd
    assert "runWorkflow.py -j" in cmd and "results/variants/diploidSV.vcf.gz" in cmd
    merge = re.findall(r"dnaseq.steps sv-merge .*", proc.stdout)
    assert any("manta=results/sv/manta/SV01.vcf.gz delly=results/sv/delly/SV01.vcf.gz" in m
               for m in merge)  # fmt: skip
