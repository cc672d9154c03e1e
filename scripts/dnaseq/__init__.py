"""The workflow's Python package.

* `dnaseq.core`: imported by the Snakefile while it plans a run (sheets, pre-flight checks,
  provenance, run lock, tool versions, manifest, config schema helpers).
* `dnaseq.steps`: what the workflow's jobs run, one module per step
  (`python -m dnaseq.steps.<name> ...`).
* `dnaseq.cli`: the `dnaseq` command for what labs run by hand (`dnaseq preflight`,
  `dnaseq manifest verify`).
"""

__version__ = "0.5.2"
