package dev.hpa.adapter.scrape;

import dev.hpa.adapter.scrape.ScrapeFailure.Reason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Fetches a page over HTTPS with a hard deadline and a hard size cap (the kubelets' {@code /metrics/resource}: a
 * few nodes, each read every few seconds), on Vert.x's client and its TLS; connections are kept alive between
 * reads. The whole exchange (connect, handshake, request, every byte of the answer) ends within the timeout; the
 * answer obeys {@link PageBody}'s rules. Pods are read by {@link PodScraper} instead, thousands a second.
 */
public final class PageFetcher {

    private final Vertx vertx;
    private final Clock clock;
    private final HttpClient client;
    private final long timeoutMillis;
    private final int maxBodyBytes;

    /** @param options the client's name and TLS settings; the rest is set here */
    public PageFetcher(Vertx vertx, Clock clock, HttpClientOptions options, Duration timeout, int maxBodyBytes) {
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
                .with(new PoolOptions().setHttp1MaxSize(2).setMaxWaitQueueSize(2))
                // A server resetting its connection fails that read (the request sees it); without a handler here
                // Vert.x would also log every reset as an ERROR.
                .withConnectHandler(connection -> connection.exceptionHandler(ignored -> { }))
                .build();
    }

    /** Fetches the page within the timeout; {@code where} names it in failure messages. */
    public Future<Page> fetch(RequestOptions options, String where) {
        options.putHeader(HttpHeaders.ACCEPT_ENCODING, "gzip");
        Attempt attempt = new Attempt(where);
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
            long sentAtNanos = System.nanoTime();
            attempt.request.send().onComplete(sent -> {
                if (sent.failed()) {
                    attempt.fail(new ScrapeFailure(Reason.CONNECT_ERROR,
                            "request to " + where + " failed: " + sent.cause().getMessage()));
                } else {
                    read(sent.result(), attempt, sentAtNanos);
                }
            });
        });
        return attempt.result.future();
    }

    private void read(HttpClientResponse response, Attempt attempt, long sentAtNanos) {
        long atMillis = clock.millis() - (System.nanoTime() - sentAtNanos) / 2_000_000;
        // First, so that the reset of a response we refuse below ends here instead of in Vert.x's error log.
        response.exceptionHandler(e -> attempt.fail(
                new ScrapeFailure(Reason.CONNECT_ERROR, "reading from " + attempt.where + " failed: " + e.getMessage())));
        PageBody body;
        try {
            body = PageBody.startOrFail(attempt.where, response.statusCode(), response.getHeader(HttpHeaders.LOCATION),
                    response.getHeader(HttpHeaders.CONTENT_ENCODING), response.getHeader(HttpHeaders.CONTENT_LENGTH),
                    maxBodyBytes);
        } catch (ScrapeFailure refused) {
            attempt.fail(refused);
            return;
        }
        response.handler(chunk -> {
            if (!attempt.done && !body.append(chunk.getByteBuf())) {
                attempt.fail(body.overCap(attempt.where));
            }
        });
        response.endHandler(end -> {
            try {
                attempt.succeed(body.finish(response.getHeader(HttpHeaders.CONTENT_TYPE), atMillis, attempt.where));
            } catch (ScrapeFailure failure) {
                attempt.fail(failure);
            }
        });
    }

    public void close() {
        client.close();
    }

    /** One read in progress: settles once, and a failure tears down the connection so nothing lingers. */
    private final class Attempt {
        final Promise<Page> result = Promise.promise();
        final String where;
        HttpClientRequest request;
        long deadline;
        boolean done;

        Attempt(String where) {
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
