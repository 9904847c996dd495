# Plots bench/scale.sh's table: CPU cores (left axis), resident memory and live heap (right axis) against pods.
# gnuplot -e "data='target-bench/out/scale/scale.csv'; out='bench/scale.png'" bench/scale.gp
set terminal pngcairo size 800,450 font ",11"
set output out
set title "hpa-metrics-adapter: cost by pods tracked (1 s scrape interval, 2-core machine)"
set key top left
set logscale x
set xlabel "pods tracked"
set xtics ("100" 100, "1,000" 1000, "10,000" 10000)
set ylabel "CPU (cores)"
set y2label "MiB"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid
plot data using 1:2 with linespoints lw 2 pt 7 title "CPU cores (limit 1)", \
     data using 1:3 axes x1y2 with linespoints lw 2 pt 5 title "RSS MiB (limit 512)", \
     data using 1:6 axes x1y2 with linespoints lw 2 pt 9 title "live heap MiB (after full GC)"
