# Input functions of the report stage, for its rules in report.smk.

from dnaseq.report import variants as report_variants


def report_germline_caller():
    """The caller whose calls germline reports show (report.germline_caller, else the first)."""
    return config["report"]["germline_caller"] or CALLERS[0]


def report_somatic_caller():
    """The somatic call set tumour reports show: report.somatic_caller, else the ensemble when
    it runs, else the first somatic caller."""
    return reported_somatic_call_set()


def check_report_settings():
    """Report callers that the run does not produce, and a malformed transcript list, stop the
    run at start-up with the file and line."""
    chosen = config["report"]["germline_caller"]
    if chosen and chosen not in CALLERS:
        raise WorkflowError(
            f"report.germline_caller {chosen!r} is not in calling.callers {CALLERS}"
        )
    chosen = config["report"]["somatic_caller"]
    if chosen and TUMORS and chosen not in somatic_outputs():
        raise WorkflowError(
            f"report.somatic_caller {chosen!r} is not one of the somatic call sets {somatic_outputs()}"
        )
    if config["report"]["transcripts"] and not REMOTE_STORAGE:
        try:
            report_variants.read_transcript_list(config["report"]["transcripts"])
        except (OSError, ValueError) as err:
            raise WorkflowError(f"report.transcripts: {err}") from None


def report_vcf(caller, sample=None, tumor=None, mode=None):
    """The annotated calls a report shows (the plain calls when annotation is off)."""
    if tumor:
        if annotation_active():
            return L.annotated_somatic_vcf(caller, tumor, mode)
        return outputs(L.somatic.vcf, caller=[caller], tumor=[tumor], mode=[mode])[0]
    if annotation_active():
        return L.annotated_vcf(caller, sample)
    return outputs(L.calling.vcf, caller=[caller], sample=[sample])[0]


def report_coverage_inputs(sample):
    """QC files of one sample's report: panel coverage for panel samples (tumours, normals),
    SV calls (germline samples) and copy number (panel samples) when those run."""
    wanted = {
        "verdict": L.qc.verdict,
        "stats": L.qc.stats,
        "region_dist": L.qc.mosdepth_region_dist,
    }
    if sample in PANEL_SAMPLES:
        wanted["region_dist"] = L.panel_coverage.region_dist
        wanted["per_gene"] = L.panel_coverage.per_gene
        wanted["low_coverage"] = L.panel_coverage.low_coverage
    if sample in SV_SAMPLES:
        wanted["sv"] = L.sv.vcf
    if sample in CNV_SAMPLES:
        wanted |= {"cnv_genes": L.cnv.genes, "cnv_plot": L.cnv.plot}
    return {key: layout.partial(path, sample=sample) for key, path in wanted.items()}


def report_targets(sample):
    """(BED, padding) restricting a report's variants: the panel for panel samples, else
    targets.bed; (None, 0) for whole-territory calling."""
    if sample in PANEL_SAMPLES:
        return L.panel_coverage.targets, config["somatic"]["padding"]
    if config["targets"]["bed"]:
        return config["targets"]["bed"], config["targets"]["padding"]
    return None, 0


def sample_info_json(sample):
    """What the sample sheet says of a sample, for its report (pseudonymous IDs only)."""
    return json.dumps(
        {
            "patient": PATIENTS[sample],
            "type": TYPES[sample],
            "sex": sheets.column_values(samples, "sex", "unknown")[sample],
            "purity": purity_of(sample),
            **{
                key: sheets.column_values(samples, key, "")[sample]
                for key in ("specimen", "collection_date", "tumour_site", "histology")
            },
            "germline_filters": germline_filters(sample),
            "max_population_af": config["somatic"]["tumor_only"]["max_population_af"],
        }
    )


def germline_filters(sample):
    """What tumour-only germline filtering of this tumour had: a population resource and/or a
    panel of normals (a built one counts only with enough normals of other patients)."""
    if TYPES[sample] != "tumor":
        return []
    found = []
    if config["somatic"]["germline_resource"]:
        found.append("population resource (somatic.germline_resource)")
    if config["somatic"]["panel_of_normals"]:
        found.append("stored panel of normals")
    else:
        others = [n for n in pon_normals() if PATIENTS[n] != PATIENTS[sample]]
        if others and len(others) >= config["somatic"]["tumor_only"]["pon_min_normals"]:
            found.append(f"panel of {len(others)} normals of other patients")
    return found


def report_ids():
    """Every report of the run: one per germline/normal sample, one per tumour analysis."""
    return list(GERMLINE_SAMPLES) + [f"{t}.{m}" for t, m in somatic_runs()]


def report_files(name, **page):
    """The outputs of one report; the HTML page goes into `snakemake --report` with `page`
    (caption, category, ...)."""
    files = {k: v.format(name=name) for k, v in REPORT_OUT.items()}
    files["html"] = report(files["html"], **page)
    return files


def report_shared_inputs():
    files = {
        "concordance": L.identity.concordance,
        "sex_check": L.identity.sex_check,
        "identity_ok": L.identity.identity_ok,
        "provenance": L.provenance.json,
    }
    if config["report"]["transcripts"]:
        files["transcripts"] = config["report"]["transcripts"]
    if annotation_gff():
        files["genes"] = L.report.transcript_genes
    files["reference"] = L.reference.fasta
    files["reference_fai"] = L.reference.fai
    optional = {
        "accessions": report_accessions(),
        "hgnc": config["report"]["hgnc_genes"],
        "signoff": config["report"]["signoff"],
        "clinvar": config["interpretation"]["clinvar_vcf"],
        "knowledge_base": config["interpretation"]["knowledge_base"],
        "population_vcf": config["interpretation"]["population_vcf"],
    }
    files |= {key: path for key, path in optional.items() if path}
    return files


def report_accessions():
    """The contig accession table: report.accessions, else the project's table of the build
    (resources/reference/accessions/<build>.tsv) when there is one, else none (no g. HGVS)."""
    if config["report"]["accessions"]:
        return config["report"]["accessions"]
    bundled = (
        Path(workflow.basedir)
        / "resources/reference/accessions"
        / f"{config['report']['reference_build']}.tsv"
    )
    return str(bundled) if config["report"]["reference_build"] and bundled.is_file() else ""


def report_args(wildcards, input):
    """Options naming the optional inputs the job has."""
    options = {
        "sv": "--sv",
        "cnv_genes": "--cnv-genes",
        "cnv_plot": "--cnv-plot",
        "per_gene": "--per-gene",
        "low_coverage": "--low-coverage",
        "targets": "--targets",
        "transcripts": "--transcripts",
        "genes": "--transcript-genes",
        "tmb": "--tmb",
        "msi": "--msi",
        "pair_check": "--pair-check",
        "reference": "--reference",
        "accessions": "--accessions",
        "hgnc": "--hgnc",
        "signoff": "--signoff",
        "clinvar": "--clinvar",
        "knowledge_base": "--knowledge-base",
        "population_vcf": "--population-vcf",
    }
    args = [
        f"{flag} {shlex.quote(str(input[key]))}"
        for key, flag in options.items()
        if key in input.keys()
    ]
    if "sources" in input.keys():  # stored alignments the sample was re-analysed from
        args.append("--sources " + " ".join(shlex.quote(str(f)) for f in input.sources))
    return " ".join(args)


def germline_report_inputs(wildcards):
    s = wildcards.sample
    bed, _ = report_targets(s)
    return {
        "vcf": report_vcf(report_germline_caller(), sample=s),
        **report_coverage_inputs(s),
        **report_shared_inputs(),
        **({"targets": bed} if bed else {}),
        **({"sources": sample_sources(s)} if sample_sources(s) else {}),
    }


def tumor_report_inputs(wildcards):
    t, m = wildcards.tumor, wildcards.mode
    bed, _ = report_targets(t)
    files = {
        "vcf": report_vcf(report_somatic_caller(), tumor=t, mode=m),
        **report_coverage_inputs(t),
        **report_shared_inputs(),
        "targets": bed,
    }
    sources = sample_sources(t) + (sample_sources(PAIRS[t]) if m == "paired" else [])
    if sources:
        files["sources"] = sources
    if m == "paired":
        files["pair_check"] = layout.partial(L.somatic.pair_check, tumor=t)
    if annotation_active():
        files["tmb"] = layout.partial(L.somatic.tmb, tumor=t, mode=m)
    if config["somatic"]["msi"]["enabled"] and m == "paired":
        files["msi"] = layout.partial(L.somatic.msi, tumor=t, mode=m)
    return files


def sample_sources(sample):
    """The description JSONs of a sample's stored alignments (empty for FASTQ-only samples)."""
    return [L.reanalysis.source.format(sample=s, source=u) for s, u in SOURCES if s == sample]
