"""One HL7 FHIR R4 Bundle per clinical report, after the Genomics Reporting implementation guide
(profiles in ../shared/specs/fhir-genomics-reporting): a `genomic-report` DiagnosticReport with
the page as presentedForm, a `genomic-study` Procedure and its `genomic-study-analysis` (studied
and uncalled regions, genome build, change types, specimens), one `variant` Observation per
reported small variant (coded HGVS on versioned accessions, HGNC gene, allelic depth), one per
structural variant and per copy-number change (copy number, ISCN-style description), a
`molecular-consequence` Observation per variant with a consequence, TMB/MSI `molecular-biomarker`
Observations with their `biomarker-category`, the Specimens (tumour and matched normal) and the
Patient as a pseudonymous identifier only.

Status: `preliminary` until the lab signs the report out (report.signoff), `final` after;
never `final` for a QC FAIL. `issued` is the time the report was written.

What the workflow does not know is left out, never invented (no names, birth dates; a gene
without an HGNC ID in the table is coded with its Ensembl gene ID). Every bundle is validated with
the `fhir.resources` R4B models and against the IG's required elements and bindings
(`ig_problems`) before it is written; an invalid bundle fails the job.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

from dnaseq.report import nomenclature as nm

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition"
LOINC = "http://loinc.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAG_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"
HGVS = "http://varnomen.hgvs.org"
ENSEMBL = "http://www.ensembl.org"
UCUM = "http://unitsofmeasure.org"
# UUIDs derived from these, so the same report always gives the same bundle
NAMESPACE = uuid.UUID("6f1c1f64-7d4e-4c38-9b0e-5e3c6f0d2a11")

ZYGOSITY = {
    "heterozygous": ("LA6706-1", "Heterozygous"),
    "homozygous": ("LA6705-3", "Homozygous"),
    "hemizygous": ("LA6707-9", "Hemizygous"),
}
BUILDS = {"GRCh37": ("LA14029-5", "GRCh37"), "GRCh38": ("LA26806-2", "GRCh38")}
STATUSES = {
    "Observation": {"registered", "preliminary", "final", "amended", "corrected", "cancelled"},
    "DiagnosticReport": {"registered", "partial", "preliminary", "final", "amended", "corrected"},
    "Specimen": {"available", "unavailable", "unsatisfactory", "entered-in-error"},
}
SOURCE_CLASS = {
    "germline": ("LA6683-2", "Germline"),
    "somatic": ("LA6684-0", "Somatic"),
    "likely somatic": ("LA18195-0", "Likely somatic"),
    "likely germline": ("LA18194-3", "Likely germline"),
    "unknown": ("LA18197-6", "Unknown genomic origin"),
}
GENOMICS = "http://hl7.org/fhir/uv/genomics-reporting"
TBD = f"{GENOMICS}/CodeSystem/tbd-codes-cs"
BIOMARKER_CS = f"{GENOMICS}/CodeSystem/molecular-biomarker-ontology-cs"
HGNC = "http://www.genenames.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
SEQONT = "http://www.sequenceontology.org"
CLINVAR = "http://www.ncbi.nlm.nih.gov/clinvar"
SPECIMEN_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0487"
# v2-0487 specimen types: tumour tissue, blood (germline and matched normal samples)
SPECIMEN_TYPES = {
    "tumor": ("TUMOR", "Tumor"),
    "normal": ("BLD", "Whole blood"),
    "germline": ("BLD", "Whole blood"),
}
CHROMOSOMES = {  # LOINC LL2938-0 answers (required binding of 48000-4)
    "1": ("LA21254-0", "Chromosome 1"),
    "2": ("LA21255-7", "Chromosome 2"),
    "3": ("LA21256-5", "Chromosome 3"),
    "4": ("LA21257-3", "Chromosome 4"),
    "5": ("LA21258-1", "Chromosome 5"),
    "6": ("LA21259-9", "Chromosome 6"),
    "7": ("LA21260-7", "Chromosome 7"),
    "8": ("LA21261-5", "Chromosome 8"),
    "9": ("LA21262-3", "Chromosome 9"),
    "10": ("LA21263-1", "Chromosome 10"),
    "11": ("LA21264-9", "Chromosome 11"),
    "12": ("LA21265-6", "Chromosome 12"),
    "13": ("LA21266-4", "Chromosome 13"),
    "14": ("LA21267-2", "Chromosome 14"),
    "15": ("LA21268-0", "Chromosome 15"),
    "16": ("LA21269-8", "Chromosome 16"),
    "17": ("LA21270-6", "Chromosome 17"),
    "18": ("LA21271-4", "Chromosome 18"),
    "19": ("LA21272-2", "Chromosome 19"),
    "20": ("LA21273-0", "Chromosome 20"),
    "21": ("LA21274-8", "Chromosome 21"),
    "22": ("LA21275-5", "Chromosome 22"),
    "X": ("LA21276-3", "Chromosome X"),
    "Y": ("LA21277-1", "Chromosome Y"),
}
SV_TYPES = {
    "DEL": ("SO:0000159", "deletion"),
    "DUP": ("SO:1000035", "duplication"),
    "INV": ("SO:1000036", "inversion"),
    "INS": ("SO:0000667", "insertion"),
}
CNV_TYPES = {"gain": ("SO:0001742", "copy_number_gain"), "loss": ("SO:0001743", "copy_number_loss")}
SO_TYPES = nm.SO_TYPES
CONSEQUENCE_SO = {
    "missense_variant": "SO:0001583",
    "synonymous_variant": "SO:0001819",
    "stop_gained": "SO:0001587",
    "stop_lost": "SO:0001578",
    "start_lost": "SO:0002012",
    "frameshift_variant": "SO:0001589",
    "inframe_insertion": "SO:0001821",
    "inframe_deletion": "SO:0001822",
    "splice_acceptor_variant": "SO:0001574",
    "splice_donor_variant": "SO:0001575",
    "splice_region_variant": "SO:0001630",
    "intron_variant": "SO:0001627",
    "5_prime_UTR_variant": "SO:0001623",
    "3_prime_UTR_variant": "SO:0001624",
    "upstream_gene_variant": "SO:0001631",
    "downstream_gene_variant": "SO:0001632",
    "intergenic_variant": "SO:0001628",
    "intergenic_region": "SO:0000605",
    "non_coding_transcript_exon_variant": "SO:0001792",
    "intragenic_variant": "SO:0002011",
    "protein_altering_variant": "SO:0001818",
    "stop_retained_variant": "SO:0001567",
    "disruptive_inframe_deletion": "SO:0001826",
    "disruptive_inframe_insertion": "SO:0001824",
    "exon_loss_variant": "SO:0001572",
}


def coding(system: str, code: str, display: str | None = None) -> dict:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return {"coding": [result]}


def loinc(code: str, display: str) -> dict:
    return coding(LOINC, code, display)


def component(code: str, display: str, **value) -> dict:
    return {"code": loinc(code, display), **value}


def full_url(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


GE_CATEGORY = [coding(OBS_CATEGORY, "laboratory"), coding(DIAG_SERVICE, "GE", "Genetics")]


def chromosome(contig: str) -> dict | None:
    """48000-4 value: the LOINC chromosome answer of a contig name (chr21, 21), else None."""
    name = contig.removeprefix("chr")
    answer = CHROMOSOMES.get(name)
    return coding(LOINC, *answer) if answer else None


def gene_concept(gene: str, hgnc_id: str, gene_id: str) -> dict:
    """48018-6 value: HGNC ID as code, symbol as display; the Ensembl gene ID when HGNC has no
    entry for it (the IG asks for NCBI Gene then; the annotation gives Ensembl)."""
    if hgnc_id:
        return {**coding(HGNC, hgnc_id, gene), "text": gene}
    if gene_id:
        return {**coding(ENSEMBL, gene_id, gene), "text": gene}
    return {"text": gene}


def hgvs_concept(expression: str) -> dict:
    return {**coding(HGVS, expression, expression), "text": expression}


def assembly(build: str) -> dict:
    return coding(LOINC, *BUILDS[build]) if build in BUILDS else {"text": build or "unknown"}


def base_observation(profile: str, refs: dict, status: str, specimen: str = "specimen") -> dict:
    return {
        "resourceType": "Observation",
        "meta": {"profile": [f"{IG}/{profile}"]},
        "status": status,
        "category": GE_CATEGORY,
        "subject": {"reference": refs["patient"]},
        "specimen": {"reference": refs[specimen]},
    }


def location_components(v: dict, report: dict) -> list[dict]:
    build = v.get("build") or report["reference_build"]
    components = [
        component(
            "62374-4",
            "Human reference sequence assembly version",
            valueCodeableConcept=assembly(build),
        ),
        component(
            "92822-6",
            "Genomic coordinate system [Type]",
            valueCodeableConcept=coding(LOINC, "LA30102-0", "1-based character counting"),
        ),
    ]
    if v.get("genomic_accession"):
        components.append(
            component(
                "48013-7",
                "Genomic reference sequence [ID]",
                valueCodeableConcept=coding(REFSEQ, v["genomic_accession"]),
            )
        )
    chrom = chromosome(v["chrom"])
    if chrom:
        components.append(
            component(
                "48000-4",
                "Chromosome [Identifier] in Blood or Tissue by Molecular genetics method",
                valueCodeableConcept=chrom,
            )
        )
    return components


def variant_observation(v: dict, report: dict, refs: dict) -> dict:
    """A `variant` Observation (LOINC 69548-6) of one small variant."""
    origin = v.get("origin") or report["kind"]
    components = location_components(v, report)
    if v["gene"]:
        components.append(
            component(
                "48018-6",
                "Gene studied [ID]",
                valueCodeableConcept=gene_concept(
                    v["gene"], v.get("hgnc_id", ""), v.get("gene_id", "")
                ),
            )
        )
    components += [
        component(
            "81254-5",
            "Genomic allele start-end",
            valueRange={
                "low": {"value": v["pos"]},
                "high": {"value": v["pos"] + len(v["ref"]) - 1},
            },
        ),
        component("69547-8", "Genomic ref allele [ID]", valueString=v["ref"]),
        component("69551-0", "Genomic alt allele [ID]", valueString=v["alt"]),
        component(
            "48002-0",
            "Genomic source class [Type]",
            valueCodeableConcept=coding(LOINC, *SOURCE_CLASS[origin]),
        ),
    ]
    if v.get("hgvs_g"):
        components.append(
            component(
                "81290-9",
                "Genomic DNA change (gHGVS)",
                valueCodeableConcept=hgvs_concept(v["hgvs_g"]),
            )
        )
    if v.get("variant_type") in SO_TYPES:
        components.append(
            component(
                "48019-4",
                "DNA change type",
                valueCodeableConcept=coding(SEQONT, *SO_TYPES[v["variant_type"]]),
            )
        )
    components += transcript_components(v)
    if v.get("clinvar_id"):
        components.append(
            component(
                "81252-9",
                "Discrete genetic variant",
                valueCodeableConcept=coding(CLINVAR, v["clinvar_id"]),
            )
        )
    if report["kind"] == "germline" and v["zygosity"] in ZYGOSITY:
        components.append(
            component(
                "53034-5",
                "Allelic state",
                valueCodeableConcept=coding(LOINC, *ZYGOSITY[v["zygosity"]]),
            )
        )
    if v["vaf"] is not None:
        components.append(
            component(
                "81258-6",
                "Sample variant allelic frequency [NFr]",
                valueQuantity={"value": v["vaf"], "system": UCUM, "code": "1", "unit": "1"},
            )
        )
    if v.get("alt_depth") is not None:  # reads supporting the ALT allele, not the total depth
        components.append(
            component(
                "82121-5",
                "Allelic read depth",
                valueQuantity={"value": v["alt_depth"], "system": UCUM, "code": "1", "unit": "1"},
            )
        )
    return {
        **base_observation("variant", refs, report["status"]),
        "code": loinc("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": loinc("LA9633-4", "Present"),
        "method": loinc("LA26398-0", "Sequencing"),
        "component": components,
    }


def transcript_components(v: dict) -> list[dict]:
    """51958-7 (versioned transcript), 48004-6 (c./n. HGVS on it) and 48005-3 (p. HGVS on the
    versioned protein), as far as the variant has them."""
    result = []
    if v["transcript"] and "." in v["transcript"]:
        system = REFSEQ if v["transcript"].startswith(("NM_", "NR_", "XM_")) else ENSEMBL
        result.append(
            component(
                "51958-7",
                "Transcript reference sequence [ID]",
                valueCodeableConcept=coding(system, v["transcript"]),
            )
        )
        if v["hgvs_c"]:
            result.append(
                component(
                    "48004-6",
                    "DNA change (c.HGVS)",
                    valueCodeableConcept=hgvs_concept(f"{v['transcript']}:{v['hgvs_c']}"),
                )
            )
    if v["hgvs_p"] and v.get("protein_accession"):
        result.append(
            component(
                "48005-3",
                "Amino acid change (pHGVS)",
                valueCodeableConcept=hgvs_concept(f"{v['protein_accession']}:{v['hgvs_p']}"),
            )
        )
    return result


def consequence_observation(v: dict, report: dict, refs: dict, variant_url: str) -> dict | None:
    """A `molecular-consequence` Observation (the annotator's consequence on the reported
    transcript), derived from its variant."""
    terms = [t for t in (v.get("consequence") or "").split(",") if t]
    if not terms:
        return None
    components = [
        component_code(
            TBD,
            "feature-consequence",
            "Feature Consequence",
            valueCodeableConcept={
                "coding": [
                    {"system": SEQONT, "code": CONSEQUENCE_SO.get(t, t), "display": t}
                    for t in terms
                ],
                "text": ",".join(terms),
            },
        )
    ]
    components = transcript_components(v) + components
    observation = {
        **base_observation("molecular-consequence", refs, report["status"]),
        "code": coding(TBD, "molecular-consequence", "Molecular Consequence"),
        "derivedFrom": [{"reference": variant_url}],
        "component": components,
    }
    if v.get("impact"):
        annotator = report.get("annotator", "annotator")
        observation["interpretation"] = [{"text": f"{annotator} impact {v['impact']}"}]
    return observation


def component_code(system: str, code: str, display: str, **value) -> dict:
    return {"code": coding(system, code, display), **value}


def sv_observation(sv: dict, report: dict, refs: dict) -> dict:
    """A `variant` Observation of one structural variant (type, breakpoints, ISCN-style
    description, genes)."""
    v = {"chrom": sv["chrom"], "build": "", "genomic_accession": sv.get("genomic_accession", "")}
    components = location_components(v, report)
    components += [
        component(
            "81254-5",
            "Genomic allele start-end",
            valueRange={"low": {"value": sv["start"]}, "high": {"value": sv["end"]}},
        ),
        component(
            "48019-4", "DNA change type", valueCodeableConcept=coding(SEQONT, *SV_TYPES[sv["type"]])
        ),
        component(
            "48002-0",
            "Genomic source class [Type]",
            valueCodeableConcept=coding(LOINC, *SOURCE_CLASS["germline"]),
        ),
    ]
    if sv.get("iscn"):
        components.append(
            component("81291-7", "Variant ISCN", valueCodeableConcept={"text": sv["iscn"]})
        )
    if sv.get("hgvs_g"):
        components.append(
            component(
                "81290-9",
                "Genomic DNA change (gHGVS)",
                valueCodeableConcept=hgvs_concept(sv["hgvs_g"]),
            )
        )
    for gene in [g for g in sv.get("genes", "").split(",") if g]:
        components.append(
            component("48018-6", "Gene studied [ID]", valueCodeableConcept={"text": gene})
        )
    if sv.get("genotype") in ("0/1", "1/1"):
        state = ZYGOSITY["heterozygous" if sv["genotype"] == "0/1" else "homozygous"]
        components.append(
            component("53034-5", "Allelic state", valueCodeableConcept=coding(LOINC, *state))
        )
    return {
        **base_observation("variant", refs, report["status"]),
        "code": loinc("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": loinc("LA9633-4", "Present"),
        "method": loinc("LA26398-0", "Sequencing"),
        "component": components,
    }


def cnv_observation(gene: dict, report: dict, refs: dict) -> dict:
    """A `variant` Observation of one gene-level copy-number change (CNVkit)."""
    v = {"chrom": gene.get("chrom", ""), "build": ""}
    components = [
        c
        for c in location_components(v, report)
        if v["chrom"] or c["code"]["coding"][0]["code"] != "48000-4"
    ]
    components += [
        component("48018-6", "Gene studied [ID]", valueCodeableConcept={"text": gene["gene"]}),
        component(
            "48019-4",
            "DNA change type",
            valueCodeableConcept=coding(SEQONT, *CNV_TYPES[gene["call"]]),
        ),
        component(
            "82155-3",
            "Genomic structural variant copy number",
            valueQuantity={
                "value": int(gene["copy_number"]),
                "system": UCUM,
                "code": "1",
                "unit": "1",
            },
        ),
        component(
            "48002-0",
            "Genomic source class [Type]",
            valueCodeableConcept=coding(
                LOINC, *SOURCE_CLASS["somatic" if report["kind"] == "somatic" else "germline"]
            ),
        ),
    ]
    return {
        **base_observation("variant", refs, report["status"]),
        "code": loinc("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": loinc("LA9633-4", "Present"),
        "method": loinc("LA26398-0", "Sequencing"),
        "component": components,
    }


BIOMARKER_CATEGORY = component_code(
    TBD,
    "biomarker-category",
    "Biomarker Category",
    valueCodeableConcept=coding(BIOMARKER_CS, "molgen", "molecular sequence adjacent category"),
)


def biomarker_observations(report: dict, refs: dict) -> list[dict]:
    """TMB (LOINC 94076-7, mutations/Mb; dataAbsentReason when not evaluable) and MSI
    (81695-9) for tumours, with their biomarker-category."""
    base = {
        **base_observation("molecular-biomarker", refs, report["status"]),
        "component": [BIOMARKER_CATEGORY],
    }
    result = []
    tmb = report["biomarkers"].get("tmb")
    if tmb:
        observation = {
            **base,
            "code": loinc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
            "note": [{"text": f"Computed on {tmb['territory']} ({tmb['caller']} calls)."}],
        }
        if tmb["value"] is None:
            observation["dataAbsentReason"] = coding(
                "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "not-performed",
                "Not Performed",
            )
            observation["note"].append({"text": f"Not evaluable: {tmb['not_evaluable_reason']}"})
        else:
            observation["valueQuantity"] = {
                "value": tmb["value"],
                "unit": "mutations/Mb",
                "system": UCUM,
                "code": "1/10*6{Base}",
            }
        result.append(observation)
    msi = report["biomarkers"].get("msi")
    if msi and msi.get("status"):
        stable = msi["status"].upper().startswith("MSS") or msi["status"].lower() == "stable"
        value = ("LA14122-8", "Stable") if stable else ("LA14124-4", "MSI-H")
        result.append(
            {
                **base,
                "code": loinc(
                    "81695-9",
                    "Microsatellite instability [Interpretation] in Cancer specimen Qualitative",
                ),
                "valueCodeableConcept": coding(LOINC, *value),
            }
        )
    return result


def report_status(report: dict) -> str:
    """preliminary until signed out; final only when signed out and not a QC FAIL."""
    if report.get("signoff") and report["verdict"] != "FAIL":
        return "final"
    return "preliminary"


def specimen_resource(report: dict, sample: str, kind: str, settings: dict, refs: dict) -> dict:
    code, display = SPECIMEN_TYPES.get(kind, ("BLD", "Whole blood"))
    resource = {
        "resourceType": "Specimen",
        "identifier": [{"system": settings["specimen_identifier_system"], "value": sample}],
        "status": "available",
        "type": {**coding(SPECIMEN_TYPE, code, display), "text": display},
        "subject": {"reference": refs["patient"]},
    }
    if sample == report["sample"] and report.get("specimen"):
        resource["accessionIdentifier"] = {"value": report["specimen"]}
    if sample == report["sample"] and report.get("collection_date"):
        resource["collection"] = {"collectedDateTime": report["collection_date"]}
    return resource


def genomic_study(report: dict, refs: dict, status: str) -> tuple[dict, dict]:
    """GenomicStudy (Procedure) and its analysis: studied regions (the targets or the callable
    territory), uncalled regions (targets not adequately tested), build, change types."""
    coverage = report.get("coverage", {})
    regions_studied = coverage.get("territory") or report.get("variant_territory", "")
    uncalled = coverage.get("low_regions", [])
    region_ext = [
        {
            "url": "description",
            "valueString": (
                f"Studied: {regions_studied}. Uncalled (not adequately tested): "
                + (
                    ", ".join(
                        f"{x['target']} {x['contig']}:{x['start']}-{x['end']}" for x in uncalled
                    )
                    or "none"
                )
            ),
        }
    ]
    for x in uncalled:
        region_ext.append(
            {
                "url": "uncalled",
                "valueCodeableConcept": {
                    "text": f"{x['target']} {x['contig']}:{x['start']}-{x['end']}"
                    f" ({x.get('reason', '')})"
                },
            }
        )
    source = SOURCE_CLASS["somatic" if report["kind"] == "somatic" else "germline"]
    build = report["reference_build"]
    analysis = {
        "resourceType": "Procedure",
        "meta": {"profile": [f"{IG}/genomic-study-analysis"]},
        "extension": [
            {
                "url": f"{IG}/genomic-study-analysis-genomic-source-class",
                "valueCodeableConcept": coding(LOINC, *source),
            },
            {
                "url": f"{IG}/genomic-study-analysis-genome-build",
                "valueCodeableConcept": assembly(build),
            },
            *(
                {
                    "url": f"{IG}/genomic-study-analysis-change-type",
                    "valueCodeableConcept": coding(SEQONT, *t),
                }
                for t in (SO_TYPES["SNV"], SO_TYPES["deletion"], SO_TYPES["insertion"])
            ),
            {
                "url": f"{IG}/genomic-study-analysis-specimen",
                "valueReference": {"reference": refs["specimen"]},
            },
            {"url": f"{IG}/genomic-study-analysis-regions", "extension": region_ext},
        ],
        "status": "completed",
        "category": {"coding": [{"system": OBS_CATEGORY, "code": "laboratory"}]},
        "code": {"text": report["analysis"]},
        "subject": {"reference": refs["patient"]},
        "performedDateTime": report["issued"],
    }
    if "normal_specimen" in refs:
        analysis["extension"].insert(
            4,
            {
                "url": f"{IG}/genomic-study-analysis-specimen",
                "valueReference": {"reference": refs["normal_specimen"]},
            },
        )
    study = {
        "resourceType": "Procedure",
        "meta": {"profile": [f"{IG}/genomic-study"]},
        "extension": [
            {
                "url": f"{IG}/genomic-study-analysis-ext",
                "valueReference": {"reference": refs["analysis"]},
            }
        ],
        "status": "completed",
        "category": {"coding": [{"system": OBS_CATEGORY, "code": "laboratory"}]},
        "code": {"text": f"DNA sequencing, {report['analysis']}"},
        "subject": {"reference": refs["patient"]},
        "performedDateTime": report["issued"],
    }
    return study, analysis


def bundle(report: dict, settings: dict, html: str = "") -> dict:
    """The Bundle (type collection) of one report, as a plain dict."""
    key = report["report_id"]
    report = {**report, "status": report_status(report)}
    report.setdefault("issued", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    refs = {
        "patient": full_url("Patient", report["patient"] or report["sample"]),
        "specimen": full_url("Specimen", report["sample"]),
        "report": full_url("DiagnosticReport", key),
        "study": full_url("GenomicStudy", key),
        "analysis": full_url("GenomicStudyAnalysis", key),
    }
    if report.get("matched_normal"):
        refs["normal_specimen"] = full_url("Specimen", report["matched_normal"])
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {"system": settings["patient_identifier_system"], "value": report["patient"]}
        ],
    }
    kind = report["sample_type"] or "germline"
    entries = [
        (refs["patient"], patient),
        (refs["specimen"], specimen_resource(report, report["sample"], kind, settings, refs)),
    ]
    if "normal_specimen" in refs:
        entries.append(
            (
                refs["normal_specimen"],
                specimen_resource(report, report["matched_normal"], "normal", settings, refs),
            )
        )
    study, analysis = genomic_study(report, refs, report["status"])
    entries += [(refs["study"], study), (refs["analysis"], analysis)]
    results = []
    for i, v in enumerate(report["variants"] + report.get("likely_germline", [])):
        url = full_url("Observation", f"{key}/variant/{i}")
        results.append((url, variant_observation(v, report, refs)))
        consequence = consequence_observation(v, report, refs, url)
        if consequence:
            results.append((full_url("Observation", f"{key}/consequence/{i}"), consequence))
    for i, sv in enumerate(
        r for r in report.get("structural_variants", []) if r["filter"] == "PASS"
    ):
        results.append((full_url("Observation", f"{key}/sv/{i}"), sv_observation(sv, report, refs)))
    for i, gene in enumerate(
        g for g in report.get("copy_number", {}).get("genes", []) if g["call"] in CNV_TYPES
    ):
        results.append(
            (full_url("Observation", f"{key}/cnv/{i}"), cnv_observation(gene, report, refs))
        )
    for i, marker in enumerate(biomarker_observations(report, refs)):
        results.append((full_url("Observation", f"{key}/biomarker/{i}"), marker))
    signoff = report.get("signoff") or {}
    conclusion = (
        f"QC verdict {report['verdict']}. {len(report['variants'])} reported variants "
        f"({report['analysis']}; caller {report['caller']})."
        + (
            " Tumour-only analysis without germline filtering: somatic status of every variant"
            " unknown."
            if report.get("tumour_only_unfiltered")
            else ""
        )
        + (
            f" Signed out by {signoff['reviewer']} on {signoff['date']}:"
            f" {signoff.get('conclusion', '')}"
            if signoff
            else " Not signed out: preliminary."
        )
        + f" Analysis ID {report['provenance']['analysis_id']}, workflow"
        f" {report['provenance']['workflow_version']}."
    )
    diagnostic = {
        "resourceType": "DiagnosticReport",
        "meta": {"profile": [f"{IG}/genomic-report"]},
        "extension": [
            {"url": f"{IG}/genomic-study-reference", "valueReference": {"reference": refs["study"]}}
        ],
        "identifier": [
            {"system": "urn:dnaseq:analysis-id", "value": f"{report['provenance']['analysis_id']}"}
        ],
        "status": report["status"],
        "category": [coding(DIAG_SERVICE, "GE", "Genetics")],
        "code": loinc("51969-4", "Genetic analysis report"),
        "subject": {"reference": refs["patient"]},
        "effectiveDateTime": report["analysis_date"],
        "issued": report["issued"],
        "specimen": [{"reference": refs["specimen"]}]
        + ([{"reference": refs["normal_specimen"]}] if "normal_specimen" in refs else []),
        "result": [{"reference": url} for url, _ in results],
        "conclusion": conclusion,
    }
    performers = []
    if report.get("performer"):
        performers.append({"display": report["performer"]})
    if performers:
        diagnostic["performer"] = performers
    if signoff:
        diagnostic["resultsInterpreter"] = [{"display": signoff["reviewer"]}]
    if html:
        diagnostic["presentedForm"] = [
            {
                "contentType": "text/html",
                "data": base64.b64encode(html.encode()).decode(),
                "title": f"{key} clinical report",
                "creation": report["issued"],
            }
        ]
    entries = [(refs["report"], diagnostic), *entries, *results]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"Bundle/{key}")),
        "type": "collection",
        "timestamp": report["issued"],
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def ig_problems(data: dict) -> list[str]:
    """The IG's required elements and bindings, checked on top of the model validation."""
    problems = []
    resources = [e["resource"] for e in data["entry"]]
    reports = [r for r in resources if r["resourceType"] == "DiagnosticReport"]
    if len(reports) != 1:
        problems.append(f"{len(reports)} DiagnosticReports, expected 1")
    for r in reports:
        if r["code"]["coding"][0]["code"] != "51969-4":
            problems.append("DiagnosticReport.code is not LOINC 51969-4")
        if not any(c["coding"][0]["code"] == "GE" for c in r["category"]):
            problems.append("DiagnosticReport.category lacks GE (Genetics)")
        if "T00:00:00" in r.get("issued", ""):
            problems.append("DiagnosticReport.issued is a made-up midnight")
    for r in resources:
        # required bindings the models leave to the validator (codes are strings to them)
        if "status" in r and r["status"] not in STATUSES.get(r["resourceType"], {r["status"]}):
            problems.append(f"{r['resourceType']}.status {r['status']!r} is not a FHIR status")
    urls = {e["fullUrl"] for e in data["entry"]}
    for r in resources:
        for ref in [
            r.get("subject"),
            r.get("specimen"),
            *(r.get("specimen") if isinstance(r.get("specimen"), list) else []),
            *(reports[0]["result"] if reports else []),
            *(r.get("derivedFrom") or []),
        ]:
            if isinstance(ref, dict) and ref["reference"] not in urls:
                problems.append(f"unresolved reference {ref['reference']}")
    for r in resources:
        if r["resourceType"] != "Observation":
            continue
        profile = r["meta"]["profile"][0].rsplit("/", 1)[1]
        codes = {c["code"]["coding"][0]["code"]: c for c in r.get("component", [])}
        cats = {c["coding"][0]["code"] for c in r["category"]}
        if not {"laboratory", "GE"} <= cats:
            problems.append(f"{profile} Observation lacks the laboratory and GE categories")
        if profile == "variant":
            small = "69547-8" in codes or "69551-0" in codes  # SVs/CNVs have no alleles
            for required in ("69547-8", "69551-0") if small else ():
                if required not in codes:
                    problems.append(f"variant Observation lacks component {required}")
            # a gene-level copy number has no breakpoints: its gene and copy number instead
            located = ("81254-5",) if "82155-3" not in codes else ("48018-6",)
            for required in ("92822-6", "48002-0", "62374-4", *located):
                if required not in codes:
                    problems.append(f"variant Observation lacks component {required}")
            if r["code"]["coding"][0]["code"] != "69548-6":
                problems.append("variant Observation code is not LOINC 69548-6")
            problems += hgvs_binding_problems(codes)
            gene = codes.get("48018-6")
            if gene and not gene["valueCodeableConcept"].get("coding") and r["component"][0]:
                pass  # SV/CNV gene names without IDs are text (no gene table for them)
            chrom = codes.get("48000-4")
            if chrom and chrom["valueCodeableConcept"]["coding"][0]["code"] not in {
                c for c, _ in CHROMOSOMES.values()
            }:
                problems.append("48000-4 is not a LOINC LL2938-0 chromosome answer")
            depth = codes.get("82121-5")
            if depth and depth["valueQuantity"].get("code") != "1":
                problems.append("82121-5 allelic read depth is not a count")
            ref_seq = codes.get("48013-7")
            if ref_seq and not ref_seq["valueCodeableConcept"]["coding"][0]["code"].startswith(
                ("NC_", "NG_", "LRG_")
            ):
                problems.append("48013-7 is not a versioned RefSeq genomic accession")
        if profile == "molecular-biomarker":
            if "biomarker-category" not in codes:
                problems.append("molecular-biomarker Observation lacks its biomarker-category")
            if (
                "valueQuantity" not in r
                and "valueCodeableConcept" not in r
                and "dataAbsentReason" not in r
            ):
                problems.append(
                    "molecular-biomarker Observation has no value and no dataAbsentReason"
                )
    return problems


HGVS_ACCESSION = re.compile(
    r"^(NC_|NG_|NM_|NR_|NP_|XM_|XR_|XP_|ENST|ENSP|LRG_)[A-Za-z0-9_]*\.\d+:[cgnp]\."
)


def hgvs_binding_problems(codes: dict[str, dict]) -> list[str]:
    """HGVSVS (required): coded HGVS on a versioned accession, never text."""
    problems = []
    for code in ("81290-9", "48004-6", "48005-3"):
        entry = codes.get(code)
        if not entry:
            continue
        concept = entry["valueCodeableConcept"]
        coded = concept.get("coding") or [{}]
        if coded[0].get("system") != HGVS or not HGVS_ACCESSION.match(coded[0].get("code", "")):
            problems.append(f"{code} is not HGVS coded on a versioned accession")
    return problems


def validate(data: dict) -> None:
    """Raise ValueError when the bundle is not valid FHIR R4B or breaks the IG's required codes."""
    Bundle.model_validate(data)
    problems = ig_problems(data)
    if problems:
        raise ValueError("; ".join(sorted(set(problems))))


def write_bundle(report: dict, settings: dict, output: Path, source: str, html: str = "") -> int:
    """Build, validate and write the bundle of one report; 1 (nothing written) when invalid.
    Called by the clinical-report step, in the same job as the report it encodes."""
    try:
        data = bundle(report, settings, html)
        validate(data)
    except (ValueError, TypeError, KeyError) as error:
        print(f"{source}: the FHIR bundle is invalid: {error}", file=sys.stderr)
        return 1
    output.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(
        f"{report['report_id']}: FHIR bundle with {len(data['entry'])} resources", file=sys.stderr
    )
    return 0
