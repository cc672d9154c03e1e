"""Interpretation evidence the workflow prepares for the lab (the lab decides; every item here is
labelled a suggestion and carries its evidence).

Sources, each optional and named in the config (`interpretation`):
- **ClinVar VCF** (NCBI's `clinvar.vcf.gz` for the build, normalised like the calls): clinical
  significance (CLNSIG), review status (CLNREVSTAT), condition (CLNDN), variation ID (the ID
  column); matched on contig, position, REF and ALT (`chr` prefixes ignored).
- **Knowledge base of somatic variants and biomarkers** (TSV, e.g. a CIViC export reduced to the
  columns below; format in config/README.md): gene, variant (protein change `p.Val600Glu` or a
  genomic key `contig:pos:ref:alt`), disease, tumour_site (ICD-O-3 topography, empty: any),
  evidence_level (A-E, CIViC/AMP), significance, therapy, source.
- **Population frequency**: a sites VCF with INFO/AF (e.g. gnomAD), else the annotator's
  population AF (VEP MAX_AF/gnomAD fields).

Suggestions:
- ACMG/AMP 2015 codes that need no judgement (germline): PVS1 *candidate* for null variants
  (the gene's disease mechanism and NMD still need review), BA1 (AF > ba1), BS1 (AF > bs1;
  disease-specific, review), PM2_Supporting (absent, or AF < pm2, from a consulted population
  resource; ClinGen SVI 2020 downgrades PM2 to supporting). Without a population resource none of
  the frequency codes is given: "not assessed" is said, never implied absent.
- AMP/ASCO/CAP 2017 tier (somatic, Li et al. J Mol Diagn 19:4): Tier I from level A/B evidence
  in the same tumour site, Tier II from A/B in another site or level C/D, Tier IV for a variant
  common in the population (AF >= 1 %) or benign in ClinVar, else Tier III (unknown significance).
- A section for the findings summary: `reportable`, `vus` or `other` (folded).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pysam

NULL_CONSEQUENCES = {
    "stop_gained",
    "frameshift_variant",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "start_lost",
    "transcript_ablation",
    "exon_loss_variant",
}
PROTEIN_ALTERING = NULL_CONSEQUENCES | {
    "missense_variant",
    "inframe_insertion",
    "inframe_deletion",
    "disruptive_inframe_insertion",
    "disruptive_inframe_deletion",
    "stop_lost",
    "protein_altering_variant",
    "splice_region_variant",
}
PATHOGENIC = {"Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic"}
BENIGN = {"Benign", "Likely_benign", "Benign/Likely_benign"}
KB_COLUMNS = [
    "gene",
    "variant",
    "disease",
    "tumour_site",
    "evidence_level",
    "significance",
    "therapy",
    "source",
]


@dataclass
class Evidence:
    """What the interpretation sources say of one variant, and the suggestions drawn from them."""

    clinvar_significance: str = ""
    clinvar_review_status: str = ""
    clinvar_condition: str = ""
    clinvar_id: str = ""
    population_af: float | None = None
    population_source: str = ""
    knowledge: list[dict[str, str]] = field(default_factory=list)
    acmg: list[str] = field(default_factory=list)
    amp_tier: str = ""
    section: str = "other"

    def as_dict(self) -> dict:
        return {
            "clinvar_significance": self.clinvar_significance,
            "clinvar_review_status": self.clinvar_review_status,
            "clinvar_condition": self.clinvar_condition,
            "clinvar_id": self.clinvar_id,
            "population_af": self.population_af,
            "population_source": self.population_source,
            "knowledge": self.knowledge,
            "acmg_suggested": self.acmg,
            "amp_tier_suggested": self.amp_tier,
            "section": self.section,
        }


def _names(contig: str) -> list[str]:
    return [contig, contig[3:]] if contig.startswith("chr") else [contig, f"chr{contig}"]


class SitesVcf:
    """Exact allele lookup in an indexed VCF (tabix/csi), whatever its contig naming."""

    def __init__(self, path: str | Path | None):
        self.handle = pysam.VariantFile(str(path)) if path else None
        self.contigs = set(self.handle.header.contigs) if self.handle else set()

    def find(self, contig: str, pos: int, ref: str, alt: str):
        if self.handle is None:
            return None
        for name in _names(contig):
            if name not in self.contigs:
                continue
            try:
                records = self.handle.fetch(name, pos - 1, pos)
            except ValueError:
                continue
            for record in records:
                if record.pos == pos and record.ref == ref and alt in (record.alts or ()):
                    return record, record.alts.index(alt)
        return None


def info_text(record: pysam.VariantRecord, key: str) -> str:
    """An INFO field as text ('' when the VCF's header does not declare it)."""
    if key not in record.header.info:
        return ""
    value = record.info.get(key)
    if value is None:
        return ""
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def read_knowledge_base(path: str | Path | None) -> list[dict[str, str]]:
    """The knowledge-base TSV; a missing column or an evidence level outside A-E is an error
    naming the line."""
    if not path:
        return []
    with open(path, newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle, 1) if not line.startswith("#")]
    reader = csv.DictReader((line for _, line in lines), delimiter="\t")
    missing = set(KB_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows = []
    for (number, _), row in zip(lines[1:], reader, strict=True):
        if row["evidence_level"] not in tuple("ABCDE"):
            raise ValueError(
                f"{path}, line {number}: evidence_level {row['evidence_level']!r} is not A-E"
            )
        rows.append({k: (row[k] or "").strip() for k in KB_COLUMNS})
    return rows


def bare_protein(change: str) -> str:
    """`p.(Glu245Lys)` -> `p.Glu245Lys` (the knowledge base's spelling)."""
    return change.replace("(", "").replace(")", "")


@dataclass
class Settings:
    ba1: float = 0.05
    bs1: float = 0.01
    pm2: float = 0.0001
    tumour_site: str = ""


class Interpreter:
    def __init__(
        self,
        clinvar: str | Path | None = None,
        knowledge_base: str | Path | None = None,
        population: str | Path | None = None,
        population_field: str = "AF",
        settings: Settings | None = None,
    ):
        self.clinvar = SitesVcf(clinvar)
        self.population = SitesVcf(population)
        self.population_field = population_field
        self.knowledge = read_knowledge_base(knowledge_base)
        self.settings = settings or Settings()
        self.sources = {
            "clinvar": Path(clinvar).name if clinvar else "",
            "knowledge_base": Path(knowledge_base).name if knowledge_base else "",
            "population": Path(population).name if population else "",
        }

    def population_af(self, row: dict) -> tuple[float | None, str]:
        """(AF, source): the configured VCF (absent there = 0.0), else the annotator's AF."""
        if self.population.handle is not None:
            hit = self.population.find(row["chrom"], row["pos"], row["ref"], row["alt"])
            if hit is None:
                return 0.0, self.sources["population"]
            record, index = hit
            value = record.info.get(self.population_field)
            if isinstance(value, tuple):
                value = value[index]
            return (float(value) if value is not None else None), self.sources["population"]
        if row.get("population_af") is not None:
            return row["population_af"], "annotation"
        return None, ""

    def evidence(self, row: dict, somatic: bool) -> Evidence:
        ev = Evidence()
        hit = self.clinvar.find(row["chrom"], row["pos"], row["ref"], row["alt"])
        if hit:
            record, _ = hit
            ev.clinvar_significance = info_text(record, "CLNSIG")
            ev.clinvar_review_status = info_text(record, "CLNREVSTAT")
            ev.clinvar_condition = info_text(record, "CLNDN").replace("_", " ")
            ev.clinvar_id = record.id or ""
        ev.population_af, ev.population_source = self.population_af(row)
        genomic = f"{row['chrom']}:{row['pos']}:{row['ref']}:{row['alt']}"
        protein = bare_protein(row.get("hgvs_p", ""))
        ev.knowledge = [
            k
            for k in self.knowledge
            if k["variant"] == genomic
            or (k["gene"] == row["gene"] and protein and k["variant"] == protein)
        ]
        consequences = set((row.get("consequence") or "").split(","))
        if somatic:
            ev.amp_tier = self.amp_tier(ev)
            protein_altering = bool(consequences & PROTEIN_ALTERING)
            ev.section = (
                "reportable"
                if ev.amp_tier.startswith(("Tier I ", "Tier II "))
                else "vus"
                if ev.amp_tier.startswith("Tier III") and protein_altering
                else "other"
            )
        else:
            ev.acmg = self.acmg(ev, consequences)
            significance = set(ev.clinvar_significance.split(","))
            benign = significance & BENIGN or any(c.startswith(("BA1", "BS1")) for c in ev.acmg)
            if significance & PATHOGENIC or any(c.startswith("PVS1") for c in ev.acmg):
                ev.section = "reportable"
            elif not benign and (
                "Uncertain_significance" in significance or consequences & PROTEIN_ALTERING
            ):
                ev.section = "vus"
        return ev

    def acmg(self, ev: Evidence, consequences: set[str]) -> list[str]:
        s = self.settings
        codes = []
        if consequences & NULL_CONSEQUENCES:
            codes.append(
                "PVS1 candidate (null variant; disease mechanism, NMD and transcript to review)"
            )
        af = ev.population_af
        if af is not None:
            if af > s.ba1:
                codes.append(f"BA1 (population AF {af:.4g} > {s.ba1})")
            elif af > s.bs1:
                codes.append(f"BS1 (population AF {af:.4g} > {s.bs1}; disease-specific, review)")
            elif af < s.pm2:
                codes.append(
                    f"PM2_Supporting (population AF {af:.4g} < {s.pm2} in {ev.population_source})"
                )
        return codes

    def amp_tier(self, ev: Evidence) -> str:
        common = ev.population_af is not None and ev.population_af >= 0.01
        if common or set(ev.clinvar_significance.split(",")) & BENIGN:
            return "Tier IV (benign or likely benign: common in the population or ClinVar benign)"
        site = self.settings.tumour_site
        best = ""
        for k in ev.knowledge:
            same_site = not k["tumour_site"] or (site and site.startswith(k["tumour_site"]))
            level = k["evidence_level"]
            if level in "AB" and same_site:
                return (
                    f"Tier I (level {level}: {k['therapy'] or k['significance']}, {k['disease']})"
                )
            if level in "ABCD":
                best = best or (
                    f"Tier II (level {'C' if level in 'AB' else level}: "
                    f"{k['therapy'] or k['significance']}, {k['disease']})"
                )
        return best or "Tier III (unknown significance: not in the configured knowledge base)"
