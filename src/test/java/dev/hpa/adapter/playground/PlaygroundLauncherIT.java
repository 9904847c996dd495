package dev.hpa.adapter.playground;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The playground's launcher killed with SIGKILL (no shutdown hook runs, nothing of it can clean up) must not leave
 * its adapter JVM running: the adapter sees its stdin, the launcher's pipe, end, and exits.
 */
class PlaygroundLauncherIT {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Pattern ADAPTER_PID = Pattern.compile("Adapter: pid (\\d+),");
    /** "Within a few seconds": the adapter's own shutdown (informers, scrapes) takes about one. */
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(10);

    private Process launcher;
    private Optional<ProcessHandle> adapter = Optional.empty();

    @AfterEach
    void cleanUp() {
        if (launcher != null) {
            launcher.destroyForcibly();
        }
        adapter.ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void theAdapterGoesWhenItsLauncherIsKilled() throws Exception {
        Path jar = AdapterProcess.jar(ROOT.resolve("target/quarkus-app/quarkus-run.jar"));
        // The launcher as `./mvnw -Pplayground verify` runs it: its own JVM on the test class path.
        launcher = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dplayground.dir=" + ROOT.resolve("target/playground-launcher-it"),
                "-Dplayground.adapter-jar=" + jar, "-cp", System.getProperty("java.class.path"),
                Playground.class.getName())).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        CompletableFuture<Long> pid = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.add(line);
                    Matcher m = ADAPTER_PID.matcher(line);
                    if (m.find()) {
                        return Long.parseLong(m.group(1));
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                return null;
            }
        });
        Long adapterPid = pid.get(180, TimeUnit.SECONDS);
        if (adapterPid == null) {
            fail("the playground ended before it printed the adapter's pid:\n" + String.join("\n", output));
        }
        adapter = ProcessHandle.of(adapterPid);
        assertTrue(adapter.isPresent() && adapter.get().isAlive(), "the adapter runs, pid " + adapterPid);
        assertTrue(adapter.get().parent().map(p -> p.pid() == launcher.pid()).orElse(false),
                "the adapter is the launcher's child");

        launcher.destroyForcibly(); // SIGKILL
        assertTrue(launcher.waitFor(10, TimeUnit.SECONDS), "the launcher was killed");
        long killed = System.nanoTime();
        assertTrue(adapter.get().onExit().completeOnTimeout(null, EXIT_WITHIN.toMillis(), TimeUnit.MILLISECONDS)
                .get() != null || !adapter.get().isAlive(), "the adapter (pid " + adapterPid + ") still runs "
                + EXIT_WITHIN.toSeconds() + " s after its launcher was killed");
        System.out.printf("PlaygroundLauncherIT: the adapter exited %d ms after its launcher was SIGKILLed%n",
                (System.nanoTime() - killed) / 1_000_000);
        assertFalse(adapter.get().isAlive());
    }
}
