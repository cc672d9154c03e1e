"""Shell snippets that ask each conda environment's tools for their versions.

The workflow runs these inside the same environment as the rules that use the tools (or with the
same PATH when tools are installed system-wide), so the MultiQC "software versions" section shows
the binaries that actually ran, never versions typed by hand.
"""

from __future__ import annotations


def python_package(command: str, dist: str, fallback: str) -> str:
    """The version of a tool that is a Python package, read from the package's metadata by the
    interpreter the tool's script starts with (its shebang), so the installation that runs is
    the one asked; `fallback` (the tool's own version command) when the script is not a Python
    script or has no such metadata. Some tools take 1-2 s to import everything before they
    print a version (MultiQC, CNVkit); every run asks once per environment."""
    interpreter = f'sed -n "1s/^#![[:space:]]*//p" "$(command -v {command})"'
    metadata = f"import importlib.metadata as m; print(m.version('{dist}'))"
    return (
        f'i=$({interpreter}); [[ $i == *python* ]] && $i -c "{metadata}" 2>/dev/null || {fallback}'
    )


# env name -> {tool name shown in the report: command whose output contains the version}
ENV_TOOLS: dict[str, dict[str, str]] = {
    "fastp": {"fastp": "fastp --version"},
    "bwa": {"bwa": "bwa", "samtools": "samtools --version"},
    "samtools": {"samtools": "samtools --version"},
    "bcftools": {"bcftools": "bcftools --version"},
    "freebayes": {"freebayes": "freebayes --version", "bcftools": "bcftools --version"},
    "mosdepth": {"mosdepth": "mosdepth --version"},
    "octopus": {"octopus": "octopus --version", "bcftools": "bcftools --version"},
    "lofreq": {"lofreq": "lofreq version", "bcftools": "bcftools --version"},
    "picard": {"picard": "picard MarkDuplicates --version"},
    "gatk": {"gatk4": "gatk --version"},
    "snpeff": {"snpeff": "snpEff -version"},
    "vep": {"ensembl-vep": "vep --help | grep ensembl-vep"},
    "multiqc": {"multiqc": python_package("multiqc", "multiqc", "multiqc --version")},
    "delly": {"delly": "delly --version", "bcftools": "bcftools --version"},
    "tiddit": {
        "tiddit": python_package("tiddit", "tiddit", "tiddit --help | head -n 1"),
        "bcftools": "bcftools --version",
    },
    "manta": {"manta": "configManta.py --version"},
    "truvari": {"truvari": python_package("truvari", "truvari", "truvari version")},
    "cnvkit": {"cnvkit": python_package("cnvkit.py", "cnvkit", "cnvkit.py version")},
    "report": {
        "jinja2": "python -c 'import jinja2; print(jinja2.__version__)'",
        "fhir.resources": "python -c 'import fhir.resources; print(fhir.resources.__version__)'",
        "openpyxl": "python -c 'import openpyxl; print(openpyxl.__version__)'",
    },
    "python": {
        "python": "python --version",
        "pysam": "python -c 'import pysam; print(pysam.__version__)'",
    },
}

VERSION_PATTERN = r"[0-9]+\.[0-9]+(\.[0-9]+)*([.-]?[a-z0-9]+)?"


def version_shell(env: str, probes: dict[str, str] | None = None) -> str:
    """A shell command list printing `tool: "version"` YAML lines for every tool of `env`.
    probes (tool -> command): an env's own commands, given by the module that registers it
    (register_envs in common.smk) instead of the table above."""
    tools = probes or ENV_TOOLS.get(env)
    if not tools:
        raise KeyError(f"no version commands known for conda env {env!r}")
    lines = []
    for tool, command in tools.items():
        probe = f"({command}) 2>&1 | grep -oE '{VERSION_PATTERN}' | head -n 1"
        lines.append(f'printf \'%s: "%s"\\n\' {tool} "$({probe})"')
    return "; ".join(lines)
