#!/usr/bin/env bash
# A single-node Slurm cluster on this machine (localhost), for trying and testing the sweep job
# array (scripts/slurm/sweep.sbatch, tests/all/slurm.rs). Debian/Ubuntu only; run as root.
#
#   scripts/slurm/local-slurm.sh          # = start: install if needed, configure, start, wait until idle
#   scripts/slurm/local-slurm.sh status   # sinfo + daemon pids
#   scripts/slurm/local-slurm.sh stop     # stop the daemons this script started (by their pid files)
#
# Idempotent: packages are installed only when missing (Debian's slurm-wlm and munge), the munge
# key and slurm.conf are created only when absent (slurm.conf is rewritten if it was written by this
# script for another host), and daemons are started only when their pid file names no live process.
# The configuration is for a test cluster: everything runs as root, no accounting, no cgroups
# (proctrack/linuxproc, task/none), one partition `debug` with this host's CPUs and memory as
# reported by `slurmd -C`, consumable cores (so array tasks with --cpus-per-task=1 run side by side).
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARK="# written by symrfm scripts/slurm/local-slurm.sh"
STATE=/var/lib/slurm
LOG=/var/log/slurm
RUN=/run/slurm
HOST=$(hostname -s)

die() { echo "local-slurm: $*" >&2; exit 1; }
say() { echo "local-slurm: $*"; }

alive() { # alive PIDFILE: the pid in the file names a running process
  [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
     && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found: install slurm-wlm and munge by hand"
  say "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

start_munge() {
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
  fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
  chmod 700 /etc/munge /var/lib/munge /var/log/munge
  chmod 755 /run/munge
  chmod 400 /etc/munge/munge.key
  if alive /run/munge/munged.pid; then return; fi
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && return; sleep 0.1; done
  die "munged does not answer (see /var/log/munge/munged.log)"
}

write_conf() {
  if [[ -f $CONF ]] && ! grep -qF "$MARK" "$CONF"; then
    say "keeping the existing $CONF (not written by this script)"
    return
  fi
  if [[ -f $CONF ]] && grep -q "^SlurmctldHost=$HOST\$" "$CONF"; then
    return
  fi
  mkdir -p "$CONF_DIR"
  # e.g. NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24000
  local node
  node=$(slurmd -C | head -n 1)
  [[ $node == NodeName=* ]] || die "slurmd -C did not describe this node: $node"
  say "writing $CONF for: $node"
  cat >"$CONF" <<CONF
$MARK
# A single-node test cluster on $HOST.
ClusterName=symrfm-local
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmdSpoolDir=$STATE/slurmd
StateSaveLocation=$STATE/slurmctld
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
$node State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
}

start_slurm() {
  mkdir -p "$STATE/slurmd" "$STATE/slurmctld" "$LOG" "$RUN"
  if ! alive "$RUN/slurmctld.pid"; then
    say "starting slurmctld"
    slurmctld
  fi
  if ! alive "$RUN/slurmd.pid"; then
    say "starting slurmd"
    slurmd
  fi
  local state=""
  for _ in $(seq 60); do
    state=$(sinfo -h -N -n "$HOST" -o %T 2>/dev/null | head -n 1 || true)
    case $state in
      idle*|mixed*|allocated*|completing*) say "node $HOST is $state"; return ;;
      down*|drain*|drained*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  die "node $HOST did not become idle (state: ${state:-unknown}); see $LOG/slurmctld.log and $LOG/slurmd.log"
}

stop() {
  local f
  for f in "$RUN/slurmd.pid" "$RUN/slurmctld.pid" /run/munge/munged.pid; do
    if alive "$f"; then
      say "stopping $(basename "$f" .pid) (pid $(cat "$f"))"
      kill "$(cat "$f")"
    fi
  done
}

status() {
  local f
  for f in /run/munge/munged.pid "$RUN/slurmctld.pid" "$RUN/slurmd.pid"; do
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): not running"; fi
  done
  command -v sinfo >/dev/null && sinfo || true
}

case ${1:-start} in
  start)
    [[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts daemons)"
    install; start_munge; write_conf; start_slurm ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 [start|status|stop]" ;;
esac
