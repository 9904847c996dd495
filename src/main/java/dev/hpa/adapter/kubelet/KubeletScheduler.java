package dev.hpa.adapter.kubelet;

import dev.hpa.adapter.config.AdapterConfig;
import dev.hpa.adapter.pods.InferencePod;
import dev.hpa.adapter.pods.PodChange;
import dev.hpa.adapter.pods.PodKey;
import dev.hpa.adapter.scrape.MetricsFormatException;
import dev.hpa.adapter.scrape.Page;
import dev.hpa.adapter.scrape.ScrapeFailure;
import dev.hpa.adapter.window.CpuReading;
import dev.hpa.adapter.window.CpuStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reads the kubelet of every node that runs a ready watched pod, once per {@code adapter.kubelet.interval}, and
 * records each of those pods' CPU. One timer per node with a random phase; a node whose kubelet is down, slow,
 * refuses us or serves garbage fails for its own pods only, and says so in their answers.
 */
@Startup
@ApplicationScoped
public class KubeletScheduler {

    private static final Logger LOG = Logger.getLogger(KubeletScheduler.class);

    private final Vertx vertx;
    private final CpuStore store;
    private final Clock clock;
    private final NodeWatcher nodes;
    private final KubeletClient client;
    private final long intervalMillis;
    /** The ready watched pods on each node: the nodes worth reading, and the pods to record from each read. */
    private final Map<String, Set<PodKey>> podsByNode = new ConcurrentHashMap<>();
    private final Map<PodKey, String> nodeOfPod = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Counter successes;
    private final Counter skippedOverlap;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Timer duration;
    /**
     * Off in prometheus mode, where CPU comes from the engine's cAdvisor series, unless metrics.k8s.io is served:
     * {@code kubectl top} shows the kubelet's own last two samples, as metrics-server would.
     */
    private final boolean reading;

    public KubeletScheduler(Vertx vertx, CpuStore store, Clock clock, AdapterConfig config, NodeWatcher nodes,
            KubernetesClient kubernetes, MeterRegistry registry) {
        this.vertx = vertx;
        this.store = store;
        this.clock = clock;
        this.nodes = nodes;
        this.registry = registry;
        this.intervalMillis = config.kubelet().interval().toMillis();
        this.reading = config.readsKubelets();
        this.client = new KubeletClient(vertx, clock, config, kubernetes.getConfiguration(),
                Path.of(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH));
        successes = reads("success");
        skippedOverlap = reads("skipped_overlap");
        duration = Timer.builder("adapter.kubelet.scrape.duration")
                .description("Time to fetch and read one kubelet's /metrics/resource").register(registry);
        Gauge.builder("adapter.kubelet.nodes.scraped", targets, Map::size)
                .description("Nodes whose kubelet is read, those running a ready watched pod").register(registry);
    }

    private Counter reads(String outcome) {
        return Counter.builder("adapter.kubelet.scrapes").description("Kubelet reads by outcome")
                .tag("outcome", outcome).register(registry);
    }

    synchronized void onPodChange(@Observes PodChange change) {
        if (!reading) {
            return;
        }
        InferencePod pod = change.pod();
        String node = pod != null && pod.ready() ? pod.nodeName() : null;
        String previous = node == null ? nodeOfPod.remove(change.key()) : nodeOfPod.put(change.key(), node);
        if (Objects.equals(previous, node)) {
            return;
        }
        if (previous != null) {
            Set<PodKey> left = podsByNode.get(previous);
            if (left != null && left.remove(change.key()) && left.isEmpty()) {
                podsByNode.remove(previous);
                stop(previous);
            }
        }
        // Stopped being ready, moved or gone: its CPU must not come back if it returns later.
        store.forget(change.key());
        if (node != null) {
            podsByNode.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(change.key());
            startIfKnown(node);
        }
    }

    synchronized void onNodeChange(@Observes NodeChange change) {
        stop(change.name());
        if (change.node() != null && podsByNode.containsKey(change.name())) {
            startIfKnown(change.name());
        }
    }

    private void startIfKnown(String name) {
        KubeletNode node = nodes.get(name);
        if (targets.containsKey(name) || node == null) {
            return; // already read, or the node is not known yet: its NodeChange starts it
        }
        if (node.address() == null) {
            failPods(name, "node " + name + " has no InternalIP, ExternalIP or Hostname address to reach its kubelet");
            return;
        }
        Target target = new Target(node);
        targets.put(name, target);
        long phase = 1 + ThreadLocalRandom.current().nextLong(intervalMillis);
        target.timer = vertx.setPeriodic(phase, intervalMillis, id -> tick(target));
    }

    private void stop(String name) {
        Target target = targets.remove(name);
        if (target != null) {
            vertx.cancelTimer(target.timer);
        }
        store.forgetNode(name);
    }

    private void tick(Target target) {
        if (target.busy) {
            skippedOverlap.increment();
            return;
        }
        target.busy = true;
        long started = System.nanoTime();
        client.fetch(target.node).onComplete(done -> {
            target.busy = false;
            duration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (targets.get(target.node.name()) != target) {
                return; // the node went away, or its kubelet moved, while we were reading it
            }
            if (done.failed()) {
                ScrapeFailure failure = (ScrapeFailure) done.cause();
                failed(target, failure.reason().tag(), explain(target.node, failure));
                return;
            }
            Page page = done.result();
            try {
                record(target, ResourceMetricsPage.parse(page.body(), page.length(), clock.millis()));
            } catch (MetricsFormatException e) {
                failed(target, ScrapeFailure.Reason.BAD_PAGE.tag(),
                        "kubelet " + target.node.name() + " (" + target.node.where() + ") served a page we cannot "
                                + "read: " + e.getMessage());
            }
        });
    }

    private void record(Target target, ResourceMetricsPage page) {
        String name = target.node.name();
        for (PodKey pod : podsByNode.getOrDefault(name, Set.of())) {
            CpuReading reading = page.pod(pod);
            if (reading == null) {
                // A pod that just started has no stats until the kubelet's next housekeeping.
                String problem = page.problem(pod);
                store.recordFailure(pod, "the kubelet of node " + name + (problem == null
                        ? " reports no CPU for it yet" : " reports numbers for it we cannot serve: " + problem));
            } else {
                store.record(pod, reading);
            }
        }
        if (page.nodeCpu() != null) {
            store.recordNode(name, clock.millis(), page.nodeCpu(), page.nodeMemory());
        }
        successes.increment();
        if (target.lastFailure != null) {
            LOG.infof("Reading the kubelet of node %s works again", name);
            target.lastFailure = null;
        }
    }

    private void failed(Target target, String reason, String message) {
        failures.computeIfAbsent(reason, this::reads).increment();
        failPods(target.node.name(), message);
        store.recordNodeFailure(target.node.name(), message);
        // Once per change of state, not once per interval per broken node.
        if (!reason.equals(target.lastFailure)) {
            target.lastFailure = reason;
            LOG.warnf("Reading a kubelet failed; CPU of the pods on node %s is left out until it recovers: %s",
                    target.node.name(), message);
        }
    }

    private void failPods(String node, String message) {
        for (PodKey pod : podsByNode.getOrDefault(node, Set.of())) {
            store.recordFailure(pod, message);
        }
    }

    /** Turns a failed read into what a person can act on. */
    static String explain(KubeletNode node, ScrapeFailure failure) {
        String hint = switch (failure.reason()) {
            case HTTP_ERROR -> switch (failure.httpStatus()) {
                case 401 -> ": the kubelet refused the adapter's service-account token (kubelets must run with "
                        + "--authentication-token-webhook)";
                case 403 -> ": the kubelet denied get nodes/metrics; grant it to the adapter's ServiceAccount "
                        + "(manifests/base/rbac.yaml)";
                default -> "";
            };
            case TLS_ERROR -> ": set adapter.kubelet.ca-file to the CA of the kubelets' serving certificates, or "
                    + "adapter.kubelet.insecure-tls=true where kubelets serve self-signed ones";
            case CONNECT_ERROR, TIMEOUT -> " (the adapter must reach port " + node.port()
                    + " of every node that runs an inference pod)";
            default -> "";
        };
        return failure + hint;
    }

    void shutdown(@Observes ShutdownEvent event) {
        targets.keySet().forEach(this::stop);
        client.close();
    }

    /** A node being read; replaced (never mutated) when its kubelet moves. */
    private static final class Target {
        final KubeletNode node;
        volatile long timer;
        volatile boolean busy;
        volatile String lastFailure;

        Target(KubeletNode node) {
            this.node = node;
        }
    }
}
