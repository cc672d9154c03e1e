#!/usr/bin/env bash
# A single-node SLURM cluster on localhost, for the integration test of profiles/slurm.
#   local_slurm.sh install   # Debian packages (slurmctld, slurmd, slurm-client, munge)
#   local_slurm.sh start     # writes /etc/slurm/slurm.conf, starts munged, slurmctld, slurmd
#   local_slurm.sh stop      # stops exactly the daemons `start` started (by their PIDs)
# No systemd needed. The config must be at /etc/slurm/slurm.conf: the Snakemake SLURM plugin's
# job step drops every SLURM_* variable (SLURM_CONF included) before its inner srun.
# Without slurmdbd, sacct is unavailable: the profile uses squeue for status, so MinJobAge
# keeps finished jobs visible to squeue far longer than the status check interval.
set -euo pipefail
STATE=${SLURM_TEST_STATE:-/tmp/dnaseq-local-slurm}

install() {
  local missing=()
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

MARKER="ClusterName=dnaseqtest"   # the line that tells a config written by this script

start() {
  # never touch a site's own SLURM: only a config this script wrote may be replaced
  if [ -e /etc/slurm/slurm.conf ] && ! grep -qxF "$MARKER" /etc/slurm/slurm.conf; then
    echo "refusing to start: /etc/slurm/slurm.conf exists and was not written by $0" >&2
    return 1
  fi
  if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || pgrep -x munged >/dev/null; then
    echo "refusing to start: munged, slurmctld or slurmd is already running on this machine" >&2
    return 1
  fi
  # a clean cluster every time: jobs saved by an earlier run (killed, or a session that ended
  # mid-test) would be recovered as still running and keep the node busy
  rm -rf "$STATE/ctld" "$STATE/spool"
  mkdir -p "$STATE/ctld" "$STATE/spool" /etc/slurm /run/munge /var/log/munge /var/lib/munge
  local host cpus mem
  host=$(hostname -s)
  # advertise 8 CPUs whatever the machine has (config_overrides): merged group jobs ask for the
  # sum of their jobs' threads, and the test must not depend on the CI machine's core count
  cpus=8
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  cat > /etc/slurm/slurm.conf <<CONF
${MARKER}
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=${STATE}/ctld
SlurmdSpoolDir=${STATE}/spool
SlurmctldPidFile=${STATE}/slurmctld.pid
SlurmdPidFile=${STATE}/slurmd.pid
SlurmctldLogFile=${STATE}/slurmctld.log
SlurmdLogFile=${STATE}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SlurmdParameters=config_overrides
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  chmod 400 /etc/munge/munge.key
  munged --force --pid-file="$STATE/munged.pid" --socket=/run/munge/munge.socket.2
  slurmctld -c -f /etc/slurm/slurm.conf   # -c: no job state recovered
  slurmd -f /etc/slurm/slurm.conf
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qE "^idle"; then
      echo "local SLURM ready: $(sinfo -h -o '%P %D %T %c CPUs')"
      return 0
    fi
    sleep 1
  done
  echo "local SLURM did not become ready; node state: $(sinfo -h -o '%T %E' 2>&1)" >&2
  tail -n 20 "$STATE"/slurmctld.log "$STATE"/slurmd.log >&2 || true
  stop
  return 1
}

stop() {
  for d in slurmd slurmctld munged; do
    if [ -s "$STATE/$d.pid" ]; then
      pid=$(cat "$STATE/$d.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      rm -f "$STATE/$d.pid"
    fi
  done
}

"$@"
