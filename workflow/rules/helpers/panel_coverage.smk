# Input functions of the panel_coverage stage, for its rules in panel_coverage.smk.


def panel_thresholds():
    """Depths for `mosdepth --thresholds`: the reporting ones, the TMB minimum depth and the
    low-coverage minimum (breadth of each target at that depth)."""
    depths = set(config["somatic"]["coverage"]["thresholds"])
    depths.add(config["somatic"]["tmb"]["min_depth"])
    depths.add(coverage_min_depth())
    return sorted(depths)


def coverage_min_depth():
    """The low-coverage minimum as a whole depth (mosdepth thresholds are integers)."""
    return max(1, math.ceil(config["somatic"]["coverage"]["min_mean_depth"]))
