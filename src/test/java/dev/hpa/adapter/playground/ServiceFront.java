package dev.hpa.adapter.playground;

import dev.hpa.adapter.testing.Futures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The InferenceService's Service on 127.0.0.1: every request goes to the routable predictor pod with the fewest
 * requests out from here, as Knative's activator balances, and is really served by that pod's model server, so the
 * pods' metrics pages tell the truth. With no routable pod it answers 503, like a Service without endpoints.
 */
public final class ServiceFront implements AutoCloseable {

    /** Connections per pod; above the concurrency any load here reaches, so no request waits in this proxy. */
    private static final int MAX_CONNECTIONS_PER_POD = 1024;
    private static final AtomicInteger NONE = new AtomicInteger();

    private final PredictorPods pods;
    private final HttpServer server;
    private final HttpClient client;
    private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();

    public ServiceFront(Vertx vertx, PredictorPods pods, int port) {
        this.pods = pods;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_POD));
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                .requestHandler(this::forward);
        await(server.listen());
    }

    public int port() {
        return server.actualPort();
    }

    public String predictUrl() {
        return "http://127.0.0.1:" + port() + "/v1/models/" + PredictorPods.MODEL + ":predict";
    }

    private void forward(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            Predictor pod = leastBusy(pods.routable());
            if (pod == null) {
                request.response().setStatusCode(503).end("no ready predictor pod\n");
                return;
            }
            AtomicInteger out = outstanding.computeIfAbsent(pod.name(), name -> new AtomicInteger());
            out.incrementAndGet();
            RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
                    .setPort(pod.server().port()).setURI(request.uri())
                    .putHeader("Content-Type", "application/json");
            client.request(options)
                    .compose(req -> req.send(body))
                    .compose(response -> response.body().map(answer -> {
                        request.response().setStatusCode(response.statusCode())
                                .putHeader("Content-Type", "application/json").end(answer);
                        return answer;
                    }))
                    .onFailure(failure -> request.response().setStatusCode(502).end(failure.getMessage() + "\n"))
                    .onComplete(done -> out.decrementAndGet());
        });
    }

    private Predictor leastBusy(List<Predictor> candidates) {
        return candidates.stream()
                .min(Comparator.comparingInt(pod -> outstanding.getOrDefault(pod.name(), NONE).get()))
                .orElse(null);
    }

    @Override
    public void close() {
        await(server.close());
        await(client.close());
    }

    private static <T> T await(Future<T> future) {
        return Futures.await(future, "service front");
    }
}
