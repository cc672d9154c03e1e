# Input functions of the annotation stage, for its rules in annotation.smk.


def annotation_active():
    return config["annotation"]["tool"] != "none"


def annotation_gff():
    """The annotator's GFF3 (snpeff.gff3 or vep.gff), whose gene names the SV merge and the
    reports use; None when the annotator has none."""
    tool = config["annotation"]["tool"]
    gff = config["annotation"].get(tool, {}).get("gff3" if tool == "snpeff" else "gff", "")
    return gff or None


def vep_source_args(wildcards, input):
    """VEP's annotation source options: GFF mode or offline cache mode."""
    if VEP["gff"]:
        return f"--gff {L.annotation.vep_gff}"
    return (
        f"--offline --cache --dir_cache {shlex.quote(input.source[0])}"
        f" --cache_version {VEP['cache_version']} --species {shlex.quote(VEP['species'])}"
        f" --assembly {shlex.quote(VEP['assembly'])}"
    )


def annotated(tool, key):
    """A path pattern of this stage with one annotator's name filled in."""
    return layout.partial(L.annotation[key], annotator=tool)
