# Input functions of the provenance stage, for its rules in provenance.smk.


def run_inputs():
    """Every input file of the run: the FASTQs, stored alignments and every file the config names (the schema
    marks them, see dnaseq.core.config_inputs), each once."""
    files = [f for f in [*units["fq1"], *units["fq2"]] if isinstance(f, str)]
    files += [src.path for src in SOURCES.values()]  # stored alignments (BAM/CRAM)
    files += [i.path for i in config_inputs(config, CONFIG_SCHEMA) if i.kind != "dir"]
    return list(dict.fromkeys(files))


def run_input_files():
    """run_inputs() as job inputs: the sheets are read where Snakemake starts, so with remote
    storage they stay local files (local())."""
    sheets_ = {config["samples"], config["units"]}
    return [local(f) if REMOTE_STORAGE and f in sheets_ else f for f in run_inputs()]


def manifest_entries():
    """Every path the manifest records: inputs first, then deliverables."""
    return [*run_inputs(), *dict.fromkeys(DELIVERABLES)]
