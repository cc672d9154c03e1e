# Input functions of the validation stage, for its rules in validation.smk.


def validated_samples():
    return [s for s in config.get("validation", {}) if s in GERMLINE_SAMPLES]


def truth_of(wildcards):
    return config["validation"][wildcards.sample]


def somatic_validation_runs():
    """(tumour, mode, caller, truth VCF, evaluation BED) for tumours with a somatic truth."""
    runs = []
    for tumor, mode in somatic_runs():
        truth = config.get("validation_somatic", {}).get(tumor)
        if truth:
            for c in somatic_outputs():
                runs.append((tumor, mode, c, truth["truth_vcf"], truth["eval_bed"]))
    return runs


def somatic_validation_inputs():
    files = []
    for tumor, mode, c, truth, bed in somatic_validation_runs():
        files += [*outputs(L.somatic.vcf, caller=[c], tumor=[tumor], mode=[mode]), truth, bed]
    return files


def somatic_validation_args(wildcards, input):
    """--run options naming the job's copies of somatic_validation_inputs() (calls, truth, BED)."""
    files = list(input.calls)
    return " ".join(
        f"--run {tumor}:{mode}:{c}:{':'.join(files[3 * i : 3 * i + 3])}"
        for i, (tumor, mode, c, _, _) in enumerate(somatic_validation_runs())
    )


# evaluation regions of the germline tables: the truth's confident BED (precision and recall),
# and its span, first to last truth record per contig (recall only: the truth is incomplete)
VALIDATION_REGIONS = ["confident", "truth_span"]


def vcfeval_regions(wildcards):
    if wildcards.region == "confident":
        return truth_of(wildcards)["confident_bed"]
    return L.validation.truth_span.format(sample=wildcards.sample)


def validation_strata_beds(wildcards):
    """BED strata beside the reference-derived ones: the panel targets (tumours and normals
    have them; germline samples of a panel/exome run the configured target BED)."""
    beds = {}
    if config["targets"]["bed"]:
        beds["targets"] = config["targets"]["bed"]
    if config["validation_settings"]["strata_tsv"]:
        beds["strata_tsv"] = config["validation_settings"]["strata_tsv"]
    return beds


def validation_strata_args(wildcards, input):
    args = []
    if "targets" in input.keys():
        args.append(f"--strata-bed targets={shlex.quote(str(input.targets))}")
    if "strata_tsv" in input.keys():
        args.append(f"--strata-tsv {shlex.quote(str(input.strata_tsv))}")
    return " ".join(args)
