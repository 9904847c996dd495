package dev.hpa.adapter.scrape;

import dev.hpa.adapter.pods.MetricsEndpoint;
import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLException;

/**
 * Fetches one metrics page with a hard deadline and a hard size cap: pods' pages over plain HTTP, and, through
 * {@link #fetch} with TLS options, the kubelets' {@code /metrics/resource}. Connections are kept alive between
 * scrapes. A target that is slow, huge, or gone fails its own scrape and nothing else.
 *
 * <p>The limits of one read: the whole exchange (connect, request, every byte of the answer) ends within the
 * timeout, so a page trickling a byte at a time or never ending fails it; the body may hold at most
 * {@code maxBodyBytes}, checked as it arrives, and so may a gzip body once inflated (the inflating stops there);
 * redirects are not followed (a pod's page is where its annotations say); encodings other than gzip, which we
 * ask for, are refused.
 */
public final class PodScraper {

    /**
     * The raw page: what the pod said it is, and its bytes.
     *
     * @param atMillis the best estimate of when the pod wrote the page: half way between sending the request and
     *                 the answer's head arriving, so that a late event loop on either side costs half the delay
     *                 at most (wall clock, ms)
     */
    public record Page(String contentType, byte[] body, int length, long atMillis) {}

    // Ask for text 0.0.4 first: servers that negotiate (prometheus_client, promhttp) would otherwise be free to
    // pick OpenMetrics, which we read too, but 0.0.4 is what every server speaks.
    static final String TEXT_ACCEPT = "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5,*/*;q=0.1";
    static final String QUEUE_PROXY_ACCEPT = "application/protobuf";
    // Pre-encoded (ASCII) once: Vert.x writes such values into the request without encoding them again.
    private static final CharSequence TEXT_ACCEPT_VALUE = HttpHeaders.createOptimized(TEXT_ACCEPT);
    private static final CharSequence QUEUE_PROXY_ACCEPT_VALUE = HttpHeaders.createOptimized(QUEUE_PROXY_ACCEPT);
    private static final CharSequence USER_AGENT_VALUE = HttpHeaders.createOptimized("hpa-metrics-adapter");
    private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
    /**
     * How often the client looks for kept-alive connections past their keep-alive timeout. Vert.x's default, every
     * second, walks every pod's connection pool each time (a tenth of the scrape CPU at 3,000 pods); a connection
     * in use once per interval never expires, so a third of the 30 s keep-alive is soon enough to close the few
     * that belonged to pods gone away.
     */
    static final int POOL_CLEANER_MILLIS = 10_000;

    private final Vertx vertx;
    private final Clock clock;
    private final HttpClient client;
    private final long timeoutMillis;
    private final int maxBodyBytes;

    public PodScraper(Vertx vertx, Clock clock, Duration timeout, int maxBodyBytes) {
        this(vertx, clock, new HttpClientOptions().setName("pod-scraper"), timeout, maxBodyBytes);
    }

    /** @param options the client's name and, for HTTPS targets, its TLS settings; the rest is set here */
    public PodScraper(Vertx vertx, Clock clock, HttpClientOptions options, Duration timeout, int maxBodyBytes) {
        this.vertx = vertx;
        this.clock = clock;
        this.timeoutMillis = timeout.toMillis();
        this.maxBodyBytes = maxBodyBytes;
        this.client = vertx.httpClientBuilder()
                .with(options
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(30)
                        .setConnectTimeout((int) timeoutMillis)
                        // Not Netty's inflater: it hands on whatever one read of a gzip bomb expands to (a 64 KB
                        // read of zeros is 64 MB) before any cap sees it. We inflate ourselves, bounded.
                        .setDecompressionSupported(false))
                .with(new PoolOptions().setHttp1MaxSize(2).setMaxWaitQueueSize(2)
                        .setCleanerPeriod(POOL_CLEANER_MILLIS))
                // A pod resetting its connection fails that scrape (the request sees it); without a handler here
                // Vert.x would also log every reset as an ERROR, once a second per broken pod.
                .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
                .build();
    }

    /**
     * The request for one pod's page, made once per target and sent on every scrape: the client only reads it
     * (it copies the headers into each request), so building it, its headers and their encoding again every second
     * would be garbage and nothing else.
     */
    public static RequestOptions podRequest(String ip, MetricsEndpoint endpoint) {
        return new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(ip)
                .setPort(endpoint.port())
                .setURI(endpoint.path())
                .putHeader(HttpHeaders.ACCEPT, endpoint.format() == MetricsEndpoint.Format.QUEUE_PROXY
                        ? QUEUE_PROXY_ACCEPT_VALUE : TEXT_ACCEPT_VALUE)
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT_VALUE)
                .putHeader(HttpHeaders.ACCEPT_ENCODING, GZIP);
    }

    /**
     * Starts a scrape whose deadline the caller keeps: it calls {@link Attempt#expire} once the timeout has
     * passed (the scheduler's wheel does, for every pod, without a timer of its own per scrape).
     *
     * @param request from {@link #podRequest}, not changed while in use
     */
    public Attempt start(RequestOptions request, String where) {
        Attempt attempt = new Attempt(Promise.promise(), where);
        send(request, attempt);
        return attempt;
    }

    /** Fetches any page within the timeout, on a timer of its own; {@code where} names it in failure messages. */
    public Future<Page> fetch(RequestOptions options, String where) {
        options.putHeader(HttpHeaders.ACCEPT_ENCODING, GZIP);
        Attempt attempt = new Attempt(Promise.promise(), where);
        attempt.deadline = vertx.setTimer(timeoutMillis, id -> attempt.expire());
        send(options, attempt);
        return attempt.result.future();
    }

    private void send(RequestOptions options, Attempt attempt) {
        String where = attempt.where;
        client.request(options).onComplete(requested -> {
            if (requested.failed()) {
                Throwable cause = requested.cause();
                attempt.fail(cause instanceof SSLException
                        ? new ScrapeFailure(Reason.TLS_ERROR, "TLS handshake with " + where + " failed: "
                                + cause.getMessage())
                        : new ScrapeFailure(Reason.CONNECT_ERROR, "cannot connect to " + where + ": "
                                + cause.getMessage()));
                return;
            }
            attempt.request = requested.result();
            attempt.request.exceptionHandler(e -> attempt.fail(
                    new ScrapeFailure(Reason.CONNECT_ERROR, "connection to " + where + " failed: " + e.getMessage())));
            attempt.sentAtNanos = System.nanoTime();
            attempt.request.send().onComplete(sent -> {
                if (sent.failed()) {
                    attempt.fail(new ScrapeFailure(Reason.CONNECT_ERROR,
                            "request to " + where + " failed: " + sent.cause().getMessage()));
                } else {
                    read(sent.result(), attempt);
                }
            });
        });
    }

    private void read(HttpClientResponse response, Attempt attempt) {
        long atMillis = clock.millis() - (System.nanoTime() - attempt.sentAtNanos) / 2_000_000;
        // First, so that the reset of a response we refuse below ends here instead of in Vert.x's error log.
        response.exceptionHandler(e -> attempt.fail(
                new ScrapeFailure(Reason.CONNECT_ERROR, "reading from " + attempt.where + " failed: " + e.getMessage())));
        int status = response.statusCode();
        if (status != 200) {
            String location = response.getHeader(HttpHeaders.LOCATION);
            attempt.fail(new ScrapeFailure(Reason.HTTP_ERROR, "HTTP " + status + " from " + attempt.where
                    + (status / 100 == 3 ? " (redirects are not followed; it points to " + location
                            + ": fix the port/path annotation)" : ""), status));
            return;
        }
        String encoding = response.getHeader(HttpHeaders.CONTENT_ENCODING);
        boolean gzip = encoding != null && (encoding.equalsIgnoreCase("gzip") || encoding.equalsIgnoreCase("x-gzip"));
        if (encoding != null && !gzip && !encoding.equalsIgnoreCase("identity")) {
            attempt.fail(new ScrapeFailure(Reason.BAD_PAGE, attempt.where + " sent Content-Encoding: " + encoding
                    + ", which the adapter does not ask for (it asks for gzip or none)"));
            return;
        }
        String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = declared == null ? -1 : parseLong(declared);
        if (length > maxBodyBytes) {
            attempt.fail(tooLarge(attempt.where, declared + " bytes"));
            return;
        }
        Body body = new Body(length > 0 ? (int) length : INITIAL_BODY_BYTES);
        response.handler(chunk -> {
            if (attempt.done) {
                return;
            }
            // Cap the body: a pod serving a 200 MB page must cost one failed scrape, not the heap.
            if (body.length + chunk.length() > maxBodyBytes) {
                attempt.fail(tooLarge(attempt.where, "more than " + maxBodyBytes + " bytes"));
                return;
            }
            body.append(chunk);
        });
        response.endHandler(end -> {
            String contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
            if (!gzip) {
                attempt.succeed(new Page(contentType, body.bytes, body.length, atMillis));
                return;
            }
            try {
                byte[] page = gunzip(body.bytes, body.length, maxBodyBytes);
                if (page == null) {
                    attempt.fail(tooLarge(attempt.where, "a gzip body that inflates to more than " + maxBodyBytes
                            + " bytes"));
                } else {
                    attempt.succeed(new Page(contentType, page, page.length, atMillis));
                }
            } catch (IOException e) {
                attempt.fail(new ScrapeFailure(Reason.BAD_PAGE, attempt.where + " sent a broken gzip body: "
                        + e.getMessage()));
            }
        });
    }

    /** The inflated body, or null when it would be longer than {@code max}: inflating stops one byte past it. */
    static byte[] gunzip(byte[] compressed, int length, int max) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed, 0, length))) {
            byte[] page = in.readNBytes(max + 1);
            return page.length > max ? null : page;
        }
    }

    /** A page without Content-Length (chunked) starts here and doubles; most pages of a few KB fit. */
    static final int INITIAL_BODY_BYTES = 8192;

    /**
     * The body as it arrives, in one array sized from Content-Length when the pod sends one: the page is then read
     * in place, where a growing Buffer was resized on the way and copied out once more at the end.
     */
    private static final class Body {
        byte[] bytes;
        int length;

        Body(int capacity) {
            bytes = new byte[capacity];
        }

        void append(Buffer chunk) {
            int n = chunk.length();
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(length + n, bytes.length * 2));
            }
            chunk.getBytes(0, n, bytes, length);
            length += n;
        }
    }

    private ScrapeFailure tooLarge(String where, String size) {
        return new ScrapeFailure(Reason.TOO_LARGE, where + " sent " + size
                + ", over adapter.scrape.max-body-bytes=" + maxBodyBytes);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    public void close() {
        client.close();
    }

    /** One scrape in progress: settles once, and a failure tears down the connection so nothing lingers. */
    public final class Attempt {
        final Promise<Page> result;
        final String where;
        HttpClientRequest request;
        long sentAtNanos;
        /** The timer of {@link #fetch}; -1 when the caller keeps the deadline. */
        long deadline = -1;
        boolean done;

        Attempt(Promise<Page> result, String where) {
            this.result = result;
            this.where = where;
        }

        public Future<Page> future() {
            return result.future();
        }

        /** The timeout has passed: fails the scrape unless it has finished; harmless after it has. */
        public void expire() {
            fail(new ScrapeFailure(Reason.TIMEOUT, "no full answer from " + where + " within " + timeoutMillis
                    + "ms"));
        }

        synchronized void succeed(Page page) {
            if (!done) {
                done = true;
                cancelTimer();
                result.complete(page);
            }
        }

        synchronized void fail(ScrapeFailure failure) {
            if (!done) {
                done = true;
                cancelTimer();
                if (request != null) {
                    request.reset();
                }
                result.fail(failure);
            }
        }

        private void cancelTimer() {
            if (deadline != -1) {
                vertx.cancelTimer(deadline);
            }
        }
    }
}
