package dev.hpa.adapter.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.prometheus.QueryFailure.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Instant queries to a Prometheus-compatible HTTP API ({@code /api/v1/query}), with a hard deadline and a hard
 * size cap, as the pod scraper has. One query per text and second: requests that ask the same in the same second
 * (every HPA of a namespace, both API versions, the explain endpoint) share the answer or the query under way, so
 * the engine sees at most one query per metric, namespace and second from each replica, whatever the HPAs do.
 * Range queries ({@code /api/v1/query_range}), for the status page's charts, go through the same client, deadline,
 * size cap and self-metrics.
 */
final class PrometheusApi {

    /** One series of an instant vector. */
    record Sample(Map<String, String> labels, double value, long atMillis) {}

    /** One series of a range query: its points, oldest first, as {@code atMillis[i]} and {@code values[i]}. */
    record Series(Map<String, String> labels, long[] atMillis, double[] values) {}

    /** How an answer's status and body become what the caller asked for, or a {@link QueryFailure}. */
    private interface Parser<T> {
        T parse(int status, byte[] body);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SNIPPET = 300;

    private final Vertx vertx;
    private final HttpClient client;
    private final String queryUrl;
    private final String rangeUrl;
    private final Map<String, String> headers;
    private final TokenFile token;
    private final TlsFiles tls;
    private final long timeoutMillis;
    private final int postAboveBytes;
    private final int maxBodyBytes;
    private final Map<Key, CompletableFuture<List<Sample>>> answers = new ConcurrentHashMap<>();
    private volatile long purgedBefore;
    private final Timer succeeded;
    private final Timer failed;
    private final Map<Outcome, Counter> failures = new EnumMap<>(Outcome.class);
    private final Counter successes;
    private final Counter shared;

    private record Key(String query, long second) {}

    PrometheusApi(Vertx vertx, AdapterConfig.Prometheus config, MeterRegistry registry) {
        this.vertx = vertx;
        String url = config.url().orElseThrow();
        this.queryUrl = (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + "/api/v1/query";
        this.rangeUrl = queryUrl + "_range";
        this.headers = Map.copyOf(config.headers());
        this.token = config.bearerTokenFile().map(file -> new TokenFile(Path.of(file))).orElse(null);
        this.timeoutMillis = config.timeout().toMillis();
        this.postAboveBytes = config.postAboveBytes();
        this.maxBodyBytes = config.maxBodyBytes();
        HttpClientOptions options = new HttpClientOptions().setName("prometheus")
                .setKeepAlive(true)
                .setKeepAliveTimeout(30)
                .setConnectTimeout((int) timeoutMillis)
                // We never ask for gzip, so no inflater whose output no cap sees.
                .setDecompressionSupported(false);
        if (url.startsWith("https:")) {
            options.setSsl(true).setForceSni(true).setVerifyHost(true);
        }
        // The CA and client certificate files, read again when they change: see TlsFiles.
        this.tls = TlsFiles.of(url, config, registry);
        if (tls != null) {
            tls.applyTo(options);
        }
        this.client = vertx.httpClientBuilder().with(options)
                .with(new PoolOptions().setHttp1MaxSize(8).setMaxWaitQueueSize(64))
                .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
                .build();

        succeeded = duration(registry, "success");
        failed = duration(registry, "failure");
        successes = queries(registry, "success");
        for (Outcome outcome : Outcome.values()) {
            failures.put(outcome, queries(registry, outcome.tag()));
        }
        shared = Counter.builder("adapter.prometheus.queries.shared")
                .description("Requests answered by a query already made or under way for the same second")
                .register(registry);
    }

    private static Timer duration(MeterRegistry registry, String outcome) {
        return Timer.builder("adapter.prometheus.query.duration")
                .description("Time from sending a PromQL query to its parsed answer, or to its failure")
                .tag("outcome", outcome)
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
                        Duration.ofSeconds(5))
                .register(registry);
    }

    private static Counter queries(MeterRegistry registry, String outcome) {
        return Counter.builder("adapter.prometheus.queries").description("PromQL queries by outcome")
                .tag("outcome", outcome).register(registry);
    }

    String queryUrl() {
        return queryUrl;
    }

    /** The instant vector {@code query} gives at {@code epochSecond}; fails with a {@link QueryFailure}. */
    Uni<List<Sample>> query(String query, long epochSecond) {
        if (epochSecond > purgedBefore) {
            purgedBefore = epochSecond;
            answers.keySet().removeIf(key -> key.second < epochSecond - 1);
        }
        Key key = new Key(query, epochSecond);
        CompletableFuture<List<Sample>> answer = answers.get(key);
        if (answer != null) {
            shared.increment();
        } else {
            CompletableFuture<List<Sample>> mine = new CompletableFuture<>();
            answer = answers.putIfAbsent(key, mine);
            if (answer == null) {
                answer = mine;
                send(queryUrl, "query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + epochSecond,
                        PrometheusApi::parse, mine);
            } else {
                shared.increment();
            }
        }
        return Uni.createFrom().completionStage(answer);
    }

    /**
     * The series {@code query} gives at every {@code stepMillis} from {@code startMillis} to {@code endMillis}
     * ({@code /api/v1/query_range}); fails with a {@link QueryFailure}. Not shared like {@link #query}: only the
     * status page asks, once per view, and two views hardly ever ask for the same millisecond.
     */
    Uni<List<Series>> queryRange(String query, long startMillis, long endMillis, long stepMillis) {
        CompletableFuture<List<Series>> answer = new CompletableFuture<>();
        send(rangeUrl, "query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&start=" + seconds(startMillis)
                + "&end=" + seconds(endMillis) + "&step=" + seconds(stepMillis), PrometheusApi::parseRange, answer);
        return Uni.createFrom().completionStage(answer);
    }

    /** Milliseconds as the API's decimal seconds: 1700000000.333. */
    private static String seconds(long millis) {
        return Math.floorDiv(millis, 1000) + "." + String.format(Locale.ROOT, "%03d", Math.floorMod(millis, 1000));
    }

    private <T> void send(String url, String form, Parser<T> parser, CompletableFuture<T> answer) {
        Exchange<T> exchange = new Exchange<>(answer, parser);
        String authorization;
        try {
            authorization = token == null ? null : "Bearer " + token.current();
        } catch (IOException e) {
            exchange.fail(Outcome.CREDENTIALS, "cannot read adapter.prometheus.bearer-token-file " + token.path()
                    + ": " + e.getMessage());
            return;
        }
        String tlsProblem = tls == null ? null : tls.refresh(client);
        if (tlsProblem != null) {
            exchange.fail(Outcome.CREDENTIALS, tlsProblem);
            return;
        }
        boolean post = form.length() > postAboveBytes;
        RequestOptions options = new RequestOptions()
                .setMethod(post ? HttpMethod.POST : HttpMethod.GET)
                .setAbsoluteURI(post ? url : url + "?" + form)
                .setFollowRedirects(false)
                .putHeader(HttpHeaders.ACCEPT, "application/json")
                .putHeader(HttpHeaders.USER_AGENT, "hpa-metrics-adapter");
        headers.forEach(options::putHeader);
        if (authorization != null) {
            options.putHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (post) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        exchange.deadline = vertx.setTimer(timeoutMillis, id -> exchange.fail(Outcome.TIMEOUT,
                "no full answer within " + timeoutMillis + "ms (adapter.prometheus.timeout)"));
        client.request(options).onComplete(requested -> {
            if (requested.failed()) {
                Throwable cause = requested.cause();
                exchange.fail(Outcome.CONNECT_ERROR, (cause instanceof SSLException ? "TLS handshake failed: "
                        : "cannot connect: ") + cause.getMessage());
                return;
            }
            HttpClientRequest request = requested.result();
            exchange.request = request;
            request.exceptionHandler(e -> exchange.fail(Outcome.CONNECT_ERROR, "connection failed: " + e.getMessage()));
            (post ? request.send(Buffer.buffer(form)) : request.send()).onComplete(sent -> {
                if (sent.failed()) {
                    exchange.fail(Outcome.CONNECT_ERROR, "request failed: " + sent.cause().getMessage());
                } else {
                    read(sent.result(), exchange);
                }
            });
        });
    }

    private <T> void read(HttpClientResponse response, Exchange<T> exchange) {
        response.exceptionHandler(e -> exchange.fail(Outcome.CONNECT_ERROR, "reading the answer failed: "
                + e.getMessage()));
        String encoding = response.getHeader(HttpHeaders.CONTENT_ENCODING);
        if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
            exchange.fail(Outcome.BAD_ANSWER, "HTTP " + response.statusCode() + " with Content-Encoding: " + encoding
                    + ", which the adapter does not ask for");
            return;
        }
        String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declared.chars().allMatch(Character::isDigit) && declared.length() < 19
                && Long.parseLong(declared) > maxBodyBytes) {
            exchange.fail(Outcome.TOO_LARGE, tooLarge(declared + " bytes"));
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (body.length() + chunk.length() > maxBodyBytes) {
                exchange.fail(Outcome.TOO_LARGE, tooLarge("more than " + maxBodyBytes + " bytes"));
            } else if (!exchange.done) {
                body.appendBuffer(chunk);
            }
        });
        response.endHandler(end -> {
            try {
                exchange.succeed(exchange.parser.parse(response.statusCode(), body.getBytes()));
            } catch (QueryFailure failure) {
                exchange.fail(failure.outcome(), failure.getMessage());
            }
        });
    }

    private String tooLarge(String size) {
        return "the answer has " + size + ", over adapter.prometheus.max-body-bytes=" + maxBodyBytes;
    }

    /** The samples of an API answer; any other answer is a failure that says what came instead. */
    static List<Sample> parse(int status, byte[] body) {
        JsonNode data = data(status, body, "vector", "an instant vector");
        List<Sample> samples = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            JsonNode value = series.path("value");
            if (!point(value)) {
                throw new QueryFailure(Outcome.BAD_ANSWER, "a series without a [time, \"value\"] pair: "
                        + snippet(series.toString().getBytes(StandardCharsets.UTF_8)));
            }
            samples.add(new Sample(labels(series), number(value.get(1).asText()),
                    Math.round(value.get(0).asDouble() * 1000)));
        }
        return samples;
    }

    /** The series of a range query's answer; any other answer is a failure that says what came instead. */
    static List<Series> parseRange(int status, byte[] body) {
        JsonNode data = data(status, body, "matrix", "a matrix (series over time)");
        List<Series> result = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            JsonNode values = series.path("values");
            if (!values.isArray()) {
                throw new QueryFailure(Outcome.BAD_ANSWER, "a series without its values: "
                        + snippet(series.toString().getBytes(StandardCharsets.UTF_8)));
            }
            long[] at = new long[values.size()];
            double[] value = new double[values.size()];
            for (int i = 0; i < values.size(); i++) {
                if (!point(values.get(i))) {
                    throw new QueryFailure(Outcome.BAD_ANSWER, "a point that is not a [time, \"value\"] pair: "
                            + snippet(values.get(i).toString().getBytes(StandardCharsets.UTF_8)));
                }
                at[i] = Math.round(values.get(i).get(0).asDouble() * 1000);
                value[i] = number(values.get(i).get(1).asText());
            }
            result.add(new Series(labels(series), at, value));
        }
        return result;
    }

    /**
     * The {@code data} of a successful answer whose result is of {@code type}; an error answer, one that is not
     * the API's JSON, or a result of another type is a failure that says what came instead.
     */
    private static JsonNode data(int status, byte[] body, String type, String meaning) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        boolean api = root != null && root.isObject() && root.path("status").isTextual();
        if (!api || status != 200 || !"success".equals(root.path("status").asText())) {
            Outcome outcome = status == 401 || status == 403 ? Outcome.CREDENTIALS
                    : status == 200 ? Outcome.BAD_ANSWER : Outcome.HTTP_ERROR;
            String said = api ? root.path("errorType").asText("?") + ": " + root.path("error").asText("")
                    : status == 200 ? "not the Prometheus API's JSON: " + snippet(body) : snippet(body);
            String credentials = outcome == Outcome.CREDENTIALS
                    ? " (refused the adapter's credentials: check adapter.prometheus.bearer-token-file, "
                            + "client-cert-file and headers)" : "";
            throw new QueryFailure(outcome, "HTTP " + status + credentials + ": " + said);
        }
        JsonNode data = root.path("data");
        String got = data.path("resultType").asText("");
        if (!type.equals(got)) {
            throw new QueryFailure(Outcome.BAD_ANSWER, "the answer is a " + (got.isEmpty() ? "missing" : got)
                    + " result, not " + meaning);
        }
        return data;
    }

    /** {@code [1700000000.5, "42"]}: the API's point, a time in seconds and the value as Go formats it. */
    private static boolean point(JsonNode value) {
        return value.isArray() && value.size() == 2 && value.get(0).isNumber() && value.get(1).isTextual();
    }

    private static Map<String, String> labels(JsonNode series) {
        Map<String, String> labels = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = series.path("metric").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            labels.put(label.getKey(), label.getValue().asText());
        }
        return labels;
    }

    /** Go's float formatting, which the API uses: "+Inf", "-Inf" and "NaN" besides plain numbers. */
    private static double number(String text) {
        switch (text) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new QueryFailure(Outcome.BAD_ANSWER, "a value that is not a number: " + text);
                }
        }
    }

    private static String snippet(byte[] body) {
        if (body.length == 0) {
            return "(empty body)";
        }
        String text = new String(body, 0, Math.min(body.length, SNIPPET), StandardCharsets.UTF_8)
                .replaceAll("\\p{Cntrl}", " ").strip();
        return "\"" + text + (body.length > SNIPPET ? "…" : "") + "\"";
    }

    void close() {
        client.close();
    }

    /** One query in flight: settles once; a failure tears down the connection so nothing lingers. */
    private final class Exchange<T> {
        final CompletableFuture<T> answer;
        final Parser<T> parser;
        final long startedNanos = System.nanoTime();
        HttpClientRequest request;
        long deadline = -1;
        boolean done;

        Exchange(CompletableFuture<T> answer, Parser<T> parser) {
            this.answer = answer;
            this.parser = parser;
        }

        synchronized void succeed(T parsed) {
            if (!done) {
                done = true;
                vertx.cancelTimer(deadline);
                succeeded.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
                successes.increment();
                answer.complete(parsed);
            }
        }

        synchronized void fail(Outcome outcome, String message) {
            if (!done) {
                done = true;
                vertx.cancelTimer(deadline);
                if (request != null) {
                    request.reset();
                }
                failed.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
                failures.get(outcome).increment();
                answer.completeExceptionally(new QueryFailure(outcome, message));
            }
        }
    }
}
