#!/bin/sh
# bench/run.sh: the engine's speed beside PyTorch's, in one run on this machine (`make bench`).
#
# Measures, on the default network (SR_NET_DEFAULT_2D, 1x64x64 input, dense 2):
#   - Siamese training throughput (pairs/s: forward + backward over 2B images + Adam step) at
#     batch 32 and 128, 1 and 2 threads; inference throughput (images/s) at batch 128;
#   - our achieved GFLOP/s against OpenBLAS sgemm 2048^3 measured now at 1 and 2 threads;
#   - peak resident memory of each run (each configuration runs in its own process);
#   - the same with PyTorch (bench/torch_ref.py) at its best CPU settings: channels_last,
#     torch.set_num_threads, warm-up, inference_mode, and glibc malloc kept from returning
#     memory to the OS (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736);
# and prints a table with the ratios.  Without torch it prints our figures and says why.
# Then the pipelines' own networks (bench/bench_nn.c NET, bench/torch_nets.py): exp2d's,
# exp1d's, method 2's encoder and decoder, training (batch 32) and inference (batch 128) beside
# PyTorch, with the per-layer profile of our training step; then the filters users wait for,
# images/s of shapegen, addnoise and centre on 64x64 views (one thread) and of predict with
# and without --tta 8 on exp2d's network (a model trained for one epoch here, 2000 pairs of
# 48x48 views), each beside the figure before and its target.
#
# Environment: BENCH_SECONDS (timed seconds per configuration, default 3), BENCH_THREADS
# (thread counts, default 1, 2, 4, ... and the number of CPUs: "1 2" on 2 cores, "1 2 4 8 16"
# on 16), TORCH_PYTHON (default /usr/bin/python3), CC, CFLAGS.  The time to a trained model
# is bench/time-to-accuracy.sh (not run here: it takes minutes to an hour).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
secs=${BENCH_SECONDS:-3}
# thread counts: 1, 2, 4, ... up to the machine's cores, and the cores themselves
ncpu=$(nproc)
threads=${BENCH_THREADS:-$(t=1; while [ "$t" -lt "$ncpu" ]; do printf '%s ' "$t"; t=$((t * 2)); done; echo "$ncpu")}
py=${TORCH_PYTHON:-/usr/bin/python3}
out=build/bench
mkdir -p "$out"

# ---- build our side (the library through make, the bench program here)
make -s build/libstemrot.a >/dev/null || { echo "bench: cannot build build/libstemrot.a" >&2; exit 1; }
pc="netpbm zlib openblas libtiff-4 hdf5" # as the Makefile's PKGS
# shellcheck disable=SC2086,SC2046 # CFLAGS and pkg-config output are meant to split into words
${CC:-cc} ${CFLAGS:--O2 -g} -std=c11 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Ilib $(pkg-config --cflags $pc) -fopenmp -o "$out/bench_nn" bench/bench_nn.c \
	build/libstemrot.a $(pkg-config --libs $pc) -fopenmp -lm ||
	{ echo "bench: cannot build bench/bench_nn.c" >&2; exit 1; }

# ---- is PyTorch here?
have_torch=0
why=""
if ! command -v "$py" >/dev/null 2>&1; then
	why="$py not found"
elif tv=$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null); then
	have_torch=1
else
	why="$py cannot import torch (Debian: apt-get install python3-torch)"
fi

res="$out/results.txt"
: >"$res"
ours() { "$out/bench_nn" "$@" "$secs" | tee -a "$res"; }
theirs() {
	[ "$have_torch" = 1 ] || return 0
	MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 OMP_NUM_THREADS=$3 \
		"$py" bench/torch_ref.py "$@" "$secs" | tee -a "$res"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "bench: $(nproc) CPUs ($cpu); OpenBLAS sgemm peak, then engine and PyTorch runs of ${secs}s each"
load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > 0.5 * n) }'; then
	echo "bench: WARNING: the machine is busy (load $load on $(nproc) CPUs): all figures will be low and noisy"
fi
[ "$have_torch" = 1 ] && echo "bench: PyTorch $tv ($py)" || echo "bench: no PyTorch figures: $why"
for t in $threads; do ours sgemm 2048 "$t"; done
for b in 32 128; do
	for t in $threads; do
		ours train "$b" "$t"
		theirs train "$b" "$t"
	done
done
for t in $threads; do
	ours infer 128 "$t"
	theirs infer 128 "$t"
done

# ---- the pipelines' networks (profile lines go to their own file)
nres="$out/nets.txt"
: >"$nres"
for net in exp2d exp1d m2enc m2dec; do
	for t in $threads; do
		"$out/bench_nn" train 32 "$t" "$secs" "$net" >>"$nres"
		[ "$have_torch" = 1 ] && MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 \
			OMP_NUM_THREADS=$t "$py" bench/torch_nets.py "$net" train 32 "$t" "$secs" >>"$nres"
		"$out/bench_nn" infer 128 "$t" "$secs" "$net" | grep -v '^prof' >>"$nres"
		[ "$have_torch" = 1 ] && MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 \
			OMP_NUM_THREADS=$t "$py" bench/torch_nets.py "$net" infer 128 "$t" "$secs" >>"$nres"
	done
done

# ---- the filters users wait for, per 64x64 image (2000 views: 1000 pairs), one thread, and
# predict --tta 1 / 8 on exp2d's network (a model trained for one epoch here, 2000 pairs of
# 48x48 views): wall seconds and CPU seconds (user + system) of each whole process
pd="$out/predict"
mkdir -p "$pd"
# timed NAME IMAGES CMD...: one line "filter NAME images=N wall=S cpu=S" into $nres
timed() {
	name=$1 n=$2
	shift 2
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%e %U %S" -o "$pd/time" "$@" >"$pd/out" 2>"$pd/err" ||
			echo "bench: $name failed (see $pd/err)"
		read -r e u s <"$pd/time"
		echo "filter $name images=$n wall=$e cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" >>"$nres"
	else
		t0=$(date +%s.%N)
		"$@" >"$pd/out" 2>"$pd/err" || echo "bench: $name failed (see $pd/err)"
		t1=$(date +%s.%N)
		echo "filter $name images=$n wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') cpu=" >>"$nres"
	fi
}
(
	PATH=$top/bin:$PATH
	shapegen -n 1000 -s 64 --seed 3 | stereopair -d 5:40 --seed 4 >"$pd/clean64.strt" &&
	addnoise -D 40 --seed 5 "$pd/clean64.strt" >"$pd/noisy64.strt" &&
	shapegen -n 2000 -s 48 -r 9:12 -k 4 --seed 5 | stereopair -d 5:40 --seed 6 |
		addnoise -D 100:200 --seed 7 | centre -s 48 >"$pd/pairs.strt" &&
	train -q -e 1 -b 32 -t 2 -K 12 --net "conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; relu; dense OUT" \
		-o "$pd/exp2d.model" "$pd/pairs.strt"
) 2>"$pd/log" || echo "bench: cannot make the filters' inputs or the predict model (see $pd/log)"
timed "shapegen -s 64" 2000 "$top/bin/shapegen" -n 2000 -s 64 --seed 3
timed "addnoise -D 40" 2000 "$top/bin/addnoise" -D 40 --seed 5 "$pd/clean64.strt"
timed "addnoise (exp2d)" 2000 "$top/bin/addnoise" -D 6:400 --blur 1.2:2.8 -g 0:0.1 --read 0:2 --seed 5 "$pd/clean64.strt"
timed "centre" 2000 "$top/bin/centre" "$pd/noisy64.strt"
if [ -s "$pd/exp2d.model" ]; then
	for t in $threads; do
		for tta in 1 8; do
			timed "predict --tta $tta -t $t" 2000 "$top/bin/predict" -t "$t" --tta "$tta" -m "$pd/exp2d.model" "$pd/pairs.strt"
		done
	done
fi

# ---- the table
awk -v have_torch="$have_torch" -v why="$why" '
function kv(line, key,   n, i, a, f) {
	n = split(line, f, " ")
	for (i = 2; i <= n; i++) { split(f[i], a, "="); if (a[1] == key) return a[2] }
	return ""
}
{
	who = $1; mode = kv($0, "mode"); b = kv($0, "batch"); t = kv($0, "threads")
	k = mode SUBSEP b SUBSEP t
	if (who == "ours" && mode == "sgemm") { peak[t] = kv($0, "rate"); pt[++np] = t; next }
	rate[who, k] = kv($0, "rate"); gf[who, k] = kv($0, "gflops")
	rss[who, k] = kv($0, "rss_mb"); base[who, k] = kv($0, "base_rss_mb")
	cpu[who, k] = kv($0, "cpu_rate")
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
}
END {
	printf "\nDefault network, 1x64x64, 36.76 MFLOP forward per image (220.6 MFLOP per training pair)\n"
	for (i = 1; i <= np; i++)
		printf "OpenBLAS sgemm 2048^3, %s thread(s): %.1f GFLOP/s\n", pt[i], peak[pt[i]]
	printf "\n%-21s %3s %9s %9s %7s %8s %6s %8s %8s %14s\n", "run", "thr", "ours", "torch", "ratio", \
		"GFLOP/s", "%peak", "torch GF", "RSS ours", "RSS torch (+)"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		name = sprintf("%s b%s (%s)", p[1], p[2], p[1] == "train" ? "pairs/s" : "img/s")
		tr = (("torch", k) in rate) ? rate["torch", k] : ""
		ratio = (tr != "" && tr > 0) ? sprintf("%.2fx", rate["ours", k] / tr) : "-"
		pk = (p[3] in peak) ? sprintf("%.0f%%", 100 * gf["ours", k] / peak[p[3]]) : "-"
		trss = tr != "" ? sprintf("%.0f (+%.0f)", rss["torch", k], rss["torch", k] - base["torch", k]) : "-"
		tgf = (tr != "" && rate["ours", k] > 0) ? sprintf("%.1f", gf["ours", k] * tr / rate["ours", k]) : "-"
		printf "%-21s %3s %9.1f %9s %7s %8.1f %6s %8s %8.0f %14s\n", name, p[3], rate["ours", k], \
			tr != "" ? sprintf("%.1f", tr) : "-", ratio, gf["ours", k], pk, tgf, rss["ours", k], trss
	}
	printf "\nPer CPU-second (user + system of all threads; less disturbed by other load on the machine):\n"
	printf "%-21s %3s %9s %9s %7s\n", "run", "thr", "ours", "torch", "ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		name = sprintf("%s b%s (%s)", p[1], p[2], p[1] == "train" ? "pairs" : "img")
		tc = (("torch", k) in cpu) ? cpu["torch", k] : ""
		printf "%-21s %3s %9.1f %9s %7s\n", name, p[3], cpu["ours", k], tc != "" ? tc : "-", \
			(tc != "" && tc > 0) ? sprintf("%.2fx", cpu["ours", k] / tc) : "-"
	}
	printf "\nratio = ours / torch; %%peak = our GFLOP/s / sgemm peak at the same thread count;\n"
	printf "GFLOP/s counts the direct convolution'"'"'s FLOPs (effective rate: Winograd convs do fewer);\n"
	printf "torch GF = the same FLOP count at torch'"'"'s rate;\n"
	printf "RSS = peak resident MB of the process (torch: + what the run added to the interpreter and libraries).\n"
	if (have_torch != 1) printf "No PyTorch column: %s.\n", why
}' "$res"

# ---- the pipelines' networks' table, the profile, predict
awk '
function kv(line, key,   n, i, a, f) {
	n = split(line, f, " ")
	for (i = 2; i <= n; i++) { split(f[i], a, "="); if (a[1] == key) return a[2] }
	return ""
}
$1 == "ours" || $1 == "torch" {
	k = kv($0, "net") SUBSEP kv($0, "mode") SUBSEP kv($0, "threads")
	rate[$1, k] = kv($0, "rate"); cpu[$1, k] = kv($0, "cpu_rate")
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
}
$1 == "prof" && (pt == "" || kv($0, "threads") == pt) { pt = kv($0, "threads"); prof[++np] = $0 }
$1 == "filter" { filt[++nf] = $0 }
END {
	printf "\nThe pipelines'"'"' networks (training batch 32 pairs, inference batch 128 images)\n"
	printf "%-20s %3s %9s %9s %7s %11s %11s %7s\n", "run", "thr", "ours", "torch", "ratio", \
		"ours/CPU-s", "torch/CPU-s", "ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, SUBSEP)
		tr = (("torch", k) in rate) ? rate["torch", k] : ""
		tc = (("torch", k) in cpu) ? cpu["torch", k] : ""
		name = p[1] " " p[2] (p[2] == "train" ? " (pairs/s)" : " (img/s)")
		rt = tr > 0 ? sprintf("%.2fx", rate["ours", k] / tr) : "-"
		ct = tc > 0 ? sprintf("%.2fx", cpu["ours", k] / tc) : "-"
		printf "%-20s %3s %9.1f %9s %7s %11.1f %11s %7s\n", name, p[3], rate["ours", k], \
			tr != "" ? tr : "-", rt, cpu["ours", k], tc != "" ? tc : "-", ct
	}
	printf "\nWhere our training step goes (%s thread(s); CPU ms per step of 32 pairs; pct of the step):\n", pt
	for (i = 1; i <= np; i++) print prof[i]
	# figures before (issue 18, a quiet machine) and the targets: per core; predict on 2 threads
	ref["shapegen -s 64"] = "36k"; ref["addnoise -D 40"] = "3.9k"; ref["centre"] = "6.2k"
	ref["predict --tta 8 -t 2"] = "1.0-1.25k"
	goal["addnoise -D 40"] = 20000; goal["addnoise (exp2d)"] = 20000; goal["centre"] = 20000
	goal["predict --tta 8 -t 2"] = 5000
	printf "\nFilters (64x64 views, 1 thread; predict: 2000 pairs of 48x48 views, exp2d network):\n"
	printf "%-22s %10s %12s %10s %8s\n", "run", "images/s", "per CPU-s", "before", "target"
	for (i = 1; i <= nf; i++) {
		line = filt[i]; sub(/^filter /, "", line); name = line; sub(/ images=.*/, "", name)
		n = kv("x " substr(line, length(name) + 2), "images")
		w = kv("x " substr(line, length(name) + 2), "wall")
		c = kv("x " substr(line, length(name) + 2), "cpu")
		printf "%-22s %10.0f %12s %10s %8s\n", name, (w > 0 ? n / w : 0), \
			(c > 0 ? sprintf("%.0f", n / c) : "-"), ((name in ref) ? ref[name] : "-"), \
			((name in goal) ? goal[name] : "-")
	}
	printf "(predict rows count pairs: each is 2 views x the --tta transforms through the network)\n"
}' "$nres"
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
