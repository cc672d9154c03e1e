# Input functions of the provenance stage, for its rules in provenance.smk.


def run_inputs():
    """Every input file of the run: the FASTQs and every file the config names (the schema
    marks them, see dnaseq.core.config_inputs), each once."""
    files = list(units["fq1"]) + list(units["fq2"])
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
