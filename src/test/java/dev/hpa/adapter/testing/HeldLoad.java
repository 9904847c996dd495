package dev.hpa.adapter.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps N requests in flight against one URL: N loops, each sending a request, awaiting its answer and
 * sending the next at once. A closed loop like this holds the server's concurrency at N whatever its
 * service time, which is the quantity the adapter must report.
 */
public final class HeldLoad implements AutoCloseable {
    /**
     * The most loops one load runs. The connection pool has this many slots: it must be ≥ N, or requests
     * would wait in the client and the server would see fewer than N; connections open lazily, so the
     * large cap costs nothing.
     */
    public static final int MAX_CONCURRENCY = 1024;
    private static final Buffer BODY = Buffer.buffer("{\"instances\":[[6.8,2.8,4.8,1.4]]}");
    private static final long RETRY_MILLIS = 50;

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final HttpClient client;
    private final RequestOptions request;
    /** All loop state below is touched only on this context's thread, so it needs no locks. */
    private final Context context;
    private final BitSet running = new BitSet(); // loops with a request out or a (re)start pending
    private final BitSet pausing = new BitSet(); // loops started by the last start/resize that have not yet paused
    private volatile Instant inStep;
    private int target;
    private boolean closed;
    private volatile int targetView;
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /** A load on its own Vert.x instance, closed with the load. */
    public HeldLoad(String url) {
        this(Vertx.vertx(), true, url);
    }

    /** A load on a shared Vert.x instance, which the caller closes. */
    public HeldLoad(Vertx vertx, String url) {
        this(vertx, false, url);
    }

    private HeldLoad(Vertx vertx, boolean ownsVertx, String url) {
        URI uri = URI.create(url);
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.context = vertx.getOrCreateContext();
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(MAX_CONCURRENCY));
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        this.request = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost())
                .setPort(uri.getPort()).setURI(path).putHeader("Content-Type", "application/json");
    }

    /** Starts n loops at once. */
    public HeldLoad start(int n) {
        return start(n, Duration.ZERO);
    }

    /**
     * Starts n loops; after its first answer, loop k pauses once for k × spread / n. With a fixed service time,
     * loops that started together (and the first requests all wait for connections, so they do) answer in
     * lockstep waves, and a counter read over a short window sees a whole wave or none. Spreading their phases
     * over one service time makes completions steady; the pause is taken after the first answer because only
     * then are the connections open.
     */
    public HeldLoad start(int n, Duration spread) {
        setTarget(n, spread);
        return this;
    }

    /**
     * Changes the number of loops. New loops start at once; surplus loops stop after their current answer,
     * so the server's in-flight count falls within one service time.
     */
    public void resize(int n) {
        setTarget(n, Duration.ZERO);
    }

    /** The number of loops asked for. */
    public int target() {
        return targetView;
    }

    /**
     * When every loop of the last {@link #start} or {@link #resize} had taken its one pause, from which on the
     * server holds n requests; empty before. Until then a spread load holds fewer (1 of n just after the first
     * answers), so a test that reads an average waits for this and then for its window.
     */
    public Optional<Instant> inStep() {
        return Optional.ofNullable(inStep);
    }

    /** Answers with status 200 received so far. */
    public long answers() {
        return answers.get();
    }

    /** Requests that failed (connection refused or reset, non-200 status) so far. */
    public long failures() {
        return failures.get();
    }

    /** Stops all loops; requests still out are dropped with the client's connections. */
    @Override
    public void close() {
        await(Future.<Void>future(promise -> context.runOnContext(v -> {
            closed = true;
            targetView = 0;
            promise.complete();
        })));
        await(client.close());
        if (ownsVertx) {
            await(vertx.close());
        }
    }

    private void setTarget(int n, Duration spread) {
        if (n < 0 || n > MAX_CONCURRENCY) {
            throw new IllegalArgumentException("n = " + n + ", must be in [0, " + MAX_CONCURRENCY + "]");
        }
        inStep = null; // at once, so that a caller never reads the previous start's
        context.runOnContext(v -> {
            target = n;
            targetView = n;
            pausing.clear();
            for (int loop = 0; loop < n; loop++) {
                launch(loop, spread.toMillis() * loop / n);
            }
            if (pausing.isEmpty()) {
                inStep = Instant.now(); // nothing new to pause: the loops still out carry on in step
            }
        });
    }

    private void launch(int loop, long phaseMillis) {
        if (running.get(loop)) {
            return; // still out from before a shrink; it carries on as this loop
        }
        running.set(loop);
        pausing.set(loop);
        send(loop, phaseMillis);
    }

    /** Sends the loop's next request; after its answer, waits {@code pauseMillis} once, then goes on at once. */
    private void send(int loop, long pauseMillis) {
        if (closed || loop >= target) {
            running.clear(loop);
            return;
        }
        client.request(request)
                .compose(req -> req.send(BODY))
                .compose(HeldLoad::bodyIfOk)
                .onComplete(result -> {
                    if (result.succeeded()) {
                        answers.incrementAndGet();
                        after(pauseMillis, () -> {
                            paused(loop);
                            send(loop, 0);
                        });
                    } else {
                        failures.incrementAndGet();
                        // pause before retrying so a dead server is not spun against
                        after(RETRY_MILLIS, () -> send(loop, pauseMillis));
                    }
                });
    }

    private void paused(int loop) {
        if (pausing.get(loop)) {
            pausing.clear(loop);
            if (pausing.isEmpty()) {
                inStep = Instant.now();
            }
        }
    }

    private void after(long millis, Runnable action) {
        if (millis > 0) {
            vertx.setTimer(millis, id -> action.run());
        } else {
            action.run();
        }
    }

    private static Future<Buffer> bodyIfOk(HttpClientResponse response) {
        if (response.statusCode() != 200) {
            return response.body().compose(b -> Future.failedFuture("status " + response.statusCode()));
        }
        return response.body();
    }

    private static <T> T await(Future<T> future) {
        return Futures.await(future, "held load");
    }
}
