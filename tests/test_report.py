"""The clinical reports of the bundled run: HTML pages opened in a real browser (Debian's
chromium, headless, via selenium + chromium-driver), variant tables, FHIR bundles validated with
fhir.resources, the registry tables; and a QC threshold from the config turning a report FAIL."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pysam
import pytest
import yaml

from conftest import snakemake
from dnaseq.report import fhir, variants

ROOT = Path(__file__).resolve().parents[1]

GERMLINE = ["NA12878", "SIM01", "SV01", "NA12878_N"]
TUMOUR_REPORTS = ["NA12878_T.paired", "NA12878_T.tumor_only"]
REPORTS = GERMLINE + TUMOUR_REPORTS


def report_data(run: Path, name: str) -> dict:
    return json.loads((run / f"results/report/{name}.report.json").read_text())


def pass_records_in_vcf(vcf: Path, sample: str, targets: dict | None, somatic: bool) -> set:
    """(chrom, pos, ref, alt) of the PASS alleles the sample carries, read straight from the VCF
    (independently of the report code's row building)."""
    found = set()
    with pysam.VariantFile(str(vcf)) as handle:
        for rec in handle:
            if list(rec.filter.keys()) != ["PASS"]:
                continue
            if targets is not None and variants.target_of(targets, rec.chrom, rec.pos) is None:
                continue
            gt = rec.samples[sample]["GT"] or ()
            for i, alt in enumerate(rec.alts or (), start=1):
                if somatic or i in gt:
                    found.add((rec.chrom, rec.pos, rec.ref, alt))
    return found


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_matches_its_calls(demo_run, name):
    data = report_data(demo_run, name)
    somatic = data["kind"] == "somatic"
    if somatic:
        vcf = demo_run / f"results/somatic/annotated/snpeff/ensemble/{name}.vcf.gz"
    else:
        vcf = demo_run / f"results/annotated/snpeff/{data['caller']}/{name}.vcf.gz"
    panel = data["sample"].startswith("NA12878_")
    targets = (
        variants.read_targets(demo_run / "results/reference/panel_targets.merged.bed", 50)
        if panel
        else None
    )
    want = pass_records_in_vcf(vcf, data["sample"], targets, somatic)
    got = {(v["chrom"], v["pos"], v["ref"], v["alt"]) for v in data["variants"]}
    # SV01 carries structural variants only (its small-variant calls may be none)
    minimum = {"SIM01": 100, "NA12878": 100, "SV01": 0}.get(name, 5)
    assert got == want and len(want) >= minimum
    # the table beside the page: the same rows, TSV and XLSX alike
    tsv = pd.read_csv(demo_run / f"results/report/{name}.variants.tsv", sep="\t")
    xlsx = pd.read_excel(demo_run / f"results/report/{name}.variants.xlsx", sheet_name="variants")
    assert len(tsv) == len(xlsx) == len(data["variants"]) + len(data["filtered"])
    assert list(tsv.columns) == list(xlsx.columns)
    assert (tsv["filter"] == "PASS").sum() == len(want)
    # the header names the pseudonymous IDs and nothing else about the person
    assert data["sample"] == name.split(".")[0] and data["patient"] in ("NA12878", "SIM01", "SV01")
    assert data["verdict"] in ("PASS", "WARN")


@pytest.mark.parametrize("name", REPORTS)
def test_fhir_bundle_is_valid_and_holds_one_observation_per_reported_variant(demo_run, name):
    bundle = json.loads((demo_run / f"results/fhir/{name}.json").read_text())
    fhir.validate(bundle)  # fhir.resources R4B models + the IG's required codes
    data = report_data(demo_run, name)
    observations = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    variant_obs = [
        o
        for o in observations
        if o["code"]["coding"][0]["code"] == "69548-6"
        and "69547-8" in {c["code"]["coding"][0]["code"] for c in o["component"]}
    ]
    assert len(variant_obs) == len(data["variants"]) + len(data["likely_germline"])
    # one variant Observation per PASS SV and per gene with a copy-number change too
    others = [
        o
        for o in observations
        if o["code"]["coding"][0]["code"] == "69548-6" and o not in variant_obs
    ]
    changed = [g for g in data["copy_number"].get("genes", []) if g["call"] in ("gain", "loss")]
    pass_svs = [v for v in data["structural_variants"] if v["filter"] == "PASS"]
    assert len(others) == len(changed) + len(pass_svs)
    # preliminary until signed out (the bundled sign-out sheet signs NA12878_T.paired only)
    diagnostic = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DiagnosticReport"
    )
    assert diagnostic["status"] == ("final" if name == "NA12878_T.paired" else "preliminary")
    assert diagnostic["presentedForm"][0]["contentType"] == "text/html"
    positions = sorted(
        next(
            c["valueRange"]["low"]["value"]
            for c in o["component"]
            if c["code"]["coding"][0]["code"] == "81254-5"
        )
        for o in variant_obs
    )
    assert positions == sorted(v["pos"] for v in data["variants"])
    tmb = [o for o in observations if o["code"]["coding"][0]["code"] == "94076-7"]
    assert len(tmb) == (1 if data["kind"] == "somatic" else 0)
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert patient["identifier"][0]["value"] == data["patient"] and "name" not in patient


def test_registry_tables_hold_every_tumour_variant(demo_run):
    variants_tsv = pd.read_csv(demo_run / "results/registry/somatic_variants.tsv", sep="\t")
    parquet = pd.read_parquet(demo_run / "results/registry/somatic_variants.parquet")
    assert len(variants_tsv) == len(parquet)
    want = sum(len(report_data(demo_run, n)["variants"]) for n in TUMOUR_REPORTS)
    assert len(variants_tsv) == want > 0
    assert set(variants_tsv["analysis_mode"]) == {"paired", "tumor_only"}
    assert set(variants_tsv["patient_id"]) == {"NA12878"}
    tumours = pd.read_parquet(demo_run / "results/registry/tumours.parquet")
    assert sorted(tumours["analysis_mode"]) == ["paired", "tumor_only"]
    assert tumours["panel_name"].tolist() == ["synthetic test panel"] * 2


# ------------------------------------------------------------------ in a real browser


def browser(tmp_path: Path):
    """Headless chromium with its console and network logs; skips where chromium is absent."""
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("chromium + chromium-driver are not installed (make setup installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = webdriver.ChromeService(executable_path=driver_path)
    return webdriver.Chrome(options=options, service=service)


def requested_urls(driver) -> list[str]:
    """URLs the page requested over the network or from files (inline data: URLs and chromium's
    own chrome:// pages, e.g. its new-tab page at start-up, are not counted)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("chrome:", "chrome-untrusted:", "devtools:", "about:", "data:")):
                urls.append(url)
    return urls


def open_report(driver, page: Path):
    driver.get_log("performance")  # drop what came before this page
    driver.get_log("browser")
    driver.get(page.as_uri())
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    assert set(requested_urls(driver)) == {page.as_uri()}, "the page asked for another file"


def test_reports_in_a_browser_offline_and_sortable(demo_run, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path)
    try:
        for name in ("SIM01", "NA12878_T.paired"):
            open_report(driver, demo_run / f"results/report/{name}.html")
            data = report_data(demo_run, name)
            assert driver.find_element(By.ID, "sample-id").text == data["sample"]
            banner = driver.find_element(By.ID, "overall-verdict").text
            assert data["verdict"] in banner
            table = driver.find_element(By.ID, "variants")
            rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
            assert len(rows) == len(data["variants"])
            # the genomic cell: versioned HGVS g. first, then contig:pos REF>ALT (type)
            shown = {r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
            assert shown == {
                f"{v['hgvs_g']}\n{v['chrom']}:{v['pos']} {v['ref']}>{v['alt']}"
                f" ({v['variant_type']})"
                for v in data["variants"]
            }
            # what a clinician reads first: the findings summary, above the QC table
            findings = driver.find_element(By.ID, "findings")
            qc_table = driver.find_element(By.ID, "qc-table")
            assert findings.location["y"] < qc_table.location["y"]
            # sorting: the Position header, twice, gives descending positions
            header = table.find_elements(By.TAG_NAME, "th")[1]
            header.click()
            header.click()
            positions = [
                int(r.find_elements(By.TAG_NAME, "td")[1].get_attribute("data-value"))
                for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
            ]
            assert positions == sorted(positions, reverse=True) and len(set(positions)) > 1
            # filtered variants are folded away
            assert not driver.find_element(By.ID, "filtered").is_displayed()
            driver.save_screenshot(str(tmp_path / f"{name}.png"))
            assert (tmp_path / f"{name}.png").stat().st_size > 10_000
        open_report(driver, demo_run / "results/report/index.html")
        index_rows = driver.find_elements(By.CSS_SELECTOR, "#reports tbody tr")
        assert len(index_rows) == len(REPORTS)
    finally:
        driver.quit()


def test_a_failing_qc_threshold_makes_the_report_fail(demo_run, tmp_path):
    """A copy of the finished demo run, one report.qc level tightened in its config: only the
    reports are redone, and SIM01's shows FAIL in the browser, first on the index page."""
    from selenium.webdriver.common.by import By

    run = tmp_path / "run"
    shutil.copytree(demo_run, run, symlinks=True)
    cfg = yaml.safe_load((demo_run / "config.yaml").read_text())
    cfg["report"]["qc"]["max_duplicate_fraction"] = {"warn": 0.00001, "fail": 0.0001}
    (run / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    plan = snakemake(run, run / "config.yaml", "-n", "--quiet", "rules")
    assert plan.returncode == 0, plan.stderr[-2000:]
    redone = {line.split()[0] for line in plan.stdout.splitlines()[2:] if line.strip()}
    assert "map_reads_bwa" not in redone and "report_germline_sample" in redone
    snakemake(run, run / "config.yaml", check=True)
    data = report_data(run, "SIM01")
    assert data["verdict"] == "FAIL"
    metric = next(m for m in data["qc"] if m["name"] == "duplicate_fraction")
    assert metric["verdict"] == "FAIL" and metric["threshold"].endswith("FAIL if > 0.0001")
    driver = browser(tmp_path)
    try:
        open_report(driver, run / "results/report/SIM01.html")
        banner = driver.find_element(By.ID, "overall-verdict")
        assert "FAIL" in banner.text and "NOT adequate" in banner.text
        driver.save_screenshot(str(tmp_path / "SIM01-fail.png"))
        open_report(driver, run / "results/report/index.html")
        first = driver.find_element(By.CSS_SELECTOR, "#reports tbody tr")
        assert "FAIL" in first.text
    finally:
        driver.quit()
    fhir.validate(json.loads((run / "results/fhir/SIM01.json").read_text()))


def test_snakemake_report_holds_the_clinical_reports_and_validation(demo_run, tmp_path):
    """`snakemake --report results/report.zip`: MultiQC, every clinical report page and the
    validation tables, each with its caption."""
    import zipfile

    archive = tmp_path / "report.zip"
    proc = snakemake(demo_run, demo_run / "config.yaml", "--report", str(archive))
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = zipfile.ZipFile(archive).namelist()
    for wanted in ["multiqc_report.html", "summary.tsv", "somatic_summary.tsv"] + [
        f"{name}.html" for name in REPORTS
    ]:
        assert any(n.endswith(f"/{wanted}") for n in names), wanted
    text = "".join(
        zipfile.ZipFile(archive).read(n).decode(errors="replace")
        for n in names
        if n.endswith(".js") or n.endswith("report.html")
    )
    assert "Clinical report of tumour NA12878_T" in text


# ------------------------------------------------------------------ issue 23: as users read them


@pytest.mark.parametrize("name", REPORTS)
def test_every_emitted_hgvs_string_parses(demo_run, name):
    """Every g., c./n. and p. string of every report, on its versioned accession, parses with
    the `hgvs` package; no c./n. on a gene ID; predicted protein changes in parentheses."""
    parser = pytest.importorskip("hgvs.parser").Parser()
    data = report_data(demo_run, name)
    rows = data["variants"] + data["filtered"] + data["likely_germline"]
    checked = 0
    for v in rows:
        assert not v["transcript"].startswith("ENSG"), v
        strings = [v["hgvs_g"]]
        if v["hgvs_c"]:
            assert re.fullmatch(r"ENST\d+\.\d+", v["transcript"]), v["transcript"]
            strings.append(f"{v['transcript']}:{v['hgvs_c']}")
        if v["hgvs_p"]:
            assert v["hgvs_p"].startswith("p.(") or v["hgvs_p"] == "p.?", v["hgvs_p"]
        for text in filter(None, strings):
            parser.parse(text)
            checked += 1
    for sv in data["structural_variants"]:
        if sv["hgvs_g"]:
            parser.parse(sv["hgvs_g"])
    # every bundled contig has an accession: every row has its g. string
    assert all(v["hgvs_g"] for v in rows) and checked >= len(rows)


def test_tumour_only_page_says_somatic_status_unknown(demo_run):
    data = report_data(demo_run, "NA12878_T.tumor_only")
    assert data["tumour_only_unfiltered"] and {v["origin"] for v in data["variants"]} == {"unknown"}
    html = (demo_run / "results/report/NA12878_T.tumor_only.html").read_text()
    assert 'id="tumour-only-banner"' in html and "somatic status unknown" in html
    paired = (demo_run / "results/report/NA12878_T.paired.html").read_text()
    assert 'id="tumour-only-banner"' not in paired
    bundle = json.loads((demo_run / "results/fhir/NA12878_T.tumor_only.json").read_text())
    origins = {
        c["valueCodeableConcept"]["coding"][0]["code"]
        for e in bundle["entry"]
        for c in e["resource"].get("component", [])
        if c["code"]["coding"][0]["code"] == "48002-0"
    }
    assert origins == {"LA18197-6"}  # Unknown genomic origin, not Somatic


def test_findings_summary_comes_first_with_the_evidence(demo_run):
    sim = report_data(demo_run, "SIM01")
    # the made-up ClinVar test record marks chr21:5117177 C>T pathogenic: reportable, on top
    reportable = sim["findings"]["reportable"]
    assert [v["hgvs_g"] for v in reportable] == ["NC_000021.9:g.5117177C>T"]
    assert reportable[0]["clinvar_significance"] == "Pathogenic"
    assert reportable[0]["hgvs_p"] == "p.(Glu245Lys)" and reportable[0]["transcript"].count(".")
    html = (demo_run / "results/report/SIM01.html").read_text()
    assert html.index('id="findings"') < html.index('id="qc-table"') < html.index('id="methods"')
    paired = report_data(demo_run, "NA12878_T.paired")
    tiers = {v["hgvs_g"]: v["amp_tier_suggested"] for v in paired["findings"]["reportable"]}
    assert tiers["NC_000020.10:g.10002895A>C"].startswith("Tier I ")  # C34 evidence, C34.1 site
    assert tiers["NC_000020.10:g.10019999C>A"].startswith("Tier II")
    assert paired["signoff"]["reviewer"] and paired["specimen"] == "S-0002"


def test_panel_figures_are_honest(demo_run):
    """TMB over 0.006 Mb is not evaluable (and computed from the reported ensemble); every
    panel gene is in the CNV table, NOT_ASSESSED ones without a copy number; SV lengths are
    the planted ones."""
    tumour = report_data(demo_run, "NA12878_T.paired")
    tmb = tumour["biomarkers"]["tmb"]
    assert tmb["value"] is None and not tmb["evaluable"] and tmb["caller"] == "ensemble"
    html = (demo_run / "results/report/NA12878_T.paired.html").read_text()
    assert "not evaluable" in html
    genes = {g["gene"]: g for g in tumour["copy_number"]["genes"]}
    assert set(genes) == {f"T{i:02d}" for i in range(1, 23)}
    for gene in genes.values():
        if gene["call"] == "NOT_ASSESSED":
            assert gene["copy_number"] in (None, "") and gene["reason"]
    truth = {
        rec.pos + 1: abs(rec.info["SVLEN"])
        for rec in pysam.VariantFile(str(ROOT / "resources/test/truth/SV01.sv_truth.vcf.gz"))
        if rec.info.get("SVTYPE") == "DEL"
    }
    called = {
        v["start"]: v["length"]
        for v in report_data(demo_run, "SV01")["structural_variants"]
        if v["type"] == "DEL"
    }
    assert called == truth  # 400, 1200, 3000, 8000, 20000 bp at their planted starts
