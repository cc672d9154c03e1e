"""Variant rows of the clinical report: one reported transcript per gene, whichever annotator ran.

The annotators name transcripts and genes differently (snpEff `transcript:ENST...` with gene
names taken from whatever the GFF3 offers, VEP `ENST...` with SYMBOL), and both list every
overlapping transcript. The report shows one annotation per variant, chosen in this order:

1. a transcript on the lab's list (`report.transcripts`: gene, transcript), most severe impact
   first, ties by transcript ID (never by the annotator's order);
2. a transcript the annotator marks MANE Select, then Ensembl canonical (VEP `MANE_SELECT`,
   `CANONICAL`; snpEff marks neither);
3. otherwise the most severe annotation, with `transcript_basis` saying that no listed transcript
   was available, so the reader knows the HGVS is of an unvetted transcript.

HGVS is written the same way for both annotators (VEP's URL-escaped `=` decoded, protein
synonymous changes as `p.(Leu820=)`), on versioned accessions: see dnaseq.report.nomenclature.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pysam

from dnaseq.report import nomenclature as nm

IMPACT_RANK = {"HIGH": 0, "MODERATE": 1, "LOW": 2, "MODIFIER": 3, "": 4}
SNPEFF_FIELDS = [
    "Allele",
    "Annotation",
    "IMPACT",
    "Gene_Name",
    "Gene_ID",
    "Feature_Type",
    "Feature_ID",
    "BIOTYPE",
    "Rank",
    "HGVSc",
    "HGVSp",
]
POPULATION_AF_FIELDS = ("MAX_AF", "gnomADe_AF", "gnomADg_AF", "gnomAD_AF", "AF")
SYNONYMOUS_P = re.compile(r"^p\.([A-Z][a-z]{2})(\d+)\1$")


@dataclass(frozen=True)
class Annotation:
    """One transcript annotation of one ALT allele, annotator-neutral."""

    allele: str
    consequence: str
    impact: str
    gene: str
    transcript: str
    hgvs_c: str
    hgvs_p: str
    mane_select: bool = False
    canonical: bool = False
    population_af: float | None = None
    gene_id: str = ""
    hgnc_id: str = ""
    hgvs_c_raw: str = ""
    hgvs_p_raw: str = ""


@dataclass
class VariantRow:
    """What the report, the variant table, FHIR and the registry show of one variant."""

    chrom: str
    pos: int
    ref: str
    alt: str
    filter: str
    gene: str
    transcript: str
    transcript_basis: str
    hgvs_c: str
    hgvs_p: str
    consequence: str
    impact: str
    genotype: str
    zygosity: str
    depth: int | None
    alt_depth: int | None
    vaf: float | None
    population_af: float | None
    callers: str = ""
    target: str = ""
    variant_type: str = ""
    hgvs_g: str = ""
    genomic_accession: str = ""
    build: str = ""
    protein_accession: str = ""
    gene_id: str = ""
    hgnc_id: str = ""
    origin: str = ""
    clinvar_significance: str = ""
    clinvar_review_status: str = ""
    clinvar_id: str = ""
    acmg_suggested: str = ""
    amp_tier_suggested: str = ""
    knowledge: str = ""
    section: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        row = asdict(self)
        row.pop("extra")
        return row


COLUMNS = [f for f in VariantRow.__dataclass_fields__ if f != "extra"]


def bare_transcript(name: str) -> str:
    """`transcript:ENST00000620528.4` -> `ENST00000620528` (the key the lab's list uses)."""
    name = name.split(":", 1)[1] if name.startswith("transcript:") else name
    return name.split(".", 1)[0] if name.startswith(("ENST", "NM_", "XM_")) else name


def clean_hgvs(value: str) -> str:
    """Drop the `ENST...:`/`ENSP...:` prefix, decode VEP's `%3D`, and write a synonymous
    protein change as `p.Leu820=` (snpEff writes `p.Leu820Leu`)."""
    value = unquote(value or "")
    if ":" in value:
        value = value.split(":", 1)[1]
    match = SYNONYMOUS_P.match(value)
    return f"p.{match.group(1)}{match.group(2)}=" if match else value


def read_transcript_list(path: str | Path | None) -> dict[str, str]:
    """The lab's reported transcripts (TSV with columns gene, transcript; `#` comments):
    transcript -> gene. A transcript listed twice, or a gene with two transcripts, is an
    error: the report must name one transcript per gene."""
    if not path:
        return {}
    genes: dict[str, str] = {}
    seen_genes: dict[str, int] = {}
    with open(path, newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle, 1) if not line.startswith("#")]
    reader = csv.DictReader((line for _, line in lines), delimiter="\t")
    if not reader.fieldnames or not {"gene", "transcript"} <= set(reader.fieldnames):
        raise ValueError(f"{path}: needs the tab-separated columns gene and transcript")
    for (number, _), row in zip(lines[1:], reader, strict=True):
        gene, transcript = (row["gene"] or "").strip(), bare_transcript(row["transcript"] or "")
        if not gene or not transcript:
            raise ValueError(f"{path}, line {number}: empty gene or transcript")
        if transcript in genes:
            raise ValueError(f"{path}, line {number}: transcript {transcript} listed twice")
        if gene in seen_genes:
            raise ValueError(
                f"{path}, line {number}: gene {gene} already has a transcript (line "
                f"{seen_genes[gene]}); the report names one transcript per gene"
            )
        genes[transcript] = gene
        seen_genes[gene] = number
    return genes


def _float(value: str) -> float | None:
    try:
        return float(value.split("&")[0]) if value else None
    except ValueError:
        return None


def annotation_fields(header: pysam.VariantHeader) -> tuple[str, list[str]] | None:
    """(INFO key, field names) of the annotation in this VCF: snpEff ANN or VEP CSQ."""
    if "CSQ" in header.info:
        description = header.info["CSQ"].description
        return "CSQ", description.split("Format:", 1)[1].strip().strip('"').split("|")
    if "ANN" in header.info:
        return "ANN", SNPEFF_FIELDS
    return None


def parse_annotations(values: Iterable[str], key: str, names: list[str]) -> list[Annotation]:
    """ANN or CSQ entries of one record, as Annotations."""
    result = []
    for entry in values:
        parts = dict(zip(names, entry.split("|"), strict=False))
        if key == "ANN":
            consequence, symbol = parts.get("Annotation", ""), parts.get("Gene_Name", "")
        else:
            consequence, symbol = parts.get("Consequence", ""), parts.get("SYMBOL", "")
        population = next(
            (v for v in (_float(parts.get(f, "")) for f in POPULATION_AF_FIELDS) if v is not None),
            None,
        )
        result.append(
            Annotation(
                allele=parts.get("Allele", ""),
                consequence=consequence.replace("&", ","),
                impact=parts.get("IMPACT", ""),
                gene=symbol,
                transcript=bare_transcript(parts.get("Feature", parts.get("Feature_ID", ""))),
                hgvs_c=clean_hgvs(parts.get("HGVSc", "")),
                hgvs_p=clean_hgvs(parts.get("HGVSp", "")),
                gene_id=parts.get("Gene", parts.get("Gene_ID", "")),
                hgnc_id=parts.get("HGNC_ID", ""),
                hgvs_c_raw=unquote(parts.get("HGVSc", "")),
                hgvs_p_raw=unquote(parts.get("HGVSp", "")),
                mane_select=bool(parts.get("MANE_SELECT") or parts.get("MANE")),
                canonical=parts.get("CANONICAL", "") == "YES",
                population_af=population,
            )
        )
    return result


def choose_annotation(
    annotations: list[Annotation], listed: dict[str, str]
) -> tuple[Annotation | None, str, str]:
    """(annotation, gene name, basis) per the module's rules; None when there is none."""
    if not annotations:
        return None, "", "no annotation"

    # ties broken by transcript ID, not by the annotator's order: the same choice for both
    ranked = sorted(annotations, key=lambda a: (IMPACT_RANK.get(a.impact, 4), a.transcript))
    for basis, keep in (
        ("lab transcript list", lambda a: a.transcript in listed),
        ("MANE Select", lambda a: a.mane_select),
        ("Ensembl canonical", lambda a: a.canonical),
    ):
        chosen = next((a for a in ranked if keep(a)), None)
        if chosen:
            return chosen, listed.get(chosen.transcript, chosen.gene), basis
    first = ranked[0]
    basis = "most severe; no listed transcript" if first.transcript else "no transcript"
    return first, first.gene, basis


def zygosity(genotype: tuple[int | None, ...] | None, alt_index: int) -> str:
    called = [a for a in (genotype or ()) if a is not None]
    if not called:
        return "no call"
    count = sum(1 for a in called if a == alt_index)
    if count == 0:
        return "absent"
    if len(called) == 1:
        return "hemizygous"
    return "homozygous" if count == len(called) else "heterozygous"


def _format(sample: pysam.libcbcf.VariantRecordSample, key: str):
    try:
        return sample[key]
    except KeyError:
        return None


def depths(sample: pysam.libcbcf.VariantRecordSample, alt_index: int):
    """(depth, ALT depth, VAF) from AD (else DP and AF) of one sample."""
    ad = _format(sample, "AD")
    dp = _format(sample, "DP")
    if ad and None not in ad and len(ad) > alt_index:
        total = sum(ad)
        alt = ad[alt_index]
        return (dp if dp is not None else total), alt, (round(alt / total, 4) if total else None)
    af = _format(sample, "AF")
    vaf = af[alt_index - 1] if isinstance(af, tuple) else af
    return dp, None, (round(vaf, 4) if vaf is not None else None)


def read_targets(
    path: str | Path | None, padding: int = 0
) -> dict[str, list[tuple[int, int, str]]]:
    """BED -> contig -> sorted (start, end, name), each widened by `padding` on both sides (the
    bases that were called around the targets)."""
    targets: dict[str, list[tuple[int, int, str]]] = {}
    if not path:
        return targets
    with open(path) as handle:
        for line in handle:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            name = fields[3] if len(fields) > 3 else ""
            start, end = max(0, int(fields[1]) - padding), int(fields[2]) + padding
            targets.setdefault(fields[0], []).append((start, end, name))
    for regions in targets.values():
        regions.sort()
    return targets


def target_of(targets: dict[str, list[tuple[int, int, str]]], chrom: str, pos: int) -> str | None:
    """Name of the target holding 1-based `pos` ('' for an unnamed one), None when outside."""
    for start, end, name in targets.get(chrom, []):
        if start < pos <= end:
            return name
        if start >= pos:
            break
    return None


@dataclass
class Naming:
    """What the nomenclature needs beyond the VCF: contig accessions, the GFF3's transcripts,
    the HGNC table and the reference sequence (for 3' shifting)."""

    accessions: dict[str, nm.Accession] = field(default_factory=dict)
    transcripts: dict[str, nm.Transcript] = field(default_factory=dict)
    hgnc: dict[str, tuple[str, str]] = field(default_factory=dict)
    sequence: nm.Sequence | None = None
    build: str = ""


def name_row(row: VariantRow, chosen: Annotation | None, naming: Naming) -> None:
    """Fill in the row's nomenclature: g. on the accession, versioned transcript, c./n. never on
    a gene ID, p. in parentheses with its protein accession, variant type, gene and HGNC IDs."""
    sequence = naming.sequence or nm.Sequence(None)
    row.hgvs_g, row.variant_type = nm.genomic_hgvs(
        naming.accessions, row.chrom, row.pos, row.ref, row.alt, sequence
    )
    entry = naming.accessions.get(row.chrom)
    row.genomic_accession = entry.accession if entry else ""
    row.build = entry.build if entry else naming.build
    if chosen is None:
        return
    feature = chosen.transcript
    known = naming.transcripts.get(feature.split(".")[0])
    if nm.is_transcript(feature):
        row.transcript = nm.versioned_transcript(feature, chosen.hgvs_c_raw, naming.transcripts)
        row.hgvs_c = nm.coding_change(chosen.hgvs_c_raw or chosen.hgvs_c, feature)
        row.hgvs_p = nm.protein_change(chosen.hgvs_p)
        row.protein_accession = nm.protein_accession(chosen.hgvs_p_raw)
    else:  # a gene or region: no transcript-level HGVS on it
        row.transcript, row.hgvs_c, row.hgvs_p = "", "", ""
    gene_id = chosen.gene_id.removeprefix("gene:")
    if not gene_id.startswith("ENSG") and known:
        gene_id = known.gene_id
    if not gene_id and feature.startswith("ENSG"):
        gene_id = feature
    row.gene_id = gene_id if gene_id.startswith("ENSG") else ""
    row.hgnc_id = nm.hgnc_of(naming.hgnc, row.gene_id, row.gene, chosen.hgnc_id)


def variant_rows(
    vcf: str | Path,
    sample: str,
    listed: dict[str, str],
    targets: dict[str, list[tuple[int, int, str]]] | None = None,
    somatic: bool = False,
    naming: Naming | None = None,
) -> list[VariantRow]:
    """Every ALT allele in the VCF that `sample` carries (germline: its genotype has the allele;
    somatic: every record, the tumour's genotype being a caller's guess), inside `targets` when
    given; PASS and filtered alike (the caller of this function separates them)."""
    naming = naming or Naming()
    gene_names = {k: t.gene for k, t in naming.transcripts.items()}
    rows = []
    with pysam.VariantFile(str(vcf)) as handle:
        fields = annotation_fields(handle.header)
        if sample not in handle.header.samples:
            raise ValueError(f"{vcf}: no sample column {sample}")
        for record in handle:
            target = target_of(targets, record.chrom, record.pos) if targets else ""
            if target is None:
                continue
            call = record.samples[sample]
            entries = record.info.get(fields[0], ()) if fields else ()
            annotations = parse_annotations(entries, *fields) if fields else []
            for index, alt in enumerate(record.alts or (), start=1):
                state = zygosity(call.get("GT"), index)
                if state in ("absent", "no call") and not somatic:
                    continue
                chosen, gene, basis = choose_annotation(
                    [a for a in annotations if a.allele in (alt, "")], listed
                )
                if chosen and basis != "lab transcript list" and gene_names:
                    gene = gene_names.get(chosen.transcript, gene)
                depth, alt_depth, vaf = depths(call, index)
                callers = record.info.get("CALLERS") if "CALLERS" in record.header.info else None
                row = VariantRow(
                    chrom=record.chrom,
                    pos=record.pos,
                    ref=record.ref,
                    alt=alt,
                    filter=";".join(record.filter.keys()) or ".",
                    gene=gene,
                    transcript=chosen.transcript if chosen else "",
                    transcript_basis=basis,
                    hgvs_c=chosen.hgvs_c if chosen else "",
                    hgvs_p=chosen.hgvs_p if chosen else "",
                    consequence=chosen.consequence if chosen else "",
                    impact=chosen.impact if chosen else "",
                    genotype="/".join("." if a is None else str(a) for a in call["GT"] or ()),
                    zygosity=state,
                    depth=depth,
                    alt_depth=alt_depth,
                    vaf=vaf,
                    population_af=chosen.population_af if chosen else None,
                    callers=",".join(callers) if callers else "",
                    target=target,
                )
                name_row(row, chosen, naming)
                rows.append(row)
    return rows


def gff_transcript_genes(gff3: str | Path) -> dict[str, str]:
    """transcript -> gene name from an Ensembl-style GFF3 (see nomenclature.gff_transcripts)."""
    return {k: t.gene for k, t in nm.gff_transcripts(gff3).items()}


def transcript_genes_main(argv: list[str] | None = None) -> int:
    """`python -m dnaseq.steps transcript-genes GFF3 OUTPUT`"""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: transcript-genes GFF3 OUTPUT", file=sys.stderr)
        return 2
    nm.write_transcripts(args[0], args[1])
    return 0
