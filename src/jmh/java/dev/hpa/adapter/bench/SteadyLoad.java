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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link RateClient}'s open-loop load, without an end: requests leave on a fixed schedule over a pool of keep-alive
 * HTTPS connections, cycling through a list of URLs, until {@link #close}; {@link #interval} hands over the
 * latencies (counted from each request's scheduled time) and errors since its last call, so a long run can be
 * read in slices.
 */
final class SteadyLoad implements AutoCloseable {

    /** One slice of the run: requests completed in it, their latency percentiles, and failures. */
    record Interval(int requests, double p50Millis, double p99Millis, double maxMillis, long errors) {}

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final Thread sender;
    private final Object lock = new Object();
    private long[] latencies = new long[1024];
    private int count;
    private long errors;
    private volatile boolean running = true;

    SteadyLoad(List<String> urls, String token, int perSecond, int connections) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true)
                .setVerifyHost(false).setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        List<RequestOptions> requests = urls.stream().map(url -> {
            URI uri = URI.create(url);
            return new RequestOptions().setMethod(HttpMethod.GET).setHost(uri.getHost()).setPort(uri.getPort())
                    .setURI(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                    .putHeader("Authorization", "Bearer " + token);
        }).toList();
        long gap = TimeUnit.SECONDS.toNanos(1) / perSecond;
        sender = new Thread(() -> {
            long start = System.nanoTime();
            for (long i = 0; running; i++) {
                long scheduled = start + i * gap;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                client.request(requests.get((int) (i % requests.size()))).compose(request -> request.send())
                        .compose(response -> response.statusCode() == 200 ? response.body()
                                : response.body().transform(body -> io.vertx.core.Future.failedFuture(
                                        "HTTP " + response.statusCode())))
                        .onComplete(result -> record(System.nanoTime() - scheduled, result.failed()));
            }
        }, "steady-load");
        sender.setDaemon(true);
        sender.start();
    }

    private void record(long nanos, boolean failed) {
        synchronized (lock) {
            if (failed) {
                errors++;
                return;
            }
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    /** What completed since the last call (or the start). */
    Interval interval() {
        long[] slice;
        long failed;
        synchronized (lock) {
            slice = Arrays.copyOf(latencies, count);
            failed = errors;
            count = 0;
            errors = 0;
        }
        if (slice.length == 0) {
            return new Interval(0, Double.NaN, Double.NaN, Double.NaN, failed);
        }
        Arrays.sort(slice);
        return new Interval(slice.length, millis(slice, 0.50), millis(slice, 0.99), slice[slice.length - 1] / 1e6,
                failed);
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    @Override
    public void close() throws Exception {
        running = false;
        sender.join(5_000);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
