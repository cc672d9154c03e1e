# Input functions of the cnv stage, for its rules in cnv.smk.


def cnv_call_args(sample):
    """`cnvkit.py call` options: purity-aware (clonal) when the sheet gives a purity, else
    CNVkit's log2 thresholds; the sheet's sex when known (else CNVkit infers it from X/Y)."""
    purity = purity_of(sample)
    args = [f"-m clonal --purity {purity}"] if purity else ["-m threshold"]
    sex = sheets.column_values(samples, "sex", "unknown")[sample]
    if sex in ("female", "male"):
        args.append(f"--sample-sex {sex}")
    return " ".join(args)


def check_cnv_settings():
    """A panel too small for CNVkit stops the run at start-up, naming the BED."""
    if not CNV_SAMPLES or REMOTE_STORAGE:
        return
    bed = SOMATIC_TARGETS
    targets = [
        line
        for line in Path(bed).read_text().splitlines()
        if line.strip() and not line.startswith(("#", "track", "browser"))
    ]
    minimum = config["cnv"]["min_targets"]
    if len(targets) < minimum:
        raise WorkflowError(
            f"{bed}: {len(targets)} targets; CNVkit needs at least cnv.min_targets={minimum} "
            "to normalise and segment copy number. Set cnv.enabled: false for this panel."
        )
