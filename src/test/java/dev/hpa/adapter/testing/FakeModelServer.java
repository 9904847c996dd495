package dev.hpa.adapter.testing;

import io.netty.channel.ChannelOption;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A real HTTP server on 127.0.0.1 standing in for one model-server pod: it holds predict requests for the
 * service time, knows its exact in-flight history, and serves its true state on a metrics page in one
 * server's format. Switches make it misbehave the ways real pods do. All settings may change while it runs.
 *
 * <pre>{@code
 * try (FakeModelServer pod = FakeModelServer.start(Format.TORCHSERVE).serviceTime(Duration.ofMillis(200));
 *      HeldLoad load = new HeldLoad(pod.predictUrl()).start(20)) { ... pod.averageInFlight(from, to) ... }
 * }</pre>
 */
public final class FakeModelServer implements AutoCloseable {

    /** The metrics page formats of the servers a KServe pod runs. */
    public enum Format {
        TORCHSERVE, VLLM, TRITON, TGI, KSERVE_PYTHON, OTEL_HTTP,
        /** Knative ≥1.6 queue-proxy :9090: a protobuf Stat, whatever the Accept header says. */
        QUEUE_PROXY,
        /** Knative ≤1.5 queue-proxy :9090: text gauges, or the protobuf Stat if Accept asks for it. */
        KNATIVE_LEGACY_TEXT,
        /** Knative ≤1.18 queue-proxy :9091 user metrics (OpenCensus), which only the prometheus source reads. */
        KNATIVE_USER_OPENCENSUS,
        /** Knative ≥1.19 queue-proxy :9091 user metrics (OpenTelemetry), which only the prometheus source reads. */
        KNATIVE_USER_OTEL
    }

    private static final Pattern PREDICT = Pattern.compile("/v1/models/[^/:]+:predict");
    private static final String PREDICTION = "{\"predictions\":[1]}";

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final HttpServer server;
    private final long startNanos = System.nanoTime();
    private final double startEpochSeconds = System.currentTimeMillis() / 1e3;
    private final Ledger ledger = new Ledger(startNanos);
    private final RequestStats requestStats = new RequestStats(ledger, startNanos);
    private final long reportTimer;
    private final AtomicInteger metricsRequests = new AtomicInteger();
    private volatile String lastMetricsAccept;

    // Settings: volatile because tests change them while the event loop reads them.
    private volatile Format format;
    private volatile Duration serviceTime = Duration.ofMillis(100);
    private volatile String metricsPath = "/metrics";
    private volatile String modelName = "model";
    private volatile String podName;
    private volatile Duration metricsDelay = Duration.ZERO;
    private volatile int metricsStatus = 200;
    private volatile boolean garbage;
    private volatile int hugeBody;
    private volatile boolean closeConnections;
    private volatile Responder responder;

    private FakeModelServer(Vertx vertx, boolean ownsVertx, Format format) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.format = format;
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(this::handle);
        await(server.listen());
        this.podName = "fake-pod-" + port();
        // queue-proxy reports every second whether anyone scrapes or not; checking 20 times a second publishes
        // each second's Stat promptly even when a busy event loop makes timers late
        this.reportTimer = vertx.setPeriodic(50, id -> requestStats.report(System.nanoTime()));
    }

    /** Starts a server on its own Vert.x instance, closed with the server. */
    public static FakeModelServer start(Format format) {
        return new FakeModelServer(Vertx.vertx(), true, format);
    }

    /** Starts a server on a shared Vert.x instance, which the caller closes. */
    public static FakeModelServer start(Vertx vertx, Format format) {
        return new FakeModelServer(vertx, false, format);
    }

    // ---- where it is

    public int port() {
        return server.actualPort();
    }

    public String predictUrl() {
        return "http://127.0.0.1:" + port() + "/v1/models/" + modelName + ":predict";
    }

    public String metricsUrl() {
        return "http://127.0.0.1:" + port() + metricsPath;
    }

    // ---- ground truth

    /** {@link System#nanoTime()} when the server started; queue-proxy's process_uptime counts from here. */
    public long startNanos() {
        return startNanos;
    }

    /** Requests held right now. */
    public int inFlight() {
        return ledger.inFlight();
    }

    /** Requests answered so far. */
    public long completed() {
        return ledger.completed();
    }

    /** Requests received so far. */
    public long arrivals() {
        return ledger.arrivals();
    }

    /**
     * The exact time-weighted average of in-flight requests over [from, to] ({@link System#nanoTime()} values;
     * {@code to} must not be in the future).
     */
    public double averageInFlight(long fromNanos, long toNanos) {
        return ledger.averageInFlight(fromNanos, toNanos);
    }

    /**
     * {min, max} of in-flight over [from, to]: a gauge read from a page written at some instant of that
     * interval must lie in it.
     */
    public int[] inFlightRange(long fromNanos, long toNanos) {
        return ledger.inFlightRange(fromNanos, toNanos);
    }

    /** Requests that arrived within (from, to] ({@link System#nanoTime()} values): the true request rate. */
    public long arrivals(long fromNanos, long toNanos) {
        return ledger.arrivals(fromNanos, toNanos);
    }

    /** How many times the metrics path was requested (including the ones answered with failures). */
    public int metricsRequests() {
        return metricsRequests.get();
    }

    /** The Accept header of the latest metrics request, or null if it had none (or there was none). */
    public String lastMetricsAccept() {
        return lastMetricsAccept;
    }

    // ---- settings

    public Format format() {
        return format;
    }

    public FakeModelServer format(Format format) {
        this.format = format;
        return this;
    }

    /** How long each predict request is held; applies to requests arriving from now on. */
    public FakeModelServer serviceTime(Duration serviceTime) {
        this.serviceTime = serviceTime;
        return this;
    }

    /** In-flight beyond this counts as waiting (vLLM/TGI/Triton queue gauges, queue-latency counters); default 8. */
    public FakeModelServer maxBatch(int maxBatch) {
        ledger.maxBatch(maxBatch);
        return this;
    }

    public FakeModelServer metricsPath(String metricsPath) {
        this.metricsPath = metricsPath;
        return this;
    }

    /** The model_name in labels and in {@link #predictUrl()}; predict requests for any model are served. */
    public FakeModelServer modelName(String modelName) {
        this.modelName = modelName;
        return this;
    }

    /** The pod name in the queue-proxy Stat, Knative labels and TorchServe's hostname label. */
    public FakeModelServer podName(String podName) {
        this.podName = podName;
        return this;
    }

    // ---- misbehaviour

    /** A slow pod: metrics answers start this late (the page shows the state at answer time). */
    public FakeModelServer metricsDelay(Duration delay) {
        this.metricsDelay = delay;
        return this;
    }

    /** Answer metrics requests with this status and no page (e.g. 500); 200 restores pages. */
    public FakeModelServer metricsStatus(int status) {
        this.metricsStatus = status;
        return this;
    }

    /** A malformed page: the samples the adapter wants get the value {@code abc}; protobuf is cut short. */
    public FakeModelServer garbage(boolean garbage) {
        this.garbage = garbage;
        return this;
    }

    /** Pads each page with this many bytes of valid filler, streamed in chunks; 0 turns it off. */
    public FakeModelServer hugeBody(int bytes) {
        this.hugeBody = bytes;
        return this;
    }

    /** Reset (TCP RST) the connection of every metrics request instead of answering. */
    public FakeModelServer closeConnections(boolean close) {
        this.closeConnections = close;
        return this;
    }

    /**
     * Answers metrics requests with {@code responder} instead of the page: the misbehaviours no switch above
     * covers (a NaN page, a gzip bomb, a trickle, a redirect, a hang); null restores pages.
     */
    public FakeModelServer metricsResponder(Responder responder) {
        this.responder = responder;
        return this;
    }

    /** Writes a metrics answer its own way; runs on the server's event loop, which it must not block. */
    @FunctionalInterface
    public interface Responder {
        void respond(HttpServerRequest request, Vertx vertx);
    }

    /** Turns every misbehaviour switch off. */
    public FakeModelServer behaveNormally() {
        return metricsDelay(Duration.ZERO).metricsStatus(200).garbage(false).hugeBody(0).closeConnections(false)
                .metricsResponder(null);
    }

    @Override
    public void close() {
        vertx.cancelTimer(reportTimer);
        await(server.close());
        if (ownsVertx) {
            await(vertx.close());
        }
    }

    // ---- HTTP

    private void handle(HttpServerRequest request) {
        String path = request.path();
        boolean predictMethod = request.method() == HttpMethod.POST || request.method() == HttpMethod.GET;
        if (path.equals(metricsPath)) {
            scrape(request);
        } else if (predictMethod && PREDICT.matcher(path).matches()) {
            predict(request);
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    private void predict(HttpServerRequest request) {
        long arrived = ledger.arrive();
        long holdMillis = serviceTime.toMillis();
        if (holdMillis <= 0) {
            answer(request, arrived);
        } else {
            vertx.setTimer(holdMillis, id -> answer(request, arrived));
        }
    }

    private void answer(HttpServerRequest request, long arrived) {
        // Counted before the answer is written, so a client's next request can never overlap this one in the ledger.
        ledger.complete(arrived);
        request.response().putHeader("Content-Type", "application/json").end(PREDICTION);
    }

    private void scrape(HttpServerRequest request) {
        metricsRequests.incrementAndGet();
        lastMetricsAccept = request.getHeader("Accept");
        if (closeConnections) {
            reset(request.connection());
            return;
        }
        Responder own = responder;
        if (own != null) {
            own.respond(request, vertx);
            return;
        }
        long delayMillis = metricsDelay.toMillis();
        if (delayMillis > 0) {
            vertx.setTimer(delayMillis, id -> respond(request));
        } else {
            respond(request);
        }
    }

    private void respond(HttpServerRequest request) {
        HttpServerResponse response = request.response();
        int status = metricsStatus;
        if (status != 200) {
            response.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end("metrics unavailable\n");
            return;
        }
        PageContext context = new PageContext(modelName, podName, startEpochSeconds, false, garbage);
        Page page = MetricsPages.render(format, request.getHeader("Accept"), ledger.snapshot(), requestStats.last(),
                context, port());
        response.putHeader("Content-Type", page.kind().contentType);
        int padding = hugeBody;
        if (padding <= 0) {
            response.end(Buffer.buffer(page.body()));
            return;
        }
        response.setChunked(true);
        new Padding(page.kind(), padding).writeTo(response, () -> response.end(Buffer.buffer(page.body())));
    }

    /** Drops the connection with a TCP RST (SO_LINGER 0), as a crashing pod does; a FIN would be an orderly close. */
    private static void reset(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) { // Vert.x internals: the only way to reach the socket
            base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            base.channel().close();
        } else {
            connection.close();
        }
    }

    private static <T> T await(Future<T> future) {
        return Futures.await(future, "fake model server");
    }
}
