# Input functions of the somatic stage, for its rules in
# somatic_calling.smk, somatic_lofreq_vardict.smk.


SOMATIC_CALLERS = {}  # caller -> True when its calls go through the shared evidence step


def register_somatic_caller(name, env=None, shared_evidence=False, probes=None):
    """A somatic caller of somatic.callers: its final VCF is L.somatic.vcf with caller=name,
    written by its own rules, or by the shared gather + evidence steps from its chunk VCFs
    (L.somatic.chunk_vcf) when shared_evidence is set."""
    if name in config["somatic"]["callers"] and TUMORS:
        SOMATIC_CALLERS[name] = shared_evidence
        if env:
            register_envs(env, probes=probes)


def somatic_runs():
    """(tumour, mode) pairs: paired when the tumour has a normal, tumour-only otherwise, and
    also tumour-only for paired tumours when somatic.tumor_only_for_paired is set."""
    runs = []
    for tumor, normal in PAIRS.items():
        if normal:
            runs.append((tumor, "paired"))
        if not normal or config["somatic"]["tumor_only_for_paired"]:
            runs.append((tumor, "tumor_only"))
    return runs


def somatic_run_wildcards():
    """somatic_runs() as wildcard dicts, for outputs()/deliver()."""
    return [{"tumor": t, "mode": m} for t, m in somatic_runs()]


def normal_of(wildcards):
    return PAIRS[wildcards.tumor] if wildcards.mode == "paired" else None


def somatic_samples(wildcards):
    """The tumour, then its normal in paired mode."""
    return [wildcards.tumor] + ([normal_of(wildcards)] if normal_of(wildcards) else [])


def somatic_bams(wildcards):
    """Tumour BAM first, then its normal in paired mode, with their indexes."""
    names = somatic_samples(wildcards)
    return {
        "bams": [L.analysis_bam(s) for s in names],
        "bais": [L.analysis_index(s) for s in names],
    }


def pair_check(wildcards):
    """Somatic calling waits for the QC gate of tumour (and normal) and, for a pair, for the
    tumour/normal identity check."""
    checks = outputs(L.qc.gate_pass, sample=somatic_samples(wildcards))
    if wildcards.mode == "paired":
        checks += outputs(L.somatic.pair_check, tumor=[wildcards.tumor])
    return checks


def purity_of(sample):
    """Tumour purity from the sample sheet (column `purity`), or None."""
    value = sheets.column_values(samples, "purity", "")[sample]
    return float(value) if value else None


def ensemble_active():
    return config["somatic"]["ensemble"]["enabled"] and len(config["somatic"]["callers"]) >= 2


def somatic_outputs():
    """The final call sets under L.somatic.vcf: each caller, then the ensemble."""
    return list(config["somatic"]["callers"]) + (["ensemble"] if ensemble_active() else [])


def contamination_tables(wildcards):
    """CalculateContamination outputs, when contamination sites are configured."""
    if not config["somatic"]["contamination_sites"]:
        return []
    return outputs(
        [L.somatic.contamination, L.somatic.segments],
        tumor=[wildcards.tumor],
        mode=[wildcards.mode],
    )


def mutect2_resources():
    somatic = config["somatic"]
    return [f for f in (somatic["germline_resource"], somatic["panel_of_normals"]) if f]


def mutect2_resource_args():
    args = []
    if config["somatic"]["germline_resource"]:
        args.append(f"--germline-resource {config['somatic']['germline_resource']}")
    if config["somatic"]["panel_of_normals"]:
        args.append(f"--panel-of-normals {config['somatic']['panel_of_normals']}")
    return " ".join(args)


def pon_normals():
    """Normals that go into the workflow-built panel of normals (none when a stored PoN is set)."""
    if config["somatic"]["panel_of_normals"] or not config["somatic"]["tumor_only"]["build_pon"]:
        return []
    return [s for s in SAMPLES if TYPES[s] == "normal"]


def tumor_only_pon():
    """The PoN tumour-only filtering uses: the stored one, or the one built from the normals."""
    if config["somatic"]["panel_of_normals"]:
        return config["somatic"]["panel_of_normals"]
    return L.somatic.pon if pon_normals() else []


def reported_somatic_call_set():
    """The somatic call set tumour reports show: report.somatic_caller, else the ensemble when
    it runs, else the first somatic caller."""
    return config["report"]["somatic_caller"] or somatic_outputs()[-1 if ensemble_active() else 0]


def tmb_call_set():
    """TMB's call set: somatic.tmb.caller, else the one the reports show (so the page's TMB is
    computed from the variants it lists)."""
    return config["somatic"]["tmb"]["caller"] or reported_somatic_call_set()


def check_somatic_settings():
    """Tumours need a target BED (somatic calling, panel coverage, TMB and CNV are panel
    analyses), and somatic.tmb.caller must be one of the run's somatic call sets: start-up
    errors naming the key, not a missing-input error or a traceback when the DAG is built."""
    if TUMORS and not SOMATIC_TARGETS:
        raise WorkflowError(
            f"tumour sample(s) {', '.join(TUMORS)} but no target BED: set somatic.targets (or "
            "targets.bed) to the panel's targets. Tumour genomes and exomes without a target "
            "BED are not supported yet; analyse such a sample as type germline meanwhile."
        )
    chosen = tmb_call_set()
    if TUMORS and config["annotation"]["tool"] != "none" and chosen not in somatic_outputs():
        raise WorkflowError(
            f"somatic.tmb.caller {chosen!r} is not one of the somatic call sets "
            f"{somatic_outputs()} (somatic.callers, plus 'ensemble' when it runs)"
        )
