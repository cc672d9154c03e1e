"""The reports against the standards their readers apply (issue 23): HGVS nomenclature (every
string checked with the `hgvs` package's parser), interpretation evidence and its suggestions,
the FHIR Genomics Reporting IG's elements, and the registry's data dictionary. Unit tests on
small real inputs (a FASTA written here, VCFs made with pysam): no workflow run, no mocks."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pysam
import pytest

from dnaseq.report import fhir, interpretation, registry
from dnaseq.report import nomenclature as nm

ROOT = Path(__file__).resolve().parents[1]
hgvs_parser = pytest.importorskip("hgvs.parser").Parser()

# chr1: 1-based positions 1..40
SEQUENCE = "ACGTACGTAA" + "AAAGGGCCCT" + "CAGCAGCAGT" + "TTTTGACGTA"


@pytest.fixture
def fasta(tmp_path) -> nm.Sequence:
    path = tmp_path / "ref.fa"
    path.write_text(f">chr1\n{SEQUENCE}\n")
    pysam.faidx(str(path))
    return nm.Sequence(path)


ACCESSIONS = {"chr1": nm.Accession("chr1", "NC_000001.11", 248956422, "GRCh38")}


@pytest.mark.parametrize(
    "pos, ref, alt, expected, kind",
    [
        (4, "T", "C", "g.4T>C", "SNV"),
        # VCF left-aligns: delete one A of the A run 9..13 -> HGVS shifts to its 3' end (13)
        (8, "TA", "T", "g.13del", "deletion"),
        # insert A in the same run -> a duplication of its last base
        (8, "T", "TA", "g.13dup", "duplication"),
        # insert CAG before the CAG repeat 21..29 -> dup of the 3'-most copy 27_29
        (20, "T", "TCAG", "g.27_29dup", "duplication"),
        # an insertion that repeats nothing
        (30, "T", "TGG", "g.30_31insGG", "insertion"),
        (14, "GGG", "TT", "g.14_16delinsTT", "delins"),
        (14, "GG", "TC", "g.14_15delinsTC", "MNV"),
    ],
)
def test_genomic_hgvs_is_shifted_3_prime_and_parses(fasta, pos, ref, alt, expected, kind):
    text, variant_type = nm.genomic_hgvs(ACCESSIONS, "chr1", pos, ref, alt, fasta)
    assert (text, variant_type) == (f"NC_000001.11:{expected}", kind)
    hgvs_parser.parse(text)


def test_no_genomic_hgvs_on_a_contig_without_accession(fasta):
    text, kind = nm.genomic_hgvs({}, "chr1", 4, "T", "C", fasta)
    assert text == "" and kind == "SNV"


def test_coding_and_protein_changes_follow_hgvs():
    transcripts = {"ENST1": nm.Transcript("ENST1", "4", "G", "ENSG1", "protein_coding", "ENSP1")}
    # snpEff's intragenic n. on a gene ID: no transcript-level HGVS at all
    assert nm.coding_change("n.5100008C>G", "ENSG00000280071") == ""
    # deleted/duplicated bases are not repeated; VEP's prefix removed
    assert nm.coding_change("ENST1.4:c.10_12delGAG", "ENST1") == "c.10_12del"
    assert nm.coding_change("c.195-7dupC", "ENST1") == "c.195-7dup"
    assert nm.coding_change("c.5_6delinsAT", "ENST1") == "c.5_6delinsAT"
    # predicted protein changes in parentheses
    assert nm.protein_change("p.Glu245Lys") == "p.(Glu245Lys)"
    assert nm.protein_change("ENSP1.3:p.Leu820=") == "p.(Leu820=)"
    assert nm.protein_change("p.?") == "p.?"
    # the transcript's version from the GFF3, or from VEP's own HGVS prefix
    assert nm.versioned_transcript("ENST1", "c.1A>T", transcripts) == "ENST1.4"
    assert nm.versioned_transcript("ENST2", "ENST2.7:c.1A>T", transcripts) == "ENST2.7"
    assert nm.protein_accession("ENSP1.3:p.Leu820=") == "ENSP1.3"
    assert nm.protein_accession("p.Leu820=") == ""
    for text in ("ENST1.4:c.10_12del", "ENST1.4:c.195-7dup", "ENSP1.3:p.(Glu245Lys)"):
        hgvs_parser.parse(text)


def test_accession_tables_of_the_project():
    for build, chr21 in (("GRCh38", "NC_000021.9"), ("GRCh37", "NC_000021.8")):
        table = nm.read_accessions(ROOT / f"resources/reference/accessions/{build}.tsv")
        assert table["chr21"].accession == table["21"].accession == chr21
        assert len({t.accession for t in table.values()}) == 25  # 1-22, X, Y, MT
    test = nm.read_accessions(ROOT / "resources/test/reference/accessions.tsv")
    assert test["chr20"].build == "GRCh37" and test["chr21"].build == "GRCh38"


def test_a_contig_longer_than_its_accession_is_refused(tmp_path):
    table = nm.read_accessions(ROOT / "resources/reference/accessions/GRCh38.tsv")
    nm.check_accessions(table, {"chr21": 46709983, "chrUn_x": 5}, "t.tsv")
    # hg19's chrM (16,571 bp) is not the rCRS NC_012920.1 (16,569 bp)
    with pytest.raises(ValueError, match="chrM is 16571 bp but NC_012920.1"):
        nm.check_accessions(table, {"chrM": 16571}, "t.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("contig\taccession\tlength\tbuild\nchr1\tNC_000001\tx\tGRCh38\n")
    with pytest.raises(ValueError, match="bad.tsv, line 2"):
        nm.read_accessions(bad)


def test_hgnc_table_and_fallbacks(tmp_path):
    table = tmp_path / "hgnc.tsv"
    table.write_text(
        "hgnc_id\tsymbol\tstatus\tensembl_gene_id\tprev_symbol\n"
        "HGNC:1100\tBRCA1\tApproved\tENSG00000012048\tRNF53\n"
        "HGNC:9\tOLD\tEntry Withdrawn\t\t\n"
    )
    genes = nm.read_hgnc(table)
    assert nm.hgnc_of(genes, "ENSG00000012048", "x") == "HGNC:1100"
    assert nm.hgnc_of(genes, "", "RNF53") == "HGNC:1100"  # a previous symbol
    assert nm.hgnc_of(genes, "", "OLD") == ""  # withdrawn
    assert nm.hgnc_of(genes, "", "x", annotated="1100") == "HGNC:1100"  # VEP's HGNC_ID


def write_vcf(path: Path, records: list[tuple], info: dict[str, str]) -> Path:
    header = pysam.VariantHeader()
    header.add_line("##contig=<ID=chr1>")
    for key, kind in info.items():
        header.add_line(f'##INFO=<ID={key},Number=.,Type={kind},Description="{key}">')
    plain = path.with_suffix("")
    with pysam.VariantFile(str(plain), "w", header=header) as out:
        for pos, ref, alt, ident, values in records:
            record = out.new_record(contig="chr1", start=pos - 1, alleles=(ref, alt), id=ident)
            for key, value in values.items():
                record.info[key] = value
            out.write(record)
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def test_interpretation_evidence_and_suggestions(tmp_path):
    clinvar = write_vcf(
        tmp_path / "clinvar.vcf.gz",
        [
            (10, "A", "T", "111", {"CLNSIG": ("Pathogenic",), "CLNREVSTAT": ("reviewed",)}),
            (20, "G", "C", "222", {"CLNSIG": ("Benign",), "CLNREVSTAT": ("single",)}),
        ],
        {"CLNSIG": "String", "CLNREVSTAT": "String"},
    )
    population = write_vcf(
        tmp_path / "gnomad.vcf.gz",
        [(30, "C", "T", ".", {"AF": (0.2,)}), (40, "C", "G", ".", {"AF": (0.02,)})],
        {"AF": "Float"},
    )
    kb = tmp_path / "kb.tsv"
    kb.write_text(
        "gene\tvariant\tdisease\ttumour_site\tevidence_level\tsignificance\ttherapy\tsource\n"
        "BRAF\tp.Val600Glu\tmelanoma\tC44\tA\tsensitivity\tvemurafenib\tEID1\n"
        "KRAS\tp.Gly12Cys\tlung\tC34\tA\tsensitivity\tsotorasib\tEID2\n"
    )
    it = interpretation.Interpreter(clinvar, kb, population, settings=interpretation.Settings(
        tumour_site="C34.1"))  # fmt: skip

    def row(pos, ref="A", alt="T", consequence="missense_variant", gene="", hgvs_p=""):
        return {"chrom": "1", "pos": pos, "ref": ref, "alt": alt, "consequence": consequence,
                "gene": gene, "hgvs_p": hgvs_p}  # fmt: skip

    ev = it.evidence(row(10), somatic=False)  # ClinVar found through the 'chr' prefix
    assert (ev.clinvar_significance, ev.clinvar_id, ev.section) == (
        "Pathogenic",
        "111",
        "reportable",
    )
    assert ev.acmg == ["PM2_Supporting (population AF 0 < 0.0001 in gnomad.vcf.gz)"]
    assert it.evidence(row(30, "C", "T"), somatic=False).acmg[0].startswith("BA1")
    assert it.evidence(row(40, "C", "G"), somatic=False).acmg[0].startswith("BS1")
    null = it.evidence(row(50, consequence="stop_gained"), somatic=False)
    assert null.acmg[0].startswith("PVS1 candidate") and null.section == "reportable"
    assert it.evidence(row(20, "G", "C"), somatic=False).section == "other"  # ClinVar benign
    # somatic: tier I in the same site, II in another, III unknown, IV common
    kras = it.evidence(row(60, gene="KRAS", hgvs_p="p.(Gly12Cys)"), somatic=True)
    braf = it.evidence(row(70, gene="BRAF", hgvs_p="p.(Val600Glu)"), somatic=True)
    assert kras.amp_tier.startswith("Tier I ") and kras.section == "reportable"
    assert braf.amp_tier.startswith("Tier II (level C")
    assert it.evidence(row(80), somatic=True).amp_tier.startswith("Tier III")
    assert it.evidence(row(30, "C", "T"), somatic=True).amp_tier.startswith("Tier IV")
    # without a population resource no frequency code is given, "absent" is never implied
    bare = interpretation.Interpreter()
    assert bare.evidence(row(10), somatic=False).acmg == []
    bad = tmp_path / "bad.tsv"
    bad.write_text(kb.read_text().replace("\tA\tsensitivity\tvemurafenib", "\tZ\ts\tv"))
    with pytest.raises(ValueError, match="bad.tsv, line 2: evidence_level 'Z'"):
        interpretation.read_knowledge_base(bad)


# ------------------------------------------------------------------ FHIR against the IG


def report(kind: str = "somatic", mode: str = "paired", verdict: str = "PASS", **extra) -> dict:
    variant = {
        "chrom": "chr21", "pos": 5117177, "ref": "C", "alt": "T", "gene": "BRCA1",
        "gene_id": "ENSG00000012048", "hgnc_id": "HGNC:1100", "transcript": "ENST00000357654.9",
        "hgvs_c": "c.733G>A", "hgvs_p": "p.(Glu245Lys)", "protein_accession": "ENSP00000350283.3",
        "hgvs_g": "NC_000021.9:g.5117177C>T", "genomic_accession": "NC_000021.9",
        "build": "GRCh38", "variant_type": "SNV", "consequence": "missense_variant",
        "impact": "MODERATE", "zygosity": "heterozygous", "vaf": 0.25, "depth": 40,
        "alt_depth": 10, "origin": "somatic" if kind == "somatic" else "germline",
        "clinvar_id": "12345",
    }  # fmt: skip
    data = {
        "report_id": "T1.paired", "sample": "T1", "patient": "P1", "sample_type": "tumor",
        "kind": kind, "mode": mode, "analysis": "somatic, paired", "matched_normal": "N1",
        "analysis_date": "2026-12-03", "issued": "2026-12-03T10:11:12Z",
        "reference_build": "GRCh38", "caller": "ensemble", "annotator": "snpeff",
        "verdict": verdict, "provenance": {"analysis_id": "abc123", "workflow_version": "0.7.0"},
        "biomarkers": {"tmb": {"value": None, "not_evaluable_reason": "0.006 Mb < 0.5 Mb",
                               "territory": "5864 bp", "caller": "ensemble"}},
        "variants": [variant], "likely_germline": [],
        "structural_variants": [{"type": "DEL", "chrom": "chr21", "start": 9620001,
                                 "end": 9620400, "length": 400, "genotype": "0/1",
                                 "genes": "G1", "filter": "PASS",
                                 "genomic_accession": "NC_000021.9",
                                 "hgvs_g": "NC_000021.9:g.9620001_9620400del"}],
        "copy_number": {"genes": [{"gene": "ERBB2", "call": "gain", "copy_number": 8},
                                  {"gene": "T11", "call": "NOT_ASSESSED", "copy_number": None}]},
        "coverage": {"territory": "panel targets", "low_regions": [
            {"target": "T21", "contig": "chr20", "start": 1, "end": 300, "mean_depth": "20.4",
             "reason": "45.33 % of bases at >= 20x < 95 %"}]},
        "specimen": "S-0002", "collection_date": "2026-11-03", "signoff": {},
        "performer": "Lab X", "purity": None, "panel": {"name": "P", "version": "1"},
    }  # fmt: skip
    data.update(extra)
    return data


SETTINGS = {"patient_identifier_system": "urn:x:p", "specimen_identifier_system": "urn:x:s"}


def resources(bundle: dict, kind: str, profile: str | None = None) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == kind
        and (profile is None or e["resource"]["meta"]["profile"][0].endswith(f"/{profile}"))
    ]


def components(observation: dict) -> dict[str, dict]:
    return {c["code"]["coding"][0]["code"]: c for c in observation["component"]}


def test_fhir_bundle_meets_the_ig():
    data = fhir.bundle(report(), SETTINGS, html="<html>page</html>")
    fhir.validate(data)
    variants = resources(data, "Observation", "variant")
    small = next(v for v in variants if "69547-8" in components(v))
    c = components(small)
    # allelic depth is the ALT reads, not the total depth
    assert c["82121-5"]["valueQuantity"]["value"] == 10
    # gene coded with its HGNC ID; versioned RefSeq genomic accession and chromosome answer
    assert c["48018-6"]["valueCodeableConcept"]["coding"][0] == {
        "system": "http://www.genenames.org", "code": "HGNC:1100", "display": "BRCA1"}  # fmt: skip
    assert c["48013-7"]["valueCodeableConcept"]["coding"][0]["code"] == "NC_000021.9"
    assert c["48000-4"]["valueCodeableConcept"]["coding"][0]["code"] == "LA21274-8"
    # coded HGVS on versioned accessions, g. included; change type
    assert c["48004-6"]["valueCodeableConcept"]["coding"][0]["code"] == "ENST00000357654.9:c.733G>A"
    assert (
        c["48005-3"]["valueCodeableConcept"]["coding"][0]["code"]
        == "ENSP00000350283.3:p.(Glu245Lys)"
    )
    assert c["81290-9"]["valueCodeableConcept"]["coding"][0]["code"] == "NC_000021.9:g.5117177C>T"
    assert c["48019-4"]["valueCodeableConcept"]["coding"][0]["code"] == "SO:0001483"
    for code in ("48004-6", "48005-3", "81290-9"):
        hgvs_parser.parse(c[code]["valueCodeableConcept"]["coding"][0]["code"])
    # SV and CNV Observations; a NOT_ASSESSED gene gets none
    assert len(variants) == 3
    cnv = next(v for v in variants if "82155-3" in components(v))
    assert components(cnv)["82155-3"]["valueQuantity"]["value"] == 8
    # molecular consequence derived from the variant
    consequence = resources(data, "Observation", "molecular-consequence")[0]
    assert consequence["derivedFrom"][0]["reference"] in {e["fullUrl"] for e in data["entry"]}
    # TMB: biomarker category, not evaluable as dataAbsentReason, no value
    tmb = resources(data, "Observation", "molecular-biomarker")[0]
    assert "biomarker-category" in components(tmb) and "valueQuantity" not in tmb
    assert tmb["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    # the DiagnosticReport: preliminary (not signed out), real issued, page, performer, ID
    diagnostic = resources(data, "DiagnosticReport")[0]
    assert diagnostic["status"] == "preliminary"
    assert diagnostic["issued"] == "2026-12-03T10:11:12Z"
    assert diagnostic["presentedForm"][0]["contentType"] == "text/html"
    assert diagnostic["performer"] == [{"display": "Lab X"}] and diagnostic["identifier"]
    # both specimens, coded types; GenomicStudy with the uncalled region
    specimens = resources(data, "Specimen")
    assert len(specimens) == 2 and {s["type"]["coding"][0]["code"] for s in specimens} == {
        "TUMOR", "BLD"}  # fmt: skip
    assert len(diagnostic["specimen"]) == 2
    analysis = resources(data, "Procedure", "genomic-study-analysis")[0]
    regions = next(e for e in analysis["extension"] if e["url"].endswith("-regions"))
    assert any(
        "T21" in x.get("valueCodeableConcept", {}).get("text", "") for x in regions["extension"]
    )
    assert resources(data, "Procedure", "genomic-study")


def test_fhir_status_follows_sign_out_and_qc():
    signed = {"reviewer": "Dr A", "date": "2026-12-02", "conclusion": "ok"}
    final = fhir.bundle(report(signoff=signed), SETTINGS)
    assert resources(final, "DiagnosticReport")[0]["status"] == "final"
    assert resources(final, "DiagnosticReport")[0]["resultsInterpreter"] == [{"display": "Dr A"}]
    failed = fhir.bundle(report(signoff=signed, verdict="FAIL"), SETTINGS)
    assert resources(failed, "DiagnosticReport")[0]["status"] == "preliminary"


def test_tumour_only_origin_is_unknown_in_fhir():
    data = report(mode="tumor_only", matched_normal="", tumour_only_unfiltered=True)
    data["variants"][0]["origin"] = "unknown"
    bundle = fhir.bundle(data, SETTINGS)
    small = next(
        v for v in resources(bundle, "Observation", "variant") if "69547-8" in components(v)
    )
    assert components(small)["48002-0"]["valueCodeableConcept"]["coding"][0]["code"] == (
        "LA18197-6"
    )
    assert (
        "somatic status of every variant unknown"
        in resources(bundle, "DiagnosticReport")[0]["conclusion"]
    )


def test_ig_checks_catch_each_deviation():
    good = fhir.bundle(report(), SETTINGS)
    fhir.validate(good)

    def broken(change) -> list[str]:
        data = copy.deepcopy(good)
        change(data)
        return fhir.ig_problems(data)

    def small(data):
        return next(
            v for v in resources(data, "Observation", "variant") if "69547-8" in components(v)
        )

    def text_hgvs(data):
        components(small(data))["48004-6"]["valueCodeableConcept"] = {"text": "c.733G>A"}

    def unversioned(data):
        components(small(data))["48004-6"]["valueCodeableConcept"]["coding"][0]["code"] = (
            "ENST00000357654:c.733G>A"
        )

    def chr_name(data):
        components(small(data))["48013-7"]["valueCodeableConcept"]["coding"][0]["code"] = "chr21"

    def no_category(data):
        tmb = resources(data, "Observation", "molecular-biomarker")[0]
        tmb["component"] = []

    def midnight(data):
        resources(data, "DiagnosticReport")[0]["issued"] = "2026-12-03T00:00:00Z"

    assert any("48004-6 is not HGVS coded" in p for p in broken(text_hgvs))
    assert any("48004-6 is not HGVS coded" in p for p in broken(unversioned))
    assert any("48013-7 is not a versioned RefSeq" in p for p in broken(chr_name))
    assert any("biomarker-category" in p for p in broken(no_category))
    assert any("made-up midnight" in p for p in broken(midnight))


# ------------------------------------------------------------------ registry data dictionary


def dictionary_columns(table: str) -> list[str]:
    """Column names of a registry table's data dictionary in config/README.md."""
    text = (ROOT / "config/README.md").read_text()
    section = text.split(f"<!-- registry:{table} -->", 1)[1].split("<!-- /registry -->", 1)[0]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.M)


def test_registry_rows_have_every_field_of_the_data_dictionary():
    paired = report()
    tumour_only = report(report_id="T1.tumor_only", mode="tumor_only", matched_normal="")
    variants, tumours = registry.tables([paired, tumour_only])
    assert dictionary_columns("somatic_variants") == list(variants.columns)
    assert dictionary_columns("tumours") == list(tumours.columns)
    # one primary analysis per tumour: the paired one
    assert tumours.set_index("analysis_mode")["primary_analysis"].to_dict() == {
        "paired": True, "tumor_only": False}  # fmt: skip
    # explicit "not done" codes instead of empty cells
    assert set(tumours["msi_status"]) == {"not done"}
    assert set(tumours["tmb_status"]) == {"not evaluable"}
    assert set(tumours["purity_status"]) == {"not given"}
    row = variants.iloc[0]
    assert row["hgnc_id"] == "HGNC:1100" and row["variant_type"] == "SNV"
    assert row["hgvs_g"].startswith("NC_000021.9:g.") and row["transcript"].endswith(".9")
    assert row["specimen_id"] == "S-0002" and row["report_date"] == "2026-12-03"
