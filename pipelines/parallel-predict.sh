#!/bin/sh
# parallel-predict.sh: predict(1) over many record files (micrographs, stacks, pairs) on many
# hosts with GNU parallel.  One job per file; the rows come out in the order of the files
# under one header, the same TSV as `predict [OPTION]... -m MODEL FILE...` on one machine.
#
# usage: sh pipelines/parallel-predict.sh MODEL FILE|DIR... [-- PREDICT-OPTION...]
#   a DIR stands for the files in it, in name order.
# Environment:
#   HOSTS  the --sshlogin list of GNU parallel (default ":", this machine; e.g.
#          "4/node1,4/node2,:").  Remote hosts need stemrot's predict on their PATH; the model
#          (--basefile) and each file (--transferfile) are sent to the login directory there,
#          the result comes back (--return) and what was sent is removed (--cleanup).  Give
#          paths relative to the current directory when HOSTS names other hosts.
#   JOBS   jobs per host (default 100%: one per core)
set -e
usage() { echo "usage: parallel-predict.sh MODEL FILE|DIR... [-- PREDICT-OPTION...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
model=$1
shift
hosts=${HOSTS:-:}
list=$(mktemp)
out=.parallel-predict.$$ # relative: the same place under the login directory of every host
trap 'rm -rf "$list" "$out"' EXIT
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	if [ -d "$1" ]; then
		find "$1" -maxdepth 1 -type f | LC_ALL=C sort >> "$list"
	else
		printf '%s\n' "$1" >> "$list"
	fi
	shift
done
[ "${1:-}" != -- ] || shift # what is left: predict's options
[ -s "$list" ] || { echo "parallel-predict.sh: no input files" >&2; exit 1; }
if [ "$hosts" != : ] && grep -q '^/' "$list"; then
	echo "parallel-predict.sh: absolute paths cannot be sent to other hosts; give them relative to the current directory" >&2
	exit 1
fi
mkdir -p "$out"
# sending and fetching files only where there are other hosts (GNU parallel ignores them,
# with a warning, for ":" alone)
send=
[ "$hosts" = : ] || send="--basefile $model --transferfile {} --return $out/{#}.tsv --cleanup"
# {#}: the file's number in the list, so that the results join back in order
parallel --will-cite --halt now,fail=1 -S "$hosts" -j "${JOBS:-100%}" $send \
	"mkdir -p $out && predict $* -m '$model' {} > $out/{#}.tsv" < "$list"
n=$(wc -l < "$list")
i=1
while [ "$i" -le "$n" ]; do
	[ -f "$out/$i.tsv" ] || { echo "parallel-predict.sh: no result for file $i" >&2; exit 1; }
	if [ "$i" -eq 1 ]; then cat "$out/1.tsv"; else tail -n +2 "$out/$i.tsv"; fi
	i=$((i + 1))
done
