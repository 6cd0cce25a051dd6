#!/usr/bin/env bash
# oracle-share.sh — pdfemu's own share of the wall time when the true χ² is slow (issue 18's target: ≤ 10%
# with an oracle that sleeps 1 s per point). Not a test: a measurement, printed as one table.
#
# The oracle is scripts/counting-oracle.sh (the built-in FK χ² behind a command, sleeping SLEEP s per
# point, default 1) which records each call's start and end (TIMES). For each run:
#   wall          the pdfemu command from start to exit (start-up, every iteration or round, output)
#   oracle busy   the union of the oracle calls' intervals (with array tasks in parallel: the time during
#                 which at least one oracle runs) — the evaluation itself, the sleep and the FK χ²
#   pdfemu share  (wall − oracle busy) / wall: everything else — pdfemu's own work, writing the points and
#                 reading the answers, and with a scheduler its submit, queue and task start-up
# Runs (all on the bundled HERA 14-parameter case):
#   refine   the Agp Δχ² = 10 ends and the minimum of the bundled emulator, 14 free parameters, values only,
#            --budget 80: two iterations (45 + 30 points)
#   learn    Configs/learn_small.json with a [32, 32] network, 1 member (as make cluster-test), 200 initial
#            points, --params Buv,Bg, --batch 40, --budget 330; also without the refits (Σ fit_s of
#            rounds.tsv taken out of the wall: the share of learn's non-fit work)
# each in-process (the oracle command once per batch) and, with SLURM=1 (root; Slurm and MUNGE installed),
# through a single-node Slurm (scripts/slurm-cluster.sh) with arrays of 2 tasks.
#
#   scripts/oracle-share.sh                 PDFEMU: the executable (default .build/release/pdfemu, else debug)
#   SLURM=1 SLEEP=1 scripts/oracle-share.sh KEEP=1 keeps the work directory; INPROCESS=0 (with SLURM=1)
#                                           runs only the Slurm rows (repeated measurements)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${PDFEMU:-}" ]; then
    if [ -x .build/release/pdfemu ]; then PDFEMU=$ROOT/.build/release/pdfemu; else PDFEMU=$ROOT/.build/debug/pdfemu; fi
fi
export PDFEMU THEORY=$ROOT/Datasets/hera_fk_nlo.h5 SLEEP=${SLEEP:-1}
W=$(mktemp -d /tmp/pdfemu-shareXXXX) D=""
cleanup() {
    local rc=$?
    if [ -n "$D" ]; then "$ROOT/scripts/slurm-cluster.sh" stop "$D" >/dev/null 2>&1 && rm -rf "$D" || { echo "oracle-share: the cluster in $D did not stop" >&2; rc=1; }; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "oracle-share: work directory kept: $W"; else rm -rf "$W"; fi
    exit $rc
}
trap cleanup EXIT
cd "$W"
ORACLE="sh $ROOT/scripts/counting-oracle.sh {input} {output}"
E=$ROOT/Datasets/hera14_emulator.h5

"$PDFEMU" scan --emulator "$E" --params Agp --tolerance 10 --bound Bg=-0.5:2 --output rscan.h5 >/dev/null
"$PDFEMU" sample --theory "$THEORY" --n 200 --seed 7 --output init.h5 >/dev/null
python3 "$ROOT/scripts/learn-tiny-config.py" "$ROOT/Configs/learn_small.json" learn_tiny.json

now() { date +%s.%N; }
# NAME KIND COMMAND...: run, then one table row from TIMES (and for learn rounds.tsv in STATE=NAME)
measure() {
    local name=$1 kind=$2 t0 t1 st=0; shift 2
    export COUNT=$W/$name.count TIMES=$W/$name.times
    : >"$COUNT"; : >"$TIMES"
    t0=$(now); "$@" >"$name.log" 2>&1 || st=$?; t1=$(now)
    # exit status 1 without an error line: refine did not certify every answer; learn: stopped without converging
    if [ "$st" -gt 1 ] || { [ "$kind" = refine ] && grep -q '^error:' "$name.log"; } || { [ "$kind" = learn ] && ! grep -q -E '^(stopped|converged): ' "$name.log"; }; then
        cat "$name.log" >&2; echo "oracle-share: $name failed ($st)" >&2; exit 1
    fi
    python3 - "$name" "$kind" "$t0" "$t1" "$TIMES" <<'EOF'
import sys, os
name, kind, t0, t1, times = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
calls = [tuple(map(float, l.split())) for l in open(times) if l.strip()]
iv = sorted((s, e) for _, s, e in calls)
busy, cur = 0.0, None
for s, e in iv:
    if cur and s <= cur[1]: cur[1] = max(cur[1], e)
    else:
        if cur: busy += cur[1] - cur[0]
        cur = [s, e]
if cur: busy += cur[1] - cur[0]
wall = t1 - t0
points = int(sum(c[0] for c in calls))
row = f"{name:<16} {points:>6} {len(calls):>6} {wall:>8.1f} {busy:>8.1f} {100 * (wall - busy) / wall:>7.1f}%"
if kind == "learn":
    rounds = [l.rstrip("\n").split("\t") for l in open(os.path.join(name, "rounds.tsv"))]
    head, rows = rounds[0], rounds[1:]
    fit = sum(float(r[head.index("fit_s")]) for r in rows)
    rest = wall - fit
    row += f"   fits {fit:.1f} s in {len(rows)} rounds; without them {100 * (rest - busy) / rest:.1f}%"
print(row, flush=True)
EOF
}

echo "oracle-share: $PDFEMU, SLEEP=$SLEEP s per point, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run              points  calls   wall_s   busy_s  pdfemu"
if [ "${INPROCESS:-1}" != 0 ]; then
measure refine refine "$PDFEMU" refine --emulator "$E" --scan rscan.h5 --bound Bg=-0.5:2 --budget 80 --oracle "$ORACLE" --output refine.h5
measure learn learn "$PDFEMU" learn learn_tiny.json --initial-scan init.h5 --batch 40 --budget 330 --params Buv,Bg --refit-epochs 50 \
    --seed 3 --oracle "$ORACLE" --state learn
fi

if [ "${SLURM:-0}" = 1 ]; then
    D=$(mktemp -d /tmp/slurmXXXX)
    "$ROOT/scripts/slurm-cluster.sh" start "$D" 2>slurm-start.log || { cat slurm-start.log >&2; exit 1; }
    # shellcheck disable=SC1091
    source "$D/env.sh"
    ARRAY=(--scheduler slurm --tasks 2 --poll-interval 0.1)
    measure refine-slurm refine "$PDFEMU" refine --emulator "$E" --scan rscan.h5 --bound Bg=-0.5:2 --budget 80 --oracle "$ORACLE" \
        --output refine-slurm.h5 --state refine-slurm-state "${ARRAY[@]}"
    measure learn-slurm learn "$PDFEMU" learn learn_tiny.json --initial-scan init.h5 --batch 40 --budget 330 --params Buv,Bg \
        --refit-epochs 50 --seed 3 --oracle "$ORACLE" --state learn-slurm "${ARRAY[@]}"
fi
