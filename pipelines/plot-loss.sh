#!/bin/sh
# plot-loss.sh: the loss curve of a training run, from train's --log table (columns epoch,
# train_loss, val_loss, ...: train(1)), as a PNG drawn by gnuplot.
#
# usage: sh pipelines/plot-loss.sh LOG.tsv OUT.png [TITLE]
set -e
[ $# -ge 2 ] || { echo "usage: plot-loss.sh LOG.tsv OUT.png [TITLE]" >&2; exit 2; }
command -v gnuplot > /dev/null || { echo "plot-loss.sh: gnuplot not found (make deps installs it)" >&2; exit 1; }
log=$1 out=$2 title=${3:-$(basename "$1")}
[ "$(wc -l < "$log")" -ge 2 ] || { echo "plot-loss.sh: $log: no epochs" >&2; exit 1; }
gnuplot <<GP
set terminal png size 640,400
set output "$out.tmp"
set datafile separator "\t"
set title "$title"
set xlabel "epoch"
set ylabel "loss (per pair)"
set key top right
set grid
plot "$log" using 1:2 skip 1 with linespoints title "training", \
     "$log" using 1:3 skip 1 with linespoints title "validation (held out)"
GP
mv "$out.tmp" "$out"
