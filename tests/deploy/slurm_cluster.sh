#!/usr/bin/env bash
# Starts a real single-node Slurm cluster on this machine (slurmctld + slurmd from Debian's
# packages, no systemd, every file under WORK), submits deploy/slurm/parlab.sbatch on PLAN,
# waits for the job, then stops everything it started. Driven by slurm_test.cc, which checks
# the results; usable by hand as root:
#
#   tests/deploy/slurm_cluster.sh BIN_DIR SBATCH_SCRIPT PLAN WORK
#
# Leaves WORK/results/ (the job's results dir), WORK/job.out (the job's stdout+stderr),
# WORK/job.state ("STATE EXITCODE" as Slurm reports them) and WORK/logs/ (daemon logs).
# Exit: 0 the job completed with exit 0; 1 the job failed; 2 the cluster did not come up or the
# job did not finish in time (the message says which and shows the logs).
# Auth is auth/none: the cluster lives on this machine only and munged would be one more daemon
# to start and stop; a real cluster uses auth/munge (docs/deploy.md).
set -uo pipefail

[ $# -eq 4 ] || { echo "usage: $0 BIN_DIR SBATCH_SCRIPT PLAN WORK" >&2; exit 2; }
bin=$(realpath "$1")
sbatch_script=$(realpath "$2")
plan=$(realpath "$3")
work=$(realpath -m "$4")
node_wait_s=${SLURM_TEST_NODE_WAIT_S:-30}
job_wait_s=${SLURM_TEST_JOB_WAIT_S:-90}

say() { echo "slurm_cluster: $*" >&2; }
fail() {
  say "$*"
  for f in "$work"/logs/*.log; do
    [ -f "$f" ] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }
  done
  exit 2
}

for exe in slurmctld slurmd sbatch sinfo scontrol scancel squeue; do
  command -v "$exe" >/dev/null ||
    { say "$exe: not installed (scripts/setup.sh installs slurmctld slurmd slurm-client)"; exit 2; }
done

mkdir -p "$work"/{state,spool,logs,results}
# A free TCP port outside the ephemeral range (other tests bind ephemeral ports), or fail.
used_ports=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 10000))
    case "$used_ports" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+="$port "
      echo "$port"
      return 0
    fi
  done
  return 1
}
ctld_port=$(free_port) && slurmd_port=$(free_port) && worker_port=$(free_port) &&
  coordinator_port=$(free_port) || fail "no free TCP port in 20000..29999"

node=$(hostname -s)
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=parlabtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=parlab Nodes=$node Default=YES MaxTime=10 State=UP
EOF

ctld_pid=""
slurmd_pid=""
job_id=""
# Each daemon is stopped by the pid this script got; slurmstepd processes (Slurm's per-step
# helpers, daemonized) are waited for, and killed only if they hold files under $work.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
our_stepds() {  # by /proc, not pgrep: minimal Debian images have no procps
  local dir
  for dir in /proc/[0-9]*; do
    [ "$(cat "$dir/comm" 2>/dev/null)" = slurmstepd ] || continue
    ls -l "$dir/fd" 2>/dev/null | grep -q "$work" && echo "${dir#/proc/}"
  done
}
cleanup() {
  if [ -n "$job_id" ] && [ -n "$ctld_pid" ]; then
    scancel "$job_id" 2>/dev/null
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -j "$job_id" 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for _ in $(seq 1 25); do [ -z "$(our_stepds)" ] && break; sleep 0.2; done
  for p in $(our_stepds); do kill -KILL "$p" 2>/dev/null; done
  stop_pid "$slurmd_pid"
  stop_pid "$ctld_pid"
}
trap cleanup EXIT

slurmctld -D -f "$SLURM_CONF" >"$work/logs/slurmctld.stdout.log" 2>&1 &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" -N "$node" >"$work/logs/slurmd.stdout.log" 2>&1 &
slurmd_pid=$!

deadline=$((SECONDS + node_wait_s))
until [ "$(sinfo -h -N -n "$node" -o '%t' 2>/dev/null)" = idle ]; do
  kill -0 "$ctld_pid" 2>/dev/null || fail "slurmctld exited at start-up"
  kill -0 "$slurmd_pid" 2>/dev/null || fail "slurmd exited at start-up"
  [ $SECONDS -ge $deadline ] &&
    fail "node $node not idle within ${node_wait_s}s: $(sinfo -N 2>&1 | tail -n 2)"
  sleep 0.3
done
say "cluster up in ${SECONDS}s (node $node idle)"

job_id=$(cd "$work" && PARLAB_BIN_DIR="$bin" PARLAB_WORKER_PORT="$worker_port" \
  PARLAB_COORDINATOR_PORT="$coordinator_port" PARLAB_RESULTS_DIR="$work/results" \
  PARLAB_WAIT_S=30 sbatch --parsable --nodes=1 --time=5 --output="$work/job.out" \
  "$sbatch_script" "$plan") || fail "sbatch refused the job: $job_id"
job_id=${job_id%%;*}
say "submitted job $job_id"

# Poll the job rather than `sbatch --wait`, whose poll interval grows to 10 s.
deadline=$((SECONDS + job_wait_s))
while :; do
  info=$(scontrol -o show job "$job_id" 2>/dev/null)
  state=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$info")
  case "$state" in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
      break ;;
  esac
  if [ $SECONDS -ge $deadline ]; then
    cat "$work/job.out" >&2 2>/dev/null
    fail "job $job_id not finished within ${job_wait_s}s (state ${state:-unknown})"
  fi
  sleep 0.3
done
exit_code=$(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<<"$info")
echo "$state $exit_code" >"$work/job.state"
say "job $job_id: $state, exit code $exit_code, after ${SECONDS}s"
[ "$state" = COMPLETED ] || { cat "$work/job.out" >&2 2>/dev/null; exit 1; }
exit 0
