package dev.hpa.adapter.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Every process a benchmark starts (the adapter, nginx, Prometheus, wrk, hey) goes through here, so that one
 * shutdown hook ends all of them however the benchmark ends: normally, by an exception, or by Ctrl-C.
 */
final class Children {

    private static final List<Process> RUNNING = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Children::stopAll, "stop-children"));
    }

    private Children() {}

    /** Starts {@code command} with its output (both streams) in {@code log}. */
    static Process start(List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            synchronized (RUNNING) {
                RUNNING.add(process);
            }
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command to its end and returns its output; fails with the output when it exits non-zero. */
    static String run(List<String> command, Path log) {
        Process process = start(command, Map.of(), log);
        try {
            int code = process.waitFor();
            String output = java.nio.file.Files.readString(log);
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + code + ":\n" + output);
            }
            return output;
        } catch (InterruptedException | IOException e) {
            throw new IllegalStateException(e);
        } finally {
            forget(process);
        }
    }

    /** SIGTERM, then SIGKILL after 10 s: the adapter and nginx shut down cleanly on SIGTERM. */
    static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        forget(process);
    }

    private static void forget(Process process) {
        synchronized (RUNNING) {
            RUNNING.remove(process);
        }
    }

    static void stopAll() {
        List<Process> all;
        synchronized (RUNNING) {
            all = new ArrayList<>(RUNNING);
        }
        all.forEach(Process::destroy);
        all.forEach(Children::stop);
    }
}
