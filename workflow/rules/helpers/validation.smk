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
