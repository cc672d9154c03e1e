"""`dnaseq`: the commands a lab runs by hand, around a workflow run.

dnaseq preflight all --config my/config.yaml [--deep]   every input check, before a run
dnaseq manifest verify results/manifest.tsv [--root DIR] SHA-256 check of a finished run
dnaseq validate --config my/config.yaml [--output DIR]   the validation pack (controls, repeat,
                                                         depth titration; README "Validating")
"""

from __future__ import annotations

import sys

from dnaseq.core import manifest, preflight


def validate(argv: list[str]) -> int:
    from dnaseq import validate as pack

    return pack.main(argv)


COMMANDS = {"preflight": preflight.main, "manifest": manifest.main, "validate": validate}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
