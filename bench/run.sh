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
#
# Environment: BENCH_SECONDS (timed seconds per configuration, default 3), BENCH_THREADS
# (thread counts, default "1 2"), TORCH_PYTHON (default /usr/bin/python3), CC, CFLAGS.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
secs=${BENCH_SECONDS:-3}
threads=${BENCH_THREADS:-"1 2"}
py=${TORCH_PYTHON:-/usr/bin/python3}
out=build/bench
mkdir -p "$out"

# ---- build our side (the library through make, the bench program here)
make -s build/libstemrot.a >/dev/null || { echo "bench: cannot build build/libstemrot.a" >&2; exit 1; }
pc="netpbm zlib openblas"
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
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
