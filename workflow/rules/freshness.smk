# Results follow the content of their inputs, not only the inputs' modification times.
#
# Snakemake redoes a job when an input is newer than its outputs. A FASTQ or a BED replaced by
# another with an older time (`cp -p`, `mv`, `rsync -t`, an archive restore), or two samples'
# FASTQs swapped with `mv`, is not newer: the run said "Nothing to be done" and every sample kept
# the other's calls. So every rule that reads a run input (a FASTQ, or a file the config names)
# carries that file's content fingerprint (dnaseq.core.manifest.fingerprint) as a param: when
# the content changes the param changes, and Snakemake's params trigger redoes the rule and all
# that follows from it. The reference has its own full SHA-256 (reference.smk).


def content_param(each):
    """The input_content param of one rule: fingerprints of the job's inputs that are run
    inputs (not results of this run). A function of the wildcards only, so that Snakemake
    records it (params computed from `input` count as derived and are not compared)."""

    def input_content(wildcards):
        files = each.expand_input(wildcards)[0]
        return " ".join(
            manifest.fingerprint(f)
            for f in files
            if not str(f).startswith(f"{layout.RESULTS}/") and os.path.isfile(f)
        )

    return input_content


def guard_input_content():
    """The input_content param on every rule of the workflow. Not with remote storage, where
    jobs see only retrieved copies (their checksums are in the manifest)."""
    if REMOTE_STORAGE:
        return
    for each in workflow.rules:
        each.set_params(input_content=content_param(each))
