# Input functions of the panel_coverage stage, for its rules in panel_coverage.smk.


def panel_thresholds():
    """Depths for `mosdepth --thresholds`: the reporting ones plus the TMB minimum depth."""
    depths = set(config["somatic"]["coverage"]["thresholds"])
    depths.add(config["somatic"]["tmb"]["min_depth"])
    return sorted(depths)
