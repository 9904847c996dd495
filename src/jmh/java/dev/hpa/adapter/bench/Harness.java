package dev.hpa.adapter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What every benchmark main shares: options, a work directory, the jar, and printing. */
final class Harness {

    /** Held, or the logger (and its level) could be garbage-collected. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    final Map<String, String> options = new HashMap<>();
    final Path dir;
    final Path jar;

    /** Options are {@code --name value}; {@code defaults} lists every accepted name with its default. */
    Harness(String benchmark, String[] args, Map<String, String> defaults) throws IOException {
        options.putAll(defaults);
        options.put("jar", System.getProperty("bench.jar", "target-bench-app/quarkus-app/quarkus-run.jar"));
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!options.containsKey(name) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + args[i]
                        + "; options and defaults: " + defaults);
            }
            options.put(name, args[i + 1]);
        }
        jar = Path.of(options.get("jar")).toAbsolutePath();
        dir = Files.createDirectories(Path.of(System.getProperty("bench.out", "target-bench/out"), benchmark)
                .toAbsolutePath());
        // The mock server logs every request at INFO: thousands of lines that would bury the figures.
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        System.out.printf("%s, %s, %d cores; options %s; logs and files in %s%n", benchmark,
                java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(), options, dir);
    }

    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs a benchmark's body and ends the JVM either way: Vert.x and the mock server keep non-daemon threads, and
     * System.exit runs the shutdown hook that stops every child process.
     */
    static void main(Body body) {
        int code = 0;
        try {
            body.run();
        } catch (Throwable e) {
            System.out.flush();
            System.err.println("benchmark failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    String get(String name) {
        return options.get(name);
    }

    int integer(String name) {
        return Integer.parseInt(options.get(name));
    }

    /** Space-separated words, e.g. JVM options: {@code --jvm "-XX:+UseSerialGC -Xlog:gc"}; none when blank. */
    List<String> words(String name) {
        String value = options.get(name).trim();
        return value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+"));
    }

    List<Integer> integers(String name) {
        List<Integer> values = new ArrayList<>();
        Arrays.stream(options.get(name).split(",")).forEach(v -> values.add(Integer.parseInt(v.trim())));
        return values;
    }

    static void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%tT] " + format + "%n", prepend(new java.util.Date(), args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** A Markdown table row, so the output pastes into README. */
    static void row(Object... cells) {
        StringBuilder line = new StringBuilder("|");
        for (Object cell : cells) {
            line.append(' ').append(cell).append(" |");
        }
        System.out.println(line);
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
