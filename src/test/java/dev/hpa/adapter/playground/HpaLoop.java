package dev.hpa.adapter.playground;

import dev.hpa.adapter.playground.CustomMetricsClient.MetricsUnavailableException;
import dev.hpa.adapter.testing.HpaFormula;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The HPA controller for one HorizontalPodAutoscaler with a Pods metric and an AverageValue target: every period it
 * lists the target's pods, reads the metric from custom.metrics.k8s.io, computes the replica count with the
 * controller's formula (contract §4.3, {@link HpaFormula}), applies the default behavior ({@link HpaBehavior}) and
 * scales the predictor like a Deployment. On a metrics error it keeps the replica count, as the controller does.
 */
public final class HpaLoop implements AutoCloseable {

    /** The HPA object's fields that matter here. */
    public record Spec(String metric, long targetMilli, int minReplicas, int maxReplicas, Duration period,
            Duration scaleDownWindow) {}

    /**
     * One reconciliation: what the controller saw and did. {@code values} is empty and {@code error} set when the
     * metrics could not be read.
     */
    public record Sync(long atNanos, Map<String, Long> values, Set<String> readyPods, Set<String> unreadyPods,
            int currentReplicas, int metricReplicas, int desiredReplicas, String error) {

        public long sumMilli() {
            return values.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Spec spec;
    private final KubernetesClient client;
    private final CustomMetricsClient metrics;
    private final PredictorPods predictor;
    private final HpaBehavior behavior;
    private final Consumer<Sync> listener;
    private final List<Sync> history = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "hpa-controller");
        thread.setDaemon(true);
        return thread;
    });

    public HpaLoop(Spec spec, KubernetesClient client, CustomMetricsClient metrics, PredictorPods predictor,
            Consumer<Sync> listener) {
        this.spec = spec;
        this.client = client;
        this.metrics = metrics;
        this.predictor = predictor;
        this.behavior = new HpaBehavior(spec.minReplicas(), spec.maxReplicas(), spec.scaleDownWindow());
        this.listener = listener;
    }

    /** Reconciles now and then every period, like the controller's resync. */
    public HpaLoop start() {
        timer.scheduleAtFixedRate(this::syncQuietly, 0, spec.period().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public Spec spec() {
        return spec;
    }

    /** Every reconciliation so far, oldest first. */
    public List<Sync> history() {
        return List.copyOf(history);
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again; the controller keeps going after any error
            System.err.println("hpa: reconciliation failed: " + e);
        }
    }

    Sync sync() {
        long now = System.nanoTime();
        int current = predictor.replicas();
        Set<String> ready = new HashSet<>();
        Set<String> unready = new HashSet<>();
        List<Pod> pods = client.pods().inNamespace(predictor.namespace()).withLabelSelector(predictor.labelSelector())
                .list().getItems();
        for (Pod pod : pods) {
            // groupPods: deleted pods and failed pods are ignored, Pending ones are unready; for custom metrics a
            // Running pod counts as ready even while its Ready condition is False
            if (pod.getMetadata().getDeletionTimestamp() != null || "Failed".equals(pod.getStatus().getPhase())) {
                continue;
            }
            ("Pending".equals(pod.getStatus().getPhase()) ? unready : ready).add(pod.getMetadata().getName());
        }
        Sync sync;
        try {
            Map<String, Long> values = metrics.podValues(predictor.namespace(), spec.metric(),
                    predictor.labelSelector());
            int fromMetrics = HpaFormula.desiredReplicas(values, ready, unready, spec.targetMilli(), current);
            int desired = behavior.normalize(current, fromMetrics, now);
            sync = new Sync(now, values, ready, unready, current, fromMetrics, desired, null);
        } catch (MetricsUnavailableException | IllegalStateException e) {
            sync = new Sync(now, Map.of(), ready, unready, current, current, current, e.getMessage());
        }
        history.add(sync);
        if (sync.desiredReplicas() != current) {
            predictor.scaleTo(sync.desiredReplicas());
        }
        listener.accept(sync);
        return sync;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
