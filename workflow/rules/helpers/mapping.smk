# Input functions of the mapping stage, for its rules in mapping.smk.


def unit_bams(wildcards):
    """A sample's per-unit alignments, merged by its duplicate-marking job: bwa's, or a reused
    stored alignment prepared by reanalysis.smk."""
    return [
        (L.reanalysis.reused_bam if mode == "reuse" else L.mapping.unit_bam).format(
            sample=wildcards.sample, unit=unit
        )
        for unit, mode in UNIT_MODES[wildcards.sample]
    ]


def unit_read_group(wildcards):
    """The unit's @RG line for bwa -R, shell-quoted: the sheet's fields, or the read group of
    the stored alignment it was unpacked from (ID, LB, PU, PL kept; SM the sheet's sample)."""
    u = units.loc[(wildcards.sample, wildcards.unit)].to_dict()
    if u["mode"] == "realign":
        return shlex.quote(u["read_group"])
    return shlex.quote(sheets.read_group({k: v for k, v in u.items() if isinstance(v, str)}))


def working_bam(path):
    """A BAM that only feeds the CRAM conversion (temporary) when the output format is CRAM."""
    return temp(path) if L.cram else path
