# Config and sheet loading, and the registration helpers every module uses. Paths come from the
# layout (dnaseq.core.layout, `L` here); each stage's own helpers live in its module.
import json
import math
import os
import re
import shlex
import sys
from itertools import product
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.io import apply_wildcards
from snakemake.logging import logger
from snakemake.utils import validate

WORKFLOW_DIR = Path(str(workflow.current_basedir)).parents[1]
try:
    import dnaseq
    from dnaseq.core import failures, layout, manifest, preflight, provenance, runlock, sheets
    from dnaseq.core import versions
    from dnaseq.core.config_inputs import config_inputs, load_schema
except ImportError as err:
    raise WorkflowError(
        f"The workflow's Python package is not installed ({err}): run `make setup`, or "
        f"`pip install -e {WORKFLOW_DIR}` in the environment that runs Snakemake."
    ) from None
if dnaseq.version_mismatch(WORKFLOW_DIR):
    raise WorkflowError(dnaseq.version_mismatch(WORKFLOW_DIR))

CONFIG_SCHEMA = load_schema(WORKFLOW_DIR / "workflow" / "schemas" / "config.schema.yaml")
# Jobs run the package's steps (`python -m dnaseq.steps <step> ...`) from this workflow's folder
# with this Snakemake's interpreter whatever the PATH (`.venv/bin/snakemake` without the venv on
# PATH), or a conda env's own. REF_PATH: htslib looks CRAM references up only locally (never asks
# the EBI server): every tool is given the run's reference instead.
_conda = "CONDA" in str(workflow.deployment_settings.deployment_method).upper()
shell.prefix(
    f"set -euo pipefail; export PYTHONPATH={shlex.quote(str(WORKFLOW_DIR / 'scripts'))}; "
    + ("" if _conda else f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH; ")
    + f"export REF_PATH={layout.STAGES['reference'].cram_cache} REF_CACHE=; "
)

# Cloud runs (default storage provider): the pre-flight jobs check the retrieved input copies.
REMOTE_STORAGE = workflow.storage_settings.default_storage_provider is not None
try:
    preflight.validate_config(config, CONFIG_SCHEMA)
    validate(config, "../schemas/config.schema.yaml")  # fills in the schema's defaults
    preflight.quote_option_strings(config)  # *_extra: options only, each word quoted
    samples, units, PAIRS = preflight.load_sheets(config, WORKFLOW_DIR / "workflow" / "schemas")
    if not REMOTE_STORAGE:
        preflight.check_startup(config, units, CONFIG_SCHEMA)
    # stored alignments (bam/cram): headers checked, each reused or split into read-group units
    units, SOURCES = preflight.plan_units(
        config, units, Path(".snakemake", "dnaseq", "contig_md5"), REMOTE_STORAGE
    )
except sheets.InputError as err:
    raise WorkflowError(str(err)) from None
samples = samples.set_index("sample", drop=False)
units = units.set_index(["sample", "unit"], drop=False)
if REMOTE_STORAGE:
    logger.info("Inputs in remote storage: start-up file checks left to the pre-flight jobs.")
if workflow.is_main_process and not workflow.dryrun:  # one live run per folder (runlock)
    try:
        _stale = runlock.claim(Path(".snakemake"))
    except runlock.RunActive as err:
        raise WorkflowError(str(err)) from None
    if _stale:
        logger.warning(_stale)

L = layout.Layout.from_config(config)  # every path, with this run's tool choices filled in
SAMPLES = list(samples["sample"])
TYPES = sheets.sample_types(samples)
PATIENTS = sheets.patients(samples)
GERMLINE_SAMPLES = [s for s in SAMPLES if TYPES[s] != "tumor"]  # all but tumours
TUMORS = list(PAIRS)
PANEL_SAMPLES = [s for s in SAMPLES if TYPES[s] in ("tumor", "normal")]
CALLERS = config["calling"]["callers"]
SOMATIC_TARGETS = config["somatic"]["targets"] or config["targets"]["bed"]
UNIT_WILDCARDS = [{"sample": s, "unit": u} for s, u in zip(units["sample"], units["unit"])]
# sample -> its unit names in sheet order (pandas .loc costs ~1 ms a call: 1,000s of samples)
UNITS_OF = {s: group["unit"].tolist() for s, group in units.groupby(level=0, sort=False)}


wildcard_constraints:
    sample="|".join(map(re.escape, SAMPLES)),
    unit="|".join(map(re.escape, units["unit"].unique())),
    source="|".join(map(re.escape, {u for _, u in SOURCES})) or "NO_SOURCES",
    caller="|".join(CALLERS),
    chunk=r"\d{4}",
    tumor="|".join(map(re.escape, TUMORS)) or "NO_TUMOURS",
    mode="paired|tumor_only",
    region="confident|truth_span",


# ---------------------------------------------------------------- registration
# Each module registers, right below a rule, what the run needs of it: `deliver(...)` for files
# a lab takes away (built by `all`, listed in the SHA-256 manifest), `to_multiqc(...)` for files
# the MultiQC report reads, `register_envs(...)` for the conda envs whose tool versions are
# recorded (callers register through helpers/calling.smk and helpers/somatic.smk).
DELIVERABLES = []
MULTIQC_INPUTS = []
ENVS = ["fastp", "bwa", "samtools", "bcftools", "mosdepth", "python", "multiqc"]
ENV_PROBES = {}


def plain_path(path):
    """A rule's path as written in the rule: with a default storage provider Snakemake gives
    rules.<name>.output as storage objects whose names carry the local storage prefix."""
    if getattr(path, "is_storage", False):
        query = path.storage_object.query
        prefix = workflow.storage_settings.default_storage_prefix or ""
        relative = query[len(prefix) :] if prefix and query.startswith(prefix) else query
        return relative.lstrip(os.sep)
    return str(path)


def outputs(patterns, *runs, **values):
    """Output patterns filled in for every combination of wildcard values. values: wildcard ->
    list of values, combined as a product; runs: lists of dicts whose values belong together
    (e.g. somatic runs, tumour + mode), combined with the rest as a product."""
    patterns = [plain_path(p) for p in ([patterns] if isinstance(patterns, str) else patterns)]
    axes = [[dict(r) for r in rows] for rows in runs]
    axes += [[{name: v} for v in vals] for name, vals in values.items()]
    files = []
    for combo in product(*axes):
        wildcards = {k: v for part in combo for k, v in part.items()}
        files += [apply_wildcards(p, wildcards) for p in patterns]
    return files


def deliver(patterns, *runs, **values):
    DELIVERABLES.extend(outputs(patterns, *runs, **values))


def to_multiqc(patterns, *runs, **values):
    MULTIQC_INPUTS.extend(outputs(patterns, *runs, **values))


def register_envs(*names, probes=None):
    """Conda envs of this run (envs/<name>.yaml); probes: tool -> version command of an env
    that dnaseq.core.versions does not know."""
    ENVS.extend(n for n in names if n not in ENVS)
    ENV_PROBES.update({n: probes for n in names if probes})
