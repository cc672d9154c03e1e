#!/usr/bin/env bash
# Install everything the workflow needs to run with tools on PATH (no conda) on Debian/Ubuntu:
# the bioinformatics tools from the distribution, and a Python virtualenv in .venv.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bwa samtools bcftools tabix fastp mosdepth libhts-dev freebayes snpeff
  picard-tools bedtools dwgsim default-jre-headless make git)

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
# Debian ships picard and snpEff as jars: put bioconda-style `picard`/`snpEff` commands on PATH
for shim in devtools/shims/*; do
  ln -sf "$(pwd)/$shim" ".venv/bin/$(basename "$shim")"
done
echo "[setup] done"
