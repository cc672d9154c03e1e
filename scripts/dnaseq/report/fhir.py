"""One HL7 FHIR R4 Bundle per clinical report, after the Genomics Reporting implementation guide
(STU3; profiles in ../shared/specs/fhir-genomics-reporting): a `genomic-report` DiagnosticReport,
one `variant` Observation per reported (PASS) variant, TMB/MSI `molecular-biomarker`
Observations for tumours, the Specimen, and the Patient as a pseudonymous identifier only.

What the workflow does not know is left out, never invented: no names, birth dates or HGNC IDs
(the gene symbol is given as text), no genomic RefSeq accession (the contig name is given as
text). Every bundle is validated with the `fhir.resources` R4B models (R4B = R4 plus
corrections; the resources used here are identical in R4) and against the IG's required codes
before it is written; an invalid bundle fails the job.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle

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
SOURCE_CLASS = {"germline": ("LA6683-2", "Germline"), "somatic": ("LA6684-0", "Somatic")}


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


def variant_observation(v: dict, report: dict, refs: dict) -> dict:
    """A `variant` Observation (LOINC 69548-6) with the components the workflow can fill."""
    kind = report["kind"]
    components = [
        component("48018-6", "Gene studied [ID]", valueCodeableConcept={"text": v["gene"]})
        if v["gene"]
        else None,
        component(
            "48013-7", "Genomic reference sequence [ID]", valueCodeableConcept={"text": v["chrom"]}
        ),
        component(
            "62374-4",
            "Human reference sequence assembly version",
            valueCodeableConcept=coding(LOINC, *BUILDS[report["reference_build"]])
            if report["reference_build"] in BUILDS
            else {"text": report["reference_build"]},
        ),
        component(
            "92822-6",
            "Genomic coordinate system [Type]",
            valueCodeableConcept=coding(LOINC, "LA30102-0", "1-based character counting"),
        ),
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
            valueCodeableConcept=coding(LOINC, *SOURCE_CLASS[kind]),
        ),
    ]
    if v["transcript"]:
        components.append(
            component(
                "51958-7",
                "Transcript reference sequence [ID]",
                valueCodeableConcept=coding(ENSEMBL, v["transcript"]),
            )
        )
    if v["hgvs_c"] and v["transcript"]:
        hgvs_c = f"{v['transcript']}:{v['hgvs_c']}"
        components.append(
            component("48004-6", "DNA change (c.HGVS)", valueCodeableConcept=coding(HGVS, hgvs_c))
        )
    if v["hgvs_p"]:
        components.append(
            component(
                "48005-3", "Amino acid change (pHGVS)", valueCodeableConcept={"text": v["hgvs_p"]}
            )
        )
    if kind == "germline" and v["zygosity"] in ZYGOSITY:
        components.append(
            component(
                "53034-5",
                "Allelic state",
                valueCodeableConcept=coding(LOINC, *ZYGOSITY[v["zygosity"]]),
            )
        )
    for code, display, value in (
        ("81258-6", "Sample variant allelic frequency [NFr]", v["vaf"]),
        ("82121-5", "Allelic read depth", v["depth"]),
    ):
        if value is not None:
            quantity = {"value": value, "system": UCUM, "code": "1", "unit": "1"}
            components.append(component(code, display, valueQuantity=quantity))
    return {
        "resourceType": "Observation",
        "meta": {"profile": [f"{IG}/variant"]},
        "status": "final",
        "category": GE_CATEGORY,
        "code": loinc("69548-6", "Genetic variant assessment"),
        "subject": {"reference": refs["patient"]},
        "specimen": {"reference": refs["specimen"]},
        "valueCodeableConcept": loinc("LA9633-4", "Present"),
        "method": loinc("LA26398-0", "Sequencing"),
        "component": [c for c in components if c],
    }


def biomarker_observations(report: dict, refs: dict) -> list[dict]:
    """TMB (LOINC 94076-7, mutations/Mb) and MSI (81695-9) for tumours, when computed."""
    base = {
        "resourceType": "Observation",
        "meta": {"profile": [f"{IG}/molecular-biomarker"]},
        "status": "final",
        "category": GE_CATEGORY,
        "subject": {"reference": refs["patient"]},
        "specimen": {"reference": refs["specimen"]},
    }
    result = []
    tmb = report["biomarkers"].get("tmb")
    if tmb:
        result.append(
            {
                **base,
                "code": loinc("94076-7", "Mutations/Megabase [# Ratio] in Tumor"),
                "valueQuantity": {
                    "value": tmb["value"],
                    "unit": "mutations/Mb",
                    "system": UCUM,
                    "code": "1/10*6{Base}",
                },
                "note": [{"text": f"Computed on {tmb['territory']} ({tmb['caller']} calls)."}],
            }
        )
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


def bundle(report: dict, settings: dict) -> dict:
    """The Bundle (type collection) of one report, as a plain dict."""
    key = report["report_id"]
    refs = {
        "patient": full_url("Patient", report["patient"] or report["sample"]),
        "specimen": full_url("Specimen", report["sample"]),
        "report": full_url("DiagnosticReport", key),
    }
    patient = {
        "resourceType": "Patient",
        "identifier": [
            {"system": settings["patient_identifier_system"], "value": report["patient"]}
        ],
    }
    specimen = {
        "resourceType": "Specimen",
        "identifier": [
            {"system": settings["specimen_identifier_system"], "value": report["sample"]}
        ],
        "type": {"text": report["sample_type"] or "DNA"},
        "subject": {"reference": refs["patient"]},
    }
    observations = [variant_observation(v, report, refs) for v in report["variants"]]
    observations += biomarker_observations(report, refs)
    obs_urls = [full_url("Observation", f"{key}/{i}") for i in range(len(observations))]
    diagnostic = {
        "resourceType": "DiagnosticReport",
        "meta": {"profile": [f"{IG}/genomic-report"]},
        "status": "final",
        "category": [coding(DIAG_SERVICE, "GE", "Genetics")],
        "code": loinc("51969-4", "Genetic analysis report"),
        "subject": {"reference": refs["patient"]},
        "effectiveDateTime": report["analysis_date"],
        "issued": f"{report['analysis_date']}T00:00:00Z",
        "specimen": [{"reference": refs["specimen"]}],
        "result": [{"reference": url} for url in obs_urls],
        "conclusion": (
            f"QC verdict {report['verdict']}. {len(report['variants'])} PASS variants "
            f"({report['analysis']}; caller {report['caller']}). Analysis ID "
            f"{report['provenance']['analysis_id']}, workflow "
            f"{report['provenance']['workflow_version']}."
        ),
    }
    entries = [
        (refs["report"], diagnostic),
        (refs["patient"], patient),
        (refs["specimen"], specimen),
    ]
    entries += list(zip(obs_urls, observations, strict=True))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"Bundle/{key}")),
        "type": "collection",
        "timestamp": f"{report['analysis_date']}T00:00:00Z",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def ig_problems(data: dict) -> list[str]:
    """The IG's required codes, checked on top of the model validation."""
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
    for r in resources:
        # required bindings the models leave to the validator (codes are strings to them)
        if "status" in r and r["status"] not in STATUSES[r["resourceType"]]:
            problems.append(f"{r['resourceType']}.status {r['status']!r} is not a FHIR status")
    urls = {e["fullUrl"] for e in data["entry"]}
    for r in resources:
        for ref in [
            r.get("subject"),
            r.get("specimen"),
            *(reports[0]["result"] if reports else []),
        ]:
            if isinstance(ref, dict) and ref["reference"] not in urls:
                problems.append(f"unresolved reference {ref['reference']}")
    for r in resources:
        if r["resourceType"] != "Observation" or f"{IG}/variant" not in r["meta"]["profile"]:
            continue
        codes = {c["code"]["coding"][0]["code"] for c in r["component"]}
        for required in ("48013-7", "69547-8", "69551-0", "92822-6", "81254-5", "48002-0"):
            if required not in codes:
                problems.append(f"variant Observation lacks component {required}")
        if r["code"]["coding"][0]["code"] != "69548-6":
            problems.append("variant Observation code is not LOINC 69548-6")
    return problems


def validate(data: dict) -> None:
    """Raise ValueError when the bundle is not valid FHIR R4B or breaks the IG's required codes."""
    Bundle.model_validate(data)
    problems = ig_problems(data)
    if problems:
        raise ValueError("; ".join(sorted(set(problems))))


def write_bundle(report: dict, settings: dict, output: Path, source: str) -> int:
    """Build, validate and write the bundle of one report; 1 (nothing written) when invalid.
    Called by the clinical-report step, in the same job as the report it encodes."""
    try:
        data = bundle(report, settings)
        validate(data)
    except (ValueError, TypeError, KeyError) as error:
        print(f"{source}: the FHIR bundle is invalid: {error}", file=sys.stderr)
        return 1
    output.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(
        f"{report['report_id']}: FHIR bundle with {len(data['entry'])} resources", file=sys.stderr
    )
    return 0
