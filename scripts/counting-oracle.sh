#!/bin/sh
# counting-oracle.sh INPUT OUTPUT — a command oracle for tests of the batch-system mode
# (scripts/cluster-test.sh) and of pdfemu's own share of the wall time (scripts/oracle-share.sh): the
# built-in HERA FK χ² (pdfemu chi2 --oracle fk:THEORY), made to cost SLEEP seconds per point, and counted:
# after writing OUTPUT it appends one line "N" to COUNT.
#   PDFEMU  the pdfemu executable      THEORY  FK theory file (default Datasets/hera_fk_nlo.h5)
#   COUNT   the count file (required)  SLEEP   seconds per point (default 0)
#   TIMES   a file: append "N START END" (Unix seconds) for the whole call, evaluation and sleep
#   FAIL_ONCE  a file: when it does not exist, create it and fail before evaluating (a task failure)
#   SLOW_TASK, SLOW_ONCE  in Slurm array task SLOW_TASK, when SLOW_ONCE does not exist: create it and
#              sleep SLOW_SECONDS (default 600) before evaluating (a task past its time limit)
set -eu
start=$(date +%s.%N)
in=$1 out=$2
if [ -n "${FAIL_ONCE:-}" ] && mkdir "$FAIL_ONCE" 2>/dev/null; then echo "counting-oracle: failing once (FAIL_ONCE)" >&2; exit 1; fi
if [ -n "${SLOW_TASK:-}" ] && [ "${SLURM_ARRAY_TASK_ID:-}" = "$SLOW_TASK" ] && [ -n "${SLOW_ONCE:-}" ] && mkdir "$SLOW_ONCE" 2>/dev/null; then
    echo "counting-oracle: task $SLOW_TASK sleeps ${SLOW_SECONDS:-600} s before evaluating (SLOW_ONCE)" >&2
    sleep "${SLOW_SECONDS:-600}"
fi
: "${PDFEMU:?set PDFEMU}" "${COUNT:?set COUNT}"
line=$("$PDFEMU" chi2 --oracle "fk:${THEORY:-Datasets/hera_fk_nlo.h5}" --input "$in" --output "$out" --shard 0/1 --quiet)
n=$(echo "$line" | sed -n 's/^evaluated \([0-9]*\) points.*/\1/p')
[ -n "$n" ] || { echo "counting-oracle: cannot read the count from: $line" >&2; exit 1; }
sleep "$(awk -v n="$n" -v s="${SLEEP:-0}" 'BEGIN { print n * s }')"
echo "$n" >>"$COUNT"
if [ -n "${TIMES:-}" ]; then echo "$n $start $(date +%s.%N)" >>"$TIMES"; fi
