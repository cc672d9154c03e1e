# Input functions of the reanalysis stage (stored BAM/CRAM input), for reanalysis.smk and for
# the stages that read what it makes (trimming via unit_fastqs, mapping, qc, report, provenance).

# units read from FASTQ (the sheet's or unpacked from a stored alignment): trimmed and aligned
READ_UNITS = [w for w, m in zip(UNIT_WILDCARDS, units["mode"]) if m != "reuse"]
UNIT_MODES = {  # sample -> (unit, fastq | realign | reuse) in sheet order
    s: list(zip(group["unit"], group["mode"])) for s, group in units.groupby(level=0, sort=False)
}
# sample -> its units that are trimmed (all but reused stored alignments)
READ_UNITS_OF = {s: [u for u, m in pairs if m != "reuse"] for s, pairs in UNIT_MODES.items()}


def unit_fastqs(wildcards):
    """A unit's FASTQ pair: the sheet's, or the one unpacked from a stored alignment's read
    group (reanalysis.smk)."""
    u = units.loc[(wildcards.sample, wildcards.unit)]
    if u["mode"] == "realign":
        return {
            "r1": L.reanalysis.r1.format(**wildcards),
            "r2": L.reanalysis.r2.format(**wildcards),
        }
    return {"r1": u["fq1"], "r2": u["fq2"]}


def stored_source(sample, source):
    """The planned stored alignment (dnaseq.core.alignment_inputs.Source) of a sheet row."""
    return SOURCES[(sample, source)]


def unit_source(wildcards):
    """The stored alignment a reused or realigned unit comes from."""
    return stored_source(wildcards.sample, units.loc[(wildcards.sample, wildcards.unit)]["source"])


def source_decode_files(src):
    """The FASTA (+ .fai) a CRAM is decoded with; nothing for a BAM."""
    if src.decode_with is None:
        return []
    if src.decode_with == "prepared":
        return [L.reference.fasta, L.reference.fai]
    return [src.decode_with, f"{src.decode_with}.fai"]


def source_reference_option(src):
    """--reference <FASTA> for a CRAM (quoted), empty for a BAM."""
    files = source_decode_files(src)
    return f"--reference {shlex.quote(files[0])}" if files else ""


def source_input(wildcards):
    src = stored_source(wildcards.sample, wildcards.source)
    return {"alignment": src.path, "decode": source_decode_files(src)}


def unit_source_input(wildcards):
    src = unit_source(wildcards)
    return {
        "alignment": src.path,
        "decode": source_decode_files(src),
        "described": L.reanalysis.source.format(sample=src.sample, source=src.unit),
    }


def source_plan(wildcards):
    """What the start-up check decided, as JSON for the describe job (only what the run's
    outcome depends on: a changed decision redoes it)."""
    return json.dumps(stored_source(wildcards.sample, wildcards.source).describe(), sort_keys=True)


def source_read_group_ids(wildcards):
    src = stored_source(wildcards.sample, wildcards.source)
    return " ".join(shlex.quote(rg["ID"]) for rg in src.read_groups) if src.tagged else ""


def unpack_selection(wildcards):
    """samtools view -r <ID> for the unit's read group (the original ID, before any renaming
    for uniqueness); nothing for a file without read groups."""
    src = unit_source(wildcards)
    if not src.tagged:
        return ""
    index = src.units.index(wildcards.unit)
    return f"-r {shlex.quote(src.read_groups[index]['ID'])}"
