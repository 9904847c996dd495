package dev.hpa.adapter.playground;

import dev.hpa.adapter.testing.FakeModelServer;

/**
 * One predictor pod: its name in the Kubernetes API and the local model server that stands in for its container.
 * It takes traffic only while ready and not terminating, as a Service's endpoints do.
 */
public final class Predictor {

    private final String name;
    private final FakeModelServer server;
    private final long createdNanos = System.nanoTime();
    private volatile boolean ready;
    private volatile boolean terminating;

    Predictor(String name, FakeModelServer server) {
        this.name = name;
        this.server = server;
    }

    public String name() {
        return name;
    }

    public FakeModelServer server() {
        return server;
    }

    long createdNanos() {
        return createdNanos;
    }

    public boolean ready() {
        return ready;
    }

    void markReady() {
        ready = true;
    }

    boolean terminating() {
        return terminating;
    }

    void markTerminating() {
        terminating = true;
    }

    /** In the Service's endpoints: ready and not being deleted. */
    public boolean routable() {
        return ready && !terminating;
    }
}
