"""Identity by likelihood, calibrated on pairs made by the project: reads simulated at the bundled
fingerprint sites for people with known genotypes (the same person twice, a tumour of that
person with loss of heterozygosity, a parent and child, two siblings, unrelated people), each
genotyped by the real `bcftools mpileup | call -C alleles` as the workflow does, then compared.

Genotypes are drawn at a minor allele frequency of 0.15 given in the sites VCF (INFO/AF): two
people then agree at most sites (both homozygous for the common allele), which is how another
person's normal reached 0.81 concordance with a tumour and passed the old concordance check
(threshold 0.8). The LOD weighs those matches by how common they are."""

from __future__ import annotations

import gzip
import random
import subprocess
from pathlib import Path

import pysam
import pytest

from conftest import REPO
from dnaseq.steps import identity

AF = 0.15
DEPTH = 20
READ = 100


def sites_vcf(
    tmp: Path, reference: pysam.FastaFile
) -> tuple[Path, list[tuple[str, int, str, str]]]:
    """The bundled fingerprint sites that lie on the test reference, with INFO/AF."""
    sites = []
    with pysam.VariantFile(str(REPO / "resources/test/identity/fingerprint_sites.vcf.gz")) as vcf:
        for rec in vcf:
            if (
                rec.chrom in reference.references
                and READ < rec.pos < reference.get_reference_length(rec.chrom) - READ
            ):
                sites.append((rec.chrom, rec.pos, rec.ref, rec.alts[0]))
    path = tmp / "sites.vcf"
    lines = [
        "##fileformat=VCFv4.2",
        '##INFO=<ID=AF,Number=A,Type=Float,Description="population ALT frequency">',
    ]
    lines += [
        f"##contig=<ID={c},length={reference.get_reference_length(c)}>"
        for c in reference.references
    ]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += [f"{c}\t{p}\t.\t{r}\t{a}\t.\t.\tAF={AF}" for c, p, r, a in sites]
    path.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    subprocess.run(["tabix", "-p", "vcf", f"{path}.gz"], check=True)
    return Path(f"{path}.gz"), sites


def person(rng: random.Random, n: int) -> list[tuple[int, int]]:
    """Two haplotypes' alleles (0 REF, 1 ALT) at n sites, Hardy-Weinberg at AF."""
    return [(int(rng.random() < AF), int(rng.random() < AF)) for _ in range(n)]


def child(rng: random.Random, mother, father) -> list[tuple[int, int]]:
    return [(m[rng.randrange(2)], f[rng.randrange(2)]) for m, f in zip(mother, father, strict=True)]


def with_loh(rng: random.Random, genotypes, fraction: float) -> list[tuple[int, int]]:
    """A tumour: a fraction of heterozygous sites lost one allele (either one)."""
    out = []
    for a, b in genotypes:
        if a != b and rng.random() < fraction:
            kept = rng.choice((a, b))
            out.append((kept, kept))
        else:
            out.append((a, b))
    return out


def fingerprint(
    tmp: Path, name: str, genotypes, sites, reference, sites_gz: Path, seed: int
) -> Path:
    """Reads at every site drawn from the person's two haplotypes, then the workflow's calls."""
    rng = random.Random(seed)
    contigs = [{"SN": c, "LN": reference.get_reference_length(c)} for c in reference.references]
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": contigs,
              "RG": [{"ID": name, "SM": name}]}  # fmt: skip
    bam = tmp / f"{name}.bam"
    reads = []
    for (chrom, pos, ref, alt), haplotypes in zip(sites, genotypes, strict=True):
        for i in range(DEPTH):
            start = pos - 1 - rng.randrange(5, READ - 5)
            seq = list(reference.fetch(chrom, start, start + READ).upper())
            allele = haplotypes[rng.randrange(2)]
            seq[pos - 1 - start] = alt if allele else ref
            reads.append(
                (reference.references.index(chrom), start, f"{name}_{pos}_{i}", "".join(seq))
            )
    with pysam.AlignmentFile(str(bam), "wb", header=header) as out:
        for tid, start, qname, seq in sorted(reads):
            read = pysam.AlignedSegment()
            read.query_name, read.query_sequence, read.flag = qname, seq, 0
            read.reference_id, read.reference_start, read.mapping_quality = tid, start, 60
            read.cigar = [(0, READ)]
            read.query_qualities = pysam.qualitystring_to_array("?" * READ)
            read.set_tag("RG", name)
            out.write(read)
    pysam.index(str(bam))
    targets = tmp / "targets.tsv.gz"
    if not targets.exists():  # as rule prepare_fingerprint_sites makes it
        fields = "%CHROM\\t%POS\\t%REF,%ALT\\n"
        query = f"bcftools query -f '{fields}' {sites_gz} | bgzip -c > {targets}"
        subprocess.run(["bash", "-c", query], check=True)
        subprocess.run(["tabix", "-f", "-s1", "-b2", "-e2", str(targets)], check=True)
    vcf = tmp / f"{name}.fingerprint.vcf.gz"
    subprocess.run(
        ["bash", "-c",
         f"bcftools mpileup -f {reference.filename.decode()} -T {targets} -a FORMAT/AD,FORMAT/DP"
         f" --min-MQ 20 -Ou {bam} 2>/dev/null"
         f" | bcftools call -m -C alleles -T {targets} -Oz -o {vcf} 2>/dev/null"],
        check=True,
    )  # fmt: skip
    return vcf


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity_lod")
    fasta = tmp / "ref.fa"
    with gzip.open(REPO / "resources/test/reference/test_genome.fa.gz", "rt") as src:
        fasta.write_text(src.read())
    pysam.faidx(str(fasta))
    reference = pysam.FastaFile(str(fasta))
    sites_gz, sites = sites_vcf(tmp, reference)
    rng = random.Random(20261203)
    mother, father, stranger = (person(rng, len(sites)) for _ in range(3))
    kid, sibling = child(rng, mother, father), child(rng, mother, father)
    people = {
        "MOTHER": mother, "MOTHER_AGAIN": mother, "MOTHER_TUMOUR": with_loh(rng, mother, 0.5),
        "FATHER": father, "CHILD": kid, "SIBLING": sibling, "STRANGER": stranger,
    }  # fmt: skip
    prints = {
        name: identity.Fingerprint.read(
            fingerprint(tmp, name, g, sites, reference, sites_gz, seed), 8
        )
        for seed, (name, g) in enumerate(people.items())
    }
    return prints, identity.read_site_afs(sites_gz), len(sites)


def lod(cohort, a: str, b: str, tumour: bool = False) -> float:
    prints, afs, _ = cohort
    return identity.fingerprint_lod(prints[a].likelihoods, prints[b].likelihoods, afs, tumour)[1]


def test_same_person_is_one_person(cohort):
    assert cohort[2] >= 40  # the bundled sites on the test genome
    assert lod(cohort, "MOTHER", "MOTHER_AGAIN") >= 3


def test_relatives_and_strangers_are_two_people(cohort):
    for a, b in (("MOTHER", "CHILD"), ("FATHER", "CHILD"), ("CHILD", "SIBLING"),
                 ("MOTHER", "STRANGER"), ("MOTHER", "FATHER")):  # fmt: skip
        assert lod(cohort, a, b) <= -3, (a, b)


def test_high_concordance_is_not_mistaken_for_identity(cohort):
    """Two siblings agree at most of these sites (both homozygous for the common allele): the
    old tumour/normal check (concordance >= 0.8) called them one person; the LOD does not."""
    prints, afs, _ = cohort
    _, value = identity.concordance(prints["CHILD"].genotypes, prints["SIBLING"].genotypes)
    assert value >= 0.8
    assert lod(cohort, "CHILD", "SIBLING") <= -3


def test_tumour_with_loh_is_its_normals_person_only_tumour_aware(cohort):
    assert lod(cohort, "MOTHER", "MOTHER_TUMOUR", tumour=True) >= 3
    assert lod(cohort, "STRANGER", "MOTHER_TUMOUR", tumour=True) <= -3
    assert lod(cohort, "MOTHER", "MOTHER_TUMOUR") < lod(cohort, "MOTHER", "MOTHER_TUMOUR", True)


def test_calibration_table(cohort, capsys):
    """The figures README and the closing note quote (printed with -s)."""
    pairs = [("MOTHER", "MOTHER_AGAIN", False), ("MOTHER", "MOTHER_TUMOUR", True),
             ("MOTHER", "CHILD", False), ("CHILD", "SIBLING", False),
             ("MOTHER", "STRANGER", False)]  # fmt: skip
    with capsys.disabled():
        for a, b, tumour in pairs:
            prints, afs, _ = cohort
            _, value = identity.concordance(prints[a].genotypes, prints[b].genotypes)
            print(f"{a} vs {b}: LOD {lod(cohort, a, b, tumour):.1f}, concordance {value:.2f}")
