package dev.hpa.adapter.playground;

import dev.hpa.adapter.testing.FakeModelServer;
import dev.hpa.adapter.testing.FakeModelServer.Format;
import dev.hpa.adapter.testing.TestPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Deployment controller of one InferenceService's predictor: keeps {@link #replicas()} pods, each a Pod object in
 * the Kubernetes API (pod IP 127.0.0.1, TorchServe's metrics annotations) and a local TorchServe-format model server
 * with a real {@code /v1/models/mnist:predict}. A new pod is Running but not Ready for {@code readinessDelay}, like a
 * pod loading its model; a deleted pod leaves the endpoints at once and its server finishes what it holds first.
 */
public final class PredictorPods implements AutoCloseable {

    public static final String MODEL = "mnist";
    private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"; // the alphabet of Kubernetes' name suffixes
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TestPods objects;
    private final Vertx vertx;
    private final String namespace;
    private final String isvc;
    private final String namePrefix;
    private final Duration serviceTime;
    private final Duration readinessDelay;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "predictor-pods");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Predictor> pods = new CopyOnWriteArrayList<>();

    public PredictorPods(KubernetesClient client, Vertx vertx, String namespace, String isvc, Duration serviceTime,
            Duration readinessDelay) {
        this.objects = new TestPods(client);
        this.vertx = vertx;
        this.namespace = namespace;
        this.isvc = isvc;
        this.namePrefix = isvc + "-predictor-" + suffix(9) + "-";
        this.serviceTime = serviceTime;
        this.readinessDelay = readinessDelay;
    }

    public String namespace() {
        return namespace;
    }

    /** The label selector of the predictor's pods, as the HPA's scale target reports it. */
    public String labelSelector() {
        return TestPods.ISVC_LABEL + "=" + isvc;
    }

    public Duration readinessDelay() {
        return readinessDelay;
    }

    /** The Deployment's spec.replicas: pods that exist and are not being deleted. */
    public synchronized int replicas() {
        return (int) pods.stream().filter(pod -> !pod.terminating()).count();
    }

    /** Pods that take traffic now. */
    public List<Predictor> routable() {
        return pods.stream().filter(Predictor::routable).toList();
    }

    /** Every pod that is not being deleted, oldest first. */
    public List<Predictor> current() {
        return pods.stream().filter(pod -> !pod.terminating()).toList();
    }

    /**
     * Creates or deletes pods until {@code replicas} remain. Like the ReplicaSet controller, it deletes pods that are
     * not ready first, then the youngest.
     */
    public synchronized void scaleTo(int replicas) {
        List<Predictor> live = new ArrayList<>(current());
        for (int n = live.size(); n < replicas; n++) {
            create();
        }
        live.sort(Comparator.comparing(Predictor::ready).thenComparing(Predictor::createdNanos, Comparator.reverseOrder()));
        for (int i = 0; i < live.size() - replicas; i++) {
            delete(live.get(i));
        }
    }

    private void create() {
        String name = namePrefix + suffix(5);
        FakeModelServer server = FakeModelServer.start(vertx, Format.TORCHSERVE).serviceTime(serviceTime)
                .modelName(MODEL).podName(name);
        Predictor pod = new Predictor(name, server);
        pods.add(pod);
        objects.notReady(namespace, name, isvc, server);
        timers.schedule(() -> {
            if (!pod.terminating()) {
                objects.setReady(namespace, name, true);
                pod.markReady();
            }
        }, readinessDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Leaves the endpoints and the API at once; the server answers what it holds, then stops. */
    private void delete(Predictor pod) {
        pod.markTerminating();
        objects.delete(namespace, pod.name());
        timers.schedule(() -> {
            pods.remove(pod);
            pod.server().close();
        }, serviceTime.toMillis() * 2 + 100, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        timers.shutdownNow();
        for (Predictor pod : pods) {
            objects.delete(namespace, pod.name());
            pod.server().close();
        }
        pods.clear();
    }

    private static String suffix(int length) {
        StringBuilder suffix = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            suffix.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
        }
        return suffix.toString();
    }
}
