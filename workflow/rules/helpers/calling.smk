# Input functions of the calling stage, for its rules in calling.smk, calling_gatk.smk.


def caller_filters(caller):
    """The soft-filter pipe step of a caller, from config calling.<caller>.filters."""
    return sheets.soft_filter_command(config["calling"][caller].get("filters", []))


def register_germline_caller(name, env, probes=None):
    """A caller of calling.callers: its env's tool versions are recorded when the run uses it
    (probes: tool -> version command, for an env dnaseq.core.versions does not know)."""
    if name in CALLERS:
        register_envs(env, probes=probes)


def gatk_filter_args(vtype):
    """VariantFiltration arguments for one variant type, from config calling.gatk.filters."""
    return " ".join(
        f"--filter-name {f['name']} --filter-expression '{f['expression']}'"
        for f in config["calling"]["gatk"]["filters"][vtype]
    )
