# Input functions of the qc stage, for its rules in qc.smk.


def gate_thresholds(sample):
    """The QC gate's minimums for one sample: qc_gate, with qc_gate.by_type.<its type> over it
    (germline genome/exome, panel normal and tumour need different depths)."""
    gate = {k: v for k, v in config["qc_gate"].items() if k != "by_type"}
    return {**gate, **config["qc_gate"].get("by_type", {}).get(TYPES[sample], {})}


def depth_territory(wildcards):
    """What a sample's mean depth is over: the merged panel targets for panel samples
    (tumours, normals), else targets.bed, else the callable territory."""
    if wildcards.sample in PANEL_SAMPLES:
        return L.panel_coverage.targets
    return config["targets"]["bed"] or L.reference.callable


def reused_sources(sample):
    """The description JSONs of a sample's reused stored alignments (their primary reads count
    for the gate's reads-after-trimming)."""
    return [
        L.reanalysis.source.format(sample=s, source=u)
        for (s, u), src in SOURCES.items()
        if s == sample and src.mode == "reuse"
    ]
