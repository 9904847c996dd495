package dev.hpa.adapter.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load at a fixed rate (what wrk2 does; wrk2 is not packaged by Debian, and hey cannot reach a JDK
 * TLS server: it sends "host:port" as the TLS server name, which JSSE rejects with illegal_parameter). Requests
 * leave on a fixed schedule whatever the server does, over a pool of keep-alive HTTPS connections, and each
 * latency is counted from the request's scheduled time, so a stalled server shows up in the percentiles instead
 * of slowing the load down (no coordinated omission).
 */
final class RateClient {

    record Result(double achievedPerSecond, double p50Millis, double p99Millis, double p999Millis, double maxMillis,
            long errors) {}

    static Result run(String url, String token, int perSecond, int seconds, int connections) throws Exception {
        URI uri = URI.create(url);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true)
                    .setVerifyHost(false).setKeepAlive(true).setPipelining(false),
                    new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost())
                    .setPort(uri.getPort()).setURI(uri.getRawPath() + (uri.getRawQuery() == null ? ""
                            : "?" + uri.getRawQuery()))
                    .putHeader("Authorization", "Bearer " + token);
            // The first 2 s open the connections (TLS handshakes) and are not counted: a client of this rate
            // keeps its connections open, so steady state is what it sees.
            int skipped = perSecond * 2;
            int total = perSecond * seconds + skipped;
            long[] latencies = new long[total];
            AtomicLong errors = new AtomicLong();
            CountDownLatch done = new CountDownLatch(total);
            long gap = TimeUnit.SECONDS.toNanos(1) / perSecond;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            for (int i = 0; i < total; i++) {
                long scheduled = start + i * gap;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int slot = i;
                client.request(options).compose(request -> request.send()).compose(response -> {
                    if (response.statusCode() != 200) {
                        errors.incrementAndGet();
                    }
                    return response.body();
                }).onComplete(result -> {
                    if (result.failed()) {
                        errors.incrementAndGet();
                    }
                    latencies[slot] = System.nanoTime() - scheduled;
                    done.countDown();
                });
            }
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("requests to " + url + " still open 60 s after the load ended");
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long[] counted = Arrays.copyOfRange(latencies, skipped, total);
            Arrays.sort(counted);
            return new Result(total / elapsed, millis(counted, 0.50), millis(counted, 0.99),
                    millis(counted, 0.999), counted[counted.length - 1] / 1e6, errors.get());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
