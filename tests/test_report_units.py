"""Unit tests of the clinical report's data functions (scripts/dnaseq/report): transcript choice,
HGVS normalisation, QC grading, the FHIR bundle's validation. No workflow run, no mocks."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dnaseq.report import fhir, qc, variants
from dnaseq.report.build import msi_result
from dnaseq.report.variants import Annotation


def ann(transcript: str, impact: str = "MODERATE", **extra) -> Annotation:
    return Annotation(
        allele="T",
        consequence="missense_variant",
        impact=impact,
        gene=f"gene_of_{transcript}",
        transcript=transcript,
        hgvs_c="c.1A>T",
        hgvs_p="p.Lys1Ter",
        **extra,
    )


def test_hgvs_is_written_the_same_for_both_annotators():
    assert variants.clean_hgvs("ENST00000620528.4:c.733G>A") == "c.733G>A"
    assert variants.clean_hgvs("ENSP00000485439.1:p.Leu820%3D") == "p.Leu820="
    assert variants.clean_hgvs("p.Leu820Leu") == "p.Leu820="
    assert variants.clean_hgvs("p.Asp56Glu") == "p.Asp56Glu"
    assert variants.bare_transcript("transcript:ENST00000620528") == "ENST00000620528"
    assert variants.bare_transcript("ENST00000620528.4") == "ENST00000620528"


def test_listed_transcript_wins_over_severity_and_flags():
    listed = {"ENST2": "GENE2"}
    chosen, gene, basis = variants.choose_annotation(
        [ann("ENST1", "HIGH", mane_select=True), ann("ENST2", "LOW")], listed
    )
    assert (chosen.transcript, gene, basis) == ("ENST2", "GENE2", "lab transcript list")


def test_mane_then_canonical_then_most_severe():
    chosen, _, basis = variants.choose_annotation(
        [ann("A", "HIGH"), ann("B", canonical=True), ann("C", "LOW", mane_select=True)], {}
    )
    assert (chosen.transcript, basis) == ("C", "MANE Select")
    chosen, _, basis = variants.choose_annotation([ann("A", "HIGH"), ann("B", canonical=True)], {})
    assert (chosen.transcript, basis) == ("B", "Ensembl canonical")
    chosen, _, basis = variants.choose_annotation([ann("A", "LOW"), ann("B", "HIGH")], {})
    assert (chosen.transcript, basis) == ("B", "most severe; no listed transcript")
    assert variants.choose_annotation([], {}) == (None, "", "no annotation")


def test_transcript_list_errors_name_file_and_line(tmp_path):
    path = tmp_path / "transcripts.tsv"
    path.write_text("# comment\ngene\ttranscript\nBRCA1\tENST1\nBRCA1\tENST2\n")
    with pytest.raises(ValueError, match=r"transcripts.tsv, line 4: gene BRCA1 already"):
        variants.read_transcript_list(path)
    path.write_text("gene\ttranscript\nA\tENST1.2\nB\tENST1\n")
    with pytest.raises(ValueError, match=r"line 3: transcript ENST1 listed twice"):
        variants.read_transcript_list(path)
    path.write_text("symbol\tid\nA\tENST1\n")
    with pytest.raises(ValueError, match="columns gene and transcript"):
        variants.read_transcript_list(path)
    path.write_text("gene\ttranscript\r\nA\tENST1.3\r\n")  # saved from Excel on Windows
    assert variants.read_transcript_list(path) == {"ENST1": "A"}


def test_zygosity():
    assert variants.zygosity((0, 1), 1) == "heterozygous"
    assert variants.zygosity((1, 1), 1) == "homozygous"
    assert variants.zygosity((1,), 1) == "hemizygous"
    assert variants.zygosity((0, 0), 1) == "absent"
    assert variants.zygosity((None, None), 1) == "no call"
    assert variants.zygosity((1, 2), 2) == "heterozygous"


def test_targets_with_padding():
    bed = {"chr1": [(100, 200, "T1"), (500, 600, "T2")]}
    assert variants.target_of(bed, "chr1", 101) == "T1"
    assert variants.target_of(bed, "chr1", 100) is None
    assert variants.target_of(bed, "chr2", 150) is None


def test_report_levels_grade_both_directions():
    metric = qc.graded("dup", "d", 0.4, {"warn": 0.3, "fail": 0.6}, higher_is_better=False)
    assert metric.verdict == "WARN" and metric.threshold == "WARN if > 0.3; FAIL if > 0.6"
    assert qc.graded("f", "f", 0.5, {"warn": 0.9, "fail": 0.8}, True).verdict == "FAIL"
    assert qc.graded("f", "f", 0.95, {"warn": 0.9}, True).verdict == "PASS"
    assert qc.overall([metric, qc.graded("f", "f", 0.5, {"fail": 0.8}, True)]) == "FAIL"
    assert qc.overall([]) == "PASS"


def concordance(*rows: tuple[str, str, str, str, str]) -> list[dict[str, str]]:
    keys = ["sample_a", "sample_b", "concordance", "expected", "status"]
    return [dict(zip(keys, r, strict=True), sites="30", lod="12.0") for r in rows]


def test_identity_needs_a_same_person_comparison():
    unrelated = ("S1", "S2", "nan", "different people", "NOT_COMPARABLE")
    assert qc.fingerprint_metric("S1", concordance(unrelated)).verdict == "WARN"
    same = ("S1", "expected genotypes", "1.0", "same person", "OK")
    assert qc.fingerprint_metric("S1", concordance(unrelated, same)).verdict == "PASS"
    swap = ("S1", "S3", "0.4", "same person", "FAIL: same patient but two people (LOD -9.0)")
    metric = qc.fingerprint_metric("S1", concordance(same, swap))
    assert metric.verdict == "FAIL" and "S3" in metric.description
    unsure = ("S1", "S4", "0.9", "same person", "INCONCLUSIVE: LOD 1.0 between -3 and 3")
    assert qc.fingerprint_metric("S1", concordance(unrelated, unsure)).verdict == "WARN"


def test_msi_result(tmp_path):
    path = tmp_path / "msi.txt"
    path.write_text("Total_Number_of_Sites\tNumber_of_Somatic_Sites\t%\n200\t50\t25.00\n")
    assert msi_result(path, 20)["status"] == "MSI-H"
    assert msi_result(path, 30)["status"] == "MSS"
    path.write_text("nothing\n")
    with pytest.raises(ValueError, match="not an MSIsensor-pro result"):
        msi_result(path, 20)


def minimal_report(kind: str = "germline") -> dict:
    return {
        "report_id": "S1",
        "sample": "S1",
        "patient": "P1",
        "sample_type": kind,
        "kind": kind,
        "analysis": kind,
        "analysis_date": "2026-11-30",
        "reference_build": "GRCh38",
        "caller": "bcftools",
        "verdict": "PASS",
        "provenance": {"analysis_id": "abc", "workflow_version": "v1"},
        "biomarkers": {"tmb": {"value": 5.2, "territory": "1 Mb", "caller": "x"}}
        if kind == "somatic"
        else {},
        "variants": [
            {
                "chrom": "chr1",
                "pos": 100,
                "ref": "A",
                "alt": "T",
                "gene": "G1",
                "transcript": "ENST1",
                "hgvs_c": "c.1A>T",
                "hgvs_p": "p.Lys1Ter",
                "zygosity": "heterozygous",
                "vaf": 0.5,
                "depth": 30,
            }
        ],
    }


SETTINGS = {"patient_identifier_system": "urn:x:p", "specimen_identifier_system": "urn:x:s"}


@pytest.mark.parametrize("kind", ["germline", "somatic"])
def test_fhir_bundle_is_valid_and_complete(kind):
    data = fhir.bundle(minimal_report(kind), SETTINGS)
    fhir.validate(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("DiagnosticReport") == 1 and kinds.count("Patient") == 1
    assert kinds.count("Observation") == (2 if kind == "somatic" else 1)
    patient = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert set(patient) == {"resourceType", "identifier"}  # no name, birth date, ...
    assert fhir.bundle(minimal_report(kind), SETTINGS) == data  # deterministic


def test_invalid_fhir_bundle_is_refused(tmp_path):
    data = fhir.bundle(minimal_report(), SETTINGS)
    broken = copy.deepcopy(data)
    broken["entry"][0]["resource"]["status"] = "finished-ish"  # not a FHIR status code
    with pytest.raises(ValueError, match="not a FHIR status"):
        fhir.validate(broken)
    broken = copy.deepcopy(data)
    broken["entry"][0]["resource"]["subject"] = "Patient/1"  # a string, not a Reference
    with pytest.raises(ValueError, match="subject"):
        fhir.validate(broken)
    missing = copy.deepcopy(data)
    observation = missing["entry"][-1]["resource"]
    observation["component"] = [
        c for c in observation["component"] if c["code"]["coding"][0]["code"] != "69547-8"
    ]
    with pytest.raises(ValueError, match="lacks component 69547-8"):
        fhir.validate(missing)
    bad = minimal_report()
    bad["variants"][0]["pos"] = "not a number"
    out = tmp_path / "b.json"
    code = fhir.write_bundle(bad, SETTINGS, out, "r.json")
    assert code == 1 and not out.exists()


def test_gene_names_come_from_the_gff(tmp_path: Path):
    gff = tmp_path / "genes.gff3"
    gff.write_text(
        "##gff-version 3\n"
        "chr1\tx\tgene\t1\t100\t.\t+\t.\tID=gene:G1;Name=ABC1;gene_id=G1\n"
        "chr1\tx\tmRNA\t1\t100\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;transcript_id=T1\n"
        "chr1\tx\tCDS\t1\t100\t.\t+\t0\tID=CDS:P1;Parent=transcript:T1\n"
    )
    assert variants.gff_transcript_genes(gff) == {"T1": "ABC1"}


def test_a_metric_that_cannot_fail_is_info_not_pass(tmp_path):
    """A gate minimum of 0 (the bundled scenario's depth) and a sex check that cannot run (no
    X/Y in the reference) are shown as INFO, never as a PASS or a WARN nobody can act on."""
    verdict = tmp_path / "v.json"
    metrics = [
        {"name": "mean_depth", "description": "d", "value": 0.67, "threshold": 0,
         "verdict": "PASS"},
        {"name": "mapped_fraction", "description": "m", "value": 0.99, "threshold": 0.5,
         "verdict": "PASS"},
    ]  # fmt: skip
    verdict.write_text(json.dumps({"sample": "S1", "verdict": "PASS", "metrics": metrics}))
    depth, mapped = qc.gate_metrics(verdict)
    assert (depth.verdict, depth.threshold) == ("INFO", "not gated (minimum 0)")
    assert (mapped.verdict, mapped.threshold) == ("PASS", ">= 0.5")
    assert qc.identity_status("SKIPPED") == "INFO"
    assert qc.overall([depth, mapped]) == "PASS"
