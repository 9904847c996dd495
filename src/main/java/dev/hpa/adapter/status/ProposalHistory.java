package dev.hpa.adapter.status;

import dev.hpa.adapter.api.ApiException;
import dev.hpa.adapter.api.ApiVersion;
import dev.hpa.adapter.explain.Explanation;
import dev.hpa.adapter.explain.HpaExplainer;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodIndex;
import dev.hpa.adapter.pods.PodKey;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The HPAs' replica proposals over time, for the status page: the explain replay ({@link HpaExplainer}) of each
 * HPA that reads an InferenceService's pods, every {@value #SAMPLE_MILLIS} ms, the last {@value #POINTS} kept.
 *
 * <p>Only while someone looks: an InferenceService is replayed from its page's first view until
 * {@value #WATCHED_FOR_MILLIS} ms after its last one. A replay reads the namespace's HPAs and each one's scale
 * and pods from the API; doing that for every HPA of a cluster every few seconds, for a page nobody opens,
 * would load kube-apiserver for nothing. At most {@value #MAX_TRACKED} InferenceServices are followed at once
 * (the one viewed longest ago makes room), and at most {@value #MAX_HPAS} HPAs per namespace are replayed.
 */
@ApplicationScoped
public class ProposalHistory {

    static final long SAMPLE_MILLIS = 5_000;
    /** Two minutes at one point per sample. */
    static final int POINTS = 24;
    static final long WATCHED_FOR_MILLIS = 10 * 60_000;
    static final int MAX_TRACKED = 20;
    static final int MAX_HPAS = 10;
    private static final Logger LOG = Logger.getLogger(ProposalHistory.class);

    public record Key(String namespace, String inferenceService) {}

    /**
     * One replay.
     *
     * @param current  the scale's replicas the controller starts from
     * @param replicas what the HPA will ask for
     */
    public record Point(long atMillis, int current, int replicas) {}

    /** One HPA of the InferenceService: its points, oldest first, and its latest replay (or why there is none). */
    public record Hpa(String name, List<Point> points, Explanation latest, String error) {}

    /**
     * @param skipped HPAs of the namespace not replayed (over {@link #MAX_HPAS})
     */
    public record Snapshot(List<Hpa> hpas, int skipped) {}

    private final KubernetesClient client;
    private final HpaExplainer explainer;
    private final PodIndex pods;
    private final Clock clock;
    private final Vertx vertx;
    private final Map<Key, Tracked> tracked = new ConcurrentHashMap<>();
    private final AtomicBoolean sampling = new AtomicBoolean();
    private long timer = -1;

    public ProposalHistory(KubernetesClient client, HpaExplainer explainer, PodIndex pods, Clock clock, Vertx vertx) {
        this.client = client;
        this.explainer = explainer;
        this.pods = pods;
        this.clock = clock;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent start) {
        timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> {
            if (!tracked.isEmpty() && sampling.compareAndSet(false, true)) {
                vertx.executeBlocking(() -> {
                    try {
                        sampleAll();
                    } finally {
                        sampling.set(false);
                    }
                    return null;
                }, false);
            }
        });
    }

    void stop(@Observes ShutdownEvent stop) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The proposals of {@code key}'s HPAs; its first view replays them at once, blocking, so it is never empty. */
    public Snapshot viewed(Key key) {
        long now = clock.millis();
        Tracked t = tracked.get(key);
        if (t == null) {
            makeRoom();
            t = tracked.computeIfAbsent(key, k -> new Tracked());
        }
        t.lastViewed = now;
        if (t.sampledAt == Long.MIN_VALUE) {
            sample(key, t);
        }
        return t.snapshot();
    }

    /** Stops following {@code key}: a name nothing answers to must not be replayed for ten minutes. */
    public void forget(Key key) {
        tracked.remove(key);
    }

    private void makeRoom() {
        while (tracked.size() >= MAX_TRACKED) {
            tracked.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().lastViewed))
                    .ifPresent(e -> tracked.remove(e.getKey()));
        }
    }

    void sampleAll() {
        long now = clock.millis();
        tracked.entrySet().removeIf(e -> now - e.getValue().lastViewed > WATCHED_FOR_MILLIS);
        tracked.forEach(this::sample);
    }

    private void sample(Key key, Tracked t) {
        List<HorizontalPodAutoscaler> hpas;
        try {
            hpas = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(key.namespace()).list().getItems()
                    .stream().filter(ProposalHistory::asksCustomMetrics)
                    .sorted(Comparator.comparing(h -> h.getMetadata().getName())).toList();
        } catch (KubernetesClientException e) {
            t.failed("the adapter cannot list the HPAs of namespace " + key.namespace() + " (HTTP " + e.getCode()
                    + "): check its RBAC (list on horizontalpodautoscalers.autoscaling)");
            LOG.debugf("Status page: listing HPAs in %s failed: %s", key.namespace(), e.getMessage());
            return;
        }
        long now = clock.millis();
        Map<String, Object> replays = new LinkedHashMap<>();
        for (HorizontalPodAutoscaler hpa : hpas.subList(0, Math.min(MAX_HPAS, hpas.size()))) {
            String name = hpa.getMetadata().getName();
            try {
                Explanation explanation = explainer.explain(ApiVersion.V1BETA2.groupVersion(), hpa);
                if (belongsTo(explanation, key)) {
                    replays.put(name, explanation);
                }
            } catch (ApiException | KubernetesClientException e) {
                // Cannot tell whose pods it reads; KServe's own name for the predictor's HPA says it all the same.
                if (hpa.getSpec().getScaleTargetRef() != null && Objects.equals(
                        hpa.getSpec().getScaleTargetRef().getName(), key.inferenceService() + "-predictor")) {
                    replays.put(name, e.getMessage());
                }
            }
        }
        t.record(now, replays, Math.max(0, hpas.size() - MAX_HPAS));
    }

    /** Whether the HPA reads the InferenceService: as an Object metric, or through the pods it selects. */
    private boolean belongsTo(Explanation explanation, Key key) {
        for (Explanation.Metric m : explanation.metrics()) {
            if (("InferenceService/" + key.inferenceService()).equals(m.describedObject())) {
                return true;
            }
            if (m.pods() == null) {
                continue;
            }
            var grouped = m.pods();
            boolean ours = Stream.of(grouped.ready().stream().map(Explanation.ReadyPod::name),
                    grouped.unready().stream().map(Explanation.LeftOutPod::name),
                    grouped.missing().stream().map(Explanation.LeftOutPod::name),
                    grouped.ignored().stream().map(Explanation.LeftOutPod::name)).flatMap(s -> s).anyMatch(pod -> {
                        InferencePod watched = pods.get(new PodKey(key.namespace(), pod));
                        return watched != null && key.inferenceService().equals(watched.inferenceService());
                    });
            if (ours) {
                return true;
            }
        }
        return false;
    }

    /** Pods and Object metrics are the ones the HPA reads from custom.metrics.k8s.io. */
    private static boolean asksCustomMetrics(HorizontalPodAutoscaler hpa) {
        return hpa.getSpec() != null && hpa.getSpec().getMetrics() != null && hpa.getSpec().getMetrics().stream()
                .anyMatch(m -> "Pods".equals(m.getType()) || "Object".equals(m.getType()));
    }

    /** One followed InferenceService. */
    private static final class Tracked {
        volatile long lastViewed;
        volatile long sampledAt = Long.MIN_VALUE;
        private final Map<String, Deque<Point>> points = new LinkedHashMap<>();
        private final Map<String, Object> latest = new LinkedHashMap<>();
        private int skipped;
        private String failure;

        /** {@code replays}: HPA name → its Explanation, or the error that kept it from being replayed. */
        synchronized void record(long now, Map<String, Object> replays, int skipped) {
            sampledAt = now;
            failure = null;
            this.skipped = skipped;
            points.keySet().retainAll(replays.keySet());
            latest.clear();
            latest.putAll(replays);
            replays.forEach((name, replay) -> {
                if (replay instanceof Explanation e) {
                    Deque<Point> line = points.computeIfAbsent(name, n -> new ArrayDeque<>());
                    line.addLast(new Point(now, e.hpa().currentReplicas(), e.decision().replicas()));
                    while (line.size() > POINTS) {
                        line.removeFirst();
                    }
                }
            });
        }

        synchronized void failed(String why) {
            sampledAt = Math.max(sampledAt, 0);
            failure = why;
        }

        synchronized Snapshot snapshot() {
            List<Hpa> hpas = new ArrayList<>();
            if (failure != null) {
                hpas.add(new Hpa("", List.of(), null, failure));
            }
            latest.forEach((name, replay) -> hpas.add(new Hpa(name,
                    List.copyOf(points.getOrDefault(name, new ArrayDeque<>())),
                    replay instanceof Explanation e ? e : null, replay instanceof String s ? s : null)));
            return new Snapshot(hpas, skipped);
        }
    }
}
