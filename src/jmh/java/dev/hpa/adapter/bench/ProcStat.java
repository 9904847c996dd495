package dev.hpa.adapter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of one process, from /proc: what the kernel charged it, whatever it says itself. */
record ProcStat(double cpuSeconds, long rssBytes) {

    /** USER_HZ; 100 on every Linux we run on (getconf CLK_TCK). */
    private static final double TICKS_PER_SECOND = 100.0;

    static ProcStat of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long utime = Long.parseLong(fields[11]); // field 14 of proc(5)
            long stime = Long.parseLong(fields[12]); // field 15
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return new ProcStat((utime + stime) / TICKS_PER_SECOND, rss);
        } catch (IOException e) {
            throw new IllegalStateException("process " + pid + " is gone: " + e.getMessage(), e);
        }
    }
}
