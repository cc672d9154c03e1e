#!/usr/bin/python3
"""Debian's CNVkit command (`cnvkit`) under the name bioconda uses (`cnvkit.py`), so that rules
are the same with conda and with Debian packages. Installed into .venv/bin by
devtools/setup_debian.sh. A Python script run by the interpreter Debian's CNVkit runs with, so
that the version probe (dnaseq.core.versions) reads CNVkit's package metadata as it does in a
conda env. PYTHONWARNINGS: Debian's CNVkit 0.9.9 warns about pandas.Int64Index on every start."""

import os
import sys

os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning")
os.execv("/usr/bin/cnvkit", ["/usr/bin/cnvkit", *sys.argv[1:]])
