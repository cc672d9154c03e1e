#!/usr/bin/env bash
# Install everything the workflow needs to run with tools on PATH (no conda) on Debian/Ubuntu:
# the bioinformatics tools from the distribution, and a Python virtualenv in .venv.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bwa samtools bcftools tabix fastp mosdepth libhts-dev freebayes snpeff
  picard-tools bedtools dwgsim default-jre-headless make git
  libwww-perl chromium chromium-driver delly tiddit cnvkit)  # chromium: browser test of the reports; libwww-perl: LWP::Simple, which VEP loads (its installer leaves it to recommends)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
# pip's notes about this machine's extra index are noise; its exit status is not
quiet_pip() { "$1"/bin/python -m pip install -q "${@:2}" 2> >(grep -v "is ignored" >&2); }
# .venv: workflow + tests (local runs); .venv-cluster: the same plus the executor plugins
for pair in .venv:requirements.txt .venv-cluster:requirements-cluster.txt; do
  venv=${pair%%:*} reqs=${pair#*:}
  # a venv made from an older requirements file with plugins that now live elsewhere is remade
  if [ -x "$venv/bin/python" ] && [ "$venv" = .venv ] && "$venv/bin/python" -m pip show -q snakemake-executor-plugin-slurm >/dev/null 2>&1; then
    echo "[setup] removing executor plugins from $venv (they belong in .venv-cluster)"
    "$venv/bin/python" -m pip uninstall -q -y snakemake-executor-plugin-slurm snakemake-executor-plugin-slurm-jobstep snakemake-executor-plugin-lsf snakemake-executor-plugin-cluster-generic
  fi
  [ -x "$venv/bin/python" ] || { echo "[setup] creating Python virtualenv $venv"; "$PY" -m venv "$venv"; }
  # the stamp holds requirements.txt too: .venv-cluster includes it (-r) and must follow its changes
  if ! cat requirements.txt "$reqs" | cmp -s - "$venv/.requirements.installed" 2>/dev/null; then
    echo "[setup] installing Python packages from $reqs into $venv"
    quiet_pip "$venv" --upgrade pip
    quiet_pip "$venv" -r "$reqs"
    cat requirements.txt "$reqs" > "$venv/.requirements.installed"
  fi
done
# the workflow's own Python package (scripts/dnaseq, editable: the checkout is the code)
for venv in .venv .venv-cluster; do
  if ! "$venv/bin/python" -c 'import dnaseq, sys; sys.exit(not dnaseq.__file__.startswith(sys.argv[1]))' "$(pwd)/scripts/" 2>/dev/null; then
    echo "[setup] installing the workflow's package (dnaseq) into $venv"
    quiet_pip "$venv" -e .
  fi
done
# Debian ships picard and snpEff as jars and CNVkit as `cnvkit`: put the bioconda-style commands
# (`picard`, `snpEff`, `cnvkit.py`) on PATH
for shim in devtools/shims/*; do
  ln -sf "$(pwd)/$shim" ".venv/bin/$(basename "$shim")"
done
# Tools that no Debian/PyPI package has, built from the sources next to this project
# (DNASEQ_TOOLS, else the nearest shared/tools beside this checkout or one of its parent folders):
# each folder's install.sh puts the tool into .venv/bin.
# Labs with conda use the bioconda packages pinned in envs/ instead.
TOOLS=${DNASEQ_TOOLS:-}
if [ -z "$TOOLS" ]; then  # a shared/tools folder beside this checkout or beside a parent of it
  dir=$(pwd)
  while [ "$dir" != "/" ] && [ -z "$TOOLS" ]; do
    dir=$(dirname "$dir")
    [ -d "$dir/shared/tools" ] && TOOLS=$(cd "$dir/shared/tools" && pwd)
  done
fi
MISSING=()
install_tool() {  # install_tool FOLDER COMMAND CHECK [DEST]: CHECK (a shell test) says it works;
  # DEST is what the folder's install.sh takes (default .venv/bin; LoFreq's takes a PREFIX)
  if (PATH="$(pwd)/.venv/bin:$PATH"; eval "$3") >/dev/null 2>&1; then return; fi
  if [ -n "$TOOLS" ] && [ -x "$TOOLS/$1/install.sh" ]; then
    echo "[setup] installing $2 from $TOOLS/$1"
    bash "$TOOLS/$1/install.sh" "${4:-$(pwd)/.venv/bin}" > .venv/install-$2.log 2>&1 \
      || { echo "[setup] $2 install failed, see .venv/install-$2.log" >&2; exit 1; }
  else
    MISSING+=("$2")
  fi
}
install_tool ensembl-vep-115 vep "vep --help | grep -q ensembl-vep"
install_tool lofreq-2.1.5 lofreq "lofreq version | grep -q 2.1.5" "$(pwd)/.venv"
install_tool vardict-1.8.3 vardict-java "command -v vardict-java && command -v var2vcf_paired.pl"
install_tool octopus-0.7.4 octopus "octopus --version"
install_tool rtg-tools-3.12.1 rtg "rtg version | grep -q 3.12.1"
if [ ${#MISSING[@]} -gt 0 ]; then
  cat >&2 <<EOF
[setup] not installed: ${MISSING[*]} (no Debian or PyPI package; their sources were not found in
  ../shared/tools or \$DNASEQ_TOOLS). Either set DNASEQ_TOOLS to a folder holding them and run
  make setup again, or run the workflow with the pinned conda envs instead (envs/*.yaml:
  --software-deployment-method conda, profiles/local). Until then, configs that use them
  (calling.callers: octopus, somatic.callers: lofreq/vardict, annotation.tool: vep) fail at
  their first job, and the tests that need them fail.
EOF
fi
echo "[setup] done"
