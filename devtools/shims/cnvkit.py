#!/bin/sh
# Debian's CNVkit command (`cnvkit`) under the name bioconda uses (`cnvkit.py`), so that rules are
# the same with conda and with Debian packages. Installed into .venv/bin by devtools/setup_debian.sh.
# PYTHONWARNINGS: Debian's CNVkit 0.9.9 warns about pandas.Int64Index on every start.
PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::FutureWarning}" exec /usr/bin/cnvkit "$@"
