# Input functions of the preflight stage, for its rules in preflight.smk.


def reference_checked_inputs():
    """Every input file checked against the reference contigs by check_reference_inputs."""
    return [i.path for i in preflight.checked_inputs(config, CONFIG_SCHEMA)]
