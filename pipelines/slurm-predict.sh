#!/bin/sh
#SBATCH --job-name=stemrot-predict
#SBATCH --cpus-per-task=2
#SBATCH --output=stemrot-predict.%A_%a.log
# slurm-predict.sh: predict(1) over a list of record files as a Slurm job array.  Task i of
# an array of N takes the files i, i + N, i + 2N, ... of the list (one path a line) and
# writes each file's rows to OUTDIR/NUMBER.tsv (NUMBER: the file's line in the list), so that
# --join puts them back in the order of the list under one header: the same TSV as
# `predict [OPTION]... -m MODEL FILE...` on one machine.
#
#   sbatch --array=0-7 pipelines/slurm-predict.sh MODEL LIST OUTDIR [PREDICT-OPTION...]
#   sbatch --dependency=afterok:JOBID --wrap 'sh pipelines/slurm-predict.sh --join OUTDIR > all.tsv'
#
# Outside Slurm, SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT may be set by hand (the test
# does so); unset, the script does the whole list as task 0 of 1.
set -e
if [ "${1:-}" = --join ]; then
	[ $# -eq 2 ] || { echo "usage: slurm-predict.sh --join OUTDIR" >&2; exit 2; }
	n=$(cat "$2/count")
	i=1
	while [ "$i" -le "$n" ]; do
		f=$(printf '%s/%06d.tsv' "$2" "$i")
		[ -f "$f" ] || { echo "slurm-predict.sh: $f missing (a task failed?)" >&2; exit 1; }
		if [ "$i" -eq 1 ]; then cat "$f"; else tail -n +2 "$f"; fi
		i=$((i + 1))
	done
	exit 0
fi
[ $# -ge 3 ] || { echo "usage: slurm-predict.sh MODEL LIST OUTDIR [PREDICT-OPTION...]" >&2; exit 2; }
model=$1 list=$2 outdir=$3
shift 3
task=${SLURM_ARRAY_TASK_ID:-0}
ntasks=${SLURM_ARRAY_TASK_COUNT:-1}
[ "$task" -lt "$ntasks" ] || { echo "slurm-predict.sh: task $task of $ntasks" >&2; exit 2; }
mkdir -p "$outdir"
n=$(grep -c . "$list")
echo "$n" > "$outdir/count"
threads=${SLURM_CPUS_PER_TASK:-}
i=0
grep . "$list" | while IFS= read -r file; do
	i=$((i + 1))
	[ $(((i - 1) % ntasks)) -eq "$task" ] || continue
	out=$(printf '%s/%06d.tsv' "$outdir" "$i")
	predict ${threads:+-t "$threads"} "$@" -m "$model" "$file" > "$out.tmp"
	mv "$out.tmp" "$out" # whole or absent: --join tells a failed task
done
