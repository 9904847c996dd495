package dev.hpa.adapter.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.concurrent.atomic.LongAdder;

/**
 * The model servers: Vert.x serving the golden pages from memory on every 127.0.0.x address at once (one
 * listener on 0.0.0.0 per format, so 10,000 "pods" cost 3 sockets, not 10,000). It runs in the harness JVM, away
 * from the adapter and Prometheus, whose CPU is what we measure; it counts the scrapes it answers per client.
 *
 * <ul>
 *   <li>{@link #torchserve}: {@code torchserve.prom} (3.8 KB, Little's law on counters)
 *   <li>{@link #vllm}: {@code vllm.prom} (7.5 KB, in-flight gauges: running 12 + waiting 3 = 15)
 *   <li>{@link #live}: {@code vllm.prom} with {@code running} set by {@link #setRunning} and waiting 0
 *   <li>{@link #waves}, {@link #smooth}: a TorchServe page whose busy counter says exactly 20 in flight, written
 *       at the moment of each answer: in waves (20 requests of 200 ms ending together, so the counter steps by 4 s
 *       every 200 ms, as a starved client makes them), or smoothly (the counter grows 20 s per second)
 * </ul>
 */
final class Fleet implements AutoCloseable {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    final int torchserve;
    final int vllm;
    final int live;
    final int waves;
    final int smooth;
    final LongAdder adapterScrapes = new LongAdder();
    final LongAdder prometheusScrapes = new LongAdder();
    private final Vertx vertx;
    private final Buffer torchservePage = Buffer.buffer(page("torchserve.prom"));
    private final Buffer vllmPage = Buffer.buffer(page("vllm.prom"));
    private final String liveTemplate;
    private volatile Buffer livePage;

    Fleet() throws Exception {
        liveTemplate = new String(page("vllm.prom"), StandardCharsets.UTF_8)
                .replaceFirst("(?m)^(vllm:num_requests_running\\{[^}]*\\}) [0-9.]+$", "$1 %RUNNING%")
                .replaceFirst("(?m)^(vllm:num_requests_waiting\\{[^}]*\\}) [0-9.]+$", "$1 0.0");
        setRunning(0);
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        torchserve = freePort();
        vllm = freePort();
        live = freePort();
        waves = freePort();
        smooth = freePort();
        // Two instances per port: Vert.x spreads one port's connections over both event loops.
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                Future.all(List.of(listen(torchserve, () -> torchservePage), listen(vllm, () -> vllmPage),
                        listen(live, () -> livePage), listen(waves, () -> busyPage(true)),
                        listen(smooth, () -> busyPage(false)))).<Void>mapEmpty().onComplete(started);
            }

            private Future<HttpServer> listen(int port, Supplier<Buffer> page) {
                return vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(0)).requestHandler(request -> {
                    String agent = request.getHeader("User-Agent");
                    if (agent != null && agent.startsWith("Prometheus")) {
                        prometheusScrapes.increment();
                    } else {
                        adapterScrapes.increment();
                    }
                    request.response().putHeader("Content-Type", CONTENT_TYPE).end(page.get());
                }).listen(port, "0.0.0.0");
            }
        }, new DeploymentOptions().setInstances(2)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** In flight on the {@link #waves} and {@link #smooth} pages, at every moment. */
    static final int BUSY_IN_FLIGHT = 20;
    private static final long WAVE_NANOS = 200_000_000;
    private final long busySince = System.nanoTime();

    private Buffer busyPage(boolean inWaves) {
        long elapsed = System.nanoTime() - busySince;
        long requests = BUSY_IN_FLIGHT * (elapsed / WAVE_NANOS);
        double busyMicros = inWaves ? requests * (WAVE_NANOS / 1e3) : BUSY_IN_FLIGHT * (elapsed / 1e3);
        return Buffer.buffer(String.format(java.util.Locale.ROOT, """
                # HELP ts_inference_latency_microseconds Cumulative inference duration in microseconds
                # TYPE ts_inference_latency_microseconds counter
                ts_inference_latency_microseconds{model_name="m",model_version="default",} %.1f
                # HELP ts_inference_requests_total Total number of inference requests.
                # TYPE ts_inference_requests_total counter
                ts_inference_requests_total{model_name="m",model_version="default",} %d
                """, busyMicros, requests));
    }

    /** The in-flight requests the live page reports from now on. */
    void setRunning(int running) {
        livePage = Buffer.buffer(liveTemplate.replace("%RUNNING%", running + ".0"));
    }

    static byte[] page(String name) {
        try (InputStream in = Fleet.class.getResourceAsStream("/pages/" + name)) {
            if (in == null) {
                throw new IllegalStateException("pages/" + name + " is not on the class path (bench profile)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
