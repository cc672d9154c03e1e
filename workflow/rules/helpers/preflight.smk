# Input functions of the preflight stage, for its rules in preflight.smk.

from dnaseq.core import preflight_reference


def reference_checked_inputs():
    """Every input file checked against the reference contigs by check_reference_inputs."""
    return [i.path for i in reference_checked_input_items()]


def reference_checked_input_items():
    """The config's BED/VCF/GFF3 inputs (dnaseq.core.config_inputs items) the check reads."""
    return preflight_reference.checked_inputs(config, CONFIG_SCHEMA)
