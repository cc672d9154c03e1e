"""`dnaseq`: the commands a lab runs by hand, around a workflow run.

dnaseq preflight all --config my/config.yaml [--deep]   every input check, before a run
dnaseq manifest verify results/manifest.tsv [--root DIR] SHA-256 check of a finished run
"""

from __future__ import annotations

import sys

from dnaseq.core import manifest, preflight

COMMANDS = {"preflight": preflight.main, "manifest": manifest.main}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
