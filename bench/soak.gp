# Plots bench/soak.sh's table: heap after full GC, RSS (left axis, MiB) and latency p99 (right axis, log scale: a
# starved machine can leave a backlog of minutes before steady state) over the run.
# gnuplot -e "data='target-bench/out/soak/soak.csv'; out='bench/soak.png'" bench/soak.gp
set terminal pngcairo size 800,450 font ",11"
set output out
set title "hpa-metrics-adapter soak: 300 pods, 300 req/s over HTTPS (2-core shared machine)"
set key center right
set xlabel "minutes"
set ylabel "MiB"
set y2label "p99 latency (ms)"
set yrange [0:*]
set logscale y2
set y2range [1:*]
set ytics nomirror
set y2tics
set grid
plot data using ($1/60):3 with lines lw 2 title "RSS MiB (limit 512)", \
     data using ($1/60):2 with linespoints lw 2 pt 7 title "heap after full GC, MiB", \
     data using ($1/60):7 axes x1y2 with lines lw 1 dt 2 title "p99 latency, ms (right)"
