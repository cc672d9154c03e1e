"""Which config values are input files: read from the config schema, never kept by hand.

A property of `workflow/schemas/config.schema.yaml` is an input file when it carries
`x-input: {kind: ..., what: ...}`:

* kind: `sheet`, `fasta`, `vcf`, `bed`, `gff3` or `dir`: what the pre-flight checks read;
* what: the words used in messages ("truth VCF", "target BED", ...);
* indexed: true when the tools need a .tbi/.csi next to a VCF;
* large: true for resources too big to read to the end (gnomAD, a panel of normals): the deep
  check reads the header and the first records;
* when: [key, ..., value]: only an input when that config value equals `value` (e.g. the
  snpEff GFF3 only when annotation.tool is snpeff).

Objects keyed by sample (`validation`, `identity.expected`) and lists (`known_sites`) are
followed through `additionalProperties` and `items`. Empty strings are "not configured".
The pre-flight checks, the reference-consistency job and the SHA-256 manifest all use
`config_inputs`, so a path key added to the schema is checked and recorded everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


@dataclass(frozen=True)
class ConfigInput:
    """One input file named in the config."""

    path: str
    location: tuple[str | int, ...]  # where in the config, e.g. ("validation", "NA12878", ...)
    kind: str
    what: str
    indexed: bool = False
    large: bool = False

    @property
    def key(self) -> str:
        """The location as text for messages, e.g. validation.NA12878.truth_vcf."""
        text = ""
        for part in self.location:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text


def load_schema(path: Path = SCHEMA) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def _resolve(node: dict, schema: dict) -> dict:
    ref = node.get("$ref")
    if ref:
        target: Any = schema
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        return target
    return node


def _active(spec: dict, config: dict) -> bool:
    when = spec.get("when")
    if not when:
        return True
    *keys, value = when
    node: Any = config
    for key in keys:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node == value


def _walk(
    node: dict, value: Any, key: tuple, schema: dict, config: dict | None
) -> Iterator[ConfigInput]:
    node = _resolve(node, schema)
    spec = node.get("x-input")
    if spec is not None:
        if isinstance(value, str) and value and (config is None or _active(spec, config)):
            yield ConfigInput(
                value,
                key,
                spec["kind"],
                spec["what"],
                bool(spec.get("indexed", False)),
                bool(spec.get("large", False)),
            )
        return
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        # schema order, then other keys sorted: the same order whatever order the config
        # file (YAML, or the sorted JSON copy a job reads) lists them in
        keys = [k for k in props if k in value] + sorted(k for k in value if k not in props)
        for k in keys:
            sub = props.get(k) or (extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from _walk(sub, value[k], (*key, k), schema, config)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, v in enumerate(value):
            yield from _walk(node["items"], v, (*key, i), schema, config)


def config_inputs(
    config: dict, schema: dict | None = None, include_inactive: bool = False
) -> list[ConfigInput]:
    """Every input file the config names, in schema order, each once per config key.

    include_inactive: also inputs whose `when` condition does not hold (e.g. the VEP cache
    when snpEff annotates)."""
    schema = schema or load_schema()
    return list(_walk(schema, config, (), schema, None if include_inactive else config))


def input_keys(schema: dict | None = None) -> set[str]:
    """Schema locations marked as inputs (for tests), e.g. {'reference.fasta', 'validation.*'}."""
    schema = schema or load_schema()
    found: set[str] = set()

    def visit(node: dict, key: str) -> None:
        node = _resolve(node, schema)
        if "x-input" in node:
            found.add(key)
            return
        for k, sub in node.get("properties", {}).items():
            visit(sub, f"{key}.{k}" if key else k)
        if isinstance(node.get("additionalProperties"), dict):
            visit(node["additionalProperties"], f"{key}.*")
        if isinstance(node.get("items"), dict):
            visit(node["items"], f"{key}[]")

    visit(schema, "")
    return found
