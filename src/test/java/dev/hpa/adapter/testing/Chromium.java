package dev.hpa.adapter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket, JSON messages), with nothing but the JDK's
 * HTTP client and Jackson: start it, open one page, collect what the console and the security policy report,
 * evaluate an expression against the DOM, take a screenshot. For tests of the status page in a real browser.
 */
public final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Runs in every document before its own content, outside its security policy: records violations of it. */
    private static final String VIOLATION_RECORDER = "window.__violations = [];"
            + "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
            + "e.violatedDirective + ' ' + e.blockedURI));";

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<JsonNode>> awaited = new CopyOnWriteArrayList<>();
    private final List<Predicate<JsonNode>> awaitedFor = new CopyOnWriteArrayList<>();

    /** The Chromium of this machine ({@code CHROMIUM}, else /usr/bin/chromium or chromium-browser); empty without. */
    public static Optional<Path> executable() {
        return Stream.of(System.getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser")
                .filter(p -> p != null && !p.isBlank()).map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** Starts it headless with a fresh profile, a window of {@code width} × {@code height}, and opens a blank page. */
    public static Chromium start(Path executable, int width, int height) {
        try {
            Path profile = Files.createTempDirectory("chromium-profile");
            Process process = new ProcessBuilder(executable.toString(), "--headless=new", "--no-sandbox",
                    "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                    "--disable-extensions", "--disable-background-networking", "--disable-sync",
                    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                    "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String browserUrl = devToolsUrl(process);
            return new Chromium(process, profile, pageSocket(URI.create(browserUrl)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads Chromium's stderr until it names its DevTools endpoint; keeps draining it after. */
    private static String devToolsUrl(Process process) {
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> url = new CompletableFuture<>();
        StringBuilder said = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = err.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    } else if (!url.isDone() && said.length() < 4000) {
                        said.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process went away; the future below says so
            }
            url.completeExceptionally(new IllegalStateException("chromium exited before DevTools listened:\n" + said));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not start its DevTools endpoint: " + e.getMessage(), e);
        }
    }

    /** The first page target's WebSocket, from the browser's /json/list. */
    private static URI pageSocket(URI browser) throws IOException {
        URI list = URI.create("http://" + browser.getHost() + ":" + browser.getPort() + "/json/list");
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(list).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (JsonNode target : JSON.readTree(body)) {
                if ("page".equals(target.path("type").asText())) {
                    return URI.create(target.path("webSocketDebuggerUrl").asText());
                }
            }
            throw new IllegalStateException("chromium lists no page: " + body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private Chromium(Process process, Path profile, URI page) {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(page, new Listener()).join();
        call("Page.enable", Map.of());
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
        call("Network.enable", Map.of());
        call("Page.addScriptToEvaluateOnNewDocument", Map.of("source", VIOLATION_RECORDER));
    }

    /** One DevTools command; its result, or an exception with the protocol's error. */
    public JsonNode call(String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(message.toString(), true).join();
        try {
            JsonNode reply = answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new IllegalStateException(method + ": " + reply.get("error"));
            }
            return reply.path("result");
        } catch (Exception e) {
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(method + ": " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    /** Loads {@code url} and waits for its load event; the main document's response (status, headers). */
    public JsonNode navigate(String url) {
        CompletableFuture<JsonNode> loaded = awaitEvent(e -> "Page.loadEventFired".equals(e.path("method").asText()));
        CompletableFuture<JsonNode> response = awaitEvent(e -> "Network.responseReceived".equals(
                e.path("method").asText()) && "Document".equals(e.path("params").path("type").asText()));
        JsonNode result = call("Page.navigate", Map.of("url", url));
        if (result.hasNonNull("errorText")) {
            throw new IllegalStateException("navigating to " + url + " failed: " + result.get("errorText"));
        }
        try {
            loaded.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return response.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).path("params").path("response");
        } catch (Exception e) {
            throw new IllegalStateException("no load event from " + url + ": " + e, e);
        }
    }

    /** The value of a JavaScript expression in the page, evaluated by DevTools (the page's policy does not apply). */
    public JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("evaluating failed: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** What the page's security policy refused since the last navigation: {@code directive blocked-uri} each. */
    public List<String> policyViolations() {
        List<String> violations = new ArrayList<>();
        evaluate("window.__violations || []").forEach(v -> violations.add(v.asText()));
        return violations;
    }

    /**
     * Console messages of level error or warning, uncaught exceptions and browser log entries of level error
     * (among them the security policy's refusals), since start.
     */
    public List<String> consoleErrors() {
        List<String> errors = new ArrayList<>();
        for (JsonNode e : events) {
            String method = e.path("method").asText();
            JsonNode p = e.path("params");
            if ("Runtime.consoleAPICalled".equals(method) && Stream.of("error", "warning", "assert")
                    .anyMatch(p.path("type").asText()::equals)) {
                errors.add("console." + p.path("type").asText() + ": " + p.path("args"));
            } else if ("Runtime.exceptionThrown".equals(method)) {
                errors.add("exception: " + p.path("exceptionDetails"));
            } else if ("Log.entryAdded".equals(method) && "error".equals(p.path("entry").path("level").asText())) {
                errors.add("log: " + p.path("entry").path("source").asText() + ": "
                        + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
            }
        }
        return errors;
    }

    /** A PNG of the whole page, beyond the window if it is longer. */
    public Path screenshot(Path file) {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CompletableFuture<JsonNode> awaitEvent(Predicate<JsonNode> which) {
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        awaitedFor.add(which);
        awaited.add(future);
        return future;
    }

    private void onMessage(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            return;
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer = pending.get(message.get("id").asInt());
            if (answer != null) {
                answer.complete(message);
            }
            return;
        }
        events.add(message);
        for (int i = 0; i < awaitedFor.size(); i++) {
            if (!awaited.get(i).isDone() && awaitedFor.get(i).test(message)) {
                awaited.get(i).complete(message);
            }
        }
    }

    /** Assembles the text frames of each message. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onMessage(text);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is about to go anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }
}
