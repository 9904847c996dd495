package dev.hpa.adapter.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * The adapter's Service as the aggregator reaches it through kube-proxy: each new TCP connection goes to one of the
 * endpoints (round robin), and stays with it until one side closes it; a connection open to a pod that left the
 * endpoints is not moved. Endpoints are the replicas whose readiness probe passes, as the endpoints controller and
 * kube-proxy see them: probed every {@code probePeriod}, a change applied {@code lag} later (the propagation from
 * the kubelet's status through the EndpointSlice to kube-proxy's rules). A deleted replica leaves the endpoints the
 * same lag after its deletion, whatever its probe says. With no endpoint, a connection is closed at once, as
 * kube-proxy rejects it.
 */
final class ServiceBalancer implements AutoCloseable {

    private final Duration lag;
    private final HttpClient kubelet;
    private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
    private final ServerSocket listener;
    /** The pods the Service selects now (created, not deleted). */
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    /** Every pod it ever selected, for the count of connections each was sent. */
    private final Map<String, Backend> everSelected = new ConcurrentHashMap<>();
    /** The endpoints as kube-proxy has them now, in order of joining. */
    private final CopyOnWriteArrayList<Backend> endpoints = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();

    ServiceBalancer(SSLContext trust, Duration probePeriod, Duration lag) throws IOException {
        this.lag = lag;
        // HTTP/1.1, as the kubelet's probes
        this.kubelet = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        probes.scheduleWithFixedDelay(this::probeAll, 0, probePeriod.toMillis(), TimeUnit.MILLISECONDS);
        Thread acceptor = new Thread(this::accept, "service-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** A pod the Service selects, on 127.0.0.1:{@code port}; an endpoint once its probe passes. */
    void podCreated(String name, int port) {
        Backend backend = new Backend(name, port);
        everSelected.put(name, backend);
        backends.put(name, backend);
    }

    /** The pod is terminating: the endpoints controller drops it at once; kube-proxy follows after the lag. */
    void podDeleted(String name) {
        Backend backend = backends.remove(name);
        if (backend != null) {
            probes.schedule(() -> endpoints.remove(backend), lag.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    List<String> endpoints() {
        return endpoints.stream().map(Backend::name).toList();
    }

    /** Connections sent to the named pod so far. */
    int connections(String name) {
        Backend backend = everSelected.get(name);
        return backend == null ? 0 : backend.connections.get();
    }

    /** Connections closed at once because the Service had no endpoint. */
    int rejected() {
        return rejected.get();
    }

    @Override
    public void close() throws IOException {
        probes.shutdownNow();
        listener.close();
    }

    private void probeAll() {
        for (Backend backend : backends.values()) {
            boolean ready = probe(backend.port);
            if (ready != backend.probedReady) {
                backend.probedReady = ready;
                probes.schedule(() -> {
                    if (ready && backends.containsKey(backend.name)) {
                        endpoints.addIfAbsent(backend);
                    } else if (!ready) {
                        endpoints.remove(backend);
                    }
                }, lag.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The kubelet's httpGet readiness probe: /readyz over HTTPS, 1 s timeout (the Deployment's is 3 s). */
    private boolean probe(int port) {
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(1)).build();
        try {
            return kubelet.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException closed) {
                return;
            }
            List<Backend> now = endpoints;
            if (now.isEmpty()) {
                rejected.incrementAndGet();
                close(client);
                continue;
            }
            Backend backend = now.get(Math.floorMod(next.getAndIncrement(), now.size()));
            try {
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), backend.port), 1000);
                backend.connections.incrementAndGet();
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException refused) {
                close(client); // the pod's port is closed: the caller sees its connection end
            }
        }
    }

    /** Copies one direction; an end of stream is passed on as a half-close, so a graceful close stays graceful. */
    private static void pump(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
                if (from.isOutputShutdown()) {
                    close(from);
                    close(to);
                }
            } catch (IOException ended) {
                close(from);
                close(to);
            }
        }, "service-pump");
        pump.setDaemon(true);
        pump.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static final class Backend {
        final String name;
        final int port;
        final AtomicInteger connections = new AtomicInteger();
        volatile boolean probedReady;

        Backend(String name, int port) {
            this.name = name;
            this.port = port;
        }

        String name() {
            return name;
        }
    }
}
