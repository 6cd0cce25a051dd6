#!/usr/bin/env bash
# slurm-cluster.sh — a real single-node Slurm cluster (slurmctld + slurmd + munged) for tests, kept
# entirely inside a directory the caller chose. Debian 12 (Slurm 22.05, MUNGE 0.5.15), run as root.
#
#   scripts/slurm-cluster.sh install     install slurm-wlm and munge when missing (exit 3: skipped)
#   scripts/slurm-cluster.sh start DIR   write DIR/slurm.conf, a munge key, start munged, slurmctld and
#                                        slurmd, wait until the node is idle; writes DIR/env.sh and DIR/pids
#   scripts/slurm-cluster.sh stop DIR    cancel the cluster's jobs, then stop the processes in DIR/pids
#   scripts/slurm-cluster.sh status DIR  exit 0 when all processes in DIR/pids are alive
#
# After `start`, `source DIR/env.sh` points sbatch/squeue/scontrol/scancel/sinfo at the cluster
# (SLURM_CONF). Exit codes: 0 ok, 1 failure, 2 usage, 3 "slurm-cluster: skipped: <reason>" (Slurm or
# MUNGE not installable / not installed, or not root) so that a caller can skip instead of failing.
#
# Environment knobs: SLURM_CLUSTER_MIN_JOB_AGE (s a finished job stays visible to scontrol/squeue,
# default 300), SLURM_CLUSTER_START_TIMEOUT (s to wait for the node to become idle and run the probe
# job, default 30), SLURM_CLUSTER_PROBE=0 (skip the probe job `slurm-cluster-probe`, job id 1).
set -euo pipefail

PACKAGES=(slurm-wlm munge)
START_TIMEOUT=${SLURM_CLUSTER_START_TIMEOUT:-30}
MIN_JOB_AGE=${SLURM_CLUSTER_MIN_JOB_AGE:-300}
PROBE=${SLURM_CLUSTER_PROBE:-1}

say() { echo "slurm-cluster: $*" >&2; }
skip() { echo "slurm-cluster: skipped: $*"; exit 3; }
die() { say "error: $*"; exit 1; }
usage() { echo "usage: $0 install | start DIR | stop DIR | status DIR" >&2; exit 2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

cmd_install() {
    command -v dpkg-query >/dev/null 2>&1 || skip "not a Debian system (no dpkg-query)"
    local missing=() p
    for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -eq 0 ]; then say "${PACKAGES[*]} already installed"; return 0; fi
    [ "$(id -u)" = 0 ] || skip "not root, cannot install ${missing[*]}"
    command -v apt-get >/dev/null 2>&1 || skip "no apt-get to install ${missing[*]}"
    say "installing ${missing[*]}"
    # The packages' maintainer scripts would start the system-wide munge/slurmctld/slurmd services (with
    # /etc/munge and /etc/slurm); this script runs its own, so forbid service starts during the install
    # with a temporary policy-rc.d when the machine has none.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local log rc=0
    log=$(mktemp)
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"; } >"$log" 2>&1 || rc=$?
    [ "$made_policy" = 1 ] && rm -f "$policy"
    if [ "$rc" != 0 ]; then
        tail -n 20 "$log" >&2; rm -f "$log"
        skip "apt-get install ${missing[*]} failed (exit $rc)"
    fi
    rm -f "$log"
    for p in "${PACKAGES[@]}"; do installed "$p" || skip "$p still not installed after apt-get"; done
    say "installed ${missing[*]}"
}

# ---- helpers for start/stop ----

need_tools() {
    [ "$(id -u)" = 0 ] || skip "must run as root"
    local t
    for t in munged slurmctld slurmd sinfo sbatch scontrol squeue scancel; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip "$t not installed (run: $0 install)"
    done
}

bin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }

port_free() { [ -z "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]; }

free_port() {  # a TCP port no socket uses, different from $1
    local p _
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        [ "$p" != "${1:-}" ] && port_free "$p" && { echo "$p"; return 0; }
    done
    die "no free TCP port found"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# the pid in DIR/pids for NAME (munged, slurmctld or slurmd), empty when none
recorded_pid() { if [ -f "$2/pids" ]; then awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$2/pids"; fi; }

# is PID still the program NAME (guards against a recycled pid)
is_prog() { alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

wait_pidfile() {  # FILE SECONDS -> prints pid once FILE holds a live one
    local f=$1 n=$(( $2 * 10 )) p
    while [ "$n" -gt 0 ]; do
        if [ -s "$f" ]; then p=$(tr -dc '0-9' <"$f"); alive "$p" && { echo "$p"; return 0; }; fi
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

stop_pids() {  # DIR NAME...: SIGTERM to each recorded NAME at once, wait up to 15 s, then SIGKILL
    local d=$1 name pid n live e; shift
    local -a todo=()
    for name in "$@"; do
        pid=$(recorded_pid "$name" "$d")
        is_prog "$pid" "$name" || continue
        kill -TERM "$pid" 2>/dev/null || true
        todo+=("$name:$pid")
    done
    [ ${#todo[@]} -gt 0 ] || return 0
    for n in $(seq 1 150); do
        live=0
        for e in "${todo[@]}"; do is_prog "${e#*:}" "${e%%:*}" && live=1; done
        [ "$live" = 0 ] && return 0
        sleep 0.1
    done
    for e in "${todo[@]}"; do
        is_prog "${e#*:}" "${e%%:*}" || continue
        say "${e%%:*} (${e#*:}) ignored SIGTERM for 15 s, sending SIGKILL"
        kill -KILL "${e#*:}" 2>/dev/null || true
    done
    sleep 0.5
}

show_logs() {
    local d=$1 f
    for f in "$d/munged.log" "$d/slurmctld.log" "$d/slurmd.log" "$d/slurmctld.out" "$d/slurmd.out"; do
        [ -s "$f" ] || continue
        echo "----- tail $f" >&2
        # slurmd/slurmctld load every MPI plugin and log harmless PMIx errors: leave them out
        grep -v -e 'pmix' -e 'MPI: Cannot create context' "$f" | tail -n 25 >&2 || true
    done
}

stop_cluster() {  # DIR: cancel jobs (while slurmctld runs), stop slurmd, slurmctld, munged
    local d=$1 name pid sid="" n
    pid=$(recorded_pid slurmctld "$d")
    if is_prog "$pid" slurmctld && [ -f "$d/slurm.conf" ]; then
        local -a jobs=()
        mapfile -t jobs < <(SLURM_CONF="$d/slurm.conf" timeout 10 squeue -h -o %i 2>/dev/null || true)
        if [ ${#jobs[@]} -gt 0 ]; then
            SLURM_CONF="$d/slurm.conf" timeout 10 scancel "${jobs[@]}" 2>/dev/null || true
            for n in $(seq 1 100); do  # up to 10 s for the jobs' steps to end
                [ -z "$(SLURM_CONF="$d/slurm.conf" timeout 5 squeue -h -t R,CG,CF -o %i 2>/dev/null)" ] && break
                sleep 0.1
            done
        fi
    fi
    pid=$(recorded_pid slurmd "$d")
    if is_prog "$pid" slurmd; then sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ' || true); fi
    # all three at once: each takes 1.5-2 s to shut down, and none needs munge to do so (jobs are gone)
    stop_pids "$d" slurmd slurmctld munged
    # slurmstepd processes forked by our slurmd keep its session; end any left (jobs that outlived scancel)
    if [ -n "$sid" ] && [ "$sid" != 0 ]; then
        for pid in $(ps -e -o pid=,sid=,comm= | awk -v s="$sid" '$2 == s && $3 == "slurmstepd" { print $1 }'); do
            say "ending leftover slurmstepd $pid of this cluster"
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    rm -f "$d/munge.socket" "$d/munge.socket.lock"
}

cmd_start() {
    local d=${1:-}
    [ -n "$d" ] || usage
    need_tools
    mkdir -p "$d"
    d=$(cd "$d" && pwd -P)
    [ ${#d} -le 90 ] || die "DIR path too long for a unix socket (${#d} > 90 chars): $d"
    # a cluster already running from this DIR is stopped first, so that start is repeatable
    if [ -f "$d/pids" ]; then stop_cluster "$d"; rm -f "$d/pids"; fi

    local t0 host cpus mem_kb mem_mb ctld_port d_port
    t0=$(date +%s.%N)
    host=$(hostname -s)
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
    mem_mb=$(( mem_kb / 1024 / 2 ))  # RealMemory must not exceed what slurmd finds, or the node drains
    if [ "$mem_mb" -gt 1024 ]; then mem_mb=1024; fi
    if [ "$mem_mb" -lt 1 ]; then mem_mb=1; fi
    ctld_port=$(free_port)
    d_port=$(free_port "$ctld_port")

    rm -rf "$d/state" "$d/spool"
    mkdir -p "$d/state" "$d/spool"
    rm -f "$d"/*.pid "$d/munge.socket" "$d/munge.socket.lock"
    local f
    for f in munged.log slurmctld.log slurmd.log jobcomp.txt; do
        if [ -f "$d/$f" ]; then mv -f "$d/$f" "$d/$f.old"; fi  # the previous run's, kept once
    done

    # munge key: 1024 random bytes, read-only for its owner (root)
    if [ ! -s "$d/munge.key" ]; then
        dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 status=none
    fi
    chmod 0400 "$d/munge.key"

    cat >"$d/slurm.conf" <<EOF
# generated by scripts/slurm-cluster.sh start $d
ClusterName=pdfemu
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge.socket
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/jobcomp.txt
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
# start batch jobs (array tasks, released dependents) at once, not in 3-second waves
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=$MIN_JOB_AGE
KillWait=5
Waittime=0
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
MessageTimeout=10
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

    cat >"$d/env.sh" <<EOF
# source me: points the Slurm client commands at the cluster in $d
export SLURM_CONF=$d/slurm.conf
export PATH=$(dirname "$(command -v sbatch)"):/usr/sbin:\$PATH
EOF

    : >"$d/pids"
    # from here on, a failure stops whatever was started
    trap 'rc=$?; if [ $rc != 0 ]; then show_logs "'"$d"'"; stop_cluster "'"$d"'"; rm -f "'"$d"'/pids"; fi' EXIT

    # munged refuses to run as root without --force; everything it touches is in DIR
    "$(bin munged)" --force --key-file="$d/munge.key" --socket="$d/munge.socket" --pid-file="$d/munged.pid" \
        --log-file="$d/munged.log" --seed-file="$d/munged.seed" >"$d/munged.out" 2>&1 \
        || die "munged failed to start"
    local pid
    pid=$(wait_pidfile "$d/munged.pid" 10) || die "munged wrote no pid file"
    echo "munged $pid" >>"$d/pids"
    local n name
    for n in $(seq 1 50); do [ -S "$d/munge.socket" ] && break; sleep 0.1; done
    [ -S "$d/munge.socket" ] || die "munged made no socket $d/munge.socket"

    export SLURM_CONF="$d/slurm.conf"
    # slurmctld/slurmd daemonize and write their pid files; -c: no saved state, -N: our node name
    "$(bin slurmctld)" -c -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1 || die "slurmctld failed to start"
    pid=$(wait_pidfile "$d/slurmctld.pid" 10) || die "slurmctld wrote no pid file"
    echo "slurmctld $pid" >>"$d/pids"
    "$(bin slurmd)" -f "$d/slurm.conf" -N "$host" >"$d/slurmd.out" 2>&1 || die "slurmd failed to start"
    pid=$(wait_pidfile "$d/slurmd.pid" 10) || die "slurmd wrote no pid file"
    echo "slurmd $pid" >>"$d/pids"

    local state="" deadline=$(( $(date +%s) + START_TIMEOUT ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        state=$(timeout 5 sinfo -h -N -n "$host" -o %T 2>/dev/null | head -n 1 || true)
        [ "$state" = idle ] && break
        for name in munged slurmctld slurmd; do
            is_prog "$(recorded_pid $name "$d")" "$name" || die "$name died during start-up"
        done
        sleep 0.2
    done
    [ "$state" = idle ] || die "node $host not idle after ${START_TIMEOUT} s (state: ${state:-none})"
    # a probe job proves that the controller schedules and slurmd launches (munge credentials both ways);
    # it also absorbs slurmctld's first-scheduling delay (~3 s after start-up) so that tests see none
    if [ "$PROBE" = 1 ]; then
        local probe
        probe=$(timeout 10 sbatch --parsable -J slurm-cluster-probe -o /dev/null --wrap true 2>"$d/probe.err") \
            || die "probe sbatch failed: $(cat "$d/probe.err")"
        probe=${probe%%;*}
        state=""
        while [ "$(date +%s)" -lt "$deadline" ]; do
            state=$(timeout 5 squeue -h -t all -j "$probe" -o %T 2>/dev/null || true)
            case "$state" in COMPLETED) break ;; FAILED|CANCELLED|TIMEOUT|NODE_FAIL|BOOT_FAIL|OUT_OF_MEMORY|DEADLINE)
                die "probe job $probe ended $state" ;; esac
            sleep 0.1
        done
        [ "$state" = COMPLETED ] || die "probe job $probe not done after ${START_TIMEOUT} s (state: ${state:-none})"
        rm -f "$d/probe.err"
    fi
    trap - EXIT
    say "cluster up (probe job run: $PROBE) in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s:" \
        "node $host ($cpus CPUs) idle, slurmctld port $ctld_port, slurmd port $d_port; source $d/env.sh"
}

cmd_stop() {
    local d=${1:-}
    [ -n "$d" ] || usage
    [ -d "$d" ] || die "no such directory: $d"
    d=$(cd "$d" && pwd -P)
    [ -f "$d/pids" ] || { say "no $d/pids: nothing to stop"; return 0; }
    stop_cluster "$d"
    local name pid left=""
    for name in munged slurmctld slurmd; do
        pid=$(recorded_pid "$name" "$d")
        is_prog "$pid" "$name" && left="$left $name($pid)"
    done
    [ -z "$left" ] || die "still running:$left"
    rm -f "$d/pids"
    say "stopped the cluster in $d"
}

cmd_status() {
    local d=${1:-} name pid rc=0
    [ -n "$d" ] || usage
    [ -f "$d/pids" ] || { say "not running (no $d/pids)"; return 1; }
    for name in munged slurmctld slurmd; do
        pid=$(recorded_pid "$name" "$d")
        if is_prog "$pid" "$name"; then echo "$name $pid running"; else echo "$name ${pid:-?} not running"; rc=1; fi
    done
    return $rc
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    status) cmd_status "${2:-}" ;;
    *) usage ;;
esac
