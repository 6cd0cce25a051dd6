#!/usr/bin/env bash
# cluster-test.sh — pdfemu's batch-system mode (--scheduler slurm) against a real single-node Slurm
# (scripts/slurm-cluster.sh), with faults injected. `make cluster-test` runs it; CI runs it after make test.
#
# 1. pdfemu chi2 through arrays of 4 tasks (command oracle: the built-in FK χ² behind
#    scripts/counting-oracle.sh, which sleeps per point and counts its evaluations): identical to the
#    in-process evaluation; one PENDING task cancelled (scancel J_k) — only its shard is submitted again;
#    a damaged shard, a foreign shard and a task that fails — only those shards again.
# 2. pdfemu learn (tiny network, 14 parameters) through arrays: uninterrupted vs in-process (same seed),
#    then with the driver SIGKILLed while an array runs and resumed; the count file proves zero lost and
#    zero repeated evaluations. Prints the per-batch overhead (timing.tsv).
# 3. pdfemu refine (bundled emulator, 14 parameters, Agp's Δχ² = 10 ends, 7 iterations) through arrays of
#    2 tasks: answers identical to the in-process refine, evaluations counted = points stored; the driver
#    SIGKILLed while its second array runs and the same command run again with the same --state: the
#    array is waited for, nothing evaluated twice, the same answers.
# (e) a task past its time limit (--time-limit 1, one task sleeping longer): Slurm ends it (TIMEOUT), the
#    driver names the shard and the state, only that shard goes again (runs in the background, 60–90 s).
# Skipped (exit 0, one line) only where Slurm/MUNGE or hdf5-tools cannot be installed. PDFEMU: the
# executable (default: a debug build made here); KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { echo "cluster-test: $*"; }
fail() { echo "cluster-test: FAILED: $*" >&2; exit 1; }

rc=0; scripts/slurm-cluster.sh install >/dev/null || rc=$?
if [ "$rc" = 3 ]; then say "skipped: Slurm/MUNGE cannot be installed here (scripts/slurm-cluster.sh install)"; exit 0; fi
[ "$rc" = 0 ] || fail "scripts/slurm-cluster.sh install exited $rc"
if ! command -v h5diff >/dev/null; then
    { [ "$(id -u)" = 0 ] && apt-get install -y -qq hdf5-tools >/dev/null 2>&1; } \
        || { say "skipped: h5diff (hdf5-tools) cannot be installed here"; exit 0; }
fi
if [ -z "${PDFEMU:-}" ]; then swift build --product pdfemu >/dev/null; PDFEMU=$ROOT/.build/debug/pdfemu; fi
export PDFEMU THEORY=$ROOT/Datasets/hera_fk_nlo.h5

D=$(mktemp -d /tmp/slurmXXXX) W=$(mktemp -d /tmp/pdfemu-clusterXXXX)
DRIVER="" SLOWRUN=""
cleanup() {
    local rc=$?
    [ -n "$DRIVER" ] && kill -KILL "$DRIVER" 2>/dev/null || true
    [ -n "$SLOWRUN" ] && kill -KILL "$SLOWRUN" 2>/dev/null || true
    # (absolute path: the test runs in $W) the cluster's directory goes only once its daemons are gone
    if "$ROOT/scripts/slurm-cluster.sh" stop "$D" >"$W/slurm-stop.log" 2>&1; then rm -rf "$D"; else
        cat "$W/slurm-stop.log" >&2; say "the cluster in $D did not stop: see $D/pids"; rc=1
    fi
    if [ "${KEEP:-0}" = 1 ] || [ $rc != 0 ]; then say "work directory kept: $W"; else rm -rf "$W"; fi
    exit $rc
}
trap cleanup EXIT
trap 'echo "cluster-test: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
rc=0; "$ROOT/scripts/slurm-cluster.sh" start "$D" 2>"$W/slurm-start.log" || rc=$?
if [ "$rc" = 3 ]; then say "skipped: $(tail -n 1 "$W/slurm-start.log")"; exit 0; fi
[ "$rc" = 0 ] || { cat "$W/slurm-start.log" >&2; fail "the cluster did not start"; }
# shellcheck disable=SC1091
source "$D/env.sh"
T0=$(date +%s)
cd "$W"
ORACLE="sh $ROOT/scripts/counting-oracle.sh {input} {output}"
ARRAY=(--scheduler slurm --tasks 4 --poll-interval 0.1)
sum() { awk '{ s += $1 } END { print s + 0 }' "$1" 2>/dev/null || echo 0; }
rows() { h5ls "$1/chi2" | sed -n 's/.*Dataset {\([0-9]*\).*/\1/p'; }
identical() {  # FILE_A FILE_B DATASET: same shape and bitwise equal (h5diff exits 0 for shapes it cannot compare)
    [ "$(h5ls "$1/$3" | sed 's/^[^ ]* *//')" = "$(h5ls "$2/$3" | sed 's/^[^ ]* *//')" ] && h5diff -q "$1" "$2" "$3" "$3"
}
same() {  # FILE_A FILE_B DATASET...: each identical, or fail
    local a=$1 b=$2 d; shift 2
    for d in "$@"; do identical "$a" "$b" "$d" || fail "$a and $b differ in $d"; done
}
wait_for() {  # SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
    local n=$(( $1 * 10 )); shift
    while [ $n -gt 0 ]; do "$@" 2>/dev/null && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}

# ---- 1. pdfemu chi2 through arrays ----
"$PDFEMU" sample --theory "$THEORY" --n 40 --seed 3 --output pts.h5 >/dev/null
"$PDFEMU" chi2 --oracle "fk:$THEORY" --input pts.h5 --output inproc.h5 --quiet >/dev/null
for k in 0 1 2 3; do "$PDFEMU" chi2 --oracle "fk:$THEORY" --input pts.h5 --shard $k/4 --output s$k.h5 --quiet >/dev/null; done
"$PDFEMU" merge inproc_sharded.h5 s0.h5 s1.h5 s2.h5 s3.h5 >/dev/null

# (a) one task cancelled while PENDING: 2 CPUs run tasks 0 and 1, 2 and 3 wait
export COUNT=$W/count_chi2 SLEEP=0.1
"$PDFEMU" chi2 --oracle "$ORACLE" --input pts.h5 --output arr.h5 "${ARRAY[@]}" >chi2_a.log 2>&1 &
DRIVER=$!
wait_for 30 grep -q "submitted array job" chi2_a.log || fail "no array submitted (chi2_a.log)"
J=$(sed -n 's/.*submitted array job \([0-9]*\).*/\1/p' chi2_a.log | head -n 1)
state=$(squeue -h -r -j "$J" -o '%K %T' | awk '$1 == 3 { print $2 }')
scancel "${J}_3"
say "fault: scancel ${J}_3 (task 3 was ${state:-gone})"
wait "$DRIVER" || { cat chi2_a.log >&2; fail "chi2 through the array failed"; }
DRIVER=""
grep -q "shard 3/4 did not land" chi2_a.log || fail "the cancelled shard 3 was not noticed (chi2_a.log)"
[ "$(grep -c 'submitted array job' chi2_a.log)" = 2 ] || fail "expected 2 submissions (all, then shard 3)"
[ "$(sum "$COUNT")" = 40 ] || fail "chi2: $(sum "$COUNT") evaluations counted for 40 points"
same inproc_sharded.h5 arr.h5 /parameters /chi2 /chi2_per_experiment /experiment_names /defined
same inproc.h5 arr.h5 /parameters /chi2 /experiment_names /defined
say "chi2: 40 points, cancelled task resubmitted alone, 40 evaluations; identical to the in-process run (per-shard blocks)"
if identical inproc.h5 arr.h5 /chi2_per_experiment; then
    say "chi2: per-experiment χ² also identical to the unsharded in-process run"
else
    say "note: per-experiment χ² differs from the UNSHARDED in-process run in the last bit for $(h5diff inproc.h5 arr.h5 /chi2_per_experiment /chi2_per_experiment | sed -n 's/^\([0-9]*\) differences* found/\1/p') of 280 values (the theory's batch BLAS depends on the batch size; pdfemu chi2 --shard + merge in-process gives the same)"
fi

# (b) damaged shard 1, foreign shard 3 (the in-process shard of pts.h5, not of this batch), shard 2 gone
# and its first task failing: only shards 1, 2, 3 go again
B=$(ls -d arr.h5.batches/batch-*)
rm -f arr.h5 "$B/result.h5" "$B/shard_2.h5"
head -c 3000 "$B/shard_0.h5" >"$B/shard_1.h5"
cp s3.h5 "$B/shard_3.h5"
: >"$COUNT"
FAIL_ONCE=$W/fail_once "$PDFEMU" chi2 --oracle "$ORACLE" --input pts.h5 --output arr.h5 "${ARRAY[@]}" >chi2_b.log 2>&1 \
    || { cat chi2_b.log >&2; fail "chi2 with damaged and foreign shards failed"; }
for k in 1 3; do grep -q "shard $k/4 refused" chi2_b.log || fail "shard $k was not refused (chi2_b.log)"; done
grep -q "tasks 1-3 of 4" chi2_b.log || fail "expected shards 1-3 submitted again (chi2_b.log)"
[ -e "$W/fail_once" ] || fail "no task failed"
[ "$(sum "$COUNT")" = 30 ] || fail "chi2 (b): $(sum "$COUNT") evaluations counted for the 30 points of 3 shards"
same inproc_sharded.h5 arr.h5 /parameters /chi2 /chi2_per_experiment
say "chi2: damaged shard 1 and foreign shard 3 refused (kept in rejected/), a failing task retried; 30 evaluations, same result"

# (d) exit and resume: submit the array and a dependent job running the same command, exit 75; that job
# (on the cluster) finds the shards and writes the output
: >"$COUNT"
st=0; "$PDFEMU" chi2 --oracle "$ORACLE" --input pts.h5 --output exit.h5 "${ARRAY[@]}" --submit-and-exit >chi2_exit.log 2>&1 || st=$?
[ "$st" = 75 ] || { cat chi2_exit.log >&2; fail "--submit-and-exit exited $st, expected 75"; }
grep -q "^submitted, exiting: " chi2_exit.log || fail "no 'submitted, exiting:' line (chi2_exit.log)"
wait_for 120 test -s exit.h5 || fail "the dependent job wrote no exit.h5 (see exit.h5.batches/*/logs)"
same inproc_sharded.h5 exit.h5 /parameters /chi2 /chi2_per_experiment
[ "$(sum "$COUNT")" = 40 ] || fail "exit-and-resume: $(sum "$COUNT") evaluations counted for 40 points"
say "chi2 --submit-and-exit: exit 75 after '$(sed -n 's/^submitted, exiting: //p' chi2_exit.log | cut -c1-60)…'; the dependent job wrote the same result; 40 evaluations"

# (c) overhead of a batch: 4 points, one per task, the built-in χ² behind pdfemu chi2 in each task (its χ² takes
# milliseconds; the task is mostly pdfemu's start and reading the FK table). Array wall time (submit + queue +
# run + merge) minus the wall time of the very same 4 task.sh run on this node 2 at a time without Slurm.
"$PDFEMU" sample --theory "$THEORY" --n 4 --seed 5 --output p4.h5 >/dev/null
now() { date +%s.%N; }
over=()
for i in 1 2 3; do
    t=$(now); "$PDFEMU" chi2 --oracle "fk:$THEORY" --input p4.h5 --output o4_$i.h5 "${ARRAY[@]}" --quiet >/dev/null; a=$(awk -v a="$t" -v b="$(now)" 'BEGIN { print b - a }')
    B=$(ls -d o4_$i.h5.batches/batch-*)
    t=$(now); { sh "$B/task.sh" 0 & sh "$B/task.sh" 1 & wait; } >/dev/null 2>&1; { sh "$B/task.sh" 2 & sh "$B/task.sh" 3 & wait; } >/dev/null 2>&1
    l=$(awk -v a="$t" -v b="$(now)" 'BEGIN { print b - a }')
    over+=("$(awk -v a="$a" -v l="$l" 'BEGIN { printf "%.2f", a - l }')")
    say "overhead run $i: array $(printf %.2f "$a") s, same tasks without Slurm $(printf %.2f "$l") s"
done
med=$(printf '%s\n' "${over[@]}" | sort -g | sed -n 2p)
say "overhead per batch (submit + wait + merge, χ² excluded): median $med s of ${over[*]} s"
awk -v m="$med" 'BEGIN { exit !(m < 5) }' || fail "overhead per batch $med s ≥ 5 s"

# (e) a task past its time limit: Slurm ends it (TIMEOUT) — the driver names the shard and the reason and
# submits that shard alone again. Slurm's limits are whole minutes, enforced every 30 s: 60–90 s, so this
# runs in the background during parts 2 and 3 and is checked at the end. Task 1 sleeps before evaluating.
( export COUNT=$W/count_timeout SLEEP=0.01 SLOW_TASK=1 SLOW_ONCE=$W/slow_once
  exec "$PDFEMU" chi2 --oracle "$ORACLE" --input pts.h5 --output timeout.h5 "${ARRAY[@]}" --time-limit 1 ) >chi2_timeout.log 2>&1 &
SLOWRUN=$!

# ---- 2. pdfemu learn through arrays ----
"$PDFEMU" sample --theory "$THEORY" --n 200 --seed 7 --output init.h5 >/dev/null
python3 "$ROOT/scripts/learn-tiny-config.py" "$ROOT/Configs/learn_small.json" learn_tiny.json
LEARN=(learn learn_tiny.json --initial-scan init.h5 --batch 40 --budget 330 --params Buv,Bg --refit-epochs 50 --seed 3)
"$PDFEMU" "${LEARN[@]}" --oracle "fk:$THEORY" --state st_inproc >learn_inproc.log 2>&1 || true
export COUNT=$W/count_learn SLEEP=0.05
"$PDFEMU" "${LEARN[@]}" --oracle "$ORACLE" --state st_array "${ARRAY[@]}" >learn_array.log 2>&1 || true
[ -s st_array/all_points.h5 ] || { cat learn_array.log >&2; fail "learn through arrays wrote no all_points.h5"; }
n=$(rows st_array/all_points.h5)
batched() { local b t=0; for b in "$1"/batches/batch-*/result.h5; do t=$((t + $(rows "$b"))); done; echo $t; }
[ "$(sum "$COUNT")" = "$(batched st_array)" ] && [ "$(batched st_array)" = $((n - 200)) ] \
    || fail "learn: $(sum "$COUNT") evaluations counted, $(batched st_array) points in the batches, $((n - 200)) stored"
if identical st_inproc/all_points.h5 st_array/all_points.h5 /parameters && identical st_inproc/all_points.h5 st_array/all_points.h5 /chi2 \
   && cmp -s st_inproc/curve.tsv st_array/curve.tsv; then
    say "learn: $n points and the answers (curve.tsv) identical to the in-process run; $((n - 200)) evaluations for $((n - 200)) points asked"
else
    fail "learn through arrays differs from the in-process run (st_inproc vs st_array)"
fi

# driver killed (SIGKILL) while round 2's array is queued/running, then resumed
export COUNT=$W/count_kill
"$PDFEMU" "${LEARN[@]}" --oracle "$ORACLE" --state st_kill "${ARRAY[@]}" >learn_kill.log 2>&1 &
DRIVER=$!
# one array per round (its verification and proposal points): round 2's array is the 2nd
killable() { [ "$(grep -c 'submitted array job' learn_kill.log)" -ge 2 ] && [ "$(grep -c 'merged into' learn_kill.log)" -lt 2 ]; }
wait_for 120 killable || { cat learn_kill.log >&2; fail "round 2's array never submitted (learn_kill.log)"; }
kill -KILL "$DRIVER"; wait "$DRIVER" 2>/dev/null || true; DRIVER=""
say "fault: driver SIGKILLed while array $(sed -n 's/.*submitted array job \([0-9]*\).*/\1/p' learn_kill.log | tail -n 1) ran ($(squeue -h -r -o %K | wc -l) task(s) queued or running)"
"$PDFEMU" "${LEARN[@]}" --oracle "$ORACLE" --state st_kill "${ARRAY[@]}" --resume >learn_resume.log 2>&1 || true
first=$(grep '^batch ' learn_resume.log | grep -v -m 1 'merged by an earlier run' || true)
case "$first" in *"(0 array(s) submitted); merged into"*) ;;
    *) cat learn_resume.log >&2; fail "the resumed run did not take the killed run's array without submitting (first batch line: $first)" ;; esac
say "resumed: the killed run's array was waited for and merged, nothing submitted again: ${first%%;*}"
[ -s st_kill/all_points.h5 ] || { cat learn_resume.log >&2; fail "the resumed learn wrote no all_points.h5"; }
n=$(rows st_kill/all_points.h5)
[ "$(sum "$COUNT")" = "$(batched st_kill)" ] \
    || fail "killed+resumed learn: $(sum "$COUNT") evaluations counted for $(batched st_kill) points asked in $(ls -d st_kill/batches/batch-* | wc -l) batches"
say "learn killed and resumed: $(sum "$COUNT") evaluations for the $(batched st_kill) points of $(ls -d st_kill/batches/batch-* | wc -l) batches: none lost, none repeated"
if [ $((n - 200)) != "$(batched st_kill)" ]; then
    say "note: learn stored $((n - 200)) points for those $(batched st_kill): after the resume it refits the interrupted round and records that round's verification answers (taken from the batch's result.h5, not evaluated again) a second time — learn's journal, not the oracle"
fi
if identical st_array/all_points.h5 st_kill/all_points.h5 /parameters; then
    say "learn killed and resumed: evaluated points identical to the uninterrupted run"
else
    say "note: after the resume the evaluated points differ from the uninterrupted run (learn refits the interrupted round on resume; see docs/CLUSTER.md)"
fi
say "overhead per batch (s; wait_s includes the χ²): $(awk 'NR > 1 { n++; s += $5; w += $6; m += $7 } END { printf "%d batches, mean submit %.3f, wait %.3f, merge %.3f", n, s/n, w/n, m/n }' st_array/batches/timing.tsv)"

# ---- 3. pdfemu refine through arrays ----
# All 14 parameters of the bundled emulator, the Δχ² = 10 ends of Agp (where the emulator is off, so each
# iteration has work left) and the minimum: 45 points, then the minimum's true Hessian (119 finite-difference
# points, values only) with the ends' trial points (121), then ~30 per iteration (each answer's trial point and
# its 14 forward differences, or 1–2 points on secant steps); --budget 230 stops it after 7 iterations (exit status 1: not every answer
# certified, the output written). Arrays of 2 tasks.
E=$ROOT/Datasets/hera14_emulator.h5
"$PDFEMU" scan --emulator "$E" --params Agp --tolerance 10 --bound Bg=-0.5:2 --output rscan.h5 >/dev/null
REFINE=(refine --emulator "$E" --scan rscan.h5 --bound Bg=-0.5:2 --budget 230)
RARRAY=(--scheduler slurm --tasks 2 --poll-interval 0.1)
refined() {  # NAME [ARGS...]: refine writing NAME.h5 and NAME.json (stderr NAME.log); exit status 0 or 1 without error
    local name=$1 st=0; shift
    "$PDFEMU" "${REFINE[@]}" "$@" --output "$name.h5" --json >"$name.json" 2>"$name.log" || st=$?
    { [ "$st" -le 1 ] && ! grep -q '^error:' "$name.log" && [ -s "$name.h5" ]; } || { cat "$name.log" >&2; fail "refine $name exited $st"; }
}
answers() {  # JSON: the refined scan and its answers, without what counts this invocation's own evaluations
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); r = d.get("refine", {})
for k in ("evaluations", "reused", "batches", "timing"): r.pop(k, None)
d.pop("timing", None); d.pop("runID", None)
print(json.dumps(d, sort_keys=True))' "$1"
}
refined ref_inproc --oracle "fk:$THEORY"
export COUNT=$W/count_refine SLEEP=0.02
refined ref_array --oracle "$ORACLE" --state rst_array "${RARRAY[@]}"
stored() { local f t=0; for f in "$1"/batch_*.h5; do t=$((t + $(rows "$f"))); done; echo $t; }  # refine's --state
[ "$(sum "$COUNT")" = "$(stored rst_array)" ] && [ "$(batched rst_array)" = "$(stored rst_array)" ] \
    || fail "refine: $(sum "$COUNT") evaluations counted, $(batched rst_array) points in the batches, $(stored rst_array) stored"
[ "$(answers ref_inproc.json)" = "$(answers ref_array.json)" ] || fail "refine through arrays differs from the in-process refine (ref_inproc.json vs ref_array.json)"
same ref_inproc.h5 ref_array.h5 /refine/exact_value /refine/theta /refine/true_chi2 /refine/error /refine/stationarity /minimum/theta
say "refine: $(sum "$COUNT") evaluations for the $(stored rst_array) points asked in $(ls -d rst_array/batches/batch-* | wc -l) arrays, none repeated; answers identical to the in-process refine"

# the refine driver SIGKILLed while its second array runs, then the same command again with the same --state
export COUNT=$W/count_refine_kill
"$PDFEMU" "${REFINE[@]}" --oracle "$ORACLE" --state rst_kill "${RARRAY[@]}" --output ref_kill.h5 >refine_kill.log 2>&1 &
DRIVER=$!
rkillable() { [ "$(grep -c 'submitted array job' refine_kill.log)" -ge 2 ] && [ "$(grep -c 'merged into' refine_kill.log)" -lt 2 ]; }
wait_for 120 rkillable || { cat refine_kill.log >&2; fail "refine's second array never submitted (refine_kill.log)"; }
kill -KILL "$DRIVER"; wait "$DRIVER" 2>/dev/null || true; DRIVER=""
killed=$(sed -n 's/.*submitted array job \([0-9]*\).*/\1/p' refine_kill.log | tail -n 1)
kbatch=$(sed -n 's/^batch \([0-9a-f]*\): submitted array job '"$killed"' .*/\1/p' refine_kill.log)
say "fault: refine driver SIGKILLed while array $killed ran ($(squeue -h -r -j "$killed" -o %K 2>/dev/null | wc -l) task(s) queued or running)"
st=0; "$PDFEMU" "${REFINE[@]}" --oracle "$ORACLE" --state rst_kill "${RARRAY[@]}" --output ref_kill.h5 >refine_resume.log 2>&1 || st=$?
{ [ "$st" -le 1 ] && ! grep -q '^error:' refine_resume.log; } || { cat refine_resume.log >&2; fail "the resumed refine exited $st"; }
grep -q "^batch $kbatch: .*(0 array(s) submitted)" refine_resume.log \
    || { cat refine_resume.log >&2; fail "the resumed refine did not take the killed run's array $killed without submitting"; }
[ "$(sum "$COUNT")" = "$(stored rst_kill)" ] && [ "$(batched rst_kill)" = "$(stored rst_kill)" ] \
    || fail "killed+resumed refine: $(sum "$COUNT") evaluations counted for $(stored rst_kill) points stored, $(batched rst_kill) in the batches"
same ref_inproc.h5 ref_kill.h5 /refine/exact_value /refine/theta /refine/true_chi2 /refine/error /refine/stationarity /minimum/theta
# once more (every point is in --state now: nothing is asked), for the whole JSON
refined ref_kill_again --oracle "$ORACLE" --state rst_kill "${RARRAY[@]}"
[ "$(sum "$COUNT")" = "$(stored rst_kill)" ] || fail "refine run again on a complete --state evaluated points"
[ "$(answers ref_inproc.json)" = "$(answers ref_kill_again.json)" ] || fail "the killed and resumed refine differs from the in-process refine (ref_kill_again.json)"
say "refine killed and resumed: array $killed waited for and merged, nothing submitted again; $(sum "$COUNT") evaluations for $(stored rst_kill) points, none repeated; answers identical"

# ---- (e) checked: the task past its time limit ----
wait "$SLOWRUN" || { cat chi2_timeout.log >&2; fail "chi2 with a task past its time limit failed"; }
SLOWRUN=""
line=$(grep -m 1 "shard 1/4 did not land" chi2_timeout.log || true)
case "$line" in *"_1 ended TIMEOUT"*) ;; *) cat chi2_timeout.log >&2; fail "the timed-out shard 1 was not reported as TIMEOUT (chi2_timeout.log)" ;; esac
grep -q "tasks 1 of 4" chi2_timeout.log || fail "shard 1 alone was not submitted again (chi2_timeout.log)"
[ "$(grep -c 'did not land' chi2_timeout.log)" = 1 ] || fail "expected one shard reported missing (chi2_timeout.log)"
[ "$(sum "$W/count_timeout")" = 40 ] || fail "time limit: $(sum "$W/count_timeout") evaluations counted for 40 points"
same inproc_sharded.h5 timeout.h5 /parameters /chi2 /chi2_per_experiment
say "fault: task 1 past its 1-minute limit: '${line#*: }' — resubmitted alone; 40 evaluations, same result"
say "passed in $(( $(date +%s) - T0 )) s"
