"""Variant nomenclature of the reports: HGVS g./c./n./p. with versioned accessions, variant
types, HGNC gene IDs.

- **Genomic (g.)**: from the VCF record and the reference, on the versioned RefSeq accession of
  the contig (`resources/reference/accessions/<build>.tsv`, or the lab's own table). Indels are
  shifted 3' as HGVS requires (VCF left-aligns them) and an insertion that repeats the bases
  before it is written as a duplication. A contig without an accession gets no g. string (never
  one on a made-up name).
- **Coding (c.) / non-coding (n.) and protein (p.)**: from the annotator, on the versioned
  transcript (its version from the GFF3 the annotation was built from, or from VEP's own HGVS).
  Never on a gene ID: snpEff writes `n.<genomic position>` on the gene for intragenic variants;
  that is dropped. Predicted protein changes are put in parentheses (`p.(Glu245Lys)`), deleted
  and duplicated bases are not repeated (`c.10_12del`, HGVS recommendation since 2016).
- **Protein accession**: VEP names the versioned protein (`ENSP...n`); snpEff does not, and an
  unversioned protein accession is not an HGVS reference: then the p. change is shown without
  accession and not coded in FHIR (documented in config/README.md).

Every string this module emits is checked with the `hgvs` package's parser in the tests.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

TRANSCRIPT_PREFIXES = ("ENST", "NM_", "NR_", "XM_", "XR_", "LRG_")
THREE_TO_ONE_PREDICTED = re.compile(r"^p\.(?!\()(.+)$")
DEL_DUP_SEQUENCE = re.compile(r"(del|dup)[ACGTNacgtn]+$")
VERSIONED = re.compile(r"^[A-Z][A-Z0-9_]+\d\.\d+$")

# Sequence Ontology terms of the variant types (FHIR coding-change-type, registry)
SO_TYPES = {
    "SNV": ("SO:0001483", "SNV"),
    "MNV": ("SO:0002007", "MNV"),
    "deletion": ("SO:0000159", "deletion"),
    "insertion": ("SO:0000667", "insertion"),
    "duplication": ("SO:1000035", "duplication"),
    "delins": ("SO:1000032", "delins"),
}


@dataclass(frozen=True)
class Accession:
    contig: str
    accession: str
    length: int
    build: str


def read_accessions(path: str | Path | None) -> dict[str, Accession]:
    """Contig name -> versioned RefSeq accession (TSV: contig, accession, length, build; `#`
    comments). A contig listed twice or a malformed line is an error naming the line."""
    if not path:
        return {}
    table: dict[str, Accession] = {}
    with open(path, newline="") as handle:
        for number, line in enumerate(handle, 1):
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if fields[0] == "contig":
                continue
            if len(fields) < 4 or not fields[2].isdigit() or "." not in fields[1]:
                raise ValueError(
                    f"{path}, line {number}: expected contig, versioned accession, length, build"
                )
            if fields[0] in table:
                raise ValueError(f"{path}, line {number}: contig {fields[0]} listed twice")
            table[fields[0]] = Accession(fields[0], fields[1], int(fields[2]), fields[3])
    return table


def check_accessions(table: dict[str, Accession], lengths: dict[str, int], source: str) -> None:
    """A reference contig longer than its accession's sequence is not that sequence (another
    build or another chromosome): refuse, rather than describe variants on it."""
    for contig, length in lengths.items():
        entry = table.get(contig)
        if entry and length > entry.length:
            raise ValueError(
                f"{source}: contig {contig} is {length} bp but {entry.accession} ({entry.build})"
                f" is {entry.length} bp: not the same sequence; fix the accession table"
            )


@dataclass(frozen=True)
class Transcript:
    transcript: str  # unversioned ID
    version: str
    gene: str
    gene_id: str
    biotype: str
    protein: str

    @property
    def versioned(self) -> str:
        return f"{self.transcript}.{self.version}" if self.version else self.transcript


def gff_transcripts(gff3: str | Path) -> dict[str, Transcript]:
    """transcript ID -> Transcript (version, gene name and ID, biotype, protein ID) from an
    Ensembl-style GFF3 (plain or gzip)."""
    genes: dict[str, tuple[str, str]] = {}
    rows: dict[str, dict[str, str]] = {}
    proteins: dict[str, str] = {}
    opener = gzip.open if str(gff3).endswith(".gz") else open
    with opener(gff3, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 9:
                continue
            attrs = dict(kv.split("=", 1) for kv in fields[8].split(";") if "=" in kv)
            ident = attrs.get("ID", "")
            if ident.startswith("gene:"):
                gene_id = attrs.get("gene_id", ident[5:])
                genes[ident] = (attrs.get("Name") or gene_id, gene_id)
            elif "transcript_id" in attrs and attrs.get("Parent", "").startswith("gene:"):
                rows[attrs["transcript_id"]] = attrs
            elif fields[2] == "CDS" and "protein_id" in attrs:
                parent = attrs.get("Parent", "")
                if parent.startswith("transcript:"):
                    proteins[parent[11:]] = attrs["protein_id"]
    result = {}
    for transcript, attrs in rows.items():
        if attrs["Parent"] not in genes:
            continue
        name, gene_id = genes[attrs["Parent"]]
        result[transcript] = Transcript(
            transcript,
            attrs.get("version", ""),
            name,
            gene_id,
            attrs.get("biotype", ""),
            proteins.get(transcript, ""),
        )
    return result


TRANSCRIPT_COLUMNS = ["transcript", "gene", "version", "gene_id", "biotype", "protein"]


def write_transcripts(gff3: str | Path, output: str | Path) -> None:
    with open(output, "w") as handle:
        handle.write("\t".join(TRANSCRIPT_COLUMNS) + "\n")
        for key, t in sorted(gff_transcripts(gff3).items()):
            handle.write(f"{key}\t{t.gene}\t{t.version}\t{t.gene_id}\t{t.biotype}\t{t.protein}\n")


def read_transcripts(path: str | Path | None) -> dict[str, Transcript]:
    if not path:
        return {}
    with open(path, newline="") as handle:
        return {
            r["transcript"]: Transcript(
                r["transcript"],
                r.get("version", ""),
                r["gene"],
                r.get("gene_id", ""),
                r.get("biotype", ""),
                r.get("protein", ""),
            )
            for r in csv.DictReader(handle, delimiter="\t")
        }


def read_hgnc(path: str | Path | None) -> dict[str, tuple[str, str]]:
    """Ensembl gene ID and symbol -> (HGNC ID, approved symbol), from HGNC's complete set
    (`hgnc_complete_set.txt`, or any TSV with its columns hgnc_id, symbol, ensembl_gene_id;
    `prev_symbol` and `alias_symbol` are used when present). Withdrawn entries are skipped."""
    if not path:
        return {}
    table: dict[str, tuple[str, str]] = {}
    aliases: dict[str, tuple[str, str]] = {}
    with open(path, newline="") as handle:
        reader = csv.DictReader(
            (line for line in handle if not line.startswith("#")), delimiter="\t"
        )
        if not reader.fieldnames or not {"hgnc_id", "symbol"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs the tab-separated columns hgnc_id and symbol")
        for row in reader:
            if row.get("status", "Approved") != "Approved" or not row["hgnc_id"].startswith(
                "HGNC:"
            ):
                continue
            value = (row["hgnc_id"], row["symbol"])
            table[row["symbol"]] = value
            if row.get("ensembl_gene_id"):
                table[row["ensembl_gene_id"]] = value
            for column in ("prev_symbol", "alias_symbol"):
                for name in (row.get(column) or "").strip('"').split("|"):
                    if name:
                        aliases.setdefault(name, value)
    return {**aliases, **table}


def hgnc_of(
    table: dict[str, tuple[str, str]], gene_id: str, symbol: str, annotated: str = ""
) -> str:
    """The gene's HGNC ID: the annotator's (VEP HGNC_ID) first, then the table by Ensembl gene
    ID, then by symbol; '' when none (the reports then code the Ensembl gene ID)."""
    if annotated:
        return annotated if annotated.startswith("HGNC:") else f"HGNC:{annotated}"
    for key in (gene_id, symbol):
        if key and key in table:
            return table[key][0]
    return ""


def is_transcript(feature: str) -> bool:
    return feature.startswith(TRANSCRIPT_PREFIXES)


def versioned_transcript(feature: str, hgvs_c: str, transcripts: dict[str, Transcript]) -> str:
    """The transcript with its version: from the annotator's HGVS prefix (VEP), else from the
    GFF3 table; the bare ID when neither knows it."""
    if ":" in hgvs_c:
        prefix = hgvs_c.split(":", 1)[0]
        if VERSIONED.match(prefix) and prefix.split(".")[0] == feature.split(".")[0]:
            return prefix
    if VERSIONED.match(feature):
        return feature
    entry = transcripts.get(feature.split(".")[0])
    return entry.versioned if entry else feature


def coding_change(hgvs_c: str, feature: str) -> str:
    """c./n. without prefix, deleted/duplicated bases not repeated; '' on a non-transcript."""
    if not hgvs_c or not is_transcript(feature):
        return ""
    change = hgvs_c.split(":", 1)[1] if ":" in hgvs_c else hgvs_c
    if not change.startswith(("c.", "n.")):
        return ""
    return DEL_DUP_SEQUENCE.sub(r"\1", change)


def protein_change(hgvs_p: str) -> str:
    """Predicted protein change in parentheses: `p.(Glu245Lys)`, `p.(Leu820=)`; `p.?`, `p.=`
    and `p.0` stay as they are."""
    change = hgvs_p.split(":", 1)[1] if ":" in hgvs_p else hgvs_p
    if not change.startswith("p.") or change in ("p.?", "p.=", "p.0", "p.0?"):
        return change
    return THREE_TO_ONE_PREDICTED.sub(r"p.(\1)", change)


def protein_accession(hgvs_p: str) -> str:
    """The versioned protein accession of VEP's HGVSp (`ENSP00000354587.3:p...`), else ''."""
    if ":" in hgvs_p:
        prefix = hgvs_p.split(":", 1)[0]
        if VERSIONED.match(prefix):
            return prefix
    return ""


def trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Minimal representation: common suffix, then common prefix removed (pos moves along)."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt


def variant_type(ref: str, alt: str) -> str:
    """SNV, MNV, deletion, insertion or delins, from a VCF REF/ALT pair."""
    _, r, a = trim(0, ref, alt)
    if len(r) == 1 and len(a) == 1:
        return "SNV"
    if not a:
        return "deletion"
    if not r:
        return "insertion"
    return "MNV" if len(r) == len(a) else "delins"


class Sequence:
    """1-based base lookup on a FASTA (pysam), cached per contig window."""

    def __init__(self, fasta: str | Path | None):
        import pysam

        self.fasta = pysam.FastaFile(str(fasta)) if fasta else None

    def bases(self, contig: str, start: int, end: int) -> str:
        """Bases start..end (1-based, inclusive), upper case."""
        if self.fasta is None or start < 1 or end < start:
            return ""
        return self.fasta.fetch(contig, start - 1, end).upper()


def genomic_change(contig: str, pos: int, ref: str, alt: str, seq: Sequence) -> tuple[str, str]:
    """(g. description, variant type) of one VCF allele, indels shifted 3' on the reference."""
    pos, r, a = trim(pos, ref.upper(), alt.upper())
    if len(r) == 1 and len(a) == 1:
        return f"g.{pos}{r}>{a}", "SNV"
    if r and a:
        span = f"{pos}_{pos + len(r) - 1}" if len(r) > 1 else f"{pos}"
        return f"g.{span}delins{a}", "MNV" if len(r) == len(a) else "delins"
    if not a:  # deletion of r at pos..end
        start, end, deleted = pos, pos + len(r) - 1, r
        while True:
            following = seq.bases(contig, end + 1, end + 1)
            if not following or following != deleted[0]:
                break
            deleted, start, end = deleted[1:] + following, start + 1, end + 1
        span = f"{start}_{end}" if end > start else f"{start}"
        return f"g.{span}del", "deletion"
    # insertion of a between pos-1 and pos
    after, inserted = pos - 1, a
    while True:
        following = seq.bases(contig, after + 1, after + 1)
        if not following or following != inserted[0]:
            break
        inserted, after = inserted[1:] + following, after + 1
    before = seq.bases(contig, after - len(inserted) + 1, after)
    if before == inserted:
        start = after - len(inserted) + 1
        span = f"{start}_{after}" if after > start else f"{start}"
        return f"g.{span}dup", "duplication"
    return f"g.{after}_{after + 1}ins{inserted}", "insertion"


def genomic_hgvs(
    accessions: dict[str, Accession], contig: str, pos: int, ref: str, alt: str, seq: Sequence
) -> tuple[str, str]:
    """(`NC_...:g.` string or '' when the contig has no accession, variant type)."""
    change, kind = genomic_change(contig, pos, ref, alt, seq)
    entry = accessions.get(contig)
    return (f"{entry.accession}:{change}" if entry else ""), kind
