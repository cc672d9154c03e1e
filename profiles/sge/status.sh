#!/usr/bin/env bash
# Job status for snakemake-executor-plugin-cluster-generic on Grid Engine:
# prints running, success or failed for the job ID given as $1.
job=$1
if qstat -j "$job" >/dev/null 2>&1; then
  if qstat | awk -v j="$job" '$1 == j {print $5}' | grep -q "E"; then echo failed; else echo running; fi
  exit 0
fi
exit_status=$(qacct -j "$job" 2>/dev/null | awk '$1 == "exit_status" {print $2}' | tail -1)
failed=$(qacct -j "$job" 2>/dev/null | awk '$1 == "failed" {print $2}' | tail -1)
if [ "${exit_status:-1}" = "0" ] && [ "${failed:-0}" = "0" ]; then echo success; else echo failed; fi
