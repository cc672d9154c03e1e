"""HTML of the clinical reports, from the Jinja2 templates in workflow/report/ (autoescaped:
every value from a sheet or a VCF is text, never markup). The pages are self-contained: inline
CSS and script, no external file, font or image, so they open offline on a locked-down PC."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

TEMPLATES = Path(
    os.environ.get(
        "DNASEQ_REPORT_TEMPLATES", Path(__file__).resolve().parents[3] / "workflow/report"
    )
)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    return env


def number(value: object, digits: int = 4) -> str:
    """Numbers without float noise; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def sample_page(data: dict) -> str:
    return environment().get_template("sample.html.j2").render(r=data)


def index_page(reports: list[dict], run: dict) -> str:
    return environment().get_template("index.html.j2").render(reports=reports, run=run)
