#!/bin/sh
# exp3d.sh: the 3D experiment of method 1 (train -M siamese3d): orientation and point group
# learned from tilt pairs, never told the shape, beside projection matching told the shape.
#
# For each set (a single shape, or "mix": the seven solids): training tilt pairs across ranges
# of dose, blur, background, read noise, size, position and tilt (of either sign about y);
# train (and the supervised oracle, the upper bound); calibrate with one clean reference pair per shape at R = identity; test
# pairs at each dose (64x64 thickness images, circumradius 12-20 px, centre within +-6 px,
# probe sigma 0.8 px, 5% background, read noise 1: the conventions of the independent
# evaluation), read as pairs (strict) and from view A alone (mod projection); the same test
# records through projection matching told the shape (predict -M match); one table.
#
# usage: BIN=path/to/bin sh pipelines/exp3d.sh [OUTDIR]
# Environment (defaults in brackets):
#   NTRAIN [20000] training pairs per set   NTEST [200] test pairs per set and dose
#   EPOCHS [12]  BATCH [32]  LR [2e-3]  THREADS [2]  SIZE [48] frame after centring
#   SETS ["cube icosahedron decahedron tetrahedron mix"]   DOSES ["10 40 160"]
#   METHODS ["siamese3d oracle3d"] (oracle3d: the same network on the true orientations)
#   BASELINE [1] (0: no projection matching)   TEMPLATES [2000]   NET [below]
#   TILT_TRAIN [5:40] the training pairs' tilt range (the test's is 5:20): larger tilts
#   make a map blind to the tilt costlier (see README, 3D)
#   REUSE [] non-empty: a model already in OUTDIR is not trained again
# Everything is seeded: the same settings give the same table (timings aside).
set -e
BIN=${BIN:-bin}
PATH=$BIN:$PATH
export PATH
OUT=${1:-exp3d.out}
NTRAIN=${NTRAIN:-20000}
NTEST=${NTEST:-200}
EPOCHS=${EPOCHS:-12}
BATCH=${BATCH:-32}
LR=${LR:-2e-3}
THREADS=${THREADS:-2}
SIZE=${SIZE:-48}
SETS=${SETS:-"cube icosahedron decahedron tetrahedron mix"}
DOSES=${DOSES:-"10 40 160"}
BASELINE=${BASELINE:-1}
METHODS=${METHODS:-"siamese3d oracle3d"}
TILT_TRAIN=${TILT_TRAIN:-5:40}
TEMPLATES=${TEMPLATES:-2000}
SEVEN=tetrahedron,cube,octahedron,cuboctahedron,truncated-octahedron,icosahedron,decahedron
NET=${NET:-"conv 16 5 stride 2; relu; conv 32 3 stride 2; relu; conv 32 3 stride 2; relu; flatten; dense 256; relu; dense OUT"}
mkdir -p "$OUT"
RES="$OUT/results.tsv"
printf 'set\tdose\tmethod\tpairs_median\tpairs_within5\tsingle_mod_median\tsingle_mod_within5\tgroup_right\n' > "$RES"

solids() { if [ "$1" = mix ]; then echo "$SEVEN"; else echo "$1"; fi; }

make_train() { # SET SEED
	shapegen --solid "$(solids "$1")" -n "$NTRAIN" -r 11:22 -j 7 --seed "$2" |
		stereopair --tilt "$TILT_TRAIN" --random-sign --seed $(($2 + 1)) |
		addnoise -D 6:300 --blur 1.4:2.4 -g 0:0.1 --read 0:2 --seed $(($2 + 2)) |
		centre -s "$SIZE"
}
make_test() { # SET DOSE SEED
	shapegen --solid "$(solids "$1")" -n "$NTEST" -r 12:20 -j 6 --seed "$3" |
		stereopair --tilt 5:20 --random-sign --seed $(($3 + 1)) |
		addnoise -D "$2" --seed $(($3 + 2)) | centre -s "$SIZE"
}
# the fraction of rows whose group column is the true shape's group
group_right() {
	awk -F'\t' 'BEGIN { g["tetrahedron"] = "T"; g["cube"] = g["octahedron"] = "O";
		g["cuboctahedron"] = g["truncated-octahedron"] = "O"; g["icosahedron"] = "I";
		g["decahedron"] = "D5"; g["control"] = "C1" }
		NR > 1 { n++; if ($3 == g[$16]) ok++ } END { printf "%.3f", n ? ok / n : 0 }' "$1"
}
# median and fraction within 5 degrees of a set's rows in evaluate's output
stat() { # FILE MODE
	awk -F'\t' -v m="$2" '$1 == m && $2 == "all" { printf "%.2f\t%.3f", $5, $8 }' "$1"
}

seed=100
for set in $SETS; do
	seed=$((seed + 100))
	# one clean reference pair per shape at R = identity
	for s in $(solids "$set" | tr ',' ' '); do
		shapegen --solid "$s" --quat 1,0,0,0 -r 16 -j 0 -n 1 | stereopair --tilt 10 |
			centre -s "$SIZE"
	done > "$OUT/$set.refs.strt"
	for method in $METHODS; do
		model="$OUT/$set.$method.model"
		if [ -z "$REUSE" ] || [ ! -s "$model" ]; then
			[ -s "$OUT/$set.train.strt" ] || make_train "$set" "$seed" > "$OUT/$set.train.strt"
			t0=$(date +%s)
			train -q -M "$method" -t "$THREADS" -e "$EPOCHS" -b "$BATCH" -l "$LR" --net "$NET" \
				--log "$OUT/$set.$method.log.tsv" -o "$model" "$OUT/$set.train.strt"
			echo "$set $method: trained in $(($(date +%s) - t0)) s" >&2
		fi
		calibrate -m "$model" "$OUT/$set.refs.strt" 2> "$OUT/$set.$method.calibrate.txt"
	done
	rm -f "$OUT/$set.train.strt"
	for dose in $DOSES; do
		seed=$((seed + 10))
		f="$OUT/$set-$dose"
		make_test "$set" "$dose" "$seed" > "$f.strt"
		for method in $METHODS; do
			model="$OUT/$set.$method.model"
			predict -m "$model" "$f.strt" > "$f.$method-pair.tsv"
			predict -m "$model" --single "$f.strt" > "$f.$method-single.tsv"
			evaluate "$f.$method-pair.tsv" > "$f.$method-pair.eval"
			evaluate "$f.$method-single.tsv" > "$f.$method-single.eval"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$dose" "$method" \
				"$(stat "$f.$method-pair.eval" strict)" \
				"$(stat "$f.$method-single.eval" mod-projection)" \
				"$(group_right "$f.$method-pair.tsv")" >> "$RES"
		done
		if [ "$BASELINE" = 1 ]; then
			predict -M match --templates "$TEMPLATES" "$f.strt" > "$f.match-pair.tsv"
			predict -M match --templates "$TEMPLATES" --single "$f.strt" > "$f.match-single.tsv"
			evaluate "$f.match-pair.tsv" > "$f.match-pair.eval"
			evaluate "$f.match-single.tsv" > "$f.match-single.eval"
			printf '%s\t%s\tmatch, told the shape\t%s\t%s\ttold\n' "$set" "$dose" \
				"$(stat "$f.match-pair.eval" strict)" "$(stat "$f.match-single.eval" mod-projection)" >> "$RES"
		fi
	done
done
cat "$RES"
