"""The workflow's Python package.

* `dnaseq.core`: imported by the Snakefile while it plans a run (sheets, pre-flight checks,
  provenance, run lock, tool versions, manifest, config schema helpers, the results layout).
* `dnaseq.steps`: what the workflow's jobs run, one module per step
  (`python -m dnaseq.steps.<name> ...`).
* `dnaseq.cli`: the `dnaseq` command for what labs run by hand (`dnaseq preflight`,
  `dnaseq manifest verify`).
"""

from __future__ import annotations

import re
from pathlib import Path

__version__ = "0.8.0"


def version_mismatch(workflow_dir: Path) -> str | None:
    """Planning (the process that imported this package) and the jobs (which run the
    workflow folder's own copy) must run the same code: a message when they would not."""
    text = (Path(workflow_dir) / "scripts" / "dnaseq" / "__init__.py").read_text()
    own = re.search(r'__version__ = "([^"]+)"', text)
    if own and own.group(1) == __version__:
        return None
    return (
        f"The installed dnaseq package ({__version__}, {Path(__file__).parent}) is not this "
        f"workflow's ({own.group(1) if own else 'unknown'}): run `pip install -e {workflow_dir}`."
    )
