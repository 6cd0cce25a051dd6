#!/bin/sh
# counting-oracle.sh INPUT OUTPUT — a command oracle for tests of the batch-system mode
# (scripts/cluster-test.sh): the built-in HERA FK χ² (pdfemu chi2 --oracle fk:THEORY), made to cost
# SLEEP seconds per point, and counted: after writing OUTPUT it appends one line "N" to COUNT.
#   PDFEMU  the pdfemu executable      THEORY  FK theory file (default Datasets/hera_fk_nlo.h5)
#   COUNT   the count file (required)  SLEEP   seconds per point (default 0)
#   FAIL_ONCE  a file: when it does not exist, create it and fail before evaluating (a task failure)
set -eu
in=$1 out=$2
if [ -n "${FAIL_ONCE:-}" ] && mkdir "$FAIL_ONCE" 2>/dev/null; then echo "counting-oracle: failing once (FAIL_ONCE)" >&2; exit 1; fi
: "${PDFEMU:?set PDFEMU}" "${COUNT:?set COUNT}"
line=$("$PDFEMU" chi2 --oracle "fk:${THEORY:-Datasets/hera_fk_nlo.h5}" --input "$in" --output "$out" --shard 0/1 --quiet)
n=$(echo "$line" | sed -n 's/^evaluated \([0-9]*\) points.*/\1/p')
[ -n "$n" ] || { echo "counting-oracle: cannot read the count from: $line" >&2; exit 1; }
sleep "$(awk -v n="$n" -v s="${SLEEP:-0}" 'BEGIN { print n * s }')"
echo "$n" >>"$COUNT"
