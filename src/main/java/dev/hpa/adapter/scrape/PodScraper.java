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
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Fetches one metrics page with a hard deadline and a hard size cap: pods' pages over plain HTTP, and, through
 * {@link #fetch} with TLS options, the kubelets' {@code /metrics/resource}. Connections are kept alive between
 * scrapes. A target that is slow, huge, or gone fails its own scrape and nothing else.
 */
public final class PodScraper {

    /** The raw page: what the pod said it is, and its bytes. */
    public record Page(String contentType, byte[] body, int length) {}

    // Ask for text 0.0.4 first: servers that negotiate (prometheus_client, promhttp) would otherwise be free to
    // pick OpenMetrics, which we read too, but 0.0.4 is what every server speaks.
    static final String TEXT_ACCEPT = "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5,*/*;q=0.1";
    static final String QUEUE_PROXY_ACCEPT = "application/protobuf";

    private final Vertx vertx;
    private final HttpClient client;
    private final long timeoutMillis;
    private final int maxBodyBytes;

    public PodScraper(Vertx vertx, Duration timeout, int maxBodyBytes) {
        this(vertx, new HttpClientOptions().setName("pod-scraper"), timeout, maxBodyBytes);
    }

    /** @param options the client's name and, for HTTPS targets, its TLS settings; the rest is set here */
    public PodScraper(Vertx vertx, HttpClientOptions options, Duration timeout, int maxBodyBytes) {
        this.vertx = vertx;
        this.timeoutMillis = timeout.toMillis();
        this.maxBodyBytes = maxBodyBytes;
        this.client = vertx.httpClientBuilder()
                .with(options
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(30)
                        .setConnectTimeout((int) timeoutMillis)
                        .setDecompressionSupported(true)) // caps then apply to what we parse, not to the gzip
                .with(new PoolOptions().setHttp1MaxSize(2).setMaxWaitQueueSize(2))
                // A pod resetting its connection fails that scrape (the request sees it); without a handler here
                // Vert.x would also log every reset as an ERROR, once a second per broken pod.
                .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
                .build();
    }

    public Future<Page> scrape(String ip, MetricsEndpoint endpoint) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(ip)
                .setPort(endpoint.port())
                .setURI(endpoint.path())
                .putHeader(HttpHeaders.ACCEPT, endpoint.format() == MetricsEndpoint.Format.QUEUE_PROXY
                        ? QUEUE_PROXY_ACCEPT : TEXT_ACCEPT)
                .putHeader(HttpHeaders.USER_AGENT, "hpa-metrics-adapter");
        return fetch(options, ip + ":" + endpoint.port() + endpoint.path());
    }

    /** Fetches any page; {@code where} names the target in failure messages. */
    public Future<Page> fetch(RequestOptions options, String where) {
        Promise<Page> result = Promise.promise();
        Attempt attempt = new Attempt(result, where);
        attempt.deadline = vertx.setTimer(timeoutMillis, id -> attempt.fail(new ScrapeFailure(Reason.TIMEOUT,
                "no full answer from " + where + " within " + timeoutMillis + "ms")));
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
            attempt.request.send().onComplete(sent -> {
                if (sent.failed()) {
                    attempt.fail(new ScrapeFailure(Reason.CONNECT_ERROR,
                            "request to " + where + " failed: " + sent.cause().getMessage()));
                } else {
                    read(sent.result(), attempt);
                }
            });
        });
        return result.future();
    }

    private void read(HttpClientResponse response, Attempt attempt) {
        // First, so that the reset of a response we refuse below ends here instead of in Vert.x's error log.
        response.exceptionHandler(e -> attempt.fail(
                new ScrapeFailure(Reason.CONNECT_ERROR, "reading from " + attempt.where + " failed: " + e.getMessage())));
        if (response.statusCode() != 200) {
            attempt.fail(new ScrapeFailure(Reason.HTTP_ERROR,
                    "HTTP " + response.statusCode() + " from " + attempt.where, response.statusCode()));
            return;
        }
        String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && parseLong(declared) > maxBodyBytes) {
            attempt.fail(tooLarge(attempt.where, declared + " bytes"));
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (attempt.done) {
                return;
            }
            // Cap the body: a pod serving a 200 MB page must cost one failed scrape, not the heap.
            if (body.length() + chunk.length() > maxBodyBytes) {
                attempt.fail(tooLarge(attempt.where, "more than " + maxBodyBytes + " bytes"));
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(end -> attempt.succeed(
                new Page(response.getHeader(HttpHeaders.CONTENT_TYPE), body.getBytes(), body.length())));
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

    public void close() {
        client.close();
    }

    /** One scrape in progress: settles once, and a failure tears down the connection so nothing lingers. */
    private final class Attempt {
        final Promise<Page> result;
        final String where;
        HttpClientRequest request;
        long deadline;
        boolean done;

        Attempt(Promise<Page> result, String where) {
            this.result = result;
            this.where = where;
        }

        synchronized void succeed(Page page) {
            if (!done) {
                done = true;
                vertx.cancelTimer(deadline);
                result.complete(page);
            }
        }

        synchronized void fail(ScrapeFailure failure) {
            if (!done) {
                done = true;
                vertx.cancelTimer(deadline);
                if (request != null) {
                    request.reset();
                }
                result.fail(failure);
            }
        }
    }
}
