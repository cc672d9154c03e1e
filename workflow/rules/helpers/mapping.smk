# Input functions of the mapping stage, for its rules in mapping.smk.


def unit_bams(wildcards):
    """A sample's per-unit alignments, merged by its duplicate-marking job."""
    return outputs(L.mapping.unit_bam, sample=[wildcards.sample], unit=UNITS_OF[wildcards.sample])


def unit_read_group(wildcards):
    u = units.loc[(wildcards.sample, wildcards.unit)].to_dict()
    return sheets.read_group({k: v for k, v in u.items() if isinstance(v, str)})


def working_bam(path):
    """A BAM that only feeds the CRAM conversion (temporary) when the output format is CRAM."""
    return temp(path) if L.cram else path
