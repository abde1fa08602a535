#!/bin/sh
# bench/mpi-scale.sh: train's pairs/s against ranks x threads on this machine (issue 16):
# 1 rank x 2 threads, 2 ranks x 1 thread (under mpirun, the records sharded) and 1 x 1, in
# alternating rounds under nice, with the load average before and after each run (timings on
# a shared machine are noisy: read the rounds side by side).  The default network on PAIRS
# 48x48 pairs (default 1000; a tenth go to validation), batch 32, EPOCHS epochs (default 2);
# the rate is the last epoch's pairs/s from --log.  Needs `make all` and `make MPI=1`.
#
# Environment: PAIRS, EPOCHS, ROUNDS (default 2), MPIRUN (default mpirun
# --allow-run-as-root --oversubscribe).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/bin:$PATH
train=$top/build/mpi/bin/train
[ -x "$train" ] || { echo "mpi-scale.sh: no $train (make MPI=1)" >&2; exit 1; }
PAIRS=${PAIRS:-1000} EPOCHS=${EPOCHS:-2} ROUNDS=${ROUNDS:-2}
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shapegen -n "$PAIRS" -s 48 -r 10:18 -k 3:6 --seed 1 | stereopair -d 5:40 --seed 2 |
	addnoise -D 100 --seed 3 | centre > "$work/pairs.strt"
load() { cut -d' ' -f1 /proc/loadavg; }
printf 'round\tranks_x_threads\tpairs_per_s\tload_before\tload_after\n'
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for cfg in 1x2 2x1 1x1; do
		l0=$(load)
		case $cfg in
		1x2) nice "$train" -q -e "$EPOCHS" -t 2 --log "$work/l.tsv" -o "$work/m" "$work/pairs.strt" ;;
		2x1) nice $MPIRUN -np 2 "$train" -q -e "$EPOCHS" -t 1 --log "$work/l.tsv" -o "$work/m" \
		         "$work/pairs.strt" ;;
		1x1) nice "$train" -q -e "$EPOCHS" -t 1 --log "$work/l.tsv" -o "$work/m" "$work/pairs.strt" ;;
		esac
		printf '%d\t%s\t%s\t%s\t%s\n' "$r" "$cfg" "$(tail -n 1 "$work/l.tsv" | cut -f5)" "$l0" "$(load)"
	done
	r=$((r + 1))
done
